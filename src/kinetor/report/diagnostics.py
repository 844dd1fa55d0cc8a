"""Half-life (lambda_z) diagnostic plots and parameter distributions by group.

The half-life plot draws, on a semi-log axis, every sample of one subject's profile, the
points used for lambda_z highlighted, the shaded range ``LAMZLL..LAMZUL``, and the fitted
terminal line

.. math:: \\hat c(t) = C_{last,pred} \\, e^{-\\lambda_z (t - t_{last})}

which has slope ``-LAMZ`` on the natural-log scale and passes through ``CLSTP`` at ``TLST``.
When ``CLSTP`` is missing the intercept is the least-squares one for the fixed slope,
``ln C0 = mean(ln c_i + lambda_z t_i)`` over the lambda_z points. A text box gives
``LAMZHL``, ``R2ADJ``, ``LAMZNPT`` and ``AUCPEO``, plus any exclusion reason.

Times: ``LAMZLL``, ``LAMZUL`` and ``TLST`` are read in the time frame of the interval, i.e.
time after the interval start (PKNCA's convention); for a single-dose profile starting at
0 this is the study time itself. Pass ``relative_times=False`` when the NCA table reports
them on the study clock.

Examples
--------
>>> from kinetor.report._example import example_study
>>> study, params = example_study()
>>> fig = plot_half_life(study, params, "S1")
>>> fig.axes[0].get_yscale()
'log'
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kinetor._figures import PALETTE, plot_blq
from kinetor.nca.registry import summary_statistic
from kinetor.report._common import (
    colours,
    conc_label,
    format_sig,
    natural_key,
    new_figure,
    param_frame,
    param_groups,
    plot_time,
    positive_ylim,
    study_frame,
)

__all__ = ["plot_half_life", "plot_parameter_distribution"]


def _pick(
    params: pd.DataFrame,
    subject: str,
    analyte: str,
    matrix: str,
    interval: tuple[float, float] | None,
) -> pd.DataFrame:
    p = params[params["subject"] == str(subject)]
    for col, value in (("analyte", analyte), ("matrix", matrix)):
        if col in p.columns:
            p = p[p[col].astype(str) == value]
    if interval is not None:
        p = p[
            np.isclose(p["start"].astype(float), interval[0])
            & (p["end"].astype(float) == interval[1])
        ]
    elif p[["start", "end"]].drop_duplicates().shape[0] > 1:
        # several intervals: the first one that has a lambda_z row
        has = p[p["PPTESTCD"] == "LAMZ"]
        first = has.iloc[0] if len(has) else p.iloc[0]
        p = p[(p["start"] == first["start"]) & (p["end"] == first["end"])]
    return p


def _used(
    points: pd.DataFrame, subject: str, analyte: str, matrix: str, start: float, times: np.ndarray
) -> np.ndarray:
    """Which of ``times`` (study clock) are flagged ``used`` in a lambda_z points table."""
    sel = (points["subject"].astype(str) == str(subject)) & points["used"].astype(bool)
    for col, value in (("analyte", analyte), ("matrix", matrix)):
        if col in points.columns:
            sel &= points[col].astype(str) == value
    if "start" in points.columns:
        sel &= np.isclose(points["start"].to_numpy(float), start)
    used = points.loc[sel, "time"].to_numpy(float)
    scale = 1e-9 * np.maximum(1.0, np.abs(times))
    return (np.abs(times[:, None] - used[None, :]) <= scale[:, None]).any(axis=1)


def plot_half_life(
    study,
    parameters,
    subject: str,
    analyte: str | None = None,
    interval: tuple[float, float] | None = None,
    relative_times: bool = True,
    *,
    matrix: str | None = None,
    time: str = "time",
    lambda_z_points: pd.DataFrame | None = None,
):
    """Semi-log lambda_z diagnostic plot for one subject (and interval).

    Parameters
    ----------
    study : kinetor.data.Study
    parameters : DataFrame or result with ``.parameters``
        NCA long table (``subject, start, end, PPTESTCD, value, unit, exclude``) holding
        at least ``LAMZ``, ``LAMZLL``, ``LAMZUL`` and ``TLST`` for the subject.
    subject : str
    analyte : str, optional
    interval : (start, end), optional
        Which interval; default: the first one with a ``LAMZ`` row.
    relative_times : bool
        ``True`` (default): parameter times are after the interval start.
    matrix : str, optional
        Needed when the study holds more than one matrix.
    time : {"time", "nominal_time"}
        The time column the NCA used (``Options.time`` "actual" or "nominal").
    lambda_z_points : DataFrame, optional
        ``NCAResult.lambda_z_points``: ``subject, (analyte, matrix, start), time, used``.
        When given, the points flagged ``used`` are highlighted (this honours points
        excluded by hand inside the range); otherwise every usable sample between
        ``LAMZLL`` and ``LAMZUL`` is.

    Returns
    -------
    matplotlib.figure.Figure
        One log-y axes. ``fig.axes[0].get_lines()`` holds the fitted line with label
        ``"fit: slope -LAMZ"``.

    Examples
    --------
    >>> from kinetor.report._example import example_study
    >>> study, params = example_study()
    >>> fig = plot_half_life(study, params, "S1")
    >>> line = [ln for ln in fig.axes[0].get_lines() if ln.get_label().startswith("fit")][0]
    >>> x, y = line.get_xdata(), line.get_ydata()
    >>> lamz = params.query("subject == 'S1' and PPTESTCD == 'LAMZ'")["value"].item()
    >>> bool(np.isclose(np.log(y[-1] / y[0]) / (x[-1] - x[0]), -lamz))
    True
    """
    params = param_frame(parameters)
    conc, analyte = study_frame(study, analyte, matrix)
    matrix = str(conc["matrix"].iloc[0]) if len(conc) else ""
    p = _pick(params, subject, analyte, matrix, interval)
    val = dict(zip(p["PPTESTCD"], p["value"], strict=False))
    unit = dict(zip(p["PPTESTCD"], p["unit"], strict=False))
    why = dict(zip(p["PPTESTCD"], p["exclude"], strict=False))
    start = float(p["start"].iloc[0]) if len(p) else 0.0
    end = float(p["end"].iloc[0]) if len(p) else np.inf

    df = conc[conc["subject"] == str(subject)].copy()
    t, _ = plot_time(df, time)
    offset = start if relative_times and np.isfinite(start) else 0.0
    df["_t"] = t - offset
    window = (t >= start) & (t <= end) if np.isfinite(start) else np.ones(len(df), bool)
    df = df[window].sort_values("_t")
    excluded = df["exclude"].astype(str) != ""
    blq = df["blq"].astype(bool)
    ok = ~blq & ~excluded & (df["conc"] > 0)

    lamz, ll, ul = (val.get(k, np.nan) for k in ("LAMZ", "LAMZLL", "LAMZUL"))
    tlst, clstp = val.get("TLST", np.nan), val.get("CLSTP", np.nan)
    if not np.isfinite(ul):
        ul = tlst
    tol = 1e-9 * max(1.0, abs(ul) if np.isfinite(ul) else 1.0)
    in_fit = ok & (df["_t"] >= ll - tol) & (df["_t"] <= ul + tol) if np.isfinite(ll) else ok & False
    if lambda_z_points is not None:
        in_fit = ok & _used(
            lambda_z_points, subject, analyte, matrix, start, df["_t"].to_numpy(float) + offset
        )

    fig, axes = new_figure(6.4, 4.4)
    ax = axes[0, 0]
    if np.isfinite(ll) and np.isfinite(ul):
        ax.axvspan(
            ll,
            ul,
            color=PALETTE[1],
            alpha=0.12,
            label=f"\u03bbz range {format_sig(ll)}\u2013{format_sig(ul)}",
        )
    ax.plot(
        df.loc[ok & ~in_fit, "_t"],
        df.loc[ok & ~in_fit, "conc"],
        linestyle="none",
        marker="o",
        color="0.55",
        label="other samples",
    )
    if in_fit.any():
        ax.plot(
            df.loc[in_fit, "_t"],
            df.loc[in_fit, "conc"],
            linestyle="none",
            marker="o",
            markersize=8,
            color=PALETTE[1],
            markeredgecolor="black",
            label=f"\u03bbz points (n={int(in_fit.sum())})",
        )
    plot_blq(ax, df.loc[blq, "_t"], df.loc[blq, "lloq"], markersize=6)
    if (excluded & ~blq).any():
        m = excluded & ~blq & (df["conc"] > 0)
        ax.plot(
            df.loc[m, "_t"],
            df.loc[m, "conc"],
            linestyle="none",
            marker="x",
            color="0.3",
            label="excluded",
        )

    fitted = np.isfinite(lamz) and np.isfinite(ll) and lamz > 0
    t_ref = tlst if np.isfinite(tlst) else ul
    log_c_ref = np.nan
    if fitted and np.isfinite(clstp) and clstp > 0:
        log_c_ref = np.log(clstp)
    elif fitted and in_fit.any():  # least-squares intercept for the fixed slope
        pts = df[in_fit]
        log_c_ref = float(np.mean(np.log(pts["conc"]) + lamz * (pts["_t"] - t_ref)))
    if np.isfinite(log_c_ref) and np.isfinite(t_ref):
        xs = np.linspace(ll, max(ul, t_ref), 50)
        ax.plot(
            xs,
            np.exp(log_c_ref - lamz * (xs - t_ref)),
            color=PALETTE[0],
            linewidth=1.6,
            label="fit: slope -LAMZ",
        )
        if np.isfinite(clstp) and np.isfinite(tlst):
            ax.plot(
                [tlst],
                [clstp],
                marker="+",
                markersize=12,
                color=PALETTE[0],
                linestyle="none",
                label="CLSTP at TLST",
            )
    ax.set_yscale("log")
    positive_ylim(ax, df["conc"])
    tu = study.units.get("time", "")
    ax.set_xlabel(f"Time after interval start ({tu})" if offset else f"Time ({tu})")
    ax.set_ylabel(conc_label(study, analyte))
    ax.set_title(f"Subject {subject}: terminal half-life (\u03bbz) diagnostic")

    lines = []
    if fitted:
        for code, name in (
            ("LAMZHL", "t\u00bd"),
            ("LAMZ", "\u03bbz"),
            ("R2ADJ", "adj. R\u00b2"),
            ("LAMZNPT", "n points"),
            ("AUCPEO", "AUC %extrap"),
        ):
            if code in val:
                v = val[code]
                text = f"{v:.0f}" if code == "LAMZNPT" and np.isfinite(v) else format_sig(v)
                lines.append(f"{name} = {text} {unit.get(code, '')}".rstrip())
    else:
        lines.append("\u03bbz not estimated")
    reasons = sorted(
        {r for c, r in why.items() if r and c in ("LAMZ", "LAMZHL", "R2ADJ", "AUCPEO", "AUCIFO")}
    )
    lines += [f"flag: {r}" for r in reasons]
    ax.text(
        0.98,
        0.97,
        "\n".join(lines),
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=8,
        bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.9, "edgecolor": "0.6"},
    )
    ax.legend(fontsize=7, loc="best")
    return fig


def plot_parameter_distribution(
    parameters,
    codes: Sequence[str] = ("CMAX", "AUCLST", "AUCIFO", "LAMZHL"),
    group_by: Sequence[str] | None = None,
    ncols: int = 4,
    seed: int = 0,
):
    """Box plot with the individual values (jittered strip) per group, one panel per code.

    Boxes summarise the included values; excluded values (non-empty ``exclude``) are drawn
    as grey crosses and left out of the box. Parameters summarised by a geometric mean
    (:func:`kinetor.nca.registry.summary_statistic`) use a log10 y axis when all values
    are positive.

    Parameters
    ----------
    parameters : DataFrame or result with ``.parameters``
    codes : sequence of str
        PPTESTCDs to draw (codes absent from the table are skipped).
    group_by : sequence of str, optional
        Grouping columns; default: every non-core column of the table.
    seed : int
        Seed of the horizontal jitter (the figure is reproducible).

    Examples
    --------
    >>> from kinetor.report._example import example_study
    >>> _, params = example_study()
    >>> fig = plot_parameter_distribution(params, ["CMAX", "TMAX"])
    >>> [(ax.get_title(), ax.get_yscale()) for ax in fig.axes if ax.get_visible()]
    [('CMAX', 'log'), ('TMAX', 'linear')]
    """
    df = param_frame(parameters)
    by = list(group_by) if group_by is not None else param_groups(df)
    df["_group"] = df[by].astype(str).agg(" / ".join, axis=1) if by else "all"
    present = [c for c in codes if c in set(df["PPTESTCD"])]
    if not present:
        present = list(dict.fromkeys(df["PPTESTCD"]))[:4]
    groups = sorted(df["_group"].unique(), key=natural_key)
    cols = colours(len(groups))
    ncols = max(1, min(ncols, len(present)))
    nrows = -(-len(present) // ncols)
    fig, axes = new_figure(3.3 * ncols + 0.5, 3.4 * nrows + 0.3, nrows, ncols)
    rng = np.random.default_rng(seed)
    flat = axes.ravel()
    for ax, code in zip(flat, present, strict=False):
        sub = df[(df["PPTESTCD"] == code) & np.isfinite(df["value"])]
        inc = sub[sub["exclude"] == ""]
        data = [inc.loc[inc["_group"] == g, "value"].to_numpy() for g in groups]
        ax.boxplot(
            [d if d.size else np.array([np.nan]) for d in data],
            positions=range(len(groups)),
            widths=0.5,
            showfliers=False,
            medianprops={"color": "black"},
        )
        for i, (g, col) in enumerate(zip(groups, cols, strict=True)):
            for frame, marker in ((inc, "o"), (sub[sub["exclude"] != ""], "x")):
                v = frame.loc[frame["_group"] == g, "value"].to_numpy()
                x = i + rng.uniform(-0.15, 0.15, v.size)
                ax.plot(
                    x,
                    v,
                    linestyle="none",
                    marker=marker,
                    markersize=5,
                    color=col if marker == "o" else "0.4",
                    alpha=0.85,
                    label="excluded" if marker == "x" else None,
                )
        ax.set_xticks(range(len(groups)), groups, rotation=30 if len(groups) > 3 else 0)
        unit = next((u for u in sub["unit"] if u), "")
        ax.set_title(code)
        ax.set_ylabel(f"{code} ({unit})" if unit else code)
        vals = sub["value"].to_numpy()
        if summary_statistic(code) == "geometric" and vals.size and (vals > 0).all():
            ax.set_yscale("log")
    for ax in flat[len(present) :]:
        ax.set_visible(False)
    fig.suptitle("NCA parameters by group (box: included values; points: individuals)")
    return fig
