"""Mean and composite (sparse) concentration-time profiles and their table.

Mean profiles: arithmetic mean +/- SD per group and nominal time (docs/report.md); the
semi-log panel draws only the upper (+SD) bar because mean - SD is often <= 0; the number
of samples per time point is printed in a strip under each panel. A time point with more
than half of its samples BLQ has no mean (PKNCA's "<= 50 % BLQ" summary rule). Sparse
(serial-sacrifice) designs get the composite profile: mean +/- SE across animals with the
individual samples as faint dots.

Every function returns a ``matplotlib.figure.Figure`` from
:func:`kinetor._figures.new_figure` (not registered with pyplot).

Examples
--------
>>> from kinetor.report._example import example_study
>>> study, _ = example_study()
>>> int(mean_profile_table(study)["n"].max())
3
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from kinetor.report._common import (
    MARKERS,
    TimeCol,
    colours,
    conc_label,
    natural_key,
    new_figure,
    plot_time,
    positive_ylim,
    sample_masks,
    study_frame,
    time_label,
)

__all__ = ["mean_profile_table", "plot_mean_profiles", "plot_sparse_profile"]


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
    ok, _, _ = sample_masks(conc)
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
