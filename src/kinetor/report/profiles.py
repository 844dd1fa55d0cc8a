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

The mean and composite profiles live in :mod:`kinetor.report.mean_profiles` (re-exported
here). Every function returns a ``matplotlib.figure.Figure`` from
:func:`kinetor._figures.new_figure` (not registered with pyplot).

Examples
--------
>>> from kinetor.report._example import example_study
>>> study, _ = example_study()
>>> fig = plot_individual(study, "S1")
>>> [ax.get_yscale() for ax in fig.axes]
['linear', 'log']
"""

from __future__ import annotations

import numpy as np

from kinetor._figures import PALETTE, plot_blq
from kinetor.report._common import (
    TimeCol,
    colours,
    conc_label,
    mark_doses,
    natural_key,
    new_figure,
    plot_time,
    positive_ylim,
    sample_masks,
    study_frame,
    time_label,
)
from kinetor.report.mean_profiles import (
    mean_profile_table,
    plot_mean_profiles,
    plot_sparse_profile,
)

__all__ = [
    "mean_profile_table",
    "plot_individual",
    "plot_mean_profiles",
    "plot_spaghetti",
    "plot_sparse_profile",
]


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
    ok, blq, excl = sample_masks(df)
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
        ax.plot(x, y, marker="o", color=PALETTE[0], label="measured")
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
            color=PALETTE[3],
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
    ok, _, _ = sample_masks(conc)
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
