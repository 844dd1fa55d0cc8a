"""Hit calling as ``mageck test`` does it: normalise, test guides, aggregate genes by RRA.

:func:`screen_test` runs the whole chain on a :class:`~kinetor.screens.io.CountTable` and
returns a :class:`ScreenTest` with tidy frames (``guides``, ``genes``) and writers for
MAGeCK's ``sgrna_summary`` and ``gene_summary`` layouts, so that scripts written for
MAGeCK output read ours unchanged. The defaults are MAGeCK's (median normalisation,
guides removed when zero in both groups, RRA alpha from the fraction of guides with
p <= 0.25, clamped to 0.05..0.5 for depletion, gene LFC = median guide LFC) except the
guide test's null: ``variance="symmetric"`` reads the variance at the mean of the control
and treatment medians, MAGeCK's at the control median; ``variance="mageck"`` reproduces
MAGeCK's ``sgrna_summary`` and ``gene_summary`` (docs/screens.md).

Examples
--------
>>> import io
>>> from kinetor.screens import read_counts
>>> rows = ["sgRNA\\tGene\\tc1\\tc2\\tt1\\tt2"]
>>> rows += [f"g{i}\\tG{i // 4}\\t{100 + i}\\t{110 + i}\\t{100 + 2 * i}\\t{95 + i}"
...          for i in range(40)]
>>> ct = read_counts(io.StringIO("\\n".join(rows)))
>>> res = screen_test(ct, treatment=["t1", "t2"], control=["c1", "c2"])
>>> len(res.genes), list(res.gene_summary().columns[:3])
(10, ['id', 'num', 'neg|score'])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from kinetor.errors import DataError, ModelError, Problem
from kinetor.screens._controls import control_mask
from kinetor.screens._hit_notes import screen_notes
from kinetor.screens.guides import Variance, check_variance, guide_test
from kinetor.screens.io import CountTable
from kinetor.screens.normalize import size_factors
from kinetor.screens.rank_aggregation import rra

__all__ = ["ScreenTest", "screen_test"]


@dataclass
class ScreenTest:
    """Result of :func:`screen_test`.

    Attributes
    ----------
    guides : pandas.DataFrame
        One row per guide (tidy): normalised counts (arrays), means, LFC, variances,
        score, p-values, FDR, ``valid`` (kept for the gene test).
    genes : pandas.DataFrame
        One row per gene: ``num``, then ``neg_*`` and ``pos_*`` score, p-value, FDR, rank,
        good guides and LFC.
    size_factors : dict
        Sample -> size factor.
    normalization : str
        Method actually used (median falls back to total as in MAGeCK).
    model : dict
        Mean-variance fit ``k``, ``b``, the rule that gave them (``variance_rule``:
        ``clamp``, ``moment`` or ``constrained``), the ``null`` (``control``: variance at
        the control median, as MAGeCK; ``symmetric``: at the mean of the two medians) and
        the RRA alpha cut-offs.
    options : dict
        The options of the run.
    notes : list of str
        What the run left out or fell back to: guides removed before RRA and the genes left
        with none (not in ``genes``), genes named NA/na (p = 1), identical replicates (the
        mean-variance line falls back); ``genes.attrs["notes"]`` holds the same.
    """

    guides: pd.DataFrame
    genes: pd.DataFrame
    size_factors: dict[str, float]
    normalization: str
    model: dict[str, float | str]
    options: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def sgrna_summary(self) -> pd.DataFrame:
        """MAGeCK ``sgrna_summary.txt`` columns, guides sorted by |score| (descending)."""
        g = self.guides
        fmt = np.vectorize(lambda x: f"{x:.5g}")
        out = pd.DataFrame(
            {
                "sgrna": g["sgrna"],
                "Gene": g["gene"],
                "control_count": _fmt_counts(np.vstack(g["control_count"].to_numpy())),
                "treatment_count": _fmt_counts(np.vstack(g["treatment_count"].to_numpy())),
                "control_mean": g["control_mean"],
                "treat_mean": g["treat_mean"],
                "LFC": g["lfc"],
                "control_var": g["control_var"],
                "adj_var": g["adj_var"],
                "score": g["score"].abs(),
                "p.low": g["p_low"],
                "p.high": g["p_high"],
                "p.twosided": g["p_twosided"],
                "FDR": g["fdr"],
                "high_in_treatment": g["treat_mean"] > g["control_mean"],
            }
        )
        out = out.iloc[np.argsort(-out["score"].to_numpy(), kind="stable")]
        for c in (
            "control_mean",
            "treat_mean",
            "LFC",
            "control_var",
            "adj_var",
            "score",
            "p.low",
            "p.high",
            "p.twosided",
            "FDR",
        ):
            out[c] = fmt(out[c].to_numpy(dtype=float))
        return out.reset_index(drop=True)

    def gene_summary(self) -> pd.DataFrame:
        """MAGeCK ``gene_summary.txt`` columns (``id``, ``num``, ``neg|...``, ``pos|...``)."""
        cols = {"id": "gene", "num": "num"}
        for side in ("neg", "pos"):
            for k in ("score", "p-value", "fdr", "rank", "goodsgrna", "lfc"):
                cols[f"{side}|{k}"] = f"{side}_{k.replace('-', '_')}"
        return pd.DataFrame({k: self.genes[v].to_numpy() for k, v in cols.items()})

    def write(self, prefix: str | Path) -> list[Path]:
        """Write ``PREFIX.sgrna_summary.txt`` and ``PREFIX.gene_summary.txt`` (TSV, MAGeCK)."""
        prefix = str(prefix)
        paths = [Path(prefix + ".sgrna_summary.txt"), Path(prefix + ".gene_summary.txt")]
        paths[0].parent.mkdir(parents=True, exist_ok=True)
        self.sgrna_summary().to_csv(paths[0], sep="\t", index=False)
        gs = self.gene_summary()
        gs.to_csv(paths[1], sep="\t", index=False, float_format="%.5g")
        return paths

    def hits(self, fdr: float = 0.05, side: Literal["neg", "pos", "both"] = "both") -> pd.DataFrame:
        """Genes with ``fdr`` below the threshold (``direction`` = neg or pos).

        ``fdr`` must lie in (0, 1]; ``side`` is ``neg``, ``pos`` or ``both``
        (:class:`~kinetor.errors.ModelError` otherwise).
        """
        _check_fraction("fdr", fdr, "the gene FDR threshold, e.g. 0.05")
        if side not in ("neg", "pos", "both"):
            raise ModelError(f"side={side!r}: choose neg, pos or both")
        parts = []
        for s in ("neg", "pos") if side == "both" else (side,):
            sel = self.genes[self.genes[f"{s}_fdr"] < fdr].copy()
            sel["direction"] = s
            sel["lfc"] = sel[f"{s}_lfc"]
            sel["fdr"] = sel[f"{s}_fdr"]
            parts.append(sel[["gene", "num", "direction", "lfc", "fdr"]])
        return pd.concat(parts, ignore_index=True)


def _check_fraction(name: str, value, what: str) -> None:
    """Refuse anything but a number in (0, 1] for a threshold such as an FDR."""
    number = isinstance(value, int | float | np.number) and not isinstance(value, bool)
    if not number or not 0.0 < value <= 1.0:
        raise ModelError(f"{name}={value!r}: {what} must be a number in (0, 1]")


def _check_options(counts, pvalue, fdr_threshold, remove_zero, threshold, permutations, variance):
    if not isinstance(counts, CountTable):
        raise DataError(
            Problem(
                f"counts is a {type(counts).__name__}, not a CountTable",
                fix="read it with read_counts(path) or CountTable.from_frame(frame)",
            )
        )
    if pvalue not in ("normal", "nb"):
        raise ModelError(f"pvalue={pvalue!r}: choose normal or nb")
    check_variance(variance)
    _check_fraction("fdr_threshold", fdr_threshold, "the guide p-value threshold, e.g. 0.25")
    zero = ("none", "control", "treatment", "both", "any")
    if remove_zero not in zero:
        raise ModelError(f"remove_zero={remove_zero!r}: choose one of {', '.join(zero)}")
    if not (isinstance(threshold, int | float | np.number) and np.isfinite(threshold)):
        raise ModelError(f"remove_zero_threshold={threshold!r}: give a finite count, e.g. 0")
    if permutations is not None and (
        isinstance(permutations, bool)
        or not isinstance(permutations, int | np.integer)
        or permutations < 1
    ):
        raise ModelError(
            f"permutations={permutations!r}: give a whole number >= 1 of RRA draws per gene, "
            "or None for MAGeCK's rule"
        )


def _fmt_counts(x: np.ndarray) -> np.ndarray:
    return np.array(["/".join(f"{v:.5g}" for v in row) for row in x], dtype=object)


def screen_test(
    counts: CountTable,
    treatment: list[str] | str,
    control: list[str] | str,
    *,
    norm_method: Literal["median", "total", "control", "none"] = "median",
    control_guides: list[str] | None = None,
    pvalue: Literal["normal", "nb"] = "normal",
    fdr_threshold: float = 0.25,
    remove_zero: Literal["none", "control", "treatment", "both", "any"] = "both",
    remove_zero_threshold: float = 0.0,
    permutations: int | None = None,
    seed: int | np.random.Generator | None = None,
    variance: Variance = "symmetric",
) -> ScreenTest:
    """Call depleted and enriched genes between ``treatment`` and ``control`` samples.

    Parameters
    ----------
    counts : CountTable
        Raw counts (:func:`~kinetor.screens.read_counts`).
    treatment, control : list of str or str
        Sample labels (or a comma-separated string; 0-based indices accepted unless the
        sample names are numbers), each sample once.
    norm_method : {"median", "total", "control", "none"}
        Normalisation (``control`` needs ``control_guides``).
    control_guides : list of str, optional
        Non-targeting/safe guide ids: used for ``control`` normalisation and as the RRA
        null distribution.
    pvalue : {"normal", "nb"}
        Guide p-values from the truncated normal (MAGeCK default) or negative binomial.
    fdr_threshold : float
        Guide p-value threshold that sets the RRA alpha (MAGeCK ``--gene-test-fdr-threshold``).
    remove_zero, remove_zero_threshold
        Which guides leave the gene test (MAGeCK ``--remove-zero``).
    permutations : int, optional
        RRA draws per gene (MAGeCK's rule by default).
    seed : int, numpy.random.Generator or None
        RRA permutation draws; None uses MAGeCK's own random stream (reproduces its
        p-values), an int or Generator numpy's.
    variance : {"symmetric", "mageck", "auto"}
        Mean-variance rule and null. ``"symmetric"`` (default): MAGeCK's clamp
        ``k >= 1, b >= 0`` unless it moves the line by more than 3 log2 units (then the
        line is refitted), variance at the mean of the control and treatment medians.
        ``"mageck"``: MAGeCK's clamp and its variance at the control median: MAGeCK's
        ``sgrna_summary`` and ``gene_summary`` exactly (use it to compare with MAGeCK).
        ``"auto"``: ``"mageck"`` where the clamp holds, ``"symmetric"`` elsewhere (see
        :func:`~kinetor.screens.guides.guide_test`).

    Returns
    -------
    ScreenTest

    Raises
    ------
    DataError
        Unknown or repeated samples, a sample in both groups, fewer than 2 control guides
        in the table, bad counts (see :func:`~kinetor.screens.size_factors`).
    ModelError
        ``fdr_threshold`` outside (0, 1], ``permutations`` below 1, an unknown ``pvalue``,
        ``remove_zero`` or ``variance``.
    """
    _check_options(
        counts, pvalue, fdr_threshold, remove_zero, remove_zero_threshold, permutations, variance
    )
    src = counts.source
    treat_s = counts.select(treatment, "treatment samples").samples
    ctrl_s = counts.select(control, "control samples").samples
    for group, names in (("treatment", treat_s), ("control", ctrl_s)):
        if not names:
            raise DataError(
                Problem(
                    f"no {group} sample given",
                    file=src,
                    fix=f"name >= 1 {group} sample of the count table: {', '.join(counts.samples)}",
                )
            )
    both = set(treat_s) & set(ctrl_s)
    if both:
        raise DataError(
            Problem(
                f"sample(s) {', '.join(sorted(both))} are both treatment and control",
                file=src,
                fix="give each sample to one group",
            )
        )
    sel = counts.select(ctrl_s + treat_s)
    ctrl_mask = None
    if control_guides is not None:
        ctrl_mask = control_mask(control_guides, counts.guides, src)
    factors, used = size_factors(
        sel.counts, norm_method, ctrl_mask, samples=sel.samples, source=src
    )
    norm = sel.counts * factors[None, :]
    nc = len(ctrl_s)
    c, t = norm[:, :nc], norm[:, nc:]
    r = guide_test(c, t, method=pvalue, variance=variance)
    cm_raw, tm = np.median(c, axis=1), np.median(t, axis=1)
    v1, v2 = cm_raw > remove_zero_threshold, tm > remove_zero_threshold
    valid = {
        "none": np.ones_like(v1),
        "control": v1,
        "treatment": v2,
        "any": v1 & v2,
        "both": v1 | v2,
    }[remove_zero]
    if not valid.any():
        raise DataError(
            Problem(
                "no guide is left after removing zero-count guides",
                file=src,
                fix="check the sample labels and counts",
            )
        )
    guides = pd.DataFrame(
        {
            "sgrna": counts.guides,
            "gene": counts.genes,
            "control_count": list(c),
            "treatment_count": list(t),
            "control_mean": r["control_mean"],
            "treat_mean": r["treat_mean"],
            "lfc": r["lfc"],
            "control_var": r["control_var"],
            "adj_var": r["adj_var"],
            "score": r["score"],
            "p_low": r["p_low"],
            "p_high": r["p_high"],
            "p_twosided": r["p_twosided"],
            "fdr": r["fdr"],
            "valid": valid,
        }
    )
    nv = valid.sum()
    alpha_low = float(np.clip(np.sum((r["p_low"] <= fdr_threshold) & valid) / nv, 0.05, 0.5))
    n_high = np.sum(r["p_high"] <= fdr_threshold)
    alpha_high = float(np.sum((r["p_high"] <= fdr_threshold) & valid) / nv) if n_high else 0.01
    rng = None if seed is None else np.random.default_rng(seed)
    gv, ids = counts.genes[valid], counts.guides[valid]
    cv = None if ctrl_mask is None else ctrl_mask[valid]
    neg = rra(
        gv,
        r["score"][valid],
        alpha_low,
        control=cv,
        guides=ids,
        permutations=permutations,
        seed=rng,
    )
    pos = rra(
        gv,
        -r["score"][valid],
        alpha_high,
        control=cv,
        guides=ids,
        permutations=permutations,
        seed=rng,
    )
    lfc = pd.Series(r["lfc"][valid]).groupby(gv).median()
    genes = neg.rename(
        columns={k: f"neg_{k}" for k in ("score", "p_value", "fdr", "rank", "goodsgrna")}
    )
    genes["neg_lfc"] = lfc.reindex(genes["gene"]).to_numpy()
    pos = pos.set_index("gene").reindex(genes["gene"])
    for k in ("score", "p_value", "fdr", "rank", "goodsgrna"):
        genes[f"pos_{k}"] = pos[k].to_numpy()
    genes["pos_lfc"] = genes["neg_lfc"]
    model = {
        "k": r["k"],
        "b": r["b"],
        "variance_rule": r["variance_rule"],
        "null": r["null"],
        "alpha_neg": alpha_low,
        "alpha_pos": alpha_high,
    }
    opts = {
        "treatment": treat_s,
        "control": ctrl_s,
        "norm_method": norm_method,
        "pvalue": pvalue,
        "variance": variance,
        "fdr_threshold": fdr_threshold,
        "remove_zero": remove_zero,
        "permutations": permutations,
    }
    notes = screen_notes(
        counts, valid, c, t, ctrl_s, treat_s, r, remove_zero, remove_zero_threshold
    )
    genes.attrs["notes"] = notes
    factors_of = dict(zip(sel.samples, map(float, factors), strict=True))
    return ScreenTest(guides, genes, factors_of, used, model, opts, notes)
