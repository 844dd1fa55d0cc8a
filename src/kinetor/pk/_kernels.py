"""Compiled superposition kernel (numba, cached on disk).

For each subject and each exponential rate :math:`\\lambda_j` the response to all doses
is accumulated recursively along the sorted time grid:

.. math::

    S_j(t_k) = S_j(t_{k-1})\\, e^{-\\lambda_j (t_k - t_{k-1})}
               + \\sum_{t_{k-1} < t_e \\le t_k} w_e c_{j}\\, e^{-\\lambda_j (t_k - t_e)}

so the cost is O(subjects x (times + doses) x rates) instead of O(subjects x times x
doses x rates). On a uniform grid :math:`e^{-\\lambda_j \\Delta t}` is computed once per
subject and rate. Import this module lazily: importing it loads numba.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

__all__ = ["superpose"]


@nb.njit(cache=True, parallel=True, nogil=True)
def _superpose(times, ev_t, ev_w, ev_k, ev_ii, lam, coef, const, out):  # pragma: no cover
    n_sub, n_t = out.shape
    n_ev = ev_t.shape[1]
    n_j = lam.shape[1]
    for s in nb.prange(n_sub):
        # constant part (running sum of infusion rates x steady-state gain)
        e = 0
        acc = 0.0
        for k in range(n_t):
            t = times[k]
            while e < n_ev and ev_t[s, e] <= t:
                acc += ev_w[s, e] * const[s, ev_k[s, e]]
                e += 1
            out[s, k] = acc
        for j in range(n_j):
            lj = lam[s, j]
            run = 0.0
            e = 0
            t_prev = times[0]
            last_dt = -1.0
            fac = 1.0
            for k in range(n_t):
                t = times[k]
                dt = t - t_prev
                if dt != last_dt:
                    fac = math.exp(-lj * dt)
                    last_dt = dt
                run *= fac
                while e < n_ev and ev_t[s, e] <= t:
                    c = coef[s, ev_k[s, e], j]
                    if c != 0.0:
                        w = ev_w[s, e] * c
                        ii = ev_ii[s, e]
                        if ii > 0.0:
                            w = w / -math.expm1(-lj * ii)
                        run += w * math.exp(-lj * (t - ev_t[s, e]))
                    e += 1
                out[s, k] += run
                t_prev = t


def superpose(times, ev_t, ev_w, ev_k, ev_ii, lam, coef, const) -> np.ndarray:
    """Sum the responses of all events on a sorted time grid (see module docstring).

    Parameters
    ----------
    times : (T,) sorted ascending, h
    ev_t, ev_w, ev_ii : (S, E) event times (sorted per subject; ``inf`` pads), weights
        (amount or rate change) and steady-state intervals (0 for an ordinary event)
    ev_k : (S, E) int64 kind of each event (0 bolus, 1 depot, 2 rate step)
    lam : (S, J) rates; coef : (S, 3, J); const : (S, 3)

    Returns
    -------
    (S, T) array
    """
    out = np.empty((ev_t.shape[0], len(times)))
    _superpose(
        np.ascontiguousarray(times, dtype=np.float64),
        np.ascontiguousarray(ev_t, dtype=np.float64),
        np.ascontiguousarray(ev_w, dtype=np.float64),
        np.ascontiguousarray(ev_k, dtype=np.int64),
        np.ascontiguousarray(ev_ii, dtype=np.float64),
        np.ascontiguousarray(lam, dtype=np.float64),
        np.ascontiguousarray(coef, dtype=np.float64),
        np.ascontiguousarray(const, dtype=np.float64),
        out,
    )
    return out
