r"""FOCE with interaction on closed-form linear PK models, vectorised over subjects.

For subject :math:`i` with residuals :math:`r_{ij} = y_{ij} - f_{ij}(\eta_i)` and residual
variances :math:`V_{ij}`, the conditional objective is

.. math::

    l_i(\eta) = \sum_j \left[\log V_{ij} + r_{ij}^2 / V_{ij}\right]
              - 2 \sum_{j \in BLQ} \log\Phi\!\left(\frac{LLOQ_{ij} - f_{ij}}{\sqrt{V_{ij}}}\right)
              + \eta^T \Omega^{-1} \eta

(Beal M3 for censored samples). The empirical Bayes estimates :math:`\hat\eta_i` minimise
it by Newton steps (observed Hessian by finite differences, Fisher scoring as the fallback),
all subjects at once (finite-difference Jacobians
:math:`a = \partial f/\partial\eta`, :math:`c = \partial V/\partial\eta`). The Laplace
approximation with the FOCE-I Hessian (Beal & Sheiner, NONMEM Users Guide VII; Almquist
et al. 2015, doi:10.1007/s10928-015-9409-1)

.. math::

    H_i = \Omega^{-1} + \sum_j \left[\frac{a_j a_j^T}{V_j} + \frac{c_j c_j^T}{2 V_j^2}\right]
          + \sum_{j \in BLQ} \lambda(z_j)(\lambda(z_j) + z_j)\, \nabla z_j \nabla z_j^T

gives :math:`OFV = \sum_i [l_i(\hat\eta_i) + \log|\Omega| + \log|H_i|]`, i.e.
:math:`-2\log L` without the constant :math:`N \log 2\pi` (the NONMEM and nlmixr2 ``OBJF``
convention).
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_ndtr

from kinetor.pk.closed_form import exponentials
from kinetor.popfit._data import DEPOT

__all__ = ["Design", "conditional", "ofv_terms", "predict"]

_H = 1e-6  # finite-difference step on the log scale of the individual parameters
_H2 = 1e-4  # step of the finite-difference (observed) Hessian of the EBE objective
_V_FLOOR = 1e-12


def predict(n_cmt: int, logp: np.ndarray, names: tuple[str, ...], t: np.ndarray,
            ev_t: np.ndarray, ev_amt: np.ndarray, ev_kind: np.ndarray, factor: float,
            oral: bool) -> np.ndarray:
    """Concentrations ``(N, T)`` for log parameters ``logp (N, K)`` (superposition)."""
    with np.errstate(over="ignore", under="ignore"):
        P = dict(zip(names, np.exp(np.clip(logp, -50, 50)).T, strict=True))
    internal = {"cl": P["cl"], "v1": P["v"] if "v" in P else P["v1"]}
    if n_cmt == 2:
        internal["q2"], internal["v2"] = P["q"], P["v2"]
    if oral:
        internal["ka"] = P["ka"]
        internal["f"] = np.ones_like(P["cl"])
    with np.errstate(all="ignore"):
        lam, coef, const = exponentials(n_cmt, internal, oral=oral)
    rows = np.arange(t.shape[0])
    out = np.zeros(t.shape)
    tlag = P.get("tlag")
    for e in range(ev_t.shape[1]):
        k = ev_kind[:, e]
        te = ev_t[:, e] if tlag is None else ev_t[:, e] + np.where(k == DEPOT, tlag, 0.0)
        dt = t - te[:, None]
        active = dt >= 0
        if not active.any():
            continue
        dtc = np.where(active, dt, 0.0)
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            s = np.einsum("nj,ntj->nt", coef[rows, k, :], np.exp(-lam[:, None, :] * dtc[..., None]))
        s = s + const[rows, k][:, None]
        out += np.where(active, ev_amt[:, e][:, None] * s, 0.0)
    return out * factor


class Design:
    """Everything that maps the estimation vector onto individual predictions."""

    def __init__(self, model, data, offsets: np.ndarray, Z: list[np.ndarray],
                 beta_names: list[str]):
        self.model, self.data = model, data
        self.K = len(model.params)
        self.eta_idx = np.array([model.params.index(p) for p in model.eta], int)
        self.q = self.eta_idx.size
        self.offsets = offsets          # (S, K) fixed covariate terms on log scale
        self.Z = Z                      # per parameter: (S, m_k) design of estimated betas
        self.beta_names = beta_names
        self.n_beta = sum(z.shape[1] for z in Z)
        self.block = model.omega == "block"
        self.n_omega = self.q * (self.q + 1) // 2 if self.block else self.q
        self.n_sigma = len(model.sigma_names)
        self.n_x = self.K + self.n_beta + self.n_omega + self.n_sigma
        self.any_blq = bool(data.blq.any())
        self.lloq0 = np.nan_to_num(data.lloq)

    # ------------------------------------------------------------ unpacking
    def unpack(self, x: np.ndarray):
        K, nb, no = self.K, self.n_beta, self.n_omega
        mu, beta = x[:K], x[K:K + nb]
        w = x[K + nb:K + nb + no]
        L = np.zeros((self.q, self.q))
        if self.block:
            L[np.tril_indices(self.q)] = w
            L[np.diag_indices(self.q)] = np.exp(np.diag(L))
        else:
            L[np.diag_indices(self.q)] = np.exp(w)
        sig = np.exp(x[K + nb + no:])
        return mu, beta, L @ L.T, sig

    def pack(self, mu, beta, omega, sig) -> np.ndarray:
        L = np.linalg.cholesky(omega)
        if self.block:
            Ld = L.copy()
            Ld[np.diag_indices(self.q)] = np.log(np.diag(L))
            w = Ld[np.tril_indices(self.q)]
        else:
            w = np.log(np.sqrt(np.diag(omega)))
        return np.concatenate([mu, beta, w, np.log(sig)])

    def typical_log(self, mu, beta) -> np.ndarray:
        """(S, K) log typical individual parameters (covariates, no eta)."""
        out = mu[None, :] + self.offsets
        b = 0
        for k, z in enumerate(self.Z):
            m = z.shape[1]
            if m:
                out[:, k] += z @ beta[b:b + m]
                b += m
        return out

    def variance(self, f: np.ndarray, sig: np.ndarray) -> np.ndarray:
        err = self.model.error
        if err == "additive":
            v = np.full_like(f, sig[0] ** 2)
        elif err == "proportional":
            v = (sig[0] * f) ** 2
        else:
            v = sig[0] ** 2 + (sig[1] * f) ** 2
        return np.maximum(v, _V_FLOOR)

    def f(self, logp: np.ndarray, rep: int = 1, idx: np.ndarray | None = None) -> np.ndarray:
        """Predictions for rows of ``logp`` (subjects ``idx``, each repeated ``rep`` times)."""
        d = self.data

        def r(a):
            a = a if idx is None else a[idx]
            return np.repeat(a, rep, axis=0) if rep > 1 else a

        return predict(self.model.n_cmt, logp, self.model.params, r(d.t), r(d.ev_t),
                       r(d.ev_amt), r(d.ev_kind), d.conc_factor, self.model.oral)


def _f_and_jac(des: Design, base: np.ndarray, eta: np.ndarray, idx=None):
    """Predictions (S, T) and their eta-Jacobian (S, T, q) by forward differences."""
    S, q = eta.shape
    logp = base.copy()
    logp[:, des.eta_idx] += eta
    stack = np.repeat(logp[:, None, :], q + 1, axis=1)
    for j in range(q):
        stack[:, j + 1, des.eta_idx[j]] += _H
    F = des.f(stack.reshape(S * (q + 1), -1), rep=q + 1, idx=idx).reshape(S, q + 1, -1)
    return F[:, 0], (F[:, 1:] - F[:, :1]).transpose(0, 2, 1) / _H


def _objective_parts(des: Design, f, a, sig, eta, omega_inv, need_hess: bool, idx=None):
    d = des.data
    sel = (lambda v: v) if idx is None else (lambda v: v[idx])
    obs, blq, dv = sel(d.obs), sel(d.blq), sel(d.dv)
    V = des.variance(f, sig)
    unc = obs & ~blq
    r = dv - f
    obj = np.where(unc, np.log(V) + r * r / V, 0.0).sum(1)
    s = np.sqrt(V)
    any_blq = des.any_blq
    if any_blq:
        z = np.where(blq, (sel(des.lloq0) - f) / s, 0.0)
        obj += np.where(blq, -2.0 * log_ndtr(z), 0.0).sum(1)
    obj += np.einsum("si,ij,sj->s", eta, omega_inv, eta)
    if not need_hess:
        return obj, None, None, None
    if des.model.error == "additive":
        c = np.zeros_like(a)
    elif des.model.error == "proportional":
        c = 2.0 * sig[0] ** 2 * f[..., None] * a
    else:
        c = 2.0 * sig[1] ** 2 * f[..., None] * a
    w_unc = unc[..., None]
    g = np.where(w_unc, (1.0 / V - r * r / V**2)[..., None] * c - 2.0 * (r / V)[..., None] * a,
                 0.0).sum(1)
    g += 2.0 * eta @ omega_inv
    wa = np.where(w_unc, a / s[..., None], 0.0)
    half = np.einsum("stj,stk->sjk", wa, wa) + omega_inv[None]
    if des.model.error != "additive":
        wc = np.where(w_unc, c / (np.sqrt(2.0) * V[..., None]), 0.0)
        half += np.einsum("stj,stk->sjk", wc, wc)
    if any_blq:
        dz = (-a - z[..., None] * c / (2.0 * s[..., None])) / s[..., None]
        lam_z = np.exp(_log_phi(z) - log_ndtr(z))
        g += np.where(blq[..., None], -2.0 * lam_z[..., None] * dz, 0.0).sum(1)
        wz = np.where(blq[..., None], np.sqrt(lam_z * (lam_z + z))[..., None] * dz, 0.0)
        half += np.einsum("stj,stk->sjk", wz, wz)
    return obj, g, half, V


def _newton_parts(des: Design, base, eta, idx, sig, omega_inv):
    """Objective, gradient, FOCE-I half-Hessian and the observed Hessian (finite
    differences of the analytic gradient), for subjects ``idx`` in one model call."""
    n, q = eta.shape
    pts = eta[:, None, :] + _H2 * np.vstack([np.zeros(q), np.eye(q)])[None]
    rep = np.repeat(idx, q + 1) if idx is not None else np.repeat(np.arange(n), q + 1)
    base_r = np.repeat(base, q + 1, axis=0)
    flat = pts.reshape(n * (q + 1), q)
    f, a = _f_and_jac(des, base_r, flat, rep)
    obj, g, half, _ = _objective_parts(des, f, a, sig, flat, omega_inv, True, rep)
    g = g.reshape(n, q + 1, q)
    hess = (g[:, 1:, :] - g[:, :1, :]) / _H2
    hess = 0.5 * (hess + hess.transpose(0, 2, 1))
    return (obj.reshape(n, q + 1)[:, 0], g[:, 0], half.reshape(n, q + 1, q, q)[:, 0], hess)


def _log_phi(z):
    return -0.5 * z * z - 0.5 * np.log(2.0 * np.pi)


def conditional(des: Design, x: np.ndarray, eta0: np.ndarray, max_iter: int = 100,
                tol: float = 1e-12):
    """EBEs for every subject (Newton or Fisher scoring, step halving), all at once.

    Returns ``eta, obj (S,), half_hessian (S, q, q), converged (S,) bool``.
    """
    mu, beta, omega, sig = des.unpack(x)
    omega_inv = np.linalg.inv(omega)
    base = des.typical_log(mu, beta)
    eta = eta0.copy()
    S = eta.shape[0]
    done = np.zeros(S, bool)
    fisher = np.zeros(S, bool)
    with np.errstate(all="ignore"):
        obj, g, half, hess = _newton_parts(des, base, eta, np.arange(S), sig, omega_inv)
        # Newton steps on the observed Hessian where it is positive definite, Fisher
        # scoring elsewhere; each iteration works on the subjects not yet converged only
        for _ in range(max_iter):
            A = np.flatnonzero(~done)
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
            alpha = np.ones(A.size)
            accepted = np.zeros(A.size, bool)
            new_eta, new_obj = eta_a.copy(), obj_a.copy()
            for _h in range(30):
                B = np.flatnonzero(~accepted)
                trial = eta_a[B] + alpha[B, None] * step[B]
                logp = base_a[B].copy()
                logp[:, des.eta_idx] += trial
                ft = des.f(logp, idx=A[B])
                ot = _objective_parts(des, ft, None, sig, trial, omega_inv, False, A[B])[0]
                ok = np.isfinite(ot) & (ot <= obj_a[B] + 1e-12)
                new_eta[B[ok]], new_obj[B[ok]] = trial[ok], ot[ok]
                accepted[B[ok]] = True
                if accepted.all():
                    break
                alpha[B[~ok]] *= 0.5
            moved = np.abs(new_eta - eta_a).max(axis=1)
            gain = obj_a - new_obj
            eta[A] = new_eta
            obj[A], g[A], half[A], hess[A] = _newton_parts(des, base_a, new_eta, A, sig,
                                                           omega_inv)
            # a failed Newton line search falls back to Fisher scoring for this subject
            retry = newton & ~accepted
            fisher[A[retry]] = True
            done[A] = ((moved < 1e-9) | (gain < tol)) & ~retry
    return eta, obj, half, done


def ofv_terms(des: Design, x: np.ndarray, eta0: np.ndarray):
    """Per-subject FOCE-I objective (without N log 2 pi) and the EBEs."""
    eta, obj, half, ok = conditional(des, x, eta0)
    omega = des.unpack(x)[2]
    _, logdet_om = np.linalg.slogdet(omega)
    sign, logdet_h = np.linalg.slogdet(half)
    terms = obj + logdet_om + logdet_h
    terms = np.where((sign > 0) & np.isfinite(terms), terms, np.inf)
    return terms, eta, ok
