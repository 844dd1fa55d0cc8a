r"""Generic nonlinear fitter (lifelines / scikit-learn style) for PK, PD and tumour models.

A subclass declares its parameters and a prediction; the base class does the rest::

    class EmaxFitter(Fitter):
        param_names = ("e0", "emax", "ec50")
        bounds = {"e0": (-np.inf, np.inf)}          # default (0, inf): log transform
        param_units = {"ec50": "ng/mL"}

        def _predict(self, params, t, data):        # params: dict name -> float
            return params["e0"] + params["emax"] * data / (params["ec50"] + data)

        def _initial(self, t, y, data):            # optional: guesses when init is not given
            return {"e0": y.min(), "emax": np.ptp(y), "ec50": np.median(data)}

    fit = EmaxFitter(method="ml", error="additive").fit(t, y, data=conc)
    fit.params_, fit.se_, fit.summary, fit.print_summary()

``__init__`` only stores options; ``fit()`` returns ``self``; fitted attributes end in
``_`` (``params_``, ``cov_``, ``se_``, ``ci_``, ``loglik_``, ``aic_``, ``bic_``, ``gof_``).

Objectives
----------
``method="wls"``: minimise :math:`\sum_i w_i (y_i - f_i)^2` with ``weighting`` one of
``uniform``, ``1/y``, ``1/y2``, ``1/pred``, ``1/pred2`` (the ``pred`` weights are updated
iteratively, IRLS); censored observations are left out (M1).
:math:`\hat\sigma^2 = \sum w_i r_i^2 / (n - p)`, :math:`\mathrm{Cov} = \hat\sigma^2
(J^T W J)^{-1}`; CIs use Student's t with n - p degrees of freedom.

``method="ml"``: maximise the Gaussian likelihood with variance
:math:`V_i = a^2` (``additive``), :math:`b^2 f_i^2` (``proportional``) or
:math:`a^2 + b^2 f_i^2` (``combined``), estimating a and b with the structural
parameters. A censored observation (BLQ, limit :math:`L_i`) contributes
:math:`\Pr(y_i < L_i) = \Phi((L_i - f_i)/\sqrt{V_i})` (Beal's M3) with ``blq="m3"``, or is
left out with ``blq="drop"`` (M1):

.. math::

    -2\ell = \sum_{obs} \left[\ln(2\pi V_i) + \frac{(y_i - f_i)^2}{V_i}\right]
             - 2 \sum_{cens} \ln \Phi\!\left(\frac{L_i - f_i}{\sqrt{V_i}}\right)

Cov is the inverse of the observed information (numerical Hessian of :math:`-\ell`); CIs
use the normal quantile. Positive parameters are estimated on the log scale (bounded ones
on a scaled logit) and their CIs are built there and transformed back (so they are
asymmetric); SEs are reported on the natural scale by the delta method.
:math:`AIC = -2\ell + 2k`, :math:`BIC = -2\ell + k \ln n` (k counts residual-error
parameters; for WLS, :math:`\sigma`).

Examples
--------
>>> class Decay(Fitter):
...     param_names = ("c0", "k")
...     def _predict(self, params, t, data):
...         return params["c0"] * np.exp(-params["k"] * t)
>>> t = np.array([0.5, 1, 2, 4, 8, 12])
>>> y = 10 * np.exp(-0.3 * t) * np.array([1.02, 0.97, 1.01, 0.99, 1.03, 0.98])
>>> fit = Decay(method="wls", init={"c0": 5, "k": 0.1}).fit(t, y)
>>> round(float(fit.params_["k"]), 2), fit.summary.columns.tolist()[:3]
(0.3, ['estimate', 'se', 'rse_pct'])
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats

from kinetor.errors import ModelError
from kinetor.pk._transforms import hessian as _hessian
from kinetor.pk._transforms import jac_natural, to_natural, to_phi, transform_spec

__all__ = ["Fitter"]

Method = Literal["wls", "ml"]
ErrorModel = Literal["additive", "proportional", "combined"]
_FLOOR = 1e-12
_BIG = 1e100  # stands for a prediction that overflowed


def _inverse(M: np.ndarray, scale: float) -> np.ndarray:
    """scale x pseudo-inverse of M; NaN when M is not finite (an unidentifiable fit)."""
    if not np.all(np.isfinite(M)):
        return np.full(M.shape, np.nan)
    return scale * np.linalg.pinv(M)


class Fitter:
    """Base class: declare ``param_names``, ``bounds``, ``transforms``, ``_predict``.

    Parameters
    ----------
    method : {"ml", "wls"}
    error : {"proportional", "additive", "combined"}
        Residual error model (ML).
    weighting : {"uniform", "1/y", "1/y2", "1/pred", "1/pred2"}, optional
        WLS weights (default: ``1/pred2`` for a proportional error, else uniform).
    blq : {"m3", "drop"}
        Censored observations: likelihood Pr(y < LLOQ) (ML only) or left out.
    init : dict, optional
        Initial estimates (natural scale); others come from ``_initial``.
    fixed : dict, optional
        Parameters held at a value (not estimated).
    ci_level : float
    """

    param_names: ClassVar[tuple[str, ...]] = ()
    bounds: ClassVar[dict[str, tuple[float, float]]] = {}
    transforms: ClassVar[dict[str, str]] = {}
    param_units: ClassVar[dict[str, str]] = {}

    def __init__(
        self,
        method: Method = "ml",
        error: ErrorModel = "proportional",
        weighting: str | None = None,
        blq: Literal["m3", "drop"] = "m3",
        init: dict[str, float] | None = None,
        fixed: dict[str, float] | None = None,
        ci_level: float = 0.95,
    ):
        self.method = method
        self.error = error
        self.weighting = weighting
        self.blq = blq
        self.init = dict(init or {})
        self.fixed = dict(fixed or {})
        self.ci_level = ci_level

    # ------------------------------------------------------------ subclass API
    def _predict(self, params: dict[str, float], t: np.ndarray, data: Any) -> np.ndarray:
        raise ModelError(f"{type(self).__name__} does not define _predict")

    def _initial(self, t: np.ndarray, y: np.ndarray, data: Any) -> dict[str, float] | list:
        """Initial estimates (a dict, or a list of dicts to try); override."""
        raise ModelError(
            f"{type(self).__name__} needs init={{...}} for "
            f"{[p for p in self._names() if p not in self.init]}"
        )

    def _names(self) -> tuple[str, ...]:
        return tuple(self.param_names)

    # ------------------------------------------------------------ transforms
    def _specs(self, names) -> list[tuple[str, float, float]]:
        return [transform_spec(n, self.bounds, self.transforms) for n in names]

    def _to_natural(self, phi: np.ndarray, names) -> np.ndarray:
        return to_natural(phi, self._specs(names))

    def _to_phi(self, theta: np.ndarray, names) -> np.ndarray:
        return to_phi(theta, self._specs(names), names)

    def _jac_natural(self, theta: np.ndarray, names) -> np.ndarray:
        return jac_natural(theta, self._specs(names))

    # ------------------------------------------------------------ objective
    def _full(self, theta_free: np.ndarray, free) -> dict[str, float]:
        p = dict(self.fixed)
        p.update(zip(free, theta_free, strict=True))
        return p

    def _pred(self, theta_free, free):
        # trial parameters far from the optimum may overflow the model: that is expected
        # while searching, and a huge (finite) prediction steers the optimiser away
        with np.errstate(all="ignore"):
            f = np.asarray(self._predict(self._full(theta_free, free), self._t, self._data), float)
        return np.clip(np.nan_to_num(f, nan=_BIG, posinf=_BIG, neginf=-_BIG), -_BIG, _BIG)

    def _variance(self, f, sig):
        a = sig.get("sigma_add", 0.0)
        b = sig.get("sigma_prop", 0.0)
        return np.maximum(a * a + (b * f) ** 2, _FLOOR)

    def _m2ll(self, x, free, err_names) -> float:
        k = len(free)
        theta = self._to_natural(x[:k], free)
        sig = dict(zip(err_names, np.exp(np.clip(x[k:], -230, 230)), strict=True))
        f = self._pred(theta, free)
        with np.errstate(all="ignore"):
            V = self._variance(f, sig)
            obs = ~self._cens
            r = self._y[obs] - f[obs]
            out = np.sum(np.log(2 * np.pi * V[obs]) + r * r / V[obs])
            if self._cens.any() and self.blq == "m3":
                z = (self._lloq[self._cens] - f[self._cens]) / np.sqrt(V[self._cens])
                out -= 2.0 * np.sum(stats.norm.logcdf(z))
        return float(out) if np.isfinite(out) else 1e300

    def _weights(self, f, y):
        w = self.weighting or ("1/pred2" if self.error == "proportional" else "uniform")
        base = {
            "uniform": lambda: np.ones_like(y),
            "1/y": lambda: 1 / np.abs(y),
            "1/y2": lambda: 1 / y**2,
            "1/pred": lambda: 1 / np.abs(f),
            "1/pred2": lambda: 1 / f**2,
        }
        if w not in base:
            raise ModelError(f"unknown weighting {w!r}: use {', '.join(base)}")
        with np.errstate(divide="ignore"):
            out = base[w]()
        return np.where(np.isfinite(out), out, 0.0), w.endswith("pred") or w.endswith("pred2")

    def _wls(self, x0, free):
        keep = ~self._cens
        y = self._y[keep]
        f0 = self._pred(self._to_natural(x0, free), free)[keep]
        w, iterative = self._weights(np.maximum(np.abs(f0), _FLOOR), y)
        x = x0
        for _ in range(20 if iterative else 1):
            sw = np.sqrt(w)

            def resid(p, sw=sw):
                return sw * (y - self._pred(self._to_natural(p, free), free)[keep])

            res = optimize.least_squares(
                resid,
                x,
                method="trf",
                x_scale="jac",
                xtol=1e-12,
                ftol=1e-12,
                gtol=1e-12,
                max_nfev=5000,
            )
            moved = np.max(np.abs(res.x - x)) if x is not None else np.inf
            x = res.x
            if not iterative:
                break
            f = self._pred(self._to_natural(x, free), free)[keep]
            w, _ = self._weights(np.maximum(np.abs(f), _FLOOR), y)
            if moved < 1e-9:
                break
        return res, w

    # ------------------------------------------------------------ fitting
    def fit(self, t, y, data: Any = None, *, censored=None, lloq=None) -> Fitter:
        """Fit to observations ``y`` at ``t`` (``data`` is passed to ``_predict``).

        ``censored`` (bool array) marks BLQ observations with limits ``lloq``.
        """
        self._t = np.asarray(t, float)
        self._y = np.asarray(y, float)
        self._data = data
        n = self._y.size
        self._cens = np.zeros(n, bool) if censored is None else np.asarray(censored, bool)
        self._lloq = (
            np.full(n, np.nan)
            if lloq is None
            else np.broadcast_to(np.asarray(lloq, float), (n,)).copy()
        )
        if np.any(self._cens & ~np.isfinite(self._lloq)):
            raise ModelError("censored (BLQ) observations need their LLOQ")
        if np.any(~self._cens & ~np.isfinite(self._y)):
            raise ModelError("observations must be finite (mark BLQ values as censored)")
        if self.method not in ("ml", "wls"):
            raise ModelError(f"unknown method {self.method!r}: use 'ml' or 'wls'")
        names = self._names()
        unknown = [k for k in [*self.init, *self.fixed] if k not in names]
        if unknown:
            raise ModelError(
                f"unknown parameter(s) {unknown}: {type(self).__name__} has {list(names)}"
            )
        free = [p for p in names if p not in self.fixed]
        n_fit = int((~self._cens).sum()) if (self.method == "wls" or self.blq == "drop") else n
        if n_fit <= len(free):
            raise ModelError(f"{n_fit} observations cannot determine {len(free)} parameters")
        starts = self._starts(free)
        best = min(starts, key=lambda x0: self._m2ll_wls_proxy(x0, free))
        res, w = self._wls(best, free)
        self.converged_ = bool(res.success)
        self.message_ = str(res.message)
        if self.method == "wls":
            self._finish_wls(res, w, free)
        else:
            self._fit_ml(res.x, free)
        return self

    def _starts(self, free) -> list[np.ndarray]:
        guesses = (
            [{}]
            if all(p in self.init for p in free)
            else self._initial(self._t, self._y, self._data)
        )
        if isinstance(guesses, dict):
            guesses = [guesses]
        out = []
        for g in guesses:
            g = {**g, **self.init}
            missing = [p for p in free if p not in g]
            if missing:
                raise ModelError(f"no initial estimate for {missing}: pass init={{...}}")
            out.append(self._to_phi(np.array([float(g[p]) for p in free]), free))
        return out

    def _m2ll_wls_proxy(self, x0, free) -> float:
        keep = ~self._cens
        f = self._pred(self._to_natural(x0, free), free)[keep]
        r = self._y[keep] - f
        w, _ = self._weights(np.maximum(np.abs(f), _FLOOR), self._y[keep])
        return float(np.sum(w * r * r))

    def _finish_wls(self, res, w, free):
        keep = ~self._cens
        n, p = int(keep.sum()), len(free)
        rss = float(np.sum(res.fun**2))
        s2 = rss / (n - p)
        theta = self._to_natural(res.x, free)
        J = res.jac
        with np.errstate(all="ignore"):
            cov_phi = _inverse(J.T @ J, s2)
        with np.errstate(divide="ignore"):
            logw = np.log(w[w > 0]).sum()
        m2ll = n * np.log(2 * np.pi * rss / n) + n - logw
        q = stats.t.ppf(0.5 + self.ci_level / 2, n - p)
        self.sigma_ = float(np.sqrt(s2))
        self._store(theta, res.x, cov_phi, free, m2ll, k=p + 1, n=n, q=q, extra={})

    def _fit_ml(self, x_struct, free):
        keep = ~self._cens
        f = self._pred(self._to_natural(x_struct, free), free)
        r = self._y[keep] - f[keep]
        err_names = {
            "additive": ["sigma_add"],
            "proportional": ["sigma_prop"],
            "combined": ["sigma_add", "sigma_prop"],
        }.get(self.error)
        if err_names is None:
            raise ModelError(
                f"unknown error model {self.error!r}: use additive, proportional or combined"
            )
        rel = np.sqrt(np.mean((r / np.maximum(np.abs(f[keep]), _FLOOR)) ** 2))
        sd = np.sqrt(np.mean(r * r))
        s0 = {
            "sigma_add": max(sd, 1e-6 * np.abs(self._y[keep]).max()),
            "sigma_prop": max(rel, 1e-4),
        }
        if self.error == "combined":
            s0 = {k: v / np.sqrt(2) for k, v in s0.items()}
        x0 = np.concatenate([x_struct, np.log([s0[e] for e in err_names])])
        obj = lambda x: self._m2ll(x, free, err_names)  # noqa: E731
        x, fx = x0, obj(x0)
        ok, msg = False, ""
        for _ in range(3):  # BFGS stalls on flat or kinked surfaces (e.g. M3): alternate
            res = optimize.minimize(obj, x, method="BFGS", options={"gtol": 1e-6, "maxiter": 2000})
            if res.fun <= fx:
                x, fx = res.x, res.fun
            ok, msg = bool(res.success), str(res.message)
            if ok:
                break
            nm = optimize.minimize(
                obj,
                x,
                method="Nelder-Mead",
                options={"xatol": 1e-8, "fatol": 1e-9, "maxiter": 4000, "adaptive": True},
            )
            if nm.fun <= fx:
                x, fx = nm.x, nm.fun
        if not ok:  # "precision loss" at the optimum: judge by the gradient itself
            h = 1e-5 * np.maximum(1.0, np.abs(x))
            grad = [
                (obj(x + h * e) - obj(x - h * e)) / (2 * h[i]) for i, e in enumerate(np.eye(x.size))
            ]
            if np.max(np.abs(grad)) < 1e-2:
                ok, msg = True, f"converged (|gradient of -2LL| < 1e-2); optimiser: {msg}"
        self.converged_ = ok
        self.message_ = msg
        H = _hessian(obj, x)
        cov_all = _inverse(H, 2.0)  # Hessian of -2 log L = 2 x information
        k = len(free)
        theta = self._to_natural(x[:k], free)
        sig = np.exp(x[k:])
        q = stats.norm.ppf(0.5 + self.ci_level / 2)
        n = int(self._y.size if self.blq == "m3" else keep.sum())
        extra = {
            e: (float(s), float(np.sqrt(max(cov_all[k + i, k + i], 0.0)) * s))
            for i, (e, s) in enumerate(zip(err_names, sig, strict=True))
        }
        self._store(theta, x[:k], cov_all[:k, :k], free, obj(x), k=len(x), n=n, q=q, extra=extra)

    def _store(self, theta, phi, cov_phi, free, m2ll, k, n, q, extra):
        names = self._names()
        d = self._jac_natural(theta, free)
        with np.errstate(all="ignore"):  # unidentifiable parameters: SE inf/NaN, said so
            cov = cov_phi * np.outer(d, d)
            se_phi = np.sqrt(np.maximum(np.diag(cov_phi), 0.0))
            lo = self._to_natural(phi - q * se_phi, free)
            hi = self._to_natural(phi + q * se_phi, free)
        est = {**self.fixed, **dict(zip(free, theta, strict=True))}
        self.params_ = pd.Series({p: float(est[p]) for p in names}, name="estimate")
        self.cov_ = pd.DataFrame(cov, index=free, columns=free)
        se = dict(zip(free, np.sqrt(np.maximum(np.diag(cov), 0.0)), strict=True))
        self.se_ = pd.Series({p: se.get(p, np.nan) for p in names}, name="se")
        ci = {p: (lo[i], hi[i]) for i, p in enumerate(free)}
        self.ci_ = pd.DataFrame(
            {
                "ci_lower": [ci.get(p, (np.nan,))[0] for p in names],
                "ci_upper": [ci.get(p, (np.nan, np.nan))[1] for p in names],
            },
            index=list(names),
        )
        self.error_params_ = extra
        self.loglik_ = -0.5 * float(m2ll)
        self.n_obs_ = n
        self.n_params_ = k
        self.aic_ = float(m2ll) + 2 * k
        self.bic_ = float(m2ll) + k * np.log(n)
        self.gof_ = self._gof(theta, free, extra)

    def _gof(self, theta, free, extra) -> pd.DataFrame:
        f = self._pred(theta, free)
        res = self._y - f
        if self.method == "ml":
            sd = np.sqrt(self._variance(f, {k: v[0] for k, v in extra.items()}))
        else:
            keep = ~self._cens
            w, _ = self._weights(np.maximum(np.abs(f[keep]), _FLOOR), self._y[keep])
            w_all = np.zeros(self._y.size)
            w_all[keep] = w
            sd = np.where(w_all > 0, self.sigma_ / np.sqrt(np.where(w_all > 0, w_all, 1.0)), np.nan)
        return pd.DataFrame(
            {
                "time": self._t,
                "dv": np.where(self._cens, np.nan, self._y),
                "pred": f,
                "ipred": f,
                "res": np.where(self._cens, np.nan, res),
                "wres": np.where(self._cens, np.nan, res / sd),
                "blq": self._cens,
                "lloq": self._lloq,
            }
        )

    # ------------------------------------------------------------ results
    def predict(self, t, data: Any = None) -> np.ndarray:
        """Predictions of the fitted model at ``t``."""
        return np.asarray(
            self._predict(
                dict(self.params_), np.asarray(t, float), self._data if data is None else data
            ),
            float,
        )

    @property
    def summary(self) -> pd.DataFrame:
        """One row per parameter: estimate, se, rse_pct, ci_lower, ci_upper, unit, fixed."""
        out = pd.DataFrame({"estimate": self.params_, "se": self.se_})
        out["rse_pct"] = 100.0 * out["se"] / out["estimate"].abs()
        out = out.join(self.ci_)
        out["unit"] = [self.param_units.get(p, "") for p in out.index]
        out["fixed"] = [p in self.fixed for p in out.index]
        for name, (val, se) in self.error_params_.items():
            out.loc[name] = [
                val,
                se,
                100 * se / val,
                np.nan,
                np.nan,
                "" if name == "sigma_prop" else self.param_units.get("conc", ""),
                False,
            ]
        out.index.name = "parameter"
        return out

    def print_summary(self, decimals: int = 4) -> None:
        """Print the parameter table and the fit statistics."""
        print(
            f"<{type(self).__name__}: method={self.method}, error={self.error}, "
            f"n={self.n_obs_}, -2LL={-2 * self.loglik_:.{decimals}g}, "
            f"AIC={self.aic_:.{decimals}g}, BIC={self.bic_:.{decimals}g}>"
        )
        print(self.summary.to_string(float_format=lambda v: f"{v:.{decimals}g}"))
