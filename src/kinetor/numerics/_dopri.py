"""The compiled Dormand-Prince 5(4) kernel behind :func:`kinetor.numerics.ode.integrate`.

The tableau and dense-output coefficients, one integration segment between breakpoints
(dose events, grid knots, output times) and the loop over subjects in parallel threads;
the interface, the conventions and the examples are in :mod:`kinetor.numerics.ode`.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from numba import types

__all__ = ["RHS_SIGNATURE"]

_V = types.float64[::1]
RHS_SIGNATURE = types.void(types.float64, _V, _V, _V, _V)
_RHS = types.FunctionType(RHS_SIGNATURE)
_M = types.float64[:, ::1]
_I = types.int64[:, ::1]
_SIG = types.void(
    _RHS,
    _M,
    _M,
    _V,
    _M,
    _I,
    _M,
    _I,
    _V,
    types.float64[:, :, ::1],
    types.float64,
    _V,
    types.int64,
    types.boolean,
    types.float64[:, :, ::1],
    types.int64[::1],
)

# Dormand & Prince (1980) 5(4) tableau (Hairer, Norsett & Wanner, Solving ODEs I, Table 5.2)
_C = (0.0, 1 / 5, 3 / 10, 4 / 5, 8 / 9, 1.0, 1.0)
_A2 = (1 / 5,)
_A3 = (3 / 40, 9 / 40)
_A4 = (44 / 45, -56 / 15, 32 / 9)
_A5 = (19372 / 6561, -25360 / 2187, 64448 / 6561, -212 / 729)
_A6 = (9017 / 3168, -355 / 33, 46732 / 5247, 49 / 176, -5103 / 18656)
_B = (35 / 384, 0.0, 500 / 1113, 125 / 192, -2187 / 6784, 11 / 84)
_E = (71 / 57600, 0.0, -71 / 16695, 71 / 1920, -17253 / 339200, 22 / 525, -1 / 40)
# dense output coefficients (Hairer, Norsett & Wanner, Solving ODEs I; dopri5.f CONTD5)
_D = (
    -12715105075 / 11282082432,
    0.0,
    87487479700 / 32700410799,
    -10690763975 / 1880347072,
    701980252875 / 199316789632,
    -1453857185 / 822651844,
    69997945 / 29380423,
)


@nb.njit(cache=True, nogil=True)
def _inputs(u, ua, du, dt):  # pragma: no cover
    """The grid inputs at ``dt`` after the start of the current grid piece."""
    for i in range(u.size):
        u[i] = ua[i] + du[i] * dt


@nb.njit(cache=True, nogil=True)
def _segment(
    rhs,
    t,
    t_end,
    y,
    p,
    rate,
    u,
    ua,
    du,
    ta,
    h,
    rtol,
    atol,
    k,
    fresh,
    ynew,
    steps,
    max_steps,
    times,
    j,
    out_s,
):  # pragma: no cover
    """Integrate y in place from t to t_end (no breakpoint inside), writing the outputs with
    t < times[j] < t_end by dense output; returns (h, steps, j, status). ``fresh``: the
    first stage must be evaluated (else k[0] already holds it: first same as last)."""
    n = y.size
    n_t = times.size
    k1, k2, k3, k4, k5, k6, k7 = k[0], k[1], k[2], k[3], k[4], k[5], k[6]
    if fresh:
        _inputs(u, ua, du, t - ta)
        rhs(t, y, p, u, k1)
        for i in range(n):
            k1[i] += rate[i]
    while t < t_end:
        if steps >= max_steps:
            return h, steps, j, 2
        hs = h
        last = False
        if t_end - t <= hs * (1.0 + 1e-12):
            hs = t_end - t
            last = True
        if hs <= 1e-14 * max(1.0, abs(t)):
            return h, steps, j, 1
        for i in range(n):
            ynew[i] = y[i] + hs * _A2[0] * k1[i]
        _inputs(u, ua, du, t + _C[1] * hs - ta)
        rhs(t + _C[1] * hs, ynew, p, u, k2)
        for i in range(n):
            k2[i] += rate[i]
            ynew[i] = y[i] + hs * (_A3[0] * k1[i] + _A3[1] * k2[i])
        _inputs(u, ua, du, t + _C[2] * hs - ta)
        rhs(t + _C[2] * hs, ynew, p, u, k3)
        for i in range(n):
            k3[i] += rate[i]
            ynew[i] = y[i] + hs * (_A4[0] * k1[i] + _A4[1] * k2[i] + _A4[2] * k3[i])
        _inputs(u, ua, du, t + _C[3] * hs - ta)
        rhs(t + _C[3] * hs, ynew, p, u, k4)
        for i in range(n):
            k4[i] += rate[i]
            ynew[i] = y[i] + hs * (
                _A5[0] * k1[i] + _A5[1] * k2[i] + _A5[2] * k3[i] + _A5[3] * k4[i]
            )
        _inputs(u, ua, du, t + _C[4] * hs - ta)
        rhs(t + _C[4] * hs, ynew, p, u, k5)
        for i in range(n):
            k5[i] += rate[i]
            ynew[i] = y[i] + hs * (
                _A6[0] * k1[i] + _A6[1] * k2[i] + _A6[2] * k3[i] + _A6[3] * k4[i] + _A6[4] * k5[i]
            )
        _inputs(u, ua, du, t + hs - ta)
        rhs(t + hs, ynew, p, u, k6)
        for i in range(n):
            k6[i] += rate[i]
            ynew[i] = y[i] + hs * (
                _B[0] * k1[i] + _B[2] * k3[i] + _B[3] * k4[i] + _B[4] * k5[i] + _B[5] * k6[i]
            )
        rhs(t + hs, ynew, p, u, k7)  # the inputs are already at t + hs
        for i in range(n):
            k7[i] += rate[i]
        err = 0.0
        bad = 0.0  # stays 0 unless a component of ynew is inf or NaN
        for i in range(n):
            e = hs * (
                _E[0] * k1[i]
                + _E[2] * k3[i]
                + _E[3] * k4[i]
                + _E[4] * k5[i]
                + _E[5] * k6[i]
                + _E[6] * k7[i]
            )
            sc = atol + rtol * max(abs(y[i]), abs(ynew[i]))
            err += (e / sc) ** 2
            bad += ynew[i] * 0.0
        err = math.sqrt(err / n)
        steps += 1
        if not math.isfinite(err + bad):
            # overflow in a trial step: retry much smaller, give up near round-off
            if hs <= 1e-12 * max(1.0, abs(t_end)):
                return h, steps, j, 3
            h = 0.1 * hs
            continue
        if err <= 1.0:
            t_new = t_end if last else t + hs
            # dense output (Hairer's 4th-order continuous extension of DOPRI5)
            while j < n_t and times[j] < t_end and times[j] <= t_new:
                th = (times[j] - t) / hs
                th1 = 1.0 - th
                for i in range(n):
                    dy = ynew[i] - y[i]
                    bspl = hs * k1[i] - dy
                    c4 = dy - hs * k7[i] - bspl
                    c5 = hs * (
                        _D[0] * k1[i]
                        + _D[2] * k3[i]
                        + _D[3] * k4[i]
                        + _D[4] * k5[i]
                        + _D[5] * k6[i]
                        + _D[6] * k7[i]
                    )
                    out_s[j, i] = y[i] + th * (dy + th1 * (bspl + th * (c4 + th1 * c5)))
                j += 1
            t = t_new
            for i in range(n):
                y[i] = ynew[i]
                k1[i] = k7[i]  # first same as last
            fac = 5.0 if err == 0.0 else min(5.0, max(0.2, 0.9 * err**-0.2))
            # a step cut short to land on a breakpoint says nothing about the natural step
            h = max(h, hs * fac) if last else hs * fac
        else:
            h = hs * max(0.2, 0.9 * err**-0.2)
    return h, steps, j, 0


@nb.njit(_SIG, cache=True, parallel=True, nogil=True)
def _integrate(
    rhs,
    y0,
    params,
    times,
    ev_time,
    ev_cmt,
    ev_amt,
    ev_type,
    grid_t,
    grid_u,
    rtol,
    atol,
    max_steps,
    stop_at_times,
    out,
    status,
):  # pragma: no cover
    n_sub, n = y0.shape
    n_t = times.size
    n_ev = ev_time.shape[1]
    n_g = grid_t.size
    n_u = grid_u.shape[1]
    for s in nb.prange(n_sub):
        y = y0[s].copy()
        p = params[s].copy()
        rate = np.zeros(n)
        k = np.zeros((7, n))
        ynew = np.zeros(n)
        u = np.zeros(n_u)
        ua = np.zeros(n_u)
        du = np.zeros(n_u)
        gu = grid_u[s]
        out_s = out[s]
        t = times[0]
        if n_ev > 0 and ev_time[s, 0] < t:
            t = ev_time[s, 0]
        span = max(times[n_t - 1] - t, 1e-6)
        h = 1e-3 * span
        e = 0
        j = 0
        g = 0
        steps = 0
        fresh = True
        while j < n_t:
            while e < n_ev and ev_time[s, e] <= t:
                if ev_type[s, e] == 0:
                    y[ev_cmt[s, e]] += ev_amt[s, e]
                else:
                    rate[ev_cmt[s, e]] += ev_amt[s, e]
                e += 1
                h = min(h, 1e-3 * span)  # restart gently after a discontinuity
                fresh = True
            while j < n_t and times[j] <= t:
                for i in range(n):
                    out_s[j, i] = y[i]
                j += 1
            if j >= n_t:
                break
            t_next = times[j] if stop_at_times else times[n_t - 1]
            if e < n_ev and ev_time[s, e] < t_next:
                t_next = ev_time[s, e]
            # the grid piece holding [t, next knot): g = last knot <= t (right limit at a jump)
            ta = t
            if n_g > 0:
                while g + 1 < n_g and grid_t[g + 1] <= t:
                    g += 1
                if t < grid_t[0] or g == n_g - 1:
                    c = 0 if t < grid_t[0] else n_g - 1
                    for i in range(n_u):
                        ua[i] = gu[i, c]
                        du[i] = 0.0
                    if t < grid_t[0] and grid_t[0] < t_next:
                        t_next = grid_t[0]
                else:
                    ta = grid_t[g]
                    w = grid_t[g + 1] - ta
                    for i in range(n_u):
                        ua[i] = gu[i, g]
                        du[i] = (gu[i, g + 1] - gu[i, g]) / w
                    t_next = min(t_next, grid_t[g + 1])
            # an input jump at t invalidates the last derivative (k[0]); a smooth knot does not
            for i in range(n_u):
                v = ua[i] + du[i] * (t - ta)
                if abs(v - u[i]) > 1e-13 * max(abs(v), abs(u[i])):
                    fresh = True
            if t_next - t <= 1e-13 * max(1.0, abs(t_next)):
                t = t_next  # two breakpoints a round-off apart
                continue
            h, steps, j, st = _segment(
                rhs,
                t,
                t_next,
                y,
                p,
                rate,
                u,
                ua,
                du,
                ta,
                h,
                rtol,
                atol[s],
                k,
                fresh,
                ynew,
                steps,
                max_steps,
                times,
                j,
                out_s,
            )
            fresh = False
            if st != 0:
                status[s] = st
                while j < n_t:
                    for i in range(n):
                        out_s[j, i] = np.nan
                    j += 1
                break
            t = t_next
