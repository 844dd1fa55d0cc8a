"""Readers for pooled-screen files: MAGeCK count tables, guide libraries, design matrices
(gene and guide lists: :mod:`kinetor.screens._gene_lists`).

A count table is read as MAGeCK writes it: a header row, then one row per guide with the
guide id, the gene and one raw read count per sample (tab- or comma-separated, chosen from
the file). Every problem found is reported at once as a :class:`~kinetor.errors.DataError`
naming the file, the 1-based row (header = row 1) and the column.

Examples
--------
>>> import io
>>> text = "sgRNA\\tGene\\tT0\\tT1\\ng1\\tA\\t10\\t5\\ng2\\tA\\t20\\t0\\n"
>>> ct = read_counts(io.StringIO(text))
>>> ct.samples, ct.counts.shape
(['T0', 'T1'], (2, 2))
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem
from kinetor.screens._gene_lists import GeneList, read_gene_list
from kinetor.screens._samples import sample_names
from kinetor.screens._text_tables import _name, _table, check_trailing_column
from kinetor.screens.library_check import check_library

__all__ = [
    "CountTable",
    "GeneList",
    "check_library",
    "read_counts",
    "read_design",
    "read_gene_list",
    "read_library",
]


@dataclass
class CountTable:
    """Raw read counts: one row per guide, one column per sample.

    Attributes
    ----------
    guides : numpy.ndarray of str
        Guide (sgRNA/shRNA) ids, unique.
    genes : numpy.ndarray of str
        Target gene of each guide.
    samples : list of str
        Sample labels in file order.
    counts : numpy.ndarray
        ``(n_guides, n_samples)`` float array of read counts.
    source : str
        File name (for messages).
    """

    guides: np.ndarray
    genes: np.ndarray
    samples: list[str]
    counts: np.ndarray
    source: str = "<DataFrame>"

    def to_frame(self) -> pd.DataFrame:
        """MAGeCK layout: ``sgRNA``, ``Gene``, one column per sample."""
        df = pd.DataFrame(self.counts, columns=self.samples)
        df.insert(0, "Gene", self.genes)
        df.insert(0, "sgRNA", self.guides)
        return df

    def select(self, samples: list[str] | str, what: str = "samples") -> CountTable:
        """A table with only ``samples`` (names or 0-based indices, or a comma-separated
        string), in that order; a sample given twice, or an index where the sample names are
        numbers, is a ``DataError`` (``what`` names the list in it)."""
        names = sample_names(samples, self.samples, self.source, what)
        idx = [self.samples.index(s) for s in names]
        return CountTable(self.guides, self.genes, names, self.counts[:, idx], self.source)

    @classmethod
    def from_frame(cls, df: pd.DataFrame, source: str = "<DataFrame>") -> CountTable:
        """Validate a frame in MAGeCK layout (guide, gene, samples...)."""
        return _validate(df, source)


def read_counts(path) -> CountTable:
    """Read a MAGeCK count table (``sgRNA``, ``Gene``, samples...; TSV/CSV, optionally gzip).

    Counts need not be whole numbers (``12.5``, ``1e3``): they are used as they are, as
    MAGeCK does.

    Parameters
    ----------
    path : str, Path or text stream
        The table.

    Returns
    -------
    CountTable

    Raises
    ------
    DataError
        Duplicated guide ids or sample names, empty gene names, missing/non-numeric/negative
        counts, a row with more fields than the header, fewer than one sample column, an
        empty file; each with its row and column.
    """
    df = _table(path)
    return _validate(df, _name(path))


def _labels(col: pd.Series) -> np.ndarray:
    """Guide ids or genes as stripped text; a missing cell becomes "" (reported as empty)."""
    return col.astype(object).where(col.notna(), "").astype(str).str.strip().to_numpy()


def _numbers(col: pd.Series) -> pd.Series:
    """Read counts as floats: numeric columns as they are, text stripped then parsed
    (anything else, booleans included, becomes NaN and is reported)."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        return pd.to_numeric(col, errors="coerce")
    return pd.to_numeric(col.astype(str).str.strip(), errors="coerce")


def _count_problem(value) -> str:
    """What is wrong with a read-count cell, the value shown as the user wrote it."""
    if not isinstance(value, str) and pd.isna(value):
        return "missing read count"
    number = isinstance(value, int | float | np.number) and not isinstance(value, bool | np.bool_)
    return f"read count {f'{value:g}' if number else repr(value)} is not a number >= 0"


def _validate(df: pd.DataFrame, source: str) -> CountTable:
    if not isinstance(df, pd.DataFrame):
        raise DataError(
            Problem(
                f"a count table must be a pandas DataFrame, not {type(df).__name__}",
                file=source,
                fix="pass a frame with sgRNA, Gene and one column per sample, or use "
                "read_counts(path)",
            )
        )
    problems: list[Problem] = []
    if df.shape[1] >= 4:  # sgRNA, Gene, >= 1 sample, then the empty trailing column
        check_trailing_column(df, source)
    if df.shape[1] < 3:
        raise DataError(
            Problem(
                f"a count table needs sgRNA, Gene and >= 1 sample column; "
                f"found {df.shape[1]} column(s)",
                file=source,
                row=1,
                fix="write: sgRNA<TAB>Gene<TAB>sample1<TAB>sample2...",
            )
        )
    if df.shape[0] == 0:
        raise DataError(
            Problem(
                "the count table has no guide rows",
                file=source,
                fix="give a table with one row per guide",
            )
        )
    cols = [str(c) for c in df.columns]
    guides, genes = _labels(df.iloc[:, 0]), _labels(df.iloc[:, 1])
    _check_gene_column(cols[1], genes, source)
    dup = pd.Series(guides).duplicated(keep="first").to_numpy()
    for i in np.flatnonzero(dup)[:20]:
        first = int(np.flatnonzero(guides == guides[i])[0])
        problems.append(
            Problem(
                f"duplicated guide id {guides[i]!r} (first at row {first + 2})",
                file=source,
                row=int(i) + 2,
                column=cols[0],
                fix="guide ids must be unique; rename or merge the rows",
            )
        )
    for i in np.flatnonzero((guides == "") | (genes == ""))[:20]:
        col = cols[0] if guides[i] == "" else cols[1]
        problems.append(
            Problem(
                "empty guide id or gene",
                file=source,
                row=int(i) + 2,
                column=col,
                fix="fill in the guide id and its target gene",
            )
        )
    samples = cols[2:]
    dups = [s for s in set(samples) if samples.count(s) > 1]
    if dups:
        problems.append(
            Problem(
                f"duplicated sample column(s) {', '.join(sorted(dups))}",
                file=source,
                row=1,
                column=", ".join(sorted(dups)),
                fix="give each sample a unique label",
            )
        )
    values = df.iloc[:, 2:].apply(_numbers)
    mat = values.to_numpy(dtype=float)
    bad = ~np.isfinite(mat) | (mat < 0)
    for i, j in zip(*np.nonzero(bad), strict=True):
        if len(problems) >= 50:
            break
        problems.append(
            Problem(
                _count_problem(df.iat[i, j + 2]),
                file=source,
                row=int(i) + 2,
                column=samples[j],
                fix="read counts are non-negative numbers",
            )
        )
    if problems:
        raise DataError(problems)
    return CountTable(guides, genes, samples, mat, source)


def _check_gene_column(name: str, genes: np.ndarray, source: str) -> None:
    """Numbers in column 2 under a sample-like header: the Gene column is missing (the
    first sample would otherwise be read as the genes)."""
    if any(w in name.lower() for w in ("gene", "symbol", "id", "target", "name")):
        return  # a gene column, even of numeric ids (Entrez)
    if len(genes) and pd.to_numeric(pd.Series(genes), errors="coerce").notna().all():
        raise DataError(
            Problem(
                f"column 2 {name!r} holds numbers, not gene names: the Gene column is missing",
                file=source,
                row=1,
                column=name,
                fix="write: sgRNA<TAB>Gene<TAB>sample1<TAB>sample2... (the target gene of "
                "each guide in column 2)",
            )
        )


def read_library(path) -> pd.DataFrame:
    """Read a guide library: ``id``, ``sequence``, ``gene`` (MAGeCK's library layout).

    A header row is detected (a first row whose sequence field contains "seq", or whose id
    field is ``id``, ``sgrna``, ``guide`` or ``name``).
    Returns a frame with columns ``guide``, ``sequence`` (upper case) and ``gene``.

    Raises
    ------
    DataError
        Duplicated ids, empty sequences or sequences with other letters than A/C/G/T
        (an ``N`` included: no read can match it), fewer than three columns.
    """
    source = _name(path)
    df = _table(path, header=False)
    if df.shape[1] < 3:
        raise DataError(
            Problem(
                f"a library needs id, sequence and gene columns; found {df.shape[1]}",
                file=source,
                row=1,
                fix="write: id<TAB>sequence<TAB>gene",
            )
        )
    df = df.iloc[:, :3].copy()
    df.columns = ["guide", "sequence", "gene"]
    df["sequence"] = df["sequence"].str.strip().str.upper()
    offset = 1
    first_id = str(df["guide"].iloc[0]).strip().lower()
    if "SEQ" in df["sequence"].iloc[0] or first_id in ("id", "sgrna", "guide", "name"):
        df = df.iloc[1:].reset_index(drop=True)
        offset = 2
    if df.empty:
        raise DataError(
            Problem(
                "the library has a header row but no guides",
                file=source,
                row=1,
                fix="add one row per guide: id, sequence, gene",
            )
        )
    problems = []
    for i in np.flatnonzero(df["guide"].duplicated().to_numpy())[:20]:
        problems.append(
            Problem(
                f"duplicated guide id {df['guide'].iat[i]!r}",
                file=source,
                row=int(i) + offset,
                column="id",
                fix="guide ids must be unique",
            )
        )
    okseq = df["sequence"].str.fullmatch(r"[ACGT]+").to_numpy()
    for i in np.flatnonzero(~okseq)[:20]:
        seq, guide = df["sequence"].iat[i], df["guide"].iat[i]
        with_n = re.fullmatch(r"[ACGTN]*N[ACGTN]*", seq) is not None
        problems.append(
            Problem(
                f"spacer of guide {guide!r} has an N ({seq!r}): no read can match it, it "
                "would stay 0"
                if with_n
                else f"sequence {seq!r} of guide {guide!r} is not A/C/G/T",
                file=source,
                row=int(i) + offset,
                column="sequence",
                fix="give the full spacer in A/C/G/T, or remove the guide (MAGeCK cannot "
                "count it either)"
                if with_n
                else "give the spacer sequence in DNA letters (A/C/G/T)",
            )
        )
    if problems:
        raise DataError(problems)
    df.attrs["source"] = source  # count_fastq names the file in its messages
    return df


def read_design(path, samples: list[str] | None = None) -> pd.DataFrame:
    """Read a MAGeCK MLE design matrix (samples x conditions, 0/1; first column = sample).

    Parameters
    ----------
    path : str, Path or stream
        Whitespace/tab/comma separated; header ``Samples baseline cond1 ...``.
    samples : list of str, optional
        Samples of the count table; every design sample must be one of them.

    Returns
    -------
    pandas.DataFrame
        Index = sample, columns = conditions (the first is the baseline), float values;
        ``attrs["source"]`` holds the file name. :func:`~kinetor.screens.mle` checks the
        design itself (baseline of 1s, a sample in every condition, no collinear column).
    """
    source = _name(path)
    df = _table(path)
    problems = []
    if df.shape[1] < 2:
        raise DataError(
            Problem(
                "a design matrix needs a sample column and >= 1 condition",
                file=source,
                row=1,
                fix="write: Samples baseline cond...",
            )
        )
    df = df.set_index(df.columns[0])
    vals = df.apply(lambda c: pd.to_numeric(c, errors="coerce"))
    for i, j in zip(*np.nonzero(~np.isfinite(vals.to_numpy(dtype=float))), strict=True):
        problems.append(
            Problem(
                f"design value {df.iat[i, j]!r} is not a number",
                file=source,
                row=int(i) + 2,
                column=str(df.columns[j]),
                fix="use 0/1 indicators",
            )
        )
    if samples is not None:
        for i, s in enumerate(df.index):
            if s not in samples:
                problems.append(
                    Problem(
                        f"design sample {s!r} is not in the count table",
                        file=source,
                        row=i + 2,
                        column=str(df.index.name),
                        fix=f"use sample labels of the count table: {', '.join(samples)}",
                    )
                )
    if problems:
        raise DataError(problems)
    vals.index = vals.index.astype(str)
    vals = vals.astype(float)
    vals.attrs["source"] = source  # mle() names the design file in its messages
    return vals
