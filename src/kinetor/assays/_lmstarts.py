"""Batched logistic fits from several starting points, keeping each curve's best.

One Levenberg-Marquardt run finds a local minimum; a curve whose start is misleading (a
low response in a zero-dose well taken as the top) can end in a minimum worse than a
constant. Every start is fitted for every curve (one batched run per start) and each
curve keeps the run with the lowest sum of squares; a later start replaces an earlier
one only when it lowers the SSE by more than a relative 1e-9, so curves that every start
fits alike keep the first start's result.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kinetor.assays.curves import logistic
from kinetor.numerics.lm import LMResult, levenberg_marquardt

__all__ = ["fit_from_starts", "no_better_than_constant"]


def fit_from_starts(
    starts: Sequence[np.ndarray], x, y, w, *, free, lower, upper, max_iter: int = 200
) -> LMResult:
    """The best (lowest-SSE) batched fit per curve over ``starts`` (each ``(n, k)``; fixed
    parameters are taken from them, so the caller clips free ones into the box). All
    starts run as one batch (the curves stacked once per start)."""
    m = len(starts)

    def tile(a):
        return np.concatenate([a] * m)

    fr = np.asarray(free, bool)
    r = levenberg_marquardt(
        logistic,
        tile(x),
        tile(y),
        np.concatenate(starts),
        weights=tile(w),
        free=tile(fr) if fr.ndim == 2 else fr,
        lower=tile(lower),
        upper=tile(upper),
        max_iter=max_iter,
    )
    n = len(x)
    sse = np.where(np.isfinite(r.sse), r.sse, np.inf).reshape(m, n)
    pick = np.zeros(n, int)
    for j in range(1, m):
        better = sse[j] < sse[pick, np.arange(n)] * (1 - 1e-9)
        pick = np.where(better, j, pick)
    rows = pick * n + np.arange(n)
    return LMResult(
        r.params[rows], r.sse[rows], r.jac[rows], r.converged[rows], r.n_iter[rows], r.reason[rows]
    )


def no_better_than_constant(res: LMResult, y, w) -> None:
    """Mark fits whose SSE is not below the constant model's (the total sum of squares
    about the weighted mean) as not converged, with the reason: such a curve is a local
    minimum, not an estimate."""
    with np.errstate(invalid="ignore", divide="ignore"):
        sst = (w * (y - ((w * y).sum(1) / w.sum(1))[:, None]) ** 2).sum(1)
    worse = res.converged & (sst > 0) & ~(res.sse < sst)
    res.converged[worse] = False
    res.reason[worse] = "the fitted curve is no better than a constant (SSE >= SST)"
