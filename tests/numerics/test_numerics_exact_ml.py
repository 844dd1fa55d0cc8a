"""Proportional-error ML fits where the GLS iteration walks away from the optimum.

A one-compartment model on the biexponential IV profiles of the packaged rat example:
the generalised-least-squares iteration (SDs from the last predictions) moved from the
exact maximum-likelihood optimum (-2LL 122.47 for rat R101) to predictions of ~1e-16 at
24 h and sigma_prop 5e15 (-2LL 687.8) and reported that. The fitter now finishes with the
exact ML optimisation. Expected values come from an independent implementation in this
file (numpy closed form, scipy Nelder-Mead then BFGS on the exact -2LL over CL, V and
sigma jointly), never from kinetor.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize

import kinetor as kt

EXAMPLE = Path(__file__).parents[2] / "examples" / "vistusertib_rat_iv_po.csv"


def _rat(animal):
    d = pd.read_csv(EXAMPLE)
    d = d[(d["Animal"] == animal) & (d["Time (h)"] > 0)]  # pre-dose excluded, as fit_pk
    y = pd.to_numeric(d["Conc (ng/mL)"], errors="coerce").to_numpy(float)
    assert np.isfinite(y).all()  # no BLQ in the IV rats: the plain normal likelihood
    return d["Time (h)"].to_numpy(float), y, float(d["Dose (mg/kg)"].iloc[0])


def _m2ll(lp, t, y, dose):
    cl, v, b = np.exp(lp)
    f = 1000.0 * dose / v * np.exp(-cl / v * t)  # mg/kg over L/kg in ng/mL
    sd = b * f
    return float(np.sum(np.log(2 * np.pi * sd**2) + ((y - f) / sd) ** 2))


def _independent(animal):
    t, y, dose = _rat(animal)
    best = None
    for start in ([1.0, 3.0, 0.3], [2.0, 1.0, 1.0], [0.5, 8.0, 0.5]):
        r = minimize(
            _m2ll,
            np.log(start),
            (t, y, dose),
            method="Nelder-Mead",
            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000, "maxfev": 20000},
        )
        r = minimize(_m2ll, r.x, (t, y, dose), method="BFGS", options={"gtol": 1e-9})
        best = r if best is None or r.fun < best.fun else best
    # observed information of (ln CL, ln V, ln sigma) by central differences
    h, x = 1e-4, best.x
    hess = np.zeros((3, 3))
    for i in range(3):
        for j in range(3):
            e_i, e_j = np.eye(3)[i] * h, np.eye(3)[j] * h
            hess[i, j] = (
                _m2ll(x + e_i + e_j, t, y, dose)
                - _m2ll(x + e_i - e_j, t, y, dose)
                - _m2ll(x - e_i + e_j, t, y, dose)
                + _m2ll(x - e_i - e_j, t, y, dose)
            ) / (4 * h * h)
    se_log = np.sqrt(np.diag(2.0 * np.linalg.inv(hess)))
    return np.exp(x), best.fun, se_log


@pytest.fixture(scope="module")
def fitted():
    return kt.fit_pk(kt.read_study(EXAMPLE), "1cmt")


@pytest.mark.parametrize("animal", ["R101", "R102", "R103"])
def test_one_compartment_proportional_ml_is_the_exact_optimum(fitted, animal):
    (cl, v, b), m2ll, se_log = _independent(animal)
    p = fitted.params[fitted.params["subject"] == animal].set_index("parameter")
    st = fitted.stats.set_index("subject").loc[animal]
    assert p.loc["cl", "estimate"] == pytest.approx(cl, rel=1e-4)
    assert p.loc["v", "estimate"] == pytest.approx(v, rel=1e-4)
    assert p.loc["sigma_prop", "estimate"] == pytest.approx(b, rel=1e-4)
    assert -2 * st["loglik"] == pytest.approx(m2ll, abs=1e-5)
    # SE of CL and V (delta method from the log scale): the profile Hessian's structural
    # block equals that of the full observed information
    assert p.loc["cl", "se"] == pytest.approx(cl * se_log[0], rel=0.02)
    assert p.loc["v", "se"] == pytest.approx(v * se_log[1], rel=0.02)
    assert bool(st["converged"])


def test_the_known_optimum_is_kept_from_a_start_at_it():
    # started at the exact optimum, GLS used to leave it for -2LL 687.8
    (cl, v, _), m2ll, _ = _independent("R101")
    res = kt.fit_pk(kt.read_study(EXAMPLE), "1cmt", init={"cl": cl, "v": v}, n_starts=1)
    st = res.stats.set_index("subject").loc["R101"]
    assert -2 * st["loglik"] == pytest.approx(m2ll, abs=1e-4)
