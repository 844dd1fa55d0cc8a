r"""Checks of the explicit ODE path of PK models and its implicit (stiff) fallback.

The ODE path (:func:`kinetor.pk.nonlinear.ode_predict`) first runs the compiled explicit
Dormand-Prince integrator with a step budget. An explicit method is cheap on non-stiff
problems but on a stiff one (Michaelis-Menten elimination with a small :math:`K_m`: once
the dose is eliminated the central amount decays at the rate
:math:`V_{max}/(V_1 K_m)`, e.g. 50,000 /h for 1000 mg/h, 0.001 mg/L and 20 L) it needs
millions of steps, runs out of them or, through an unstable step accepted by the error
control, returns negative or non-finite amounts. :func:`screen` flags such subjects; they
are integrated again by :func:`implicit`: scipy's LSODA (ODEPACK; BDF where the problem is
stiff, Adams elsewhere) with the analytic Jacobian, tolerances 100 times tighter than the
explicit ones and a step budget, with the same handling of the doses as the compiled
kernel (each dose a breakpoint, the time counted from it; an output at a dose time is
post-dose). LSODA was chosen over scipy's Radau for speed: on the example above, 14 ms
against 340 ms per dose interval (Radau steps in Python), at the same accuracy.

The amounts are non-negative in exact arithmetic (every compartment loses mass in
proportion to what it holds), so a value below zero is an integration error:
:func:`clip_roundoff` sets values within the integration tolerance of zero
(:math:`-(10\,atol + rtol \max|A|) \le A < 0`) to 0, as the closed forms clip their
round-off; a larger negative value is a failure.

In the Michaelis-Menten right-hand side the elimination is written
:math:`V_{max} C / (K_m + |C|)`: the same for :math:`C \ge 0`, and for a negative trial
value (inside a step or a Newton iteration) it pulls the amount back towards 0 instead of
dividing by :math:`K_m + C \to 0`.

Examples
--------
>>> import numpy as np
>>> y = np.array([[[1.0], [-1e-13], [-2.0]]])   # one subject, three times, one amount
>>> screen(y, np.zeros(1, int), *bounds(y, 1e-8, 1e-12), np.array([0.0, 1.0, 2.0]), 100)
{0: 'negative amounts (-2 mg at 2 h)'}
>>> y = y[:, :2].copy()
>>> clip_roundoff(y, *bounds(y, 1e-8, 1e-12))[0, :, 0].tolist()
[1.0, 0.0]
"""

from __future__ import annotations

import numpy as np

_WHY = {
    1: "the step size of the explicit integrator collapsed",
    3: "non-finite amounts (overflow)",
}


def step_budget(n_events: int) -> int:
    """Explicit steps per subject before the problem is handed to the implicit solver.

    A non-stiff PK profile needs about 100-200 steps per dose interval (measured: 204 for
    3 IV doses of a typical Michaelis-Menten model, 7,600 for 56 oral doses of a
    2-compartment model, 11,200 for a mildly stiff one with Km = 0.01 mg/L); a stiff one
    needs about (simulated time) x (stiffness rate) / 3.3, a million for the example of
    the module docstring.
    """
    return 20_000 + 2_000 * int(n_events)


def bounds(y: np.ndarray, rtol: float, atol):
    """(S,) lowest value of each subject's amounts ``y`` (S, T, n) and how far below 0 an
    amount may be from the integration error alone (not finite where ``y`` is not)."""
    lo, hi = y.min(axis=(1, 2), initial=np.inf), y.max(axis=(1, 2), initial=-np.inf)
    return lo, 10.0 * np.asarray(atol, float) + rtol * np.maximum(np.abs(lo), np.abs(hi))


def screen(y, status, lo, tol, times, budget) -> dict[int, str]:
    """``{subject position: why}`` for the subjects whose explicit result ``y`` (S, T, n)
    cannot be used (empty when all can); ``lo``, ``tol`` from :func:`bounds`.

    ``status`` is the integrator's (0 success, 1 step-size underflow, 2 step budget
    spent, 3 non-finite state); a success with a non-finite value or an amount below
    zero beyond the tolerance is a failure too.
    """
    finite = np.isfinite(tol)  # a NaN or an infinity anywhere makes it NaN or inf
    bad = (status != 0) | ~finite | (lo < -tol)
    out: dict[int, str] = {}
    for s in np.flatnonzero(bad) if bad.any() else ():  # the few that failed
        if status[s] == 2:
            out[int(s)] = f"more than {budget:,} explicit steps (a stiff problem)"
        elif status[s] in _WHY:
            out[int(s)] = _WHY[int(status[s])]
        elif not finite[s]:
            out[int(s)] = _WHY[3]
        else:
            j, i = np.unravel_index(np.argmin(y[s]), y[s].shape)
            out[int(s)] = f"negative amounts ({y[s, j, i]:.3g} mg at {times[j]:g} h)"
    return out


def clip_roundoff(y: np.ndarray, lo: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """``y`` with the negative values within the integration tolerance ``tol`` set to 0
    (in place; ``lo``, ``tol`` from :func:`bounds`)."""
    some = np.flatnonzero(lo < 0.0)
    if some.size:
        part = y[some]
        part[(part < 0.0) & (part >= -tol[some, None, None])] = 0.0
        y[some] = part
    return y


def _system(linear: bool, p: np.ndarray):
    """Right-hand side ``f(t, y, rate)`` and Jacobian of the PK equations of
    :mod:`kinetor.pk.ode` (``linear_rhs`` or ``mm_rhs``) for one subject's parameters."""
    if linear:
        ka, k10, k12, k21, k13, k31 = (float(v) for v in p)
        a = np.array(
            [
                [-ka, 0.0, 0.0, 0.0],
                [ka, -(k10 + k12 + k13), k21, k31],
                [0.0, k12, -k21, 0.0],
                [0.0, k13, 0.0, -k31],
            ]
        )
        return (lambda t, y, rate: a @ y + rate), (lambda t, y, rate: a)
    ka, v1, vmax, km, cl, q, v2 = (float(v) for v in p)
    back = q / v2 if v2 > 0.0 else 0.0

    def f(t, y, rate):
        c = y[1] / v1
        elim = vmax * c / (km + abs(c)) + cl * c
        return np.array(
            [
                rate[0] - ka * y[0],
                rate[1] + ka * y[0] - elim - q * c + back * y[2],
                rate[2] + q * c - back * y[2],
            ]
        )

    def jac(t, y, rate):
        c = y[1] / v1
        d = (vmax * km / (km + abs(c)) ** 2 + cl + q) / v1
        return np.array([[-ka, 0.0, 0.0], [ka, -d, back], [0.0, q / v1, -back]])

    return f, jac


def _segment(f, jac, y, rate, span, pts, rtol, atol, budget):
    """Amounts at ``pts`` (in [0, span)) and at ``span`` from ``y`` at 0 by LSODA with at
    most ``budget`` steps: (amounts (len(pts), n), end state, steps, failure or None)."""
    import warnings

    from scipy.integrate import LSODA

    out = np.full((pts.size, y.size), np.nan)
    i = steps = 0
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # a failure is reported below, not as a warning
        solver = LSODA(
            lambda t, z: f(t, z, rate),
            0.0,
            y,
            span,
            rtol=rtol,
            atol=atol,
            jac=lambda t, z: jac(t, z, rate),
        )
        while solver.status == "running":
            if steps >= budget:
                return out, y, steps, f"more than {budget:,} implicit steps"
            message = solver.step()
            steps += 1
            if solver.status == "failed" or not np.all(np.isfinite(solver.y)):
                return out, y, steps, message or "non-finite amounts (overflow)"
            m = int(np.searchsorted(pts, solver.t, side="right"))
            if m > i:
                out[i:m] = solver.dense_output()(pts[i:m]).T
                i = m
    return out, solver.y.copy(), steps, None


def _subject(f, jac, n, times, ev_time, ev_cmt, ev_amt, ev_type, rtol, atol):
    """One subject through the events (as the compiled kernel): (T, n) amounts, reason.
    Each interval between events has its own step budget (a guard against a hang on
    absurd parameters, not a limit on long regimens)."""
    out = np.full((times.size, n), np.nan)
    y, rate = np.zeros(n), np.zeros(n)
    n_t, n_ev = times.size, ev_time.size
    budget = step_budget(int(np.isfinite(ev_time).sum()))
    t = min(times[0], ev_time[0]) if n_ev else times[0]
    e = j = 0
    while j < n_t:
        while e < n_ev and ev_time[e] <= t:
            target = y if ev_type[e] == 0 else rate
            target[ev_cmt[e]] += ev_amt[e]
            e += 1
        while j < n_t and times[j] <= t:
            out[j] = y
            j += 1
        if j >= n_t:
            break
        t_next = min(times[-1], ev_time[e]) if e < n_ev else times[-1]
        if t_next - t <= 1e-13 * max(1.0, abs(t_next)):
            t = t_next  # two breakpoints a round-off apart
            continue
        k = j + int(np.searchsorted(times[j:], t_next, side="left"))
        # in time since t: a fast phase late in a long run is resolved as well as at 0
        out[j:k], y, _, why = _segment(
            f, jac, y, rate.copy(), t_next - t, times[j:k] - t, rtol, atol, budget
        )
        if why is not None:
            return out, f"the implicit solver (LSODA) failed after {t:g} h: {why}"
        # the budget is per dose interval (shared over a long regimen it ran out on
        # problems LSODA solves: 10 oral doses of a stiff MM model at rtol 1e-10)
        j, t = k, t_next
    return out, None


def implicit(linear, params, times, ev_time, ev_cmt, ev_amt, ev_type, rtol, atol):
    """(S, T, n) amounts of the subjects ``params`` (S, n_p) by LSODA, and the reason of a
    failure per subject (None when it succeeded; NaN from a failure on). ``linear``: the
    right-hand side is ``linear_rhs`` (else ``mm_rhs``) of :mod:`kinetor.pk.ode`."""
    n = 4 if linear else 3
    atol = np.broadcast_to(np.asarray(atol, float), (params.shape[0],))
    y = np.empty((params.shape[0], times.size, n))
    why: list[str | None] = []
    for s in range(params.shape[0]):
        f, jac = _system(linear, params[s])
        y[s], reason = _subject(
            f, jac, n, times, ev_time[s], ev_cmt[s], ev_amt[s], ev_type[s], rtol, atol[s]
        )
        why.append(reason)
    return y, why
