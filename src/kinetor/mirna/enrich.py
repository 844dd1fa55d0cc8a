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
from kinetor.mirna._de_table import _normalise, read_de_mirnas
from kinetor.screens.guides import bh_fdr

__all__ = ["changed_mirnas", "enrichment", "match_mirnas", "pathway_targets", "read_de_mirnas"]


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
    include_unverified: bool = False,
) -> pd.DataFrame:
    """Changed miRNAs and their validated targets on the pathway (one row per pair and
    source row of ``interactions``).

    Target and pathway genes are read as HGNC symbols: an alias of a network gene is its
    symbol (FRAP1 -> MTOR, RAPTOR -> RPTOR; :data:`kinetor.screens.network.ALIASES`);
    rows that become identical so (a table listing both FRAP1 and MTOR) are one row.
    Rows of ``interactions`` whose ``status`` is ``unverified`` (source not read) are left
    out unless ``include_unverified``.
    """
    from kinetor.screens.network import NODES

    genes = _genes(pathway if pathway is not None else NODES, "pathway")
    it = _analysed(interactions, include_unverified)
    ch = changed_mirnas(match_mirnas(de, it)[0], fdr, min_lfc)
    m = ch.merge(it, on="mirna", how="inner")
    m = m[m["target"].isin(genes)].drop_duplicates().copy()
    m["direction"] = np.where(m["log2fc"] > 0, "up", "down")
    return m.reset_index(drop=True)


def _gene(name) -> str:
    """A gene name as its HGNC symbol: upper case, a network gene's alias as its symbol."""
    from kinetor.screens.network import _symbol

    g = str(name).strip().upper()
    return _symbol(g) or g


def _genes(names: Iterable[str], what: str) -> set[str]:
    out = {_gene(g) for g in names}
    if not out:
        raise DataError(
            Problem(
                f"the {what} gene list is empty: no enrichment can be tested",
                column=what,
                fix=f"give the {what} genes, one per line, or none (the default)",
            )
        )
    return out


def _analysed(interactions: pd.DataFrame, include_unverified: bool) -> pd.DataFrame:
    """The interactions an analysis uses: targets as symbols (:func:`_gene`), unverified
    rows left out unless asked for."""
    it = interactions
    if not include_unverified and "status" in it.columns:
        it = it[it["status"].astype(str) != "unverified"]
    return it.assign(target=[_gene(t) for t in it["target"]])


def _hyper(k: int, big_n: int, big_k: int, n: int) -> float:
    return float(stats.hypergeom.sf(k - 1, big_n, big_k, n)) if k > 0 else 1.0


def enrichment(
    de: pd.DataFrame,
    interactions: pd.DataFrame,
    pathway: Iterable[str] | None = None,
    background: Iterable[str] | None = None,
    fdr: float = 0.05,
    min_lfc: float = 0.0,
    include_unverified: bool = False,
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
    include_unverified : bool
        Use interactions of status ``unverified`` (left out by default).

    Genes are read as symbols (FRAP1 and MTOR are one gene, see :func:`pathway_targets`).

    Returns
    -------
    pandas.DataFrame
        One row ``set = "all changed"`` and one per changed miRNA: ``N``, ``K``, ``n``,
        ``k``, ``expected``, ``fold``, ``p_value``, ``fdr`` (BH over the tested per-miRNA
        rows; the pooled row keeps its p-value), ``targets`` (on the pathway) and
        ``note``. A row with no target in the background (``n = 0``) or a background
        without pathway genes (``K = 0``) is not tested: ``p_value`` and ``fdr`` are NaN,
        ``note`` says why, and it is not counted in the BH family.
    """
    from kinetor.screens.network import NODES

    used = _analysed(interactions, include_unverified)
    universe = _genes(background, "background") if background is not None else set(used["target"])
    if not universe:
        raise DataError(
            Problem(
                "the background gene universe is empty (N = 0): no enrichment can be tested",
                column="background",
                fix="give the genes measured or expressed, one per line, or no background",
            )
        )
    path = _genes(pathway if pathway is not None else NODES, "pathway") & universe
    it = used[used["target"].isin(universe)]
    ch = changed_mirnas(match_mirnas(de, used)[0], fdr, min_lfc)
    big_n, big_k = len(universe), len(path)
    rows = []
    sets = [("all changed", set(ch["mirna"]))] + [(m, {m}) for m in ch["mirna"]]
    for label, mirs in sets:
        tg = set(it.loc[it["mirna"].isin(mirs), "target"])
        n, k = len(tg), len(tg & path)
        exp = n * big_k / big_n
        note = ""
        if not n:
            note = "not tested: no target in the background (n = 0)"
        elif not big_k:
            note = "not tested: no pathway gene in the background (K = 0)"
        rows.append(
            {
                "set": label,
                "N": big_n,
                "K": big_k,
                "n": n,
                "k": k,
                "expected": exp,
                "fold": k / exp if exp else np.nan,
                "p_value": np.nan if note else _hyper(k, big_n, big_k, n),
                "targets": ";".join(sorted(tg & path)),
                "note": note,
            }
        )
    out = pd.DataFrame(rows)
    note = out.pop("note")
    out["fdr"] = out["p_value"]
    if len(out) > 1:  # NaN (untested) rows stay NaN and are not counted
        out.loc[1:, "fdr"] = np.minimum(bh_fdr(out["p_value"].to_numpy()[1:]), 1.0)
    out["note"] = note
    return out
