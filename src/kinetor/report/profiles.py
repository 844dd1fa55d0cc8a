"""Concentration-time figures: individual, spaghetti, mean and composite (sparse) profiles.

Conventions (docs/report.md; PKNCA, Phoenix WinNonlin and CDISC practice):

* individual profiles: linear and semi-log (log10 y) panels side by side; measured samples
  filled, BLQ samples as open symbols at the LLOQ (own legend entry), excluded samples as
  crosses; dose times as caret ticks on the x axis;
* group plots use nominal time on x (actual time where nominal is missing, said in the
  axis label); spaghetti plots are semi-log, one colour per subject, BLQ omitted with the
  LLOQ drawn as a dotted line;
* mean profiles: arithmetic mean +/- SD per group and nominal time; the semi-log panel draws
  only the upper (+SD) bar because mean - SD is often <= 0; the number of samples per time
  point is printed in a strip under each panel.

Every function returns a ``matplotlib.figure.Figure`` (Agg canvas, not registered with
pyplot).

Examples
--------
>>> from kinetor.report._example import example_study
>>> study, _ = example_study()
>>> fig = plot_individual(study, "S1")
>>> [ax.get_yscale() for ax in fig.axes]
['linear', 'log']
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from kinetor._figures import plot_blq
from kinetor.report._common import (
    MARKERS,
    colours,
    conc_label,
    mark_doses,
    natural_key,
    new_figure,
    plot_time,
    positive_ylim,
    study_frame,
    time_label,
)

__all__ = [
    "mean_profile_table",
    "plot_individual",
    "plot_mean_profiles",
    "plot_spaghetti",
    "plot_sparse_profile",
]

TimeCol = Literal["time", "nominal_time"]


def _split(df: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Masks: measured and included, BLQ, measured but excluded."""
    excluded = df["exclude"].astype(str) != ""
    blq = df["blq"].astype(bool)
    measured = ~blq & df["conc"].notna()
    return measured & ~excluded, blq, measured & excluded


def plot_individual(
    study,
    subject: str,
    analyte: str | None = None,
    time: TimeCol = "time",
    *,
    matrix: str | None = None,
):
    """Concentration-time profile of one subject on linear and semi-log panels.

    Parameters
    ----------
    study : kinetor.data.Study
    subject : str
        Subject id.
    analyte : str, optional
        Needed when the study holds more than one analyte.
    matrix : str, optional
        Needed when the study holds more than one matrix (e.g. PLASMA and TUMOR).
    time : {"time", "nominal_time"}
        Actual (default) or nominal time on x; the other is used where one is missing.

    Returns
    -------
    matplotlib.figure.Figure
        Two axes: ``fig.axes[0]`` linear, ``fig.axes[1]`` log10 y. The legend of the
        linear panel names measured, BLQ (open symbol, plotted at LLOQ), excluded and dose.

    Examples
    --------
    >>> from kinetor.report._example import example_study
    >>> study, _ = example_study()
    >>> fig = plot_individual(study, "S1")
    >>> sorted(t.get_text() for t in fig.axes[0].get_legend().get_texts())
    ['BLQ (plotted at LLOQ)', 'LLOQ', 'dose', 'measured']
    """
    conc, analyte = study_frame(study, analyte, matrix)
    df = conc[conc["subject"] == str(subject)].copy()
    t, fallback = plot_time(df, time)
    df["_t"] = t
    df = df.sort_values("_t")
    ok, blq, excl = _split(df)
    doses = study.doses[study.doses["subject"] == str(subject)]
    dose_t = doses["time"].to_numpy(dtype=float)
    group = df["group_label"].iloc[0] if len(df) else ""
    lloq = df["lloq"].to_numpy(dtype=float)

    fig, axes = new_figure(10, 4, 1, 2)
    for ax, log in zip(axes[0], (False, True), strict=True):
        x, y = df.loc[ok, "_t"].to_numpy(), df.loc[ok, "conc"].to_numpy(dtype=float)
        if log:
            keep = y > 0  # zeros cannot be drawn on a log axis
            x, y = x[keep], y[keep]
        ax.plot(x, y, marker="o", color="C0", label="measured")
        plot_blq(ax, df.loc[blq, "_t"], df.loc[blq, "lloq"])
        if excl.any():
            ax.plot(
                df.loc[excl, "_t"],
                df.loc[excl, "conc"],
                linestyle="none",
                marker="x",
                color="0.4",
                label="excluded",
            )
        finite_lloq = np.unique(lloq[np.isfinite(lloq)])
        if finite_lloq.size == 1:
            ax.axhline(finite_lloq[0], color="0.5", linestyle=":", linewidth=1, label="LLOQ")
        mark_doses(ax, dose_t)
        ax.set_xlabel(time_label(study, time, fallback))
        ax.set_ylabel(conc_label(study, analyte))
        if log:
            ax.set_yscale("log")
            positive_ylim(ax, np.concatenate([y, lloq]))
            ax.set_title("semi-log")
        else:
            ax.set_ylim(bottom=0)
            ax.set_title("linear")
            ax.legend(fontsize=8, loc="best")
    fig.suptitle(
        f"Subject {subject}"
        + (f" ({group})" if group != "all" else "")
        + (f" - {analyte}" if analyte and analyte != "ANALYTE" else "")
    )
    no_lloq = int((blq & ~np.isfinite(df["lloq"].to_numpy(dtype=float))).sum())
    if no_lloq:  # a bare "BLQ" with no LLOQ known cannot be placed: say so on the figure
        fig.text(
            0.5,
            0.005,
            f"{no_lloq} BLQ sample(s) without a known LLOQ not plotted "
            "(give an LLOQ column or --lloq)",
            ha="center",
            va="bottom",
            fontsize=8,
            color="C3",
        )
    return fig


def plot_spaghetti(
    study,
    analyte: str | None = None,
    time: TimeCol = "nominal_time",
    ncols: int = 3,
    *,
    matrix: str | None = None,
):
    """All subjects of each dose group on semi-log axes, one colour per subject.

    One panel per group (shared y). BLQ samples are left out of the lines and the LLOQ is
    drawn as a dotted line; dose times are caret ticks on the x axis.

    Examples
    --------
    >>> from kinetor.report._example import example_study
    >>> study, _ = example_study()
    >>> fig = plot_spaghetti(study)
    >>> [ax.get_title() for ax in fig.axes if ax.get_visible()]
    ['10 mg/kg (n=3)', '30 mg/kg (n=3)']
    """
    conc, analyte = study_frame(study, analyte, matrix)
    t, fallback = plot_time(conc, time)
    conc = conc.assign(_t=t)
    groups = sorted(conc["group_label"].unique(), key=natural_key)
    ncols = max(1, min(ncols, len(groups)))
    nrows = -(-len(groups) // ncols)
    fig, axes = new_figure(4.2 * ncols + 0.8, 3.6 * nrows + 0.4, nrows, ncols, sharey=True)
    ok, _, _ = _split(conc)
    lloq = np.unique(conc["lloq"].dropna().to_numpy(dtype=float))
    flat = axes.ravel()
    for ax, g in zip(flat, groups, strict=False):
        gdf = conc[(conc["group_label"] == g) & ok & (conc["conc"] > 0)].sort_values("_t")
        subjects = sorted(conc.loc[conc["group_label"] == g, "subject"].unique(), key=natural_key)
        for s, col in zip(subjects, colours(len(subjects)), strict=True):
            sdf = gdf[gdf["subject"] == s]
            ax.plot(sdf["_t"], sdf["conc"], marker="o", markersize=4, color=col, label=s)
        if lloq.size == 1:
            ax.axhline(lloq[0], color="0.5", linestyle=":", linewidth=1, label="LLOQ")
        dose_t = study.doses.loc[study.doses["subject"].isin(subjects), "time"]
        mark_doses(ax, dose_t)
        ax.set_yscale("log")
        positive_ylim(ax, gdf["conc"])
        ax.set_title(f"{g} (n={len(subjects)})")
        ax.set_xlabel(time_label(study, time, fallback))
        if len(subjects) <= 12:
            ax.legend(fontsize=7, ncols=2 if len(subjects) > 6 else 1)
    for ax in flat[len(groups) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel(conc_label(study, analyte))
    fig.suptitle("Individual profiles by group (semi-log; BLQ omitted)")
    return fig


def mean_profile_table(
    study,
    analyte: str | None = None,
    time: TimeCol = "nominal_time",
    blq_as: Literal["zero", "half-lloq", "missing"] = "zero",
    *,
    matrix: str | None = None,
) -> pd.DataFrame:
    """Arithmetic mean, SD, SE and n per group and time point.

    Excluded samples are left out. BLQ samples count as 0 (``"zero"``, default), as
    LLOQ/2 (``"half-lloq"``) or not at all (``"missing"``).

    .. math:: \\bar c = \\frac{1}{n}\\sum_i c_i, \\quad
              SD = \\sqrt{\\frac{\\sum_i (c_i - \\bar c)^2}{n - 1}}, \\quad SE = SD/\\sqrt{n}

    A time point where more than half of the samples are BLQ has no mean (NaN, ``blq``
    True): it is reported as BLQ and not plotted.

    Returns
    -------
    DataFrame
        ``group, time, n, n_blq, mean, sd, se, blq`` (SD and SE are NaN when n < 2).

    Examples
    --------
    >>> from kinetor.report._example import example_study
    >>> study, _ = example_study()
    >>> tab = mean_profile_table(study)
    >>> tab.loc[tab["time"] == 24, ["group", "n", "n_blq"]].to_dict("records")
    [{'group': '10 mg/kg', 'n': 3, 'n_blq': 2}, {'group': '30 mg/kg', 'n': 3, 'n_blq': 2}]
    """
    conc, _ = study_frame(study, analyte, matrix)
    t, _ = plot_time(conc, time)
    _require_nominal(study, conc, time, t)
    conc = conc.assign(_t=t)
    conc = conc[(conc["exclude"].astype(str) == "") & np.isfinite(t)]
    value = conc["conc"].to_numpy(dtype=float).copy()
    blq = conc["blq"].to_numpy(dtype=bool)
    if blq_as == "zero":
        value[blq] = 0.0
    elif blq_as == "half-lloq":
        value[blq] = conc["lloq"].to_numpy(dtype=float)[blq] / 2
    elif blq_as == "missing":
        value[blq] = np.nan
    else:
        raise ValueError(f"blq_as must be 'zero', 'half-lloq' or 'missing', not {blq_as!r}")
    conc = conc.assign(_v=value, _blq=blq)
    g = conc.groupby(["group_label", "_t"], sort=True)
    out = g.agg(
        n=("_v", "count"),
        n_blq=("_blq", "sum"),
        n_all=("_blq", "size"),
        mean=("_v", "mean"),
        sd=("_v", "std"),
    ).reset_index()
    # a mean of mostly BLQ samples is reported as BLQ and not plotted (PKNCA's
    # "<=50% BLQ" summary rule)
    out["blq"] = out["n_blq"] > 0.5 * out["n_all"]
    out.loc[out["blq"], ["mean", "sd"]] = np.nan
    out = out.rename(columns={"group_label": "group", "_t": "time"})
    rank = {g: i for i, g in enumerate(sorted(out["group"].unique(), key=natural_key))}
    out = (
        out.sort_values(["time"])
        .sort_values("group", key=lambda c: c.map(rank), kind="stable")
        .reset_index(drop=True)
    )
    out["n_blq"] = out["n_blq"].astype(int)
    out["se"] = out["sd"] / np.sqrt(out["n"])
    return out[["group", "time", "n", "n_blq", "mean", "sd", "se", "blq"]]


def _require_nominal(study, conc: pd.DataFrame, time: str, t: np.ndarray) -> None:
    """Refuse a mean over actual times that differ between subjects (an n = 1 zig-zag)."""
    if time != "nominal_time" or conc["nominal_time"].notna().any():
        return
    per = conc.assign(_t=t).groupby(["group_label", "_t"])["subject"].nunique()
    sizes = conc.groupby("group_label")["subject"].nunique()
    if (sizes > 1).any() and float(per.median()) <= 1.0:
        from kinetor.errors import DataError, Problem

        raise DataError(
            [
                Problem(
                    "mean profiles need nominal times: the data have none and the actual times "
                    "differ between subjects (a mean of n = 1 per time would zig-zag)",
                    file=study.source,
                    column="nominal_time",
                    fix="give a nominal time column, or bin the actual times to the protocol: "
                    "--nominal-times 0,0.25,0.5,1,2,4,8,24 (kinetor.data.bin_nominal_times)",
                )
            ]
        )


def _thin(times: np.ndarray, n: np.ndarray, min_gap: float = 0.025):
    """(time, n) labels to print: a label closer than ``min_gap`` of the time range to the
    last printed one is skipped only when it repeats the same n (no information is lost)."""
    span = float(np.ptp(times)) if times.size else 0.0
    last_t, last_n = -np.inf, None
    for t, k in zip(times, n, strict=True):
        if last_n == int(k) and t - last_t < min_gap * span:
            continue
        last_t, last_n = t, int(k)
        yield t, int(k)


def _summary_figure(
    study,
    stats: pd.DataFrame,
    analyte: str,
    time: TimeCol,
    error: str,
    title: str,
    points: pd.DataFrame | None = None,
):
    """Linear (+/- error) and semi-log (+ error only) panels with an n strip under each."""
    groups = list(dict.fromkeys(stats["group"]))
    cols = colours(len(groups))
    fig, axes = new_figure(
        10,
        4.2 + 0.18 * len(groups),
        2,
        2,
        gridspec_kw={"height_ratios": [4, 0.3 + 0.22 * len(groups)]},
    )
    for j, log in enumerate((False, True)):
        ax, nax = axes[0, j], axes[1, j]
        nax.sharex(ax)
        for i, (g, col) in enumerate(zip(groups, cols, strict=True)):
            s = stats[stats["group"] == g]
            x, m, e = (s[c].to_numpy(dtype=float) for c in ("time", "mean", error))
            e, n = np.nan_to_num(e), s["n"].to_numpy(dtype=int)
            x_n, n_n = x, n  # n is shown also under a BLQ mean (NaN, not drawn)
            if log:
                keep = m > 0  # a zero mean cannot be drawn (nor its n labelled) on a log axis
                x, m, e, n = x[keep], m[keep], e[keep], n[keep]
                x_n, n_n = x, n
                yerr = np.vstack([np.zeros_like(e), e])  # upper bar only on a log axis
            else:
                drawn = np.isfinite(m)
                x, m, e = x[drawn], m[drawn], e[drawn]
                yerr = np.vstack([np.minimum(e, m), e])  # a bar never crosses zero
            ax.errorbar(
                x,
                m,
                yerr=yerr,
                marker=MARKERS[i % len(MARKERS)],
                color=col,
                capsize=3,
                markersize=5,
                label=g,
            )
            for xt, k in _thin(x_n, n_n):
                nax.text(
                    xt, i, str(k), ha="center", va="center", fontsize=7, color=col, clip_on=True
                )
            if points is not None:
                p = points[(points["group_label"] == g) & (points["conc"] > 0)]
                ax.plot(
                    p["_t"],
                    p["conc"],
                    linestyle="none",
                    marker=".",
                    color=col,
                    alpha=0.35,
                    markersize=4,
                )
        ax.set_xlabel(time_label(study, time))
        ax.set_ylabel(conc_label(study, analyte))
        if log:
            ax.set_yscale("log")
            positive_ylim(ax, stats["mean"])
            ax.set_title(f"semi-log (mean + {error.upper()})")
        else:
            ax.set_ylim(bottom=0)
            ax.set_title(f"linear (mean \u00b1 {error.upper()})")
            ax.legend(fontsize=8)
        nax.set_ylim(len(groups) - 0.5, -0.5)
        nax.set_yticks(range(len(groups)), [f"n {g}" for g in groups], fontsize=7)
        nax.tick_params(axis="x", bottom=False, labelbottom=False)
        nax.tick_params(axis="y", left=False)
        for spine in nax.spines.values():
            spine.set_visible(False)
    fig.suptitle(title)
    return fig


def plot_mean_profiles(
    study,
    analyte: str | None = None,
    time: TimeCol = "nominal_time",
    blq_as: Literal["zero", "half-lloq", "missing"] = "zero",
    *,
    matrix: str | None = None,
):
    """Arithmetic mean +/- SD per group and nominal time, linear and semi-log panels.

    The semi-log panel shows only the +SD bar; a strip under each panel gives the number
    of samples behind each mean. See :func:`mean_profile_table` for the BLQ handling.

    Examples
    --------
    >>> from kinetor.report._example import example_study
    >>> study, _ = example_study()
    >>> fig = plot_mean_profiles(study)
    >>> fig.axes[1].get_yscale(), fig.axes[0].get_title()
    ('log', 'linear (mean ± SD)')
    """
    stats = mean_profile_table(study, analyte, time, blq_as, matrix=matrix)
    _, analyte = study_frame(study, analyte, matrix)
    n_blq = int(stats["blq"].sum())
    extra = f"; {n_blq} mean(s) with > 50 % BLQ reported as BLQ, not plotted" if n_blq else ""
    return _summary_figure(
        study, stats, analyte, time, "sd", f"Mean profiles by group (BLQ as {blq_as}{extra})"
    )


def plot_sparse_profile(
    study,
    analyte: str | None = None,
    time: TimeCol = "nominal_time",
    blq_as: Literal["zero", "half-lloq", "missing"] = "zero",
    *,
    matrix: str | None = None,
):
    """Composite profile of a sparsely sampled study: mean +/- SE per nominal time.

    Each animal contributes a few samples, so the profile is built across animals; the
    individual samples are drawn as faint dots behind the means.

    Examples
    --------
    >>> from kinetor.report._example import example_study
    >>> study, _ = example_study()
    >>> fig = plot_sparse_profile(study)
    >>> fig.axes[0].get_title()
    'linear (mean ± SE)'
    """
    stats = mean_profile_table(study, analyte, time, blq_as, matrix=matrix)
    conc, analyte = study_frame(study, analyte, matrix)
    t, _ = plot_time(conc, time)
    ok, _, _ = _split(conc)
    points = conc.assign(_t=t)[ok.to_numpy()]
    return _summary_figure(
        study,
        stats,
        analyte,
        time,
        "se",
        f"Composite (sparse) profile by group (BLQ as {blq_as})",
        points,
    )
