"""Null-model kernels for dose matrices, vectorised over a batch of matrices.

Shapes: doses ``d1 (B, n1)``, ``d2 (B, n2)``; effects ``E (B, n1, n2)`` as the fraction of
vehicle (1 = no effect, decreasing with dose, the convention of the ``synergy`` package);
monotherapy Hill fits ``p1, p2 (B, 4)`` as ``bottom (Emax), top (E0), log10 C, h``.
Scores are ``reference - observed`` (positive = synergy) on the fraction scale; the
public API multiplies them by 100 (percentage points).

Examples
--------
>>> import numpy as np
>>> p = np.array([[0.0, 1.0, 0.0, 1.0]])          # E = 1 / (1 + d), C = 1
>>> float(hill(p, np.array([[1.0]]))[0, 0])
0.5
>>> float(hill_inverse(p[:, None, :], np.array([[0.5]]))[0, 0])
1.0
"""

from __future__ import annotations

import numpy as np

from kinetor.assays.curves import logistic
from kinetor.numerics.lm import levenberg_marquardt

__all__ = ["bliss", "hill", "hill_inverse", "hsa", "loewe", "zip_delta"]


def hill(p: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Hill curve of each row of ``p`` at doses ``d (B, n)``."""
    return logistic(p, d)[0]


def hill_inverse(p: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Dose giving effect ``e``; ``p`` broadcasts against ``e`` on the last axis.

    NaN where ``e`` lies outside the open interval between bottom and top.
    """
    bottom, top, logc, h = (p[..., i] for i in range(4))
    # over: a nearly flat drug (tiny h, or e near its top) needs a dose beyond the float
    # range; inf is the intended result (its term d / D(E) of a combination index is 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        f = (e - bottom) / (top - bottom)
        ok = (f > 0) & (f < 1)
        d = 10**logc * (1.0 / np.where(ok, f, 0.5) - 1.0) ** (1.0 / h)
    return np.where(ok, d, np.nan)


def _mono(p1, p2, d1, d2, e=None):
    """Single-agent effects at every cell: the Hill fits, or (``e`` given) the observed
    monotherapy column (dose 2 = 0) and row (dose 1 = 0) of each matrix, replicates
    averaged."""
    if e is not None:
        return e[:, :, :1], e[:, :1, :]
    return hill(p1, d1)[:, :, None], hill(p2, d2)[:, None, :]


def _combo_mask(d1, d2):
    return (d1[:, :, None] > 0) & (d2[:, None, :] > 0)


def bliss(e, d1, d2, p1, p2, observed: bool = False):
    """Bliss independence: reference ``E1 * E2`` (the fits, or with ``observed`` the
    monotherapy wells at the same doses); returns (reference, score)."""
    e1, e2 = _mono(p1, p2, d1, d2, e if observed else None)
    ref = e1 * e2
    return ref, np.where(_combo_mask(d1, d2), ref - e, 0.0)


def hsa(e, d1, d2, p1, p2, observed: bool = False):
    """Highest single agent: reference ``min(E1, E2)`` (the fits, or with ``observed`` the
    monotherapy wells at the same doses); returns (reference, score)."""
    e1, e2 = _mono(p1, p2, d1, d2, e if observed else None)
    ref = np.minimum(e1, e2)
    return ref, np.where(_combo_mask(d1, d2), ref - e, 0.0)


def loewe(e, d1, d2, p1, p2, n_iter: int = 80):
    """Loewe additivity; returns (reference, excess, combination index).

    Combination index ``CI = d1 / D1(E) + d2 / D2(E)`` with ``D_i`` the inverse Hill curve
    at the observed effect (Chou & Talalay 1984 Adv Enzyme Regul 22:27,
    doi:10.1016/0065-2571(84)90007-4); NaN where the effect is beyond a drug's range.
    Excess: reference ``E`` solving ``d1 / D1(E) + d2 / D2(E) = 1`` by bisection; where
    either drug alone is stronger than the weaker drug's maximum effect the isobole does
    not exist and the reference is the stronger single agent (the ``delta_HSA`` rule of
    the ``synergy`` package).
    """
    combo = _combo_mask(d1, d2)
    pp1, pp2 = p1[:, None, None, :], p2[:, None, None, :]
    dd1, dd2 = d1[:, :, None], d2[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        ci = dd1 / hill_inverse(pp1, e) + dd2 / hill_inverse(pp2, e)
    ci = np.where(combo, ci, 1.0)
    e1, e2 = _mono(p1, p2, d1, d2)
    lo1, hi1 = np.minimum(p1[:, 0], p1[:, 1]), np.maximum(p1[:, 0], p1[:, 1])
    lo2, hi2 = np.minimum(p2[:, 0], p2[:, 1]), np.maximum(p2[:, 0], p2[:, 1])
    lo = np.maximum(lo1, lo2)[:, None, None] * np.ones_like(e)
    hi = np.minimum(hi1, hi2)[:, None, None] * np.ones_like(e)
    weakest = np.maximum(p1[:, 0], p2[:, 0])[:, None, None]
    for _ in range(n_iter):
        mid = (lo + hi) / 2
        with np.errstate(divide="ignore", invalid="ignore"):
            g = dd1 / hill_inverse(pp1, mid) + dd2 / hill_inverse(pp2, mid) - 1.0
        # g falls as the effect deepens (mid decreases): g > 0 means the root is lower
        lo, hi = np.where(g > 0, lo, mid), np.where(g > 0, mid, hi)
    ref = (lo + hi) / 2
    beyond = (e1 < weakest) | (e2 < weakest)
    ref = np.where(beyond, np.minimum(e1, e2), ref)
    ref = np.where(dd1 == 0, e2 * np.ones_like(e), ref)
    ref = np.where(dd2 == 0, e1 * np.ones_like(e), ref)
    ref = np.where((dd1 == 0) & (dd2 == 0), 0.5 * (e1 + e2), ref)
    return ref, np.where(combo, ref - e, 0.0), ci


def _three_param_fits(x, y, top, start, n_iter=200):
    """Hill fits with E0 (top) fixed, Emax in [0, 1.5], h > 0: one per row of ``x``.

    Two starts per slice (the monotherapy parameters, and values read off the slice
    itself); the lower sum of squares wins, so a flat slice does not strand the fit.
    """
    from kinetor.assays.curves import start_values

    n = len(x)
    lower = np.column_stack(
        [np.zeros(n), np.full(n, -np.inf), np.full(n, -np.inf), np.full(n, 1e-8)]
    )
    upper = np.column_stack(
        [np.full(n, 1.5), np.full(n, np.inf), np.full(n, np.inf), np.full(n, 1e3)]
    )
    own = start_values(x, y, np.ones_like(x), 4)
    best = None
    for s in (start, own):
        p0 = np.clip(np.column_stack([s[:, 0], top, s[:, 2], s[:, 3]]), lower, upper)
        res = levenberg_marquardt(
            logistic,
            x,
            y,
            p0,
            free=np.array([True, False, True, True]),
            lower=lower,
            upper=upper,
            max_iter=n_iter,
        )
        if best is None:
            best = res
            continue
        better = res.sse < best.sse
        best.params[better], best.sse[better] = res.params[better], res.sse[better]
        best.converged[better] = res.converged[better]
    return best.params, best.converged


def zip_delta(e, d1, d2, p1, p2):
    """Zero-interaction-potency delta score (Yadav et al. 2015 Comput Struct Biotechnol J
    13:504, doi:10.1016/j.csbj.2015.09.001), as implemented in the ``synergy`` package.

    Every row (drug 2 fixed) and column (drug 1 fixed) of the matrix is refitted with a
    Hill curve whose E0 is the other drug's monotherapy effect; the delta score is the
    Bliss reference (monotherapies with the averaged E0) minus the mean of the two
    refitted surfaces. Returns (reference, delta, number of slice fits per matrix that
    did not converge (B,)).
    """
    b, n1, n2 = e.shape
    e0 = (p1[:, 1] + p2[:, 1]) / 2
    q1, q2 = p1.copy(), p2.copy()
    q1[:, 1], q2[:, 1] = e0, e0
    e1a, e2a = hill(q1, d1), hill(q2, d2)  # (B, n1), (B, n2), averaged E0
    ref = e1a[:, :, None] * e2a[:, None, :]
    # rows: drug 1 varies at each drug-2 dose; E0 = drug 2 alone (own E0)
    top_r = hill(p2, d2).reshape(-1)
    x_r = np.repeat(d1, n2, axis=0)
    y_r = e.transpose(0, 2, 1).reshape(b * n2, n1)
    fr, ok_r = _three_param_fits(x_r, y_r, top_r, np.repeat(p1, n2, axis=0))
    top_c = hill(p1, d1).reshape(-1)
    x_c = np.repeat(d2, n1, axis=0)
    y_c = e.reshape(b * n1, n2)
    fc, ok_c = _three_param_fits(x_c, y_c, top_c, np.repeat(p2, n1, axis=0))
    fr[:, 1] = e2a.reshape(-1)  # evaluated with the averaged E0
    fc[:, 1] = e1a.reshape(-1)
    z1 = hill(fr, x_r).reshape(b, n2, n1).transpose(0, 2, 1)
    z2 = hill(fc, x_c).reshape(b, n1, n2)
    delta = np.where(_combo_mask(d1, d2), ref - (z1 + z2) / 2, 0.0)
    n_bad = (~ok_r).reshape(b, n2).sum(1) + (~ok_c).reshape(b, n1).sum(1)
    return ref, delta, n_bad
