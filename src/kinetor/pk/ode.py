"""A compiled adaptive ODE integrator with dose events, vectorised over subjects.

Used for nonlinear PK (Michaelis-Menten elimination) and reusable for PD, tumour and
any small ODE system: write the right-hand side as a numba function with the signature
``RHS_SIGNATURE`` and pass it to :func:`integrate`.

Interface
---------
The right-hand side::

    @numba.njit(RHS_SIGNATURE, cache=True)
    def rhs(t, y, p, dydt):
        # t: float64 time; y: float64[::1] state; p: float64[::1] this subject's
        # parameters; dydt: float64[::1] to fill in place (return nothing)
        dydt[0] = -p[0] * y[0]

:func:`integrate` (``rhs, y0, params, times, ev_time, ev_cmt, ev_amt, ev_type``):

- ``y0`` (S, n): initial state of each of S subjects; ``params`` (S, n_p): parameters;
- ``times`` (T,): sorted output times (the same for all subjects);
- ``ev_time`` (S, E): event times, sorted per subject, padded with ``inf``;
  ``ev_cmt`` (S, E) int: compartment index; ``ev_amt`` (S, E): amount (type 0, added to
  ``y[cmt]``) or rate change (type 1, added to the constant input into ``y[cmt]``, e.g.
  ``+R`` at the start and ``-R`` at the end of an infusion); ``ev_type`` (S, E) int;
- ``rtol``, ``atol``: error control of the Dormand-Prince 5(4) pair (scaled RMS norm),
  ``max_steps`` per subject (a subject that exceeds it gets NaN from there on).

Returns ``(S, T, n)``: the state at every output time. Events are discontinuities: the
integrator stops exactly at each event time, applies it, and restarts; an event at an
output time is applied before that output is recorded (post-dose values, as in the closed
forms). Between events, steps are chosen by error control alone and outputs are
interpolated with the method's 4th-order dense output. Subjects run in parallel threads
(``numba.prange``).

Examples
--------
>>> import numpy as np
>>> y = integrate(linear_rhs, np.zeros((1, 4)), np.array([[1.0, 0.2, 0, 0, 0, 0]]),
...               np.array([0.0, 1.0, 5.0]), np.array([[0.0]]), np.array([[1]]),
...               np.array([[100.0]]), np.array([[0]]))
>>> [round(float(v), 6) for v in y[0, :, 1]]   # 100 exp(-0.2 t)
[100.0, 81.873075, 36.787944]
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from numba import types

__all__ = ["RHS_SIGNATURE", "integrate", "linear_rhs", "mm_rhs"]

RHS_SIGNATURE = types.void(
    types.float64, types.float64[::1], types.float64[::1], types.float64[::1]
)
_RHS = types.FunctionType(RHS_SIGNATURE)
_SIG = types.void(
    _RHS,
    types.float64[:, ::1],
    types.float64[:, ::1],
    types.float64[::1],
    types.float64[:, ::1],
    types.int64[:, ::1],
    types.float64[:, ::1],
    types.int64[:, ::1],
    types.float64,
    types.float64,
    types.int64,
    types.float64[:, :, ::1],
)

# Dormand-Prince 5(4) tableau
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
def _segment(
    rhs, t, t_end, y, p, rate, h, rtol, atol, k, tmp, steps, max_steps, times, j, out_s
):  # pragma: no cover
    """Integrate y in place from t to t_end, writing the outputs with t < times[j] < t_end
    by dense output; returns (h, steps, j) (steps < 0: failure)."""
    n = y.size
    n_t = times.size
    k1, k2, k3, k4, k5, k6, k7 = k[0], k[1], k[2], k[3], k[4], k[5], k[6]
    ynew = tmp[0]
    rhs(t, y, p, k1)
    for i in range(n):
        k1[i] += rate[i]
    while t < t_end:
        if steps >= max_steps:
            return h, -1, j
        last = False
        if t + h >= t_end or (t_end - t - h) < 1e-12 * abs(t_end):
            h = t_end - t
            last = True
        for i in range(n):
            ynew[i] = y[i] + h * _A2[0] * k1[i]
        rhs(t + _C[1] * h, ynew, p, k2)
        for i in range(n):
            k2[i] += rate[i]
            ynew[i] = y[i] + h * (_A3[0] * k1[i] + _A3[1] * k2[i])
        rhs(t + _C[2] * h, ynew, p, k3)
        for i in range(n):
            k3[i] += rate[i]
            ynew[i] = y[i] + h * (_A4[0] * k1[i] + _A4[1] * k2[i] + _A4[2] * k3[i])
        rhs(t + _C[3] * h, ynew, p, k4)
        for i in range(n):
            k4[i] += rate[i]
            ynew[i] = y[i] + h * (_A5[0] * k1[i] + _A5[1] * k2[i] + _A5[2] * k3[i] + _A5[3] * k4[i])
        rhs(t + _C[4] * h, ynew, p, k5)
        for i in range(n):
            k5[i] += rate[i]
            ynew[i] = y[i] + h * (
                _A6[0] * k1[i] + _A6[1] * k2[i] + _A6[2] * k3[i] + _A6[3] * k4[i] + _A6[4] * k5[i]
            )
        rhs(t + h, ynew, p, k6)
        for i in range(n):
            k6[i] += rate[i]
            ynew[i] = y[i] + h * (
                _B[0] * k1[i] + _B[2] * k3[i] + _B[3] * k4[i] + _B[4] * k5[i] + _B[5] * k6[i]
            )
        rhs(t + h, ynew, p, k7)
        err = 0.0
        for i in range(n):
            k7[i] += rate[i]
            e = h * (
                _E[0] * k1[i]
                + _E[2] * k3[i]
                + _E[3] * k4[i]
                + _E[4] * k5[i]
                + _E[5] * k6[i]
                + _E[6] * k7[i]
            )
            sc = atol + rtol * max(abs(y[i]), abs(ynew[i]))
            err += (e / sc) ** 2
        err = math.sqrt(err / n)
        steps += 1
        if err <= 1.0 or h < 1e-14 * max(1.0, abs(t)):
            t_new = t_end if last else t + h
            # dense output (Hairer's 4th-order continuous extension of DOPRI5)
            while j < n_t and times[j] < t_end and times[j] <= t_new:
                th = (times[j] - t) / h
                th1 = 1.0 - th
                for i in range(n):
                    dy = ynew[i] - y[i]
                    bspl = h * k1[i] - dy
                    c4 = dy - h * k7[i] - bspl
                    c5 = h * (
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
            if not last:
                h = h * fac
        else:
            h = h * max(0.2, 0.9 * err**-0.25)
    return h, steps, j


@nb.njit(_SIG, cache=True, parallel=True, nogil=True)
def _integrate(
    rhs, y0, params, times, ev_time, ev_cmt, ev_amt, ev_type, rtol, atol, max_steps, out
):  # pragma: no cover
    n_sub, n = y0.shape
    n_t = times.size
    n_ev = ev_time.shape[1]
    for s in nb.prange(n_sub):
        y = y0[s].copy()
        p = params[s].copy()
        rate = np.zeros(n)
        k = np.zeros((7, n))
        tmp = np.zeros((1, n))
        out_s = out[s]
        t = times[0]
        if n_ev > 0 and ev_time[s, 0] < t:
            t = ev_time[s, 0]
        span = max(times[n_t - 1] - t, 1e-6)
        h = 1e-3 * span
        e = 0
        j = 0
        steps = 0
        while j < n_t:
            while e < n_ev and ev_time[s, e] <= t:
                if ev_type[s, e] == 0:
                    y[ev_cmt[s, e]] += ev_amt[s, e]
                else:
                    rate[ev_cmt[s, e]] += ev_amt[s, e]
                e += 1
                h = min(h, 1e-3 * span)  # restart gently after a discontinuity
            while j < n_t and times[j] <= t:
                for i in range(n):
                    out_s[j, i] = y[i]
                j += 1
            if j >= n_t:
                break
            t_next = times[n_t - 1]
            if e < n_ev and ev_time[s, e] < t_next:
                t_next = ev_time[s, e]
            h, steps, j = _segment(
                rhs, t, t_next, y, p, rate, h, rtol, atol, k, tmp, steps, max_steps, times, j, out_s
            )
            if steps < 0:
                while j < n_t:
                    for i in range(n):
                        out_s[j, i] = np.nan
                    j += 1
                break
            t = t_next


def integrate(
    rhs,
    y0,
    params,
    times,
    ev_time,
    ev_cmt,
    ev_amt,
    ev_type,
    rtol: float = 1e-8,
    atol: float = 1e-10,
    max_steps: int = 1_000_000,
) -> np.ndarray:
    """Integrate ``rhs`` for every subject with dose events (see module docstring)."""
    y0 = np.ascontiguousarray(np.atleast_2d(y0), dtype=np.float64)
    S, n = y0.shape
    out = np.empty((S, len(times), n))
    _integrate(
        rhs,
        y0,
        np.ascontiguousarray(np.atleast_2d(params), dtype=np.float64),
        np.ascontiguousarray(times, dtype=np.float64),
        np.ascontiguousarray(np.atleast_2d(ev_time), dtype=np.float64),
        np.ascontiguousarray(np.atleast_2d(ev_cmt), dtype=np.int64),
        np.ascontiguousarray(np.atleast_2d(ev_amt), dtype=np.float64),
        np.ascontiguousarray(np.atleast_2d(ev_type), dtype=np.int64),
        float(rtol),
        float(atol),
        int(max_steps),
        out,
    )
    return out


@nb.njit(RHS_SIGNATURE, cache=True)
def linear_rhs(t, y, p, dydt):  # pragma: no cover
    """Linear 1-3 compartment model with a depot. State: depot, central, periph 2, periph 3
    (amounts). ``p = [ka, k10, k12, k21, k13, k31]``."""
    ka, k10, k12, k21, k13, k31 = p[0], p[1], p[2], p[3], p[4], p[5]
    dydt[0] = -ka * y[0]
    dydt[1] = ka * y[0] - (k10 + k12 + k13) * y[1] + k21 * y[2] + k31 * y[3]
    dydt[2] = k12 * y[1] - k21 * y[2]
    dydt[3] = k13 * y[1] - k31 * y[3]


@nb.njit(RHS_SIGNATURE, cache=True)
def mm_rhs(t, y, p, dydt):  # pragma: no cover
    """Michaelis-Menten elimination (+ linear CL), optional depot and peripheral.
    State: depot, central, peripheral (amounts, mg).
    ``p = [ka, v1, vmax, km, cl, q, v2]`` (1/h, L, mg/h, mg/L, L/h, L/h, L)."""
    ka, v1, vmax, km, cl, q, v2 = p[0], p[1], p[2], p[3], p[4], p[5], p[6]
    c = y[1] / v1
    elim = vmax * c / (km + c) + cl * c
    back = q * y[2] / v2 if v2 > 0.0 else 0.0
    dydt[0] = -ka * y[0]
    dydt[1] = ka * y[0] - elim - q * c + back
    dydt[2] = q * c - back
