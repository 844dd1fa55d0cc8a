"""The evidence calibration's multi-start on the shared executor: the starts are drawn from
``seed`` before they are distributed, so two processes give the serial answer."""

import numpy as np
import pandas as pd
import pytest

from kinetor.pathway.calibration.evidence import calibrate_evidence, load_evidence_parameters


def test_multi_start_on_two_processes_equals_serial():
    # the three parameters the training rows identify, two starts, two function evaluations
    # each, no profiles: the plumbing, not the fit's quality
    free = load_evidence_parameters()
    free = free[free["name"].isin(["rapalog_shift", "akt_protect", "k_pras"])]
    kw = {"free": free, "n_starts": 2, "max_nfev": 2, "seed": 3, "profile": False}
    one = calibrate_evidence(n_jobs=1, **kw)
    two = calibrate_evidence(n_jobs=2, **kw)
    # same starts, same fits; the worker processes' ODE runs agree with the serial ones to
    # the solver's round-off (about 1e-9 relative was seen), not bit for bit
    assert one.cost == pytest.approx(two.cost, rel=1e-7)
    assert one.values.keys() == two.values.keys()
    for k, v in one.values.items():
        assert v == pytest.approx(two.values[k], rel=1e-7)
    pd.testing.assert_frame_equal(one.starts, two.starts, rtol=1e-7)
    assert len(one.starts) == 2 and np.isfinite(one.cost)
