"""Metabolite ratios (seed 000 vistusertib example), molar correction, radioactivity."""

import pandas as pd
import pytest

from kinetor.adme import (
    metabolite_ratios,
    metabolite_to_parent_ratio,
    parent_fraction,
    parent_fraction_of_radioactivity,
)
from kinetor.errors import DataError, KinetorError, UnitError

MW = {"vistusertib": 462.55, "N-hydroxymethyl": 478.55, "desmethyl": 448.53}


def seed_table():
    # seed 000 (rat): N-hydroxymethyl ~25 %, desmethyl ~10 % of parent AUC. The parent
    # AUC of 1000 is an arbitrary scale; only the ratios come from the seed.
    return pd.DataFrame(
        {
            "species": "rat",
            "analyte": ["vistusertib", "N-hydroxymethyl", "desmethyl"],
            "PPTESTCD": "AUCIFO",
            "value": [1000.0, 250.0, 100.0],
            "unit": "h*ng/mL",
        }
    )


def test_seed_ratios_mass_and_molar():
    out = metabolite_ratios(seed_table(), parent="vistusertib", mw=MW).set_index("metabolite")
    assert out.loc["N-hydroxymethyl", "ratio"] == pytest.approx(0.25)
    assert out.loc["desmethyl", "ratio"] == pytest.approx(0.10)
    # molar: 0.25 * 462.55 / 478.55 and 0.10 * 462.55 / 448.53
    assert out.loc["N-hydroxymethyl", "ratio_molar"] == pytest.approx(0.25 * 462.55 / 478.55)
    assert out.loc["desmethyl", "ratio_molar"] == pytest.approx(0.10 * 462.55 / 448.53)
    no_mw = metabolite_ratios(seed_table(), parent="vistusertib")
    assert no_mw["ratio_molar"].isna().all()


def test_array_version():
    assert float(metabolite_to_parent_ratio(25.0, 100.0)) == pytest.approx(0.25)
    assert float(metabolite_to_parent_ratio(25.0, 100.0, 478.55, 462.55)) == pytest.approx(
        0.25 * 462.55 / 478.55
    )
    with pytest.raises(KinetorError, match="both molecular weights"):
        metabolite_to_parent_ratio(1.0, 2.0, mw_metabolite=400.0)


def test_mixed_mass_and_molar_units():
    # metabolite 500 nM*h; parent 1000 ng*h/mL = 1000/462.55 uM*h = 2161.93 nM*h
    # molar ratio 500 / 2161.93 = 0.231275; mass ratio = 500 nM*h x 478.55 g/mol
    # = 239.275 ng*h/mL over 1000 -> 0.239275
    p = pd.DataFrame(
        {
            "analyte": ["P", "M"],
            "PPTESTCD": "AUCLST",
            "value": [1000.0, 500.0],
            "unit": ["h*ng/mL", "h*nM"],
        }
    )
    out = metabolite_ratios(p, "P", parameter="AUCLST", mw={"P": 462.55, "M": 478.55})
    assert out["ratio"].iloc[0] == pytest.approx(0.239275)
    assert out["ratio_molar"].iloc[0] == pytest.approx(500 / (1000 / 462.55 * 1000))
    with pytest.raises(UnitError, match="molecular weight"):
        metabolite_ratios(p, "P", parameter="AUCLST")


def test_groups_pair_by_subject_and_carry_exclusions():
    p = pd.DataFrame(
        {
            "subject": ["1", "1", "2", "2", "3"],
            "analyte": ["P", "M", "P", "M", "M"],
            "pptestcd": "CMAX",
            "value": [10.0, 2.0, 20.0, 8.0, 5.0],
            "unit": "ng/mL",
            "exclude": ["", "", "", "few points", ""],
        }
    )
    out = metabolite_ratios(p, "P", parameter="CMAX").set_index("subject")
    assert out.loc["1", "ratio"] == pytest.approx(0.2)
    assert out.loc["2", "ratio"] == pytest.approx(0.4)
    assert out.loc["2", "exclude"] == "few points"
    assert pd.isna(out.loc["3", "ratio"]) and "no parent CMAX" in out.loc["3", "exclude"]


def test_parent_fraction_of_radioactivity():
    assert float(parent_fraction(30.0, 120.0)) == pytest.approx(0.25)
    p = pd.DataFrame(
        {
            "subject": ["R1", "R1", "R2", "R2"],
            "analyte": ["P", "TRA", "P", "TRA"],
            "PPTESTCD": "AUCLST",
            "value": [30.0, 120.0, 45.0, 90.0],
            "unit": "h*ng-eq/mL",
        }
    )
    out = parent_fraction_of_radioactivity(p, "P", "TRA", "AUCLST").set_index("subject")
    assert out["pct_parent"].to_dict() == pytest.approx({"R1": 25.0, "R2": 50.0})


def test_bad_tables():
    with pytest.raises(DataError, match="no 'unit' column"):
        metabolite_ratios(seed_table().drop(columns="unit"), "vistusertib")
    with pytest.raises(DataError, match="no AUCIFO rows for the parent"):
        metabolite_ratios(seed_table(), "everolimus")
    dup = pd.concat([seed_table(), seed_table()])
    with pytest.raises(DataError, match="more than one AUCIFO"):
        metabolite_ratios(dup, "vistusertib")
