"""The hill profile check starts a group without estimates inside a fraction's bounds.

A grouped Imax fit where one group has no estimate (NaN) must still get a verdict for the
others: the refit's start for that group's Imax has to lie strictly inside (0, 1) (the
logit scale refuses 1, and a refused refit gives no verdict at all).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd

from kinetor.errors import ModelError
from kinetor.pd._identify import hill_profile_check


def test_group_without_estimates_starts_imax_inside_its_bounds():
    groups = ["A", "B"]
    fit = SimpleNamespace(
        fixed={},
        free_=["e0", "imax", "ic50", "hill"],
        groups_=groups,
        params_=pd.DataFrame(
            {
                "e0": [100.0, np.nan],
                "imax": [0.8, np.nan],
                "ic50": [10.0, np.nan],
                "hill": [1.0, np.nan],
            },
            index=groups,
        ),
        converged_=pd.Series([True, False], index=groups),
        convergence_reason_=pd.Series(["", "failed"], index=groups),
        loglik_=pd.Series([-10.0, np.nan], index=groups),
        _natural_bounds=lambda name: (0.0, 1.0) if name == "imax" else (0.0, np.inf),
    )
    seen = []

    def refit(hill, init):
        imax = np.asarray(init["imax"], float)
        seen.append(imax.copy())
        if np.any((imax <= 0) | (imax >= 1)):
            raise ModelError("init imax must be > 0 and < 1")
        # a flat profile: the same likelihood with hill held anywhere
        return SimpleNamespace(loglik_=pd.Series([-10.0, np.nan], index=groups))

    hill_profile_check(fit, refit)
    assert seen and all(s[1] == 0.5 for s in seen)  # the middle of (0, 1), not 1
    # the refits ran, so group A got its verdict: hill flat -> not identified
    assert not fit.converged_["A"] and "hill not identified" in fit.convergence_reason_["A"]
