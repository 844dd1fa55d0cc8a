"""ADME re-audit (s21 remix): the MIST share over every metabolite of the table, notes for
absent and excluded metabolites, a missing molecular weight named by analyte and row,
molecular weights and zero denominators in the array functions, and a dilution-corrected
fu above 1. Expected values by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kinetor.adme import binding_table, metabolite_ratios
from kinetor.adme.metabolites import metabolite_to_parent_ratio, parent_fraction
from kinetor.errors import DataError, ModelError

MW = {"P": 400.0, "M1": 300.0, "M2": 500.0, "M3": 500.0}


def _table() -> pd.DataFrame:
    # /tmp/audit/remix/met.csv: one AUC per analyte and group, in mixed units
    rows = []
    for g, units in {
        "G1": [(1000, "h*ng/mL"), (300, "h*ng/mL"), (0.5, "h*ug/mL"), (200, "h*nM")],
        "G2": [(2.5, "h*uM"), (300, "h*ng/mL"), (0.5, "h*ug/mL"), (200, "h*nM")],
        "G3": [(60000, "min*ng/mL"), (300, "h*ng/mL"), (30000, "min*ng/mL"), (0.2, "h*uM")],
    }.items():
        for a, (v, u) in zip(("P", "M1", "M2", "M3"), units, strict=True):
            rows.append({"subject": g, "analyte": a, "PPTESTCD": "AUCIFO", "value": v, "unit": u})
    out = pd.DataFrame(rows)
    out["exclude"] = ""
    return out


# --- A1: share over every metabolite of the group -------------------------------------------


def test_mist_share_counts_every_metabolite_even_when_one_is_asked():
    # molar AUCs (nmol h/L), by hand, in every group: P 1000/400*1000 = 2500,
    # M1 300/300*1000 = 1000, M2 500/500*1000 = 1000, M3 200: M1 share 1000/4700
    out = metabolite_ratios(_table(), "P", metabolites=["M1"], mw=MW)
    assert out["metabolite"].tolist() == ["M1", "M1", "M1"]
    assert out["share_molar"].tolist() == pytest.approx([1000 / 4700] * 3)
    assert 1000 / 4700 == pytest.approx(0.212766, abs=1e-6)


def test_mist_share_notes_an_absent_and_an_excluded_metabolite():
    d = _table()
    d.loc[2, "exclude"] = "AUC extrapolated > 20 %"  # G1 M2
    d = d[~((d["subject"] == "G3") & (d["analyte"] == "M3"))]  # G3 lacks M3
    out = metabolite_ratios(d, "P", mw=MW).set_index(["subject", "metabolite"])
    # G3 without M3: 1000 / (2500 + 1000 + 1000) = 0.222222, with a note saying so
    assert out.loc[("G3", "M1"), "share_molar"] == pytest.approx(1000 / 4500)
    assert "without M3" in out.loc[("G3", "M1"), "note"]
    # G1 counts the excluded M2 (1000 / 4700) and says so on every row of the group
    assert out.loc[("G1", "M1"), "share_molar"] == pytest.approx(1000 / 4700)
    for met in ("M1", "M2", "M3"):
        note = out.loc[("G1", met), "note"]
        assert "M2" in note and "excluded" in note and "AUC extrapolated" in note
    assert out.loc[("G2", "M1"), "note"] == ""


def test_mist_share_without_a_convertible_unasked_metabolite_is_nan_with_a_note():
    # M3 (h*nM against a parent in h*ng/mL) has no MW and is not asked for: no total
    mw = {k: v for k, v in MW.items() if k != "M3"}
    out = metabolite_ratios(_table(), "P", metabolites=["M1"], mw=mw).set_index("subject")
    assert math.isnan(out.loc["G1", "share_molar"])
    assert "no molar ratio for M3" in out.loc["G1", "note"]
    assert out.loc["G1", "ratio_molar"] == pytest.approx(0.4)  # (300/300) / (1000/400)
    # G2: parent in h*uM, M3 in h*nM: molar both, no MW needed: 1000 / 4700
    assert out.loc["G2", "share_molar"] == pytest.approx(1000 / 4700)


# --- B4: a missing molecular weight names the analyte, file, row and fix ---------------------


def test_missing_mw_names_analyte_row_and_fix():
    mw = {k: v for k, v in MW.items() if k != "M3"}
    with pytest.raises(DataError) as err:
        metabolite_ratios(_table(), "P", mw=mw, file="met.csv")
    probs = err.value.problems
    # M3 of G1 is data row 4 -> file row 5 (header on row 1); of G3 row 12 -> 13
    assert [(p.file, p.row, p.column) for p in probs] == [
        ("met.csv", 5, "unit"),
        ("met.csv", 13, "unit"),
    ]
    assert all("'M3'" in p.message for p in probs)
    assert all("--mw M3=G_PER_MOL" in p.fix for p in probs)


# --- B5: molecular weights and zero denominators of the array functions ----------------------


@pytest.mark.parametrize("mw_m", [-478.55, 0.0, math.nan, math.inf, "x"])
def test_ratio_refuses_a_molecular_weight_not_above_0(mw_m):
    with pytest.raises(ModelError, match="molecular weight"):
        metabolite_to_parent_ratio(25.0, 100.0, mw_m, 462.55)
    with pytest.raises(ModelError, match="molecular weight"):
        metabolite_to_parent_ratio(25.0, 100.0, 462.55, mw_m)


def test_zero_denominators_give_nan_not_inf():
    assert math.isnan(float(metabolite_to_parent_ratio(25.0, 0.0)))
    assert math.isnan(float(parent_fraction(30.0, 0.0)))
    r = metabolite_to_parent_ratio([25.0, 25.0], [0.0, 100.0], 478.55, 462.55)
    assert math.isnan(r[0]) and r[1] == pytest.approx(0.25 * 462.55 / 478.55)


# --- C2: a dilution-corrected fu above 1 is no fu ---------------------------------------------


def test_corrected_fu_above_1_is_nan_and_left_out_of_the_mean():
    d = pd.DataFrame(
        {
            "compound": "X",
            "c_buffer": [105.0, 5.0, 120.0, 1000.0 / 9.0],
            "c_plasma": 100.0,
            "dilution": 10.0,
        }
    )
    rep, summ = binding_table(d)
    # fu_app 1.05 with D 10 would give 0.1 / (1/1.05 - 1 + 0.1) = 1.909; 1.2 gives < 0;
    # 10/9 = D/(D-1) is the pole: all NaN. fu_app 0.05: 0.1 / (19 + 0.1) = 0.0052356
    fu = rep["fu"].to_numpy(float)
    assert np.isnan(fu[[0, 2, 3]]).all()
    assert fu[1] == pytest.approx(0.1 / 19.1)
    assert all("no fu" in f for f in rep["flag"].iloc[[0, 2, 3]])
    assert int(summ["n"].iloc[0]) == 1
    assert summ["fu_mean"].iloc[0] == pytest.approx(0.1 / 19.1)
    assert "3 replicate(s) left out" in summ["flag"].iloc[0]


def test_uncorrected_fu_above_1_is_kept_and_flagged():
    d = pd.DataFrame({"compound": "X", "c_buffer": [105.0, 95.0], "c_plasma": 100.0})
    rep, summ = binding_table(d)
    assert rep["fu"].tolist() == pytest.approx([1.05, 0.95])
    assert "fu > 1" in rep["flag"].iloc[0]
    assert summ["fu_mean"].iloc[0] == pytest.approx(1.0)
