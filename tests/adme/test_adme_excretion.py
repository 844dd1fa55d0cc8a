"""Excretion / mass balance: cumulative % of dose computed by hand."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kinetor.adme import cumulative_excretion
from kinetor.errors import DataError, UnitError


def table():
    # dose 2 mg; urine 0-8 h 0.1 mg, 8-24 h 0.06 mg; faeces 0-24 h 1.2 mg, 24-48 h 0.4 mg
    return pd.DataFrame(
        {
            "subject": ["R1"] * 4,
            "matrix": ["urine", "urine", "feces", "feces"],
            "start": [0, 8, 0, 24],
            "end": [8, 24, 24, 48],
            "amount": [0.1, 0.06, 1.2, 0.4],
        }
    )


def test_cumulative_percent_by_hand():
    res = cumulative_excretion(table(), dose=2.0, amount_unit="mg", dose_unit="mg")
    iv = res.intervals.set_index(["matrix", "start"])
    # urine: 0.1/2 = 5 %, 0.06/2 = 3 % -> cumulative 5, 8
    assert iv.loc["URINE", "pct_dose"].to_numpy() == pytest.approx([5.0, 3.0])
    assert iv.loc["URINE", "cum_pct_dose"].to_numpy() == pytest.approx([5.0, 8.0])
    # faeces: 60 %, 20 % -> 60, 80
    assert iv.loc["FAECES", "cum_pct_dose"].to_numpy() == pytest.approx([60.0, 80.0])
    assert iv.loc["FAECES", "cum_amount"].to_numpy() == pytest.approx([1.2, 1.6])
    rec = res.recovery.set_index("matrix")
    assert rec.loc["TOTAL", "pct_dose"] == pytest.approx(88.0)  # 8 + 80
    assert rec.loc["TOTAL", "amount"] == pytest.approx(1.76)
    assert rec.loc["TOTAL", "end"] == 48


def test_units_are_converted_never_guessed():
    d = table().assign(amount=[100.0, 60.0, 1200.0, 400.0])  # ug
    res = cumulative_excretion(d, dose=2.0, amount_unit="ug", dose_unit="mg")
    assert res.recovery.set_index("matrix").loc["TOTAL", "pct_dose"] == pytest.approx(88.0)
    with pytest.raises(UnitError):
        cumulative_excretion(d, dose=2.0, amount_unit="ug", dose_unit=None)
    with pytest.raises(UnitError):
        cumulative_excretion(d, dose=2.0, amount_unit="ug", dose_unit="h")


def test_per_kg_dose_needs_weight():
    # 10 mg/kg x 0.25 kg = 2.5 mg; 0.5 mg in urine = 20 %
    d = pd.DataFrame(
        {
            "subject": ["R1"],
            "matrix": ["urine"],
            "start": [0],
            "end": [24],
            "amount": [0.5],
            "weight": [0.25],
        }
    )
    res = cumulative_excretion(d, dose=10.0, amount_unit="mg", dose_unit="mg/kg")
    assert res.intervals["pct_dose"].iloc[0] == pytest.approx(20.0)
    with pytest.raises(DataError, match="needs body weights"):
        cumulative_excretion(
            d.drop(columns="weight"), dose=10.0, amount_unit="mg", dose_unit="mg/kg"
        )


def test_conc_times_volume_and_radioactivity_units():
    # 10 ug/mL x 5 mL = 50 ug; dose 1 mg -> 5 %
    d = pd.DataFrame(
        {
            "subject": ["R1"],
            "matrix": ["urine"],
            "start": [0],
            "end": [24],
            "conc": [10.0],
            "volume": [5.0],
        }
    )
    res = cumulative_excretion(
        d, dose=1.0, amount_unit="ug", dose_unit="mg", conc_unit="ug/mL", volume_unit="mL"
    )
    assert res.intervals["pct_dose"].iloc[0] == pytest.approx(5.0)
    # dpm is not a pint unit: identical strings are compared as they are
    r = pd.DataFrame(
        {"subject": ["R1"], "matrix": ["urine"], "start": [0], "end": [24], "amount": [1e5]}
    )
    out = cumulative_excretion(r, dose=1e6, amount_unit="dpm", dose_unit="dpm")
    assert out.intervals["pct_dose"].iloc[0] == pytest.approx(10.0)


def test_per_subject_dose_column():
    d = pd.concat([table(), table().assign(subject="R2")], ignore_index=True)
    d["dose"] = [2.0] * 4 + [4.0] * 4
    res = cumulative_excretion(d, amount_unit="mg", dose_unit="mg")
    tot = res.recovery[res.recovery["matrix"] == "TOTAL"].set_index("subject")["pct_dose"]
    assert tot.to_dict() == pytest.approx({"R1": 88.0, "R2": 44.0})
    summ = res.summary.set_index("matrix")
    assert summ.loc["TOTAL", "pct_dose_mean"] == pytest.approx(66.0)
    assert summ.loc["TOTAL", "n"] == 2


def test_bad_rows_all_listed():
    d = pd.DataFrame(
        {
            "subject": ["R1"] * 4,
            "matrix": ["urine"] * 4,
            "start": ["0", "8", "20", "30"],
            "end": ["8", "24", "30", "30"],
            "amount": ["0.1", "-0.2", "x", "0.1"],
        }
    )
    with pytest.raises(DataError) as err:
        cumulative_excretion(d, dose=1.0, amount_unit="mg", dose_unit="mg", file="ex.csv")
    got = {(p.row, p.column) for p in err.value.problems}
    # row 3: negative; row 4: not a number; row 5: end == start
    assert {(3, "amount"), (4, "amount"), (5, "end")} <= got
    # overlapping intervals (0-8 then 4-10) in one subject and matrix
    o = pd.DataFrame(
        {
            "subject": ["R1", "R1"],
            "matrix": ["urine", "urine"],
            "start": [0, 4],
            "end": [8, 10],
            "amount": [0.1, 0.1],
        }
    )
    with pytest.raises(DataError, match="overlaps"):
        cumulative_excretion(o, dose=1.0, amount_unit="mg", dose_unit="mg")


@settings(max_examples=40, deadline=None)
@given(
    amounts=st.lists(st.floats(0, 10), min_size=1, max_size=6),
    dose=st.floats(0.1, 100),
    scale=st.floats(0.01, 100),
)
def test_mass_balance_invariants(amounts, dose, scale):
    n = len(amounts)
    d = pd.DataFrame(
        {
            "subject": "R",
            "matrix": ["urine", "faeces"] * n,
            "start": np.repeat(np.arange(n) * 24.0, 2),
            "end": np.repeat(np.arange(1, n + 1) * 24.0, 2),
            "amount": np.repeat(amounts, 2),
        }
    )
    res = cumulative_excretion(d, dose=dose, amount_unit="mg", dose_unit="mg")
    rec = res.recovery.set_index("matrix")["pct_dose"]
    # total = sum of matrices = 100 * sum(amounts) / dose
    assert rec["TOTAL"] == pytest.approx(rec["URINE"] + rec["FAECES"], abs=1e-9)
    assert rec["TOTAL"] == pytest.approx(200 * sum(amounts) / dose, rel=1e-9, abs=1e-9)
    # scaling amounts and dose together leaves the percentages unchanged
    scaled = cumulative_excretion(
        d.assign(amount=d["amount"] * scale), dose=dose * scale, amount_unit="mg", dose_unit="mg"
    )
    assert scaled.intervals["cum_pct_dose"].to_numpy() == pytest.approx(
        res.intervals["cum_pct_dose"].to_numpy(), rel=1e-9, abs=1e-9
    )
    # cumulative never decreases
    for _, g in res.intervals.groupby("matrix"):
        assert np.all(np.diff(g["cum_pct_dose"].to_numpy()) >= -1e-12)
