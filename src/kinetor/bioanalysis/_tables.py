"""The raw text table of a bioanalysis input (a path or a DataFrame), with the file name
its problems name; an empty or header-only file is a ``DataError``. Files are read as the
study reader reads them (``kinetor.data._user_table.read_user_table``: comma, semicolon or
tab text in UTF-8 or cp1252, .xlsx; a folder or an old .xls is a ``DataError``)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = ["raw_table", "sheet_table", "source_rows"]

_WORKBOOK = (".xlsx", ".xlsm", ".xltx", ".xltm")


def raw_table(
    source, file: str | None, *, what: str, header_fix: str, rows_fix: str, as_text: bool = False
) -> tuple[pd.DataFrame, str]:
    """``(table, file)``: the file read as text (a DataFrame copied, or cast to text with
    ``as_text``); ``what`` names the file kind in "no such ... file"."""
    if isinstance(source, pd.DataFrame):
        raw = source.astype("string").fillna("") if as_text else source.copy()
        file = file or "<DataFrame>"
    else:
        from kinetor.data._user_table import read_user_table

        path = Path(source)
        file = file or path.name
        if not path.exists():
            raise DataError(
                Problem(f"no such {what} file: {path}", file=file, fix="check the path")
            )
        if path.is_dir():
            raise DataError(
                Problem(
                    f"no such {what} file: {path} is a folder",
                    file=file,
                    fix=f"give the path of the {what} file (CSV or .xlsx) inside it",
                )
            )
        empty = ("empty file: no header and no rows", header_fix)
        no_rows = ("no data rows (only a header)", rows_fix)
        table = read_user_table(path, empty=empty, no_rows=no_rows)
        raw = table.frame
        # each row's line in the file (blank and '#' comment lines skipped), for messages
        raw.attrs["source_rows"] = tuple(table.rows.tolist())
    if len(raw) == 0:
        raise DataError(Problem("no data rows (only a header)", file=file, row=1, fix=rows_fix))
    return raw, file


def source_rows(raw: pd.DataFrame) -> np.ndarray:
    """Each row's line in the file (blank and '#' comment lines skipped; header: 1); for a
    DataFrame, 2, 3, ... as a spreadsheet of it would count."""
    rows = raw.attrs.get("source_rows")
    return np.asarray(rows if rows is not None else range(2, len(raw) + 2), dtype=int)


def sheet_table(
    source, file: str | None, sheet, *, what: str, header_fix: str, rows_fix: str, **kw
) -> tuple[pd.DataFrame, str, str]:
    """:func:`raw_table` of one sheet of a workbook (``sheet``: its name or 0-based number;
    default the first), with what problems say of the sheets (" (sheet 'Info' read; the
    workbook's sheets: ...)", empty for a text file). A sheet given for a text file or a
    DataFrame, or one the workbook does not have, is a ``DataError``."""
    kw = {"what": what, "header_fix": header_fix, "rows_fix": rows_fix, **kw}
    path = None if isinstance(source, pd.DataFrame) else Path(source)
    if path is None or path.suffix.lower() not in _WORKBOOK or not path.is_file():
        if sheet is None:
            return (*raw_table(source, file, **kw), "")
        name, fix = file or getattr(path, "name", "<DataFrame>"), "leave out sheet= (--sheet)"
        raise DataError(
            Problem(f"sheet {sheet!r} given: only a workbook has sheets", name, fix=fix)
        )
    try:  # the sheet names, for messages (a file that is no workbook: the reader says so)
        with pd.ExcelFile(path, engine="openpyxl") as book:
            names = [str(n) for n in book.sheet_names]
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        names = []
    if isinstance(sheet, int) and names and not 0 <= sheet < len(names):
        fix = f"give a sheet number from 0 to {len(names) - 1} or a name: {', '.join(names)}"
        raise DataError(Problem(f"no sheet number {sheet} in the workbook", path.name, fix=fix))
    read = sheet if isinstance(sheet, str) or len(names) <= (sheet or 0) else names[sheet or 0]
    if sheet is None:
        raw, file = raw_table(path, file, **kw)
    else:  # a sheet that is not there: a DataError listing them
        from kinetor.data._text import read_raw

        table = read_raw(path, sheet).as_text()
        if table.problems:
            raise DataError(table.problems)
        table.frame.attrs["source_rows"] = tuple(int(r) for r in table.rows)
        raw, file = raw_table(table.frame, file or f"{path.name}[{read}]", **kw)
    return raw, file, f" (sheet {read!r} read; the workbook's sheets: {', '.join(names)})"
