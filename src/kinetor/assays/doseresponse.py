"""Dose-response fits (3PL/4PL/5PL) for thousands of curves at once.

All curves are fitted together by batched Levenberg-Marquardt (:mod:`kinetor.numerics.lm`)
from two starts each (top and bottom from the extreme doses, and from the extreme
responses; the lower SSE kept); the estimates equal ``scipy.optimize.curve_fit`` to ~1e-6.

Reported per curve: relative IC50 (midpoint of top and bottom; ``log_ic50 = log10(ic50)``
for every model, the 5PL's location parameter is ``log_c``) with
Wald or profile-likelihood 95 % CI, absolute IC50 (dose where the response crosses
``absolute_level``, e.g. 50 % of vehicle), Hill slope, top and bottom with SEs, and a
``status``:

- ``ok``: converged, a dose-response, IC50 inside the tested dose range;
- ``flat``: no dose-response (F-test of the curve against a constant, p > ``flat_p``);
  no IC50, a bound instead ("IC50 > 10 uM" when the mean response at every dose is above
  the absolute level, "IC50 < 0.01 uM" when below), else "IC50 not determined";
- ``extrapolated``: IC50 outside the tested doses; the bound is reported, not the number
  (``abs_ic50`` only from a converged fit crossing the absolute level inside the doses);
- ``steep``: a Hill slope >= 10 (converged or not): the response falls between
  two adjacent doses, reported as "0.1 uM < IC50 < 0.3 uM";
- ``too_few_doses``: no more distinct doses than free parameters; no estimates;
- ``not_converged``: the fit failed (``reason`` says why, e.g. a curve no better than a
  constant); no estimates are reported.

Outliers: a point whose studentised residual exceeds ``outlier_z`` is flagged in
``points_`` (column ``outlier``) and counted in ``n_outliers``; it is never removed.

Examples
--------
>>> import numpy as np, pandas as pd
>>> dose = np.tile([0.01, 0.03, 0.1, 0.3, 1, 3, 10], 2)
>>> resp = 100 / (1 + dose / 0.5)
>>> df = pd.DataFrame({"drug": ["A"] * 7 + ["B"] * 7, "dose": dose,
...                    "response": np.r_[resp[:7], np.full(7, 98.0) + np.arange(7) % 2]})
>>> res = fit_dose_response(df, dose="dose", response="response", by="drug", dose_unit="uM")
>>> res[["drug", "status", "ic50_text"]].to_string(index=False)
'drug status   ic50_text\\n   A     ok IC50 = 0.5 uM\\n   B   flat IC50 > 10 uM'
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from kinetor.assays._checks import check_default_level, check_fit_options
from kinetor.assays._drstatus import classify
from kinetor.assays._lmstarts import fit_from_starts, no_better_than_constant
from kinetor.assays._profile import profile_interval
from kinetor.assays._tidy import pad_groups, require_numeric
from kinetor.assays.curves import (
    PARAMS,
    delta_se,
    log_dose_at,
    logistic,
    relative_log_ic50,
    start_values,
)
from kinetor.errors import DataError, Problem

Model = Literal["3pl", "4pl", "5pl"]

__all__ = ["DoseResponseFit", "fit_dose_response"]


class DoseResponseFit:
    """Logistic dose-response fits, one per group of ``by``.

    Parameters
    ----------
    model : {"4pl", "3pl", "5pl"}
        4PL (default); 3PL fixes the Hill slope at 1; 5PL adds an asymmetry parameter.
    fix : dict, optional
        Constrained parameters, e.g. ``{"top": 100, "bottom": 0}``.
    ci : {"wald", "profile"}
        Interval for the relative IC50: Wald (``log_ic50 +/- t * SE``) or profile
        likelihood (F-based; 3PL/4PL only).
    absolute_level : float, optional
        Response that defines the absolute IC50 (50 for percent of vehicle, 0.5 for a
        fraction). Default 50, refused (``DataError``) when every response is <= 1.5, i.e.
        the data look like fractions: then say which level you mean. Above
        :data:`~kinetor.assays._checks.RAW_SIGNAL` (raw signal) without a level only the
        relative IC50 is reported (``abs_ic50`` NaN, the reason in ``abs_ic50_text``).
    dose_unit : str
        Dose unit written in the IC50 text (the numbers stay in the input's unit): a
        concentration (``uM``, ``ng/mL``), a dose per body weight or surface (``mg/kg``,
        ``mg/m2``) or ``Gy``; ``""`` for none. Anything else is refused.
    flat_p : float
        Curves whose F-test against a constant has p above this are ``flat``.
    outlier_z : float
        Studentised-residual threshold for the outlier flag.
    ci_level : float
        Confidence level of the intervals (``level`` is an older alias).

    Attributes
    ----------
    results_ : DataFrame
        One row per curve (see :func:`fit_dose_response`).
    points_ : DataFrame
        Observed, predicted, residual, studentised residual and ``outlier`` per point.
    """

    def __init__(
        self,
        model: Model = "4pl",
        *,
        fix: dict[str, float] | None = None,
        ci: Literal["wald", "profile"] = "wald",
        absolute_level: float | None = None,
        dose_unit: str = "",
        flat_p: float = 0.05,
        outlier_z: float = 3.0,
        ci_level: float = 0.95,
        level: float | None = None,
    ):
        self.model = model
        self.fix = dict(fix or {})
        self.ci = ci
        self._level_given = absolute_level is not None
        self.absolute_level = 50.0 if absolute_level is None else absolute_level
        self.dose_unit = dose_unit
        self.flat_p = flat_p
        self.outlier_z = outlier_z
        self.ci_level = ci_level if level is None else level
        check_fit_options(self)  # a wrong option fails here, not after the fit
        self.absolute_level, self.ci_level = float(self.absolute_level), float(self.ci_level)

    # -- fitting -------------------------------------------------------------------------
    def _free(self, names: Sequence[str]) -> np.ndarray:
        free = np.array([n not in self.fix for n in names])
        if self.model == "3pl":
            free[3] = False
        return free

    def fit(
        self,
        data: pd.DataFrame,
        *,
        dose: str = "dose",
        response: str = "response",
        by: str | Sequence[str] | None = None,
        weight: str | None = None,
        source: str = "<DataFrame>",
    ) -> DoseResponseFit:
        """Fit every curve; returns ``self`` with ``results_`` and ``points_``."""
        check_fit_options(self)  # again: an option may have been changed since __init__
        names = PARAMS[self.model]
        by_cols = [by] if isinstance(by, str) else list(by or [])
        cols = [dose, response] + ([weight] if weight else [])
        require_numeric(data, cols, by_cols, source=source, nonnegative=[dose])
        top = float(pd.to_numeric(data[response]).abs().max())
        self._no_abs = "" if self._level_given else check_default_level(top, source, response)
        g = pad_groups(data, by_cols, [dose, response] + ([weight] if weight else []))
        x, y, w = g.values[dose], g.values[response], g.mask.astype(float)
        if weight:
            w = w * g.values[weight]
        k = len(names)
        free = self._free(names)
        lower, upper = self._bounds(x, w, k)
        starts = [start_values(x, y, w, k, spread=s) for s in (False, True)]
        for p0 in starts:
            for j, nm in enumerate(names):
                p0[:, j] = float(self.fix[nm]) if nm in self.fix else p0[:, j]
        starts = [np.clip(p0, lower, upper) for p0 in starts]
        res = fit_from_starts(starts, x, y, w, free=free, lower=lower, upper=upper)
        no_better_than_constant(res, y, w)  # a local minimum, not a result
        self._lower, self._upper, self._res = lower, upper, res
        p = res.params.copy()
        if k == 4:  # hill > 0 by convention: (b, t, c, h) == (t, b, c, -h)
            flip = (p[:, 3] < 0) & free[0] & free[1]
            p[flip] = p[flip][:, [1, 0, 2, 3]] * [1, 1, 1, -1]
            res.jac[flip] = res.jac[flip][:, :, [1, 0, 2, 3]] * [1, 1, 1, -1]
        self._x, self._y, self._w, self._groups = x, y, w, g
        self._p, self._free_mask, self._names = p, free, names
        self.results_, self.points_ = self._summarise(res, p, free, names, x, y, w, g)
        return self

    def results_at(self, level: float) -> pd.DataFrame:
        """:attr:`results_` with the absolute IC50 read at response ``level`` instead of
        ``absolute_level``: the same fitted curves summarised again (no refit)."""
        if not hasattr(self, "results_"):
            raise DataError(Problem("call fit() first", fix="DoseResponseFit(...).fit(data)"))
        other = copy.copy(self)
        other.absolute_level, other._no_abs = float(level), ""  # a level given: read there
        args = (self._p, self._free_mask, self._names, self._x, self._y, self._w, self._groups)
        return other._summarise(self._res, *args)[0]

    @property
    def summary(self) -> pd.DataFrame:
        """Long table in the shape of :attr:`kinetor.numerics.fitter.Fitter.summary`: group,
        parameter, estimate, se, rse_pct, ci_lower, ci_upper (t quantiles at
        ``ci_level``), unit, fixed, converged, reason (one row per curve and parameter)."""
        if not hasattr(self, "results_"):
            raise DataError(Problem("call fit() first", fix="DoseResponseFit(...).fit(data)"))
        r = self.results_
        keys = r[self._groups.keys.columns] if len(self._groups.keys.columns) else None
        group = (
            keys.astype(str).agg(" / ".join, axis=1)
            if keys is not None
            else pd.Series(0, index=r.index)
        )
        tq = stats.t.ppf(0.5 + self.ci_level / 2, np.maximum(r["n"] - self._free_mask.sum(), 1))
        rows = []
        for j, nm in enumerate(self._names):
            est, se = r[nm].to_numpy(float), r[f"{nm}_se"].to_numpy(float)
            free = bool(self._free_mask[j])
            with np.errstate(divide="ignore", invalid="ignore"):
                rse = 100 * se / np.abs(est)
            rows.append(
                pd.DataFrame(
                    {
                        "group": group.to_numpy(),
                        "parameter": nm,
                        "estimate": est,
                        "se": se,
                        "rse_pct": rse,
                        "ci_lower": est - tq * se if free else est,
                        "ci_upper": est + tq * se if free else est,
                        "unit": "log10 dose" if nm in ("log_ic50", "log_c") else "",
                        "fixed": not free,
                        "converged": r["converged"].to_numpy(bool),
                        "reason": r["reason"].to_numpy(),
                    }
                )
            )
        out = pd.concat(rows, ignore_index=True)
        order = np.argsort(np.tile(np.arange(len(r)), len(self._names)), kind="stable")
        return out.iloc[order].reset_index(drop=True)

    @staticmethod
    def _bounds(x, w, k):
        """Search box: log_ic50 within 4 decades of the tested doses, |hill| <= 50.

        Without it a flat curve sends log_ic50 to infinity; a curve that ends on the box is
        reported as flat or extrapolated, never with the boundary value as an estimate.
        """
        pos = (w > 0) & (x > 0)
        lx = np.log10(np.where(pos, x, 1.0))
        lo = np.where(pos, lx, np.inf).min(1)
        hi = np.where(pos, lx, -np.inf).max(1)
        lower = np.full((len(x), k), -np.inf)
        upper = np.full((len(x), k), np.inf)
        lower[:, 2], upper[:, 2] = lo - 4, hi + 4
        lower[:, 3], upper[:, 3] = -50, 50
        if k == 5:
            lower[:, 4], upper[:, 4] = 1e-3, 1e3
        return lower, upper

    # -- statistics ----------------------------------------------------------------------
    def _summarise(self, res, p, free, names, x, y, w, g):
        n_obs = (w > 0).sum(1)
        n_free = int(free.sum())
        dof = n_obs - n_free
        with np.errstate(divide="ignore", invalid="ignore"):
            s2 = np.where(dof > 0, res.sse / np.maximum(dof, 1), np.nan)
            jtw = res.jac.transpose(0, 2, 1) * w[:, None, :]
            info = jtw @ res.jac
            info = np.where(free[:, None] & free[None, :], info, np.eye(len(names)))
            inv = np.linalg.pinv(info) * (free[:, None] & free[None, :])
            cov = inv * s2[:, None, None]
            se = np.sqrt(
                np.where(np.einsum("nii->ni", cov) >= 0, np.einsum("nii->ni", cov), np.nan)
            )
            se = np.where(free, se, 0.0)
            tq = stats.t.ppf(0.5 + self.ci_level / 2, np.maximum(dof, 1))
            rel = relative_log_ic50(p)
            rel_se = se[:, 2] if len(names) == 4 else delta_se(relative_log_ic50, p, cov, free)
            absl = log_dose_at(p, self.absolute_level)
            abs_se = delta_se(lambda q: log_dose_at(q, self.absolute_level), p, cov, free)
            ybar = (w * y).sum(1) / w.sum(1)
            sst = (w * (y - ybar[:, None]) ** 2).sum(1)
            r2 = 1 - res.sse / sst
            fstat = ((sst - res.sse) / max(n_free - 1, 1)) / s2
            p_flat = np.where(
                dof > 0, stats.f.sf(fstat, max(n_free - 1, 1), np.maximum(dof, 1)), np.nan
            )
        lo_ci, hi_ci = rel - tq * rel_se, rel + tq * rel_se
        if self.ci == "profile":
            lo_ci, hi_ci = profile_interval(
                x, y, w, p, free, res.sse, dof, self._lower, self._upper, se[:, 2], self.ci_level
            )
        if "log_ic50" in self.fix or not n_free:  # given, not estimated: no interval
            lo_ci = hi_ci = np.full(len(p), np.nan)
            abs_se = abs_se if n_free else np.full(len(p), np.nan)
        # studentised residuals and leverage, for outlier flags
        with np.errstate(divide="ignore", invalid="ignore"):
            lev = np.einsum("nmi,nij,nmj->nm", res.jac, inv, res.jac) * w
            resid = np.where(w > 0, y - logistic(p, x)[0], np.nan)
            stud = resid * np.sqrt(w) / np.sqrt(s2[:, None] * np.clip(1 - lev, 1e-12, None))
        outlier = (np.abs(stud) > self.outlier_z) & (w > 0)

        xmin = np.where((w > 0) & (x > 0), x, np.inf).min(1)
        xmax = np.where(w > 0, x, -np.inf).max(1)
        table = g.keys.copy()
        table.insert(len(table.columns), "model", self.model)
        table["n"] = n_obs
        for j, nm in enumerate(names):
            table[nm] = p[:, j]
            table[f"{nm}_se"] = np.where(free[j], se[:, j], np.nan)
        if "log_c" in names:  # 5PL: log_ic50 is log10 of the (relative) IC50, as for 4PL
            table["log_ic50"], table["log_ic50_se"] = rel, rel_se
        shown = list(dict.fromkeys([*names, "log_ic50"]))
        table["fixed"] = ",".join(f"{k}={v:g}" for k, v in self.fix.items()) or (
            "hill=1" if self.model == "3pl" else ""
        )
        with np.errstate(over="ignore"):  # open intervals of flat curves overflow to inf
            table["ic50"] = 10**rel
            table["ic50_ci_low"], table["ic50_ci_high"] = 10**lo_ci, 10**hi_ci
            table["ic50_ci_method"] = self.ci
            table["abs_ic50"] = 10**absl
            table["abs_ic50_ci_low"] = 10 ** (absl - tq * abs_se)
            table["abs_ic50_ci_high"] = 10 ** (absl + tq * abs_se)
        table["absolute_level"] = self.absolute_level
        table["sse"], table["r2"], table["p_flat"] = res.sse, r2, p_flat
        table["n_outliers"] = outlier.sum(1)
        table["converged"] = res.converged
        status, reason, text, abs_text = classify(
            self, table, res, p_flat, rel, absl, xmin, xmax, ybar
        )
        table["status"], table["reason"] = status, reason
        table["ic50_text"], table["abs_ic50_text"] = text, abs_text
        blank = [
            c
            for c in table.columns
            if c.startswith(("ic50", "abs_ic50")) and not c.endswith(("_text", "_method"))
        ]
        table.loc[table["status"] != "ok", [c for c in blank if c.startswith("ic50")]] = np.nan
        # an absolute IC50 only from a converged ok or extrapolated curve crossing inside
        # the doses (an extrapolated relative IC50 can have its absolute one inside)
        inside = np.isfinite(absl) & (absl >= np.log10(xmin)) & (absl <= np.log10(xmax))
        usable = table["status"].isin(["ok", "extrapolated"]).to_numpy() & res.converged
        table.loc[~(inside & usable), [c for c in blank if c.startswith("abs")]] = np.nan
        if getattr(self, "_no_abs", ""):  # raw signal without a level: relative IC50 only
            table[[c for c in blank if c.startswith("abs")]] = np.nan
            table["absolute_level"], table["abs_ic50_text"] = np.nan, self._no_abs
        table.loc[~res.converged, shown] = np.nan
        table.loc[~res.converged, [f"{nm}_se" for nm in shown]] = np.nan
        pts = g.long.copy()
        sel = g.mask
        pts["predicted"] = logistic(p, x)[0][sel]
        pts["residual"] = resid[sel]
        pts["studentised"] = stud[sel]
        pts["outlier"] = outlier[sel]
        return table, pts


def fit_dose_response(
    data: pd.DataFrame,
    *,
    dose: str = "dose",
    response: str = "response",
    by: str | Sequence[str] | None = None,
    model: Model = "4pl",
    fix: dict[str, float] | None = None,
    ci: Literal["wald", "profile"] = "wald",
    absolute_level: float | None = None,
    dose_unit: str = "",
    weight: str | None = None,
    source: str = "<DataFrame>",
) -> pd.DataFrame:
    """Fit a logistic dose-response curve to every group of ``by`` (vectorised).

    Parameters
    ----------
    data : DataFrame
        Tidy data, one row per well.
    dose, response : str
        Column names (dose >= 0 in one unit; response e.g. percent of vehicle).
    by : str or list of str, optional
        Columns identifying a curve (compound, cell line, plate...).
    model, fix, ci, absolute_level, dose_unit
        See :class:`DoseResponseFit`.
    weight : str, optional
        Column of observation weights.
    source : str
        File name used in error messages.

    Returns
    -------
    DataFrame
        One row per curve: ``ic50, ic50_ci_low, ic50_ci_high`` (relative IC50),
        ``abs_ic50`` (+ CI), ``hill, top, bottom`` (+ ``_se``), ``log_ic50``
        (``log10(ic50)``, + ``_se``), for 5PL also ``log_c`` and ``asym`` (+ ``_se``),
        ``r2``, ``n_outliers``, ``converged``, ``status``, ``reason``, ``ic50_text``.
    """
    f = DoseResponseFit(model, fix=fix, ci=ci, absolute_level=absolute_level, dose_unit=dose_unit)
    return f.fit(data, dose=dose, response=response, by=by, weight=weight, source=source).results_
