"""Checks of the numbers handed to the elementary ADME formulas (``fu_dialysis``,
``fu_undiluted``...): a value that would divide by zero, or make a ratio negative or
infinite, is a ``DataError`` naming the argument, never an ``inf``/``nan`` result or a
numpy ``RuntimeWarning``. A NaN (a missing value in an array) passes through as NaN.
``parameter_values`` reads the ``value`` cells of a long NCA parameter table the same
way, naming file, row and column.

>>> float(checked("c_plasma", 100.0, positive=True))
100.0
>>> try:
...     checked("c_plasma", [50.0, 0.0], positive=True)
... except DataError as e:
...     print(e.problems[0].message)
c_plasma = 0 (element 1): must be > 0
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = ["checked", "parameter_values", "source_rows"]


def checked(name: str, value, *, positive: bool = False, fix: str = "") -> np.ndarray:
    """``value`` as a float array: finite and >= 0 (> 0 with ``positive``) where not NaN."""
    try:
        a = np.asarray(value, float)
    except (TypeError, ValueError):
        raise DataError(
            Problem(f"{name} = {value!r} is not a number", fix=fix or f"give {name} as a number")
        ) from None
    with np.errstate(invalid="ignore"):
        bad = np.isinf(a) | (a <= 0 if positive else a < 0)
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        x = a.ravel()[i]
        where = f" (element {i})" if a.ndim else ""
        need = "must be > 0" if positive else "must be >= 0"
        raise DataError(
            Problem(
                f"{name} = {x:g}{where}: {need}" + (" and finite" if np.isinf(x) else ""),
                fix=fix or None,
            )
        )
    return a


_EMPTY = ("", "na", "nan", "n/a", "none", "null")


def source_rows(df: pd.DataFrame) -> np.ndarray:
    """The file row of each row of ``df``: ``df.attrs["source_rows"]`` where the reader
    kept them (the CLI: blank and ``#`` comment lines are not rows), else header = row 1
    and the rows in order from 2 (a DataFrame)."""
    rows = df.attrs.get("source_rows")
    if rows is not None and len(rows) == len(df):
        return np.asarray(rows, dtype=np.int64)
    return np.arange(2, len(df) + 2)


def parameter_values(
    values: pd.Series, rows, exclude: pd.Series | None, file: str, column: str = "value"
) -> np.ndarray:
    """The ``value`` cells of a long NCA parameter table as floats (>= 0 and finite).

    Text (``2S0``), an infinite or a negative value is a ``DataError`` naming file, row
    (``rows``) and column. An empty cell is NaN only on a row with an ``exclude`` reason,
    the way ``kinetor.nca`` writes a parameter it could not compute; an empty cell without
    one is refused too.
    """
    values = pd.Series(values)
    text = values.astype("string").fillna("").str.strip()
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        num = values.to_numpy(float)  # numbers as they are (no round trip through text)
        empty = np.isnan(num)
    else:
        empty = text.str.lower().isin(_EMPTY).to_numpy()
        num = pd.to_numeric(text.where(~empty), errors="coerce").to_numpy(float)
    why = (
        np.zeros(len(text), bool)
        if exclude is None
        else (pd.Series(exclude).astype("string").fillna("").str.strip() != "").to_numpy()
    )
    problems = []
    for i in range(len(text)):
        if empty[i] and not why[i]:
            msg, fix = "missing value", "fill it in, or give the reason in an 'exclude' column"
        elif not empty[i] and np.isnan(num[i]):
            msg, fix = f"not a number: {text.iloc[i]!r}", "write a plain number (no units)"
        elif np.isinf(num[i]) or num[i] < 0:
            msg, fix = f"value {text.iloc[i]} is not a finite number >= 0", "check the value"
        else:
            continue
        problems.append(Problem(msg, file=file, row=int(rows[i]), column=column, fix=fix))
    if problems:
        raise DataError(problems)
    return num
