"""Text tables for :mod:`kinetor.screens.io`: plain or gzip, tab, comma, semicolon or
whitespace separated, UTF-8 (or cp1252), every cell read as text.

A file that cannot be parsed is a :class:`~kinetor.errors.DataError` naming it: a folder,
an Excel workbook, a binary file, an empty file, or a row with more fields than the header (with its 1-based line). A repeated header
name is kept as written (pandas would rename the second ``T1`` to ``T1.1``), so the
readers can report it.

Examples
--------
>>> import io
>>> list(_table(io.StringIO("sgRNA\\tGene\\tT1\\tT1\\ng1\\tA\\t1\\t2\\n")).columns)
['sgRNA', 'Gene', 'T1', 'T1']
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pandas as pd

from kinetor.errors import DataError, Problem

__all__: list[str] = []


def check_trailing_column(df: pd.DataFrame, source: str) -> None:
    """One :class:`~kinetor.errors.DataError` for a last column with no header name and no
    value (every line ends with a separator, e.g. a trailing tab), rather than one error per
    row about its empty cells."""
    if df.shape[1] == 0:
        return
    name = str(df.columns[-1]).strip()
    if not (name == "" or re.fullmatch(r"Unnamed: \d+", name)):
        return
    cells = df.iloc[:, -1]
    if cells.isna().all() or cells.where(cells.notna(), "").astype(str).str.strip().eq("").all():
        raise DataError(
            Problem(
                f"the last column (column {df.shape[1]}) has no name and no values: every "
                "line ends with a separator (a trailing tab or comma)",
                file=source,
                row=1,
                column=f"column {df.shape[1]}",
                fix="remove the separator at the end of each line (e.g. sed 's/\\t$//' FILE)",
            )
        )


def _name(path) -> str:
    return str(path) if isinstance(path, str | Path) else "<stream>"


def _read_text(path) -> str:
    """The text of a file (gzip or plain; :func:`kinetor.data._user_table.text_of_file`:
    a folder, an Excel workbook or a binary file is a DataError naming it)."""
    from kinetor.data._user_table import text_of_file

    return text_of_file(
        path,
        what="a text table",
        fix="save the table as UTF-8 tab-separated text (.txt/.tsv) or CSV",
        gz=True,
    )


def _delimiter(first_line: str) -> str | None:
    if "\t" in first_line:
        return "\t"
    if "," in first_line or ";" in first_line:  # ';' as Excel writes CSV in many locales
        return ";" if first_line.count(";") > first_line.count(",") else ","
    return None  # whitespace


def _table(path, header: bool = True) -> pd.DataFrame:
    text = _read_text(path)
    first = text.split("\n", 1)[0].rstrip("\r")
    sep = _delimiter(first)
    kwargs = {"sep": sep} if sep else {"sep": r"\s+", "engine": "python"}
    try:
        df = pd.read_csv(
            io.StringIO(text),
            header=0 if header else None,
            dtype=str,
            keep_default_na=False,
            **kwargs,
        )
    except pd.errors.EmptyDataError:
        raise DataError(
            Problem("the file is empty", file=_name(path), fix="give the file with its rows")
        ) from None
    except pd.errors.ParserError as e:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(e))
        raise DataError(
            Problem(
                f"{found[3]} fields, where the first row has {found[1]}"
                if found
                else f"the table cannot be read ({str(e).strip()})",
                file=_name(path),
                row=int(found[2]) if found else None,
                fix="give every row the fields of the first row (no stray separator or quote)",
            )
        ) from None
    if header:  # pandas renames a repeated name (T1, T1.1): keep the names as written
        names = next(csv.reader([first], delimiter=sep)) if sep else first.split()
        if len(names) == df.shape[1] and len(set(names)) < len(names):
            df.columns = names
    return df
