r"""Fitting base class for PD and tumour models (a thin layer over the shared fitter).

A subclass declares ``param_names``, which of them are ``positive`` (estimated on the log
scale), ``bounds``, and ``_predict(params, t, data)`` returning the model prediction for
every observation; ``params`` maps each name to an array with one value per *estimation
group* (one group for a pooled fit, one per animal for per-animal fits). Estimation,
error models (additive, proportional, combined, log), Beal's M3 for censored values,
t-based confidence intervals, AIC/BIC and the convergence diagnostics come from
:class:`kinetor.numerics.fitter.Fitter` (see :mod:`kinetor.numerics`); every fitted
table carries ``converged`` and ``reason``.

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
from kinetor.numerics.errmodels import ERROR_MODELS
from kinetor.numerics.fitter import Fitter

__all__ = ["ERROR_MODELS", "PDFitter"]


class PDFitter(Fitter):
    """Base of the PD fitters: parameters in ``positive`` are log-scale, others free-sign.

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

    def _validate(self, t, y, cens, lq) -> None:
        super()._validate(t, y, cens, lq)
        # parameters with a lower bound of 0 are estimated on the log scale: a start at or
        # below 0 has no logarithm (and a negative fixed value is outside the model)
        bad = [
            f"init {k} = {v!r} must be > 0"
            for k, v in self.init.items()
            if self._natural_bounds(k)[0] >= 0 and _below(v, strict=True)
        ]
        bad += [
            f"fixed {k} = {v!r} must be >= 0"
            for k, v in self.fixed.items()
            if self._natural_bounds(k)[0] >= 0 and _below(v, strict=False)
        ]
        if bad:
            raise ModelError(
                f"{type(self).__name__}: {'; '.join(bad)} (a positive parameter; on the "
                "command line --init/--fix NAME=VALUE)"
            )


def _below(value: Any, strict: bool) -> bool:
    """Whether a number (or any of an array) is <= 0 (``strict``) or < 0."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        return False  # not a number: the fitter reports it
    return bool(np.any(arr <= 0) if strict else np.any(arr < 0))
