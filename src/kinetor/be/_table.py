"""Reading the tables of ``kinetor.be`` (``be`` and ``dose_proportionality``).

Files are read as the study reader reads its text and .xlsx files; rows are numbered as a
spreadsheet counts them (header = row 1, after any leading ``#`` comment lines). An empty
file, a header without rows and text in a numeric column are ``DataError``s naming the file
(and row and column); an empty cell, or one holding only ``.`` (SAS's missing value, as in
the EMA/replicateBE data sets), stays a missing value in a numeric column; in a design
column (subject, period, sequence, treatment) it is a ``DataError``.
"""

from __future__ import annotations

from numbers import Real
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.errors import DataError, ModelError, Problem

__all__ = [
    "blank_cells",
    "check_level",
    "default_metrics",
    "incomplete_subjects",
    "numeric_column",
    "read_table",
]


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


def read_table(data, source: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The table and each row's line in the file (blank and comment lines skipped; read by
    :func:`kinetor.data._user_table.read_user_table`: comma, semicolon or tab text in any
    encoding the study reader takes, or .xlsx; a folder, an old .xls or a file that is no
    workbook is a ``DataError``). Columns of numbers become numbers as pandas' read_csv
    makes them (whole numbers int, a missing cell NaN); cp1252 text and a delimiter other
    than the comma are said in ``df.attrs["notes"]``."""
    if isinstance(data, pd.DataFrame):
        df, notes = data.reset_index(drop=True), []
        file_rows = np.arange(2, len(df) + 2)  # as a spreadsheet of the frame counts
    else:
        from kinetor.data._user_table import PANDAS_NA, numbers_where_numeric, read_user_table

        path = Path(data)
        if not path.exists():
            raise DataError(Problem(f"no file {path}", file=source, fix="check the path"))
        raw = read_user_table(
            path,
            empty=("empty file: no header and no rows", _ROWS_FIX),
            no_rows=("no data rows (only a header)", "add the data rows under the header"),
        )
        df = numbers_where_numeric(raw.frame, na=PANDAS_NA | {"."})
        file_rows, notes = np.asarray(raw.rows, dtype=int), list(raw.notes)
    if df.empty and len(df.columns) == 0:
        raise DataError(Problem("empty table: no header and no rows", file=source, fix=_ROWS_FIX))
    if len(df) == 0:
        raise DataError(
            Problem(
                "no data rows (only a header)",
                file=source,
                row=1,
                fix="add the data rows under the header",
            )
        )
    df = df.copy()
    df.attrs["notes"] = notes
    return df, file_rows


_ROWS_FIX = "give a header row and one row per observation"


def _missing(raw: pd.Series) -> pd.Series:
    """Empty cells: NaN, blank text or a lone ``.`` (SAS's missing value)."""
    return raw.isna() | raw.astype(str).str.strip().isin(("", "."))


def _text_cells(raw: pd.Series, values: pd.Series) -> np.ndarray:
    """Positions of cells holding text that is not a number (an empty cell is missing)."""
    return np.flatnonzero((~_missing(raw) & values.isna()).to_numpy())


def blank_cells(df: pd.DataFrame, columns, source: str, file_rows: np.ndarray) -> None:
    """An empty cell (or ``.``) in one of the design ``columns`` present is a ``DataError``
    naming each: the row cannot be placed (pandas would otherwise group it apart or give it
    the first level's dummy coding)."""
    problems = [
        Problem(
            f"empty {c} cell",
            file=source,
            row=int(file_rows[i]),
            column=str(c),
            fix=f"fill in the {c} of this row, or remove the row",
        )
        for c in columns
        if c in df.columns
        for i in np.flatnonzero(_missing(df[c]).to_numpy())
    ]
    if problems:
        raise DataError(problems)


def numeric_column(df: pd.DataFrame, column: str, source: str, file_rows: np.ndarray) -> pd.Series:
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
                    row=int(file_rows[i]),
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


def incomplete_subjects(d: pd.DataFrame, metric: str, test: str, reference: str, periods) -> list:
    """A note per subject of a crossover or replicate design with rows of one treatment
    only in ``d`` (the rows of the other are absent): what the all-fixed-effects ANOVA does
    with it. One value is fitted exactly by its subject effect, so it changes neither the
    ratio, its CI nor the df, exactly as if the subject were left out; several values of one
    treatment stay in the within-subject variance and the period effects."""
    notes = []
    for subj, g in d.groupby("subject", sort=False):
        have = set(g["treatment"])
        if {test, reference} <= have:
            continue
        lacking, given = (test, reference) if test not in have else (reference, test)
        gone = [str(p) for p in periods if p not in set(g["period"])]
        where = f" (no row for period {', '.join(gone)})" if gone else ""
        effect = (
            f"its one {given} value is fitted exactly by its subject effect and changes "
            "neither the ratio, its CI nor the df: it is left out in effect (n_subjects "
            "counts it)"
            if len(g) == 1
            else f"its {len(g)} {given} values stay in the ANOVA (within-subject variance, "
            f"period effects) without a {test}-{reference} contrast of their own"
        )
        notes.append(f"{metric}: subject {subj} has no {lacking} row{where}: {effect}")
    return notes
