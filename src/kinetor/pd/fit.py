r"""Fitting base class for PD and tumour models (least squares / likelihood, per group).

A subclass declares ``param_names``, which of them are ``positive`` (estimated on the log
scale), ``bounds``, and ``_predict(params, t, data)`` returning the model prediction for
every observation; ``params`` maps each name to an array with one value per *estimation
group* (one group for a pooled fit, one per animal for per-animal fits). The base class
does the rest, lifelines-style: ``__init__`` only stores options, ``fit()`` returns
``self``, fitted attributes end in ``_``.

Estimation. Residuals on the error model's scale,

=================  ==========================================  ========================
``error``          residual :math:`r_i`                        variance model
=================  ==========================================  ========================
``"additive"``     :math:`y_i - f_i`                            :math:`\sigma^2`
``"proportional"`` :math:`(y_i - f_i)/f_i`                      :math:`(\sigma f_i)^2`
``"log"``          :math:`\ln y_i - \ln f_i`                    log-normal, :math:`\sigma^2`
=================  ==========================================  ========================

are minimised by ``scipy.optimize.least_squares`` (trust region reflective) for all groups
at once: the Jacobian is block-diagonal by group (declared sparsity), so each finite
difference step simulates every animal in one vectorised call. Observations below a limit
of quantification enter through the Beal M3 likelihood, as the pseudo-residual
:math:`\sqrt{-2 \ln \Phi((\mathrm{LLOQ} - f_i)/\sigma)}` (on the error scale) beside the
quantified residuals divided by :math:`\sigma`; the parameters (least squares at fixed
:math:`\sigma`) and :math:`\sigma` (one-dimensional maximisation) are updated in turn
until :math:`\sigma` settles, which converges to the joint maximum-likelihood estimate.

Uncertainty. :math:`\hat\sigma^2 = SSR / (n - p)` per group; covariance of the
(transformed) estimates :math:`\hat\sigma^2 (J^T J)^{-1}`; standard errors of log-scale
parameters by the delta method (:math:`SE = \hat\theta \cdot SE_{\ln\theta}`) and their
95 % CIs as :math:`\exp(\ln\hat\theta \pm 1.96\, SE_{\ln\theta})`. AIC and BIC from the
log-likelihood at the ML :math:`\sigma` (:math:`SSR/n`), counting :math:`\sigma` as a
parameter; for the log error model the likelihood is of the original-scale data (Jacobian
term included), so AICs are comparable across error models.

Examples
--------
>>> import numpy as np
>>> class Line(PDFitter):
...     param_names = ("a", "b")
...     def _predict(self, params, t, data):
...         p = self.per_observation(params)
...         return p["a"] + p["b"] * t
>>> t = np.arange(5.0)
>>> f = Line(init={"a": 0.0, "b": 1.0}).fit(t, 1.0 + 2.0 * t + np.array([0.1, -0.1, 0, 0.1, -0.1]))
>>> f.params_.round(6).to_dict("records")
[{'a': 1.0, 'b': 2.0}]
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from kinetor.errors import DataError, ModelError, Problem

__all__ = ["ERROR_MODELS", "PDFitter"]

ERROR_MODELS = ("additive", "proportional", "log")
_Z975 = 1.959963984540054
_LOG_SPAN = float(np.log(1e6))  # log-parameters live within start x/÷ 1e6


class PDFitter:
    """Base of the PD fitters (see the module docstring).

    Parameters
    ----------
    error : {"additive", "proportional", "log"}
        Residual error model.
    init : dict, optional
        Initial values (scalar, or one per group); defaults from :meth:`_initial`.
    fixed : dict, optional
        Parameters held at the given value (scalar or one per group).
    """

    param_names: ClassVar[tuple[str, ...]] = ()
    positive: ClassVar[frozenset[str]] = frozenset()
    bounds: ClassVar[dict[str, tuple[float, float]]] = {}

    def __init__(self, error: Literal["additive", "proportional", "log"] = "additive",
                 init: dict[str, Any] | None = None, fixed: dict[str, Any] | None = None):
        self.error = error
        self.init = dict(init or {})
        self.fixed = dict(fixed or {})

    # -- to be provided by subclasses ------------------------------------------------
    def _predict(self, params: dict[str, np.ndarray], t: np.ndarray, data: Any
                 ) -> np.ndarray:  # pragma: no cover - every subclass overrides it
        raise ModelError(f"{type(self).__name__} does not define _predict")

    def _initial(self, t: np.ndarray, y: np.ndarray, data: Any) -> dict[str, Any]:
        return {k: 1.0 for k in self.param_names}

    # -- helpers for subclasses ------------------------------------------------------
    def per_observation(self, params: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Group-level parameters expanded to one value per observation."""
        return {k: np.asarray(v)[self._gidx] for k, v in params.items()}

    # -- estimation ------------------------------------------------------------------
    def _check(self, t, y, groups, lloq) -> None:
        if self.error not in ERROR_MODELS:
            raise ModelError(f"error model must be one of {ERROR_MODELS}")
        unknown = (set(self.init) | set(self.fixed)) - set(self.param_names)
        if unknown:
            raise ModelError(f"unknown parameters {sorted(unknown)}; this model has "
                             f"{list(self.param_names)}")
        problems = []
        bad = ~np.isfinite(y) & ~np.isfinite(lloq)
        for i in np.flatnonzero(bad | ~np.isfinite(t)):
            problems.append(Problem("missing or non-finite time/value", row=int(i) + 1))
        if self.error == "log":
            for i in np.flatnonzero((y <= 0) & ~np.isfinite(lloq)):
                problems.append(Problem(f"value {y[i]} <= 0 cannot be fitted with the log "
                                        f"error model", row=int(i) + 1,
                                        fix="give an LLOQ (censored) or use error='additive'"))
        if problems:
            raise DataError(problems)

    def _transform(self, name: str, v: np.ndarray) -> np.ndarray:
        if name in self.positive:
            if np.any(v <= 0):
                raise ModelError(f"initial value of {name} must be > 0")
            return np.log(v)
        return v

    def _untransform(self, name: str, v: np.ndarray) -> np.ndarray:
        return np.exp(v) if name in self.positive else v

    def _scale(self, y: np.ndarray, f: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Observations and predictions on the error model's residual scale."""
        if self.error == "log":
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.log(y), np.log(np.maximum(f, 1e-300))
        if self.error == "proportional":
            fs = np.where(np.abs(f) > 1e-300, f, 1e-300)
            return y / fs, np.ones_like(f)
        return y, f

    def fit(self, t, y, data: Any = None, groups=None, lloq=None):
        """Estimate the parameters; returns ``self``.

        Parameters
        ----------
        t, y : arrays (n,)
            Times (or concentrations for direct models) and observations.
        data : any
            Passed to ``_predict`` (exposure grids, structure).
        groups : array (n,), optional
            Estimation-group label of each observation (default: one pooled group).
        lloq : array (n,) or float, optional
            Limit of quantification; observations with ``y < lloq`` or NaN ``y`` and a
            finite ``lloq`` are censored (M3).
        """
        from scipy.optimize import least_squares
        from scipy.sparse import csr_matrix
        from scipy.special import log_ndtr

        t = np.asarray(t, dtype=float).ravel()
        y = np.asarray(y, dtype=float).ravel()
        lq = np.broadcast_to(np.nan if lloq is None else np.asarray(lloq, float),
                             y.shape).astype(float)
        labels = np.zeros(y.size, dtype=int) if groups is None else np.asarray(groups)
        self.groups_, self._gidx = np.unique(labels, return_inverse=True)
        self._check(t, y, labels, lq)
        cens = np.isfinite(lq) & (~np.isfinite(y) | (y < lq))
        self._data, self._t = data, t
        n_g = self.groups_.size
        free = [k for k in self.param_names if k not in self.fixed]
        self.free_ = free
        start = {**self._initial(t, y, data), **self.init}
        theta0 = np.column_stack([
            self._transform(k, np.broadcast_to(np.asarray(start[k], float), (n_g,)).copy())
            for k in free]) if free else np.zeros((n_g, 0))
        lo = np.array([self._bound(k)[0] for k in free])
        hi = np.array([self._bound(k)[1] for k in free])
        theta0 = np.clip(theta0, lo, hi)
        # log-scale parameters get finite bounds, the start x/÷ _LOG_SPAN, so a trust-region
        # step can never take exp() of a huge number and a runaway parameter is visible as
        # "at a bound" rather than as an overflow
        logp = np.array([k in self.positive for k in free], dtype=bool)
        lo = np.where(logp, np.maximum(lo, theta0 - _LOG_SPAN), lo)
        hi = np.where(logp, np.minimum(hi, theta0 + _LOG_SPAN), hi)
        fixed = {k: np.broadcast_to(np.asarray(v, float), (n_g,)).copy()
                 for k, v in self.fixed.items()}
        ys = y.copy()

        def params_of(theta_flat):
            th = theta_flat.reshape(n_g, len(free))
            p = {k: self._untransform(k, th[:, j]) for j, k in enumerate(free)}
            p.update(fixed)
            return p

        sigma = np.ones(n_g)
        if cens.any():  # starting sigma from the quantified residuals at the initial values
            f0 = np.asarray(self._predict(params_of(theta0.ravel()), t, data), dtype=float)
            yo, fo = self._scale(ys, f0)
            e2 = np.where(cens | ~np.isfinite(yo - fo), 0.0, (yo - fo) ** 2)
            m = np.bincount(self._gidx, weights=(~cens).astype(float), minlength=n_g)
            sigma = np.sqrt(np.bincount(self._gidx, weights=e2, minlength=n_g) /
                            np.maximum(m, 1))
            sigma = np.where(sigma > 0, sigma, 1.0)

        def residuals(theta_flat):
            f = self._trial_predict(params_of(theta_flat), t, data)
            yo, fo = self._scale(ys, f)
            r = yo - fo
            if cens.any():
                ql, fq = self._scale(lq, f)
                z = (ql - fq) / sigma[self._gidx]
                # sigma-scaled residuals so that quantified and censored terms combine
                r = r / sigma[self._gidx]
                r[cens] = np.sqrt(np.maximum(-2.0 * log_ndtr(z[cens]), 0.0))
            r = np.where(np.isfinite(r), r, 1e10)
            return r

        rows = np.repeat(np.arange(y.size), len(free))
        cols = (self._gidx[:, None] * len(free) + np.arange(len(free))[None, :]).ravel()
        sparsity = csr_matrix((np.ones(rows.size), (rows, cols)),
                              shape=(y.size, n_g * len(free))) if n_g > 1 else None
        blo, bhi = np.broadcast_to(lo, theta0.shape).ravel(), np.broadcast_to(hi, theta0.shape).ravel()
        x = theta0.ravel()
        sol = None
        sol = None
        # coordinate ascent on the exact M3 likelihood: for fixed sigma the least-squares
        # step maximises it over the parameters; then sigma is maximised given them
        for _ in range(30 if cens.any() else 1):
            sol = least_squares(residuals, x, bounds=(blo, bhi), jac_sparsity=sparsity,
                                method="trf", x_scale="jac", max_nfev=200 * (1 + x.size))
            x = sol.x
            if not cens.any():
                break
            f = np.asarray(self._predict(params_of(x), t, data), dtype=float)
            new = self._sigma_ml(ys, lq, f, cens, sigma)
            done = np.allclose(new, sigma, rtol=1e-6)
            sigma = new
            if done:
                break
        self._finish(sol, params_of, residuals, t, y, lq, cens, sigma)
        return self

    def _trial_predict(self, params, t, data) -> np.ndarray:
        """Prediction at trial parameters; non-finite values become a large finite penalty.

        Parameters far from the optimum may overflow a growth model (exp of a large rate
        times time): such a trial point must be rejected by the optimiser, not abort it, so
        overflow inside the model is expected here and mapped to a huge (finite) value.
        """
        with np.errstate(over="ignore", invalid="ignore"):
            f = np.asarray(self._predict(params, t, data), dtype=float)
        return np.clip(np.nan_to_num(f, nan=1e150, posinf=1e150, neginf=-1e150),
                       -1e150, 1e150)

    def _sigma_ml(self, y, lq, f, cens, s0) -> np.ndarray:
        """Per group, the sigma maximising the M3 likelihood given the predictions.

        Golden-section search on log sigma in [s0/1000, 1000 s0], vectorised over groups.
        """
        from scipy.special import log_ndtr

        n_g = self.groups_.size
        yo, fo = self._scale(y, f)
        e2 = np.where(cens, 0.0, (yo - fo) ** 2)
        ql, fq = self._scale(lq, f)
        dq = np.where(cens, ql - fq, 0.0)
        n_q = np.bincount(self._gidx, weights=(~cens).astype(float), minlength=n_g)
        ssr = np.bincount(self._gidx, weights=e2, minlength=n_g)

        def nll(log_s):
            s = np.exp(log_s)
            lc = np.where(cens, log_ndtr(dq / s[self._gidx]), 0.0)
            return n_q * log_s + ssr / (2 * s ** 2) - np.bincount(
                self._gidx, weights=lc, minlength=n_g)

        a, b = np.log(s0) - np.log(1e3), np.log(s0) + np.log(1e3)
        gr = (np.sqrt(5.0) - 1) / 2
        c, d = b - gr * (b - a), a + gr * (b - a)
        fc, fd = nll(c), nll(d)
        for _ in range(100):
            left = fc < fd
            b = np.where(left, d, b)
            a = np.where(left, a, c)
            c, d = b - gr * (b - a), a + gr * (b - a)
            fc, fd = nll(c), nll(d)
        return np.exp((a + b) / 2)

    def _bound(self, name: str) -> tuple[float, float]:
        lo, hi = self.bounds.get(name, (0.0, np.inf) if name in self.positive
                                 else (-np.inf, np.inf))
        if name in self.positive:
            with np.errstate(divide="ignore"):
                return float(np.log(lo)) if lo > 0 else -np.inf, float(np.log(hi))
        return lo, hi

    def _finish(self, sol, params_of, residuals, t, y, lq, cens, sigma) -> None:
        from scipy.special import log_ndtr

        n_g, free = self.groups_.size, self.free_
        p_est = params_of(sol.x)
        self.success_ = bool(sol.success)
        self.message_ = str(sol.message)
        f = np.asarray(self._predict(p_est, t, self._data), dtype=float)
        yo, fo = self._scale(y, f)
        e = np.where(cens, np.nan, yo - fo)
        n_obs = np.bincount(self._gidx, minlength=n_g)
        n_q = np.bincount(self._gidx, weights=(~cens).astype(float), minlength=n_g)
        ssr = np.bincount(self._gidx, weights=np.nan_to_num(e) ** 2, minlength=n_g)
        k = len(free)
        dof = n_q - k
        s2 = np.where(dof > 0, ssr / np.maximum(dof, 1), np.nan)
        if cens.any():
            s2 = sigma ** 2 * np.where(dof > 0, n_q / np.maximum(dof, 1), np.nan)
        s_ml = np.sqrt(np.where(n_q > 0, ssr / np.maximum(n_q, 1), np.nan))
        if cens.any():
            s_ml = sigma
        # each observation's k Jacobian entries (its own group's block), without densifying
        n = y.size
        cols = self._gidx[:, None] * k + np.arange(k)[None, :]
        rows = np.broadcast_to(np.arange(n)[:, None], cols.shape)
        if hasattr(sol.jac, "tocsr"):
            jb = np.asarray(sol.jac.tocsr()[rows.ravel(), cols.ravel()]).reshape(n, k)
        else:
            jb = np.asarray(sol.jac)[rows, cols]
        if cens.any():
            # J of sigma-scaled residuals -> back to the error scale
            jb = jb * sigma[self._gidx][:, None]
        jtj = np.zeros((n_g, k, k))
        np.add.at(jtj, self._gidx, jb[:, :, None] * jb[:, None, :])
        cov = np.full((n_g, k, k), np.nan)
        if k:
            ok = (np.linalg.matrix_rank(jtj) == k) & np.isfinite(s2)
            cov[ok] = s2[ok, None, None] * np.linalg.inv(jtj[ok])
        self.cov_ = cov
        theta = sol.x.reshape(n_g, k)
        se_t = np.sqrt(np.maximum(np.diagonal(cov, axis1=1, axis2=2), 0.0)) \
            if k else np.zeros((n_g, 0))
        est = pd.DataFrame({name: np.broadcast_to(p_est[name], (n_g,))
                            for name in self.param_names}, index=self.groups_)
        se = pd.DataFrame(np.nan, index=self.groups_, columns=list(self.param_names))
        lo_ci, hi_ci = se.copy(), se.copy()
        for j, name in enumerate(free):
            if name in self.positive:
                se[name] = est[name].to_numpy() * se_t[:, j]
                lo_ci[name] = np.exp(theta[:, j] - _Z975 * se_t[:, j])
                hi_ci[name] = np.exp(theta[:, j] + _Z975 * se_t[:, j])
            else:
                se[name] = se_t[:, j]
                lo_ci[name] = theta[:, j] - _Z975 * se_t[:, j]
                hi_ci[name] = theta[:, j] + _Z975 * se_t[:, j]
        self.params_, self.se_ = est, se
        self.ci_lower_, self.ci_upper_ = lo_ci, hi_ci
        self.sigma_ = pd.Series(np.sqrt(s2), index=self.groups_, name="sigma")
        # log-likelihood at the ML sigma, on the original data scale
        sg = s_ml[self._gidx]
        ll = np.where(cens, 0.0, -0.5 * (np.log(2 * np.pi * sg ** 2) +
                                         (np.nan_to_num(e) / sg) ** 2))
        if self.error == "log":
            ll = ll - np.where(cens, 0.0, np.log(np.where(y > 0, y, 1.0)))
        elif self.error == "proportional":
            ll = ll - np.where(cens, 0.0, np.log(np.abs(np.where(f != 0, f, 1.0))))
        if cens.any():
            ql, fq = self._scale(lq, f)
            ll = ll + np.where(cens, log_ndtr((ql - fq) / sg), 0.0)
        self.loglik_ = pd.Series(np.bincount(self._gidx, weights=ll, minlength=n_g),
                                 index=self.groups_, name="loglik")
        n_par = k + 1
        self.aic_ = -2 * self.loglik_ + 2 * n_par
        self.bic_ = -2 * self.loglik_ + n_par * np.log(n_obs)
        self.n_obs_ = pd.Series(n_obs, index=self.groups_)
        self.n_censored_ = pd.Series(n_obs - n_q.astype(int), index=self.groups_)
        self.fitted_ = f
        self.residuals_ = e

    @property
    def summary(self) -> pd.DataFrame:
        """Long table: group, parameter, estimate, se, rse_pct, ci_lower, ci_upper, fixed."""
        if not hasattr(self, "params_"):
            raise ModelError("call fit() first")
        est = self.params_.stack().rename("estimate")
        out = pd.concat([est, self.se_.stack(future_stack=True).rename("se"),
                         self.ci_lower_.stack(future_stack=True).rename("ci_lower"),
                         self.ci_upper_.stack(future_stack=True).rename("ci_upper")], axis=1)
        out.index.names = ["group", "parameter"]
        out = out.reset_index()
        with np.errstate(divide="ignore", invalid="ignore"):
            out["rse_pct"] = 100 * out["se"] / out["estimate"].abs()
        out["fixed"] = out["parameter"].isin(list(self.fixed))
        out["error_model"] = self.error
        return out[["group", "parameter", "estimate", "se", "rse_pct", "ci_lower",
                    "ci_upper", "fixed", "error_model"]]

    def fit_statistics(self) -> pd.DataFrame:
        """Per group: n, n_censored, sigma, loglik, AIC, BIC."""
        return pd.DataFrame({"n": self.n_obs_, "n_censored": self.n_censored_,
                             "sigma": self.sigma_, "loglik": self.loglik_, "aic": self.aic_,
                             "bic": self.bic_}).rename_axis("group").reset_index()

    def print_summary(self) -> None:
        """Print the parameter table and fit statistics."""
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            print(self.summary.to_string(index=False))
            print(self.fit_statistics().to_string(index=False))
