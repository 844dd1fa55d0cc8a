"""Screen plots: gene rank plot, volcano, guide-level plot of one gene, QC panels.

matplotlib is imported inside each function so that importing ``kinetor.screens`` stays
light. Each function returns a ``matplotlib.figure.Figure`` from :mod:`kinetor._figures`
(no pyplot, the backend is never changed); ``path=`` (optional) also writes it with
:func:`kinetor._figures.save_figure`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor._figures import HIGHLIGHT, new_figure, save_figure

__all__ = ["plot_guides", "plot_qc", "plot_rank", "plot_volcano"]


def _figure(width: float, height: float, ncols: int = 1):
    return new_figure(width, height, 1, ncols, squeeze=True, layout="tight")


def _done(fig, path):
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_rank(
    genes: pd.DataFrame, path=None, side: str = "neg", fdr: float = 0.05, label: int = 10
):
    """Gene rank plot: ``-log10`` RRA score against rank; hits below ``fdr`` highlighted."""
    g = genes.sort_values(f"{side}_rank")
    y = -np.log10(np.maximum(g[f"{side}_score"].to_numpy(dtype=float), 1e-300))
    hit = g[f"{side}_fdr"].to_numpy(dtype=float) < fdr
    fig, ax = _figure(6.0, 4.2)
    ax.scatter(g[f"{side}_rank"], y, s=6, c=np.where(hit, HIGHLIGHT, "0.6"))
    for _, r in g.head(label).iterrows():
        ax.annotate(
            str(r["gene"]),
            (r[f"{side}_rank"], -np.log10(max(r[f"{side}_score"], 1e-300))),
            fontsize=7,
            xytext=(3, 0),
            textcoords="offset points",
        )
    ax.set_xlabel("gene rank")
    ax.set_ylabel("-log10 RRA score")
    ax.set_title(
        f"{'depletion' if side == 'neg' else 'enrichment'}: {int(hit.sum())} genes at FDR < {fdr}"
    )
    return _done(fig, path)


def plot_volcano(genes: pd.DataFrame, path=None, fdr: float = 0.05, label: int = 10):
    """Gene volcano: median guide LFC against ``-log10`` of the better one-sided p-value."""
    p = np.minimum(
        genes["neg_p_value"].to_numpy(dtype=float), genes["pos_p_value"].to_numpy(dtype=float)
    )
    q = np.minimum(genes["neg_fdr"].to_numpy(dtype=float), genes["pos_fdr"].to_numpy(dtype=float))
    y = -np.log10(np.maximum(p, 1e-300))
    x = genes["neg_lfc"].to_numpy(dtype=float)
    fig, ax = _figure(6.0, 4.2)
    ax.scatter(x, y, s=6, c=np.where(q < fdr, HIGHLIGHT, "0.6"))
    for i in np.argsort(p)[:label]:
        ax.annotate(
            str(genes["gene"].iat[i]),
            (x[i], y[i]),
            fontsize=7,
            xytext=(3, 0),
            textcoords="offset points",
        )
    ax.axvline(0, color="0.3", lw=0.6)
    ax.set_xlabel("gene log2 fold change (median of guides)")
    ax.set_ylabel("-log10 p (RRA, better side)")
    return _done(fig, path)


def plot_guides(guides: pd.DataFrame, gene: str, path=None):
    """Guide-level plot of one gene: each guide's LFC over the distribution of all guides."""
    fig, ax = _figure(6.0, 3.6)
    ax.hist(guides["lfc"].to_numpy(dtype=float), bins=80, color="0.8")
    sel = guides[guides["gene"] == gene]
    for v in sel["lfc"].to_numpy(dtype=float):
        ax.axvline(v, color=HIGHLIGHT, lw=1)
    ax.set_xlabel("guide log2 fold change")
    ax.set_ylabel("guides")
    ax.set_title(f"{gene}: {len(sel)} guides (red) among all guides")
    return _done(fig, path)


def plot_qc(counts: np.ndarray, samples: list[str], path=None, pca: pd.DataFrame | None = None):
    """QC panels: log2 count distributions per sample and the sample PCA (PC1, PC2)."""
    fig, axes = _figure(9.0, 3.8, 2)
    data = [np.log2(counts[:, j] + 1.0) for j in range(counts.shape[1])]
    axes[0].boxplot(data, showfliers=False)
    axes[0].set_xticks(range(1, len(samples) + 1), samples, rotation=45, ha="right", fontsize=7)
    axes[0].set_ylabel("log2(normalised count + 1)")
    if pca is not None and len(pca) > 1:
        axes[1].scatter(pca["PC1"], pca["PC2"])
        for _, r in pca.iterrows():
            axes[1].annotate(str(r["sample"]), (r["PC1"], r["PC2"]), fontsize=7)
        axes[1].set_xlabel("PC1")
        axes[1].set_ylabel("PC2")
    axes[1].set_title("sample PCA (log2 normalised counts)")
    return _done(fig, path)
