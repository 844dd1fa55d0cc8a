"""The compiled adaptive ODE integrator shared by nonlinear PK and PD (numba, cached).

Generic numerics (no PK or PD knowledge); :mod:`kinetor.pk.ode` re-exports it with the
PK right-hand sides.

One Dormand-Prince 5(4) kernel integrates many subjects in parallel threads
(``numba.prange``) with two kinds of time-dependent input: **dose events** (bolus amounts
and rate changes, discontinuities of the state) and **grid-sampled inputs** (a drug
concentration, a kill or growth drive given on a time grid, linear between knots). Write
the right-hand side as a numba function with the signature ``RHS_SIGNATURE`` and pass it
to :func:`integrate`; :mod:`kinetor.pk.nonlinear` (Michaelis-Menten PK) and
:mod:`kinetor.pd` (indirect response, tumour growth) both do.

Interface
---------
The right-hand side::

    @numba.njit(RHS_SIGNATURE, cache=True)
    def rhs(t, y, p, u, dydt):
        # t: float64 time; y: float64[::1] state; p: float64[::1] this subject's
        # parameters; u: float64[::1] the grid inputs interpolated at t (empty without a
        # grid); dydt: float64[::1] to fill in place (return nothing)
        dydt[0] = -p[0] * y[0] + u[0]

:func:`integrate` (``rhs, y0, params, times, ev_time, ev_cmt, ev_amt, ev_type``):

- ``y0`` (S, n): initial state of each of S subjects at ``times[0]`` (or at the first
  event if earlier); ``params`` (S, n_p): parameters;
- ``times`` (T,): sorted output times (the same for all subjects);
- ``ev_time`` (S, E): event times, sorted per subject, padded with ``inf`` (E may be 0);
  ``ev_cmt`` (S, E) int: compartment index; ``ev_amt`` (S, E): amount (type 0, added to
  ``y[cmt]``) or rate change (type 1, added to the constant input into ``y[cmt]``, e.g.
  ``+R`` at the start and ``-R`` at the end of an infusion); ``ev_type`` (S, E) int;
- ``grid_t`` (G,), ``grid_u`` (S, K, G), optional: K input channels per subject on a
  non-decreasing time grid, linear between knots; a time repeated in the grid marks a jump
  (first value = left limit, second = right limit); constant before the first and after
  the last knot;
- ``rtol``, ``atol`` (a value or one per subject): error control (scaled RMS norm);
  ``max_steps`` per subject; ``stop_at_times``: also stop on every output time instead of
  interpolating it (the PD models do; see below); ``return_status``.

Returns ``(S, T, n)``: the state at every output time (and with ``return_status`` an
``(S,)`` status: 0 success, 1 step-size underflow, 2 more than ``max_steps`` steps, 3
non-finite state; a failed subject is NaN from the failure on).

Breakpoints. The integrator never steps across an event time or a grid knot: it stops
there, applies the events (an event at an output time is applied before that output is
recorded: post-dose values, as in the closed forms), re-evaluates the first stage (an input
may jump there) and restarts, so each step sees a smooth right-hand side and the error
control sees no kinks. A stretch shorter than ``1e-13 max(1, |t|)`` (two breakpoints a
round-off apart) is skipped. Between breakpoints steps are chosen by error control alone
(factor ``0.9 err^(-1/5)`` clipped to [0.2, 5]; a step cut short to land on a breakpoint
does not shrink the next one); outputs inside a step come from Hairer's 4th-order dense
output unless ``stop_at_times``.

Examples
--------
>>> import numpy as np

A zero-order input of 2 for 1 h given on a grid (jump up at 0, down at 1) into
:math:`dy/dt = -0.5 y + u`: :math:`y(1) = 4 (1 - e^{-0.5})`, then decay.

>>> y = integrate(linear_input_rhs, np.zeros((1, 1)), np.array([[0.5]]),
...               np.array([0.0, 1.0, 3.0]), np.empty((1, 0)), np.empty((1, 0), int),
...               np.empty((1, 0)), np.empty((1, 0), int), grid_t=np.array([0.0, 1.0, 1.0]),
...               grid_u=np.array([[[2.0, 2.0, 0.0]]]))
>>> [round(float(v), 6) for v in y[0, :, 0]]   # 0, 4 (1 - e^-0.5), then x e^-1
[0.0, 1.573877, 0.578997]
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np
from numba import types

__all__ = ["RHS_SIGNATURE", "integrate", "linear_input_rhs"]

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


def _as2d(a, dtype, S):
    # a fresh C-contiguous, writeable copy: numba's signature takes no read-only arrays
    a = np.asarray(a, dtype=dtype)
    return np.zeros((S, 0), dtype=dtype) if a.size == 0 else np.array(np.atleast_2d(a), order="C")


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
    atol=1e-10,
    max_steps: int = 1_000_000,
    *,
    grid_t=None,
    grid_u=None,
    stop_at_times: bool = False,
    return_status: bool = False,
):
    """Integrate ``rhs`` for every subject with dose events and grid inputs (module docstring).

    Returns ``out`` (S, T, n), or ``(out, status)`` with ``return_status=True``.
    """
    from kinetor.errors import ModelError

    y0 = np.array(np.atleast_2d(y0), dtype=np.float64, order="C")
    S, n = y0.shape
    times = np.array(times, dtype=np.float64).ravel()
    if times.size == 0:
        out = np.empty((S, 0, n))
        return (out, np.zeros(S, dtype=np.int64)) if return_status else out
    if grid_t is None:
        grid_t, grid_u = np.zeros(0), np.zeros((S, 0, 0))
    else:
        grid_t = np.array(grid_t, dtype=np.float64).ravel()
        grid_u = np.asarray(grid_u, dtype=np.float64)
        if grid_u.ndim != 3 or grid_u.shape[2] != grid_t.size or grid_t.size == 0:
            raise ModelError(
                f"grid_u must be (subjects, channels, {grid_t.size}) on a non-empty "
                f"grid, got {grid_u.shape}"
            )
        if np.any(np.diff(grid_t) < 0):
            raise ModelError("the input time grid must be non-decreasing")
        grid_u = np.broadcast_to(grid_u, (S, *grid_u.shape[1:])).copy()
    out = np.empty((S, times.size, n))
    status = np.zeros(S, dtype=np.int64)
    _integrate(
        rhs,
        y0,
        _as2d(params, np.float64, S),
        times,
        _as2d(ev_time, np.float64, S),
        _as2d(ev_cmt, np.int64, S),
        _as2d(ev_amt, np.float64, S),
        _as2d(ev_type, np.int64, S),
        grid_t,
        grid_u,
        float(rtol),
        np.broadcast_to(np.asarray(atol, dtype=np.float64), (S,)).copy(),
        int(max_steps),
        bool(stop_at_times),
        out,
        status,
    )
    return (out, status) if return_status else out


@nb.njit(RHS_SIGNATURE, cache=True)
def linear_input_rhs(t, y, p, u, dydt):  # pragma: no cover
    """First-order loss driven by the grid inputs: ``dy_i/dt = -p[0] y_i + u[i]``."""
    for i in range(y.size):
        dydt[i] = -p[0] * y[i] + u[i]
