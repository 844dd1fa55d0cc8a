"""Grids in plate files: where the 96- or 384-well blocks are, and the names of wells.

A *grid* is a block whose header row holds the column numbers ``1..12`` (96 wells) or
``1..24`` (384 wells) and whose first column holds the row letters ``A..H`` or ``A..P``;
the top-left cell may carry a label. Every sheet of a workbook, or the CSV text, is
scanned for grids; anything outside them (instrument headers, notes) is ignored. Used by
:func:`kinetor.assays.plates.read_plate` and :func:`kinetor.assays.plates.read_plate_map`.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem

FORMATS = {96: (8, 12), 384: (16, 24)}
LETTERS = "ABCDEFGHIJKLMNOP"

__all__ = ["FORMATS", "LETTERS", "well_name"]


def well_name(row: int, col: int) -> str:
    """Well label from 0-based row and column indices (``well_name(0, 0) == 'A01'``)."""
    return f"{LETTERS[row]}{col + 1:02d}"


def _file_text(path, source: str) -> str:
    """The text of a plate file or stream (:func:`kinetor.data._user_table.text_of_file`:
    a folder, a binary file or an Excel workbook under a text name is a DataError)."""
    from kinetor.data._user_table import text_of_file

    return text_of_file(
        path, what="CSV/TSV text", fix="export the plate as CSV, TSV or .xlsx", file=source
    )


def _excel(path, source: str, **kw) -> dict:
    """Sheets of a workbook (``pandas.read_excel``); an unreadable one is a DataError."""
    if Path(path).suffix.lower() == ".xls":
        raise DataError(
            Problem("old .xls workbooks are not read", file=source, fix="save it as .xlsx or CSV")
        )
    try:
        return pd.read_excel(path, sheet_name=None, header=None, dtype=object, **kw)
    except (OSError, ValueError, KeyError) as exc:
        raise DataError(
            Problem(
                f"is not an Excel .xlsx workbook ({exc})",
                file=source,
                fix="export it again, or save it as CSV",
            )
        ) from None


def _raw_sheets(path, source: str) -> list[tuple[str, pd.DataFrame]]:
    if isinstance(path, str | Path) and str(path).lower().endswith((".xlsx", ".xls")):
        return list(_excel(path, source).items())
    text = _file_text(path, source)
    sep = _separator(text)
    width = max((line.count(sep) + 1 for line in text.splitlines()), default=1)
    raw = pd.read_csv(
        io.StringIO(text),
        header=None,
        sep=sep,
        dtype=object,
        names=range(width),
        skip_blank_lines=False,
    )
    return [("", raw)]


def _separator(text: str) -> str:
    """The field separator of a CSV/TSV plate export: the one (tab, comma, semicolon) that
    splits a line into a grid header ``1 2 ... 12``; otherwise the most frequent one."""
    seps = ("\t", ",", ";")
    want = [str(k) for k in range(1, 13)]
    for line in text.splitlines():
        for sep in seps:
            cells = [c.strip() for c in line.split(sep)]
            if any(cells[k : k + 12] == want for k in range(len(cells) - 11)):
                return sep
    return max(seps, key=text.count)


def _is_header(row: np.ndarray, j: int, ncol: int) -> bool:
    vals = row[j + 1 : j + 1 + ncol]
    if len(vals) < ncol:
        return False
    try:
        return [int(float(v)) for v in vals] == list(range(1, ncol + 1))
    except (TypeError, ValueError):
        return False


def _find_grids(raw: pd.DataFrame) -> list[tuple[int, int, int]]:
    """(header row, column of row letters, plate size) of every grid in a sheet."""
    arr = raw.to_numpy(dtype=object)
    found = []
    for i in range(arr.shape[0] - 1):
        for j in range(arr.shape[1] - 1):
            first = str(arr[i + 1, j]).strip().upper()
            if first != "A":
                continue
            for size, (_nr, nc) in sorted(FORMATS.items(), reverse=True):
                if _is_header(arr[i], j, nc):
                    found.append((i, j, size))
                    break
    return found


def _grid_blocks(path, source: str) -> list[dict]:
    blocks = []
    for sheet, raw in _raw_sheets(path, source):
        arr = raw.to_numpy(dtype=object)
        for i, j, size in _find_grids(raw):
            nr, nc = FORMATS[size]
            label = arr[i, j]
            label = "" if pd.isna(label) else str(label).strip()
            letters = [
                str(arr[i + 1 + r, j]).strip().upper() if i + 1 + r < arr.shape[0] else ""
                for r in range(nr)
            ]
            blocks.append(
                {
                    "sheet": sheet,
                    "row": i,
                    "col": j,
                    "size": size,
                    "label": label,
                    "letters": letters,
                    "cells": arr[i + 1 : i + 1 + nr, j + 1 : j + 1 + nc],
                }
            )
    if not blocks:
        raise DataError(
            Problem(
                "no plate grid found",
                file=source,
                fix="a grid needs a header row 1..12 (or 1..24) and row "
                "letters A..H (or A..P) in the column to its left",
            )
        )
    return blocks


def _cell_ref(block: dict, r: int, c: int, source: str) -> tuple[str, int, str]:
    # spreadsheet coordinates of a grid cell (row 1-based, column letter)
    row = block["row"] + 2 + r
    col_idx = block["col"] + 1 + c
    name = ""
    k = col_idx
    while True:
        name = chr(ord("A") + k % 26) + name
        k = k // 26 - 1
        if k < 0:
            break
    where = f"{source}" + (f" [{block['sheet']}]" if block["sheet"] else "")
    return where, row, name
