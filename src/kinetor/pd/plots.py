"""Tumour-volume plot: group mean +/- SEM over days.

matplotlib is imported inside the function (Agg backend) so that importing
``kinetor.pd`` stays light.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kinetor._figures import literal_user_text
from kinetor.pd.volumes import ensure_volumes, volume_summary

__all__ = ["plot_volumes"]


def plot_volumes(
    data,
    path: str | Path,
    log: bool = False,
    control: str | None = None,
    value: str = "volume",
    ylabel: str | None = None,
    title: str | None = None,
) -> Path:
    """Write a PNG of the group mean +/- SEM of ``value`` against day.

    Parameters
    ----------
    data : DataFrame or path
        Tidy volumes (or the output of :func:`kinetor.pd.volume_summary`).
    path : path
        PNG file to write.
    log : bool
        Log-scale y axis (then the geometric mean is plotted, with the SEM of the
        arithmetic values as a guide).
    control : str, optional
        Drawn first, in black.

    Returns
    -------
    Path
    """
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    summ = (
        data
        if {"mean", "sem", "group", "day"} <= set(getattr(data, "columns", []))
        else volume_summary(ensure_volumes(data, value), value)
    )
    groups = sorted(summ["group"].unique(), key=lambda g: (g != control, str(g)))
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for g in groups:
        s = summ[summ["group"] == g].sort_values("day")
        y = s["geo_mean"] if log else s["mean"]
        kw = {"color": "black"} if g == control else {}
        ax.errorbar(
            s["day"],
            y,
            yerr=np.nan_to_num(s["sem"].to_numpy()),
            marker="o",
            ms=4,
            capsize=3,
            label=str(g),
            **kw,
        )
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("day")
    ax.set_ylabel(ylabel or (f"{value} (geometric mean)" if log else f"{value} (mean ± SEM)"))
    if title:
        ax.set_title(title)
    ax.legend(frameon=False, fontsize="small")
    literal_user_text(fig)
    fig.tight_layout()
    path = Path(path)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
