r"""FOCE with interaction on closed-form linear PK models, vectorised over subjects.

For subject :math:`i` with residuals :math:`r_{ij} = y_{ij} - f_{ij}(\eta_i)` and residual
variances :math:`V_{ij}`, the conditional objective is

.. math::

    l_i(\eta) = \sum_j \left[\log V_{ij} + r_{ij}^2 / V_{ij}\right]
              - 2 \sum_{j \in BLQ} \log\Phi\!\left(\frac{LLOQ_{ij} - f_{ij}}{\sqrt{V_{ij}}}\right)
              + \eta^T \Omega^{-1} \eta

(Beal M3 for censored samples; where a proportional model's variance is 0, at a
prediction of 0 before an estimated lag time, a sample above 0 is impossible, objective
:math:`+\infty`, and a BLQ sample certain, 0: no variance floor). The empirical Bayes
estimates :math:`\hat\eta_i` minimise it by Newton steps (observed Hessian by finite
differences, Fisher scoring as the fallback), all subjects at once (finite-difference
Jacobians :math:`a = \partial f/\partial\eta`, :math:`c = \partial V/\partial\eta`). The
Laplace approximation with the FOCE-I Hessian (Beal & Sheiner, NONMEM Users Guide VII;
Almquist et al. 2015, doi:10.1007/s10928-015-9409-1)

.. math::

    H_i = \Omega^{-1} + \sum_j \left[\frac{a_j a_j^T}{V_j} + \frac{c_j c_j^T}{2 V_j^2}\right]
          + \sum_{j \in BLQ} \lambda(z_j)(\lambda(z_j) + z_j)\, \nabla z_j \nabla z_j^T

gives :math:`OFV = \sum_i [l_i(\hat\eta_i) + \log|\Omega| + \log|H_i|]`, i.e.
:math:`-2\log L` without the constant :math:`N \log 2\pi` (the NONMEM and nlmixr2 ``OBJF``
convention). The BLQ term is the Gauss-Newton part of :math:`-\log\Phi`'s Hessian, not
the full Laplace Hessian (which adds :math:`-\lambda(z_j)\nabla^2 z_j`; docs/popfit.md).
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_ndtr

from kinetor.popfit._mapping import Design, predict

__all__ = ["Design", "conditional", "conditional_rows", "ofv_terms", "ofv_terms_many", "predict"]

_H = 1e-6  # finite-difference step on the log scale of the individual parameters
_H2 = 1e-4  # step of the finite-difference (observed) Hessian of the EBE objective


def _f_and_jac(des: Design, base: np.ndarray, eta: np.ndarray, idx=None):
    """Predictions (S, T) and their eta-Jacobian (S, T, q) by forward differences."""
    S, q = eta.shape
    logp = des.apply(base, eta)
    stack = np.repeat(logp[:, None, :], q + 1, axis=1)
    for j in range(q):
        stack[:, j + 1] += _H * des.shift(j)
    F = des.f(stack.reshape(S * (q + 1), -1), rep=q + 1, idx=idx).reshape(S, q + 1, -1)
    return F[:, 0], (F[:, 1:] - F[:, :1]).transpose(0, 2, 1) / _H


def _rows(sig, omega_inv, n: int):
    """Per-row residual SDs (n, n_sigma) and inverse Omegas (n, q, q)."""
    sig = np.asarray(sig, float)
    if sig.ndim == 1:
        sig = np.broadcast_to(sig, (n, sig.size))
    if omega_inv.ndim == 2:
        omega_inv = np.broadcast_to(omega_inv, (n, *omega_inv.shape))
    return sig, omega_inv


def _objective_parts(des: Design, f, a, sig, eta, omega_inv, need_hess: bool, idx=None):
    """Conditional objective per row (and its gradient and FOCE-I half-Hessian); every
    row may carry its own residual SDs and inverse Omega (``_rows``)."""
    d = des.data
    sel = (lambda v: v) if idx is None else (lambda v: v[idx])
    obs, blq, dv = sel(d.obs), sel(d.blq), sel(d.dv)
    sig, omega_inv = _rows(sig, omega_inv, f.shape[0])
    V0 = des.variance(f, sig)
    # a zero variance (proportional error at a prediction of 0, which only an estimated
    # lag time can give: samples at a prediction of 0 whatever the parameters are left out
    # before the fit, _zeros.py) is a point mass at 0: a sample above 0 there is
    # impossible (objective +inf, the limit of its density), a BLQ sample certain (0)
    pos = V0 > 0
    V = np.where(pos, V0, 1.0)
    unc = obs & ~blq & pos
    blq = blq & pos
    r = dv - f
    obj = np.where(unc, np.log(V) + r * r / V, 0.0).sum(1)
    obj += np.where(obs & ~sel(d.blq) & ~pos, np.inf, 0.0).sum(1)
    s = np.sqrt(V)
    any_blq = des.any_blq
    if any_blq:
        z = np.where(blq, (sel(des.lloq0) - f) / s, 0.0)
        obj += np.where(blq, -2.0 * log_ndtr(z), 0.0).sum(1)
    obj += np.einsum("si,sij,sj->s", eta, omega_inv, eta)
    if not need_hess:
        return obj, None, None, None
    if des.model.error == "additive":
        c = np.zeros_like(a)
    else:
        b = sig[:, 0] if des.model.error == "proportional" else sig[:, 1]
        c = 2.0 * (b**2)[:, None, None] * f[..., None] * a
    w_unc = unc[..., None]
    g = np.where(
        w_unc, (1.0 / V - r * r / V**2)[..., None] * c - 2.0 * (r / V)[..., None] * a, 0.0
    ).sum(1)
    g += 2.0 * np.einsum("si,sij->sj", eta, omega_inv)
    wa = np.where(w_unc, a / s[..., None], 0.0)
    half = np.einsum("stj,stk->sjk", wa, wa) + omega_inv
    if des.model.error != "additive":
        wc = np.where(w_unc, c / (np.sqrt(2.0) * V[..., None]), 0.0)
        half += np.einsum("stj,stk->sjk", wc, wc)
    if any_blq:
        dz = (-a - z[..., None] * c / (2.0 * s[..., None])) / s[..., None]
        lam_z = np.exp(_log_phi(z) - log_ndtr(z))
        g += np.where(blq[..., None], -2.0 * lam_z[..., None] * dz, 0.0).sum(1)
        wz = np.where(blq[..., None], np.sqrt(lam_z * (lam_z + z))[..., None] * dz, 0.0)
        half += np.einsum("stj,stk->sjk", wz, wz)
    return obj, g, half, V0


def _newton_parts(des: Design, base, eta, idx, sig, omega_inv):
    """Objective, gradient, FOCE-I half-Hessian and the observed Hessian (finite
    differences of the analytic gradient), for rows of subjects ``idx`` (per-row ``sig``
    and ``omega_inv``) in one model call."""
    n, q = eta.shape
    pts = eta[:, None, :] + _H2 * np.vstack([np.zeros(q), np.eye(q)])[None]
    rep = np.repeat(idx, q + 1)
    base_r = np.repeat(base, q + 1, axis=0)
    flat = pts.reshape(n * (q + 1), q)
    f, a = _f_and_jac(des, base_r, flat, rep)
    obj, g, half, _ = _objective_parts(
        des,
        f,
        a,
        np.repeat(sig, q + 1, axis=0),
        flat,
        np.repeat(omega_inv, q + 1, axis=0),
        True,
        rep,
    )
    g = g.reshape(n, q + 1, q)
    hess = (g[:, 1:, :] - g[:, :1, :]) / _H2
    hess = 0.5 * (hess + hess.transpose(0, 2, 1))
    return (obj.reshape(n, q + 1)[:, 0], g[:, 0], half.reshape(n, q + 1, q, q)[:, 0], hess)


def _log_phi(z):
    return -0.5 * z * z - 0.5 * np.log(2.0 * np.pi)


def conditional(
    des: Design, x: np.ndarray, eta0: np.ndarray, max_iter: int = 100, tol: float = 1e-12
):
    """EBEs for every subject (Newton or Fisher scoring, step halving), all at once.

    Returns ``eta, obj (S,), half_hessian (S, q, q), converged (S,) bool``.
    """
    mu, beta, omega, sig = des.unpack(x)
    S = eta0.shape[0]
    oi = np.broadcast_to(np.linalg.inv(omega), (S, des.q, des.q))
    return conditional_rows(
        des,
        des.typical_log(mu, beta),
        oi,
        np.broadcast_to(sig, (S, sig.size)),
        eta0,
        np.arange(S),
        max_iter,
        tol,
    )


def conditional_rows(
    des: Design, base, omega_inv, sig, eta0, subj, max_iter: int = 100, tol: float = 1e-12
):
    """EBEs of rows that each pair a subject (``subj``) with its own population values:
    log typical parameters ``base (B, K)``, ``omega_inv (B, q, q)``, ``sig (B, n_sigma)``.
    Many parameter vectors (a finite-difference gradient or Hessian) are solved in one
    vectorised pass."""
    eta = np.array(eta0, float)
    B = eta.shape[0]
    done = np.zeros(B, bool)
    fisher = np.zeros(B, bool)
    with np.errstate(all="ignore"):
        obj, g, half, hess = _newton_parts(des, base, eta, subj, sig, omega_inv)
        # Newton steps on the observed Hessian where it is positive definite, Fisher
        # scoring elsewhere; each iteration works on the rows not yet converged only
        for _ in range(max_iter):
            A = np.flatnonzero(~done)
            if A.size == 0:
                break
            newton = (np.linalg.eigvalsh(hess[A])[:, 0] > 0) & ~fisher[A]
            H = np.where(newton[:, None, None], hess[A], 2.0 * half[A])
            step = -np.linalg.solve(H, g[A][..., None])[..., 0]
            step = np.where(np.isfinite(step), step, 0.0)
            # shorten long steps as a whole (keeps a descent direction)
            step *= np.minimum(1.0, 2.0 / np.maximum(np.abs(step).max(axis=1), 1e-300))[:, None]
            # Newton decrement: the expected decrease of the objective
            small = -(g[A] * step).sum(1) < tol
            done[A[small]] = True
            A, step, newton = A[~small], step[~small], newton[~small]
            if A.size == 0:
                break
            eta_a, obj_a, base_a = eta[A], obj[A], base[A]
            sig_a, oi_a, subj_a = sig[A], omega_inv[A], subj[A]
            alpha = np.ones(A.size)
            accepted = np.zeros(A.size, bool)
            new_eta, new_obj = eta_a.copy(), obj_a.copy()
            for _h in range(30):
                Bk = np.flatnonzero(~accepted)
                trial = eta_a[Bk] + alpha[Bk, None] * step[Bk]
                logp = des.apply(base_a[Bk], trial)
                ft = des.f(logp, idx=subj_a[Bk])
                ot = _objective_parts(des, ft, None, sig_a[Bk], trial, oi_a[Bk], False, subj_a[Bk])[
                    0
                ]
                ok = np.isfinite(ot) & (ot <= obj_a[Bk] + 1e-12)
                new_eta[Bk[ok]], new_obj[Bk[ok]] = trial[ok], ot[ok]
                accepted[Bk[ok]] = True
                if accepted.all():
                    break
                alpha[Bk[~ok]] *= 0.5
            moved = np.abs(new_eta - eta_a).max(axis=1)
            gain = obj_a - new_obj
            eta[A] = new_eta
            obj[A], g[A], half[A], hess[A] = _newton_parts(
                des, base_a, new_eta, subj_a, sig_a, oi_a
            )
            # a failed Newton line search falls back to Fisher scoring for this row
            retry = newton & ~accepted
            fisher[A[retry]] = True
            done[A] = ((moved < 1e-9) | (gain < tol)) & ~retry
    return eta, obj, half, done


def ofv_terms(des: Design, x: np.ndarray, eta0: np.ndarray, from_zero: bool = False):
    """Per-subject FOCE-I objective (without N log 2 pi) and the EBEs.

    With ``from_zero`` the EBE search also starts from eta = 0 and each subject keeps the
    mode with the lower conditional objective: a search warm-started at the last EBEs can
    stay in a local mode (a flip-flop ka/V pair, say) that a fresh start leaves.
    """
    if not from_zero or not np.any(eta0):
        terms, eta, ok, _ = _ofv_parts(des, x[None, :], eta0)
        return terms[0], eta[0], ok[0]
    terms, eta, ok, obj = _ofv_parts(des, np.stack([x, x]), np.stack([eta0, np.zeros_like(eta0)]))
    # another mode, clearly lower; the same mode reached twice keeps the warm start's
    # solution (its digits decide the finite differences of the covariance step)
    zero = np.isfinite(obj[1]) & ~(obj[1] >= obj[0] - 1e-6)
    return (
        np.where(zero, terms[1], terms[0]),
        np.where(zero[:, None], eta[1], eta[0]),
        np.where(zero, ok[1], ok[0]),
    )


def ofv_terms_many(des: Design, X: np.ndarray, eta0: np.ndarray):
    """Per-subject FOCE-I objectives of ``m`` parameter vectors ``X (m, n_x)`` in one
    vectorised EBE search (warm start ``eta0 (S, q)``, or one per vector ``(m, S, q)``):
    ``terms (m, S)`` (inf where a vector is invalid), ``eta (m, S, q)``,
    ``converged (m, S)``."""
    return _ofv_parts(des, X, eta0)[:3]


def _ofv_parts(des: Design, X: np.ndarray, eta0: np.ndarray):
    """``ofv_terms_many`` and the conditional objectives ``l_i`` at the EBEs (m, S)."""
    m, S, q = X.shape[0], eta0.shape[-2], des.q
    base = np.empty((m, S, des.width))
    oi = np.empty((m, q, q))
    sig = np.empty((m, des.n_sigma))
    logdet_om = np.full(m, np.inf)
    for k, x in enumerate(X):
        mu, beta, omega, sig[k] = des.unpack(x)
        base[k] = des.typical_log(mu, beta)
        sign, ld = np.linalg.slogdet(omega)
        if sign > 0 and np.isfinite(ld) and np.all(np.isfinite(base[k])):
            oi[k] = np.linalg.inv(omega)
            logdet_om[k] = ld
        else:
            oi[k] = np.eye(q)
    eta, obj, half, ok = conditional_rows(
        des,
        base.reshape(m * S, des.width),
        np.repeat(oi, S, axis=0),
        np.repeat(sig, S, axis=0),
        eta0.reshape(m * S, q) if eta0.ndim == 3 else np.tile(eta0, (m, 1)),
        np.tile(np.arange(S), m),
    )
    sign, logdet_h = np.linalg.slogdet(half)
    terms = (obj + logdet_h).reshape(m, S) + logdet_om[:, None]
    terms = np.where((sign.reshape(m, S) > 0) & np.isfinite(terms), terms, np.inf)
    return terms, eta.reshape(m, S, q), ok.reshape(m, S), obj.reshape(m, S)
