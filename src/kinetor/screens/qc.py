"""Screen quality control: depth, zero-count guides, Gini index, replicates, PCA, controls.

Per sample (:func:`sample_qc`): reads, mapped fraction (when counting statistics are
given), zero-count guides and the Gini index of ``log(count + 1)`` (MAGeCK's count QC,
Li et al. 2015 Genome Biol 16:281, doi:10.1186/s13059-015-0843-6; a higher index means a
more uneven library; no threshold is applied here):

.. math::

    G = 1 - \\frac{2}{n - 1}\\Big(n - \\frac{\\sum_i i\\, x_{(i)}}{\\sum_i x_{(i)}}\\Big)

Between samples: Pearson correlation of ``log2`` normalised counts and a PCA of the samples.
With a hit-calling result: control guides should centre on LFC 0 and essential genes
should be depleted (their median LFC and the fraction at FDR < 0.05 are reported, with the
ROC AUC of essential against other genes on the gene LFC).

Examples
--------
>>> import numpy as np
>>> round(gini(np.array([1.0, 1.0, 1.0, 1.0])), 6)
0.0
>>> round(gini(np.array([0.0, 0.0, 0.0, 4.0])), 6)
1.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem
from kinetor.screens._vectors import checked_vector
from kinetor.screens.io import CountTable
from kinetor.screens.normalize import size_factors

__all__ = ["ScreenQC", "gini", "read_mapping", "screen_qc"]


def gini(x: np.ndarray) -> float:
    """Gini index of the values ``x`` (MAGeCK applies it to ``log(count + 1)``).

    ``x`` must be finite and >= 0 (the index of negative values is not a measure of
    inequality: it can exceed 1); fewer than two values give 0. All zeros (a sample with
    no mapped reads) give NaN: there is no distribution to measure (MAGeCK's count QC
    takes the sum as 1 there and reports ``1 - 2n/(n - 1)``, below -1, outside [0, 1]).

    Raises
    ------
    DataError
        A negative, missing or infinite value, or ``x`` not 1-D.
    """
    xs = checked_vector(
        x,
        "x",
        valid=lambda v: np.isfinite(v) & (v >= 0),
        what="a number >= 0",
        fix="pass counts or log(count + 1), which are >= 0",
    )
    xs = np.sort(xs)
    n = xs.size
    if n < 2:
        return 0.0
    total = xs.sum()
    if total == 0:
        return float("nan")
    return float(1.0 - 2.0 * (n - (np.arange(1, n + 1) * xs).sum() / total) / (n - 1))


@dataclass
class ScreenQC:
    """QC tables.

    Attributes
    ----------
    samples : pandas.DataFrame
        One row per sample: ``reads``, ``mapped_fraction`` (when known), ``zero_guides``,
        ``zero_fraction``, ``gini``, ``size_factor``.
    correlation : pandas.DataFrame
        Pearson correlation of log2 normalised counts (samples x samples).
    pca : pandas.DataFrame
        ``sample``, ``PC1``, ``PC2`` and the variance explained in ``attrs``.
    checks : pandas.DataFrame
        ``check``, ``value``, ``expected``, ``passed`` (control guides, essential genes).
    normalized : numpy.ndarray
        The normalised counts used.
    """

    samples: pd.DataFrame
    correlation: pd.DataFrame
    pca: pd.DataFrame
    checks: pd.DataFrame
    normalized: np.ndarray


def _pca(logc: np.ndarray, samples: list[str]) -> pd.DataFrame:
    x = logc.T - logc.T.mean(axis=0)
    if x.shape[0] < 2:
        return pd.DataFrame({"sample": samples, "PC1": 0.0, "PC2": 0.0})
    u, s, _ = np.linalg.svd(x, full_matrices=False)
    pcs = u * s
    var = s**2 / max((s**2).sum(), 1e-300)
    out = pd.DataFrame(
        {"sample": samples, "PC1": pcs[:, 0], "PC2": pcs[:, 1] if pcs.shape[1] > 1 else 0.0}
    )
    out.attrs["explained"] = var[:2].tolist()
    return out


def _auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """P(a random essential gene has a lower LFC than a random other gene)."""
    from scipy.stats import mannwhitneyu

    if pos.size == 0 or neg.size == 0:
        return float("nan")
    u = mannwhitneyu(neg, pos, alternative="two-sided").statistic
    return float(u / (pos.size * neg.size))


def read_mapping(path) -> pd.DataFrame:
    """Read ``mapping.csv`` of ``kinetor screen count`` (``sample``, ``reads``, ``mapped``...)
    for :func:`screen_qc`; any CSV/TSV/Excel table that :func:`kinetor.data.read_raw`
    reads, its cells as text (``screen_qc`` checks the columns)."""
    from kinetor.data._text import read_raw

    raw = read_raw(path)
    df = raw.frame.copy()
    df.attrs.update(source=raw.file, rows=raw.rows)
    return df


def _mapped_fraction(mapping: pd.DataFrame) -> pd.Series:
    """``mapped / reads`` by sample; missing columns, bad numbers or a sample given twice
    are a :class:`~kinetor.errors.DataError` naming the file, row and column."""
    src = mapping.attrs.get("source", "<DataFrame>")
    rows = mapping.attrs.get("rows", np.arange(len(mapping)) + 2)
    missing = [c for c in ("sample", "reads", "mapped") if c not in mapping.columns]
    if missing:
        raise DataError(
            Problem(
                f"column(s) {', '.join(missing)} missing (have: "
                f"{', '.join(map(str, mapping.columns))}): not a mapping table",
                file=src,
                row=1,
                column=", ".join(missing),
                fix="give mapping.csv written by 'kinetor screen count' (sample, reads, mapped)",
            )
        )
    problems = []
    vals = {}
    for col in ("reads", "mapped"):
        vals[col] = pd.to_numeric(mapping[col], errors="coerce").to_numpy(dtype=float)
        for i in np.flatnonzero(~(vals[col] >= 0))[:20]:
            problems.append(
                Problem(
                    f"{col} {mapping[col].iat[i]!r} is not a number >= 0",
                    file=src,
                    row=int(rows[i]),
                    column=col,
                    fix="give mapping.csv as 'kinetor screen count' writes it",
                )
            )
    samples = mapping["sample"].astype(str).str.strip()
    for i in np.flatnonzero(samples.duplicated().to_numpy())[:20]:
        problems.append(
            Problem(
                f"sample {samples.iat[i]!r} appears twice",
                file=src,
                row=int(rows[i]),
                column="sample",
                fix="one row per sample",
            )
        )
    if problems:
        raise DataError(problems)
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.Series(vals["mapped"] / vals["reads"], index=samples.to_numpy())


def _check_mapping_samples(mapped: list[str], samples: list[str], mapping, source) -> None:
    """The samples of the mapping table must be samples of the count table (a sample of
    the count table that the mapping lacks has no mapped fraction: NaN)."""
    extra = [s for s in mapped if s not in samples]
    lacking = [s for s in samples if s not in mapped]
    if extra:
        what = [f"not in the count table: {', '.join(extra)}" if extra else ""]
        what.append(f"missing from the mapping table: {', '.join(lacking)}" if lacking else "")
        raise DataError(
            Problem(
                f"the mapping table's samples ({', '.join(mapped)}) are not the count table's "
                f"({', '.join(samples)}); " + "; ".join(w for w in what if w),
                file=mapping.attrs.get("source", "<DataFrame>"),
                column="sample",
                fix=f"give the mapping.csv written when {source} was counted (the same "
                "sample labels), or leave out --mapping",
            )
        )


def screen_qc(
    counts: CountTable,
    *,
    norm_method: str = "median",
    mapping: pd.DataFrame | None = None,
    result=None,
    control_guides: list[str] | None = None,
    essential_genes: list[str] | None = None,
) -> ScreenQC:
    """Quality control of a screen.

    Parameters
    ----------
    counts : CountTable
        Raw counts.
    norm_method : str
        Normalisation for correlation and PCA (see :func:`size_factors`).
    mapping : pandas.DataFrame, optional
        Counting statistics with ``sample``, ``reads`` and ``mapped`` (from
        :func:`kinetor.screens.count_fastq`) for the mapped fraction; its samples must be
        samples of ``counts`` (a :class:`~kinetor.errors.DataError` names both sets); a
        sample it lacks has no mapped fraction (NaN).
    result : ScreenTest, optional
        Hit calling result, for the control-guide and essential-gene checks.
    control_guides, essential_genes : list of str, optional
        Negative-control guide ids and known essential genes (e.g. a core-essential set).

    Returns
    -------
    ScreenQC
    """
    c = counts.counts
    mask = None if control_guides is None else np.isin(counts.guides, control_guides)
    method = (
        "median" if norm_method == "control" and (mask is None or not mask.any()) else norm_method
    )
    f, _ = size_factors(c, method, mask, samples=counts.samples, source=counts.source)
    norm = c * f[None, :]
    logc = np.log2(norm + 1.0)
    table = pd.DataFrame(
        {
            "sample": counts.samples,
            "reads": c.sum(axis=0),
            "zero_guides": (c == 0).sum(axis=0),
            "zero_fraction": (c == 0).mean(axis=0),
            "gini": [gini(np.log(c[:, j] + 1.0)) for j in range(c.shape[1])],
            "size_factor": f,
        }
    )
    if mapping is not None:
        frac = _mapped_fraction(mapping)
        _check_mapping_samples(list(frac.index), counts.samples, mapping, counts.source)
        table["mapped_fraction"] = frac.reindex(table["sample"]).to_numpy()
    corr = pd.DataFrame(
        np.corrcoef(logc.T) if c.shape[1] > 1 else np.ones((1, 1)),
        index=counts.samples,
        columns=counts.samples,
    )
    checks = []
    if result is not None:
        g = result.guides
        if mask is not None and mask.any():
            lfc = g.loc[np.isin(g["sgrna"], control_guides), "lfc"].to_numpy(dtype=float)
            checks.append(
                (
                    "control guides: median LFC",
                    float(np.median(lfc)),
                    "|x| < 0.5",
                    bool(abs(np.median(lfc)) < 0.5),
                )
            )
            checks.append(
                (
                    "control guides: fraction with guide FDR < 0.05",
                    float((g.loc[np.isin(g["sgrna"], control_guides), "fdr"] < 0.05).mean()),
                    "< 0.05",
                    bool((g.loc[np.isin(g["sgrna"], control_guides), "fdr"] < 0.05).mean() < 0.05),
                )
            )
        if essential_genes:
            gs = result.genes
            ess = gs["gene"].isin(essential_genes).to_numpy()
            if ess.any():
                lfc = gs["neg_lfc"].to_numpy(dtype=float)
                checks.append(
                    (
                        "essential genes: median LFC",
                        float(np.median(lfc[ess])),
                        "< 0",
                        bool(np.median(lfc[ess]) < 0),
                    )
                )
                frac = float((gs.loc[ess, "neg_fdr"] < 0.05).mean())
                checks.append(
                    ("essential genes: fraction depleted at FDR < 0.05", frac, "> 0", frac > 0)
                )
                auc = _auc(lfc[ess], lfc[~ess])
                checks.append(
                    ("essential vs other genes: ROC AUC on LFC", auc, "> 0.5", bool(auc > 0.5))
                )
    chk = pd.DataFrame(checks, columns=["check", "value", "expected", "passed"])
    return ScreenQC(table, corr, _pca(logc, counts.samples), chk, norm)
