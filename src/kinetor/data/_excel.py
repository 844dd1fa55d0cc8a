"""Excel input: one sheet of an .xlsx workbook as a ``RawTable``.

The header is the first row as wide as the widest of the sheet's first rows (a title line
above the table has fewer cells); blank rows are skipped and every data row keeps its
row number in the sheet. Whole numbers beyond 2**53 in numeric cells are reported, never
guessed: Excel keeps 15 significant digits, so a long id typed as a number is stored as
another number. Date-time cells of CDISC ``--DTC`` columns are read as ISO 8601 date-times,
and clock times in a generic table's time columns are problems (``_read_excel_dates``).
``kinetor.data._text.read_raw`` calls ``read_excel`` for .xlsx files, and
``unreadable`` for the problem of a workbook (or XPT file) that cannot be opened.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.data._read_excel_dates import excel_dates
from kinetor.data._text import _EXCEL, RawTable, _drop_empty_columns, _unique, frame_to_raw
from kinetor.errors import DataError, Problem

__all__ = ["read_excel", "unreadable"]


def read_excel(path: Path, sheet) -> RawTable:
    label = f"{path.name}[{sheet}]" if sheet is not None else path.name
    grid = pd.read_excel(
        path, sheet_name=0 if sheet is None else sheet, header=None, dtype=object, engine="openpyxl"
    )
    empty = grid.isna().all(axis=1).to_numpy()
    if empty.all():
        raise DataError(
            Problem(
                "the sheet is empty", file=label, fix="choose the sheet with the data: sheet=..."
            )
        )
    # the header: the first row as wide as the widest of the first rows (a title line
    # above the table has fewer cells)
    filled = grid.head(30).notna().sum(axis=1).to_numpy()
    head = int(np.argmax(filled == filled.max()))
    header = [("" if pd.isna(v) else str(v).strip()) for v in grid.iloc[head]]
    body = grid.iloc[head + 1 :]
    keep = ~body.isna().all(axis=1).to_numpy()
    body = body[keep]
    notes: list[str] = []
    body.columns = _unique(header, label, notes)
    rows = (np.flatnonzero(keep) + head + 2).astype(np.int64)
    body, clock = excel_dates(body, rows, path, sheet, label, notes)
    raw = frame_to_raw(body, label)
    raw.rows = rows
    raw.problems = _excel_digits(body, raw.rows, label) + clock
    raw.frame = _drop_empty_columns(raw.frame)
    raw.notes = notes
    return raw


def _excel_digits(body: pd.DataFrame, rows: np.ndarray, label: str) -> list[Problem]:
    """Whole numbers beyond 2**53 in numeric cells: Excel keeps 15 significant digits, so
    an 18-digit id typed as a number is stored as another number. Said, never guessed."""
    problems = []
    for col in body.columns:
        cells = body[col]
        numeric = cells.map(type).isin((int, float)).to_numpy()
        if not numeric.any():
            continue
        values = pd.to_numeric(cells.where(numeric), errors="coerce").to_numpy(float)
        with np.errstate(invalid="ignore"):
            big = numeric & (np.abs(values) >= 2.0**53) & (np.mod(values, 1.0) == 0)
        for i in np.flatnonzero(big):
            v = cells.iloc[i]
            problems.append(
                Problem(
                    f"the number {v} has more digits than Excel keeps (15 significant): it "
                    "may not be what was typed",
                    file=label,
                    row=int(rows[i]),
                    column=col,
                    fix="format the column as Text in Excel and type the ids again, or "
                    "export the sheet as CSV from the source system",
                )
            )
    return problems


def unreadable(path: Path, suffix: str, sheet, exc: Exception) -> Problem:
    """The one problem of a file that cannot be opened as what its name says."""
    if isinstance(exc, OSError):
        return Problem(
            f"cannot be read: {exc.strerror or exc}",
            file=str(path),
            fix="check the path and the file's permissions",
        )
    if suffix in _EXCEL and sheet is not None and "not found" in str(exc):
        try:
            from openpyxl import load_workbook

            names = load_workbook(path, read_only=True).sheetnames
        except Exception:  # the sheet list is a courtesy in an error message
            names = []
        return Problem(
            f"no sheet {sheet!r} in the workbook",
            file=path.name,
            fix=f"use --sheet with one of: {', '.join(map(str, names))}",
        )
    what = {".xpt": "a SAS transport (XPT) file"}.get(suffix, "an Excel .xlsx workbook")
    return Problem(
        f"is not {what} ({exc})",
        file=path.name,
        fix="export it again, or save it as CSV",
    )
