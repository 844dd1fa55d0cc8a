r"""Single dose-response curves (3PL/4PL/5PL) on the shared fitter base.

:class:`LogisticFitter` is a :class:`kinetor.numerics.fitter.Fitter`: the same fitted
attributes as the PK and PD fitters (``params_``, ``se_``, ``ci_lower_``/``ci_upper_`` at
``ci_level`` with t quantiles, ``rse_``, ``converged_``, ``convergence_reason_``,
``loglik_``, ``aic_``...), the same long ``summary`` table, error models, censored values
(M3) and estimation groups. The model is :func:`kinetor.assays.curves.logistic` (the one
the vectorised :class:`~kinetor.assays.doseresponse.DoseResponseFit` uses), parameters
``bottom, top, log_ic50, hill`` with ``log_ic50 = log10(IC50)`` in the dose unit (5PL:
``bottom, top, log_c, hill, asym``, ``log_c`` the location parameter; its IC50 is
``ic50_``).

Use it for one curve (or a few, as ``groups``) with the fitter's options; use
:func:`~kinetor.assays.fit_dose_response` for plates of thousands of curves (batched
Levenberg-Marquardt, statuses, IC50 texts). Both give the ordinary least-squares estimate
(``method="wls"``, uniform weights, the default here) and agree with
``scipy.optimize.curve_fit`` (tested).

Bounds: ``log_ic50`` (``log_c``) within 4 decades of the tested doses (as the batch fit), ``|hill| <=
50``, ``asym`` in [1e-3, 1e3] (log scale); ``bottom`` and ``top`` free.

Examples
--------
>>> import numpy as np
>>> dose = np.array([0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0])
>>> y = 5 + 90 / (1 + (dose / 0.4) ** 1.2)
>>> f = LogisticFitter().fit(dose, y)
>>> round(float(f.ic50_.iloc[0]), 6), round(float(f.params_["hill"].iloc[0]), 6)
(0.4, 1.2)
>>> f.summary.columns[:4].tolist()
['group', 'parameter', 'estimate', 'se']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kinetor.assays.curves import PARAMS, logistic, start_values
from kinetor.errors import ModelError
from kinetor.numerics.fitter import Fitter

__all__ = ["LogisticFitter"]


class LogisticFitter(Fitter):
    """A logistic dose-response model on the shared fitter base (see the module).

    Parameters
    ----------
    model : {"4pl", "3pl", "5pl"}
        4PL (default); 3PL fixes the Hill slope at 1; 5PL adds an asymmetry parameter.
    fix : dict, optional
        Parameters held at a value, e.g. ``{"top": 100, "bottom": 0}`` (alias of
        ``fixed``).
    method, error, weighting, blq, init, ci_level, n_starts, n_random, seed
        As :class:`kinetor.numerics.fitter.Fitter`; default ``method="wls"`` (ordinary
        least squares with uniform weights).
    """

    def __init__(
        self,
        model: str = "4pl",
        *,
        fix: dict[str, float] | None = None,
        method: str = "wls",
        error: str = "additive",
        **options: Any,
    ):
        if model not in PARAMS:
            raise ModelError(f"unknown model {model!r}: choose 3pl, 4pl or 5pl")
        fixed = {**dict(options.pop("fixed", None) or {}), **dict(fix or {})}
        if model == "3pl":
            if fixed.get("hill", 1.0) != 1.0:
                raise ModelError("the 3PL model fixes hill at 1: use model='4pl'")
            fixed["hill"] = 1.0
        super().__init__(method=method, error=error, fixed=fixed, **options)
        self.model = model
        self._box = (-np.inf, np.inf)

    def _names(self) -> tuple[str, ...]:
        return PARAMS[self.model]

    def _natural_bounds(self, name: str) -> tuple[float, float]:
        return {
            "log_ic50": self._box,
            "log_c": self._box,
            "hill": (-50.0, 50.0),
            "asym": (1e-3, 1e3),
        }.get(name, (-np.inf, np.inf))

    def fit(self, dose, response, data: Any = None, **kwargs) -> LogisticFitter:
        """Fit ``response`` against ``dose`` (>= 0); ``groups``, ``lloq``, ``censored`` as
        :meth:`kinetor.numerics.fitter.Fitter.fit`. Returns ``self``."""
        x = np.asarray(dose, float).ravel()
        pos = x[np.isfinite(x) & (x > 0)]
        if pos.size:
            lx = np.log10(pos)
            self._box = (float(lx.min()) - 4.0, float(lx.max()) + 4.0)
        if np.any(np.isfinite(x) & (x < 0)):
            raise ModelError("doses must be >= 0")
        return super().fit(x, response, data, **kwargs)

    def _matrix(self, params: dict[str, np.ndarray], n: int) -> np.ndarray:
        p = self.per_observation(params)
        return np.column_stack(
            [np.broadcast_to(np.asarray(p[k], float), (n,)) for k in self._names()]
        )

    def _predict(self, params, t, data):
        return logistic(self._matrix(params, t.size), t[:, None])[0][:, 0]

    def _initial(self, t, y, data) -> dict[str, np.ndarray]:
        n_g = self._n_g
        m = int(np.bincount(self._gidx, minlength=n_g).max())
        x_pad, y_pad, w_pad = np.zeros((n_g, m)), np.zeros((n_g, m)), np.zeros((n_g, m))
        for g in range(n_g):
            sel = (self._gidx == g) & ~self._cens
            k = int(sel.sum())
            x_pad[g, :k], y_pad[g, :k], w_pad[g, :k] = t[sel], y[sel], 1.0
        p0 = start_values(x_pad, y_pad, w_pad, len(PARAMS[self.model]))
        lo, hi = self._box
        p0[:, 2] = np.clip(np.nan_to_num(p0[:, 2], nan=(lo + hi) / 2), lo, hi)
        return {k: p0[:, j] for j, k in enumerate(self._names())}

    @property
    def ic50_(self) -> pd.Series:
        """Relative IC50 per group (``10 ** log_ic50``; 5PL: the mid-response dose, not
        ``10 ** log_c``)."""
        from kinetor.assays.curves import relative_log_ic50

        self._check_fitted()
        p = self.params_[list(self._names())].to_numpy(float)
        return pd.Series(10 ** relative_log_ic50(p), index=self.params_.index, name="ic50")
