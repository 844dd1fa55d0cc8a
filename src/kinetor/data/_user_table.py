"""A user's table for the analyses outside the study reader (tumour volumes, BE and dose
proportionality, ADME, bioanalysis): the reading of :func:`kinetor.data._text.read_raw`,
its problems raised, cells as text, and a unit column turned into conversion factors.

What ``read_user_table`` gives every such command (docs/data.md, "Other tables"):

* a folder, an old ``.xls``, a file named ``.xlsx`` that is no workbook: a ``DataError``
  naming the file (never a Python error);
* text in cp1252 (or latin-1) read with a note; comma, semicolon, tab or ``|`` delimiters
  sniffed; a decimal comma in a non-comma file read as a point (with a note);
* a row with cells beyond the header, fewer cells than the header or a quote left open:
  a ``DataError`` naming the row (as the study reader);
* the rows as a spreadsheet counts them (``RawTable.rows``).

>>> import numpy as np
>>> f, notes = unit_factors(np.array(["mm3", "mL", ""]), np.array([2, 3, 4]), "mm^3",
...                         default="mm^3", file="v.csv", column="unit")
>>> f.tolist(), notes
([1.0, 1000.0, 1.0], ['v.csv: values in mL (1 row: 3) converted to mm^3'])
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kinetor.data._text import RawTable, read_raw
from kinetor.errors import DataError, Problem, UnitError

__all__ = [
    "PANDAS_NA",
    "numbers_where_numeric",
    "read_user_table",
    "row_list",
    "text_of_file",
    "unit_factor",
    "unit_factors",
]

# the cells pandas' read_csv reads as missing by default (its STR_NA_VALUES): the readers
# that used read_csv keep reading them so
PANDAS_NA = frozenset(
    (
        *("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND"),
        *("1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"),
    )
)
# read_raw's own wording of an empty file and of a header without rows
_EMPTY, _NO_ROWS = "the file is empty", "the file has a header row but no data rows"
_CUBE = re.compile(r"^([A-Za-zµμ]+)(?:3|³)$")  # mm3, cm3, mm³: pint reads mm^3


def read_user_table(path, *, empty=None, no_rows=None) -> RawTable:
    """``read_raw(path)`` with every cell as text; its row problems raised as one
    ``DataError``. ``empty``/``no_rows``: ``(message, fix)`` a reader documents for an
    empty file / a header without rows (read_raw's wording otherwise)."""
    try:
        raw = read_raw(path)
    except DataError as exc:
        p = exc.problems[0]
        own = {_EMPTY: empty, _NO_ROWS: no_rows}.get(p.message) if len(exc.problems) == 1 else None
        if own is None:
            raise
        row = None if p.message == _EMPTY else p.row
        raise DataError(Problem(own[0], file=p.file, row=row, fix=own[1])) from None
    if raw.problems:
        raise DataError(raw.problems)
    return raw.as_text()


def numbers_where_numeric(frame: pd.DataFrame, na=("",), skip=()) -> pd.DataFrame:
    """Each text column (not in ``skip``) whose cells are all numbers or missing (``na``)
    as numbers, missing as NaN; the others stay text (the inference of pandas' read_csv)."""
    out = frame.copy()
    for c in out.columns:
        if c in skip or out[c].dtype != object:
            continue
        text = out[c].astype(str).str.strip()
        missing = text.isin(na)
        num = pd.to_numeric(text.where(~missing), errors="coerce")
        if missing.all() or not (num.isna() & ~missing).any():
            out[c] = num  # whole numbers stay int when none is missing, as in read_csv
    return out


def row_list(rows, limit: int = 8) -> str:
    """``"1 row: 5"`` / ``"3 rows: 5, 9, 12"`` (the first ``limit``, then ``...``)."""
    rows = [int(r) for r in rows]
    shown = ", ".join(map(str, rows[:limit])) + (", ..." if len(rows) > limit else "")
    return f"{len(rows)} row{'s' * (len(rows) != 1)}: {shown}"


def unit_factor(unit: str, target: str) -> float:
    """The factor from ``unit`` to ``target`` (``mm3``, ``cm3`` read as cubes); a
    ``UnitError`` when pint cannot read it or the dimensions differ."""
    from kinetor.units import convert

    return float(convert(1.0, _CUBE.sub(r"\1^3", unit.strip()), target))


def unit_factors(units, rows, target: str, *, default: str, file: str, column: str):
    """Per row, the factor that takes a value in its unit (a cell of ``units``; blank:
    ``default``) to ``target``, and the notes naming each unit converted.

    A unit pint cannot read, or one of another dimension, is a ``DataError`` naming the
    file, the first rows holding it and the ``column``. ``mm3``/``cm3`` read as cubes.
    """
    units = np.asarray(units, dtype=object)
    text = np.array([str(u).strip() for u in units], dtype=object)
    text[text == ""] = default
    factors = np.ones(len(text))
    notes, problems = [], []
    for u in pd.unique(text):
        at = np.flatnonzero(text == u)
        try:
            f = unit_factor(u, target)
        except UnitError as exc:
            problems.append(
                Problem(
                    f"unit {u!r} does not convert to {target} ({exc}); {row_list(rows[at])}",
                    file=file,
                    row=int(rows[at[0]]),
                    column=column,
                    fix=f"write a unit convertible to {target} (e.g. {target}, mL, cm^3)"
                    if target == "mm^3"
                    else f"write a unit convertible to {target}",
                )
            )
            continue
        factors[at] = f
        if f != 1.0:
            notes.append(f"{file}: values in {u} ({row_list(rows[at])}) converted to {target}")
    if problems:
        raise DataError(problems)
    return factors, notes


_WORKBOOK_NAMES = (".xlsx", ".xlsm", ".xls", ".xltx", ".xltm")


def text_of_file(path, *, what: str, fix: str, file: str | None = None, gz: bool = False) -> str:
    """The text of a user's text file (a table, a plate, a list of structures) for the
    readers that parse text themselves: a folder, an Excel workbook (by its first bytes or
    its name) or a binary file is a ``DataError`` naming it (``what``: the kind of text
    expected, ``fix``: how to get it); with ``gz`` a gzip file is decompressed (a broken
    one named); the bytes are read as UTF-8 (with or without BOM), else cp1252 (Windows
    'ANSI' text), else latin-1. A stream (anything with ``read``) is read as it is."""
    import gzip
    from pathlib import Path

    if hasattr(path, "read"):
        return path.read()
    p = Path(path)
    label = file or str(p)
    if not p.exists():
        raise FileNotFoundError(f"no such file: {p}")
    if not p.is_file():
        raise DataError(Problem("is a folder, not a file", file=label, fix="name the file"))
    raw = p.read_bytes()
    if gz and raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise DataError(
                Problem(f"broken gzip file ({e})", file=label, fix="compress it again")
            ) from None
    if raw[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0") or p.suffix.lower() in _WORKBOOK_NAMES:
        raise DataError(
            Problem(f"is an Excel workbook (or named as one), not {what}", file=label, fix=fix)
        )
    if b"\0" in raw[:4000]:
        raise DataError(
            Problem(f"is a binary file (or UTF-16 text), not {what}", file=label, fix=fix)
        )
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1")
