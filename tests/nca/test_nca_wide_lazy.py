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
