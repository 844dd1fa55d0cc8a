"""Reading a differential miRNA table (``mirna``, ``log2fc``, adjusted p-value).

Column names are matched case-insensitively; the miRNA names may be R's row names (the
first column of ``write.csv(res)`` with a blank header cell, or a header one cell short
as ``write.table`` writes it). A padj of ``NA`` (or empty) is a miRNA not tested (DESeq2's
independent filtering or outlier detection): it is never called changed and counted in
``attrs["notes"]``. Every other problem (a missing or non-numeric value, a blank name, a
row with more cells than the header, a miRNA listed twice) is a
:class:`~kinetor.errors.DataError` naming the file, the row and the column.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = ["read_de_mirnas"]

_P_COLS = ("padj", "fdr", "qvalue", "adj.p.val", "p_adj")
_FC_COLS = ("log2fc", "log2foldchange", "logfc", "lfc")
# miRBase case: "mir" names a precursor (hsa-mir-21), "miR" a mature miRNA (hsa-miR-21-5p)
_MIR = re.compile(r"(?:^|-)(mir|miR)-")
_KIND = {"mir": "precursor", "miR": "mature"}
_NAME_COLS = ("mirna", "name", "id", "mirna_id")
_ROWS_LABEL = "(row names)"
_DELIMITERS = (",", ";", "\t", "|")


def read_de_mirnas(path) -> pd.DataFrame:
    """Read a differential miRNA table (CSV/TSV/Excel .xlsx; delimiter and encoding sniffed
    as for study files, docs/data.md): ``mirna``, ``log2fc``, ``padj``.

    Column names are matched case-insensitively (``log2FoldChange``, ``logFC``, ``FDR``,
    ``adj.P.Val`` are accepted); two fold-change or two adjusted p-value columns are a
    :class:`~kinetor.errors.DataError` (not guessed). Without a ``mirna``/``name``/``id``
    column the names are R's row names: a first column with a blank header (DESeq2's
    ``write.csv(res)``; also ``X``, ``...1``, ``Unnamed: 0``) or, in a header one cell short
    (edgeR's ``write.table(topTags(...), sep="\t")``), the unnamed first cell of each row.
    A padj of ``NA`` or empty (with any log2fc, ``NA`` too) is a miRNA not tested: padj is
    NaN, it is never called changed, and ``attrs["notes"]`` counts such rows. Rows with a
    blank name or another missing or non-numeric value are reported.
    """
    import dataclasses
    from pathlib import Path

    from kinetor.data._text import read_raw

    name = Path(path).name

    def named(problems):  # named as given, as this reader's other problems are
        return [dataclasses.replace(p, file=str(path)) if p.file == name else p for p in problems]

    try:  # a folder, a fake workbook, an empty file: a DataError naming it
        raw = read_raw(path)
    except DataError as exc:
        raise DataError(named(exc.problems)) from None
    if raw.problems:  # R's header one cell short (row names), else refused as read
        raw = _short_header(Path(path), name) or raw
    if raw.problems:  # a row with more cells than the header: not read with a cell dropped
        raise DataError(named(raw.problems))
    return _normalise(raw.frame, str(path), raw.rows)


def _short_header(path, name: str):
    """The text table re-read with a blank first header cell when its header is one cell
    short of every data row (R's ``write.table`` with row names); else None."""
    import csv
    import io

    from kinetor.data._text import _EXCEL, _LINE_END, _decode, read_raw_text

    if path.suffix.lower() in _EXCEL or path.suffix.lower() == ".xpt":
        return None
    lines = _LINE_END.split(_decode(path.read_bytes(), name, []))
    body = [i for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")]
    if len(body) < 2:
        return None
    for d in _DELIMITERS:
        recs = list(csv.reader(io.StringIO("\n".join(lines[i] for i in body)), delimiter=d))
        width, named = len(recs[0]), {c.strip().lower() for c in recs[0]} & set(_NAME_COLS)
        if width >= 2 and not named and all(len(r) == width + 1 for r in recs[1:]):
            lines[body[0]] = d + lines[body[0]]
            return read_raw_text("\n".join(lines).encode("utf-8"), name)
    return None


def _normalise(df: pd.DataFrame, source: str = "<DataFrame>", rows=None) -> pd.DataFrame:
    rows = np.arange(len(df)) + 2 if rows is None else np.asarray(rows)
    cols = {str(c).strip().lower(): c for c in df.columns}
    name = next((cols[c] for c in _NAME_COLS if c in cols), None)
    label = str(name)
    if name is None and len(df.columns) and _row_names(df.columns[0]):
        name, label = df.columns[0], _ROWS_LABEL  # R's row names: write.csv / write.table
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
    untested = np.array([_na(v) for v in df[pa]], dtype=bool)  # padj NA: not tested
    out = pd.DataFrame(
        {
            "mirna": df[name].astype(str).str.strip(),
            "log2fc": pd.to_numeric(df[fc], errors="coerce"),
            "padj": pd.to_numeric(df[pa].where(~untested), errors="coerce"),
        }
    )
    problems = [
        Problem(
            "blank miRNA name",
            file=source,
            row=int(rows[i]),
            column=label,
            fix="write the miRBase name (hsa-miR-21-5p), or drop the row",
        )
        for i, v in enumerate(df[name])
        if pd.isna(v) or str(v).strip() == ""
    ]
    lfc_na = np.array([_na(v) for v in df[fc]], dtype=bool) & untested  # DESeq2: both NA
    for role, col, ok, need in (
        ("log2fc", fc, np.isfinite(out["log2fc"]) | lfc_na, "a finite number"),
        ("padj", pa, out["padj"].between(0.0, 1.0) | untested, "a p-value in [0, 1]"),
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
    dup = _twice(list(out["mirna"]))
    if dup:
        raise DataError(
            [
                Problem(
                    f"miRNA {out['mirna'].iat[i]!r} appears twice (also row {int(rows[j])}"
                    + (f", as {first!r})" if first != out["mirna"].iat[i] else ")"),
                    file=source,
                    row=int(rows[i]),
                    column=label,
                    fix="one row per miRNA (names that differ only in case are one miRNA)",
                )
                for i, j, first in dup[:20]
            ]
        )
    out.attrs["notes"] = []
    if untested.any():
        shown = ", ".join(out["mirna"][untested].head(5)) + (" ..." if untested.sum() > 5 else "")
        out.attrs["notes"].append(
            f"{int(untested.sum())} miRNA(s) with padj NA ({shown}) not tested (e.g. DESeq2 "
            "independent filtering or outlier detection): not called changed"
        )
    return out


def _row_names(column) -> bool:
    """A first column of R or pandas row names: a blank header (read as ``_unnamed_1``),
    ``X``, ``...1``, ``Unnamed: 0`` (the header names of the screens gene-list reader)."""
    from kinetor.screens._gene_lists import _ROW_NAMES, _norm

    text = str(column)
    return text.startswith("_unnamed_") or _norm(text) in _ROW_NAMES


def _na(value) -> bool:
    """R's missing value: the text ``NA``, an empty cell, or a missing value of a frame."""
    if isinstance(value, str):
        return value.strip() in ("", "NA")
    return bool(pd.isna(value))


def _twice(names: list[str]) -> list[tuple[int, int, str]]:
    """(row index, index of its first row, first spelling) of each name listed before,
    also in another case (``HSA-MIR-21-5P`` after ``hsa-miR-21-5p``: one miRNA, matched to
    one interaction name). miRBase's precursor ``hsa-mir-21`` and mature ``hsa-miR-21``
    differ only in case and are two molecules: written so, they are not duplicates."""
    seen: dict[str, list[int]] = {}
    out = []
    for i, name in enumerate(names):
        before = seen.setdefault(name.lower(), [])
        mine = _kind(name)
        other = [j for j in before if not (mine and _kind(names[j]) not in (None, mine))]
        if other:
            out.append((i, other[0], names[other[0]]))
        before.append(i)
    return out


def _kind(name: str) -> str | None:
    m = _MIR.search(name)
    return _KIND[m.group(1)] if m else None


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
