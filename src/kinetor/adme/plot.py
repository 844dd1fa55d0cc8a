"""Cumulative excretion plot (a Figure from :mod:`kinetor._figures`; matplotlib imported on call)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kinetor._figures import CONTROL, new_figure, save_figure

__all__ = ["plot_excretion"]


def _total_curve(intervals: pd.DataFrame) -> pd.DataFrame:
    """Total cumulative % dose per subject at every interval end (step-wise per matrix).

    At time ``T`` each matrix contributes its cumulative % at the last interval ending at
    or before ``T``; exact where all matrices share collection times.
    """
    rows = []
    for subject, sub in intervals.groupby("subject", sort=False):
        ends = np.unique(sub["end"].to_numpy(float))
        total = np.zeros(ends.size)
        for _, m in sub.groupby("matrix", sort=False):
            m = m.sort_values("end")
            idx = np.searchsorted(m["end"].to_numpy(float), ends, side="right") - 1
            cum = m["cum_pct_dose"].to_numpy(float)
            total += np.where(idx >= 0, cum[np.clip(idx, 0, None)], 0.0)
        rows.append(
            pd.DataFrame(
                {"subject": subject, "matrix": "TOTAL", "end": ends, "cum_pct_dose": total}
            )
        )
    return pd.concat(rows, ignore_index=True)


def plot_excretion(result, path: str | Path | None = None):
    """Mean (+/- SD over subjects) cumulative % of dose vs collection end time per matrix,
    with the total.

    Parameters
    ----------
    result : ExcretionResult
    path : path, optional
        Convenience: also write the figure there (:func:`kinetor._figures.save_figure`).

    Returns
    -------
    matplotlib.figure.Figure
    """
    iv = result.intervals[["subject", "matrix", "end", "cum_pct_dose"]]
    data = pd.concat([iv, _total_curve(result.intervals)], ignore_index=True)
    # every curve starts from 0 % at the first collection start
    t0 = float(result.intervals["start"].min())
    zero = data[["subject", "matrix"]].drop_duplicates().assign(end=t0, cum_pct_dose=0.0)
    data = pd.concat([zero, data], ignore_index=True)
    fig, ax = new_figure(6.4, 4.4, squeeze=True, layout="tight")
    for matrix, grp in data.groupby("matrix", sort=False):
        stats = grp.groupby("end")["cum_pct_dose"].agg(["mean", "std", "size"]).reset_index()
        style = {"color": CONTROL, "lw": 2.0} if matrix == "TOTAL" else {}
        ax.errorbar(
            stats["end"],
            stats["mean"],
            yerr=stats["std"].fillna(0.0),
            marker="o",
            ms=4,
            capsize=3,
            label=matrix.replace("_", " ").lower(),
            **style,
        )
    ax.set_xlabel("time (end of collection interval)")
    ax.set_ylabel("cumulative excretion (% of dose)")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)
    ax.set_title("Cumulative excretion (mean ± SD)")
    if path is not None:
        save_figure(fig, path, dpi=120)
    return fig
