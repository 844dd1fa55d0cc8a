"""Audit s21 (adme): excretion dose/weight per subject, notes, conc x volume columns, and
the free-exposure / time-above refusals. Expected values are worked by hand."""

import numpy as np
import pandas as pd
import pytest

from kinetor.adme import (
    cumulative_excretion,
    free_cmax_over_ic50,
    free_exposure,
    time_above,
    time_above_threshold,
)
from kinetor.cli.main import main
from kinetor.errors import DataError


def _ex(**cols):
    base = {
        "subject": "R1",
        "matrix": ["urine", "urine", "feces"],
        "start": [0, 24, 0],
        "end": [24, 48, 48],
        "amount": [100.0, 100.0, 500.0],
    }
    base.update(cols)
    return pd.DataFrame(base)


# B9: a dose varying within one subject
def test_b9_dose_varies_within_subject():
    with pytest.raises(DataError) as e:
        cumulative_excretion(
            _ex(dose=[1.0, 10.0, 10.0]), dose_unit="mg", amount_unit="ug", file="e.csv"
        )
    prob = e.value.problems[0]
    assert prob.column == "dose" and prob.row == 3
    assert "row 2" in prob.message and "row 4" in prob.message


def test_b9_weight_varies_within_subject():
    d = _ex(weight=[0.25, 0.25, 0.3])
    with pytest.raises(DataError) as e:
        cumulative_excretion(d, dose=1.0, dose_unit="mg/kg", amount_unit="ug")
    prob = e.value.problems[0]
    assert (prob.column, prob.row) == ("weight", 4)


def test_b9_one_dose_per_subject_still_works():
    d = pd.concat([_ex(dose=10.0), _ex(subject="R2", dose=20.0)], ignore_index=True)
    res = cumulative_excretion(d, dose_unit="ug", amount_unit="ug")
    tot = res.recovery[res.recovery["matrix"] == "TOTAL"].set_index("subject")["pct_dose"]
    # 700 ug of 10 ug -> 7000 %, of 20 ug -> 3500 %
    assert tot["R1"] == pytest.approx(7000.0)
    assert tot["R2"] == pytest.approx(3500.0)


# B10: text in the dose column when the dose is given
def test_b10_text_dose_with_dose_given():
    d = _ex(dose=["abc", "10", "10"])
    with pytest.raises(DataError) as e:
        cumulative_excretion(d, dose=10.0, dose_unit="mg", amount_unit="ug", file="e.csv")
    prob = e.value.problems[0]
    assert (prob.row, prob.column) == (2, "dose")


# C-a: gaps and recovery outside 90-110 % are notes, not refusals
def test_ca_gap_and_low_recovery_notes():
    d = pd.DataFrame(
        {
            "subject": "R1",
            "matrix": ["urine", "urine", "feces"],
            "start": [0, 48, 0],
            "end": [24, 72, 72],
            "amount": [1.0, 1.0, 5.0],
        }
    )
    res = cumulative_excretion(d, dose=10.0, dose_unit="ug", amount_unit="ug", file="g.csv")
    gap = [n for n in res.notes if "no collection from 24 to 48" in n]
    assert len(gap) == 1 and "URINE" in gap[0]
    low = [n for n in res.notes if "total recovery 70.0 %" in n]  # (1 + 1 + 5) / 10
    assert len(low) == 1


def test_ca_complete_collection_no_notes():
    d = pd.DataFrame(
        {
            "subject": "R1",
            "matrix": ["urine", "urine", "feces"],
            "start": [0, 24, 0],
            "end": [24, 48, 48],
            "amount": [2.0, 1.0, 7.0],
        }
    )
    res = cumulative_excretion(d, dose=10.0, dose_unit="ug", amount_unit="ug")
    assert res.notes == []  # contiguous, 100 % recovered


def test_ca_cli_prints_notes(tmp_path, capsys):
    f = tmp_path / "g.csv"
    pd.DataFrame(
        {
            "subject": "R1",
            "matrix": ["urine", "urine"],
            "start": [0, 48],
            "end": [24, 72],
            "amount": [5.0, 5.0],
        }
    ).to_csv(f, index=False)
    code = main(
        [
            "adme",
            "excretion",
            str(f),
            "--dose",
            "10 ug",
            "--amount-unit",
            "ug",
            "--no-plot",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 0
    assert "no collection from 24 to 48" in capsys.readouterr().err.replace("\n", " ")


# C-b: the bad column of conc x volume is named
def test_cb_conc_volume_names_volume():
    d = pd.DataFrame(
        {
            "subject": "R1",
            "matrix": "urine",
            "start": [0, 24],
            "end": [24, 48],
            "conc": [2.0, 2.0],
            "volume": [-10.0, np.nan],
        }
    )
    with pytest.raises(DataError) as e:
        cumulative_excretion(
            d, dose=10.0, dose_unit="ug", amount_unit="ug", conc_unit="ug/mL", volume_unit="mL"
        )
    cols = {(p.row, p.column) for p in e.value.problems}
    assert cols == {(2, "volume"), (3, "volume")}


def test_cb_negative_conc_and_volume_not_a_positive_amount():
    d = pd.DataFrame(
        {
            "subject": "R1",
            "matrix": "urine",
            "start": [0],
            "end": [24],
            "conc": [-2.0],
            "volume": [-10.0],
        }
    )
    with pytest.raises(DataError) as e:
        cumulative_excretion(
            d, dose=10.0, dose_unit="ug", amount_unit="ug", conc_unit="ug/mL", volume_unit="mL"
        )
    assert {p.column for p in e.value.problems} == {"conc", "volume"}


# B8: exposure refusals
P = pd.DataFrame({"subject": "m1", "PPTESTCD": ["CMAX"], "value": [2000.0], "unit": ["ng/mL"]})
PROFILE = pd.DataFrame({"subject": "a", "time": [0, 1, 2], "conc": [0.0, 10.0, 0.0]})


@pytest.mark.parametrize(
    "call",
    [
        lambda: free_exposure(P, 0.05, ic50=0.0, ic50_unit="ng/mL"),
        lambda: free_exposure(P, 0.05, ic50=-5.0, ic50_unit="ng/mL"),
        lambda: free_cmax_over_ic50(100.0, 5.0, 10.0, "ng/mL", "ng/mL"),
        lambda: free_cmax_over_ic50(100.0, 0.1, 0.0, "ng/mL", "ng/mL"),
        lambda: time_above_threshold(PROFILE, 5.0, method="log"),
        lambda: time_above([0, 1, 2], [0, 10, 0], 5.0, method="log"),
        lambda: time_above_threshold(PROFILE, float("nan")),
        lambda: time_above_threshold(PROFILE.assign(conc=["0", "1O", "0"]), 5.0),
    ],
)
def test_b8_exposure_refusals(call):
    with pytest.raises(DataError):
        call()


def test_b8_text_conc_names_row_and_column():
    with pytest.raises(DataError) as e:
        time_above_threshold(PROFILE.assign(conc=["0", "1O", "0"]), 5.0)
    prob = e.value.problems[0]
    assert (prob.row, prob.column) == (3, "conc")


def test_b8_valid_values_still_work():
    # 1000 ng/mL x 0.05 = 50 ng/mL over 25 ng/mL = 2
    assert float(free_cmax_over_ic50(1000.0, 0.05, 25.0, "ng/mL", "ng/mL")) == pytest.approx(2.0)
    # up 0->10 crosses 5 at 0.5, down at 1.5: 1 h above
    assert time_above_threshold(PROFILE, 5.0)["time_above"].iloc[0] == pytest.approx(1.0)
