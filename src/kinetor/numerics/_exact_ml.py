r"""Exact maximum likelihood for the proportional and combined error models.

The fitter's ``method="ml"`` estimates proportional and combined errors by generalised
least squares: the SDs are held at the last predictions during a least-squares pass and
re-estimated between passes (Davidian & Giltinan 1995, ch. 2-3). Where the model fits the
data poorly (a one-compartment model on a biexponential profile) that iteration need not
settle: it can walk towards predictions of ~0 at late times and residual SDs of 1e15
while a finite maximum of the likelihood exists. For each estimation group whose iteration
did not settle, or whose exact -2 log-likelihood rose by more than 1 along it, the fitter
calls :func:`polish`, which minimises that group's exact -2LL over the structural
parameters and the log error parameters jointly (Sheiner & Beal's extended least squares,
J Pharmacokinet Biopharm 1980;8:553, doi:10.1007/BF01060053) by a damped Newton method
vectorised over groups (the groups' objectives are separable, so one perturbation of a
parameter in every group gives every group's partial derivative). Starts: the fit's start
and the last GLS iterate, each with its ML error parameters, and for the combined model
also each component alone (the other near 0), so that a combined fit is never worse than
the additive or proportional fit nested in it. Groups that settled keep their GLS
estimate, so a subject's result does not depend on the others fitted with it.

The covariance is :math:`2 H^{-1}` from the central-difference Hessian :math:`H` of the
-2LL on the estimation scale over the parameters not at a bound (a vanished error
component is held at its bound); the structural block gives the parameters' covariance,
the log error parameters' diagonal their SEs. The stationarity measure is the analogue of
the least-squares one, :math:`|g_j| / \sqrt{2 H_{jj} n}` (``grad_cos``).
"""

from __future__ import annotations

import numpy as np

from kinetor.numerics import errmodels as em

__all__ = ["polish"]

_H = 1e-4  # finite-difference step on the estimation scale
_MAX_ITER = 200
_LS_SPAN = 30.0  # log error parameters within their start +- 30


def polish(fitter, run: dict, need: np.ndarray, x_start: np.ndarray, lo, hi) -> dict:
    """``run`` (a GLS run of ``Fitter._optimise``) with the groups in ``need`` replaced by
    their exact ML optimum; ``run["exact"]`` holds the mask, covariance, stationarity
    measure, error-parameter SEs and convergence of those groups."""
    n_g, k = run["x"].shape
    names = em.ERROR_MODELS[fitter._error]
    obj_fn = _Objective(fitter, k, names)
    starts = [_with_sigma(fitter, x, names) for x in (x_start, run["x"])]
    if fitter._error == "combined":
        starts += [_one_component(z, k, j) for z in starts[:1] for j in range(2)]
    z_lo = np.concatenate([lo, starts[0][:, k:] - _LS_SPAN], axis=1)
    z_hi = np.concatenate([hi, starts[0][:, k:] + _LS_SPAN], axis=1)
    best_z, best_obj, best_ok = None, None, None
    for z0 in starts:
        z, obj, ok = _newton(obj_fn, np.clip(z0, z_lo, z_hi), z_lo, z_hi, need)
        if best_z is None:
            best_z, best_obj, best_ok = z, obj, ok
            continue
        better = obj < best_obj
        best_z = np.where(better[:, None], z, best_z)
        best_obj = np.where(better, obj, best_obj)
        best_ok = np.where(better, ok, best_ok)
    g, h = _derivatives(obj_fn, best_z, best_obj)
    free = (best_z - z_lo > 1e-6) & (z_hi - best_z > 1e-6)
    cov_z = np.full((n_g, k + len(names), k + len(names)), np.nan)
    for i in np.flatnonzero(need):
        idx = np.flatnonzero(free[i])
        sub = h[i][np.ix_(idx, idx)]
        if idx.size and np.all(np.isfinite(sub)) and np.linalg.cond(sub) < 1e14:
            inv = np.linalg.inv(sub)
            if np.all(np.diagonal(inv) > 0):
                cov_z[i][np.ix_(idx, idx)] = 2.0 * inv
    n_q = np.bincount(fitter._gidx, weights=(~fitter._cens).astype(float), minlength=n_g)
    diag = np.diagonal(h, axis1=1, axis2=2)[:, :k]
    grad_cos = np.abs(g[:, :k]) / np.sqrt(
        np.maximum(2.0 * diag * np.maximum(n_q, 1)[:, None], 1e-300)
    )
    sig_ex = {q: np.exp(best_z[:, k + j]) for j, q in enumerate(names)}
    err_se = {q: sig_ex[q] * np.sqrt(cov_z[:, k + j, k + j]) for j, q in enumerate(names)}
    # merge: the groups in need take the exact optimum, the others keep the GLS run
    x = np.where(need[:, None], best_z[:, :k], run["x"])
    sig = {q: np.where(need, sig_ex[q], run["sig"][q]) for q in names}
    f = fitter._trial(x.ravel())
    on = need[fitter._gidx]
    sdv = np.where(on, fitter._sd_now(f, sig), run["sdv"])
    obj = fitter._m2ll(f, sig)
    return {
        **run,
        "x": x,
        "obj": obj,
        "sig": sig,
        "sdv": sdv,
        "sdv_ls": np.where(on, sdv, run["sdv_ls"]),
        "settled": True,  # per group: the GLS groups settled, the others say so below
        "exact": {
            "mask": need,
            "cov": cov_z[:, :k, :k],
            "grad_cos": grad_cos,
            "err_se": err_se,
            "ok": best_ok | ~need,
        },
    }


class _Objective:
    """Each group's exact -2LL at ``z`` = (structural on the estimation scale, log error
    parameters), (n_groups, k + m)."""

    def __init__(self, fitter, k, names):
        self.f, self.k, self.names = fitter, k, names

    def __call__(self, z):
        fit = self.f
        pred = fit._trial(z[:, : self.k].ravel())
        sig = {q: np.exp(z[:, self.k + j]) for j, q in enumerate(self.names)}
        return fit._m2ll(pred, sig)


def _with_sigma(fitter, x, names):
    f = fitter._trial(x.ravel())
    sig = em.ml_error_params(
        fitter._y,
        f,
        fitter._lq,
        fitter._cens,
        fitter._gidx,
        fitter._n_g,
        fitter._error,
        fitter.blq == "m3",
    )
    return np.column_stack([x, *[np.log(np.maximum(sig[q], 1e-300)) for q in names]])


def _one_component(z, k, j):
    """The combined model's start with component ``j`` alone: the other 1e-6 of it."""
    out = z.copy()
    both = np.exp(out[:, k : k + 2])
    out[:, k + j] = np.log(np.sqrt(np.sum(both**2, axis=1)) * np.sqrt(2.0))
    out[:, k + 1 - j] = out[:, k + j] + np.log(1e-6)
    return out


def _newton(obj_fn, z, lo, hi, need):
    """Damped (Levenberg-Marquardt) Newton steps for the groups in ``need``; ``ok``: the
    expected decrease fell below 1e-6 -2LL units before the iteration limit."""
    n_g, p = z.shape
    obj = obj_fn(z)
    lam = np.full(n_g, 1e-3)
    ok = ~need.copy()
    eye = np.eye(p)
    for _ in range(_MAX_ITER):
        if ok.all():
            break
        g, h = _derivatives(obj_fn, z, obj)
        scale = np.abs(np.diagonal(h, axis1=1, axis2=2)) + 1.0
        a = h + lam[:, None, None] * scale[:, :, None] * eye
        step = np.zeros_like(z)
        for i in np.flatnonzero(~ok):
            try:
                step[i] = -np.linalg.solve(a[i], g[i])
            except np.linalg.LinAlgError:
                lam[i] *= 10.0
        trial = np.clip(z + step, lo, hi)
        new = obj_fn(trial)
        better = (new < obj) & ~ok
        decrease = np.where(better, obj - new, 0.0)
        z = np.where(better[:, None], trial, z)
        obj = np.where(better, new, obj)
        lam = np.where(better, np.maximum(lam / 3.0, 1e-9), np.minimum(lam * 4.0, 1e12))
        expected = np.abs(np.einsum("ij,ij->i", g, step))
        ok |= (better & (decrease < 1e-8) & (expected < 1e-6)) | (~better & (expected < 1e-10))
    return z, obj, ok


def _derivatives(obj_fn, z, obj):
    """Gradient and Hessian of each group's -2LL by central differences, every group at
    once (separable objectives)."""
    n_g, p = z.shape
    g = np.zeros((n_g, p))
    h = np.zeros((n_g, p, p))
    for j in range(p):
        e = np.zeros((n_g, p))
        e[:, j] = _H
        plus, minus = obj_fn(z + e), obj_fn(z - e)
        g[:, j] = (plus - minus) / (2 * _H)
        h[:, j, j] = (plus - 2 * obj + minus) / _H**2
    for i in range(p):
        for j in range(i + 1, p):
            e = np.zeros((n_g, p))
            e[:, i], e[:, j] = _H, _H
            pp, mm = obj_fn(z + e), obj_fn(z - e)
            e[:, j] = -_H
            pm, mp = obj_fn(z + e), obj_fn(z - e)
            h[:, i, j] = h[:, j, i] = (pp - pm - mp + mm) / (4 * _H**2)
    return g, h
