"""Profile-likelihood interval of ``log_ic50`` for many curves at once.

The interval holds every value ``c`` whose profile sum of squares (the other parameters
refitted with ``log_ic50 = c``) stays below ``SSE_min (1 + F(level; 1, dof) / dof)``
(Venzon & Moolgavkar 1988 Appl Stat 37:87, doi:10.2307/2347496; the F form as in GraphPad
Prism's profile-likelihood intervals, status likely). Each side is bracketed by doubling
a step from the Wald half-width and then bisected; every step is one batched fit.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from kinetor.assays.curves import logistic
from kinetor.numerics.lm import levenberg_marquardt

__all__ = ["profile_interval"]


def profile_interval(x, y, w, p, free, sse, dof, lower, upper, se, level=0.95, n_bisect: int = 25):
    """Lower and upper ``log_ic50`` bounds (NaN where the profile never crosses, i.e. an
    open interval within 4 decades beyond the doses)."""
    q = stats.f.ppf(level, 1, np.maximum(dof, 1))
    target = sse * (1 + q / np.maximum(dof, 1))
    fr = free.copy()
    fr[2] = False

    def prof(c):
        start = p.copy()
        start[:, 2] = c
        out = levenberg_marquardt(
            logistic, x, y, start, weights=w, free=fr, max_iter=60, lower=lower, upper=upper
        )
        return out.sse

    first = np.maximum(np.nan_to_num(se), 0.05)
    bounds = []
    for sign in (-1.0, 1.0):
        step = first.copy()
        outside = np.zeros(len(p), bool)
        for _ in range(6):  # widen until the profile crosses the threshold
            outside |= prof(p[:, 2] + sign * step) > target
            step = np.where(outside, step, step * 2)
        inner, outer = np.zeros_like(step), step
        for _ in range(n_bisect):
            mid = (inner + outer) / 2
            above = prof(p[:, 2] + sign * mid) > target
            outer = np.where(above, mid, outer)
            inner = np.where(above, inner, mid)
        bounds.append(np.where(outside & (dof > 0), p[:, 2] + sign * (inner + outer) / 2, np.nan))
    return bounds[0], bounds[1]
