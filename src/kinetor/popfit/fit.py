"""``popfit(study, model, ...)``: FOCE-I population fit of a closed-form PK model.

The outer problem (typical values on the log scale, covariate effects, the Cholesky factor
of :math:`\\Omega`, log residual SDs) is minimised by BFGS with central finite-difference
gradients; every objective evaluation re-estimates all EBEs at once, and the 2n perturbed
vectors of a gradient (or all points of the covariance step's Hessian) are solved together
in one batch (``_engine.ofv_terms_many``). The covariance step differentiates the OFV in
that (unconstrained) space, :math:`R = \\nabla^2 OFV`,
:math:`S = \\sum_i \\nabla OFV_i \\nabla OFV_i^T`, and maps the sandwich
:math:`R^{-1} S R^{-1}` (``cov_method="sandwich"``, NONMEM's default and nlmixr2's
``r,s``) or :math:`2R^{-1}` (``"hessian"``) onto the reported parameters (log typical
values, covariate effects, :math:`\\omega^2` elements, residual SDs) by the delta method.

Examples
--------
>>> import numpy as np, pandas as pd
>>> from kinetor.data import Study
>>> rng = np.random.default_rng(1)
>>> t = np.array([0.5, 1, 2, 4, 8, 12.0])
>>> ids = np.repeat(np.arange(8).astype(str), t.size)
>>> cl = np.repeat(2.0 * np.exp(rng.normal(0, 0.3, 8)), t.size)
>>> tt = np.tile(t, 8)
>>> conc = 100 / 20 * np.exp(-cl / 20 * tt) * np.exp(rng.normal(0, 0.05, tt.size))
>>> st = Study(pd.DataFrame({"subject": ids, "time": tt, "conc": conc}),
...            pd.DataFrame({"subject": np.arange(8).astype(str), "time": 0.0, "dose": 100.0,
...                          "route": "iv_bolus"}),
...            units={"time": "h", "conc": "mg/L", "dose": "mg"})
>>> fit = popfit(st, "1cmt-iv", eta=["cl"], error="proportional", npde=False)
>>> fit.converged, round(fit.theta.set_index("parameter").loc["v", "estimate"])
(True, 20)
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize

from kinetor.errors import ModelError
from kinetor.popfit._data import PopData, build_data
from kinetor.popfit._design import covariate_design, initial_estimates
from kinetor.popfit._engine import Design, _f_and_jac, ofv_terms, ofv_terms_many
from kinetor.popfit.model import PopModel

__all__ = ["PopFitResult", "popfit"]

_LOG2PI = np.log(2.0 * np.pi)


@dataclass
class PopFitResult:
    """A population fit.

    Attributes
    ----------
    theta : DataFrame
        Fixed effects: ``parameter, estimate, unit, se, rse_pct, ci_low, ci_high``
        (typical values back-transformed; SEs by the delta method, CIs from the log scale;
        covariate effects on their own scale).
    omega : DataFrame
        The :math:`\\Omega` matrix (rows/columns named by parameter).
    omega_table : DataFrame
        ``parameter, variance, se, rse_pct, cv_pct, shrinkage_pct`` (+ covariances).
    sigma : DataFrame
        Residual error SDs with SE and RSE%.
    ofv : float
        :math:`-2\\log L` without :math:`N\\log 2\\pi` (NONMEM/nlmixr2 ``OBJF``).
    loglik, aic, bic : float
        Full log-likelihood (with the constant) and AIC/BIC from it (BIC uses the number
        of observations).
    ebe : DataFrame
        Per subject: ``eta_*`` and individual parameters.
    table : DataFrame
        Per observation: ``subject, time, dv, blq, pred, ipred, res, iwres, cwres, npde``.
    cov_method : str
    converged : bool
    reason : str
    """

    model: PopModel
    theta: pd.DataFrame
    omega: pd.DataFrame
    omega_table: pd.DataFrame
    sigma: pd.DataFrame
    ofv: float
    loglik: float
    aic: float
    bic: float
    n_obs: int
    n_subjects: int
    n_params: int
    ebe: pd.DataFrame
    table: pd.DataFrame
    cov_method: str
    cov_: np.ndarray | None
    converged: bool
    reason: str
    x_: np.ndarray
    units: dict[str, str]
    data: PopData = field(repr=False)
    design: Design = field(repr=False)
    covariate_info: dict[str, str] = field(default_factory=dict)
    elapsed_s: float = 0.0
    notes: list[str] = field(default_factory=list)
    ci_level: float = 0.95
    r_matrix_: np.ndarray | None = field(default=None, repr=False)
    s_matrix_: np.ndarray | None = field(default=None, repr=False)
    jac_: np.ndarray | None = field(default=None, repr=False)

    def covariance(self, method: str = "sandwich") -> np.ndarray | None:
        """Covariance of the reported parameters (log typical values, covariate effects,
        :math:`\\omega^2` elements, residual SDs) by ``sandwich`` (:math:`R^{-1}SR^{-1}`)
        or ``hessian`` (:math:`2R^{-1}`), from the stored R and S matrices of the
        estimation space and the Jacobian ``jac_`` onto the reported parameters (None
        when the covariance step was skipped or failed)."""
        if self.r_matrix_ is None:
            return None
        return _sandwich(self.r_matrix_, self.s_matrix_, self.jac_, method)

    def curves(self, n: int = 120) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Smooth IPRED and PRED: ``times (S, n)`` from 0 to each subject's last sample."""
        from kinetor.popfit._engine import predict

        d, des = self.data, self.design
        mu, beta, _, _ = des.unpack(self.x_)
        typ = des.typical_log(mu, beta)
        ind = typ.copy()
        ind[:, des.eta_idx] += self.ebe[[f"eta_{p}" for p in self.model.eta]].to_numpy()
        last = np.where(d.obs, d.t, 0.0).max(axis=1)
        t = last[:, None] * np.linspace(0.0, 1.0, n)[None, :]

        def at(logp):
            return predict(
                self.model.n_cmt,
                logp,
                self.model.params,
                t,
                d.ev_t,
                d.ev_amt,
                d.ev_kind,
                d.conc_factor,
                self.model.oral,
            )

        return t, at(ind), at(typ)

    def summary(self) -> pd.DataFrame:
        """One table of every estimate: THETA, OMEGA (variances) and SIGMA."""
        th = self.theta.assign(block="THETA")
        om = self.omega_table.rename(columns={"variance": "estimate"}).assign(block="OMEGA")
        sg = self.sigma.assign(block="SIGMA")
        cols = ["block", "parameter", "estimate", "se", "rse_pct"]
        return pd.concat([th[cols], om[cols], sg[cols]], ignore_index=True)

    def __str__(self) -> str:
        head = (
            f"popfit FOCE-I {self.model.structure} ({self.model.error} error): "
            f"{self.n_subjects} subjects, {self.n_obs} observations\n"
            f"OFV {self.ofv:.4f} (-2LL without N log 2pi), AIC {self.aic:.3f}, "
            f"BIC {self.bic:.3f}; converged={self.converged} ({self.reason})\n"
            f"covariance: {self.cov_method}\n"
        )
        return head + self.summary().to_string(index=False)


def _natural(des: Design, x: np.ndarray) -> np.ndarray:
    mu, beta, omega, sig = des.unpack(x)
    om = omega[np.tril_indices(des.q)] if des.block else np.diag(omega)
    return np.concatenate([mu, beta, om, sig])


class _Objective:
    """OFV(x) with warm-started EBEs and central-difference gradients."""

    def __init__(self, des: Design):
        self.des = des
        self.eta = np.zeros((des.data.n_subjects, des.q))
        self.n_eval = 0

    def terms(self, x: np.ndarray, keep: bool = False):
        self.n_eval += 1
        try:
            terms, eta, ok = ofv_terms(self.des, x, self.eta)
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
        v = float(self.terms(x)[0].sum())
        return v if np.isfinite(v) else 1e12

    def value_grad(self, x: np.ndarray, h: float = 1e-3):
        """OFV and its central-difference gradient; the 2n perturbed vectors are solved
        in one vectorised EBE search warm-started at the EBEs of ``x``."""
        terms, _, _ = self.terms(x, keep=True)
        f0 = float(terms.sum())
        if not np.isfinite(f0):
            return 1e12, np.zeros_like(x)
        n = x.size
        E = h * np.eye(n)
        tot = self.many(np.vstack([x + E, x - E])).sum(1)
        tot = np.where(np.isfinite(tot), tot, 1e12)
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
    J = _jacobian_natural(des, x)
    cov = _sandwich(R, S, J, method)
    if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) <= 0):
        raise np.linalg.LinAlgError("covariance matrix has non-positive variances")
    return cov, R, S, J


def _sandwich(R: np.ndarray, S: np.ndarray, J: np.ndarray, method: str) -> np.ndarray:
    Rinv = np.linalg.inv(R)
    cx = 2.0 * Rinv if method == "hessian" else Rinv @ S @ Rinv
    return J @ cx @ J.T


def popfit(
    study,
    model: str | PopModel = "1cmt-oral",
    *,
    eta=None,
    omega: str = "diagonal",
    covariates=(),
    error: str = "additive",
    init: dict[str, float] | None = None,
    analyte: str | None = None,
    blq: str = "m3",
    weight_ref: float | None = None,
    cov_method: str = "sandwich",
    npde: bool = True,
    n_npde: int = 500,
    max_iter: int = 300,
    seed=0,
    ci_level: float = 0.95,
) -> PopFitResult:
    """Fit a population PK model by FOCE with interaction.

    Parameters
    ----------
    study : Study
    model : str or PopModel
        Structure (``1cmt-oral``, ``2cmt-iv``, ``1cmt-oral-lag``...) or a ``PopModel``.
    eta, omega, covariates, error
        See ``PopModel`` (used when ``model`` is a string).
    init : dict, optional
        Initial typical values (``cl``, ``v``, ``ka``...; ``omega_cl`` variances;
        ``add_sd``/``prop_sd``). Defaults come from per-subject AUC and terminal slopes.
    blq : {"m3", "drop"}
        Censored (Beal M3) likelihood for BLQ samples, or leave them out.
    cov_method : {"sandwich", "hessian", "none"}
        :math:`R^{-1}SR^{-1}` (default), :math:`2R^{-1}`, or skip the covariance step.
    npde : bool
        Compute NPDE (``n_npde`` simulations of the design, ``seed``).
    ci_level : float
        Level of the Wald confidence intervals (typical values and variances on the log
        scale, covariate effects and covariances symmetric).

    Returns
    -------
    PopFitResult
    """
    t0 = _time.perf_counter()
    if not isinstance(model, PopModel):
        model = PopModel(model, eta=eta, omega=omega, covariates=list(covariates), error=error)
    if not 0.0 < ci_level < 1.0:
        raise ModelError(f"ci_level={ci_level!r}: use a level between 0 and 1, e.g. 0.95")
    if cov_method not in ("sandwich", "hessian", "none"):
        raise ModelError(f"cov_method={cov_method!r}: use sandwich, hessian or none")
    data = build_data(study, analyte, model.covariate_columns(), blq=blq)
    if model.oral and not data.has_depot:
        raise ModelError(
            f"model {model.structure} needs extravascular doses; the data has "
            "IV doses only: use a '-iv' model"
        )
    if not model.oral and data.has_depot:
        raise ModelError(
            f"model {model.structure} has no absorption but the data has "
            "extravascular doses: use an '-oral' model"
        )
    if not model.eta:
        raise ModelError("a population model needs at least one eta")
    offsets, Z, bnames, binit, info = covariate_design(model, data, weight_ref)
    des = Design(model, data, offsets, Z, bnames)
    start = initial_estimates(model, data)
    init = {k.lower(): float(v) for k, v in (init or {}).items()}
    unknown = (
        set(init) - set(model.params) - set(model.sigma_names) - {f"omega_{p}" for p in model.eta}
    )
    if unknown:
        raise ModelError(f"init has unknown names {sorted(unknown)}")
    start.update({k: v for k, v in init.items() if k in model.params})
    mu0 = np.log([start[p] for p in model.params])
    om0 = np.diag([init.get(f"omega_{p}", 0.1) for p in model.eta])
    ydv = data.dv[data.obs & ~data.blq]
    sig0 = {
        "add_sd": init.get("add_sd", 0.1 * float(np.median(np.abs(ydv))) + 1e-6),
        "prop_sd": init.get("prop_sd", 0.2),
    }
    sig0 = np.array([sig0[n] for n in model.sigma_names])
    x0 = des.pack(mu0, binit, om0, sig0)
    obj = _Objective(des)
    res = optimize.minimize(
        obj.value_grad, x0, jac=True, method="BFGS", options={"maxiter": max_iter, "gtol": 1e-3}
    )
    for _ in range(3):  # BFGS stops on a stale Hessian approximation: restart it
        if res.success or np.max(np.abs(res.jac)) < 0.05:
            break
        res = optimize.minimize(
            obj.value_grad,
            res.x,
            jac=True,
            method="BFGS",
            options={"maxiter": max_iter, "gtol": 1e-3},
        )
    x = res.x
    terms, eta, inner_ok = obj.terms(x, keep=True)
    ofv = float(terms.sum())
    grad_ok = bool(np.max(np.abs(res.jac)) < 0.05) if res.jac is not None else False
    converged = bool(np.isfinite(ofv) and (res.success or grad_ok) and inner_ok.all())
    reason = (
        (
            "converged"
            if res.success
            else "converged: BFGS stopped on precision loss "
            f"with the largest gradient element {np.max(np.abs(res.jac)):.2g} < 0.05"
        )
        if converged
        else (
            f"outer: {res.message}"
            if not (res.success or grad_ok)
            else f"EBE search did not converge for {int((~inner_ok).sum())} subject(s)"
        )
    )
    cov = rmat = smat = jmat = None
    cov_text = "not computed"
    if cov_method != "none" and np.isfinite(ofv):
        try:
            cov, rmat, smat, jmat = _covariance(obj, x, cov_method)
            cov_text = (
                "sandwich R^-1 S R^-1 (R = Hessian of OFV, S = sum of per-subject "
                "OFV gradient outer products)"
                if cov_method == "sandwich"
                else "2 R^-1 (R = Hessian of OFV)"
            )
        except np.linalg.LinAlgError as exc:
            cov_text = f"failed: {exc}"
            if converged:
                reason += "; covariance step failed"
    obj.eta = eta
    from kinetor.popfit._report import assemble

    out = assemble(
        model,
        des,
        x,
        eta,
        ofv,
        cov,
        cov_text,
        converged,
        reason,
        info,
        npde=npde,
        n_npde=n_npde,
        seed=seed,
        ci_level=ci_level,
    )
    out.r_matrix_, out.s_matrix_, out.jac_ = rmat, smat, jmat
    out.elapsed_s = _time.perf_counter() - t0
    out.notes = list(data.notes)
    return out


def individual_predictions(des: Design, x: np.ndarray, eta: np.ndarray):
    """IPRED (S, T) and its eta-Jacobian at the EBEs."""
    mu, beta, _, _ = des.unpack(x)
    return _f_and_jac(des, des.typical_log(mu, beta), eta)


def n_log2pi(n_obs: int) -> float:
    return n_obs * _LOG2PI
