"""Row checks and notes of an excretion table (``cumulative_excretion``).

* Numbers: text or an infinite number is a problem naming file, row and column.
* Amounts: a negative or missing amount is refused; with ``conc`` x ``volume`` the problem
  names the column that holds it (``conc`` or ``volume``), each checked on its own.
* Per subject: the dose and the body weight are one value per subject; a ``dose`` or
  ``weight`` column varying within a subject is refused, naming the rows.
* Notes (no refusal): a gap between consecutive collection intervals of a subject and
  matrix (the amount excreted then was not collected), and a total recovery outside
  90-110 % of the dose (mass-balance studies aim at >= 90 %: look for a missed matrix or
  collection, the dose, the units).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.adme._inputs import source_rows
from kinetor.errors import Problem

__all__ = ["amounts", "conc_volume_amounts", "excretion_notes", "numeric", "per_subject"]

RECOVERY_RANGE = (90.0, 110.0)


def numeric(
    df: pd.DataFrame, col: str, file: str, problems: list[Problem], need: str = ""
) -> np.ndarray:
    """``df[col]`` as floats; text or an infinite number is a problem, and so is an empty
    cell when ``need`` says what it holds (an interval's start or end)."""
    raw, rows = df[col], source_rows(df)
    values = pd.to_numeric(raw, errors="coerce").to_numpy(float)
    given = (raw.astype("string").fillna("").str.strip() != "").to_numpy()
    for i in np.flatnonzero(given & ~np.isfinite(values)):
        problems.append(
            Problem(
                f"not a {'finite ' * bool(np.isinf(values[i]))}number: {str(raw.iloc[i])!r}",
                file=file,
                row=int(rows[i]),
                column=col,
                fix="write a plain finite number",
            )
        )
    for i in np.flatnonzero(~given if need else []):
        fix = f"give the {need} (an interval without one cannot be placed)"
        problems.append(Problem(f"empty {col}", file=file, row=int(rows[i]), column=col, fix=fix))
    return np.where(np.isinf(values), np.nan, values)  # reported above: not judged again


def amounts(
    df: pd.DataFrame, col: str, values: np.ndarray, file: str, problems: list[Problem]
) -> np.ndarray:
    """``values`` of column ``col``: a negative or (on a row without another problem) a
    missing value is a problem naming ``col``."""
    rows = source_rows(df)
    for i in np.flatnonzero(values < 0):
        problems.append(
            Problem(
                f"negative {col} {values[i]:g}",
                file=file,
                row=int(rows[i]),
                column=col,
                fix=f"{col} values are >= 0",
            )
        )
    for i in np.flatnonzero(
        np.isnan(values) & ~np.isin(rows, [p.row for p in problems if p.row is not None])
    ):
        problems.append(
            Problem(
                f"missing {col}",
                file=file,
                row=int(rows[i]),
                column=col,
                fix="fill in 0 for an empty collection, or remove the interval",
            )
        )
    return values


def conc_volume_amounts(
    df: pd.DataFrame, factor: float, file: str, problems: list[Problem]
) -> np.ndarray:
    """Amounts ``conc x volume x factor``, each column checked on its own."""
    c = amounts(df, "conc", numeric(df, "conc", file, problems), file, problems)
    v = amounts(df, "volume", numeric(df, "volume", file, problems), file, problems)
    return c * v * factor


def per_subject(
    df: pd.DataFrame, col: str, values: np.ndarray, file: str, problems: list[Problem]
) -> None:
    """A problem per subject whose ``col`` values differ between its rows."""
    rows = source_rows(df)
    subjects = df["subject"].astype("string").fillna("").str.strip().to_numpy(object)
    for subject in dict.fromkeys(subjects):
        idx = np.flatnonzero((subjects == subject) & np.isfinite(values))
        if idx.size < 2 or np.allclose(values[idx], values[idx[0]], rtol=1e-9, atol=0):
            continue
        listing = ", ".join(f"row {int(rows[i])}: {values[i]:g}" for i in idx)
        problems.append(
            Problem(
                f"subject {subject!r} has more than one {col} ({listing})",
                file=file,
                row=int(rows[idx[~np.isclose(values[idx], values[idx[0]], rtol=1e-9)][0]]),
                column=col,
                fix=f"give one {col} per subject on all its rows",
            )
        )


def excretion_notes(intervals: pd.DataFrame, recovery: pd.DataFrame, file: str) -> list[str]:
    """Gaps between collection intervals and total recoveries outside 90-110 % of dose."""
    notes = []
    d = intervals.sort_values(["subject", "matrix", "start"], kind="stable")
    for (subject, matrix), g in d.groupby(["subject", "matrix"], sort=True):
        s, e, r = (g[c].to_numpy() for c in ("start", "end", "source_row"))
        for i in np.flatnonzero(s[1:] > e[:-1] + 1e-9):
            notes.append(
                f"{file}: subject {subject}, {matrix}: no collection from {e[i]:g} to "
                f"{s[i + 1]:g} (rows {int(r[i])} and {int(r[i + 1])}); what was excreted "
                "then is not in the cumulative amount"
            )
    lo, hi = RECOVERY_RANGE
    total = recovery[recovery["matrix"] == "TOTAL"]
    for subject, pct in zip(total["subject"], total["pct_dose"], strict=True):
        if not lo <= pct <= hi:
            notes.append(
                f"{file}: subject {subject}: total recovery {pct:.1f} % of dose, outside "
                f"{lo:g}-{hi:g} %: check for a missed matrix or collection (cage wash, "
                "carcass), the dose and the units"
            )
    return notes
