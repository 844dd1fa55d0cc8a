"""Tidy-table helpers shared by the assay readers and fitters: validation that collects
every problem, and padding of grouped rows into ``(n_groups, n_max)`` arrays.

Examples
--------
>>> import pandas as pd
>>> g = pad_groups(pd.DataFrame({"c": ["a", "a", "b"], "x": [1.0, 2.0, 3.0]}), ["c"], ["x"])
>>> g.values["x"].tolist(), g.mask.tolist()
([[1.0, 2.0], [3.0, 0.0]], [[True, True], [True, False]])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem

MAX_LISTED = 20


def file_row(index_pos: int) -> int:
    """Spreadsheet row of the ``index_pos``-th data row (header = row 1)."""
    return int(index_pos) + 2


def require_numeric(
    data: pd.DataFrame,
    numeric: Sequence[str],
    other: Sequence[str] = (),
    *,
    source: str = "<DataFrame>",
    nonnegative: Sequence[str] = (),
) -> None:
    """Raise one ``DataError`` listing every missing column, missing or non-numeric value
    and negative value (for ``nonnegative`` columns)."""
    problems: list[Problem] = []
    for col in [*numeric, *other]:
        if col not in data.columns:
            problems.append(
                Problem(
                    f"column {col!r} is missing (have: {', '.join(map(str, data.columns))})",
                    file=source,
                    column=col,
                    fix="name the column or pass its name",
                )
            )
    if problems:
        raise DataError(problems)
    if data.empty:
        raise DataError(
            Problem(
                "the table has no data rows (only a header)",
                file=source,
                fix="add at least one row of data below the header",
            )
        )
    for col in numeric:
        vals = pd.to_numeric(data[col], errors="coerce").to_numpy(float)
        bad = np.flatnonzero(~np.isfinite(vals))
        for i in bad[:MAX_LISTED]:
            raw = data[col].iloc[i]
            what = (
                "missing value"
                if pd.isna(raw)
                else f"non-finite value {float(raw):g}"  # inf, not np.float64(inf)
                if isinstance(raw, int | float | np.number)
                else f"non-numeric value {raw!r}"
            )
            problems.append(
                Problem(
                    what,
                    file=source,
                    row=file_row(i),
                    column=col,
                    fix="enter a number or remove the row",
                )
            )
        if col in nonnegative:
            neg = np.flatnonzero(np.isfinite(vals) & (vals < 0))
            for i in neg[:MAX_LISTED]:
                problems.append(
                    Problem(
                        f"negative value {vals[i]:g}",
                        file=source,
                        row=file_row(i),
                        column=col,
                        fix="values must be >= 0",
                    )
                )
            bad = np.r_[bad, neg]
        if bad.size > MAX_LISTED:
            problems.append(
                Problem(f"... {bad.size - MAX_LISTED} more bad values", file=source, column=col)
            )
    for col in other:
        miss = np.flatnonzero(data[col].isna().to_numpy())
        for i in miss[:MAX_LISTED]:
            problems.append(
                Problem(
                    "missing value",
                    file=source,
                    row=file_row(i),
                    column=col,
                    fix="fill in the group label",
                )
            )
    if problems:
        raise DataError(problems)


def check_vehicle_scale(vehicle: float, scale: str, *, source: str, column: str) -> None:
    """Refuse responses whose vehicle level contradicts the stated scale (percent: 100 =
    vehicle; fraction: 1 = vehicle), e.g. fractions read as percent, instead of scoring
    numbers a hundred times too small or too large."""
    lo, hi = (10.0, 1000.0) if scale == "percent" else (0.1, 10.0)
    if not np.isfinite(vehicle) or lo <= vehicle <= hi:
        return
    if scale == "percent" and vehicle < lo:
        what, fix = (
            "fractions (1 = vehicle), not percent",
            "pass scale='fraction' (--scale fraction)",
        )
    elif scale == "fraction" and vehicle > hi:
        what, fix = (
            "percent (100 = vehicle), not fractions",
            "pass scale='percent' (--scale percent)",
        )
    else:
        what, fix = (
            f"not normalised to the vehicle ({scale})",
            "normalise to the vehicle wells first",
        )
    raise DataError(
        Problem(
            f"the vehicle wells (both doses 0) average {vehicle:g}: the responses look like {what}",
            file=source,
            column=column,
            fix=fix,
        )
    )


@dataclass
class Groups:
    """Rows of a tidy table padded into per-group arrays."""

    keys: pd.DataFrame  # one row per group, the ``by`` columns
    values: dict[str, np.ndarray]  # column -> (n_groups, n_max), 0 where padded
    mask: np.ndarray  # (n_groups, n_max) True where a row exists
    long: pd.DataFrame  # the input rows in mask order (row-major)


def pad_groups(data: pd.DataFrame, by: Sequence[str], columns: Sequence[str]) -> Groups:
    """Pad the rows of every group of ``by`` into arrays (no Python loop over groups)."""
    by = list(by)
    df = data.reset_index(drop=True)
    if by:
        gid = df.groupby(by, sort=True, dropna=False).ngroup().to_numpy()
    else:
        gid = np.zeros(len(df), int)
    n = int(gid.max()) + 1 if len(df) else 0
    order = np.argsort(gid, kind="stable")
    pos = np.empty(len(df), int)
    counts = np.bincount(gid, minlength=n)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    pos[order] = np.arange(len(df)) - np.repeat(starts, counts)
    m = int(counts.max()) if n else 0
    mask = np.zeros((n, m), bool)
    mask[gid, pos] = True
    values = {}
    for col in columns:
        arr = np.zeros((n, m))
        arr[gid, pos] = pd.to_numeric(df[col], errors="coerce").to_numpy(float)
        values[col] = arr
    if by:
        keys = df[by].iloc[order][np.r_[True, np.diff(gid[order]) != 0]].reset_index(drop=True)
    else:
        keys = pd.DataFrame(index=range(n))
    long = df.assign(source_row=np.arange(len(df)) + 2).iloc[order].reset_index(drop=True)
    return Groups(keys, values, mask, long)


def melt_replicates(
    data: pd.DataFrame,
    columns: Sequence[str],
    *,
    name: str = "response",
    source: str = "<DataFrame>",
) -> pd.DataFrame:
    """Wide replicate columns (``viability1..4``) to one row per replicate well.

    Examples
    --------
    >>> df = pd.DataFrame({"dose": [1.0], "v1": [0.5], "v2": [0.7]})
    >>> melt_replicates(df, ["v1", "v2"]).to_dict("list")
    {'dose': [1.0, 1.0], 'replicate': ['v1', 'v2'], 'response': [0.5, 0.7]}
    """
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise DataError(
            [
                Problem(
                    f"column {c!r} is missing",
                    file=source,
                    column=c,
                    fix="name the replicate columns as written in the file",
                )
                for c in missing
            ]
        )
    keep = [c for c in data.columns if c not in columns]
    return data.melt(id_vars=keep, value_vars=list(columns), var_name="replicate", value_name=name)
