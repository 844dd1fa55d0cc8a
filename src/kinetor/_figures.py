"""The one plotting layer: figure factory, house colours, BLQ and dose marks, saving.

Every kinetor figure is a plain ``matplotlib.figure.Figure`` made by :func:`new_figure`
(object-oriented API with its own Agg canvas). pyplot is never imported and
``matplotlib.use`` is never called, so drawing a kinetor figure neither needs nor changes
the user's backend, and a figure is not registered with pyplot (no ``plt.close`` needed:
it is freed when the last reference goes).

Contract: plotting functions **return** Figures. Writing a file is the caller's job,
through :func:`save_figure`, which first applies :func:`literal_user_text` (subject,
group and arm names that contain ``$`` are drawn as typed, not parsed as mathtext).

House conventions, shared by every figure:

* colours: :data:`PALETTE` (matplotlib's tab10 as fixed hex values, also the colour cycle
  of every axes :func:`new_figure` makes, so a user's style does not recolour kinetor
  figures) and :func:`colours` for ``n`` series; named roles
  :data:`CONTROL` (black), :data:`REFERENCE` (grey lines), :data:`HIGHLIGHT` (red);
* BLQ samples (below the lower limit of quantification) are drawn at the LLOQ as open
  red circles with their own legend entry (:func:`plot_blq`), the convention the NCA
  report documents (docs/report.md); a sample without a known LLOQ is not placed;
* doses are caret ticks on the x axis (:func:`mark_doses`).

Subject, group and arm names reach axis labels, legends and titles. Matplotlib reads
text between ``$`` signs as mathtext, so a subject called ``$\\foo$`` made saving a figure
raise. :func:`literal_user_text` switches mathtext off for every text in a figure that
is not valid mathtext (kinetor's own labels such as ``mm$^3$`` stay typeset). It changes
the figure's text objects only, never the user's matplotlib settings.

>>> from matplotlib.figure import Figure
>>> fig = Figure()
>>> ax = fig.subplots()
>>> _ = ax.set_title("animal $\\\\foo$")
>>> _ = ax.set_ylabel("volume (mm$^3$)")
>>> literal_user_text(fig)
1
>>> ax.title.get_parse_math(), ax.yaxis.label.get_parse_math()
(False, True)

>>> fig, ax = new_figure(4, 3, squeeze=True)
>>> plot_blq(ax, [1.0, 2.0], [5.0, float("nan")])
1
>>> ax.lines[0].get_ydata().tolist(), ax.lines[0].get_label()
([5.0], 'BLQ (plotted at LLOQ)')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "BLQ_LABEL",
    "CONTROL",
    "HIGHLIGHT",
    "MARKERS",
    "PALETTE",
    "REFERENCE",
    "colours",
    "literal_user_text",
    "mark_doses",
    "new_figure",
    "plot_blq",
    "save_figure",
]

# matplotlib's tab10, fixed (a user's prop_cycle does not recolour kinetor figures)
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
CONTROL = "black"  # the control / vehicle arm, totals
REFERENCE = "0.5"  # reference lines: 100 %, identity, limits
HIGHLIGHT = PALETTE[3]  # BLQ, rejected or outlying points, hits
MARKERS = ("o", "s", "D", "^", "v", "P", "X", "*", "<", ">")
BLQ_LABEL = "BLQ (plotted at LLOQ)"


def new_figure(
    width: float,
    height: float,
    nrows: int = 1,
    ncols: int = 1,
    *,
    squeeze: bool = False,
    layout: str | None = "constrained",
    dpi: float = 100,
    **subplot_kw: Any,
):
    """A Figure with its own Agg canvas and its axes; pyplot and the backend untouched.

    Parameters
    ----------
    width, height : float
        Size in inches.
    nrows, ncols : int
        Grid of axes; ``nrows=0`` makes no axes (add them with ``fig.add_subplot``).
    squeeze : bool
        ``False`` (default): ``axes`` is always a 2-D array; ``True``: as
        ``matplotlib.pyplot.subplots`` (a single Axes for a 1 x 1 grid).
    layout : {"constrained", "tight", None}
    **subplot_kw
        Passed to ``Figure.subplots`` (``sharex``, ``sharey``, ``gridspec_kw``, ...).

    Returns
    -------
    (Figure, axes)
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout=layout, dpi=dpi)
    FigureCanvasAgg(fig)
    if nrows == 0:
        return fig, None
    axes = fig.subplots(nrows, ncols, squeeze=squeeze, **subplot_kw)
    for ax in np.atleast_1d(axes).ravel():
        ax.set_prop_cycle(color=PALETTE)  # series without a colour: house colours too
    return fig, axes


def colours(n: int) -> list:
    """``n`` distinguishable colours: tab10, tab20, then a sampled viridis."""
    from matplotlib import colormaps

    if n <= 10:
        return [colormaps["tab10"](i) for i in range(n)]
    if n <= 20:
        return [colormaps["tab20"](i) for i in range(n)]
    return [colormaps["viridis"](v) for v in np.linspace(0, 0.95, n)]


def plot_blq(ax, times, lloq, *, label: str | None = BLQ_LABEL, markersize: float = 7) -> int:
    """Draw BLQ samples at their LLOQ as open red circles; returns how many were drawn.

    Samples whose LLOQ is not finite cannot be placed and are not drawn (say so on the
    figure). ``times`` and ``lloq`` are aligned arrays of the BLQ samples only.
    """
    t = np.asarray(times, dtype=float)
    y = np.asarray(lloq, dtype=float)
    keep = np.isfinite(t) & np.isfinite(y)
    if not keep.any():
        return 0
    ax.plot(
        t[keep],
        y[keep],
        linestyle="none",
        marker="o",
        markerfacecolor="none",
        markeredgecolor=HIGHLIGHT,
        markersize=markersize,
        label=label,
    )
    return int(keep.sum())


def mark_doses(ax, times, label: str | None = "dose") -> None:
    """Dose times as caret ticks on the x axis (axes-fraction y so they sit on the axis)."""
    times = np.unique(np.asarray(times, dtype=float))
    times = times[np.isfinite(times)]
    if times.size == 0:
        return
    ax.plot(
        times,
        np.zeros_like(times),
        linestyle="none",
        marker=6,
        markersize=9,
        color=CONTROL,
        transform=ax.get_xaxis_transform(),
        clip_on=False,
        zorder=5,
        label=label,
    )


def save_figure(fig, path: str | Path, *, dpi: float = 110, **kw: Any) -> Path:
    """Write ``fig`` to ``path`` (format from the suffix) after :func:`literal_user_text`.

    Returns the path written. ``**kw`` goes to ``Figure.savefig``.
    """
    literal_user_text(fig)
    path = Path(path)
    fig.savefig(path, dpi=dpi, **kw)
    return path


def literal_user_text(fig: Any) -> int:
    """Turn mathtext off for the texts of ``fig`` that are not valid mathtext; returns how
    many were changed."""
    from matplotlib.mathtext import MathTextParser
    from matplotlib.text import Text

    parser = MathTextParser("path")
    changed = 0
    for text in fig.findobj(Text):
        s = text.get_text()
        if "$" not in s or not text.get_parse_math():
            continue
        try:
            parser.parse(s)
        except ValueError:
            text.set_parse_math(False)
            changed += 1
    return changed
