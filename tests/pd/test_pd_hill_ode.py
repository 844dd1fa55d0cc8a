"""The likelihood check of the Hill coefficient covers ODE models (indirect response) as
well as direct ones: a coefficient whose Wald interval is finite but whose profile stays
flat towards large values is reported as not converged. Each animal here sees a constant
concentration, so IDR I has a closed form, R(t) = r0 [(1 - I) + I exp(-kout t)], and the
flatness is confirmed by an independent least-squares fit of that closed form."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import least_squares

from kinetor.pd import fit_pd

GRID = np.linspace(0.0, 48.0, 193)
TIMES = np.array([0.0, 1, 2, 4, 6, 8, 12, 16, 24, 32, 40, 48])
LEVELS = [5.0, 10.0, 100.0, 200.0]  # nothing between 10 and 100 around an IC50 of 30


def closed_form(t, c, r0, kout, imax, ic50, hill):
    inh = imax * c**hill / (ic50**hill + c**hill)
    return r0 * ((1 - inh) + inh * np.exp(-kout * t))


def step_study(seed):
    rng = np.random.default_rng(seed)
    rows, ex = [], []
    for a, lev in enumerate(LEVELS):
        y = closed_form(TIMES, lev, 20.0, 0.3, 0.9, 30.0, 3.0) + rng.normal(0, 0.4, TIMES.size)
        rows += [(f"m{a}", t, v, lev) for t, v in zip(TIMES, y, strict=True)]
        ex.append(pd.DataFrame({"animal": f"m{a}", "time": GRID, "conc": lev}))
    return pd.DataFrame(rows, columns=["animal", "time", "value", "conc"]), pd.concat(ex)


def neg2ll_closed_form(data, hill, start):
    """-2 log L (additive error, sigma at its ML value) of the closed form with hill held,
    the best of starts at ``start`` and at IC50s across the tested range (a steep Hill
    curve has one local optimum per gap between concentrations)."""
    t, c, y = (data[k].to_numpy(float) for k in ("time", "conc", "value"))

    def resid(p):
        return closed_form(t, c, *np.exp(p), hill) - y

    best = np.inf
    for ic50 in [start[3], *np.geomspace(6.0, 190.0, 12)]:
        x0 = np.log([*start[:3], ic50])
        fit = least_squares(resid, x0, xtol=1e-12, ftol=1e-12, gtol=1e-12)
        best = min(best, fit.fun @ fit.fun)
    n = y.size
    return n * np.log(2 * np.pi * best / n) + n


def test_flat_profile_is_not_converged():
    data, ex = step_study(7)
    f = fit_pd(data.drop(columns="conc"), "idr1", exposure=ex)
    s = f.summary.set_index("parameter")
    hill = s.loc["hill", "estimate"]
    assert s.loc["hill", "rse_pct"] < 15  # the Wald check alone would pass it
    assert not s.loc["hill", "converged"]
    assert "hill not identified" in s.loc["hill", "reason"]
    # independent: the closed form's -2LL rises by less than 3.84 at 10 x hill
    p = f.params_.iloc[0]
    start = [p["r0"], p["kout"], p["imax"], p["ic50"]]
    rise = neg2ll_closed_form(data, 10 * hill, start) - neg2ll_closed_form(data, hill, start)
    assert 0 < rise < 3.84


def test_bounded_profile_stays_converged():
    data, ex = step_study(11)
    f = fit_pd(data.drop(columns="conc"), "idr1", exposure=ex)
    s = f.summary.set_index("parameter")
    assert s.loc["hill", "converged"] and f.converged_.all()
    assert s.loc["hill", "estimate"] == pytest.approx(3.0, rel=0.2)
    p = f.params_.iloc[0]
    start = [p["r0"], p["kout"], p["imax"], p["ic50"]]
    hill = s.loc["hill", "estimate"]
    rise = neg2ll_closed_form(data, 10 * hill, start) - neg2ll_closed_form(data, hill, start)
    assert rise > 3.84
