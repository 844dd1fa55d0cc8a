"""Excel date-time cells: CDISC ``--DTC`` variables read, clock times in time columns said.

Excel stores a typed date-time (``2021-03-01 08:00``) as a date-time cell, whatever the
text typed; a CSV export or ``str`` would write it ``2021-03-01 08:00:00``, which is no
ISO 8601 date-time, and retyping ``2021-03-01T08:00`` in Excel is what the user cannot do
(Excel keeps turning it back). So:

* a date-time cell of a column named ``...DTC`` (``PCDTC``, ``EXSTDTC``, ``PCRFTDTC``...)
  is read as the ISO 8601 date-time it shows, to the second and without a time zone
  (``2021-03-01T08:00:00``); a cell at midnight whose number format shows no clock time
  (``yyyy-mm-dd``, ``m/d/yy``) is a date only (``2021-03-01``), never a dose at 00:00;
* a date-time cell of a generic table's time column (the names of the roles ``time``,
  ``nominal_time``, ``end_time``, ``dose_time`` in the alias table) is a clock time, which a
  generic table does not take (its times are elapsed times from the first dose, in the
  unit of the header): one problem per column, naming the rows, with a fix that works in
  Excel. Date-time cells of other columns are left as they are.

``kinetor.data._excel.read_excel`` calls :func:`excel_dates`.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.errors import Problem

__all__ = ["excel_dates"]

_TIME_ROLES = ("time", "nominal_time", "end_time", "dose_time")
_SHOWN = 8


def _is_stamp(v: object) -> bool:
    """A date or date-time cell (``datetime.time``, a clock time without a date, is not)."""
    return isinstance(v, dt.date)


def excel_dates(
    body: pd.DataFrame, rows: np.ndarray, path: Path, sheet, label: str, notes: list[str]
) -> tuple[pd.DataFrame, list[Problem]]:
    """``body`` (the sheet's data rows, cells as openpyxl gives them; column ``j`` is sheet
    column ``j + 1``, row ``i`` is sheet row ``rows[i]``) with the date-time cells of
    ``--DTC`` columns as ISO 8601 text, and the problems of clock times in time columns."""
    from kinetor.data.aliases import ALIASES, normalise_name

    problems: list[Problem] = []
    time_names = {a for role in _TIME_ROLES for a in ALIASES[role]}
    out = body
    read: list[str] = []
    for j, col in enumerate(body.columns):
        cells = body.iloc[:, j]
        hit = np.fromiter(map(_is_stamp, cells), bool, len(cells))
        if not hit.any():
            continue
        dtc = str(col).strip().upper().endswith("DTC")
        if not dtc and normalise_name(str(col)) not in time_names:
            continue  # a date column that no reader takes as a time: kept as it is
        if out is body:
            out = body.copy()
        where = np.flatnonzero(hit)
        date_only = _date_only(cells.iloc[where].tolist(), rows[where], j + 1, path, sheet)
        text = [_iso(v, d) for v, d in zip(cells.iloc[where], date_only, strict=True)]
        out.iloc[where, j] = np.asarray(text, dtype=object)
        if dtc:
            read.append(str(col))
            continue
        shown = ", ".join(str(int(r)) for r in rows[where][:_SHOWN])
        more = f" and {len(where) - _SHOWN} more" if len(where) > _SHOWN else ""
        problems.append(
            Problem(
                f"column {col!r} holds clock times (Excel date-time cells, e.g. "
                f"{text[0]!r}; rows {shown}{more}): the times of a generic table are "
                "elapsed times from the subject's first dose, in the unit of the header",
                file=label,
                row=int(rows[where[0]]),
                column=str(col),
                fix="give the elapsed hours in a number column instead (in Excel e.g. "
                "=(C2-$B$2)*24 with the cells of the sample and of the first dose, formatted "
                "as Number, headed 'Time (h)'), or give the study as SDTM/SEND PC and EX "
                "domains, whose PCDTC/EXSTDTC date-times are read",
            )
        )
    if read:
        notes.append(
            f"{label}: Excel date-time cells of {', '.join(read)} read as ISO 8601 "
            "date-times (to the second, no time zone)"
        )
    return out, problems


def _iso(v: dt.date, date_only: bool) -> str:
    if date_only or not isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d")
    return pd.Timestamp(v).round("s").strftime("%Y-%m-%dT%H:%M:%S")


def _date_only(values: list, rows: np.ndarray, col: int, path: Path, sheet) -> list[bool]:
    """Per cell: a date without a clock time (a ``date``, or a date-time at midnight whose
    number format shows no hours or seconds). Formats are looked up only for midnight."""
    out = [not isinstance(v, dt.datetime) for v in values]
    midnight = [
        i for i, v in enumerate(values) if isinstance(v, dt.datetime) and v.time() == dt.time(0)
    ]
    if not midnight:
        return out
    formats = _formats(path, sheet, [int(rows[i]) for i in midnight], col)
    for i in midnight:
        fmt = formats.get(int(rows[i]))
        out[i] = fmt is not None and not _shows_clock(fmt)
    return out


def _shows_clock(fmt: str) -> bool:
    """Whether an Excel number format shows a clock time (hours or seconds)."""
    plain = re.sub(r'"[^"]*"|\\.', "", fmt)
    if re.search(r"\[(?:h+|m+|s+)\]", plain, re.IGNORECASE):
        return True  # elapsed time: [h]:mm
    plain = re.sub(r"\[[^\]]*\]", "", plain)  # colours, locales: [Red], [$-409]
    return bool(re.search(r"[hs]", plain, re.IGNORECASE))


def _formats(path: Path, sheet, rows: list[int], col: int) -> dict[int, str]:
    """The number formats of column ``col`` (1-based) on the sheet rows ``rows``."""
    try:
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        try:
            ws = wb[sheet] if isinstance(sheet, str) else wb.worksheets[sheet or 0]
            want, out = set(rows), {}
            for r, cells in enumerate(
                ws.iter_rows(min_row=min(rows), max_row=max(rows), min_col=col, max_col=col),
                start=min(rows),
            ):
                if r in want and cells:
                    out[r] = str(cells[0].number_format)
            return out
        finally:
            wb.close()
    except Exception:  # a format is a refinement: without it the cell keeps its clock time
        return {}
