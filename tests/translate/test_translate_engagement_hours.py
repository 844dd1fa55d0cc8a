"""typical_engagement's hours below a threshold are the time on the piecewise-linear course
(crossings interpolated), as select_dose uses, not a count of grid samples."""

from __future__ import annotations

import numpy as np
import pytest


def _hours_below(t, y, thr):
    """Independent: walk each segment, interpolating the crossing."""
    total = 0.0
    for a, b, ya, yb in zip(t[:-1], t[1:], y[:-1], y[1:], strict=True):
        if ya <= thr and yb <= thr:
            total += b - a
        elif ya <= thr < yb:
            total += (thr - ya) / (yb - ya) * (b - a)
        elif yb <= thr < ya:
            total += (thr - yb) / (ya - yb) * (b - a)
    return total


@pytest.mark.slow
def test_engaged_hours_interpolate_the_crossings():
    import kinetor as kt

    ro, engaged = kt.translate.typical_engagement(
        "vistusertib", {"BID": "7.5 mg/kg PO BID x 2 days"}, hours=48.0, dt=1.0
    )
    t = ro["time"].to_numpy(float)
    y = ro["pS6_S235_236"].to_numpy(float)
    want = _hours_below(t, y, 50.0) * 24.0 / 48.0
    assert engaged["BID"] == pytest.approx(want, rel=1e-12)
    # on this coarse grid the sample count differs from the exact time
    assert not np.isclose(want, (y[1:] <= 50.0).mean() * 24.0)
