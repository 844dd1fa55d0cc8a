"""Figures for model-fit and simulation reports, from the tables the commands write.

Only the public outputs are used (a fit's observation/prediction table, a simulation's
tidy concentration table), so the figures do not depend on a fitter's internals.

* :func:`plot_fit_individuals` - observed points and the individual prediction per
  subject, linear or semi-log; the panels of fits that did not converge say so;
* :func:`plot_fit_gof` - observed vs predicted (identity line), residuals vs time and vs
  predicted (zero line);
* :func:`plot_simulation_bands` - median with the 25-75 % and 5-95 % percentile bands of a
  simulated population, linear and semi-log.

Examples
--------
>>> import numpy as np, pandas as pd
>>> t = np.tile([1.0, 2, 4, 8], 2)
>>> df = pd.DataFrame({"subject": np.repeat(["a", "b"], 4), "time": t,
...                    "dv": 10 * np.exp(-0.2 * t), "ipred": 10 * np.exp(-0.21 * t)})
>>> df["res"] = df["dv"] - df["ipred"]
>>> fig = plot_fit_gof(df, "subject", "time", "dv", "ipred", "res")
>>> [ax.get_title() for ax in fig.axes]
['Observed vs predicted', 'Residuals vs time', 'Residuals vs predicted']
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor._figures import HIGHLIGHT, PALETTE
from kinetor.report._common import natural_key, new_figure

__all__ = ["plot_fit_gof", "plot_fit_individuals", "plot_simulation_bands"]


def plot_fit_individuals(
    df: pd.DataFrame,
    id_col: str,
    time_col: str,
    obs_col: str,
    pred_col: str,
    log: bool = False,
    max_panels: int = 12,
    xlabel: str = "Time",
    ylabel: str = "Observed",
    failed=(),
):
    """Observed (points) and predicted (line) per subject; up to ``max_panels`` panels.
    The titles of the subjects in ``failed`` (fits that did not converge) say "not
    converged"."""
    failed = {str(s) for s in failed}
    ids = sorted(pd.unique(df[id_col].astype(str)), key=natural_key)[:max_panels]
    n = max(1, len(ids))
    cols = min(4, n)
    rows = -(-n // cols)
    fig, axes = new_figure(3.3 * cols, 2.8 * rows, rows, cols)
    flat = axes.ravel()
    for ax, sid in zip(flat, ids, strict=False):
        d = df[df[id_col].astype(str) == sid].sort_values(time_col)
        x = d[time_col].to_numpy(float)
        y, p = d[obs_col].to_numpy(float), d[pred_col].to_numpy(float)
        if log:
            ok_y, ok_p = y > 0, p > 0
            ax.plot(x[ok_y], y[ok_y], "o", color=PALETTE[0], markersize=4, label="observed")
            ax.plot(x[ok_p], p[ok_p], "-", color=PALETTE[3], label="predicted")
            ax.set_yscale("log")
        else:
            ax.plot(x, y, "o", color=PALETTE[0], markersize=4, label="observed")
            ax.plot(x, p, "-", color=PALETTE[3], label="predicted")
            ax.set_ylim(bottom=0)
        if sid in failed:
            ax.set_title(f"{sid}: not converged", fontsize=9, color=HIGHLIGHT)
        else:
            ax.set_title(sid, fontsize=9)
        ax.set_xlabel(xlabel, fontsize=8)
        ax.set_ylabel(ylabel, fontsize=8)
    for ax in flat[len(ids) :]:
        ax.set_visible(False)
    if ids:
        flat[0].legend(fontsize=7)
    fig.suptitle(
        "Individual fits ("
        + ("semi-log" if log else "linear")
        + ")"
        + (
            f"; first {max_panels} of {df[id_col].nunique()}"
            if df[id_col].nunique() > max_panels
            else ""
        )
    )
    return fig


def plot_fit_gof(
    df: pd.DataFrame,
    id_col: str,
    time_col: str,
    obs_col: str,
    pred_col: str,
    res_col: str,
    xlabel: str = "Time",
):
    """Goodness of fit: observed vs predicted, residuals vs time and vs predicted."""
    fig, axes = new_figure(12, 3.8, 1, 3)
    a, b, c = axes[0]
    y, p = df[obs_col].to_numpy(float), df[pred_col].to_numpy(float)
    r, t = df[res_col].to_numpy(float), df[time_col].to_numpy(float)
    a.plot(p, y, "o", markersize=3, alpha=0.6)
    finite = np.isfinite(y) & np.isfinite(p)
    if finite.any():
        lo = float(min(y[finite].min(), p[finite].min()))
        hi = float(max(y[finite].max(), p[finite].max()))
        a.plot([lo, hi], [lo, hi], "k--", linewidth=1)
    a.set_xlabel("Predicted")
    a.set_ylabel("Observed")
    a.set_title("Observed vs predicted")
    for ax, x, lab, title in (
        (b, t, xlabel, "Residuals vs time"),
        (c, p, "Predicted", "Residuals vs predicted"),
    ):
        ax.plot(x, r, "o", markersize=3, alpha=0.6)
        ax.axhline(0.0, color="k", linestyle="--", linewidth=1)
        ax.set_xlabel(lab)
        ax.set_ylabel(f"Residual ({res_col})")
        ax.set_title(title)
    return fig


def plot_simulation_bands(frame: pd.DataFrame, conc_unit: str = "", time_unit: str = "h"):
    """Median and 25-75 % / 5-95 % bands of simulated concentrations over subjects.

    ``frame`` is the tidy table ``subject, time, conc`` (``SimulationResult.to_frame``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> f = pd.DataFrame({"subject": np.repeat(np.arange(20), 3),
    ...                   "time": np.tile([0.0, 1, 2], 20),
    ...                   "conc": np.tile([0.0, 4, 2], 20) * np.repeat(np.arange(1, 21), 3)})
    >>> fig = plot_simulation_bands(f, "ng/mL")
    >>> med = fig.axes[0].lines[0].get_ydata()
    >>> [float(v) for v in med]   # median over subjects 1..20 of k * (0, 4, 2)
    [0.0, 42.0, 21.0]
    """
    wide = frame.pivot_table(
        index="subject", columns="time", values="conc", aggfunc="first", observed=True
    )
    t = wide.columns.to_numpy(float)
    v = wide.to_numpy(float)
    q = np.nanpercentile(v, [5, 25, 50, 75, 95], axis=0)
    fig, axes = new_figure(11, 4, 1, 2)
    for ax, log in zip(axes[0], (False, True), strict=True):
        ok = (q[2] > 0) if log else np.ones_like(t, bool)
        ax.plot(t[ok], q[2][ok], color=PALETTE[0], label="median")
        ax.fill_between(t[ok], q[1][ok], q[3][ok], color=PALETTE[0], alpha=0.35, label="25-75 %")
        ax.fill_between(t[ok], q[0][ok], q[4][ok], color=PALETTE[0], alpha=0.15, label="5-95 %")
        ax.set_xlabel(f"Time ({time_unit})")
        ax.set_ylabel(f"Concentration ({conc_unit})" if conc_unit else "Concentration")
        if log and not ok.any():  # a zero dose (vehicle): nothing to draw on a log axis
            ax.text(
                0.5, 0.5, "no concentration > 0", ha="center", va="center", transform=ax.transAxes
            )
            ax.set_title("semi-log")
        elif log:
            ax.set_yscale("log")
            ax.set_title("semi-log")
        else:
            ax.set_ylim(bottom=0)
            ax.set_title("linear")
            ax.legend(fontsize=8)
    fig.suptitle(
        f"Simulated concentrations: median and percentile bands (n = {v.shape[0]} subjects)"
    )
    return fig
