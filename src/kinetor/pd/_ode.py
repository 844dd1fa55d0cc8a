"""Compiled ODE path for the nonlinear PD models (numba, ``cache=True``).

One adaptive Dormand-Prince 5(4) kernel integrates many animals at once. Inputs (a drug
concentration, a kill drive, a growth drive) are given on a time grid and taken as
piecewise linear between grid points; a time repeated in the grid marks a jump (the first
value is the left limit, the second the right limit). The integrator never steps across a
grid point or an output time: it stops on every such *breakpoint*, so the right-hand side
is smooth on every step and the error control sees no kinks.

Models (the ``model`` code and the parameter row each animal carries):

=====  ==============================  ==================================================
code   model                           parameter row
=====  ==============================  ==================================================
1-4    indirect response I-IV          ``kin, kout, emax, ec50, hill`` (I/II: Imax, IC50)
10     tumour growth + kill + transit  ``law, a, b, psi, k2, k1`` (``law`` codes below)
=====  ==============================  ==================================================

Growth laws (``law``): 0 exponential (``a`` = kg), 1 linear (``a`` = kl), 2 exponential-
linear (``a`` = lambda0, ``b`` = lambda1, ``psi``; ``psi = inf`` is the hard switch),
3 Gompertz (``a`` = kg, ``b`` = vmax), 4 logistic (``a`` = kg, ``b`` = vmax). The equations
are written out in :mod:`kinetor.pd.tumor` and :mod:`kinetor.pd.idr`.

Input channels: 0 = concentration (IDR) or kill input (tumour), 1 = growth drive (tumour).

This module imports numba at import time; the model modules import it lazily so that
``import kinetor.pd`` stays fast.

Examples
--------
>>> import numpy as np
>>> from kinetor.pd._ode import solve
>>> p = np.array([[0.0, 0.1, 0.0, 1.0, 0.0, 0.0]])        # exponential growth, kg = 0.1
>>> out, status = solve(10, p, np.array([[1.0]]), t_out=np.array([0.0, 10.0]))
>>> round(float(out[0, 0, 1]), 6), int(status[0])        # e = exp(0.1 * 10)
(2.718282, 0)
"""

from __future__ import annotations

import numpy as np
from numba import njit

from kinetor.errors import ModelError
from kinetor.pd._grid import input_segments

__all__ = ["IDR_CODES", "LAW_CODES", "TUMOR", "input_segments", "solve"]

IDR_CODES = {"I": 1, "II": 2, "III": 3, "IV": 4}
TUMOR = 10
LAW_CODES = {"exponential": 0, "linear": 1, "exponential_linear": 2, "gompertz": 3,
             "logistic": 4}

# Dormand & Prince (1980) 5(4) tableau, as in Hairer, Norsett & Wanner, Solving ODEs I, Table 5.2.
_C2, _C3, _C4, _C5 = 1 / 5, 3 / 10, 4 / 5, 8 / 9
_A21 = 1 / 5
_A31, _A32 = 3 / 40, 9 / 40
_A41, _A42, _A43 = 44 / 45, -56 / 15, 32 / 9
_A51, _A52, _A53, _A54 = 19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729
_A61, _A62, _A63, _A64, _A65 = 9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656
_B1, _B3, _B4, _B5, _B6 = 35 / 384, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84
_E1, _E3, _E4, _E5, _E6, _E7 = (71 / 57600, -71 / 16695, 71 / 1920, -17253 / 339200,
                                22 / 525, -1 / 40)


@njit(cache=True)
def _hill(c, emax, ec50, hill):
    if c <= 0.0:
        return 0.0
    ch = c ** hill
    return emax * ch / (ec50 ** hill + ch)


@njit(cache=True)
def _growth(law, a, b, psi, x1, w):
    if law == 0:
        return a * x1
    if w <= 0.0:
        return 0.0
    if law == 1:
        # zero-order growth shared in proportion to the proliferating fraction x1 / w
        return a * x1 / w
    if law == 2:
        z = a * w / b
        if np.isinf(psi):
            return a * x1 if z <= 1.0 else b * x1 / w
        # two algebraically equal forms; the second avoids overflow of z**psi for z > 1
        if z <= 1.0:
            return a * x1 / (1.0 + z ** psi) ** (1.0 / psi)
        return b * x1 / (w * (1.0 + z ** (-psi)) ** (1.0 / psi))
    if law == 3:
        return a * x1 * np.log(b / w)
    return a * x1 * (1.0 - w / b)


@njit(cache=True)
def _rhs(model, p, y, u0, u1, dy):
    n = y.shape[0]
    if model < TUMOR:
        eff = _hill(u0, p[2], p[3], p[4])
        r = y[0]
        if model == 1:
            dy[0] = p[0] * (1.0 - eff) - p[1] * r
        elif model == 2:
            dy[0] = p[0] - p[1] * (1.0 - eff) * r
        elif model == 3:
            dy[0] = p[0] * (1.0 + eff) - p[1] * r
        else:
            dy[0] = p[0] - p[1] * (1.0 + eff) * r
        return
    w = 0.0
    for i in range(n):
        w += y[i]
    x1 = y[0]
    kill = p[4] * u0 * x1
    dy[0] = u1 * _growth(int(p[0]), p[1], p[2], p[3], x1, w) - kill
    if n > 1:
        dy[1] = kill - p[5] * y[1]
        for i in range(2, n):
            dy[i] = p[5] * (y[i - 1] - y[i])


@njit(cache=True)
def _integrate(model, params, y0, bp, us, ue, is_out, n_out, rtol, atol, max_steps, out):
    n_a, n_s = y0.shape
    n_bp = bp.shape[0]
    status = np.zeros(n_a, np.int64)
    y = np.empty(n_s)
    yt = np.empty(n_s)
    y5 = np.empty(n_s)
    k1 = np.empty(n_s)
    k2 = np.empty(n_s)
    k3 = np.empty(n_s)
    k4 = np.empty(n_s)
    k5 = np.empty(n_s)
    k6 = np.empty(n_s)
    k7 = np.empty(n_s)
    span = bp[n_bp - 1] - bp[0]
    for a in range(n_a):
        p = params[a]
        for i in range(n_s):
            y[i] = y0[a, i]
        j = 0
        if is_out[0]:
            for i in range(n_s):
                out[a, i, 0] = y[i]
            j = 1
        h = span * 1e-3
        steps = 0
        for k in range(n_bp - 1):
            ta = bp[k]
            tb = bp[k + 1]
            seg = tb - ta
            if seg <= 1e-13 * max(1.0, abs(tb)):
                # a grid time and an output time that differ by round-off only
                if is_out[k + 1]:
                    for i in range(n_s):
                        out[a, i, j] = y[i]
                    j += 1
                continue
            u0a = us[a, 0, k]
            u1a = us[a, 1, k]
            s0 = (ue[a, 0, k] - u0a) / seg
            s1 = (ue[a, 1, k] - u1a) / seg
            t = ta
            # k1 is recomputed at every breakpoint: an input may jump there
            _rhs(model, p, y, u0a, u1a, k1)
            while t < tb and status[a] == 0:
                hs = h
                last = False
                if tb - t <= hs * (1.0 + 1e-12):
                    hs = tb - t
                    last = True
                if hs <= 1e-14 * max(1.0, abs(t)):
                    status[a] = 1
                    break
                dt = t - ta
                for i in range(n_s):
                    yt[i] = y[i] + hs * _A21 * k1[i]
                _rhs(model, p, yt, u0a + s0 * (dt + _C2 * hs), u1a + s1 * (dt + _C2 * hs), k2)
                for i in range(n_s):
                    yt[i] = y[i] + hs * (_A31 * k1[i] + _A32 * k2[i])
                _rhs(model, p, yt, u0a + s0 * (dt + _C3 * hs), u1a + s1 * (dt + _C3 * hs), k3)
                for i in range(n_s):
                    yt[i] = y[i] + hs * (_A41 * k1[i] + _A42 * k2[i] + _A43 * k3[i])
                _rhs(model, p, yt, u0a + s0 * (dt + _C4 * hs), u1a + s1 * (dt + _C4 * hs), k4)
                for i in range(n_s):
                    yt[i] = y[i] + hs * (_A51 * k1[i] + _A52 * k2[i] + _A53 * k3[i]
                                         + _A54 * k4[i])
                _rhs(model, p, yt, u0a + s0 * (dt + _C5 * hs), u1a + s1 * (dt + _C5 * hs), k5)
                for i in range(n_s):
                    yt[i] = y[i] + hs * (_A61 * k1[i] + _A62 * k2[i] + _A63 * k3[i]
                                         + _A64 * k4[i] + _A65 * k5[i])
                _rhs(model, p, yt, u0a + s0 * (dt + hs), u1a + s1 * (dt + hs), k6)
                for i in range(n_s):
                    y5[i] = y[i] + hs * (_B1 * k1[i] + _B3 * k3[i] + _B4 * k4[i]
                                         + _B5 * k5[i] + _B6 * k6[i])
                _rhs(model, p, y5, u0a + s0 * (dt + hs), u1a + s1 * (dt + hs), k7)
                err = 0.0
                finite = True
                for i in range(n_s):
                    e = hs * (_E1 * k1[i] + _E3 * k3[i] + _E4 * k4[i] + _E5 * k5[i]
                              + _E6 * k6[i] + _E7 * k7[i])
                    sc = atol[a] + rtol * max(abs(y[i]), abs(y5[i]))
                    err += (e / sc) ** 2
                    if not np.isfinite(y5[i]):
                        finite = False
                err = np.sqrt(err / n_s)
                steps += 1
                if steps > max_steps:
                    status[a] = 2
                    break
                if not finite or not np.isfinite(err):
                    if hs <= 1e-12 * max(1.0, span):
                        status[a] = 3
                        break
                    h = 0.1 * hs
                    continue
                if err <= 1.0:
                    t = tb if last else t + hs
                    for i in range(n_s):
                        y[i] = y5[i]
                        k1[i] = k7[i]
                    fac = 5.0 if err == 0.0 else min(5.0, max(0.2, 0.9 * err ** -0.2))
                    # a step cut short to land on a breakpoint says nothing about the
                    # natural step size: keep the larger one
                    h = max(h, hs * fac) if last else hs * fac
                else:
                    h = hs * max(0.2, 0.9 * err ** -0.2)
            if status[a] != 0:
                break
            if is_out[k + 1]:
                for i in range(n_s):
                    out[a, i, j] = y[i]
                j += 1
        if status[a] != 0:
            for jj in range(n_out):
                for i in range(n_s):
                    out[a, i, jj] = np.nan
    return status


def solve(model: int, params, y0, t_out, grid=None, inputs=None, t0: float = 0.0,
          rtol: float = 1e-8, atol=None, max_steps: int = 2_000_000):
    """Integrate ``n_animals`` copies of a model; return states at ``t_out``.

    Parameters
    ----------
    model : int
        Model code (table in the module docstring).
    params : (n_animals, n_params) array
    y0 : (n_animals, n_states) array
        State at ``t0``.
    t_out : (n_t,) array
        Output times, each >= ``t0`` (any order, repeats allowed).
    grid : (n_g,) array, optional
        Input times (non-decreasing; a repeat marks a jump). Must cover ``[t0, max(t_out)]``.
        Without a grid the inputs are constant.
    inputs : (n_animals, 2, n_g) array, optional
        Channel 0: concentration / kill input (default 0); channel 1: growth drive
        (default 1). Without a grid: shape ``(n_animals, 2)``.
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
    if grid is None:
        u = np.zeros((n_a, 2)) if inputs is None else np.asarray(inputs, dtype=float)
        if inputs is None:
            u[:, 1] = 1.0
        grid = np.array([t0])
        u = u[:, :, None]
    else:
        grid = np.asarray(grid, dtype=float).ravel()
        u = np.asarray(inputs, dtype=float)
        if np.any(np.diff(grid) < 0):
            raise ModelError("the input time grid must be non-decreasing")
        if grid[0] > t0 or grid[-1] < t_end:
            raise ModelError(f"the input grid [{grid[0]}, {grid[-1]}] must cover the simulated "
                             f"span [{t0}, {t_end}]: extend the concentration/drive time course")
    uniq, inverse = np.unique(t_out, return_inverse=True)
    inner = grid[(grid > t0) & (grid < t_end)]
    bp = np.unique(np.concatenate([[t0], uniq, inner]))
    is_out = np.isin(bp, uniq)
    us, ue = input_segments(grid, u, bp)
    if bp.size == 1:
        us = ue = np.zeros((n_a, 2, 0))
    if atol is None:
        scale = np.maximum(np.max(np.abs(y0), axis=1), 1e-300)
        atol = 1e-3 * rtol * scale
    atol = np.broadcast_to(np.asarray(atol, dtype=float), (n_a,)).copy()
    out = np.empty((n_a, y0.shape[1], uniq.size))
    status = _integrate(int(model), params, y0, bp, np.ascontiguousarray(us),
                        np.ascontiguousarray(ue), is_out, uniq.size, float(rtol), atol,
                        int(max_steps), out)
    return out[:, :, inverse], status
