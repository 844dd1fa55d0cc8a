"""Decimal marks of a delimited text file that is not comma-separated.

In a ``;``, TAB or ``|`` file whose numbers are all written ``1,5`` (none ``1.5``) the
comma is the decimal mark: those cells are read as ``1.5``, never in identifier columns
(subject ``1,1`` stays ``1,1``). A file with both marks in its number columns (``2,5``
and ``1.234``) is a problem naming the rows of each: ``1.234`` can be 1.234 or 1234 (a
point as thousands separator), so no mark is guessed. ``kinetor.data._text`` calls
:func:`decimal_comma` for every non-comma file.

>>> import pandas as pd
>>> f = pd.DataFrame({"Time": ["0,5", "1"], "Conc": ["1.234", "2,5"]}, dtype=object)
>>> problems = []
>>> _ = decimal_comma(f, "x.csv", [], problems)
>>> print(problems[0].message.split(":")[0])
decimal marks are mixed
"""

from __future__ import annotations

import re

import pandas as pd

from kinetor.errors import Problem

__all__ = ["decimal_comma"]

_DEC_COMMA = re.compile(r"^([<>]\s*)?[+-]?\d*,\d+([eE][+-]?\d+)?$")
_DEC_POINT = re.compile(r"^([<>]\s*)?[+-]?\d*\.\d+([eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^([<>]\s*)?[+-]?\d+([eE][+-]?\d+)?$")
_SHOWN = 6


def decimal_comma(
    frame: pd.DataFrame, label: str, notes: list[str], problems: list[Problem], rows=None
) -> pd.DataFrame:
    """``frame`` with decimal commas read as points where the file uses only the comma;
    a file that mixes the marks in its number columns gets one problem (``problems``;
    ``rows``: the file's row number of each frame row, default header = row 1)."""
    flat = pd.Series(frame.to_numpy().ravel(), dtype=object).astype(str)
    if not flat.str.match(_DEC_COMMA).any():
        return frame
    if flat.str.match(_DEC_POINT).any():
        problems += _mixed(frame, label, rows)
        return frame
    notes.append(f"{label}: decimal comma read as decimal point")
    out = frame.copy()
    for c in out.columns:
        if _is_text_role(c):
            continue  # identifiers such as subject '1,1' are text, never numbers
        s = out[c].astype(str)
        hit = s.str.match(_DEC_COMMA)
        out.loc[hit, c] = s[hit].str.replace(",", ".", regex=False)
    return out


def _mixed(frame: pd.DataFrame, label: str, rows) -> list[Problem]:
    """The problem of number columns holding both ``2,5`` and ``1.234`` (rows of each).

    Only columns of numbers count (not identifiers, and at least half of the non-empty
    cells numbers): a free-text column with ``2,5`` in a sentence is not a number column."""
    comma: list[tuple[int, str, str]] = []
    point: list[tuple[int, str, str]] = []
    for c in frame.columns:
        if _is_text_role(c):
            continue
        s = frame[c].astype(str)
        filled = s != ""
        has_comma, has_point = s.str.match(_DEC_COMMA), s.str.match(_DEC_POINT)
        numbers = has_comma | has_point | s.str.match(_INTEGER)
        if not filled.any() or numbers.sum() * 2 < filled.sum():
            continue
        comma += [(i, c, s.iloc[i]) for i in has_comma.to_numpy().nonzero()[0]]
        point += [(i, c, s.iloc[i]) for i in has_point.to_numpy().nonzero()[0]]
    if not comma or not point:
        return []
    return [
        Problem(
            f"decimal marks are mixed: a decimal comma in {_cells(comma, rows)} and a "
            f"decimal point in {_cells(point, rows)}: a point may also be a thousands "
            "separator (1.234 = 1234 in some locales), so neither mark is guessed",
            file=label,
            row=_row(min(comma[0][0], point[0][0]), rows),
            fix="write every number with one decimal mark and no thousands separator "
            "(2,5 and 1,234 -- or 2.5 and 1.234), e.g. by exporting the sheet again with "
            "one locale",
        )
    ]


def _row(i: int, rows) -> int:
    return int(rows[i]) if rows is not None else i + 2


def _cells(cells: list[tuple[int, str, str]], rows) -> str:
    cells = sorted(cells)
    shown = ", ".join(f"row {_row(i, rows)} ({c!r}: {v!r})" for i, c, v in cells[:_SHOWN])
    more = f" and {len(cells) - _SHOWN} more" if len(cells) > _SHOWN else ""
    return shown + more


def _is_text_role(column: str) -> bool:
    from kinetor.data.aliases import ALIASES, normalise_name

    name = normalise_name(column)
    return any(name in ALIASES[role] for role in _TEXT_ROLES)


_TEXT_ROLES = (
    "subject",
    "group",
    "analyte",
    "matrix",
    "route",
    "species",
    "sex",
    "exclude",
    "conc_unit",
    "time_unit",
    "dose_unit",
    "weight_unit",
)
