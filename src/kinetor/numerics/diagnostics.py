r"""Convergence diagnostics that can fail: a fit is ``converged`` only if every check passes.

=======================  ==========================================================  =========
check                    fails when                                                  threshold
=======================  ==========================================================  =========
optimiser                the trust-region solver stopped on its evaluation limit
                         for a group failing the gradient test, or the
                         error-model iteration did not settle                        --
gradient                 :math:`\max_j |\cos(r, J_j)|` at the optimum (the cosine
                         between the residual vector and a Jacobian column, 0 at
                         an interior least-squares optimum) exceeds                  ``GRAD_TOL`` = 1e-3
bound                    an estimate (estimation scale) is within ``BOUND_TOL`` of
                         a bound (a declared one or start x/÷ 1e6)                   ``BOUND_TOL`` = 1e-6
standard errors          an SE is not finite (singular information: a parameter
                         not identified) or is 0                                     --
relative SE              RSE of a log-scale parameter above ``RSE_MAX`` (SE of
                         :math:`\ln\theta` above 2: the 95 % CI spans > 50-fold)      ``RSE_MAX`` = 200 %
conditioning             condition number of the correlation matrix of the
                         estimates above ``COND_MAX``                                ``COND_MAX`` = 1e6
residual collapse        no degrees of freedom left (n <= p), or the RMS residual
                         is below ``COLLAPSE_REL`` x the RMS observation; for a
                         combined error, one component below ``COLLAPSE_REL``
                         of the variance at the median prediction                    ``COLLAPSE_REL`` = 1e-6
residual explosion       proportional/log SD above ``CV_MAX``, or the model fits
                         worse than the mean of the data (:math:`R^2 < 0`; a WLS
                         fit with its own weights, :math:`R^2_w = 1 - \sum w r^2 /
                         \sum w (y - \bar y_w)^2`)                                   ``CV_MAX`` = 2 (200 %)
=======================  ==========================================================  =========

Examples
--------
>>> import numpy as np
>>> r = check_residuals(np.array([1e-9]), np.array([1.0]), np.array([0.9]),
...                     np.array([5]), 2, {}, "additive")
>>> r[0]
['residual error collapsed (RMS residual 1e-09 x the RMS observation): a perfect fit is not a statistical estimate']
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "BOUND_TOL",
    "COLLAPSE_REL",
    "COND_MAX",
    "CV_MAX",
    "GRAD_TOL",
    "RSE_MAX",
    "check_parameters",
    "check_residuals",
    "correlation_condition",
]

GRAD_TOL = 1e-3
BOUND_TOL = 1e-6
RSE_MAX = 200.0
COND_MAX = 1e6
COLLAPSE_REL = 1e-6
CV_MAX = 2.0


def correlation_condition(cov: np.ndarray) -> np.ndarray:
    """Condition number of the correlation matrix of each (k, k) covariance in ``cov``."""
    n_g, k = cov.shape[0], cov.shape[-1]
    out = np.full(n_g, np.nan)
    if k == 0:
        return np.ones(n_g)
    d = np.sqrt(np.abs(np.diagonal(cov, axis1=1, axis2=2)))
    ok = np.all(np.isfinite(cov), axis=(1, 2)) & np.all(d > 0, axis=1)
    if ok.any():
        corr = cov[ok] / (d[ok, :, None] * d[ok, None, :])
        out[ok] = np.linalg.cond(corr)
    return out


def check_parameters(
    names, grad_cos, at_lower, at_upper, se, rse, log_scale, cond, free_fixed_flags=None
) -> list[list[str]]:
    """Reasons per group from the parameter-level checks (arrays are (n_groups, k))."""
    n_g = grad_cos.shape[0]
    out: list[list[str]] = [[] for _ in range(n_g)]
    for g in range(n_g):
        reasons = out[g]
        hit = [n for j, n in enumerate(names) if at_lower[g, j] or at_upper[g, j]]
        for j, n in enumerate(names):
            if at_lower[g, j] or at_upper[g, j]:
                side = "lower" if at_lower[g, j] else "upper"
                reasons.append(f"{n} at its {side} bound")
        inner = [j for j, n in enumerate(names) if n not in hit]
        if (inner and np.nanmax(np.abs(grad_cos[g, inner]), initial=0.0) > GRAD_TOL) or np.any(
            ~np.isfinite(grad_cos[g, inner])
        ):
            cos = np.nan_to_num(np.abs(grad_cos[g, inner]), nan=np.inf)
            worst = names[inner[int(np.argmax(cos))]]
            reasons.append(
                f"gradient not zero at the optimum (|cos| {cos.max():.2g} > "
                f"{GRAD_TOL:g}, worst {worst})"
            )
        bad_se = [n for j, n in enumerate(names) if not np.isfinite(se[g, j])]
        zero_se = [n for j, n in enumerate(names) if np.isfinite(se[g, j]) and se[g, j] == 0]
        if bad_se:
            reasons.append(
                f"standard error not finite for {', '.join(bad_se)} "
                "(parameter not identified by these data)"
            )
        if zero_se:
            reasons.append(f"standard error 0 for {', '.join(zero_se)}")
        big = [
            f"{n} ({rse[g, j]:.3g} %)"
            for j, n in enumerate(names)
            if log_scale[j] and np.isfinite(rse[g, j]) and rse[g, j] > RSE_MAX
        ]
        if big:
            reasons.append(f"relative SE above {RSE_MAX:g} %: {', '.join(big)}")
        if not bad_se and np.isfinite(cond[g]) and cond[g] > COND_MAX:
            reasons.append(
                f"ill-conditioned estimates (correlation condition number "
                f"{cond[g]:.2g} > {COND_MAX:g})"
            )
    return out


def check_residuals(
    rms_res, rms_obs, r2, n_q, k: int, sig: dict, error: str, median_pred=None
) -> list[list[str]]:
    """Reasons per group from the residual-error checks (arrays are (n_groups,))."""
    n_g = np.asarray(rms_res).size
    out: list[list[str]] = [[] for _ in range(n_g)]
    for g in range(n_g):
        reasons = out[g]
        if n_q[g] <= k:
            reasons.append(
                f"residual error collapsed: {int(n_q[g])} observations for {k} "
                "parameters leave no degrees of freedom"
            )
        elif rms_res[g] < COLLAPSE_REL * rms_obs[g]:
            reasons.append(
                f"residual error collapsed (RMS residual {rms_res[g] / rms_obs[g]:.2g}"
                " x the RMS observation): a perfect fit is not a statistical "
                "estimate"
            )
        cv = sig.get("sigma_prop", sig.get("sigma_log"))
        if cv is not None and np.isfinite(cv[g]) and cv[g] > CV_MAX:
            name = "sigma_prop" if "sigma_prop" in sig else "sigma_log"
            reasons.append(f"residual error exploded ({name} {cv[g]:.3g} > {CV_MAX:g})")
        elif np.isfinite(r2[g]) and r2[g] < 0:
            reasons.append(f"the model fits worse than the mean of the data (R2 {r2[g]:.3g})")
        if error == "combined" and median_pred is not None:
            va = sig["sigma_add"][g] ** 2
            vb = (sig["sigma_prop"][g] * median_pred[g]) ** 2
            tot = va + vb
            for name, part in (("sigma_add", va), ("sigma_prop", vb)):
                if tot > 0 and part < COLLAPSE_REL * tot:
                    reasons.append(
                        f"combined error: the {name} component vanished; refit "
                        f"with the simpler error model"
                    )
    return out
