"""s22 tumour chain: doubling times keep every animal, TGI delta names unmatched animals,
fit units name mm^3 and the exposure's concentration unit, a time (h) column's fix."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import kinetor.pd as kp
from kinetor.errors import DataError
from kinetor.pd.fit_models import fit_pd

LN2 = math.log(2.0)


def _vols(rows):
    return pd.DataFrame(rows, columns=["animal", "group", "day", "volume"])


def test_doubling_time_keeps_every_animal_and_group():
    df = _vols(
        [
            ("a", "G", 0, 100.0), ("a", "G", 7, 200.0),
            ("b", "G", 0, 100.0), ("b", "G", 7, 0.0),
            ("c", "H", 0, 100.0), ("c", "H", 7, 0.0),
        ]
    )  # fmt: skip
    res = kp.doubling_time(df).set_index("group")
    assert list(res.index) == ["G", "H"]  # H (all animals at 0) no longer vanishes
    assert res.loc["G", "n"] == 2 and res.loc["G", "n_used"] == 1
    assert res.loc["G", "doubling_time"] == pytest.approx(7.0)  # ln2 / (ln 2 / 7)
    assert "animal b" in res.loc["G", "reason"] and "volume_floor" in res.loc["G", "reason"]
    assert res.loc["H", "n"] == 1 and res.loc["H", "n_used"] == 0
    assert math.isnan(res.loc["H", "doubling_time"]) and "animal c" in res.loc["H", "reason"]


def _drug():
    return _vols(
        [
            ("d1", "Drug", 0, 105.0), ("d1", "Drug", 7, 150.0), ("d1", "Drug", 14, 200.0),
            ("d2", "Drug", 0, 95.0), ("d2", "Drug", 7, 90.0), ("d2", "Drug", 14, 60.0),
            ("d3", "Drug", 0, 130.0), ("d3", "Drug", 7, 160.0),
        ]
    )  # fmt: skip


def test_doubling_time_median_ranks_a_shrinking_tumour_last():
    # independent per-animal slopes of ln V on day (np.polyfit)
    df = _drug()
    slopes = {a: np.polyfit(g["day"], np.log(g["volume"]), 1)[0] for a, g in df.groupby("animal")}
    assert slopes["d2"] < 0  # never doubles: inf
    times = sorted([LN2 / slopes["d1"], LN2 / slopes["d3"], math.inf])
    res = kp.doubling_time(df).set_index("group")
    assert res.loc["Drug", "n"] == 3 and res.loc["Drug", "n_used"] == 3
    assert res.loc["Drug", "median_animal_doubling_time"] == pytest.approx(times[1])  # 23.37
    assert times[1] == pytest.approx(23.3676, abs=1e-3)
    mean = (slopes["d1"] + slopes["d2"] + slopes["d3"]) / 3
    assert res.loc["Drug", "doubling_time"] == pytest.approx(LN2 / mean)
    assert "d2" in res.loc["Drug", "reason"] and "inf" in res.loc["Drug", "reason"]


def test_doubling_time_median_is_inf_when_it_falls_on_non_growing_tumours():
    df = _vols(
        [
            ("a", "G", 0, 100.0), ("a", "G", 7, 200.0),
            ("b", "G", 0, 100.0), ("b", "G", 7, 50.0),
        ]
    )  # fmt: skip
    res = kp.doubling_time(df).set_index("group")
    assert res.loc["G", "median_animal_doubling_time"] == math.inf  # median of (7, inf)
    # mean rate (ln2 - ln2)/7/2 = 0: the group doubling time is undefined
    assert math.isnan(res.loc["G", "doubling_time"])


def test_tgi_delta_note_names_animals_missing_on_the_evaluation_day():
    df = _vols(
        [
            ("v1", "Vehicle", 0, 100.0), ("v1", "Vehicle", 7, 300.0), ("v1", "Vehicle", 14, 900.0),
            ("v2", "Vehicle", 0, 120.0), ("v2", "Vehicle", 7, 250.0), ("v2", "Vehicle", 14, 700.0),
            ("d1", "Drug", 0, 105.0), ("d1", "Drug", 7, 150.0), ("d1", "Drug", 14, 200.0),
            ("d2", "Drug", 0, 95.0), ("d2", "Drug", 7, 90.0),
        ]
    )  # fmt: skip
    res = kp.tgi(df, "Vehicle", day=14).set_index("group")
    # default kept: dT = 200 - (105 + 95)/2 = 100, dC = 800 - 110 = 690
    assert res.loc["Drug", "tgi_pct"] == pytest.approx(100 * (1 - 100 / 690))  # 85.51
    note = res.loc["Drug", "note"]
    assert "baseline (day 0) mean includes animals missing on the evaluation day 14" in note
    assert "d2" in note
    # matched animals: dT = 200 - 105 = 95 -> 86.23 %
    assert f"{100 * (1 - 95 / 690):.4g} %" in note
    assert res.loc["Vehicle", "note"] == ""


@pytest.fixture(scope="module")
def tumour_fit_data():
    days = np.array([0.0, 3.0, 7.0, 10.0, 14.0])
    rows = []
    for i, v0 in enumerate([100.0, 110.0, 90.0]):
        for grp, k in (("Vehicle", 0.2), ("Drug", 0.1)):
            for d in days:
                rows.append((f"{grp[0]}{i}", grp, d, v0 * math.exp(k * d) * (1 + 0.02 * (i - 1))))
    vol = _vols(rows)
    vol.columns = ["animal", "group", "day", "volume (mL)"]
    vol["volume (mL)"] /= 1000.0  # read in mL, converted to mm^3
    return vol


@pytest.mark.parametrize("header, unit", [("conc (ng/mL)", "1/(ng/mL*day)"), ("conc", None)])
def test_pd_fit_units_name_mm3_and_the_exposure_unit(tumour_fit_data, header, unit):
    vol = kp.read_volumes(tumour_fit_data)
    ex = pd.DataFrame(
        {"group": ["Vehicle", "Vehicle", "Drug", "Drug"], "day": [0, 14, 0, 14],
         header: [0.0, 0.0, 100.0, 100.0]}
    )  # fmt: skip
    f = fit_pd(vol, "exponential", exposure=ex, by="pooled")
    units = f.summary.drop_duplicates("parameter").set_index("parameter")["unit"]
    assert units["v0"] == "mm^3" and units["kg"] == "1/day"
    assert vol["volume"].iloc[0] == pytest.approx(
        tumour_fit_data.sort_values(["group", "animal", "day"])["volume (mL)"].iloc[0] * 1000
    )
    notes = " ".join(getattr(f, "data_notes_", []))
    if unit:
        assert units["k2"] == unit and "had no unit" not in notes
    else:
        assert units["k2"] == "1/(conc unit*day)"
        assert "the exposure concentration had no unit" in notes


def test_hours_column_fix_says_to_give_days(tmp_path):
    p = tmp_path / "hours.csv"
    p.write_text("animal,group,time (h),volume\nv1,Vehicle,0,100\nv1,Vehicle,168,500\n")
    with pytest.raises(DataError) as exc:
        kp.read_volumes(p)
    text = str(exc.value)
    assert "no 'day' column" in text and "day = hours/24" in text and "time (h)" in text
