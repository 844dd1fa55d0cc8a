"""Checks of the options of the tumour-response metrics (:mod:`kinetor.pd.response`).

Examples
--------
>>> check_growth_delay_options(-300, "median", "log-linear")
Traceback (most recent call last):
...
kinetor.errors.DataError: 1 problem in the data:
  threshold -300 is not a volume > 0 (fix: give the volume to reach, e.g. threshold=1000 (mm^3))
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = ["check_growth_delay_options", "check_paired_conc", "concentration_problems"]


def concentration_problems(
    frame: pd.DataFrame,
    rows,
    file,
    *,
    time: str | None = None,
    what: str = "concentration",
    check_time: bool = True,
) -> list[Problem]:
    """Problems for the ``conc`` cells of ``frame`` that are not a finite number >= 0
    (missing, text, ``inf``, negative) and the ``time`` cells (when ``time`` names a
    column) that are not finite, each naming the file's row (``rows``, one per row of
    ``frame``; None: the position in the table is said instead), the column and, for a
    concentration, its time."""
    found: list[tuple[int, Problem]] = []
    rows = None if rows is None else np.asarray(rows)
    for col in [time, "conc"] if time is not None and check_time else ["conc"]:
        raw = frame[col]
        num = pd.to_numeric(raw, errors="coerce").to_numpy(float)
        bad = ~np.isfinite(num) if col == time else ~(np.isfinite(num) & (num >= 0))
        for i in np.flatnonzero(bad):
            value = raw.iloc[i]
            shown = raw_text(value)
            where = "" if rows is not None else f" (row {i + 1} of the table)"
            if col == time:
                msg = f"{time} is not a finite number: {shown}{where}"
                fix = f"give the {time} of every row as a number"
            else:
                at = "" if time is None else f" at {time} {raw_text(frame[time].iloc[i])}"
                msg = f"{what} is not a finite number >= 0: {shown}{at}{where}"
                fix = "give a concentration >= 0 (0 for no drug), or remove the row"
            row = None if rows is None else int(rows[i])
            found.append((int(i), Problem(msg, file, row, col, fix)))
    return [p for _, p in sorted(found, key=lambda x: x[0])]


def check_paired_conc(df: pd.DataFrame) -> None:
    """A DataError for the concentrations of a direct model's table (``conc`` paired with
    each response) that are not finite numbers >= 0, naming the file's rows
    (``source_row``) and times (the fitter checks the times and values)."""
    rows = df["source_row"] if "source_row" in df.columns else None
    time = "time" if "time" in df.columns else None
    problems = concentration_problems(
        df, rows, df.attrs.get("kinetor_file"), time=time, check_time=False
    )
    if problems:
        raise DataError(problems)


def raw_text(value) -> str:
    """A cell for a message: ``empty``, a number as ``%g`` (``inf``, ``-5``), text quoted."""
    if isinstance(value, str):
        return repr(value) if value.strip() else "empty"
    if pd.isna(value):
        return "empty"
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return repr(value)


def check_growth_delay_options(threshold, stat, interpolation) -> None:
    """A DataError for a threshold that is not a volume > 0, or an unknown ``stat`` or
    ``interpolation`` of :func:`kinetor.pd.growth_delay`."""
    problems = []
    try:
        thr = float(threshold)
    except (TypeError, ValueError):
        thr = math.nan
    if isinstance(threshold, bool) or not (math.isfinite(thr) and thr > 0):
        problems.append(
            Problem(
                f"threshold {threshold!r} is not a volume > 0",
                fix="give the volume to reach, e.g. threshold=1000 (mm^3)",
            )
        )
    if stat not in ("median", "mean"):
        problems.append(Problem(f"unknown stat {stat!r}", fix="stat='median' or 'mean'"))
    if interpolation not in ("log-linear", "linear"):
        problems.append(
            Problem(
                f"unknown interpolation {interpolation!r}",
                fix="interpolation='log-linear' or 'linear'",
            )
        )
    if problems:
        raise DataError(problems)
