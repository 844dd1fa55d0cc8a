"""Wald confidence limits of signed (natural-scale) parameters are estimate -/+ t x SE at
any magnitude: they were clipped to exp()'s range [-745, 709] like log-scale limits, so a
baseline of 1,000 got the interval [709, 709]."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kinetor.pd import fit_pd


def test_signed_parameters_above_709_keep_their_wald_interval():
    conc = np.repeat([0.0, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0], 3)
    rng = np.random.default_rng(4)
    y = 1000.0 - 900.0 * conc / (10.0 + conc) + rng.normal(0.0, 20.0, conc.size)
    f = fit_pd(pd.DataFrame({"conc": conc, "value": y}), "emax")
    assert bool(f.converged_.iloc[0])
    t = stats.t.ppf(0.975, conc.size - 3)  # 21 observations, 3 structural parameters
    for p in ("e0", "emax"):
        est, se = f.params_[p].iloc[0], f.se_[p].iloc[0]
        assert abs(est) > 709.0
        lo, hi = f.ci_lower_[p].iloc[0], f.ci_upper_[p].iloc[0]
        assert (lo, hi) == pytest.approx((est - t * se, est + t * se), rel=1e-9)
