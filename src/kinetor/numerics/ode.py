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
- ``times`` (T,): finite, non-decreasing output times (the same for all subjects;
  unsorted ones are refused with a ``ModelError``);
- ``ev_time`` (S, E): event times per subject, padded with ``inf`` (E may be 0); unsorted
  events are sorted by time (stably, each with its compartment, amount and type, so
  events at one time keep their order); a NaN time is refused;
  ``ev_cmt`` (S, E) int: compartment index (0..n-1, else refused); ``ev_amt`` (S, E): amount (type 0, added to
  ``y[cmt]``) or rate change (type 1, added to the constant input into ``y[cmt]``, e.g.
  ``+R`` at the start and ``-R`` at the end of an infusion); ``ev_type`` (S, E) int, 0 or 1
  (any other code is refused);
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

The Dormand-Prince kernel itself (tableau, one segment between breakpoints, the loop over
subjects) is :mod:`kinetor.numerics._dopri`; this module is its interface.

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

import numba as nb
import numpy as np

from kinetor.numerics._dopri import RHS_SIGNATURE, _integrate

__all__ = ["RHS_SIGNATURE", "integrate", "linear_input_rhs"]


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
    if not np.all(np.isfinite(times)) or np.any(np.diff(times) < 0):
        raise ModelError(
            f"the output times must be finite and non-decreasing, got {times.tolist()[:8]}"
        )
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
    ev = _events(ev_time, ev_cmt, ev_amt, ev_type, S, n)
    out = np.empty((S, times.size, n))
    status = np.zeros(S, dtype=np.int64)
    _integrate(
        rhs,
        y0,
        _as2d(params, np.float64, S),
        times,
        *ev,
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


def _events(ev_time, ev_cmt, ev_amt, ev_type, S, n):
    """The event arrays for the kernel: each subject's events sorted by time (stably, with
    their compartment, amount and type); a NaN time, a compartment outside 0..n-1 or a
    type other than 0 (amount) / 1 (rate change) is refused (padding at +inf is ignored)."""
    from kinetor.errors import ModelError

    et, ec = _as2d(ev_time, np.float64, S), _as2d(ev_cmt, np.int64, S)
    ea, ety = _as2d(ev_amt, np.float64, S), _as2d(ev_type, np.int64, S)
    if not (et.shape == ec.shape == ea.shape == ety.shape):
        shapes = [a.shape for a in (et, ec, ea, ety)]
        raise ModelError(f"ev_time, ev_cmt, ev_amt, ev_type must have one shape, got {shapes}")
    if np.isnan(et).any():
        raise ModelError("an event time is NaN: give every dose a time (pad with inf)")
    real = et < np.inf
    bad = real & ((ec < 0) | (ec >= n))
    if bad.any():
        raise ModelError(
            f"event compartment {int(ec[bad][0])} is out of range: the model has {n} "
            f"state(s), compartments 0..{n - 1}"
        )
    bad = real & (ety != 0) & (ety != 1)
    if bad.any():
        raise ModelError(
            f"unknown event type {int(ety[bad][0])}: use 0 (amount added to the state) "
            "or 1 (rate change)"
        )
    order = np.argsort(et, axis=1, kind="stable")
    return tuple(np.ascontiguousarray(np.take_along_axis(a, order, 1)) for a in (et, ec, ea, ety))


@nb.njit(RHS_SIGNATURE, cache=True)
def linear_input_rhs(t, y, p, u, dydt):  # pragma: no cover
    """First-order loss driven by the grid inputs: ``dy_i/dt = -p[0] y_i + u[i]``."""
    for i in range(y.size):
        dydt[i] = -p[0] * y[i] + u[i]
