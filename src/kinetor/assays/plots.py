"""Figures for the assay reports (matplotlib imported when called).

Each function returns a ``matplotlib.figure.Figure`` from :mod:`kinetor._figures` (no
pyplot, the backend is never changed); ``path`` (optional) also writes it with
:func:`kinetor._figures.save_figure`.

Examples
--------
>>> import inspect
>>> sorted(n for n, f in globals().items() if n.startswith("plot_") and callable(f))[:2]
['plot_blot', 'plot_curves']
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kinetor._figures import HIGHLIGHT, PALETTE, new_figure, save_figure

__all__ = ["plot_blot", "plot_curves", "plot_matrix", "plot_plate", "plot_survival"]


def _done(fig, path):
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_curves(
    fit,
    path: str | Path | None = None,
    *,
    dose: str = "dose",
    response: str = "response",
    max_curves: int = 24,
    dose_unit: str = "",
):
    """Observed points and fitted curves of a :class:`DoseResponseFit`, one panel each.

    Outliers are drawn as red crosses; the first ``max_curves`` curves are shown.
    """
    from kinetor.assays.curves import logistic

    res, pts = fit.results_, fit.points_
    n = min(len(res), max_curves)
    ncol = min(4, n)
    nrow = int(np.ceil(n / ncol))
    fig, axes = new_figure(3.2 * ncol, 2.6 * nrow, nrow, ncol, layout="tight")
    by = [c for c in fit._groups.keys.columns]
    gid = pts.groupby(by, sort=True).ngroup().to_numpy() if by else np.zeros(len(pts), int)
    xpos = pts[dose][pts[dose] > 0]
    lo = xpos.min() if len(xpos) else 1e-3
    grid = np.logspace(np.log10(lo) - 0.5, np.log10(pts[dose].max()) + 0.3, 120)
    pred = logistic(fit._p[:n], np.tile(grid, (n, 1)))[0]
    for i in range(n):
        ax = axes.flat[i]
        d = pts[gid == i]
        x = d[dose].where(d[dose] > 0, lo / 10)
        ok = ~d["outlier"].to_numpy()
        ax.scatter(x[ok], d[response][ok], s=12, color=PALETTE[0])
        ax.scatter(x[~ok], d[response][~ok], s=30, color=HIGHLIGHT, marker="x", label="outlier")
        if res["converged"].iat[i]:
            ax.plot(grid, pred[i], color=PALETTE[1])
        ax.set_xscale("log")
        name = " / ".join(str(res[c].iat[i]) for c in by) if by else "curve"
        ax.set_title(f"{name}\n{res['ic50_text'].iat[i]} ({res['status'].iat[i]})", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_xlabel(f"dose ({dose_unit})" if dose_unit else "dose", fontsize=7)
        ax.set_ylabel(response, fontsize=7)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    return _done(fig, path)


def plot_plate(wells: pd.DataFrame, path: str | Path | None = None, *, value: str = "value"):
    """Heat map of every plate (raw readings), one panel per plate."""
    plates = list(wells["plate"].unique())
    fig, axes = new_figure(5 * len(plates), 3.4, 1, len(plates), layout="tight")
    for ax, name in zip(axes.flat, plates, strict=False):
        d = wells[wells["plate"] == name]
        rows = sorted(d["row"].unique())
        ncol = int(d["column"].max())
        grid = np.full((len(rows), ncol), np.nan)
        grid[
            d["row"].map({r: i for i, r in enumerate(rows)}).to_numpy(), d["column"].to_numpy() - 1
        ] = d[value].to_numpy(float)
        im = ax.imshow(grid, cmap="viridis", aspect="auto")
        ax.set_yticks(range(len(rows)), rows, fontsize=7)
        ax.set_xticks(range(ncol), range(1, ncol + 1), fontsize=6)
        ax.set_title(f"plate {name}", fontsize=9)
        fig.colorbar(im, ax=ax, shrink=0.8)
    return _done(fig, path)


def plot_matrix(
    matrix: pd.DataFrame,
    path: str | Path | None = None,
    *,
    title: str = "",
    label: str = "synergy",
    surface: bool = False,
):
    """Heat map (or 3-D surface) of a dose matrix: rows = drug 1 dose, columns = drug 2."""
    if surface:
        fig, _ = new_figure(5.5, 4.5, 0, layout="tight")
        ax = fig.add_subplot(projection="3d")
        xx, yy = np.meshgrid(np.arange(matrix.shape[1]), np.arange(matrix.shape[0]))
        ax.plot_surface(xx, yy, matrix.to_numpy(float), cmap="RdBu_r")
        ax.set_xlabel("drug 2 dose index")
        ax.set_ylabel("drug 1 dose index")
        ax.set_zlabel(label)
    else:
        fig, ax = new_figure(5.5, 4.5, squeeze=True, layout="tight")
        vals = matrix.to_numpy(float)
        lim = np.nanmax(np.abs(vals)) if np.isfinite(vals).any() else 1.0
        im = ax.imshow(vals, cmap="RdBu_r", vmin=-lim, vmax=lim, origin="lower")
        ax.set_xticks(
            range(matrix.shape[1]), [f"{v:.3g}" for v in matrix.columns], rotation=45, fontsize=7
        )
        ax.set_yticks(range(matrix.shape[0]), [f"{v:.3g}" for v in matrix.index], fontsize=7)
        ax.set_xlabel(f"drug 2 dose ({matrix.columns.name or ''})")
        ax.set_ylabel(f"drug 1 dose ({matrix.index.name or ''})")
        fig.colorbar(im, ax=ax, label=label)
    ax.set_title(title, fontsize=9)
    return _done(fig, path)


def plot_blot(image: np.ndarray, bands: pd.DataFrame, path: str | Path | None = None):
    """The blot as scanned, with each band's box and lane number (saturated in red)."""
    from matplotlib.colors import PowerNorm
    from matplotlib.patches import Rectangle

    fig, ax = new_figure(7, 4, squeeze=True, layout="tight")

    # gamma display so faint bands show beside strong ones; the pixels are not altered
    lo, hi = float(np.percentile(image, 1)), float(np.max(image))
    ax.imshow(image, cmap="gray", norm=PowerNorm(0.3, vmin=lo, vmax=max(hi, lo + 1)))
    for _, b in bands.iterrows():
        color = "red" if b.get("saturated", False) else "yellow"
        ax.add_patch(
            Rectangle(
                (b["x0"], b["y0"]),
                b["x1"] - b["x0"],
                b["y1"] - b["y0"],
                fill=False,
                color=color,
                lw=1,
            )
        )
        ax.text(b["x0"], b["y0"] - 2, f"{b['lane']}", color=color, fontsize=7)
    name = bands["blot"].iat[0] if len(bands) else "blot"
    ax.set_title(f"{name}: band boxes by lane (red = saturated, excluded from ratios)", fontsize=8)
    ax.set_axis_off()
    return _done(fig, path)


def plot_survival(data: pd.DataFrame, fits: pd.DataFrame, path: str | Path | None = None):
    """Surviving fraction (log scale) against dose with the linear-quadratic fits."""
    fig, ax = new_figure(5.5, 4.2, squeeze=True, layout="tight")
    grid = np.linspace(0, float(data["dose"].max()), 100)
    for i, (_, f) in enumerate(fits.iterrows()):
        d = data[data["group"] == f["group"]]
        ax.scatter(d["dose"], d["surviving_fraction"], color=PALETTE[i % len(PALETTE)], s=14)
        ax.plot(
            grid,
            np.exp(-f["alpha"] * grid - f["beta"] * grid**2),
            color=PALETTE[i % len(PALETTE)],
            label=str(f["group"]),
        )
    ax.set_yscale("log")
    ax.set_xlabel("dose (Gy)")
    ax.set_ylabel("surviving fraction")
    if len(fits):  # no fitted group, no labelled line: a legend would be empty
        ax.legend(frameon=False, fontsize="small")
    return _done(fig, path)
