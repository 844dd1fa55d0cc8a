"""Figures of population fits and bioequivalence: goodness-of-fit panels, VPC, individual
fits and a forest plot of geometric mean ratios (matplotlib imported lazily).

Every function returns a ``matplotlib.figure.Figure`` (:mod:`kinetor._figures`); the
optional ``path`` also writes it (:func:`kinetor._figures.save_figure`).

Examples
--------
>>> import pandas as pd
>>> res = pd.DataFrame({"metric": ["AUC", "CMAX"], "ratio_pct": [98.0, 104.0],
...                     "ci_low_pct": [90.0, 92.0], "ci_high_pct": [106.0, 117.0]})
>>> fig = plot_be_forest(res)
>>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
['AUC', 'CMAX']
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kinetor._figures import plot_blq, save_figure
from kinetor.report._common import colours, new_figure

__all__ = [
    "plot_be_forest",
    "plot_dose_proportionality",
    "plot_gof",
    "plot_individual_fits",
    "plot_vpc",
]


def _done(fig, path):
    """The figure; with ``path`` (a convenience) also written there at the figure's dpi."""
    if path is not None:
        save_figure(fig, path, dpi=fig.dpi)
    return fig


def _unity(ax, x, y) -> None:
    both = np.concatenate([np.asarray(x, float), np.asarray(y, float)])
    both = both[np.isfinite(both)]
    if both.size:
        lo, hi = float(both.min()), float(both.max())
        ax.plot([lo, hi], [lo, hi], color="grey", lw=0.8, ls="--")


def plot_gof(fit, path: str | Path | None = None):
    """Four goodness-of-fit panels: DV vs PRED, DV vs IPRED, CWRES vs time, CWRES vs PRED."""
    tab = fit.table[~fit.table["blq"]]
    unit = fit.units["conc"]
    fig, axes = new_figure(9.0, 7.5, 2, 2)
    panels = [
        ("pred", "dv", f"PRED ({unit})", f"DV ({unit})", True),
        ("ipred", "dv", f"IPRED ({unit})", f"DV ({unit})", True),
        ("time", "cwres", f"time ({fit.units['time']})", "CWRES", False),
        ("pred", "cwres", f"PRED ({unit})", "CWRES", False),
    ]
    for ax, (xc, yc, xl, yl, unity) in zip(axes.ravel(), panels, strict=True):
        ax.scatter(tab[xc], tab[yc], s=12, alpha=0.6, color=colours(1)[0])
        if unity:
            _unity(ax, tab[xc], tab[yc])
        else:
            ax.axhline(0, color="grey", lw=0.8)
            for v in (-2, 2):
                ax.axhline(v, color="grey", lw=0.6, ls=":")
        ax.set_xlabel(xl)
        ax.set_ylabel(yl)
    status = (
        ("converged" + (f"; at boundary 0: {', '.join(fit.boundary)}" if fit.boundary else ""))
        if fit.converged
        else f"NOT converged: {fit.reason}"
    )
    fig.suptitle(f"{fit.model.structure} FOCE-I, OFV {fit.ofv:.2f} ({status})", fontsize=10)
    return _done(fig, path)


def plot_vpc(result, path: str | Path | None = None, log: bool = False):
    """Observed points and percentiles over the simulated percentile intervals; with BLQ
    samples (observed or simulated) a second panel shows the fraction BLQ per bin against
    the simulated interval (Bergstrand & Karlsson 2009). Percentiles below the LLOQ are
    NaN in the table and leave gaps."""
    tab = result.table.dropna(subset=["time_mid"])
    show_blq = "obs_blq_frac" in tab and bool(
        (tab["n_blq"] > 0).any() or (tab["sim_blq_frac_high"] > 0).any()
    )
    if show_blq:
        fig, axes = new_figure(7.0, 6.4, 2, 1, gridspec_kw={"height_ratios": [3, 1]})
        _blq_panel(axes[1, 0], tab, result)
    else:
        fig, axes = new_figure(7.0, 4.8)
    ax = axes[0, 0]
    obs = result.observed
    ax.scatter(obs["time"], obs["dv"], s=8, color="grey", alpha=0.5, label="observed")
    col = colours(3)
    for i, q in enumerate(result.quantiles):
        tag = f"{100 * q:g}"
        ax.fill_between(
            tab["time_mid"],
            tab[f"sim_{tag}_low"],
            tab[f"sim_{tag}_high"],
            color=col[1] if tag == "50" else col[0],
            alpha=0.25,
            label=(
                f"simulated {tag}th ({100 * result.ci:g}% CI)"
                if tag == "50"
                else "simulated outer percentiles"
                if i == 0
                else None
            ),
        )
        ax.plot(
            tab["time_mid"],
            tab[f"obs_{tag}"],
            color="black",
            ls="-" if tag == "50" else "--",
            label=f"observed {tag}th",
        )
    for edge in np.unique(np.concatenate([tab["time_low"], tab["time_high"]])):
        ax.axvline(edge, color="grey", lw=0.4, ls=":")
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(f"time ({result.units['time']})")
    label = "prediction-corrected concentration" if result.pred_corr else "concentration"
    ax.set_ylabel(f"{label} ({result.units['conc']})")
    ax.set_title(f"{'pc' if result.pred_corr else ''}VPC, {result.n_sim} replicates", fontsize=10)
    ax.legend(frameon=False, fontsize="x-small")
    return _done(fig, path)


def _blq_panel(ax, tab, result) -> None:
    ax.fill_between(
        tab["time_mid"],
        tab["sim_blq_frac_low"],
        tab["sim_blq_frac_high"],
        color=colours(3)[0],
        alpha=0.25,
        label=f"simulated ({100 * result.ci:g}% CI)",
    )
    ax.plot(tab["time_mid"], tab["obs_blq_frac"], color="black", marker="o", ms=3, label="observed")
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"time ({result.units['time']})")
    ax.set_ylabel("fraction BLQ")
    ax.legend(frameon=False, fontsize="x-small")


def plot_individual_fits(fit, path: str | Path | None = None, max_subjects: int = 16):
    """Observations with IPRED (solid) and PRED (dashed) for the first subjects."""
    tab = fit.table
    subjects = list(dict.fromkeys(tab["subject"]))[:max_subjects]
    order = {s: i for i, s in enumerate(fit.data.subjects)}
    times, ipred, pred = fit.curves()
    n = len(subjects)
    ncols = min(4, n)
    nrows = int(np.ceil(n / ncols))
    fig, axes = new_figure(2.6 * ncols, 2.2 * nrows, nrows, ncols, sharex=True)
    for ax, s in zip(axes.ravel(), subjects, strict=False):
        d = tab[tab["subject"] == s].sort_values("time")
        ok = ~d["blq"]
        i = order[s]
        ax.plot(d["time"][ok], d["dv"][ok], "o", ms=3, color="black")
        plot_blq(ax, d["time"][~ok], d["lloq"][~ok], label=None, markersize=4)
        ax.plot(times[i], ipred[i], color=colours(1)[0], label="IPRED")
        ax.plot(times[i], pred[i], color="grey", ls="--", label="PRED")
        ax.set_title(str(s), fontsize=8)
    axes[0, 0].legend(frameon=False, fontsize="x-small")
    for ax in axes[-1, :]:
        ax.set_xlabel(f"time ({fit.units['time']})")
    for ax in axes[:, 0]:
        ax.set_ylabel(fit.units["conc"])
    for ax in axes.ravel()[n:]:
        ax.set_visible(False)
    return _done(fig, path)


def plot_be_forest(result, path: str | Path | None = None, limits=(80.0, 125.0)):
    """Geometric mean ratio (%) with its 90% CI per metric, and the acceptance limits."""
    fig, axes = new_figure(6.0, 1.2 + 0.6 * len(result))
    ax = axes[0, 0]
    y = np.arange(len(result))[::-1]
    ax.errorbar(
        result["ratio_pct"],
        y,
        xerr=[
            result["ratio_pct"] - result["ci_low_pct"],
            result["ci_high_pct"] - result["ratio_pct"],
        ],
        fmt="o",
        color="black",
        capsize=4,
    )
    for lim in limits:
        ax.axvline(lim, color="red", ls="--", lw=0.8)
    if "lower_limit_pct" in result:  # reference-scaled (ABEL) limits, per metric
        for yi, (_, row) in zip(y, result.iterrows(), strict=True):
            if not np.isclose(row["lower_limit_pct"], limits[0]):
                ax.plot([row["lower_limit_pct"]] * 2, [yi - 0.3, yi + 0.3], color="orange")
                ax.plot([row["upper_limit_pct"]] * 2, [yi - 0.3, yi + 0.3], color="orange")
    ax.axvline(100, color="grey", lw=0.6)
    ax.set_yticks(y, list(result["metric"]))
    ax.set_xscale("log")
    from matplotlib.ticker import FixedLocator, NullLocator, ScalarFormatter

    lo = min(float(np.min(result["ci_low_pct"])), limits[0]) * 0.95
    hi = max(float(np.max(result["ci_high_pct"])), limits[1]) * 1.05
    if "lower_limit_pct" in result:
        lo = min(lo, float(np.min(result["lower_limit_pct"])) * 0.95)
        hi = max(hi, float(np.max(result["upper_limit_pct"])) * 1.05)
    ax.set_xlim(lo, hi)
    ticks = [v for v in (50, 70, 80, 90, 100, 110, 125, 140, 150, 200) if lo <= v <= hi]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(ScalarFormatter())
    ax.set_xlabel("test/reference geometric mean ratio (%), 90% CI")
    ax.set_title("red: 80-125 %; orange: widened (ABEL) limits", fontsize=8)
    return _done(fig, path)


def plot_dose_proportionality(result, path: str | Path | None = None):
    """Log-log values against dose with the fitted power model, one panel per metric."""
    metrics = list(result.table["metric"])
    fig, axes = new_figure(4.2 * len(metrics), 3.8, 1, len(metrics))
    for ax, (_, row) in zip(axes.ravel(), result.table.iterrows(), strict=True):
        d = result.data[result.data["metric"] == row["metric"]]
        dose_col = next(c for c in d.columns if c not in ("value", "metric"))
        ax.scatter(d[dose_col], d["value"], s=14, color=colours(1)[0])
        xs = np.geomspace(d[dose_col].min(), d[dose_col].max(), 50)
        ax.plot(
            xs,
            np.exp(row["intercept"]) * xs ** row["slope"],
            color="black",
            label=f"b = {row['slope']:.3f} ({row['slope_ci_low']:.3f}, {row['slope_ci_high']:.3f})",
        )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("dose")
        ax.set_ylabel(str(row["metric"]))
        ax.set_title(f"accept b in ({row['accept_low']:.3f}, {row['accept_high']:.3f})", fontsize=9)
        ax.legend(frameon=False, fontsize="x-small")
    return _done(fig, path)
