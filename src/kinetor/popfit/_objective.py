"""The population objective and its curvature: -2 log-likelihood (FOCE-I) of a parameter
vector, vectorised over many vectors, its finite-difference gradient, and the covariance
of the estimates (R, S and sandwich R^-1 S R^-1, mapped to natural parameters through the
Jacobian). Used by :func:`kinetor.popfit.fit.popfit`."""

from __future__ import annotations

import numpy as np

from kinetor.popfit._engine import Design, ofv_terms, ofv_terms_many

# The optimiser's working value of the OFV: above _CAP, or not finite (a sample > 0 the
# model cannot produce, e.g. before an estimated lag time under proportional error, or an
# invalid vector), it counts as _CAP. The map is monotone, so an impossible point never
# looks better to the line search than a merely bad one; the reported OFV is never capped.
_CAP = 1e20


def _capped(v):
    v = np.asarray(v, float)
    return np.where(np.isfinite(v), np.minimum(v, _CAP), _CAP)


def _natural(des: Design, x: np.ndarray) -> np.ndarray:
    mu, beta, omega, sig = des.unpack(x)
    return np.concatenate([mu, beta, des.natural_omega(omega), sig])


class _Objective:
    """OFV(x) with warm-started EBEs and central-difference gradients."""

    def __init__(self, des: Design):
        self.des = des
        self.eta = np.zeros((des.data.n_subjects, des.q))
        self.n_eval = 0

    def terms(self, x: np.ndarray, keep: bool = False):
        """Per-subject terms at ``x``: EBEs from the current ones and from 0, the lower
        mode kept (``ofv_terms(from_zero=True)``); ``keep`` stores them as warm starts."""
        self.n_eval += 1
        try:
            terms, eta, ok = ofv_terms(self.des, x, self.eta, from_zero=True)
        except np.linalg.LinAlgError:
            return np.full(self.des.data.n_subjects, np.inf), self.eta, False
        if keep and np.isfinite(terms).all():
            self.eta = eta
        return terms, eta, ok

    def many(self, X: np.ndarray, chunk: int = 64) -> np.ndarray:
        """Per-subject terms (m, S) of many parameter vectors, warm-started from the
        current EBEs, solved together (in chunks of ``chunk`` vectors)."""
        self.n_eval += X.shape[0]
        out = np.empty((X.shape[0], self.des.data.n_subjects))
        for a in range(0, X.shape[0], chunk):
            try:
                out[a : a + chunk] = ofv_terms_many(self.des, X[a : a + chunk], self.eta)[0]
            except np.linalg.LinAlgError:
                out[a : a + chunk] = np.inf
        return out

    def value(self, x: np.ndarray) -> float:
        return float(_capped(self.terms(x)[0].sum()))

    def value_grad(self, x: np.ndarray, h: float = 1e-3):
        """OFV and its central-difference gradient; the 2n perturbed vectors are solved
        in one vectorised EBE search warm-started at the EBEs of ``x``."""
        terms, _, _ = self.terms(x, keep=True)
        f0 = float(_capped(terms.sum()))
        if f0 >= _CAP:
            return f0, np.zeros_like(x)
        n = x.size
        E = h * np.eye(n)
        tot = _capped(self.many(np.vstack([x + E, x - E])).sum(1))
        return f0, (tot[:n] - tot[n:]) / (2 * h)


def _hessian_and_scores(obj: _Objective, x: np.ndarray, steps: np.ndarray):
    """Central-difference Hessian of the OFV and the per-subject central-difference
    gradients (S, n), every point solved in one batched EBE search."""
    n = x.size
    pts = [x]
    for i in range(n):
        ei = np.zeros(n)
        ei[i] = steps[i]
        pts += [x + ei, x - ei]
    pairs = [(i, j) for i in range(n) for j in range(i)]
    for i, j in pairs:
        ei, ej = np.zeros(n), np.zeros(n)
        ei[i], ej[j] = steps[i], steps[j]
        pts += [x + ei + ej, x + ei - ej, x - ei + ej, x - ei - ej]
    T = obj.many(np.array(pts))
    tot = T.sum(1)
    f0 = tot[0]
    plus, minus = tot[1 : 2 * n + 1 : 2], tot[2 : 2 * n + 1 : 2]
    H = np.empty((n, n))
    H[np.diag_indices(n)] = (plus - 2 * f0 + minus) / steps**2
    for k, (i, j) in enumerate(pairs):
        a, b, c, d = tot[2 * n + 1 + 4 * k : 2 * n + 5 + 4 * k]
        H[i, j] = H[j, i] = (a - b - c + d) / (4 * steps[i] * steps[j])
    G = (T[1 : 2 * n + 1 : 2] - T[2 : 2 * n + 1 : 2]).T / (2 * steps)[None, :]
    return H, G


def _jacobian_natural(des: Design, x: np.ndarray) -> np.ndarray:
    """d(natural)/d(x): reported parameters against the estimation vector (algebra only)."""
    J = np.empty((x.size, x.size))
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = 1e-6
        J[:, i] = (_natural(des, x + e) - _natural(des, x - e)) / 2e-6
    return J


def _covariance(obj: _Objective, x: np.ndarray, method: str):
    """R and S in the estimation space (unconstrained: the Cholesky factor of Omega, so
    perturbations stay positive definite even near a correlation of +-1), mapped onto the
    reported parameters by the delta method, cov = J C_x J^T."""
    des = obj.des
    steps = 1e-2 * np.maximum(np.abs(x), 0.1)
    R, G = _hessian_and_scores(obj, x, steps)
    S = G.T @ G
    if not np.all(np.isfinite(R)) or np.any(np.linalg.eigvalsh(0.5 * (R + R.T)) <= 0):
        raise np.linalg.LinAlgError("R matrix is not positive definite")
    _check_conditioning(des, R)
    _check_typical_values(des, R)
    J = _jacobian_natural(des, x)
    cov = _sandwich(R, S, J, method)
    if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) <= 0):
        raise np.linalg.LinAlgError("covariance matrix has non-positive variances")
    return cov, R, S, J


# R's condition number above which the OFV is flat along some direction: well-posed fits
# stay below ~1e4 (Theoph 44, two-compartment IV/oral, block Omega, IOV 80-2,100); a
# peripheral compartment the data cannot see reached 1.7e10
COND_MAX = 1e8


def _check_conditioning(des, R: np.ndarray) -> None:
    """LinAlgError when R is nearly singular: the SEs (sandwich ones included, whose S is
    as flat as R there) would be numbers without meaning; names the parameters along the
    flattest direction."""
    ev, vec = np.linalg.eigh(0.5 * (R + R.T))
    cond = ev[-1] / ev[0]
    if not cond > COND_MAX:
        return
    v = np.abs(vec[:, 0])
    names = list(des.model.params) + list(des.beta_names)
    top = [
        f"log {names[i]}"
        if i < len(des.model.params)
        else names[i]
        if i < len(names)
        else f"variance parameter {i - len(names) + 1}"
        for i in np.argsort(-v)[:2]
        if v[i] > 0.1
    ]
    raise np.linalg.LinAlgError(
        f"R matrix is nearly singular (condition number {cond:.2g} > {COND_MAX:.0e}): the OFV "
        f"is flat along {' and '.join(top) or 'one direction'}, so the data do not determine "
        "it (a simpler model, e.g. fewer compartments, or fixing it, would)"
    )


def _check_typical_values(des, R: np.ndarray) -> None:
    """LinAlgError when the curvature of the OFV leaves a log typical value undetermined:
    its SE from 2 R^-1 above 2 (RSE_MAX, the 95 % CI spans more than 50-fold each way) -- a
    direction too flat to estimate though R's condition number stays below COND_MAX (ka
    from samples taken after absorption ended: SE 141 on the log scale, while the sandwich,
    whose S is as flat there, said RSE 75 %)."""
    from kinetor.numerics.diagnostics import RSE_MAX

    k = len(des.model.params)
    se = np.sqrt(np.maximum(np.diag(2.0 * np.linalg.inv(R))[:k], 0.0))
    bad = [
        f"log {p} (SE {v:.3g})"
        for p, v in zip(des.model.params, se, strict=True)
        if not v <= RSE_MAX / 100
    ]
    if bad:
        raise np.linalg.LinAlgError(
            f"the data do not determine {', '.join(bad)}: the SE of a log typical value from "
            f"2 R^-1 is above {RSE_MAX / 100:g} (a 95 % CI wider than 50-fold each way); fix "
            "it, or sample where it acts (e.g. during absorption for ka)"
        )


def _sandwich(R: np.ndarray, S: np.ndarray, J: np.ndarray, method: str) -> np.ndarray:
    Rinv = np.linalg.inv(R)
    cx = 2.0 * Rinv if method == "hessian" else Rinv @ S @ Rinv
    return J @ cx @ J.T
