"""The map from a population parameter vector to individual predictions: ``predict``
(superposition of the closed-form sums of exponentials over dose events) and ``Design``
(typical values with covariate effects, random effects, Omega's parametrisation, residual
variance). :mod:`kinetor.popfit._iov` extends ``Design`` to occasions.
"""

from __future__ import annotations

import numpy as np

from kinetor.pk.closed_form import exponentials
from kinetor.popfit._kernel import superpose

__all__ = ["Design", "predict"]


def predict(
    n_cmt: int,
    logp: np.ndarray,
    names: tuple[str, ...],
    t: np.ndarray,
    ev_t: np.ndarray,
    ev_amt: np.ndarray,
    ev_kind: np.ndarray,
    factor: float,
    oral: bool,
    ev_until: np.ndarray | None = None,
) -> np.ndarray:
    """Concentrations ``(N, T)`` for log parameters ``logp (N, K)`` (superposition);
    ``ev_until``: when each dose event stops acting (NONMEM resets; default never)."""
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
    out = superpose(lam, coef, const, t, ev_t, ev_amt, ev_kind, P.get("tlag"), ev_until)
    return out * factor


class Design:
    """Everything that maps the estimation vector onto individual predictions."""

    def __init__(
        self, model, data, offsets: np.ndarray, Z: list[np.ndarray], beta_names: list[str]
    ):
        # data: the rows of the objective (one per subject); occ: the rows of the data
        # set's subjects as read (the same here; occasions of an individual with IOV)
        self.model, self.data, self.occ = model, data, data
        self.K = len(model.params)
        self.eta_idx = np.array([model.params.index(p) for p in model.eta], int)
        self.q = self.eta_idx.size
        self.offsets = offsets  # (S, K) fixed covariate terms on log scale
        self.Z = Z  # per parameter: (S, m_k) design of estimated betas
        self.beta_names = beta_names
        self.n_beta = sum(z.shape[1] for z in Z)
        self.block = model.omega == "block"
        self.n_omega = self.q * (self.q + 1) // 2 if self.block else self.q
        self.n_sigma = len(model.sigma_names)
        self.n_x = self.K + self.n_beta + self.n_omega + self.n_sigma
        # between-subject part of the random effects (all of them without occasions)
        self.q_bsv, self.n_omega_bsv, self.r = self.q, self.n_omega, 0
        self.width = self.K  # columns of typical_log's rows
        self.any_blq = bool(data.blq.any())
        self.lloq0 = np.nan_to_num(data.lloq)

    # ------------------------------------------------------------ unpacking
    def unpack(self, x: np.ndarray):
        K, nb, no = self.K, self.n_beta, self.n_omega
        mu, beta = x[:K], x[K : K + nb]
        sig = np.exp(x[K + nb + no :])
        return mu, beta, self._omega(x[K + nb : K + nb + no]), sig

    def _omega(self, w: np.ndarray) -> np.ndarray:
        """Omega from its Cholesky factor (log diagonal) ``w``."""
        q = self.eta_idx.size
        L = np.zeros((q, q))
        if self.block:
            L[np.tril_indices(q)] = w
            L[np.diag_indices(q)] = np.exp(np.diag(L))
        else:
            L[np.diag_indices(q)] = np.exp(w)
        return L @ L.T

    def _omega_w(self, omega: np.ndarray) -> np.ndarray:
        """The inverse of ``_omega``."""
        q = self.eta_idx.size
        if self.block:
            Ld = np.linalg.cholesky(omega)
            Ld[np.diag_indices(q)] = np.log(np.diag(Ld))
            return Ld[np.tril_indices(q)]
        np.linalg.cholesky(omega)  # refuses a matrix that is not positive definite
        return np.log(np.sqrt(np.diag(omega)))

    def pack(self, mu, beta, omega, sig) -> np.ndarray:
        return np.concatenate([mu, beta, self._omega_w(omega), np.log(sig)])

    def natural_omega(self, omega: np.ndarray) -> np.ndarray:
        """The reported variance parameters of ``omega`` (lower triangle or diagonal)."""
        q = self.eta_idx.size
        return omega[np.tril_indices(q)] if self.block else np.diag(omega)

    def variance_slots(self) -> list[tuple[str, list[int]]]:
        """(name, indices into the random-effect vector) of every diagonal variance."""
        return [(f"omega_{p}", [i]) for i, p in enumerate(self.model.eta)]

    def apply(self, base: np.ndarray, eta: np.ndarray) -> np.ndarray:
        """Individual log parameters: ``base`` rows plus their random effects ``eta``."""
        logp = base.copy()
        logp[:, self.eta_idx] += eta
        return logp

    def shift(self, j: int) -> np.ndarray:
        """The change of a row of log parameters per unit of random effect ``j``."""
        e = np.zeros(self.K)
        e[self.eta_idx[j]] = 1.0
        return e

    def typical_log(self, mu, beta) -> np.ndarray:
        """(S, K) log typical individual parameters (covariates, no eta)."""
        out = mu[None, :] + self.offsets
        b = 0
        for k, z in enumerate(self.Z):
            m = z.shape[1]
            if m:
                out[:, k] += z @ beta[b : b + m]
                b += m
        return out

    def occasion_log(self, mu, beta, eta: np.ndarray | None = None) -> np.ndarray:
        """(S_occ, K) log individual parameters of every row of ``occ`` (typical values
        when ``eta`` is None)."""
        base = self.typical_log(mu, beta)
        return base if eta is None else self.apply(base, eta)

    def kappa(self, eta: np.ndarray) -> np.ndarray:
        """(S_occ, r) inter-occasion EBEs per row of ``occ`` (none here)."""
        return np.zeros((self.occ.n_subjects, 0))

    def ebe_frame(self, mu, beta, eta: np.ndarray):
        """EBEs and individual parameters per row of ``occ``."""
        import pandas as pd

        ind = self.occasion_log(mu, beta, eta)
        out = pd.DataFrame({"subject": self.occ.subjects})
        for j, p in enumerate(self.model.eta):
            out[f"eta_{p}"] = eta[:, j]
        for k, p in enumerate(self.model.params):
            out[p] = np.exp(ind[:, k])
        return out

    def variance(self, f: np.ndarray, sig: np.ndarray) -> np.ndarray:
        """Residual variances of predictions ``f``; ``sig`` is ``(n_sigma,)`` or one row
        per row of a 2-D ``f``, ``(B, n_sigma)``. No floor: a proportional model's
        variance is 0 where ``f`` is (see ``_objective_parts`` and ``_zeros``)."""
        err = self.model.error
        sig = np.asarray(sig)
        a = sig[..., 0:1] if sig.ndim == 2 else sig[0]
        b = sig[..., -1:] if sig.ndim == 2 else sig[-1]
        if err == "additive":
            v = np.broadcast_to(a**2, f.shape).copy() if sig.ndim == 2 else np.full_like(f, a**2)
        elif err == "proportional":
            v = (a * f) ** 2
        else:
            v = a**2 + (b * f) ** 2
        return v

    def f(self, logp: np.ndarray, rep: int = 1, idx: np.ndarray | None = None) -> np.ndarray:
        """Predictions for rows of ``logp`` (subjects ``idx``, each repeated ``rep`` times)."""
        d = self.data

        def r(a):
            a = a if idx is None else a[idx]
            return np.repeat(a, rep, axis=0) if rep > 1 else a

        return predict(
            self.model.n_cmt,
            logp,
            self.model.params,
            r(d.t),
            r(d.ev_t),
            r(d.ev_amt),
            r(d.ev_kind),
            d.conc_factor,
            self.model.oral,
            None if d.ev_until is None else r(d.ev_until),
        )
