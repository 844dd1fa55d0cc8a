"""Tumour-volume plot: group mean +/- SEM over days.

matplotlib is imported inside the function so that importing ``kinetor.pd`` stays light;
the figure comes from :mod:`kinetor._figures` (no pyplot, the backend is never changed).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kinetor._figures import CONTROL, new_figure, save_figure
from kinetor.pd.volumes import ensure_volumes, volume_summary

__all__ = ["plot_volumes"]


def plot_volumes(
    data,
    path: str | Path | None = None,
    log: bool = False,
    control: str | None = None,
    value: str = "volume",
    ylabel: str | None = None,
    title: str | None = None,
):
    """Figure of the group mean +/- SEM of ``value`` against day.

    Parameters
    ----------
    data : DataFrame or path
        Tidy volumes (or the output of :func:`kinetor.pd.volume_summary`).
    path : path, optional
        Convenience: also write the figure there (:func:`kinetor._figures.save_figure`).
    log : bool
        Log-scale y axis (then the geometric mean is plotted, with the SEM of the
        arithmetic values as a guide).
    control : str, optional
        Drawn first, in black.

    Returns
    -------
    matplotlib.figure.Figure
    """
    summ = (
        data
        if {"mean", "sem", "group", "day"} <= set(getattr(data, "columns", []))
        else volume_summary(ensure_volumes(data, value), value)
    )
    groups = sorted(summ["group"].unique(), key=lambda g: (g != control, str(g)))
    fig, ax = new_figure(6.4, 4.4, squeeze=True, layout="tight")
    for g in groups:
        s = summ[summ["group"] == g].sort_values("day")
        y = s["geo_mean"] if log else s["mean"]
        kw = {"color": CONTROL} if g == control else {}
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
    if path is not None:
        save_figure(fig, path, dpi=120)
    return fig
