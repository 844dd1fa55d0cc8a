"""Right-hand sides of the nonlinear PD models for the shared compiled integrator.

The indirect response and tumour models are numba functions with the signature
:data:`kinetor.numerics.ode.RHS_SIGNATURE` (``rhs(t, y, p, u, dydt)``, ``cache=True``) integrated
by :func:`kinetor.numerics.ode.integrate`, the one adaptive Dormand-Prince 5(4) kernel that also
runs the nonlinear PK models. The inputs ``u`` (a drug concentration, a kill drive, a
growth drive) are given on a time grid and are linear between grid points; a time repeated
in the grid marks a jump. :func:`solve` is the PD-facing wrapper: it stops on every grid
point and output time, so each step sees a smooth right-hand side.

=================  ========================================  ==========================
right-hand side    parameter row ``p``                       inputs ``u``
=================  ========================================  ==========================
``idr_rhs``        ``kin, kout, emax, ec50, hill, kind``      0: concentration
                   (``kind`` 1-4 = I-IV; I/II: Imax, IC50)
``tumor_rhs``      ``law, a, b, psi, k2, k1``                 0: kill input, 1: growth
                                                              drive
=================  ========================================  ==========================

Growth laws (``law``): 0 exponential (``a`` = kg), 1 linear (``a`` = kl), 2 exponential-
linear (``a`` = lambda0, ``b`` = lambda1, ``psi``; ``psi = inf`` is the hard switch),
3 Gompertz (``a`` = kg, ``b`` = vmax), 4 logistic (``a`` = kg, ``b`` = vmax). The equations
are written out in :mod:`kinetor.pd.tumor` and :mod:`kinetor.pd.idr`.

This module imports numba at import time; the model modules import it lazily so that
``import kinetor.pd`` stays fast.

Examples
--------
>>> import numpy as np
>>> p = np.array([[0.0, 0.1, 0.0, 1.0, 0.0, 0.0]])        # exponential growth, kg = 0.1
>>> out, status = solve(tumor_rhs, p, np.array([[1.0]]), t_out=np.array([0.0, 10.0]),
...                     inputs=np.array([[0.0, 1.0]]))
>>> round(float(out[0, 0, 1]), 6), int(status[0])        # e = exp(0.1 * 10)
(2.718282, 0)
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from kinetor.errors import ModelError
from kinetor.numerics.ode import RHS_SIGNATURE, integrate

__all__ = ["IDR_CODES", "LAW_CODES", "idr_rhs", "solve", "tumor_rhs"]

IDR_CODES = {"I": 1, "II": 2, "III": 3, "IV": 4}
LAW_CODES = {"exponential": 0, "linear": 1, "exponential_linear": 2, "gompertz": 3, "logistic": 4}


@njit(cache=True)
def _hill(c, emax, ec50, hill):  # pragma: no cover
    if c <= 0.0:
        return 0.0
    # as r/(1 + r) with r = (c/ec50)^hill: c^hill and ec50^hill can both underflow to 0
    # at trial parameters (0/0), r cannot
    r = (c / ec50) ** hill
    if r > 1e300:
        return emax
    return emax * r / (1.0 + r)


@njit(cache=True)
def _growth(law, a, b, psi, x1, w):  # pragma: no cover
    if law == 0:
        return a * x1
    if w <= 0.0:
        return 0.0
    if law == 1:
        # zero-order growth shared in proportion to the proliferating fraction x1 / w
        return a * x1 / w
    if law == 2:
        z = a * w / b
        if math.isinf(psi):
            return a * x1 if z <= 1.0 else b * x1 / w
        # two algebraically equal forms; the second avoids overflow of z**psi for z > 1
        if z <= 1.0:
            return a * x1 / (1.0 + z**psi) ** (1.0 / psi)
        return b * x1 / (w * (1.0 + z ** (-psi)) ** (1.0 / psi))
    if law == 3:
        return a * x1 * math.log(b / w)
    return a * x1 * (1.0 - w / b)


@njit(RHS_SIGNATURE, cache=True)
def idr_rhs(t, y, p, u, dydt):  # pragma: no cover
    """Indirect response I-IV (``p[5]`` = 1..4) driven by the concentration ``u[0]``."""
    eff = _hill(u[0], p[2], p[3], p[4])
    kind = int(p[5])
    r = y[0]
    if kind == 1:
        dydt[0] = p[0] * (1.0 - eff) - p[1] * r
    elif kind == 2:
        dydt[0] = p[0] - p[1] * (1.0 - eff) * r
    elif kind == 3:
        dydt[0] = p[0] * (1.0 + eff) - p[1] * r
    else:
        dydt[0] = p[0] - p[1] * (1.0 + eff) * r


@njit(RHS_SIGNATURE, cache=True)
def tumor_rhs(t, y, p, u, dydt):  # pragma: no cover
    """Tumour growth (law ``p[0]``) x growth drive ``u[1]`` - kill ``k2 u[0] x1``, transit."""
    n = y.size
    w = 0.0
    for i in range(n):
        w += y[i]
    x1 = y[0]
    kill = p[4] * u[0] * x1
    dydt[0] = u[1] * _growth(int(p[0]), p[1], p[2], p[3], x1, w) - kill
    if n > 1:
        dydt[1] = kill - p[5] * y[1]
        for i in range(2, n):
            dydt[i] = p[5] * (y[i - 1] - y[i])


def solve(
    rhs,
    params,
    y0,
    t_out,
    grid=None,
    inputs=None,
    t0: float = 0.0,
    rtol: float = 1e-8,
    atol=None,
    max_steps: int = 2_000_000,
):
    """Integrate ``n_animals`` copies of a PD model; return states at ``t_out``.

    Parameters
    ----------
    rhs : numba function
        ``idr_rhs``, ``tumor_rhs`` or any function compiled with ``RHS_SIGNATURE``.
    params : (n_animals, n_params) array
    y0 : (n_animals, n_states) array
        State at ``t0``.
    t_out : (n_t,) array
        Output times, each >= ``t0`` (any order, repeats allowed).
    grid : (n_g,) array, optional
        Input times (non-decreasing; a repeat marks a jump). Must cover ``[t0, max(t_out)]``.
        Without a grid the inputs are constant.
    inputs : (n_animals, n_in, n_g) array
        Input channels on the grid; without a grid ``(n_animals, n_in)`` constants.
    t0 : float
        Time of the initial state.
    rtol, atol : float
        Error tolerances; ``atol`` may be one value per animal (default
        ``1e-3 * rtol * max|y0|`` per animal).
    max_steps : int
        Step budget per animal (exceeding it gives NaN and status 2).

    Returns
    -------
    out : (n_animals, n_states, n_t) array
    status : (n_animals,) int array
        0 success; 1 step size underflow; 2 too many steps; 3 non-finite state (the
        animal's rows are NaN for any non-zero status).
    """
    params = np.ascontiguousarray(params, dtype=float)
    y0 = np.ascontiguousarray(y0, dtype=float)
    n_a = y0.shape[0]
    t_out = np.asarray(t_out, dtype=float).ravel()
    if t_out.size == 0:
        return np.empty((n_a, y0.shape[1], 0)), np.zeros(n_a, dtype=np.int64)
    if np.any(t_out < t0) or not np.all(np.isfinite(t_out)):
        raise ModelError(f"output times must be finite and >= t0 = {t0}")
    t_end = float(t_out.max())
    u = np.asarray(inputs, dtype=float)
    if grid is None:
        grid, u = np.array([float(t0)]), u[:, :, None]
    else:
        grid = np.asarray(grid, dtype=float).ravel()
        if np.any(np.diff(grid) < 0):
            raise ModelError("the input time grid must be non-decreasing")
        if grid[0] > t0 or grid[-1] < t_end:
            raise ModelError(
                f"the input grid [{grid[0]}, {grid[-1]}] must cover the simulated "
                f"span [{t0}, {t_end}]: extend the concentration/drive time course"
            )
    uniq, inverse = np.unique(t_out, return_inverse=True)
    skip = int(uniq[0] > t0)  # integrate from t0 even when it is not an output time
    times = np.concatenate([[float(t0)], uniq]) if skip else uniq
    if atol is None:
        atol = 1e-3 * rtol * np.maximum(np.max(np.abs(y0), axis=1), 1e-300)
    no_ev = np.zeros((n_a, 0))
    y, status = integrate(
        rhs,
        y0,
        params,
        times,
        no_ev,
        no_ev.astype(np.int64),
        no_ev,
        no_ev.astype(np.int64),
        rtol,
        atol,
        max_steps,
        grid_t=grid,
        grid_u=u,
        stop_at_times=True,
        return_status=True,
    )
    out = np.transpose(y[:, skip:, :], (0, 2, 1))
    out[status != 0] = np.nan
    return out[:, :, inverse], status
