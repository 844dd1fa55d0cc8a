"""Audit s21 C3: the CI of ke0 of an effect-compartment fit is its profile-likelihood
interval, not the (far too narrow) Wald interval.

The reference profile is computed here independently: the plasma course is the
one-compartment bolus C = D exp(-k t), so the effect site follows the closed form
Ce = D ke0 / (ke0 - k) (exp(-k t) - exp(-ke0 t)); with additive normal errors and sigma
estimated by maximum likelihood, -2 log L = n ln(RSS / n) + const, so the profile rises
by n ln(RSS(ke0) / RSS_min), RSS(ke0) minimised over e0, emax, ec50 by scipy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import brentq, least_squares

from kinetor.pd.fit_models import fit_pd

K = 0.5
DOSES = {"a": 5.0, "b": 20.0, "c": 80.0}
TOBS = np.array([0.5, 1, 2, 3, 4, 6, 8, 12, 24.0])


def _ce(t, d, ke0):
    return d * ke0 / (ke0 - K) * (np.exp(-K * t) - np.exp(-ke0 * t))


def _model(t, d, ke0, e0, emax, ec50):
    ce = _ce(t, d, ke0)
    return e0 + emax * ce / (ec50 + ce)


def _case():
    animal = np.repeat(list(DOSES), TOBS.size)
    t = np.tile(TOBS, len(DOSES))
    d = np.array([DOSES[a] for a in animal])
    y = _model(t, d, 2.0, 20.0, 60.0, 6.0) + np.random.default_rng(3).normal(0, 2, t.size)
    grid = np.round(np.arange(0.0, 24.0 + 1e-9, 0.1), 10)  # linear ~ exponential (3e-4)
    ex = pd.concat(
        [
            pd.DataFrame({"animal": a, "time": grid, "conc": dose * np.exp(-K * grid)})
            for a, dose in DOSES.items()
        ],
        ignore_index=True,
    )
    return pd.DataFrame({"animal": animal, "time": t, "value": y}), ex, t, d, y


def _rss(ke0, t, d, y):
    best = np.inf
    for ec50 in (2.0, 6.0, 20.0):
        r = least_squares(
            lambda p: _model(t, d, ke0, p[0], p[1], p[2]) - y,
            [20.0, 60.0, ec50],
            bounds=([-np.inf, -np.inf, 1e-6], np.inf),
            xtol=1e-12,
            ftol=1e-12,
        )
        best = min(best, 2.0 * r.cost)
    return best


def test_c3_ke0_ci_is_the_profile_likelihood_interval():
    df, ex, t, d, y = _case()
    f = fit_pd(df, "effect_emax", exposure=ex, fixed={"hill": 1.0})
    s = f.summary.set_index("parameter").loc["ke0"]
    n = y.size
    k_hat = least_squares(lambda lk: [_rss(np.exp(lk[0]), t, d, y)], [np.log(3.0)]).x[0]
    rss_min = _rss(np.exp(k_hat), t, d, y)

    def rise(log_k):
        return n * np.log(_rss(np.exp(log_k), t, d, y) / rss_min) - 3.841458820694124

    lower = np.exp(brentq(rise, np.log(1.0), k_hat, xtol=1e-6))
    upper = np.exp(brentq(rise, k_hat, np.log(30.0), xtol=1e-6))
    assert s["estimate"] == pytest.approx(np.exp(k_hat), rel=0.01)
    # the profile's end is flat on the upper side (rise 4.1 at 10 times the estimate)
    assert s["ci_lower"] == pytest.approx(lower, rel=0.02)
    assert s["ci_upper"] == pytest.approx(upper, rel=0.05)
    assert upper > 1.5 * 4.79  # the Wald limit was 4.79
    assert bool(s["converged"])
