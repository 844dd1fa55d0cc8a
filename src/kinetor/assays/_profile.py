"""Profile-likelihood interval of ``log_ic50`` for many curves at once.

The interval holds every value ``c`` whose profile sum of squares (the other parameters
refitted with ``log_ic50 = c``) stays below ``SSE_min (1 + F(level; 1, dof) / dof)``
(Venzon & Moolgavkar 1988 Appl Stat 37:87, doi:10.2307/2347496; the F form as in GraphPad
Prism's profile-likelihood intervals, status likely). Each side is bracketed by doubling
a step from the Wald half-width (``max(SE, 0.05)``, up to 32 times it) and then bisected;
every step is one batched fit from three starts (the neighbouring profile point's
solution, the estimate, and the data's range with a steep slope), the lowest SSE kept. A
side whose profile stays below the threshold over the whole bracket is open.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from kinetor.assays._lmstarts import fit_from_starts
from kinetor.assays.curves import start_values

__all__ = ["profile_interval"]


def profile_interval(x, y, w, p, free, sse, dof, lower, upper, se, level=0.95, n_bisect: int = 25):
    """Lower and upper ``log_ic50`` bounds: ``-inf`` / ``inf`` where the profile never
    crosses the threshold within the search (an open interval: the data do not bound the
    IC50 on that side), NaN without residual degrees of freedom."""
    q = stats.f.ppf(level, 1, np.maximum(dof, 1))
    target = sse * (1 + q / np.maximum(dof, 1))
    fr = free.copy()
    fr[2] = False
    # a start across the data's range with a steep slope: the profile can switch to a
    # steep branch that neither the estimate nor the neighbouring point leads to
    steep = start_values(x, y, w, p.shape[1], spread=True)
    steep[:, 3] = 5.0
    steep[:, ~fr] = p[:, ~fr]  # fixed parameters stay at their values

    def prof(c, last):
        # several starts, the best kept: one start can stop at a local minimum whose SSE
        # crosses the threshold early (an interval too short)
        starts = [np.column_stack([s[:, :2], c, s[:, 3:]]) for s in (last, p, steep)]
        out = fit_from_starts(starts, x, y, w, free=fr, lower=lower, upper=upper, max_iter=200)
        return out.sse, out.params

    first = np.maximum(np.nan_to_num(se), 0.05)
    bounds = []
    for sign in (-1.0, 1.0):
        step = first.copy()
        outside = np.zeros(len(p), bool)
        last = p.copy()
        for _ in range(6):  # widen until the profile crosses the threshold
            s, q_ = prof(p[:, 2] + sign * step, last)
            last = np.where(outside[:, None], last, q_)
            outside |= s > target
            step = np.where(outside, step, step * 2)
        inner, outer = np.zeros_like(step), step
        near = p.copy()  # the solution at the inner (below-threshold) point
        for _ in range(n_bisect):
            mid = (inner + outer) / 2
            s, q_ = prof(p[:, 2] + sign * mid, near)
            above = s > target
            outer = np.where(above, mid, outer)
            inner = np.where(above, inner, mid)
            near = np.where(above[:, None], near, q_)
        lim = np.where(outside, p[:, 2] + sign * (inner + outer) / 2, sign * np.inf)
        bounds.append(np.where(dof > 0, lim, np.nan))
    return bounds[0], bounds[1]
