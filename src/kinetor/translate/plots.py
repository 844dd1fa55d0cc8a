"""Figures of a virtual study (matplotlib, Agg canvas, no pyplot state).

Each function returns a ``matplotlib.figure.Figure`` from :mod:`kinetor._figures`;
matplotlib is imported on call.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kinetor._figures import PALETTE, new_figure

__all__ = ["plot_biomarkers", "plot_pk", "plot_tumor"]

_LABELS = {
    "pS6_S235_236": "p-S6 S235/236",
    "pAKT_S473": "p-AKT S473",
    "pAKT_T308": "p-AKT T308",
    "p4EBP1_T37_46": "p-4EBP1 T37/46",
    "pS6K1_T389": "p-S6K1 T389",
    "pPRAS40_T246": "p-PRAS40 T246",
    "pERK": "p-ERK",
    "IRS1": "IRS1 (total)",
    "eIF4E_free": "free eIF4E",
    "growth": "growth drive",
}


def _figure(w: float, h: float):
    return new_figure(w, h, 0)[0]


def _colors(n: int):
    return [PALETTE[i % len(PALETTE)] for i in range(n)]


def plot_pk(res, log: bool = True):
    """Mean total plasma concentration with a 5-95 % band, per treated arm and compound
    (one colour per arm as in the other figures; line style by compound)."""
    fig = _figure(7.0, 4.2)
    ax = fig.add_subplot(1, 1, 1)
    t = res.times / 24.0
    colors = _colors(len(res.results))
    styles = ["-", "--", ":", "-."]
    top = 0.0
    for r, col in zip(res.results, colors, strict=True):
        for k, (comp, c) in enumerate(r.exposure.conc.items()):
            lo, hi = np.quantile(c, [0.05, 0.95], axis=0)
            ax.fill_between(t, lo, hi, color=col, alpha=0.15, lw=0)
            ax.plot(
                t,
                c.mean(axis=0),
                color=col,
                lw=1.2,
                ls=styles[k % 4],
                label=f"{r.arm.name}: {comp}",
            )
            top = max(top, float(hi.max()))
    if log and top > 0:
        ax.set_yscale("log")
        ax.set_ylim(top / 1e4, top * 2.0)
    ax.set_xlabel("day")
    ax.set_ylabel("total plasma concentration (ng/mL)")
    ax.set_title("PK: mean and 5-95 % of animals")
    if top > 0:
        ax.legend(frameon=False, fontsize="small")
    return fig


def plot_biomarkers(
    res, readouts: Sequence[str] = ("pS6_S235_236", "pAKT_S473", "p4EBP1_T37_46", "growth")
):
    """Mean readout (% of untreated control) per arm over time, one panel per readout."""
    readouts = list(readouts)
    bad = [r for r in readouts if r not in res.readout_names]
    if bad:
        from kinetor.errors import ModelError

        raise ModelError(f"unknown readout(s) {bad}: use {list(res.readout_names)}")
    ncol = 2 if len(readouts) > 1 else 1
    nrow = int(np.ceil(len(readouts) / ncol))
    fig = _figure(4.2 * ncol, 3.0 * nrow)
    colors = _colors(len(res.results))
    t = res.times / 24.0
    for p, name in enumerate(readouts):
        ax = fig.add_subplot(nrow, ncol, p + 1)
        j = res.readout_names.index(name)
        for r, col in zip(res.results, colors, strict=True):
            ax.plot(
                t,
                res.readout_array(r.arm.name)[:, :, j].mean(axis=0),
                color=col,
                lw=1.0,
                label=r.arm.name,
            )
        ax.axhline(100.0, color="grey", lw=0.6, ls=":")
        ax.set_title(_LABELS.get(name, name), fontsize="medium")
        ax.set_xlabel("day")
        ax.set_ylabel("% of control")
    handles, labels = fig.axes[0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncol=min(len(labels), 3),
        frameon=False,
        fontsize="small",
    )
    return fig


def plot_tumor(res, log: bool = False):
    """Mean measured tumour volume +/- SEM per arm on measurement days."""
    fig = _figure(6.4, 4.4)
    ax = fig.add_subplot(1, 1, 1)
    colors = _colors(len(res.results))
    for r, col in zip(res.results, colors, strict=True):
        if r.volume is None:
            continue
        v = res.volume_array(r.arm.name)  # NaN where the simulation failed
        mean = v.mean(axis=0)
        sem = v.std(axis=0, ddof=1) / np.sqrt(v.shape[0]) if v.shape[0] > 1 else 0 * mean
        kw = {"color": "black"} if r.arm.name == res.control else {"color": col}
        ax.errorbar(
            res.days, mean, yerr=sem, marker="o", ms=3.5, capsize=3, lw=1.1, label=r.arm.name, **kw
        )
    if log:
        ax.set_yscale("log")
    ax.set_xlabel("day")
    ax.set_ylabel("tumour volume (mm$^3$, mean ± SEM)")
    ax.set_title(f"{res.tumor_spec.name} xenograft")
    ax.legend(frameon=False, fontsize="small")
    return fig
