"""A tabulated free-drug profile read from a CSV file (``time_h, conc_nM``).

Every cell is checked and every problem is reported at once, with the file, the row as a
spreadsheet counts it (header = row 1, blank lines counted) and the column: text or a
blank where a number belongs (a row of empty cells, ``,``, included), a negative or
non-finite concentration or one above 1e9 nM (1 M: ``_inputs.MAX_CONC_NM``), a time that
does not increase, a column given twice. The text is read as other user tables
(:func:`kinetor.data._user_table.text_of_file`: a folder, a workbook or a binary file is
named; UTF-8 with or without BOM, else cp1252) and the delimiter is the one of ``, ; TAB |``
that splits the header into the named columns. The profile enters the
network as a piecewise-linear input held constant outside its range
(:mod:`kinetor.pathway._inputs`).

Examples
--------
>>> import tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / "prof.csv"
>>> _ = p.write_text("time_h,conc_nM\\n0,0\\n1,500\\n12,20\\n")
>>> t, c = read_profile(p)
>>> t.tolist(), c.tolist()
([0.0, 1.0, 12.0], [0.0, 500.0, 20.0])
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path

import numpy as np

from kinetor.data._user_table import text_of_file
from kinetor.errors import DataError, Problem
from kinetor.pathway._inputs import MAX_CONC_NM

__all__ = ["PROFILE_COLUMNS", "read_profile"]

#: The columns of a profile file: time (h) and free concentration (nM).
PROFILE_COLUMNS = ("time_h", "conc_nM")
_FIX_LAYOUT = "give a header row time_h,conc_nM and one row per time (h, free nM)"


def _records(path: Path) -> list[tuple[int, list[str]]]:
    """(file row, cells) of every line that is not blank (a line of separators only is a
    row of blanks, listed as such); the first is the header."""
    text = text_of_file(path, what="a CSV profile", fix=_FIX_LAYOUT, file=path.name)
    head = next((ln for ln in text.splitlines() if ln.strip()), "")

    def score(d: str) -> tuple[int, int]:  # named columns found, then cells
        cells = [c.strip() for c in next(csv.reader([head], delimiter=d))]
        return sum(c in cells for c in PROFILE_COLUMNS), len(cells)

    reader = csv.reader(io.StringIO(text), delimiter=max(",;\t|", key=score))
    out = []
    for cells in reader:
        if len(cells) > 1 or any(c.strip() for c in cells):
            out.append((reader.line_num, [c.strip() for c in cells]))
    return out


def read_profile(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Times (h) and free concentrations (nM) of a profile file, checked row by row.

    Raises
    ------
    FileNotFoundError
        No such file.
    DataError
        A folder, a workbook or binary file, an empty file, a missing column or one
        given twice, no data rows, or rows with text, blanks,
        negative or non-finite values, concentrations above 1e9 nM, or times that do not
        increase (every one listed).
    """
    p = Path(path)
    records = _records(p)
    if not records:
        raise DataError(Problem("the file is empty", file=p.name, fix=_FIX_LAYOUT))
    header_row, header = records[0]
    missing = [c for c in PROFILE_COLUMNS if c not in header]
    if missing:
        raise DataError(
            [
                Problem(
                    f"missing column {c!r} (the header has {', '.join(header)})",
                    file=p.name,
                    row=header_row,
                    column=c,
                    fix="give columns time_h (h) and conc_nM (free concentration, nM)",
                )
                for c in missing
            ]
        )
    if len(records) == 1:
        raise DataError(
            Problem(
                "the file has a header row but no data rows",
                file=p.name,
                row=header_row,
                fix="add one row per time under the header",
            )
        )
    twice = [c for c in PROFILE_COLUMNS if header.count(c) > 1]
    if twice:
        raise DataError(
            [
                Problem(
                    f"column {c!r} appears {header.count(c)} times",
                    file=p.name,
                    row=header_row,
                    column=c,
                    fix=f"keep one {c!r} column (rename or delete the others)",
                )
                for c in twice
            ]
        )
    idx = [header.index(c) for c in PROFILE_COLUMNS]
    problems: list[Problem] = []
    times, concs = [], []
    prev: tuple[float, int] | None = None
    for row, cells in records[1:]:
        values = []
        for col, j in zip(PROFILE_COLUMNS, idx, strict=True):
            text = cells[j] if j < len(cells) else ""
            try:
                x = float(text)
            except ValueError:
                x = math.nan
            ok = math.isfinite(x) and (col == "time_h" or x >= 0)
            if not ok:
                what = "blank" if not text else repr(text)
                need = "a finite time in h" if col == "time_h" else "a concentration >= 0 in nM"
                problems.append(
                    Problem(
                        f"{what} is not {need}",
                        file=p.name,
                        row=row,
                        column=col,
                        fix=f"write {need} as a plain number",
                    )
                )
            if ok and col == "conc_nM" and x > MAX_CONC_NM:
                problems.append(
                    Problem(
                        f"{x:g} nM is above {MAX_CONC_NM:g} nM (1 M: no drug is in solution "
                        "above it)",
                        file=p.name,
                        row=row,
                        column=col,
                        fix="check the value and its unit: conc_nM is the free "
                        f"concentration in nM, from 0 to {MAX_CONC_NM:g}",
                    )
                )
            values.append(x)
        t, c = values
        if math.isfinite(t):
            if prev is not None and not t > prev[0]:
                problems.append(
                    Problem(
                        f"time {t:g} h is not after {prev[0]:g} h on row {prev[1]}",
                        file=p.name,
                        row=row,
                        column="time_h",
                        fix="sort the rows by time, one row per time",
                    )
                )
            prev = (t, row)
        times.append(t)
        concs.append(c)
    if problems:
        raise DataError(problems)
    return np.asarray(times, dtype=float), np.asarray(concs, dtype=float)
