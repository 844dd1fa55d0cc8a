"""The status of each dose-response curve and the text of its IC50 (module
:mod:`kinetor.assays.doseresponse` lists the statuses: ok, flat, extrapolated, steep,
too_few_doses, not_converged). Formatting only: every number is computed, vectorised, by
the fit; this module decides which of them a curve may report and how.
"""

from __future__ import annotations

import numpy as np

from kinetor.numerics.formatting import format_g

__all__ = ["STEEP", "classify"]

STEEP = 10.0  # |Hill| above which a fit is a step between two doses


def _fmt(v: float) -> str:
    return format_g(v, 3, nan="nan")


def _observed_side(x, y, w, level: float) -> int:
    """+1 when the mean response at every dose > 0 lies above ``level``, -1 when below at
    every such dose, 0 when the observed means are on both sides (or touch it)."""
    sel = (w > 0) & (x > 0)
    doses, inv = np.unique(x[sel], return_inverse=True)
    if not doses.size:
        return 0
    means = np.bincount(inv, w[sel] * y[sel]) / np.bincount(inv, w[sel])
    return 1 if (means > level).all() else -1 if (means < level).all() else 0


def _withhold(table, few, names) -> None:
    """Blank, in place, every number fitted to a curve with too few doses: with no more
    distinct doses than free parameters the curve only passes through the dose means, and
    any of a family of parameter sets does so with the same SSE (the starting values come
    back as a converged "estimate"). The SSE, the outlier flags and the points stay."""
    if not few.any():
        return
    fitted = [
        c
        for c in table.columns
        if c in (*names, "log_ic50")
        or c.endswith("_se")
        or (c.startswith(("ic50", "abs_ic50")) and not c.endswith(("_text", "_method")))
    ]
    table.loc[few, [*fitted, "r2", "p_flat"]] = np.nan
    table.loc[few, "converged"] = False


def classify(fit, table, res, p_flat, rel, absl, xmin, xmax, ybar):
    """Status, reason, IC50 text and absolute-IC50 text of every curve of ``fit`` (a
    :class:`~kinetor.assays.doseresponse.DoseResponseFit` after its vectorised fit).

    A ``too_few_doses`` curve has no estimates: its parameters, SEs, intervals, r2 and
    p_flat are set to NaN and ``converged`` to False in ``table`` (in place)."""
    n = len(table)
    p = fit._p
    # a fit still crawling along a ridge beyond the doses is an incomplete curve
    at_box = (p[:, 2] > np.log10(xmax)) | (p[:, 2] < np.log10(xmin))
    big = np.nanmax(fit._x) * 2 + 1  # beyond every dose: marks padding
    xs = np.sort(np.where(fit._w > 0, fit._x, big), axis=1)
    n_doses = (xs[:, 0] < big).astype(int) + ((np.diff(xs, axis=1) > 0) & (xs[:, 1:] < big)).sum(1)
    n_par = int(fit._free_mask.sum())
    floor = np.minimum(p[:, 0], p[:, 1])
    status = np.full(n, "ok", dtype=object)
    reason = np.full(n, "", dtype=object)
    text = np.full(n, "", dtype=object)
    abs_text = np.full(n, "", dtype=object)
    u = f" {fit.dose_unit}" if fit.dose_unit else ""
    lvl = fit.absolute_level
    # a profile limit that never crosses the threshold is open (0 or inf in the table)
    prof = fit.ci == "profile"
    lo0 = prof & (table["ic50_ci_low"] == 0).to_numpy()
    hi_inf = prof & np.isposinf(table["ic50_ci_high"].to_numpy())
    opened = [
        " and ".join(
            s for s, o in (("below (lower limit 0)", a), ("above (upper limit inf)", b)) if o
        )
        for a, b in zip(lo0, hi_inf, strict=True)
    ]
    for i in range(n):  # formatting only; the numbers are computed above, vectorised
        lo, hi = _fmt(xmin[i]), _fmt(xmax[i])
        n_dose = int(n_doses[i])
        if n_dose <= n_par:
            status[i] = "too_few_doses"
            reason[i] = (
                f"{n_dose} distinct doses for {n_par} free parameters: the parameters are "
                "not identifiable (test more doses, or fix parameters)"
            )
            text[i] = abs_text[i] = "no estimate (too few doses)"
            continue
        if np.isfinite(p_flat[i]) and p_flat[i] > fit.flat_p:
            # the F-test uses the lowest SSE reached, so it stands even when the
            # (ill-posed) fit of a flat curve did not converge
            status[i] = "flat"
            reason[i] = f"no dose-response (F-test against a constant, p = {p_flat[i]:.2g})"
            if not res.converged[i]:
                reason[i] += f"; curve fit did not converge ({res.reason[i]})"
            # a bound only where every dose's observed mean is on one side of the level
            side = _observed_side(fit._x[i], fit._y[i], fit._w[i], lvl)
            text[i] = {1: f"IC50 > {hi}{u}", -1: f"IC50 < {lo}{u}"}.get(side, "IC50 not determined")
            if not side:
                reason[i] += f"; the mean responses lie on both sides of {lvl:g}: no bound"
        elif not res.converged[i] and at_box[i]:
            status[i] = "extrapolated"
            reason[i] = (
                f"incomplete curve: the fit moves {fit._names[2]} beyond the tested "
                f"doses ({res.reason[i]})"
            )
            text[i] = f"IC50 > {hi}{u}" if p[i, 2] > np.log10(xmax[i]) else f"IC50 < {lo}{u}"
        elif abs(p[i, 3]) >= STEEP:
            # converged or not, such a slope is a step between two doses: the data fix the
            # interval between those doses, not a point (or a Wald interval) inside it
            status[i] = "steep"
            reason[i] = (
                f"Hill slope {abs(p[i, 3]):.3g} >= {STEEP:g}: the response drops "
                "between two doses, IC50 not identifiable"
                + ("" if res.converged[i] else f" ({res.reason[i]})")
            )
            xpos = np.unique(fit._x[i][(fit._w[i] > 0) & (fit._x[i] > 0)])
            below = xpos[xpos <= 10 ** p[i, 2]]
            above_ = xpos[xpos > 10 ** p[i, 2]]
            a = _fmt(below.max()) if below.size else "0"
            b = _fmt(above_.min()) if above_.size else "inf"
            text[i] = abs_text[i] = f"{a}{u} < IC50 < {b}{u}"
            continue
        elif not res.converged[i]:
            status[i], reason[i] = "not_converged", res.reason[i]
            text[i] = abs_text[i] = "no estimate (fit did not converge)"
            continue
        elif not np.isfinite(rel[i]) or rel[i] > np.log10(xmax[i]):
            status[i], reason[i] = "extrapolated", "relative IC50 above the highest dose"
            text[i] = f"IC50 > {hi}{u}"
        elif rel[i] < np.log10(xmin[i]):
            status[i], reason[i] = "extrapolated", "relative IC50 below the lowest dose"
            text[i] = f"IC50 < {lo}{u}"
        else:
            text[i] = f"IC50 = {_fmt(10 ** rel[i])}{u}"
            if "log_ic50" in fit.fix:
                text[i] += " (fixed)"
                reason[i] = f"log_ic50 fixed at {fit.fix['log_ic50']:g}: the IC50 is not estimated"
            elif opened[i]:
                reason[i] = f"profile interval open {opened[i]}: the data do not bound the IC50 "
                reason[i] += (
                    "on that side at this confidence level"
                    if "and" not in opened[i]
                    else "at this confidence level"
                )
        if status[i] == "flat":
            abs_text[i] = text[i]
        elif not res.converged[i]:  # no number from a failed fit; a bound from the data
            side = _observed_side(fit._x[i], fit._y[i], fit._w[i], lvl)
            abs_text[i] = {
                1: f"response stays above {lvl:g}: IC50 > {hi}{u}",
                -1: f"response below {lvl:g} at every dose: IC50 < {lo}{u}",
            }.get(side, "IC50 not determined (fit did not converge)")
        elif np.isfinite(absl[i]) and np.log10(xmin[i]) <= absl[i] <= np.log10(xmax[i]):
            abs_text[i] = f"IC50 = {_fmt(10 ** absl[i])}{u}"
        else:
            never_below = floor[i] >= lvl or (np.isfinite(absl[i]) and absl[i] > np.log10(xmax[i]))
            abs_text[i] = (
                f"response stays above {lvl:g}: IC50 > {hi}{u}"
                if never_below
                else f"response below {lvl:g} at every dose: IC50 < {lo}{u}"
            )
    _withhold(table, status == "too_few_doses", fit._names)
    if not n_par:
        note = "every parameter is fixed: nothing is estimated"
        reason = np.array([f"{r}; {note}" if r else note for r in reason], dtype=object)
    return status, reason, text, abs_text
