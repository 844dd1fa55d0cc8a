"""Differential miRNAs -> pathway targets, and their enrichment (hypergeometric, BH FDR).

A differential table has one row per miRNA with ``mirna``, ``log2fc`` and an adjusted
p-value (``padj``, ``fdr`` or ``qvalue``). A miRNA is called changed at ``padj < fdr`` and
``|log2fc| >= min_lfc``. For the set of changed miRNAs (and for each changed miRNA) the
question is whether their validated targets fall on the pathway more often than chance,
against a stated background universe (by default every gene that has a validated
interaction in the table used):

.. math::

    p = P(X \\ge k), \\quad X \\sim \\operatorname{Hypergeom}(N, K, n)

with :math:`N` background genes, :math:`K` of them on the pathway, :math:`n` genes targeted
by the changed miRNAs and :math:`k` of those on the pathway (one-sided Fisher exact test).
Per-miRNA p-values are adjusted with Benjamini-Hochberg.

Examples
--------
>>> import pandas as pd
>>> inter = pd.DataFrame({"mirna": ["a", "a", "b", "c"], "target": ["MTOR", "X", "PTEN", "Y"]})
>>> de = pd.DataFrame({"mirna": ["a", "b", "c"], "log2fc": [2.0, -1.5, 0.1],
...                    "padj": [0.001, 0.01, 0.9]})
>>> r = enrichment(de, inter, pathway=["MTOR", "PTEN"])
>>> int(r.loc[0, "k"]), int(r.loc[0, "n"]), int(r.loc[0, "N"])
(2, 3, 4)
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from kinetor.errors import DataError, Problem
from kinetor.screens.guides import bh_fdr

__all__ = ["changed_mirnas", "enrichment", "match_mirnas", "pathway_targets", "read_de_mirnas"]

_P_COLS = ("padj", "fdr", "qvalue", "adj.p.val", "p_adj")
_FC_COLS = ("log2fc", "log2foldchange", "logfc", "lfc")


def read_de_mirnas(path) -> pd.DataFrame:
    """Read a differential miRNA table (CSV/TSV/Excel .xlsx; delimiter and encoding sniffed
    as for study files, docs/data.md): ``mirna``, ``log2fc``, ``padj``.

    Column names are matched case-insensitively (``log2FoldChange``, ``logFC``, ``FDR``,
    ``adj.P.Val`` are accepted); two fold-change or two adjusted p-value columns are a
    :class:`~kinetor.errors.DataError` (not guessed). Rows with a blank name or a missing or
    non-numeric value are reported.
    """
    import dataclasses
    from pathlib import Path

    from kinetor.data._text import read_raw

    try:  # a folder, a fake workbook, an empty file: a DataError naming it
        raw = read_raw(path)
    except DataError as exc:  # named as given, as this reader's other problems are
        name = Path(path).name
        raise DataError(
            [dataclasses.replace(p, file=str(path)) if p.file == name else p for p in exc.problems]
        ) from None
    return _normalise(raw.frame, str(path), raw.rows)


def _normalise(df: pd.DataFrame, source: str = "<DataFrame>", rows=None) -> pd.DataFrame:
    rows = np.arange(len(df)) + 2 if rows is None else np.asarray(rows)
    cols = {str(c).strip().lower(): c for c in df.columns}
    name = next((cols[c] for c in ("mirna", "name", "id", "mirna_id") if c in cols), None)
    fc = _one_column(df.columns, _FC_COLS, "fold-change", source)
    pa = _one_column(df.columns, _P_COLS, "adjusted p-value", source)
    missing = [r for r, c in (("mirna", name), ("log2fc", fc), ("padj", pa)) if c is None]
    if missing:
        raise DataError(
            Problem(
                f"missing column(s) {', '.join(missing)}",
                file=source,
                row=1,
                fix="write columns mirna, log2fc, padj",
            )
        )
    out = pd.DataFrame(
        {
            "mirna": df[name].astype(str).str.strip(),
            "log2fc": pd.to_numeric(df[fc], errors="coerce"),
            "padj": pd.to_numeric(df[pa], errors="coerce"),
        }
    )
    problems = [
        Problem(
            "blank miRNA name",
            file=source,
            row=int(rows[i]),
            column=str(name),
            fix="write the miRBase name (hsa-miR-21-5p), or drop the row",
        )
        for i, v in enumerate(df[name])
        if pd.isna(v) or str(v).strip() == ""
    ]
    for role, col, ok, need in (
        ("log2fc", fc, np.isfinite(out["log2fc"]), "a finite number"),
        ("padj", pa, out["padj"].between(0.0, 1.0), "a p-value in [0, 1]"),
    ):
        for i in np.flatnonzero(~ok.to_numpy()):
            raw = df[col].iat[i]
            if pd.isna(raw) or str(raw).strip() == "":
                shown = "blank"
            elif isinstance(raw, int | float | np.number):
                shown = f"{float(raw):g}"
            else:
                shown = repr(str(raw))
            problems.append(
                Problem(
                    f"{role} {shown} is not {need}",
                    file=source,
                    row=int(rows[i]),
                    column=str(col),
                    fix=f"write {need}, or drop the row",
                )
            )
    if problems:
        raise DataError(sorted(problems, key=lambda p: p.row or 0)[:40])
    dup = out["mirna"].duplicated().to_numpy()
    if dup.any():
        raise DataError(
            [
                Problem(
                    f"miRNA {out['mirna'].iat[i]!r} appears twice",
                    file=source,
                    row=int(rows[i]),
                    column=str(name),
                    fix="one row per miRNA",
                )
                for i in np.flatnonzero(dup)[:20]
            ]
        )
    return out


def _one_column(columns, aliases, what: str, source: str):
    """The one column whose name is an alias of ``what`` (None if none); two are a DataError
    (which one the values are is not guessed)."""
    found = [c for c in columns if str(c).strip().lower() in aliases]
    if len(found) > 1:
        raise DataError(
            Problem(
                f"{len(found)} {what} columns ({', '.join(repr(str(c)) for c in found)}): "
                "which one to use is not guessed",
                file=source,
                row=1,
                column=str(found[0]),
                fix="keep one of them: delete or rename the others",
            )
        )
    return found[0] if found else None


def match_mirnas(
    de: pd.DataFrame, interactions: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, str], list[str]]:
    """Match the names of a differential table to those of an interaction table.

    A name matches as written; else case-insensitively when exactly one name of the
    interaction table has that spelling (``HSA-MIR-99A-5P`` -> ``hsa-miR-99a-5p``). Where
    the table holds names differing only in case (``hsa-mir-21`` precursor, ``hsa-miR-21``
    mature) nothing is guessed and the name stays unmatched.

    Returns
    -------
    (pandas.DataFrame, dict, list of str)
        ``de`` with matched names as the interaction table writes them, the renamed names
        (written -> used), and the names that match no interaction (they have no targets).

    Examples
    --------
    >>> de = pd.DataFrame({"mirna": ["HSA-MIR-21-5P", "x"], "log2fc": [1.0, 1.0],
    ...                    "padj": [0.01, 0.01]})
    >>> inter = pd.DataFrame({"mirna": ["hsa-miR-21-5p"], "target": ["PTEN"]})
    >>> _, renamed, unmatched = match_mirnas(de, inter)
    >>> renamed, unmatched
    ({'HSA-MIR-21-5P': 'hsa-miR-21-5p'}, ['x'])
    """
    de = _normalise(de) if "padj" not in de.columns else de
    known = set(interactions["mirna"].astype(str))
    by_lower: dict[str, set[str]] = {}
    for name in known:
        by_lower.setdefault(name.lower(), set()).add(name)
    written = set(de["mirna"])
    guess = {}
    for name in de["mirna"]:
        hits = by_lower.get(name.lower(), set()) if name not in known else {name}
        guess[name] = next(iter(hits)) if len(hits) == 1 else None
    used = pd.Series([v for v in guess.values() if v is not None]).value_counts()
    renamed, unmatched = {}, []
    for name, to in guess.items():
        if to == name:
            continue
        if to is None or to in written or used[to] > 1:  # never two rows on one name
            unmatched.append(name)
        else:
            renamed[name] = to
    if renamed:
        de = de.assign(mirna=de["mirna"].replace(renamed))
    return de, renamed, unmatched


def changed_mirnas(de: pd.DataFrame, fdr: float = 0.05, min_lfc: float = 0.0) -> pd.DataFrame:
    """Rows of ``de`` called changed (``padj < fdr`` and ``|log2fc| >= min_lfc``)."""
    de = _normalise(de) if "padj" not in de.columns else de
    return de[(de["padj"] < fdr) & (de["log2fc"].abs() >= min_lfc)].reset_index(drop=True)


def pathway_targets(
    de: pd.DataFrame,
    interactions: pd.DataFrame,
    pathway: Iterable[str] | None = None,
    fdr: float = 0.05,
    min_lfc: float = 0.0,
) -> pd.DataFrame:
    """Changed miRNAs and their validated targets on the pathway (one row per pair)."""
    from kinetor.screens.network import NODES

    genes = {g.upper() for g in (pathway if pathway is not None else NODES)}
    ch = changed_mirnas(match_mirnas(de, interactions)[0], fdr, min_lfc)
    it = interactions.assign(target=interactions["target"].str.upper())
    m = ch.merge(it, on="mirna", how="inner")
    m = m[m["target"].isin(genes)]
    m["direction"] = np.where(m["log2fc"] > 0, "up", "down")
    return m.reset_index(drop=True)


def _hyper(k: int, big_n: int, big_k: int, n: int) -> float:
    return float(stats.hypergeom.sf(k - 1, big_n, big_k, n)) if k > 0 else 1.0


def enrichment(
    de: pd.DataFrame,
    interactions: pd.DataFrame,
    pathway: Iterable[str] | None = None,
    background: Iterable[str] | None = None,
    fdr: float = 0.05,
    min_lfc: float = 0.0,
) -> pd.DataFrame:
    """Pathway enrichment of the targets of changed miRNAs (all together and each alone).

    Parameters
    ----------
    de : pandas.DataFrame
        Differential table (``mirna``, ``log2fc``, ``padj``).
    interactions : pandas.DataFrame
        ``mirna``, ``target`` (curated table, or a database read with
        :func:`~kinetor.mirna.read_mirtarbase`).
    pathway : iterable of str, optional
        Pathway genes (default: the network's nodes).
    background : iterable of str, optional
        Gene universe (default: all targets in ``interactions``); pathway and target genes
        outside it are dropped.
    fdr, min_lfc : float
        Calls of changed miRNAs.

    Returns
    -------
    pandas.DataFrame
        One row ``set = "all changed"`` and one per changed miRNA: ``N``, ``K``, ``n``,
        ``k``, ``expected``, ``fold``, ``p_value``, ``fdr`` (BH over the per-miRNA rows;
        the pooled row keeps its p-value), ``targets`` (on the pathway).
    """
    from kinetor.screens.network import NODES

    it = interactions.assign(target=interactions["target"].str.upper())
    universe = {g.upper() for g in background} if background is not None else set(it["target"])
    if not universe:
        raise DataError(
            Problem(
                "the background gene universe is empty (N = 0): no enrichment can be tested",
                column="background",
                fix="give the genes measured or expressed, one per line, or no background",
            )
        )
    path = {g.upper() for g in (pathway if pathway is not None else NODES)} & universe
    it = it[it["target"].isin(universe)]
    ch = changed_mirnas(match_mirnas(de, interactions)[0], fdr, min_lfc)
    big_n, big_k = len(universe), len(path)
    rows = []
    sets = [("all changed", set(ch["mirna"]))] + [(m, {m}) for m in ch["mirna"]]
    for label, mirs in sets:
        tg = set(it.loc[it["mirna"].isin(mirs), "target"])
        n, k = len(tg), len(tg & path)
        exp = n * big_k / big_n if big_n else np.nan
        rows.append(
            {
                "set": label,
                "N": big_n,
                "K": big_k,
                "n": n,
                "k": k,
                "expected": exp,
                "fold": k / exp if exp else np.nan,
                "p_value": _hyper(k, big_n, big_k, n) if n else 1.0,
                "targets": ";".join(sorted(tg & path)),
            }
        )
    out = pd.DataFrame(rows)
    out["fdr"] = out["p_value"]
    if len(out) > 1:
        out.loc[1:, "fdr"] = np.minimum(bh_fdr(out["p_value"].to_numpy()[1:]), 1.0)
    return out
