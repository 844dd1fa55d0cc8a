"""Screen plots: gene rank plot, volcano, guide-level plot of one gene, QC panels.

matplotlib is imported inside each function (Agg backend) so that importing
``kinetor.screens`` stays light. Each function writes a PNG and returns its path.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

__all__ = ["plot_guides", "plot_qc", "plot_rank", "plot_volcano"]


def _plt():
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path) -> Path:
    path = Path(path)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    _plt().close(fig)
    return path


def plot_rank(
    genes: pd.DataFrame, path, side: str = "neg", fdr: float = 0.05, label: int = 10
) -> Path:
    """Gene rank plot: ``-log10`` RRA score against rank; hits below ``fdr`` highlighted."""
    plt = _plt()
    g = genes.sort_values(f"{side}_rank")
    y = -np.log10(np.maximum(g[f"{side}_score"].to_numpy(dtype=float), 1e-300))
    hit = g[f"{side}_fdr"].to_numpy(dtype=float) < fdr
    fig, ax = plt.subplots(figsize=(6.0, 4.2))
    ax.scatter(g[f"{side}_rank"], y, s=6, c=np.where(hit, "tab:red", "0.6"))
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
    return _save(fig, path)


def plot_volcano(genes: pd.DataFrame, path, fdr: float = 0.05, label: int = 10) -> Path:
    """Gene volcano: median guide LFC against ``-log10`` of the better one-sided p-value."""
    plt = _plt()
    p = np.minimum(
        genes["neg_p_value"].to_numpy(dtype=float), genes["pos_p_value"].to_numpy(dtype=float)
    )
    q = np.minimum(genes["neg_fdr"].to_numpy(dtype=float), genes["pos_fdr"].to_numpy(dtype=float))
    y = -np.log10(np.maximum(p, 1e-300))
    x = genes["neg_lfc"].to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(6.0, 4.2))
    ax.scatter(x, y, s=6, c=np.where(q < fdr, "tab:red", "0.6"))
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
    return _save(fig, path)


def plot_guides(guides: pd.DataFrame, gene: str, path) -> Path:
    """Guide-level plot of one gene: each guide's LFC over the distribution of all guides."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6.0, 3.6))
    ax.hist(guides["lfc"].to_numpy(dtype=float), bins=80, color="0.8")
    sel = guides[guides["gene"] == gene]
    for v in sel["lfc"].to_numpy(dtype=float):
        ax.axvline(v, color="tab:red", lw=1)
    ax.set_xlabel("guide log2 fold change")
    ax.set_ylabel("guides")
    ax.set_title(f"{gene}: {len(sel)} guides (red) among all guides")
    return _save(fig, path)


def plot_qc(counts: np.ndarray, samples: list[str], path, pca: pd.DataFrame | None = None) -> Path:
    """QC panels: log2 count distributions per sample and the sample PCA (PC1, PC2)."""
    plt = _plt()
    fig, axes = plt.subplots(1, 2, figsize=(9.0, 3.8))
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
    return _save(fig, path)
