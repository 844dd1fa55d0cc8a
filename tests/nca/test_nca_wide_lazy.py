"""``to_wide`` read straight from the engine's arrays equals the pivot of the long table.

``nca`` builds the long parameter table only when it is first asked for; ``to_wide``
before that reads the engine's arrays. The two must give the same table, cell for cell:
mixed routes (IV bolus, infusion and extravascular codes in one table), a dosing
interval next to a single dose, acceptance flags, and ``exclude=True``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study
from kinetor.nca import nca

TIMES = [0.0, 0.5, 1, 2, 4, 8, 12, 24]


def _study() -> Study:
    rows, doses = [], []
    routes = ["IV", "PO", "IV infusion"]
    for s in range(1, 13):
        k = 0.1 + 0.02 * s
        for t in TIMES:
            c = 40.0 * math.exp(-k * t) * (1.0 if s % 4 else 1.0 + 0.3 * math.sin(7 * t))
            rows.append({"subject": str(s), "time": t, "conc": round(c, 4), "group": f"G{s % 3}"})
        doses.append(
            {
                "subject": str(s),
                "time": 0.0,
                "dose": 5.0,
                "route": routes[s % 3],
                "duration": 0.5 if s % 3 == 2 else 0.0,
            }
        )
    subjects = pd.DataFrame({"subject": [str(s) for s in range(1, 13)]})
    subjects["group"] = [f"G{s % 3}" for s in range(1, 13)]
    return Study(
        pd.DataFrame(rows).drop(columns="group"),
        pd.DataFrame(doses),
        subjects=subjects,
        units={"time": "h", "conc": "ng/mL", "dose": "mg/kg"},
    )


@pytest.mark.parametrize("exclude", [False, True])
def test_wide_from_arrays_equals_pivot_of_long_table(exclude):
    fast = nca(_study(), min_r2adj=0.999)
    wide = fast.to_wide(exclude=exclude)
    pivot_res = nca(_study(), min_r2adj=0.999)
    assert len(pivot_res.parameters) > 0  # the long table is built: to_wide pivots it
    pd.testing.assert_frame_equal(wide, pivot_res.to_wide(exclude=exclude), check_exact=True)
    # and the long table built afterwards is the one the pivot read
    pd.testing.assert_frame_equal(fast.parameters, pivot_res.parameters, check_exact=True)


def test_wide_from_arrays_by_hand():
    res = nca(_study(), min_r2adj=0.999)
    w = res.to_wide().set_index("subject")
    # natural order of groups then subjects: G0 holds 3, 6, 9, 12
    assert w.index[:4].tolist() == ["3", "6", "9", "12"]
    # subject 1: extravascular (route index 1), log-linear decline k = 0.12 from t = 0
    assert w.loc["1", "CMAX"] == 40.0 and w.loc["1", "TMAX"] == 0.0
    assert w.loc["1", "LAMZ"] == pytest.approx(0.12, rel=1e-4)
    # IV bolus subject 3 has C0 and CLO; extravascular subject 1 has CLFO and no C0
    assert np.isfinite(w.loc["3", "C0"]) and np.isfinite(w.loc["3", "CLO"])
    assert np.isnan(w.loc["1", "C0"]) and np.isfinite(w.loc["1", "CLFO"])
    # subject 4 (perturbed terminal phase) fails R2ADJ >= 0.999: flagged, value kept
    flagged = w["flag_R2ADJ"]
    assert flagged.loc["4"] and "R2ADJ < 0.999" in w.loc["4", "flag"]
    assert np.isfinite(w.loc["4", "LAMZ"])
    blank = res.to_wide(exclude=True).set_index("subject")
    assert np.isnan(blank.loc["4", "LAMZ"]) and blank.loc["4", "CMAX"] == w.loc["4", "CMAX"]


def test_wide_flag_columns_are_the_acceptance_rules_only():
    """Only the four documented rules are flag columns: the reasons a value is missing
    ("fewer than 3 usable points ...") are no rule (they once gave flag_fewer, flag_no,
    flag_lambda_z ... columns that were always False)."""
    a = [1.0, 2, 4, 8, 16, 24]  # C = 10 exp(-0.1 t): span >= 16 h / 6.93 h > 2, AUC%ext 9 %
    # C = 10 / 1.25^(t - 0.5): half-life 3.1 h, sampled over 3 h -> span < 2; AUC to
    # 3.5 h (11.18 - 5.12) / 0.2231 = 27.2, extrapolated 5.12 / 0.2231 = 22.9: 46 % > 20 %
    c = [0.0, 1, 2, 3]
    rows = [{"subject": "A", "time": t, "conc": 10 * math.exp(-0.1 * t)} for t in a]
    rows += [{"subject": "B", "time": t, "conc": v} for t, v in ((1.0, 5.0), (2.0, 4.0))]
    rows += [{"subject": "C", "time": t + 0.5, "conc": 10 / 1.25**t} for t in c]
    doses = pd.DataFrame({"subject": list("ABC"), "time": 0.0, "dose": 1.0, "route": "IV"})
    study = Study(pd.DataFrame(rows), doses, units={"time": "h", "conc": "ng/mL", "dose": "mg"})
    expected = ["flag", "flag_R2ADJ", "flag_LAMZSPN", "flag_AUCPEO", "flag_AUCPEP"]
    for wide in (nca(study).to_wide(), _from_long(nca(study))):
        assert [c for c in wide.columns if c.startswith("flag")] == expected
        assert wide["flag"].tolist() == ["", "", "LAMZSPN < 2; AUCPEO > 20%; AUCPEP > 20%"]
        for rule in ("flag_LAMZSPN", "flag_AUCPEO", "flag_AUCPEP"):
            assert wide[rule].tolist() == [False, False, True]
        assert not wide["flag_R2ADJ"].any()


def _from_long(res):
    """The wide table pivoted from the long one (the long table is built first)."""
    assert len(res.parameters)
    return res.to_wide()
