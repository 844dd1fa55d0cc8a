r"""Exact maximum likelihood for the proportional and combined error models.

The fitter's ``method="ml"`` estimates proportional and combined errors by generalised
least squares: the SDs are held at the last predictions during a least-squares pass and
re-estimated between passes (Davidian & Giltinan 1995, ch. 2-3). Where the model fits the
data poorly (a one-compartment model on a biexponential profile) that iteration need not
settle: it can walk towards predictions of ~0 at late times and residual SDs of 1e15
while a finite maximum of the likelihood exists. When the iteration does not settle, or
the exact -2 log-likelihood rose along it, the fitter calls :func:`exact_ml`, which
minimises each group's exact -2LL over the structural parameters with the error
parameters profiled out (``ml_error_params``: closed form or golden section), i.e. Sheiner
& Beal's extended least squares (J Pharmacokinet Biopharm 1980;8:553,
doi:10.1007/BF01060053), by a damped Newton method vectorised over groups (the groups'
objectives are separable, so one perturbation of a parameter in every group gives every
group's partial derivative).

The covariance of the structural parameters is :math:`2 H^{-1}` from the central-difference
Hessian :math:`H` of the profile -2LL on the estimation scale (the profile's Hessian gives
the structural block of the full inverse information); its stationarity measure is the
analogue of the least-squares one, :math:`|g_j| / \sqrt{2 H_{jj} n}` (``grad_cos``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["exact_ml"]

_H = 1e-4  # finite-difference step on the estimation scale
_MAX_ITER = 200


def exact_ml(fitter, starts: list[np.ndarray], lo: np.ndarray, hi: np.ndarray) -> dict:
    """The best exact-ML optimum per group from each start ((n_groups, k) on the
    estimation scale): a run dict as ``Fitter._optimise`` returns, with ``exact`` holding
    the covariance and stationarity measure of the estimate."""
    best_x, best_obj, best_ok = None, None, None
    for x0 in starts:
        x, obj, ok = _newton(fitter, np.clip(x0, lo, hi), lo, hi)
        if best_x is None:
            best_x, best_obj, best_ok = x, obj, ok
            continue
        better = obj < best_obj
        best_x = np.where(better[:, None], x, best_x)
        best_obj = np.where(better, obj, best_obj)
        best_ok = np.where(better, ok, best_ok)
    obj, sig = fitter._objective(best_x.ravel())
    g, h = _derivatives(fitter, best_x, obj)
    n_g, k = best_x.shape
    cov = np.full((n_g, k, k), np.nan)
    for i in range(n_g):
        if np.all(np.isfinite(h[i])) and np.linalg.cond(h[i]) < 1e14:
            inv = np.linalg.inv(h[i])
            if np.all(np.diagonal(inv) > 0):
                cov[i] = 2.0 * inv
    n_q = np.bincount(fitter._gidx, weights=(~fitter._cens).astype(float), minlength=n_g)
    diag = np.diagonal(h, axis1=1, axis2=2)
    grad_cos = np.abs(g) / np.sqrt(np.maximum(2.0 * diag * np.maximum(n_q, 1)[:, None], 1e-300))
    f = fitter._trial(best_x.ravel())
    sdv = fitter._sd_now(f, sig)
    return {
        "x": best_x,
        "obj": obj,
        "sol": None,
        "sig": sig,
        "sdv": sdv,
        "sdv_ls": sdv,
        "settled": bool(np.all(best_ok)),
        "exact": {"cov": cov, "grad_cos": grad_cos},
    }


def _newton(fitter, x, lo, hi):
    """Damped (Levenberg-Marquardt) Newton steps per group; ``ok``: the expected decrease
    fell below 1e-8 -2LL units before the iteration limit."""
    n_g, k = x.shape
    obj = fitter._objective(x.ravel())[0]
    lam = np.full(n_g, 1e-3)
    ok = np.zeros(n_g, bool)
    if k == 0:
        return x, obj, np.ones(n_g, bool)
    eye = np.eye(k)
    for _ in range(_MAX_ITER):
        g, h = _derivatives(fitter, x, obj)
        scale = np.abs(np.diagonal(h, axis1=1, axis2=2)) + 1.0
        a = h + lam[:, None, None] * scale[:, :, None] * eye
        step = np.zeros_like(x)
        for i in np.flatnonzero(~ok):
            try:
                step[i] = -np.linalg.solve(a[i], g[i])
            except np.linalg.LinAlgError:
                lam[i] *= 10.0
        trial = np.clip(x + step, lo, hi)
        new = fitter._objective(trial.ravel())[0]
        better = (new < obj) & ~ok
        decrease = np.where(better, obj - new, 0.0)
        x = np.where(better[:, None], trial, x)
        obj = np.where(better, new, obj)
        lam = np.where(better, np.maximum(lam / 3.0, 1e-9), np.minimum(lam * 4.0, 1e12))
        expected = np.abs(np.einsum("ij,ij->i", g, step))
        ok |= (better & (decrease < 1e-8) & (expected < 1e-6)) | (~better & (expected < 1e-10))
        if ok.all():
            break
    return x, obj, ok


def _derivatives(fitter, x, obj):
    """Gradient and Hessian of each group's -2LL by central differences, every group at
    once (separable objectives)."""
    n_g, k = x.shape

    def at(dx):
        return fitter._objective((x + dx).ravel())[0]

    g = np.zeros((n_g, k))
    h = np.zeros((n_g, k, k))
    plus, minus = [], []
    for j in range(k):
        e = np.zeros((n_g, k))
        e[:, j] = _H
        plus.append(at(e))
        minus.append(at(-e))
        g[:, j] = (plus[j] - minus[j]) / (2 * _H)
        h[:, j, j] = (plus[j] - 2 * obj + minus[j]) / _H**2
    for i in range(k):
        for j in range(i + 1, k):
            e = np.zeros((n_g, k))
            e[:, i], e[:, j] = _H, _H
            pp, mm = at(e), at(-e)
            e[:, j] = -_H
            pm, mp = at(e), at(-e)
            h[:, i, j] = h[:, j, i] = (pp - pm - mp + mm) / (4 * _H**2)
    return g, h
