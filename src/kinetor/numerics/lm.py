"""Batched Levenberg-Marquardt least squares: many small curves fitted at once in numpy.

Every array carries the curve as its first axis: ``x`` and ``y`` are ``(n_curves, n_points)``
padded with weight 0, parameters are ``(n_curves, n_params)``. One iteration forms the
normal equations of every curve (``J^T W J``), damps them with Marquardt's diagonal scaling
and solves all of them with one batched ``numpy.linalg.solve``; the damping factor is
accepted or raised curve by curve. There is no Python loop over curves.

References: Marquardt DW (1963) SIAM J Appl Math 11:431, doi:10.1137/0111030.

Examples
--------
>>> import numpy as np
>>> def line(p, x):
...     return p[:, :1] + p[:, 1:2] * x, np.stack([np.ones_like(x), x], axis=-1)
>>> x = np.array([[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]])
>>> y = np.array([[1.0, 3.0, 5.0], [0.0, -1.0, -2.0]])
>>> res = levenberg_marquardt(line, x, y, np.zeros((2, 2)))
>>> np.round(res.params, 6).tolist()
[[1.0, 2.0], [0.0, -1.0]]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Model = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass
class LMResult:
    """Result of a batched fit (one row per curve)."""

    params: np.ndarray  # (n, k)
    sse: np.ndarray  # (n,)
    jac: np.ndarray  # (n, m, k) at the solution, fixed columns zeroed
    converged: np.ndarray  # (n,) bool
    n_iter: np.ndarray  # (n,) int
    reason: np.ndarray  # (n,) str: "" when converged


def _solve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.solve(a, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        return np.einsum("nij,nj->ni", np.linalg.pinv(a), b)


def levenberg_marquardt(
    model: Model,
    x: np.ndarray,
    y: np.ndarray,
    p0: np.ndarray,
    *,
    weights: np.ndarray | None = None,
    free: np.ndarray | None = None,
    lower: np.ndarray | None = None,
    upper: np.ndarray | None = None,
    max_iter: int = 200,
    xtol: float = 1e-10,
    ftol: float = 1e-14,
) -> LMResult:
    """Minimise ``sum(w * (y - f(p, x))**2)`` for every curve at once.

    Parameters
    ----------
    model : callable
        ``model(params, x) -> (prediction (n, m), jacobian (n, m, k))``.
    x, y : ndarray, shape (n, m)
        Doses and responses, padded to a common length.
    p0 : ndarray, shape (n, k)
        Starting values.
    weights : ndarray, shape (n, m), optional
        Observation weights; 0 marks padding. Default all ones. A curve whose weights
        are all 0 is not fitted (``converged=False``, the reason says why).
    free : ndarray of bool, shape (k,) or (n, k), optional
        Which parameters are estimated; the others stay at ``p0``.
    lower, upper : ndarray, shape (n, k), optional
        Box bounds; a step is projected onto them (a curve whose estimate ends on a bound
        is still reported, and the caller can test for it).
    max_iter : int
        Iteration limit; a curve that reaches it is reported ``converged=False``.
    xtol, ftol : float
        Relative step and relative SSE-decrease tolerances.

    Returns
    -------
    LMResult
    """
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    p = np.array(p0, float, copy=True)
    n, k = p.shape
    w = np.ones_like(y) if weights is None else np.asarray(weights, float)
    y = np.where(w > 0, y, 0.0)
    fr = np.ones((n, k), bool) if free is None else np.broadcast_to(free, (n, k)).copy()
    lam = np.full(n, 1e-3)
    active = np.ones(n, bool)
    converged = np.zeros(n, bool)
    n_iter = np.zeros(n, int)
    reason = np.full(n, "", dtype=object)

    def evaluate(pp, idx):
        f, jac = model(pp, x[idx])
        r = np.where(w[idx] > 0, y[idx] - f, 0.0)
        jac = jac * fr[idx][:, None, :] * (w[idx] > 0)[..., None]
        return r, jac

    r, jac = evaluate(p, slice(None))
    sse = np.einsum("nm,nm->n", w * r, r)
    bad = ~np.isfinite(sse)
    active &= ~bad
    reason[bad] = "non-finite residuals at the starting values"
    # a curve with no positive weight carries no information: nothing is estimated
    empty = ~np.any(w > 0, axis=1)
    active &= ~empty
    reason[empty] = "no observation with a positive weight (no information to fit)"
    eye = np.eye(k)
    for _ in range(max_iter):
        idx = np.flatnonzero(active)
        if idx.size == 0:
            break
        ji, ri, wi = jac[idx], r[idx], w[idx]
        jtw = ji.transpose(0, 2, 1) * wi[:, None, :]
        a = jtw @ ji
        g = np.einsum("nkm,nm->nk", jtw, ri)
        diag = np.einsum("nii->ni", a)
        # active set: a parameter on a bound whose descent direction points outward is
        # held there for this iteration (projected LM alone can stall on the bound)
        fi = fr[idx].copy()
        if lower is not None:
            fi &= ~((p[idx] <= lower[idx]) & (g < 0))
        if upper is not None:
            fi &= ~((p[idx] >= upper[idx]) & (g > 0))
        scale = np.maximum(diag, 1e-12 * diag.max(axis=1, keepdims=True) + 1e-300)
        scale = np.where(fi, scale, 1.0)
        damped = a + (lam[idx, None] * scale)[:, :, None] * eye
        keep = fi[:, :, None] & fi[:, None, :]
        damped = np.where(keep, damped, eye)
        step = _solve(damped, g * fi) * fi
        p_new = p[idx] + step
        if lower is not None:
            p_new = np.maximum(p_new, lower[idx])
        if upper is not None:
            p_new = np.minimum(p_new, upper[idx])
        step = p_new - p[idx]
        r_new, jac_new = evaluate(p_new, idx)
        sse_new = np.einsum("nm,nm->n", wi * r_new, r_new)
        better = np.isfinite(sse_new) & (sse_new <= sse[idx])
        acc = idx[better]
        small_step = np.all(np.abs(step) <= xtol * (np.abs(p[idx]) + xtol), axis=1)
        small_drop = (sse[idx] - np.where(better, sse_new, sse[idx])) <= ftol * sse[idx]
        p[acc], r[acc], jac[acc], sse[acc] = (
            p_new[better],
            r_new[better],
            jac_new[better],
            sse_new[better],
        )
        lam[acc] = np.maximum(lam[acc] / 10.0, 1e-12)
        lam[idx[~better]] *= 10.0
        n_iter[idx] += 1
        done = (better & (small_step | (small_drop & (sse_new > 0)))) | (sse[idx] == 0.0)
        # a step that no damping can make smaller is a minimum to numerical precision
        stuck = ~better & (lam[idx] > 1e16)
        converged[idx[done | stuck]] = True
        active[idx[done | stuck]] = False
    left = active & ~converged
    reason[left] = f"no convergence in {max_iter} iterations"
    bad_p = ~np.all(np.isfinite(p), axis=1)
    converged &= ~bad_p
    reason[bad_p] = "non-finite parameter estimates"
    return LMResult(p, sse, jac, converged, n_iter, reason)
