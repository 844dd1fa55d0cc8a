"""Audit s21 (adme): metabolite ratios, parent fraction of radioactivity, binding table and
the elementary binding formulas. Expected values are worked by hand in the comments."""

import math

import numpy as np
import pandas as pd
import pytest

from kinetor.adme import (
    binding_table,
    dialysis_recovery,
    fu_dialysis,
    fu_ultrafiltration,
    metabolite_ratios,
    parent_fraction_of_radioactivity,
)
from kinetor.cli.main import main
from kinetor.errors import DataError


def _long(subjects, analytes, values, units):
    return pd.DataFrame(
        {
            "subject": subjects,
            "analyte": analytes,
            "PPTESTCD": "AUCIFO",
            "value": values,
            "unit": units,
        }
    )


MIXED = _long(
    ["S1", "S1", "S2", "S2"],
    ["P", "M", "P", "M"],
    [1000.0, 250, 2500, 250],
    ["h*ng/mL", "h*ng/mL", "h*nM", "h*nM"],
)
MIXED2 = _long(
    ["S1", "S1", "S2", "S2"],
    ["P", "M", "P", "M"],
    [2500.0, 250, 1000, 250],
    ["h*nM", "h*nM", "h*ng/mL", "h*ng/mL"],
)


# A1: the basis (mass/molar) and unit of each row are those of its own parent row
def test_a1_molar_group_after_mass_group():
    out = metabolite_ratios(MIXED, "P").set_index("subject")
    # S2: 250 nM*h / 2500 nM*h = 0.1, molar without any MW
    assert out.loc["S2", "ratio_molar"] == pytest.approx(0.1)
    assert out.loc["S2", "unit"] == "h*nM"
    assert out.loc["S1", "unit"] == "h*ng/mL"
    assert math.isnan(out.loc["S1", "ratio_molar"])
    assert "molecular weight" in out.loc["S1", "note"]


def test_a1_mass_group_after_molar_group_no_mw():
    out = metabolite_ratios(MIXED2, "P").set_index("subject")
    assert out.loc["S1", "ratio_molar"] == pytest.approx(0.1)  # 250/2500, molar
    assert math.isnan(out.loc["S2", "ratio_molar"])  # mass, no MW: no molar ratio
    assert "molecular weight" in out.loc["S2", "note"]
    assert out.loc["S2", "ratio"] == pytest.approx(0.25)  # 250/1000 mass


def test_a1_mass_group_after_molar_group_with_mw():
    out = metabolite_ratios(MIXED2, "P", mw={"P": 400.0, "M": 300.0}).set_index("subject")
    # (250/300) / (1000/400) = 0.8333 / 2.5 = 0.3333
    assert out.loc["S2", "ratio_molar"] == pytest.approx(1.0 / 3.0)
    assert out.loc["S1", "ratio_molar"] == pytest.approx(0.1)


def test_a1_cli_mixed(tmp_path):
    f = tmp_path / "r.csv"
    MIXED.to_csv(f, index=False)
    assert main(["adme", "ratios", str(f), "--parent", "P", "--out", str(tmp_path / "o")]) == 0
    out = pd.read_csv(tmp_path / "o" / "metabolite_ratios.csv").set_index("subject")
    assert out.loc["S2", "ratio_molar"] == pytest.approx(0.1)
    assert out.loc["S2", "unit"] == "h*nM"


# B1: no parent row in the first group: NaN with the reason, the other group computed
def test_b1_no_parent_in_first_group():
    p = _long(["S1", "S2", "S2"], ["M", "P", "M"], [100.0, 1000, 250], "h*ng/mL")
    out = metabolite_ratios(p, "P").set_index("subject")
    assert math.isnan(out.loc["S1", "ratio"])
    assert "no parent AUCIFO" in out.loc["S1", "exclude"]
    assert out.loc["S2", "ratio"] == pytest.approx(0.25)  # 250/1000


# B6: an empty metabolite unit is refused, never taken as the parent's
def test_b6_empty_unit_refused():
    p = _long(["S1", "S1"], ["P", "M"], [1000.0, 250], ["h*ng/mL", ""])
    with pytest.raises(DataError) as e:
        metabolite_ratios(p, "P", file="r.csv")
    prob = e.value.problems[0]
    assert (prob.file, prob.row, prob.column) == ("r.csv", 3, "unit")


# B11: by= naming a missing column
def test_b11_ratios_by_missing_column():
    with pytest.raises(DataError) as e:
        metabolite_ratios(MIXED, "P", by=["visit"])
    assert e.value.problems[0].column == "visit"


def test_b11_binding_by_missing_column_one_row():
    d = pd.DataFrame({"c_buffer": [5.0], "c_plasma": [100.0]})
    with pytest.raises(DataError) as e:
        binding_table(d, by=["species"])
    assert e.value.problems[0].column == "species"


# B5: parent fraction of total radioactivity
def test_b5_parent_fraction_reasons_and_flag():
    p = _long(
        ["S1", "S1", "S2", "S3", "S3", "S4", "S4"],
        ["P", "TRA", "P", "P", "TRA", "P", "TRA"],
        [30.0, 120, 40, 10, 0, 300, 120],
        "h*ng/mL",
    )
    out = parent_fraction_of_radioactivity(p, "P", "TRA").set_index("subject")
    assert out.loc["S1", "fraction_parent"] == pytest.approx(0.25)  # 30/120
    assert math.isnan(out.loc["S2", "fraction_parent"])
    assert "no TRA" in out.loc["S2", "exclude"]
    assert math.isnan(out.loc["S3", "fraction_parent"])  # not inf
    assert "is 0" in out.loc["S3", "exclude"]
    assert out.loc["S4", "fraction_parent"] == pytest.approx(2.5)  # 300/120, kept
    assert "above total" in out.loc["S4", "flag"]
    assert out.loc["S1", "flag"] == ""


# B2: two columns that mean the same
def test_b2_duplicate_alias_columns():
    d = pd.DataFrame(
        {"compound": ["X"], "c_uf": [5.0], "c_ultrafiltrate": [6.0], "c_total": [100.0]}
    )
    with pytest.raises(DataError) as e:
        binding_table(d, method="ultrafiltration", file="b.csv")
    msg = e.value.problems[0].message
    assert "c_uf" in msg and "c_ultrafiltrate" in msg


# B3: c0 = 0 refused in the table checks with file, row, column
def test_b3_c0_zero():
    d = pd.DataFrame(
        {
            "compound": "X",
            "c_buffer": [5.0, 5.0],
            "c_plasma": [100.0, 100.0],
            "c0": [1000.0, 0.0],
            "v_buffer": [0.35, 0.35],
            "v_plasma": [0.2, 0.2],
        }
    )
    with pytest.raises(DataError) as e:
        binding_table(d, file="b.csv")
    prob = e.value.problems[0]
    assert (prob.file, prob.row, prob.column) == ("b.csv", 3, "c0")


# B4: a correction column filled for some rows only
@pytest.mark.parametrize("col,val", [("recovery", 0.8), ("nsb", 0.2), ("dilution", 10.0)])
def test_b4_partial_correction_column(col, val):
    method = "dialysis" if col == "dilution" else "ultrafiltration"
    names = ("c_buffer", "c_plasma") if method == "dialysis" else ("c_ultrafiltrate", "c_total")
    d = pd.DataFrame(
        {"compound": "X", names[0]: [5.0, 5.0], names[1]: [100.0, 100.0], col: [val, np.nan]}
    )
    with pytest.raises(DataError) as e:
        binding_table(d, method=method, file="b.csv")
    prob = e.value.problems[0]
    assert (prob.row, prob.column) == (3, col)


# C-c: fu_app > 1 with a dilution correction: fu NaN with the reason, out of the summary
def test_cc_negative_fu_left_out():
    d = pd.DataFrame(
        {
            "compound": "X",
            "c_buffer": [120.0, 5.0, 6.0],
            "c_plasma": [100.0, 100.0, 100.0],
            "dilution": 10.0,
        }
    )
    rep, summ = binding_table(d)
    # 1.2 with D = 10: 0.1 / ((1/1.2 - 1) + 0.1) = 0.1 / -0.0667 = -1.5 -> NaN
    assert math.isnan(rep["fu"].iloc[0])
    assert "fu < 0" in rep["flag"].iloc[0]
    fu2 = 0.1 / ((1 / 0.05 - 1) + 0.1)  # 0.1/19.1
    fu3 = 0.1 / ((1 / 0.06 - 1) + 0.1)
    assert rep["fu"].iloc[1] == pytest.approx(fu2)
    assert int(summ["n"].iloc[0]) == 2
    assert summ["fu_mean"].iloc[0] == pytest.approx((fu2 + fu3) / 2)
    assert "1 replicate(s) left out" in summ["flag"].iloc[0]


# B7: the elementary functions refuse what the docs say they refuse
@pytest.mark.parametrize(
    "call",
    [
        lambda: fu_ultrafiltration(5.0, 100.0, nsb=1.0),
        lambda: fu_ultrafiltration(5.0, 100.0, nsb=18.0),
        lambda: fu_ultrafiltration(5.0, 100.0, nsb=-0.1),
        lambda: fu_ultrafiltration(5.0, 100.0, recovery=82.0),
        lambda: fu_ultrafiltration(5.0, 100.0, recovery=0.0),
        lambda: fu_ultrafiltration(5.0, 100.0, dilution=0.5),
        lambda: fu_dialysis(5.0, 100.0, dilution=0.1),
        lambda: dialysis_recovery(-5.0, 90.0, 100.0, 0.2, 0.2),
        lambda: dialysis_recovery(5.0, -90.0, 100.0, 0.2, 0.2),
        lambda: dialysis_recovery(5.0, 90.0, 100.0, -0.2, 0.2),
        lambda: dialysis_recovery(5.0, 90.0, 100.0, 0.2, 0.0),
    ],
)
def test_b7_elementary_refusals(call):
    with pytest.raises(DataError):
        call()


def test_b7_valid_values_still_work():
    assert float(fu_ultrafiltration(4.0, 100.0, nsb=0.2)) == pytest.approx(0.05)  # 0.04/0.8
    assert float(fu_ultrafiltration(3.0, 100.0, recovery=0.75)) == pytest.approx(0.04)
    # (5*0.2 + 90*0.2) / (100*0.2) = 19/20
    assert float(dialysis_recovery(5.0, 90.0, 100.0, 0.2, 0.2)) == pytest.approx(95.0)


# optional: MIST share M / (P + sum of metabolites), molar, flag above 10 %
def test_mist_share_molar():
    p = pd.DataFrame(
        {
            "analyte": ["P", "M1", "M2"],
            "PPTESTCD": "AUCIFO",
            "value": [1000.0, 300.0, 50.0],
            "unit": "h*nM",
        }
    )
    out = metabolite_ratios(p, "P").set_index("metabolite")
    # total 1000 + 300 + 50 = 1350 nM*h: M1 300/1350 = 0.2222, M2 50/1350 = 0.0370
    assert out.loc["M1", "share_molar"] == pytest.approx(300 / 1350)
    assert out.loc["M2", "share_molar"] == pytest.approx(50 / 1350)
    assert "10 %" in out.loc["M1", "mist_flag"]
    assert out.loc["M2", "mist_flag"] == ""


def test_mist_share_needs_molar_basis():
    p = pd.DataFrame(
        {"analyte": ["P", "M1"], "PPTESTCD": "AUCIFO", "value": [1000.0, 300.0], "unit": "h*ng/mL"}
    )
    assert math.isnan(metabolite_ratios(p, "P")["share_molar"].iloc[0])
    # with MW: M1 300/300 = 1 umol-ish, P 1000/500 = 2: share 1 / 3
    out = metabolite_ratios(p, "P", mw={"P": 500.0, "M1": 300.0})
    assert out["share_molar"].iloc[0] == pytest.approx(1.0 / 3.0)
