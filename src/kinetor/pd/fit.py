r"""Fitting base class for PD and tumour models (a thin layer over the shared fitter).

A subclass declares ``param_names``, which of them are ``positive`` (estimated on the log
scale), ``bounds``, and ``_predict(params, t, data)`` returning the model prediction for
every observation; ``params`` maps each name to an array with one value per *estimation
group* (one group for a pooled fit, one per animal for per-animal fits). Estimation,
error models (additive, proportional, combined, log), Beal's M3 for censored values,
t-based confidence intervals, AIC/BIC and the convergence diagnostics come from
:class:`kinetor.numerics.fitter.Fitter` (see :mod:`kinetor.numerics`); every fitted
table carries ``converged`` and ``reason``.

A parameter with two finite ``bounds`` :math:`(a, b)` -- a fraction such as Imax in
(0, 1) -- is estimated on the logit scale,

.. math::

    \phi = \ln\frac{\theta - a}{b - \theta}, \qquad
    SE_\theta = \frac{(\theta - a)(b - \theta)}{b - a}\, SE_\phi ,

with :math:`|\phi| \le \ln 10^6` (within about :math:`10^{-6}(b - a)` of a bound), so its
estimate and its Wald CI (built on the logit scale, transformed back) stay inside the
bounds. A group is not converged when such a parameter reaches that limit (the data
favour the bound itself: fix the parameter there) or when :math:`SE_\phi > 2` (the
analogue of the 200 % RSE limit of log-scale parameters: the estimate is not determined).

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

from typing import Any, ClassVar

import numpy as np

from kinetor.errors import ModelError
from kinetor.numerics.diagnostics import RSE_MAX
from kinetor.numerics.errmodels import ERROR_MODELS
from kinetor.numerics.fitter import Fitter

__all__ = ["ERROR_MODELS", "LOGIT_SPAN", "PDFitter"]

LOGIT_SPAN = float(np.log(1e6))  # a bounded parameter's logit stays within +-LOGIT_SPAN
_LOGIT_SE_MAX = RSE_MAX / 100.0  # SE of the logit above which the estimate is undetermined


class PDFitter(Fitter):
    """Base of the PD fitters: ``positive`` parameters on the log scale, parameters with
    two finite bounds on the logit scale (see the module), the others free-sign.

    Parameters
    ----------
    error : {"additive", "proportional", "combined", "log"}
        Residual error model.
    init : dict, optional
        Initial values (scalar, or one per group); defaults from :meth:`_initial`.
    fixed : dict, optional
        Parameters held at the given value (scalar or one per group).
    **options
        ``method``, ``blq``, ``ci_level``, ``n_starts``, ``n_random``, ``seed`` of
        :class:`kinetor.numerics.fitter.Fitter`.
    """

    positive: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        error: str = "additive",
        init: dict[str, Any] | None = None,
        fixed: dict[str, Any] | None = None,
        **options,
    ):
        super().__init__(error=error, init=init, fixed=fixed, **options)

    def _initial(self, t: np.ndarray, y: np.ndarray, data: Any) -> dict[str, Any]:
        return {k: 1.0 for k in self.param_names}

    def _natural_bounds(self, name: str) -> tuple[float, float]:
        default = (0.0, np.inf) if name in self.positive else (-np.inf, np.inf)
        return tuple(self.bounds.get(name, default))

    # -- the logit scale of bounded parameters -----------------------------------------
    def _interval(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Which free parameters have two finite bounds, and those bounds (a, b) (computed
        once per set of free parameters: the transforms call it at every evaluation)."""
        key = tuple(self.free_)
        cached = getattr(self, "_interval_cache", None)
        if cached is None or cached[0] != key:
            nat = np.array([self._natural_bounds(k) for k in key], float).reshape(-1, 2)
            on = np.isfinite(nat).all(axis=1)
            cached = (key, (on, np.where(on, nat[:, 0], 0.0), np.where(on, nat[:, 1], 1.0)))
            self._interval_cache = cached
        return cached[1]

    def _to_phi(self, theta: np.ndarray) -> np.ndarray:
        on, a, b = self._interval()
        phi = super()._to_phi(theta)
        if not on.any():
            return phi
        # a start on or beyond a bound (a random start) maps to the edge of the logit box
        z = np.clip((np.asarray(theta, float) - a) / (b - a), 1e-300, 1.0 - 1e-16)
        return np.where(on, np.log(z) - np.log1p(-z), phi)

    def _to_theta(self, phi: np.ndarray) -> np.ndarray:
        on, a, b = self._interval()
        theta = super()._to_theta(phi)
        if not on.any():
            return theta
        z = 0.5 * (1.0 + np.tanh(0.5 * np.asarray(phi, float)))  # expit without overflow
        return np.where(on, a + (b - a) * z, theta)

    def _phi_bounds(self, phi_ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        lo, hi = super()._phi_bounds(phi_ref)
        on = self._interval()[0]
        return np.where(on, -LOGIT_SPAN, lo), np.where(on, LOGIT_SPAN, hi)

    def _finish(self, run: dict, lo: np.ndarray, hi: np.ndarray) -> None:
        on, a, b = self._interval()
        if not on.any():
            super()._finish(run, lo, hi)
            return
        # the base class's delta method and RSE check are those of log-scale parameters:
        # it treats the logit-scale ones as free-sign (SE on the logit scale), fixed below
        log = self._log
        self._log = log & ~on
        try:
            super()._finish(run, lo, hi)
        finally:
            self._log = log
        theta = self.params_[self.free_].to_numpy(float)
        se_phi = np.sqrt(np.abs(np.diagonal(self.cov_estimation_, axis1=1, axis2=2)))
        dj = np.where(on, (theta - a) * (b - theta) / (b - a), 1.0)  # d theta / d phi
        for j in np.flatnonzero(on):
            name = self.free_[j]
            self.se_[name] = dj[:, j] * se_phi[:, j]
            self.rse_[name] = 100.0 * self.se_[name] / self.params_[name].abs()
        self.cov_ = self.cov_ * dj[:, :, None] * dj[:, None, :]
        x = run["x"]
        for g, group in enumerate(self.groups_):
            why = []
            for j in np.flatnonzero(on):
                name, side = self.free_[j], (a[j] if x[g, j] < 0 else b[j])
                if LOGIT_SPAN - abs(x[g, j]) <= 1e-6 * LOGIT_SPAN:
                    # the logit's curvature there is that of the box edge, not of the data
                    for table in (self.se_, self.rse_, self.ci_lower_, self.ci_upper_):
                        table.loc[group, name] = np.nan
                    self.cov_[g, j, :] = self.cov_[g, :, j] = np.nan
                    why.append(
                        f"{name} -> {side:g}: the data favour the bound itself (no SE or CI "
                        f"can be given); fix it there (--fix {name}={side:g}) to estimate the "
                        "others"
                    )
                elif not se_phi[g, j] <= _LOGIT_SE_MAX:
                    why.append(
                        f"{name} not determined: SE of its logit {se_phi[g, j]:.3g} > "
                        f"{_LOGIT_SE_MAX:g} (its CI spans most of ({a[j]:g}, {b[j]:g})); "
                        f"fix it (e.g. --fix {name}={side:g}) or give data that define it"
                    )
            if why:
                old = self.convergence_reason_[group]
                self.converged_[group] = False
                self.convergence_reason_[group] = "; ".join([old, *why] if old else why)

    def _validate(self, t, y, cens, lq) -> None:
        super()._validate(t, y, cens, lq)
        # parameters with a lower bound of 0 are estimated on the log scale: a start at or
        # below 0 has no logarithm (and a negative fixed value is outside the model); one
        # with two bounds is estimated on the logit scale: a start must lie strictly inside
        nonfinite = [
            f"{what} {k} = {v!r} is not a finite number"
            for what, values in (("init", self.init), ("fixed", self.fixed))
            for k, v in values.items()
            if not _finite(v)
        ]
        if nonfinite:
            raise ModelError(
                f"{type(self).__name__}: {'; '.join(nonfinite)} (give a number; on the command "
                "line --init/--fix NAME=VALUE)"
            )
        bad = []
        for k, v in self.init.items():
            a, b = self._natural_bounds(k)
            if np.isfinite(a) and np.isfinite(b) and _outside(v, a, b, strict=True):
                bad.append(f"init {k} = {v!r} must be > {a:g} and < {b:g}")
            elif a >= 0 and _outside(v, a, np.inf, strict=True):
                bad.append(f"init {k} = {v!r} must be > {a:g}")
        for k, v in self.fixed.items():
            a, b = self._natural_bounds(k)
            two = np.isfinite(a) and np.isfinite(b)
            if (two or a >= 0) and _outside(v, a, b, strict=False):
                upper = f" and <= {b:g}" if two else ""
                bad.append(f"fixed {k} = {v!r} must be >= {a:g}{upper}")
        if bad:
            raise ModelError(
                f"{type(self).__name__}: {'; '.join(bad)} (a bounded parameter; on the "
                "command line --init/--fix NAME=VALUE)"
            )


def _finite(value: Any) -> bool:
    """Whether a number (or every one of an array) is finite; text is left to the fitter."""
    try:
        return bool(np.all(np.isfinite(np.asarray(value, dtype=float))))
    except (TypeError, ValueError):
        return True


def _outside(value: Any, a: float, b: float, strict: bool) -> bool:
    """Whether a number (or any of an array) is outside (a, b) (``strict``) or [a, b]."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False  # not a number: the fitter reports it
    if strict:
        return bool(np.any((arr <= a) | (arr >= b)))
    return bool(np.any((arr < a) | (arr > b)))
