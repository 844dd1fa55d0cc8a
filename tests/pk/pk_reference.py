"""Independent reference solutions for the PK tests (scipy solve_ivp, matrix exponential).

Nothing here uses kinetor's solvers: the linear ODE system is written out again,
integrated piecewise between dose events with solve_ivp (DOP853, rtol 1e-10, atol 1e-14,
max_step 5 h so that the dense output is as accurate as the steps), and
steady state comes from the periodic fixed point x = e^{K tau} (x + b) solved with
scipy.linalg.expm.
"""

from __future__ import annotations

import numpy as np
from scipy.integrate import solve_ivp
from scipy.linalg import expm


def rate_matrix(cl, v1, q2=0.0, v2=1.0, q3=0.0, v3=1.0, ka=1.0):
    """dx/dt = K x for states (depot, central, periph2, periph3, eliminated)."""
    k10, k12, k21, k13, k31 = cl / v1, q2 / v1, q2 / v2, q3 / v1, q3 / v3
    K = np.zeros((5, 5))
    K[0, 0] = -ka
    K[1, 0] = ka
    K[1, 1] = -(k10 + k12 + k13)
    K[1, 2] = k21
    K[1, 3] = k31
    K[2, 1] = k12
    K[2, 2] = -k21
    K[3, 1] = k13
    K[3, 3] = -k31
    K[4, 1] = k10
    return K


def _events(doses, f, tlag):
    """doses: list of (time, amount, route, duration) -> sorted (time, target, value)."""
    ev = []
    for t, amt, route, dur in doses:
        if route == "extravascular":
            ev.append((t + tlag, "depot", amt * f))
        elif route == "iv_bolus":
            ev.append((t, "central", amt))
        else:
            ev.append((t, "rate", amt / dur))
            ev.append((t + dur, "rate", -amt / dur))
    return sorted(ev, key=lambda e: e[0])


def solve(K, doses, times, f=1.0, tlag=0.0, x0=None, rate0=0.0):
    """States (T, 5) at ``times`` (post-dose at dose instants)."""
    times = np.asarray(times, float)
    ev = _events(doses, f, tlag)
    t_end = float(times.max())
    bps = sorted({0.0, t_end, *[e[0] for e in ev if e[0] <= t_end]})
    x = np.zeros(5) if x0 is None else np.array(x0, float)
    rate = rate0
    out = np.full((times.size, 5), np.nan)
    j = 0

    def rhs(_t, y, r):
        dy = K @ y
        dy[1] += r
        return dy

    for a, b in zip(bps[:-1], [*bps[1:]], strict=True):
        while j < len(ev) and ev[j][0] <= a:
            _, target, val = ev[j]
            if target == "depot":
                x[0] += val
            elif target == "central":
                x[1] += val
            else:
                rate += val
            j += 1
        last = b == bps[-1]
        mask = (times >= a) & ((times < b) | (last & (times <= b)))
        if b > a:
            # max_step keeps DOP853's dense output as accurate as its steps (~1e-10)
            sol = solve_ivp(
                rhs,
                (a, b),
                x,
                args=(rate,),
                method="DOP853",
                rtol=1e-10,
                atol=1e-14,
                dense_output=True,
                max_step=5.0,
            )
            if mask.any():
                out[mask] = sol.sol(times[mask]).T
            x = sol.y[:, -1].copy()
        elif mask.any():
            out[mask] = x
    return out


def steady_state_start(K, amount, route, tau, f=1.0, duration=0.0, tlag=0.0):
    """State just after the dose at steady state (periodic fixed point over one tau).

    The state right after a dose satisfies x = M x + b where M = e^{K tau} propagates one
    interval and b is the state one interval after a single dose from zero (computed with
    ``solve``), by linearity.
    """
    live = [i for i in range(4) if K[i, i] != 0.0]  # compartments the model has
    M = expm(K[np.ix_(live, live)] * tau)
    single = solve(K, [(0.0, amount, route, duration)], [tau], f=f, tlag=tlag)[0, live]
    # x(tau-) at SS: x = M x + single  ->  x = (I - M)^-1 single (state before next dose)
    out = np.zeros(5)
    out[live] = np.linalg.solve(np.eye(len(live)) - M, single)
    return out
