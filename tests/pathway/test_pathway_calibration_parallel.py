"""The evidence calibration's multi-start on the shared executor: the starts are drawn from
``seed`` before they are distributed, so two processes give the serial answer."""

import numpy as np
import pandas as pd

from kinetor.pathway.calibration.evidence import calibrate_evidence, load_evidence_parameters


def test_multi_start_on_two_processes_equals_serial():
    # three parameters, two starts, two function evaluations each: the plumbing, not the
    # fit's quality
    free = load_evidence_parameters().head(3)
    kw = {"free": free, "n_starts": 2, "max_nfev": 2, "seed": 3}
    one = calibrate_evidence(n_jobs=1, **kw)
    two = calibrate_evidence(n_jobs=2, **kw)
    assert one.cost == two.cost and one.values == two.values
    pd.testing.assert_frame_equal(one.starts, two.starts)
    assert len(one.starts) == 2 and np.isfinite(one.cost)
