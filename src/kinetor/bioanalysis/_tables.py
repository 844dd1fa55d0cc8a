"""The raw text table of a bioanalysis input (a path or a DataFrame), with the file name
its problems name; an empty or header-only file is a ``DataError``. Files are read as the
study reader reads them (``kinetor.data._user_table.read_user_table``: comma, semicolon or
tab text in UTF-8 or cp1252, .xlsx; a folder or an old .xls is a ``DataError``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = ["raw_table", "source_rows"]


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
