"""Growth-rate inhibition (GR) metrics, Hafner et al. (2016) Nat Methods 13:521,
doi:10.1038/nmeth.3853.

.. math::

    GR(c) = 2^{\\log_2(x(c)/x_0) / \\log_2(x_{ctrl}/x_0)} - 1

with ``x(c)`` the cell count after treatment, ``x_0`` the count at time zero and
``x_ctrl`` the vehicle-control count at the end (status likely: the defining equation of Hafner 2016).
``GR = 1``: no effect; ``0``: cytostatic; ``< 0``: cytotoxic. The curve
``GR(c) = GR_inf + (1 - GR_inf) / (1 + (c / GEC_50)^h)`` is the 4PL with top fixed at 1;
``GR50`` is the dose where it crosses ``GR = 0.5`` (Hafner 2016; none when
``GR_inf >= 0.5``: reported as a bound), ``GR100`` the dose where it crosses ``GR = 0``
(cytostatic; the name of the authors' GR calculator, grcalculator.org; none when
``GR_inf >= 0``), ``GRmax`` the fitted GR at the highest tested dose, ``GR_AOC`` the area
over the observed GR values (trapezoids on log10 dose) divided by the log10 dose range.
As in the authors' code, ``GR_inf`` is fitted within [-1, 1], and a ``flat`` curve (no
dose-response by the F-test) reports the flat fit as a logistic: ``GRinf`` the mean GR
(within [-1, 1]), ``GEC50`` 0 and ``h_GR`` 0.01; its ``GRmax`` is the observed mean GR at
the highest dose.
GR50 and GR_AOC reproduce the worked example of the authors' ``gr_metrics`` Python code
(datarail; GR50 0.114025, GR_AOC 0.481125; test); its ``GRmax`` is the observed GR at the
highest dose, kinetor's the fitted one (status likely for the definitions).

Examples
--------
>>> import numpy as np
>>> float(gr_values(np.array([400.0]), 400.0, 100.0)[0])   # grows like control
1.0
>>> float(gr_values(np.array([100.0]), 400.0, 100.0)[0])   # cytostatic
0.0
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kinetor.assays._tidy import require_numeric
from kinetor.assays.doseresponse import DoseResponseFit
from kinetor.errors import DataError, Problem

__all__ = ["fit_gr", "gr_values"]


class _GRFit(DoseResponseFit):
    """The 4PL fit of GR values with GR_inf (``bottom``) searched within [-1, 1], the
    bounds of the authors' gr_metrics code: GR >= -1 by definition."""

    @staticmethod
    def _bounds(x, w, k):
        lower, upper = DoseResponseFit._bounds(x, w, k)
        lower[:, 0], upper[:, 0] = -1.0, 1.0
        return lower, upper


def gr_values(count, control, time_zero) -> np.ndarray:
    """GR value of each count.

    ``control`` and ``time_zero`` are one number each (shared by every count) or one per
    count (the same length as ``count``). Counts must be >= 0 (0 gives GR = -1), control
    and time-zero counts > 0, and every control must have grown (control > time zero).

    Raises
    ------
    DataError
        Lengths that differ, a missing or non-numeric value, a negative count, a control
        or time-zero count <= 0, a control that did not grow; position and parameter named.
    """
    arrays = {}
    for name, v in (("count", count), ("control", control), ("time_zero", time_zero)):
        try:
            arrays[name] = np.asarray(v, float)
        except (TypeError, ValueError):
            raise DataError(
                Problem(f"{name} is not all numbers", column=name, fix="pass cell counts")
            ) from None
    x, xc, x0 = arrays.values()
    n = x.size
    problems = [
        Problem(
            f"{name} has {a.size} values, count has {n}",
            column=name,
            fix="give one number (shared) or one per count",
        )
        for name, a in arrays.items()
        if a.ndim > 1 or (a.ndim == 1 and name != "count" and a.size != n)
    ]
    if problems:
        raise DataError(problems)
    xc, x0 = np.broadcast_to(xc, x.shape), np.broadcast_to(x0, x.shape)
    for name, a, low, what in (
        ("count", x, 0.0, ">= 0"),
        ("control", xc, np.nextafter(0.0, 1.0), "> 0"),
        ("time_zero", x0, np.nextafter(0.0, 1.0), "> 0"),
    ):
        for i in np.flatnonzero(~(np.isfinite(a) & (a >= low)))[:20]:
            problems.append(
                Problem(
                    f"{a.flat[i]:g} at position {i} is not a number {what}",
                    column=name,
                    fix="cell counts are numbers; control and time-zero counts are > 0",
                )
            )
    if not problems:
        for i in np.flatnonzero(~(xc > x0))[:20]:
            problems.append(
                Problem(
                    f"control {xc.flat[i]:g} <= time zero {x0.flat[i]:g} at position {i}: "
                    "GR is undefined",
                    column="control",
                    fix="GR needs growing controls; use viability instead",
                )
            )
    if problems:
        raise DataError(problems)
    with np.errstate(divide="ignore"):  # count 0: log2(0) = -inf, GR = -1
        return 2.0 ** (np.log2(x / x0) / np.log2(xc / x0)) - 1.0


def fit_gr(
    data: pd.DataFrame,
    *,
    dose: str = "dose",
    count: str = "count",
    control: str = "count_control",
    time_zero: str = "count_t0",
    by: str | Sequence[str] | None = None,
    dose_unit: str = "",
    source: str = "<DataFrame>",
) -> pd.DataFrame:
    """GR values and GR metrics per curve.

    Parameters
    ----------
    data : DataFrame
        One row per treated well: dose, end-point count, the matching vehicle-control
        count (mean of the plate's vehicle wells) and time-zero count.
    by : str or list of str, optional
        Columns identifying a curve.

    Returns
    -------
    DataFrame
        Per curve: ``GR50, GR50_text`` (GR = 0.5), ``GR100, GR100_text`` (GR = 0),
        ``GRmax, GRinf, GEC50, h_GR, GR_AOC, status, reason``. A crossing outside the
        tested doses is NaN with a bound in the text (``GR stays above 0.5: GR50 > 10 uM``).
    """
    by_cols = [by] if isinstance(by, str) else list(by or [])
    require_numeric(
        data, [dose, count, control, time_zero], by_cols, source=source, nonnegative=[dose, count]
    )
    d = data.copy()
    problems = []
    for col in (control, time_zero):
        bad = np.flatnonzero(d[col].to_numpy(float) <= 0)
        problems += [
            Problem(
                "count must be > 0",
                file=source,
                row=int(i) + 2,
                column=col,
                fix="check the control and time-zero counts",
            )
            for i in bad[:20]
        ]
    grew = d[control].to_numpy(float) > d[time_zero].to_numpy(float)
    for i in np.flatnonzero(~grew)[:20]:
        problems.append(
            Problem(
                "control did not grow (control count <= time-zero count): GR undefined",
                file=source,
                row=int(i) + 2,
                column=control,
                fix="GR needs growing controls; use viability instead",
            )
        )
    if problems:
        raise DataError(problems)
    d["gr"] = gr_values(d[count], d[control], d[time_zero])
    fit = _GRFit("4pl", fix={"top": 1.0}, absolute_level=0.5, dose_unit=dose_unit)
    fit.fit(d, dose=dose, response="gr", by=by_cols or None, source=source)
    r = fit.results_
    r100 = fit.results_at(0.0)
    p = fit._p
    xmax = np.where(fit._w > 0, fit._x, -np.inf).max(1)
    from kinetor.assays.curves import logistic

    grmax = logistic(p, xmax[:, None])[0][:, 0]
    # AOC from the observed means per dose (positive doses), trapezoids on log10 dose
    aoc = np.full(len(r), np.nan)
    pts = fit.points_.assign(_lx=np.log10(fit.points_[dose].where(fit.points_[dose] > 0)))
    gid = pts.groupby(by_cols, sort=True).ngroup() if by_cols else pd.Series(0, pts.index)
    means = pts.assign(_g=gid).dropna(subset=["_lx"]).groupby(["_g", "_lx"])["gr"].mean()
    for g, s in means.groupby(level="_g"):
        xs = s.index.get_level_values("_lx").to_numpy()
        if xs.size >= 2:
            aoc[g] = np.trapezoid(1.0 - s.to_numpy(), xs) / (xs.max() - xs.min())
    out = r[by_cols].copy() if by_cols else pd.DataFrame(index=r.index)
    for name, t in (("GR50", r), ("GR100", r100)):
        out[name] = t["abs_ic50"]
        out[f"{name}_text"] = (
            t["abs_ic50_text"].str.replace("IC50", name).str.replace("response", "GR")
        )
    # a flat curve: the flat fit written as a logistic (GR_inf the mean, GEC50 0, h 0.01,
    # as in gr_metrics); GRmax the observed mean GR at the highest dose
    flat = (r["status"] == "flat").to_numpy()
    w, y, x = fit._w, fit._y, fit._x
    with np.errstate(invalid="ignore", divide="ignore"):
        ybar = np.clip((w * y).sum(1) / w.sum(1), -1.0, 1.0)
        top_w = w * (x == xmax[:, None])
        y_top = (top_w * y).sum(1) / top_w.sum(1)
    out["GRmax"] = np.where(flat, y_top, np.where(r["converged"], grmax, np.nan))
    out["GRinf"] = np.where(flat, ybar, r["bottom"])
    out["GEC50"] = np.where(flat, 0.0, r["ic50"])
    out["h_GR"] = np.where(flat, 0.01, r["hill"])
    out["GR_AOC"] = aoc
    out["status"], out["reason"] = r["status"], r["reason"]
    return out
