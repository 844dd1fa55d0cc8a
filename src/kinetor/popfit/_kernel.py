"""Compiled superposition of sums of exponentials over dose events (numba, cached).

``superpose`` adds, for every subject ``n``, observation time ``t[n, j]`` and dose event
``e`` at or before it and before the event's end ``until[n, e]`` (a NONMEM reset empties
the system there), ``amt[n, e] * (const[n, k] + sum_m coef[n, k, m] exp(-lam[n, m] dt))``
with ``k`` the event's kind (bolus, depot, rate step) and ``dt`` the time since the event
(shifted by the lag time for depot doses). Padding events have a non-finite time and
padding observations a NaN time; both contribute nothing. It replaces a numpy loop whose
cost was dominated by per-call overhead on the small arrays of a population fit.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

__all__ = ["superpose"]

_DEPOT = 1


@nb.njit(cache=True, nogil=True)
def _superpose(lam, coef, const, t, ev_t, ev_amt, ev_kind, ev_until, tlag, out):  # pragma: no cover
    N, T = t.shape
    E = ev_t.shape[1]
    J = lam.shape[1]
    for n in range(N):
        for e in range(E):
            k = ev_kind[n, e]
            te = ev_t[n, e]
            if k == _DEPOT:
                te += tlag[n]
            if not math.isfinite(te):
                continue
            amt = ev_amt[n, e]
            end = ev_until[n, e]
            for j in range(T):
                dt = t[n, j] - te
                if dt >= 0.0 and t[n, j] < end:
                    s = const[n, k]
                    for m in range(J):
                        s += coef[n, k, m] * math.exp(-lam[n, m] * dt)
                    out[n, j] += amt * s
    return out


def superpose(
    lam: np.ndarray,
    coef: np.ndarray,
    const: np.ndarray,
    t: np.ndarray,
    ev_t: np.ndarray,
    ev_amt: np.ndarray,
    ev_kind: np.ndarray,
    tlag: np.ndarray | None,
    ev_until: np.ndarray | None = None,
) -> np.ndarray:
    """Concentrations (N, T) per unit of the model's amount scale (see module docstring);
    ``ev_until`` (N, E): when each event stops acting (default: never)."""
    N = t.shape[0]
    lag = np.zeros(N) if tlag is None else np.ascontiguousarray(tlag, float)
    until = np.full(ev_t.shape, np.inf) if ev_until is None else ev_until
    out = np.zeros(t.shape)
    return _superpose(
        np.ascontiguousarray(lam, float),
        np.ascontiguousarray(coef, float),
        np.ascontiguousarray(const, float),
        np.ascontiguousarray(t, float),
        np.ascontiguousarray(ev_t, float),
        np.ascontiguousarray(ev_amt, float),
        np.ascontiguousarray(ev_kind, np.int64),
        np.ascontiguousarray(until, float),
        lag,
        out,
    )
