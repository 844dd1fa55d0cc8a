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
from numbers import Integral

import numpy as np
import pandas as pd
from scipy import optimize

from kinetor.data._checks import require_study
from kinetor.errors import DataError, ModelError
from kinetor.popfit._boundary import omega_rank_text, theta_collapse_text, zero_variance_dofv
from kinetor.popfit._covariates import text_in_numbers
from kinetor.popfit._data import PopData, build_data
from kinetor.popfit._design import covariate_design, start_vector
from kinetor.popfit._engine import Design
from kinetor.popfit._iov import IOVDesign, occasion_slots
from kinetor.popfit._notes import fit_notes
from kinetor.popfit._objective import _covariance, _Objective, _sandwich
from kinetor.popfit._zeros import zero_variance_rows
from kinetor.popfit.model import PopModel

__all__ = ["PopFitResult", "popfit"]


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
        ``parameter, variance, se, rse_pct, cv_pct, shrinkage_pct, ci_low, ci_high,
        dofv_zero`` (+ covariances). ``dofv_zero``: the OFV rise when that variance is set to
        ~0 with every other estimate held (an upper bound on the likelihood-ratio statistic
        for dropping the eta).
    sigma : DataFrame
        Residual error SDs with ``unit`` (``add_sd`` in the concentration unit, ``prop_sd``
        unitless: ""), SE and RSE% (``dofv_zero`` for each component of a combined
        error model).
    ofv : float
        :math:`-2\\log L` without :math:`N\\log 2\\pi` (NONMEM/nlmixr2 ``OBJF``).
    loglik, aic, bic : float
        Full log-likelihood (with the constant) and AIC/BIC from it (BIC uses the number
        of observations).
    ebe : DataFrame
        Per subject: ``eta_*`` and individual parameters. With inter-occasion variability,
        per occasion (subject as read): ``subject, individual, occasion, eta_*, kappa_*``
        and the parameters of that occasion.
    table : DataFrame
        Per observation: ``subject, time, dv, blq, pred, ipred, res, iwres, cwres, npde``.
    cov_method : str
    converged : bool
    reason : str
        Why (not) converged; names any variance at its boundary (``dofv_zero`` < 0.01: the
        estimate cannot be told from 0, as NONMEM's "near its boundary").
    boundary : list of str
        The variances at their boundary (``omega_<p>``, ``add_sd``, ``prop_sd``).
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
    boundary: list[str] = field(default_factory=list)
    r_matrix_: np.ndarray | None = field(default=None, repr=False)
    s_matrix_: np.ndarray | None = field(default=None, repr=False)
    jac_: np.ndarray | None = field(default=None, repr=False)
    n_occasions: int = 0
    eta_: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # a NaN estimate is never converged, whatever the optimiser reported
        est = (self.theta["estimate"], self.omega_table["variance"], self.sigma["estimate"])
        if self.converged and not all(np.isfinite(np.asarray(e, float)).all() for e in est):
            self.converged = False
            self.reason = f"not converged: an estimate is not a finite number ({self.reason})"

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
        typ = des.occasion_log(mu, beta)
        ind = des.occasion_log(mu, beta, self.eta_)
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
                d.ev_until,
            )

        return t, at(ind), at(typ)

    def summary(self) -> pd.DataFrame:
        """One table of every estimate: THETA, OMEGA (variances) and SIGMA, with its
        ``unit`` (typical values in the study's units; omegas, covariate effects and a
        proportional SD unitless: ""; an additive SD in the concentration unit), the Wald
        interval at ``ci_level`` and the OFV rise when a variance is set to ~0
        (``dofv_zero``; NaN for the rest)."""
        th = self.theta.assign(block="THETA", dofv_zero=np.nan)
        om = self.omega_table.rename(columns={"variance": "estimate"}).assign(block="OMEGA")
        om = om.assign(unit="")  # variances of log-scale etas: unitless
        sg = self.sigma if "unit" in self.sigma else self.sigma.assign(unit="")
        sg = sg.assign(block="SIGMA")
        cols = ["block", "parameter", "estimate", "unit", "se", "rse_pct", "ci_low", "ci_high"]
        cols.append("dofv_zero")
        return pd.concat([th[cols], om[cols], sg[cols]], ignore_index=True)

    def __str__(self) -> str:
        head = (
            f"popfit FOCE-I {self.model.structure} ({self.model.error} error): "
            f"{self.n_subjects} subjects"
            + (f" ({self.n_occasions} occasions)" if self.n_occasions else "")
            + f", {self.n_obs} observations\n"
            f"OFV {self.ofv:.4f} (-2LL without N log 2pi), AIC {self.aic:.3f}, "
            f"BIC {self.bic:.3f}; converged={self.converged} ({self.reason})\n"
            f"covariance: {self.cov_method}\n"
        )
        return head + self.summary().to_string(index=False)


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
    iov=(),
    individual: str | None = None,
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
    iov : sequence of str
        Parameters with inter-occasion variability (see ``PopModel``; used when ``model``
        is a string). The variances are ``iov_<p>`` in ``omega_table`` (initial values
        ``init={"iov_cl": ...}``, default 0.05).
    individual : str, optional
        The column (of the subjects or the concentration table) that names each
        occasion's individual; default ``nonmem_id``, written by
        ``read_study(..., occasions=True)``.

    Returns
    -------
    PopFitResult
    """
    t0 = _time.perf_counter()
    require_study(study, "popfit")
    if npde and (isinstance(n_npde, bool) or not isinstance(n_npde, Integral) or n_npde < 1):
        raise ModelError(
            f"n_npde={n_npde!r}: the NPDE need a whole number >= 1 of simulations of the "
            "design (default 500), or npde=False"
        )
    if not isinstance(model, PopModel):
        model = PopModel(
            model,
            eta=eta,
            omega=omega,
            covariates=list(covariates),
            error=error,
            iov=tuple(iov or ()),
        )
    # text in a column of numbers (cl~age with one Age 'old') would make each age a level
    cov_problems, cov_notes = text_in_numbers(study, model.covariates)
    if cov_problems:
        raise DataError(cov_problems)
    if not 0.0 < ci_level < 1.0:
        raise ModelError(f"ci_level={ci_level!r}: use a level between 0 and 1, e.g. 0.95")
    if isinstance(seed, Integral) and not isinstance(seed, bool) and seed < 0:
        raise ModelError(f"seed={seed}: a seed is a whole number >= 0 (or a numpy Generator)")
    if cov_method not in ("sandwich", "hessian", "none"):
        raise ModelError(f"cov_method={cov_method!r}: use sandwich, hessian or none")
    data = build_data(study, analyte, model.covariate_columns(), blq=blq)
    data = zero_variance_rows(model, data, study.files.get("conc", study.source))
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
    if individual and not model.iov:
        raise ModelError(
            f"individual={individual!r} groups occasions for inter-occasion variability: "
            "give the parameters with iov=[...] (--iov), or leave individual out"
        )
    if model.iov:
        individuals, slot = occasion_slots(study, data, individual)
        des: Design = IOVDesign(model, data, offsets, Z, bnames, individuals, slot)
    else:
        des = Design(model, data, offsets, Z, bnames)
    x0 = start_vector(model, data, des, binit, init)
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
    inner_ok = np.broadcast_to(np.asarray(inner_ok, bool), (des.data.n_subjects,))
    ofv = float(terms.sum())
    grad_ok = bool(np.max(np.abs(res.jac)) < 0.05) if res.jac is not None else False
    finite_x = bool(np.isfinite(x).all())
    converged = bool(finite_x and np.isfinite(ofv) and (res.success or grad_ok) and inner_ok.all())
    reason = (
        (
            "converged"
            if res.success
            else "converged: BFGS stopped on precision loss "
            f"with the largest gradient element {np.max(np.abs(res.jac)):.2g} < 0.05"
        )
        if converged
        else "an estimate is not a finite number"
        if not finite_x
        else (
            "the objective function is not finite at the estimate"
            + (
                " (most likely a sample > 0 before the lag time: its prediction is 0, "
                "which a proportional error model cannot produce; give a smaller initial "
                "tlag)"
                if model.lag and model.error == "proportional"
                else ""
            )
            if not np.isfinite(ofv)
            else f"outer: {res.message}"
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
    dofv = zero_variance_dofv(obj, des, x, ofv) if np.isfinite(ofv) else {}
    reason += omega_rank_text(des, x) + theta_collapse_text(des, x, x0)
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
        dofv=dofv,
    )
    out.r_matrix_, out.s_matrix_, out.jac_ = rmat, smat, jmat
    out.elapsed_s = _time.perf_counter() - t0
    typical = dict(zip(model.params, np.exp(des.unpack(x)[0]), strict=True))
    out.notes = [*data.notes, *cov_notes, *fit_notes(model, typical, out.n_subjects)]
    return out
