r"""Uncertainty, fit statistics, diagnostics and tables of a fitted :class:`Fitter`.

Covariance of the estimates on the estimation scale (log for positive parameters), per
group, from the Jacobian :math:`J` of the final least-squares residuals:
:math:`c\,(J^T J)^{-1}` with :math:`c = \mathrm{SSR}/(n - p)` for WLS (the residual
variance) and :math:`c = n/(n - p)` for ML (residuals already divided by their ML SD; the
factor is the usual small-sample correction), n the quantified observations. SEs of
log-scale parameters by the delta method (:math:`SE = \hat\theta\,SE_{\ln\theta}`);
confidence intervals use Student's t with n - p degrees of freedom, built on the
estimation scale and transformed back (asymmetric for log-scale parameters). AIC
:math:`= -2\ell + 2k`, BIC :math:`= -2\ell + k \ln n`, k counting the error parameters
(WLS: :math:`\sigma`), n the observations used (censored ones included under M3).
An estimate at a bound has a NaN CI; WLS ``wres`` divide by the reported sigma (n - p);
a prediction not finite at the estimate makes the group's SEs, CIs and likelihood NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.errors import ModelError
from kinetor.numerics import diagnostics as dg
from kinetor.numerics import errmodels as em

__all__ = ["Results"]

_COND_JTJ = 1e14  # J'J at least this ill-conditioned is not inverted (no covariance)
_SUMMARY_COLUMNS = (
    "group parameter estimate se rse_pct ci_lower ci_upper unit fixed converged reason".split()
)
_NULL_LOAD = 0.3  # a parameter this long in its null space is named as not identified


def _jac_blocks(jac, gidx: np.ndarray, k: int) -> np.ndarray:
    """Each observation's k Jacobian entries (its own group's block), without densifying."""
    n = gidx.size
    cols = gidx[:, None] * k + np.arange(k)[None, :]
    rows = np.broadcast_to(np.arange(n)[:, None], cols.shape)
    if hasattr(jac, "tocsr"):
        return np.asarray(jac.tocsr()[rows.ravel(), cols.ravel()]).reshape(n, k)
    return np.asarray(jac)[rows, cols]


class Results:
    """Mixin of :class:`kinetor.numerics.fitter.Fitter`: everything after the optimiser."""

    def _finish(self, run: dict, lo: np.ndarray, hi: np.ndarray) -> None:
        from scipy import stats

        x, sol, sig = run["x"], run["sol"], run["sig"]
        n_g, k = x.shape
        gidx, cens, y, e = self._gidx, self._cens, self._y, self._error
        f = self._trial(x.ravel())
        bad = self._trial_bad.copy()  # non-finite predictions at the estimate (penalised)
        r = self._residuals(f, run["sdv"])
        used = ~cens if (self.method == "wls" or self.blq == "drop") else np.ones_like(cens)

        def count(w):
            return np.bincount(gidx, weights=np.asarray(w, float), minlength=n_g)

        n_obs, n_q, n_used = count(np.ones(y.size)), count(~cens), count(used)
        bad_g = count(bad) > 0  # such a group has no estimate to report (NaN SEs, loglik)
        df = n_q - k
        ssr = count(np.where(cens, 0.0, r) ** 2)
        c = (
            ssr / np.where(df > 0, df, np.nan)
            if self.method == "wls"
            else n_q / np.where(df > 0, df, np.nan)
        )
        ex = run.get("exact")
        cov, grad_cos, singular = self._gauss_newton(run, r, c, count)
        if ex is not None:  # groups at their exact ML optimum (numerics._exact_ml): Hessian
            cov = np.where(ex["mask"][:, None, None], ex["cov"], cov)
            grad_cos = np.where(ex["mask"][:, None], ex["grad_cos"], grad_cos)
        cov = np.where(bad_g[:, None, None], np.nan, cov)
        tol = dg.BOUND_TOL * np.maximum(1.0, np.abs(x))
        at_lo = np.isfinite(lo) & (x - lo <= tol)
        at_hi = np.isfinite(hi) & (hi - x <= tol)
        theta = self._to_theta(x)
        var = np.diagonal(cov, axis1=1, axis2=2)
        se_phi = np.sqrt(np.where(var >= 0, var, np.nan))
        se = np.where(self._log, theta * se_phi, se_phi)
        rse = 100.0 * se / np.where(theta != 0, np.abs(theta), np.nan)
        q = stats.t.ppf(0.5 + self.ci_level / 2, np.where(df > 0, df, np.nan))[:, None]
        # a huge SE (flagged below) must not overflow exp(): log-scale limits are clipped
        # to the float range of exp(), signed (natural-scale) limits are left as they are
        ends = x - q * se_phi, x + q * se_phi
        # an estimate at a bound has no Wald CI (it would cross the bound): NaN, SE kept
        ci_lo, ci_hi = (
            np.where(
                at_lo | at_hi,
                np.nan,
                self._to_theta(np.where(self._log, np.clip(e, -745.0, 709.0), e)),
            )
            for e in ends
        )
        # error parameters and likelihood
        m3 = self.method == "ml" and self.blq == "m3"
        if self.method == "wls":
            s = np.sqrt(c)
            err = {"sigma": s}
            err_se = {"sigma": s / np.sqrt(2.0 * np.where(df > 0, df, np.nan))}
            w = self._weights(f)
            lw = count(np.where(used & (w > 0), np.log(np.where(w > 0, w, 1.0)), 0.0))
            m2ll = n_used * np.log(2 * np.pi * np.maximum(ssr / n_used, 1e-300)) + n_used - lw
            # Pearson residuals with the reported sigma (SSR_w/(n-p)), as R's nls
            sd_ml = s[gidx] / np.sqrt(np.maximum(w, 1e-300))
            sigma = s
        else:
            err = sig
            err_se = em.error_param_se(y, f, self._lq, cens, gidx, n_g, e, sig, m3)
            if ex is not None:  # the exact ML groups: from the full Hessian
                err_se = {q: np.where(ex["mask"], ex["err_se"][q], v) for q, v in err_se.items()}
            m2ll = em.group_m2ll(y, f, self._lq, cens, gidx, n_g, e, sig, m3)
            sd_ml = em.sd(f, {q_: v[gidx] for q_, v in sig.items()}, e)
            sigma = sig[em.ERROR_MODELS[e][0]] if e != "combined" else np.full(n_g, np.nan)
        n_err = len(err)
        m2ll, sigma = np.where(bad_g, np.nan, m2ll), np.where(bad_g, np.nan, sigma)
        err, err_se = ({q: np.where(bad_g, np.nan, v) for q, v in d.items()} for d in (err, err_se))
        # residual checks on the natural scale
        yq = np.where(cens, 0.0, y)
        res_nat = np.where(cens, 0.0, y - f)
        ss_res = count(res_nat**2)
        # R2 with the fit's own weights (WLS; 1 otherwise): R2_w = 1 - sum w r^2 /
        # sum w (y - ybar_w)^2, so a 1/y2 fit is judged on the criterion it minimises
        wq = np.where(cens, 0.0, self._weights(f) if self.method == "wls" else 1.0)
        mean_w = count(wq * yq) / np.maximum(count(wq), 1e-300)
        ss_tot = count(wq * np.where(cens, 0.0, y - mean_w[gidx]) ** 2)
        ss_res_w = count(wq * res_nat**2)
        # flat data (ss_tot = 0) that the model does not reproduce: R2 = -inf
        r2 = np.where(
            ss_tot > 0,
            1.0 - ss_res_w / np.where(ss_tot > 0, ss_tot, 1.0),
            np.where(ss_res_w > 0, -np.inf, np.nan),
        )
        med = np.array(
            [np.median(np.abs(f[(gidx == g) & ~cens])) if n_q[g] else np.nan for g in range(n_g)]
        )
        cond = dg.correlation_condition(cov)
        reasons = dg.check_parameters(self.free_, grad_cos, at_lo, at_hi, se, rse, self._log, cond)
        for g, why in enumerate(singular):  # name the unidentified parameters, not all
            if why and not (ex is not None and ex["mask"][g]):
                reasons[g] = [
                    why if m.startswith("standard error not finite") else m for m in reasons[g]
                ]
        res_reasons = dg.check_residuals(
            np.sqrt(ss_res / np.maximum(n_q, 1)),
            np.sqrt(count(yq**2) / np.maximum(n_q, 1)),
            r2,
            n_q,
            k,
            err if self.method == "ml" else {},
            e,
            med,
        )
        status = [] if run["settled"] else ["the error-model iteration did not settle"]
        if getattr(self, "_trial_error", None) is not None:  # set by _trial at x
            status.append(f"the model cannot be evaluated at the estimate: {self._trial_error}")
        extra = self._extra_checks(theta)
        if sol is not None and sol.status == 0:
            # the evaluation budget ran out on tolerances (1e-12) a group may already meet:
            # it fails only the groups that are not stationary (the gradient test)
            moving = np.nanmax(np.abs(grad_cos), axis=1, initial=0.0) > dg.GRAD_TOL
            for g in np.flatnonzero(moving | ~np.isfinite(grad_cos).all(axis=1)):
                extra[g] = [*extra[g], f"optimiser stopped: {sol.message}"]
        if ex is not None:
            for g in np.flatnonzero(~ex["ok"]):
                extra[g] = [*extra[g], "the exact maximum-likelihood search did not converge"]
        reasons = [a + b for a, b in zip(reasons, extra, strict=True)]
        self._bound_reasons(reasons, lo, hi, at_lo, at_hi)
        for g in map(int, np.flatnonzero(bad_g)):  # the other checks only see the penalty: replaced
            i = np.flatnonzero(bad & (gidx == g))
            reasons[g], res_reasons[g] = (
                [
                    f"model prediction not finite at the estimate ({i.size} of {int(n_obs[g])} "
                    f"points, e.g. t={self._t[i[0]]:g})"
                ],
                [],
            )
        idx = pd.Index(self.groups_, name="group")
        names = list(self._names())
        self.converged_ = pd.Series(
            [not (status or reasons[g] or res_reasons[g]) for g in range(n_g)],
            index=idx,
            name="converged",
        )
        self.convergence_reason_ = pd.Series(
            ["; ".join(status + reasons[g] + res_reasons[g]) for g in range(n_g)],
            index=idx,
            name="reason",
        )
        self.message_ = "" if sol is None else str(sol.message)

        def table(free_vals, fixed_vals):
            out = pd.DataFrame(np.nan, index=idx, columns=names)
            for j, p in enumerate(self.free_):
                out[p] = free_vals[:, j]
            for p, v in self._fixed_arr.items():
                out[p] = v if fixed_vals else np.nan
            return out

        self.params_ = table(theta, True)
        self.se_ = table(se, False)
        self.ci_lower_, self.ci_upper_ = table(ci_lo, True), table(ci_hi, True)
        self.rse_ = table(rse, False)
        dj = np.where(self._log, theta, 1.0)  # d theta / d phi
        self.cov_ = cov * dj[:, :, None] * dj[:, None, :]
        self.cov_estimation_ = cov
        self.error_params_ = pd.DataFrame(err, index=idx)
        self.error_se_ = pd.DataFrame(err_se, index=idx)
        self.sigma_ = pd.Series(sigma, index=idx, name="sigma")
        self.loglik_ = pd.Series(-0.5 * m2ll, index=idx, name="loglik")
        self.n_obs_ = pd.Series(n_obs.astype(int), index=idx, name="n")
        self.n_censored_ = pd.Series((n_obs - n_q).astype(int), index=idx, name="n_censored")
        self.n_params_ = k + n_err
        self.aic_ = pd.Series(m2ll + 2 * (k + n_err), index=idx, name="aic")
        self.bic_ = pd.Series(m2ll + (k + n_err) * np.log(n_used), index=idx, name="bic")
        self.grad_cos_ = pd.Series(np.max(np.abs(grad_cos), axis=1, initial=0.0), index=idx)
        self.cond_ = pd.Series(cond, index=idx, name="cond")
        f = np.where(bad, np.nan, f)
        ft, yt = em.pred_on_scale(f, e), em.on_scale(np.where(cens, 1.0, y), e)
        with np.errstate(divide="ignore", invalid="ignore"):  # an exact fit: sd 0, no WRES
            wres = np.where(sd_ml > 0, (yt - ft) / sd_ml, np.nan)
        self.fitted_ = f
        self.residuals_ = np.where(cens, np.nan, yt - ft)
        self.gof_ = pd.DataFrame(
            {
                "time": self._t,
                "dv": np.where(cens, np.nan, y),
                "pred": f,
                "ipred": f,
                "res": np.where(cens, np.nan, y - f),
                "wres": np.where(cens, np.nan, wres),
                "blq": cens,
                "lloq": self._lq,
            }
        )

    def _bound_reasons(self, reasons, lo, hi, at_lo, at_hi) -> None:
        """Say that an estimate at a bound has no CI, and whether the bound is a declared
        one or the search box start x/÷ 1e6 of a log-scale parameter (a new init fixes it)."""
        from kinetor.numerics._objective import LOG_SPAN

        dlo, dhi = self._declared_phi_bounds()
        for g, j in zip(*np.nonzero(at_lo | at_hi), strict=True):
            n, side = self.free_[j], "lower" if at_lo[g, j] else "upper"
            old = f"{n} at its {side} bound"
            box = lo[g, j] > dlo[j] if at_lo[g, j] else hi[g, j] < dhi[j]
            new = f"{old}; its CI is not given"
            if box and self._log[j]:
                start = np.exp(lo[g, j] + LOG_SPAN if at_lo[g, j] else hi[g, j] - LOG_SPAN)
                new = (
                    f"{n} at the {side} end of its search box around the start "
                    f"(init/1e6 .. init*1e6 = {start / 1e6:.3g} .. {start * 1e6:.3g}), not "
                    f"at a declared bound; its CI is not given: give a new init for {n} "
                    "nearer the estimate (init=, --init)"
                )
            reasons[g] = [new if m == old else m for m in reasons[g]]

    def _gauss_newton(self, run, r, c, count):
        """Covariance (c (J'J)^-1), |cos| between the residual vector and each Jacobian
        column (0 at a least-squares optimum) of a least-squares run, and per group the
        reason when J'J is too ill-conditioned to invert (covariance NaN): the parameters
        with a length above 0.3 in its near-null eigenvectors, named as not identified."""
        x, sol, gidx = run["x"], run["sol"], self._gidx
        n_g, k = x.shape
        jb = _jac_blocks(sol.jac, gidx, k) if k else np.zeros((self._y.size, 0))
        # the last pass scaled residuals by the SDs it started from: rescale to the final SDs
        jb = jb * (run["sdv_ls"] / run["sdv"])[:, None]
        jtj = np.zeros((n_g, k, k))
        np.add.at(jtj, gidx, jb[:, :, None] * jb[:, None, :])
        cov = np.full((n_g, k, k), np.nan)
        why = [""] * n_g  # per group: the parameters a singular J'J leaves unidentified
        if k:
            cond = np.linalg.cond(jtj)
            ok = np.isfinite(c) & (cond < _COND_JTJ)
            cov[ok] = c[ok, None, None] * np.linalg.inv(jtj[ok])
            for g in np.flatnonzero(np.isfinite(c) & ~ok & np.isfinite(jtj).all(axis=(1, 2))):
                # the near-null directions (eigenvalues of J'J below its largest / 1e14):
                # a parameter is named when its unit vector has a length above
                # _NULL_LOAD in that subspace (a rotation of its basis does not matter)
                _, s, vt = np.linalg.svd(jtj[g])
                small = s <= s[0] / _COND_JTJ
                small[-1] = True
                load = np.sqrt(np.sum(vt[small] ** 2, axis=0))
                hit = (load > _NULL_LOAD) | (load == load.max())
                names = ", ".join(n for n, h in zip(self.free_, hit, strict=True) if h)
                how = "with it" if hit.sum() == 1 else "along a combination of them"
                them = "it" if hit.sum() == 1 else "one of them"
                why[g] = (
                    f"{names} not identified by these data (the predictions do not change "
                    f"{how}: condition number of J'J {cond[g]:.2g}), so no standard error "
                    f"could be computed; hold {them} fixed (fixed=, --fix) to estimate the "
                    "others with their standard errors"
                )
        grad = np.zeros((n_g, k))
        np.add.at(grad, gidx, jb * r[:, None])
        norm = (
            np.sqrt(np.maximum(np.diagonal(jtj, axis1=1, axis2=2), 0.0))
            * np.sqrt(count(r * r))[:, None]
        )
        return cov, grad / np.where(norm > 0, norm, np.inf), why

    # -- results ---------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise ModelError("call fit() first")

    def predict(self, t, data=None, groups=None) -> np.ndarray:
        """Predictions of the fitted model at ``t`` (``groups``: group of each time)."""
        self._check_fitted()
        t = np.asarray(t, float).ravel()
        saved = self._gidx
        self._gidx = (
            np.zeros(t.size, int)
            if groups is None
            else self.groups_.searchsorted(np.asarray(groups))
        )
        try:
            p = {k: self.params_[k].to_numpy() for k in self.params_.columns}
            return np.asarray(self._predict(p, t, self._data if data is None else data), float)
        finally:
            self._gidx = saved

    @property
    def summary(self) -> pd.DataFrame:
        """Long table: group, parameter, estimate, se, rse_pct, ci_lower, ci_upper, unit,
        fixed, converged, reason (structural parameters, then error parameters)."""
        self._check_fitted()
        units = getattr(self, "param_units", {}) or {}
        rows = []
        for g in self.groups_:
            ok, why = bool(self.converged_[g]), self.convergence_reason_[g]
            for p in self.params_.columns:
                rows.append(
                    (
                        g,
                        p,
                        self.params_.at[g, p],
                        self.se_.at[g, p],
                        self.rse_.at[g, p],
                        self.ci_lower_.at[g, p],
                        self.ci_upper_.at[g, p],
                        units.get(p, ""),
                        p in self.fixed,
                        ok,
                        why,
                    )
                )
            for p in self.error_params_.columns:
                v, s = self.error_params_.at[g, p], self.error_se_.at[g, p]
                unit = (
                    units.get("conc", "")
                    if p in ("sigma_add", "sigma") and self.error in ("additive", "combined")
                    else ""
                )
                rows.append(
                    (g, p, v, s, 100 * s / v if v else np.nan, np.nan, np.nan, unit, False, ok, why)
                )
        return pd.DataFrame(
            rows,
            columns=_SUMMARY_COLUMNS,
        )

    def fit_statistics(self) -> pd.DataFrame:
        """Per group: n, n_censored, sigma, loglik, AIC, BIC, diagnostics, converged, reason."""
        self._check_fitted()
        return pd.DataFrame(
            {
                "n": self.n_obs_,
                "n_censored": self.n_censored_,
                "sigma": self.sigma_,
                "loglik": self.loglik_,
                "aic": self.aic_,
                "bic": self.bic_,
                "max_grad_cos": self.grad_cos_,
                "cond": self.cond_,
                "converged": self.converged_,
                "reason": self.convergence_reason_,
            }
        ).reset_index()

    def print_summary(self, decimals: int = 4) -> None:
        """Print the convergence status, the parameter table and the fit statistics."""
        self._check_fitted()
        bad = (~self.converged_).sum()
        print(
            f"<{type(self).__name__}: method={self.method}, error={self.error}, "
            f"{len(self.groups_)} group(s), {len(self.groups_) - bad} converged>"
        )
        fmt = lambda v: f"{v:.{decimals}g}"  # noqa: E731
        with pd.option_context(
            "display.width", 140, "display.max_columns", 20, "display.max_colwidth", 80
        ):
            print(self.summary.to_string(index=False, float_format=fmt))
            print(self.fit_statistics().to_string(index=False, float_format=fmt))
