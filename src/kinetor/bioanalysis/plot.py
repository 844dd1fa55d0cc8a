"""Calibration plot: log-log curve with standards and QCs, and a % bias panel.

matplotlib is imported inside the function so that importing ``kinetor.bioanalysis``
stays light; figures come from :mod:`kinetor._figures` (no pyplot, backend unchanged).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from kinetor._figures import HIGHLIGHT, PALETTE, new_figure, save_figure

__all__ = ["calibration_filename", "plot_calibration"]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name) or "analyte"


def calibration_filename(result, analyte: str) -> str:
    """``calibration.png`` for a one-analyte run, else ``calibration_<analyte>.png``."""
    return "calibration.png" if len(result.curves) == 1 else f"calibration_{_safe(analyte)}.png"


def plot_calibration(result, out: str | Path | None = None) -> dict:
    """One calibration figure per analyte.

    Top panel: area ratio vs nominal concentration on log-log axes with the fitted curve;
    standards used in the fit as filled circles, rejected standards as crosses, QCs as
    triangles (at their in-vial nominal). Bottom panel: % bias of every standard and QC
    against nominal, with the +/-15 % and +/-20 % limits.

    Parameters
    ----------
    result : RunResult
    out : path, optional
        Convenience: also write each figure into this directory as
        :func:`calibration_filename` (``calibration.png`` for one analyte).

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        Keyed by analyte (``""`` for an unnamed analyte).
    """
    figures = {}
    crit = result.criteria
    unit = f" ({result.conc_unit})" if result.conc_unit else ""
    for key, cal in result.curves.items():
        std = result.standards[result.standards["analyte"] == key]
        qc = result.qcs[result.qcs["analyte"] == key]
        fig, (ax, axr) = new_figure(
            6.4,
            6.4,
            2,
            1,
            squeeze=True,
            layout="tight",
            sharex=True,
            gridspec_kw={"height_ratios": [2.2, 1]},
        )
        used = std["used_in_fit"].to_numpy(bool)
        x, y = std["nominal_conc"].to_numpy(float), std["area_ratio"].to_numpy(float)
        pos = y > 0
        ax.scatter(x[used & pos], y[used & pos], color=PALETTE[0], label="standard", zorder=3)
        if (~used & pos).any():
            ax.scatter(
                x[~used & pos],
                y[~used & pos],
                marker="x",
                color=HIGHLIGHT,
                label="standard (rejected)",
                zorder=3,
            )
        qx = (qc["nominal_conc"] / qc["dilution"]).to_numpy(float)
        qy = qc["area_ratio"].to_numpy(float)
        if len(qc):
            ax.scatter(qx[qy > 0], qy[qy > 0], marker="^", color=PALETTE[2], label="QC", zorder=3)
        if cal.ok or np.all(np.isfinite(cal.coef)):
            grid = np.geomspace(np.nanmin(x), np.nanmax(x), 200)
            pred = cal.predict(grid)
            ok = pred > 0
            ax.plot(
                grid[ok],
                pred[ok],
                color="0.3",
                lw=1.2,
                label=f"{cal.model}, w = {cal.weighting}, R² = {cal.r2:.4f}",
            )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_ylabel("area ratio (analyte / IS)")
        ax.set_title(f"Calibration{': ' + key if key else ''}")
        ax.legend(fontsize=8, loc="upper left")
        axr.axhline(0, color="0.5", lw=0.8)
        for lim, style in ((crit.standard_tol, "--"), (crit.lloq_tol, ":")):
            axr.axhline(lim, color="0.6", ls=style, lw=0.8)
            axr.axhline(-lim, color="0.6", ls=style, lw=0.8)
        axr.scatter(x[used], std["bias_pct"].to_numpy(float)[used], color=PALETTE[0])
        axr.scatter(x[~used], std["bias_pct"].to_numpy(float)[~used], marker="x", color=HIGHLIGHT)
        if len(qc):
            axr.scatter(qx, qc["bias_pct"].to_numpy(float), marker="^", color=PALETTE[2])
        axr.set_xlabel(f"nominal concentration{unit}")
        axr.set_ylabel("bias (%)")
        figures[key] = fig
        if out is not None:
            save_figure(fig, Path(out) / calibration_filename(result, key), dpi=120)
    return figures
