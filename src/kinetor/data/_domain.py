"""A CDISC-style table (SDTM / SEND domain, ADNCA, NONMEM) read variable by variable.

``_T`` gives case-insensitive access to a ``RawTable``'s variables (text, numbers,
ISO 8601 date-times), each parse problem naming the file, row and variable; ``_lookup``
and ``_hours`` join per-subject values and measure hours between date-times.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data._text import RawTable
from kinetor.data.values import is_missing, parse_datetimes, parse_numbers, zone_offsets
from kinetor.errors import Problem

__all__ = ["_T"]


_HOUR = np.timedelta64(1, "h")


class _T:
    """Case-insensitive access to a CDISC table's variables."""

    def __init__(self, raw: RawTable):
        self.raw, self.f, self.rows, self.file = raw, raw.frame, raw.rows, raw.file
        self.names = {c.upper(): c for c in raw.frame.columns}
        self.used: set[str] = set()
        # rows whose date-times are read in UTC (every stamp of their subject has an offset)
        self.utc = np.zeros(len(raw.frame), bool)

    def has(self, var: str) -> bool:
        return var in self.names

    def col(self, var: str) -> pd.Series:
        self.used.add(self.names[var])
        return self.f[self.names[var]].astype(str)  # RawTable cells are stripped text

    def text(self, var: str, default: str = "") -> np.ndarray:
        if not self.has(var):
            return np.full(len(self.f), default, dtype=object)
        s = self.col(var)
        return np.where(is_missing(s), default, s).astype(object)

    def numbers(self, var: str, problems: list[Problem], what: str) -> np.ndarray:
        if not self.has(var):
            return np.full(len(self.f), np.nan)
        values, _, bad = parse_numbers(self.col(var))
        problems += [
            Problem(
                f"{what} is not a finite number: {v!r}",
                file=self.file,
                row=int(r),
                column=self.names[var],
                fix=f"write {var} as a number",
            )
            for r, v in zip(self.rows[bad], self.col(var)[bad], strict=True)
        ]
        return values

    def stamps(self, var: str, problems: list[Problem]):
        if not self.has(var):
            n = len(self.f)
            return pd.Series(pd.NaT, index=range(n)), np.zeros(n, bool)
        st, date_only, bad = parse_datetimes(self.col(var))
        problems += [
            Problem(
                f"not an ISO 8601 date-time: {v!r}",
                file=self.file,
                row=int(r),
                column=self.names[var],
                fix="write e.g. 2021-03-04T08:30",
            )
            for r, v in zip(self.rows[bad], self.col(var)[bad], strict=True)
        ]
        if self.utc.any():
            off = np.where(self.utc, np.nan_to_num(zone_offsets(self.col(var))), 0.0)
            st = st - pd.to_timedelta(off, unit="h")
        return st, date_only

    def zones(self, var: str) -> np.ndarray:
        """Hours east of UTC written on ``var``'s date-times (NaN: no offset, no clock)."""
        if not self.has(var):
            return np.full(len(self.f), np.nan)
        return zone_offsets(self.col(var))

    def need(self, var: str, problems: list[Problem]) -> bool:
        if self.has(var):
            return True
        problems.append(
            Problem(f"no {var} variable", file=self.file, column=var, fix=f"add the {var} column")
        )
        return False


def _lookup(key: pd.Series, table: pd.Series) -> pd.Series:
    """``table[key]`` row by row (missing -> NaN/NaT); safe for an empty table."""
    return table.reindex(key.to_numpy()).reset_index(drop=True)


def _hours(stamps: pd.Series, ref: pd.Series) -> np.ndarray:
    """Hours from ``ref`` to ``stamps`` (NaN where either is missing)."""
    a = pd.to_datetime(pd.Series(stamps)).to_numpy(dtype="datetime64[ns]")
    b = pd.to_datetime(pd.Series(ref)).to_numpy(dtype="datetime64[ns]")
    return ((a - b) / _HOUR).astype(float)
