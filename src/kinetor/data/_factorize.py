"""Factorizing the id columns of long tables by their runs.

A study's id columns (subject, analyte, matrix, route...) come in runs: a subject's
samples follow each other. Hashing 10^5 strings is the dominant cost of factorizing such a
column; comparing each cell with the one above it is a few times cheaper. The first
appearance of any value (or combination of values) always starts a run, so hashing the
first row of each run and spreading the codes over the runs gives exactly what
``pd.factorize`` gives on every row: the same codes, numbered in order of first
appearance, and the same uniques.

>>> import numpy as np
>>> v = np.array(["b", "b", "a", "a", "b", None], dtype=object)
>>> codes, uniques = factorize(v)
>>> codes.tolist(), list(uniques)
([0, 0, 1, 1, 0, -1], ['b', 'a'])
>>> row_codes([v, np.array([1, 1, 1, 2, 2, 2])]).tolist()
[0, 0, 1, 2, 3, 4]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = [
    "factorize",
    "first_rows",
    "row_codes",
    "rows_equal",
    "run_starts",
    "strictly_increasing",
]


def run_starts(columns: list[np.ndarray]) -> np.ndarray | None:
    """True on each row whose values differ from the row above (the first row included);
    None when a cell cannot be compared (``pd.NA``): callers then hash every row."""
    n = len(columns[0]) if columns else 0
    start = np.ones(n, bool)
    if n > 1:
        same = np.ones(n - 1, bool)
        try:
            for v in columns:
                same &= np.asarray(v[1:] == v[:-1], dtype=bool)  # NaN != NaN: a run break
        except (TypeError, ValueError):
            return None
        start[1:] = ~same
    return start


def factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize(values)`` (codes -1 for missing), hashing one row per run."""
    values = np.asarray(values)
    start = run_starts([values])
    if start is None or start.sum() * 2 > len(values):  # no runs to speak of
        return pd.factorize(values, use_na_sentinel=True)
    first = np.flatnonzero(start)
    codes, uniques = pd.factorize(values[first], use_na_sentinel=True)
    if len(first) == 1:  # one value on every row (analyte, matrix, no exclusion)
        return np.full(len(values), codes[0], dtype=codes.dtype), uniques
    return codes[np.cumsum(start) - 1], uniques


def rows_equal(coded: tuple[np.ndarray, np.ndarray], value) -> np.ndarray:
    """``values == value`` from ``factorize(values)``: one comparison per distinct value
    (a missing cell, code -1, is False).

    >>> rows_equal(factorize(np.array(["", "x", "", None], dtype=object)), "").tolist()
    [True, False, True, False]
    """
    codes, uniques = coded
    return np.array([u == value for u in uniques] + [False], bool)[codes]


def first_rows(codes: np.ndarray) -> np.ndarray:
    """Row of the first appearance of each code of ``factorize`` (and of the first missing
    cell, code -1), in row order: what ``drop_duplicates`` keeps, without hashing (one
    kind of missing value assumed: ``drop_duplicates`` tells None from NaN).

    >>> first_rows(np.array([0, 0, -1, 1, 0, 2, -1, 1])).tolist()
    [0, 2, 3, 5]
    """
    codes = np.asarray(codes)
    if not len(codes):
        return np.zeros(0, np.int64)
    # codes count up in order of first appearance: a new code raises the running maximum
    top = np.maximum.accumulate(codes)
    new = np.flatnonzero(np.diff(top, prepend=-1) > 0)
    na = np.flatnonzero(codes < 0)[:1]
    return np.sort(np.concatenate([new, na])) if len(na) else new


def strictly_increasing(key: np.ndarray, time: np.ndarray) -> bool:
    """True when the rows are in strictly increasing (key, time) order: then no (key,
    time) pair repeats and a sort-based or hash-based duplicate search can be skipped."""
    if len(key) < 2:
        return True
    dk = key[1:] - key[:-1]
    return bool(((dk > 0) | ((dk == 0) & (time[1:] > time[:-1]))).all())


def row_codes(columns: list[np.ndarray]) -> np.ndarray:
    """One integer per distinct combination of ``columns`` (row by row), numbered in order
    of first appearance: column codes combined, then factorized again."""
    n = len(columns[0]) if columns else 0
    start = run_starts(columns)
    if start is None or start.sum() * 2 > n:
        first, spread = None, None
    else:
        first = np.flatnonzero(start)
        spread = np.cumsum(start) - 1
    combined = np.zeros(n if first is None else len(first), np.int64)
    for v in columns:
        codes, uniques = pd.factorize(v if first is None else v[first])
        combined = combined * (len(uniques) + 1) + codes
    codes = pd.factorize(combined)[0]
    return codes if spread is None else codes[spread]
