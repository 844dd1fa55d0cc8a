"""Reading the tables of ``kinetor.be`` (``be`` and ``dose_proportionality``).

Rows are numbered as a spreadsheet counts them (header = row 1, after any leading ``#``
comment lines). An empty file, a header without rows and text in a numeric column are
``DataError``s naming the file (and row and column); an empty cell, or one holding only
``.`` (SAS's missing value, as in the EMA/replicateBE data sets), stays a missing value in a
numeric column; in a design column (subject, period, sequence, treatment) it is a
``DataError``.
"""

from __future__ import annotations

from numbers import Real
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.errors import DataError, ModelError, Problem

__all__ = ["blank_cells", "check_level", "default_metrics", "numeric_column", "read_table"]


def check_level(alpha, limits) -> tuple[float, float]:
    """``alpha`` in (0, 0.5) and ``limits`` a pair (lower < 1 < upper, finite), else a
    ``ModelError`` saying so; returns the limits as floats."""
    if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 < alpha < 0.5:
        raise ModelError(
            f"alpha={alpha!r}: the one-sided level must lie in (0, 0.5) (0.05 gives a 90 % CI)"
        )
    try:
        lo, hi = (float(v) for v in limits)
    except (TypeError, ValueError):
        lo = hi = np.nan
    if not (0 < lo < 1 < hi < np.inf):
        raise ModelError(
            f"limits={limits!r}: give (lower, upper) with 0 < lower < 1 < upper, e.g. (0.80, 1.25)"
        )
    return lo, hi


def read_table(data, source: str) -> tuple[pd.DataFrame, int]:
    """The table and the file row of its first data row."""
    if isinstance(data, pd.DataFrame):
        df, first_row = data.reset_index(drop=True), 2
    else:
        path = Path(data)
        if not path.is_file():
            raise DataError(Problem(f"no file {path}", file=source, fix="check the path"))
        if path.suffix.lower() in (".xlsx", ".xls"):
            df, first_row = pd.read_excel(path), 2
        else:
            with open(path, encoding="utf-8-sig") as fh:
                lines = fh.read().splitlines()
            comments = next((i for i, ln in enumerate(lines) if not ln.startswith("#")), 0)
            try:
                df = pd.read_csv(path, comment="#")
            except pd.errors.EmptyDataError:
                raise DataError(
                    Problem(
                        "empty file: no header and no rows",
                        file=source,
                        fix="give a header row and one row per observation",
                    )
                ) from None
            first_row = comments + 2
    if df.empty and len(df.columns) == 0:
        raise DataError(
            Problem(
                "empty table: no header and no rows",
                file=source,
                fix="give a header row and one row per observation",
            )
        )
    if len(df) == 0:
        raise DataError(
            Problem(
                "no data rows (only a header)",
                file=source,
                row=first_row - 1,
                fix="add the data rows under the header",
            )
        )
    return df.copy(), first_row


def _missing(raw: pd.Series) -> pd.Series:
    """Empty cells: NaN, blank text or a lone ``.`` (SAS's missing value)."""
    return raw.isna() | raw.astype(str).str.strip().isin(("", "."))


def _text_cells(raw: pd.Series, values: pd.Series) -> np.ndarray:
    """Positions of cells holding text that is not a number (an empty cell is missing)."""
    return np.flatnonzero((~_missing(raw) & values.isna()).to_numpy())


def blank_cells(df: pd.DataFrame, columns, source: str, first_row: int) -> None:
    """An empty cell (or ``.``) in one of the design ``columns`` present is a ``DataError``
    naming each: the row cannot be placed (pandas would otherwise group it apart or give it
    the first level's dummy coding)."""
    problems = [
        Problem(
            f"empty {c} cell",
            file=source,
            row=int(i) + first_row,
            column=str(c),
            fix=f"fill in the {c} of this row, or remove the row",
        )
        for c in columns
        if c in df.columns
        for i in np.flatnonzero(_missing(df[c]).to_numpy())
    ]
    if problems:
        raise DataError(problems)


def numeric_column(df: pd.DataFrame, column: str, source: str, first_row: int) -> pd.Series:
    """``df[column]`` as numbers; text or an infinite number in it is a ``DataError``
    naming every such row."""
    raw = df[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = np.union1d(_text_cells(raw, values), np.flatnonzero(np.isinf(values.to_numpy(float))))
    if bad.size:
        raise DataError(
            [
                Problem(
                    "not a finite number: "
                    + (repr(raw.iloc[i]) if isinstance(raw.iloc[i], str) else f"{raw.iloc[i]}"),
                    file=source,
                    row=int(i) + first_row,
                    column=str(column),
                    fix="write a plain number, or leave the cell empty for a missing value",
                )
                for i in bad
            ]
        )
    return values.astype(float)


def default_metrics(df: pd.DataFrame, skip) -> list[str]:
    """Columns holding numbers, except ``skip`` and names starting with ``log`` (a column
    of numbers with a stray text cell is kept, so that the cell is reported)."""
    out = []
    for c in df.columns:
        if c in skip or str(c).lower().startswith("log"):
            continue
        col = df[c]
        if pd.api.types.is_numeric_dtype(col) or pd.to_numeric(col, errors="coerce").notna().any():
            out.append(c)
    return out
