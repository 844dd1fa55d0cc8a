"""CDISC PC times: actual and nominal hours after the subject's first dose.

``PCDTC - first EXSTDTC`` is the actual time (both with a clock time); ``PCELTM`` plus the
time of the reference dose (``PCRFTDTC``, else ``PCNOMDY``) is the nominal time. Where a
stamp has no clock time the reference dose is placed at day resolution, as the doses are.
ISO 8601 time-zone offsets are applied (UTC) when every date-time of a subject has one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data._build import day_index
from kinetor.data._domain import _T, _hours, _lookup
from kinetor.data.values import parse_durations
from kinetor.errors import Problem

__all__ = ["EX_STAMPS", "PC_STAMPS", "pc_times", "read_zones"]

PC_STAMPS = ("PCDTC", "PCRFTDTC", "PCENDTC")
EX_STAMPS = ("EXSTDTC", "EXENDTC")


def _rows_text(rows, limit: int = 8) -> str:
    rows = [str(int(r)) for r in rows]
    return ", ".join(rows[:limit]) + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def read_zones(tables: list[tuple[_T, np.ndarray, tuple]], problems: list[Problem]) -> None:
    """Read the date-times of subjects that give a time-zone offset on every one in UTC.

    ``tables``: (table, subject of each row, date-time variables). A subject with offsets on some date-times
    and none on others is a problem naming the rows of both (their clocks cannot be
    compared); its stamps are read as written.
    """
    cells = []
    for t, subject, names in tables:
        for var in names:
            if not t.has(var):
                continue
            off = t.zones(var)
            st, date_only = t.stamps(var, [])
            clock = (st.notna().to_numpy() & ~date_only) | ~np.isnan(off)
            cells.append(
                pd.DataFrame(
                    {
                        "subject": np.asarray(subject, dtype=object),
                        "zone": ~np.isnan(off),
                        "row": t.rows,
                        "var": t.names[var],
                        "file": t.file,
                    }
                )[clock]
            )
    if not cells:
        return
    c = pd.concat(cells, ignore_index=True)
    if not c["zone"].any():
        return
    share = c.groupby("subject")["zone"].agg(["all", "any"])
    for s in share.index[share["any"] & ~share["all"]]:
        sub = c[c["subject"] == s]
        without = sub[~sub["zone"]]
        named = "; ".join(
            f"{f} {v} rows {_rows_text(g['row'])}"
            for (f, v), g in sub[sub["zone"]].groupby(["file", "var"], sort=False)
        )
        first = without.iloc[0]
        problems.append(
            Problem(
                f"subject {s}: date-times with a time-zone offset ({named}) and without one "
                f"({', '.join(sorted(set(without['var'])))} rows {_rows_text(without['row'])}):"
                " their clocks cannot be compared",
                file=str(first["file"]),
                row=int(first["row"]),
                column=str(first["var"]),
                fix="write every date-time of the subject with its offset "
                "(e.g. 2021-03-01T08:00+01:00), or none",
            )
        )
    utc = set(share.index[share["all"]])
    for t, subject, _ in tables:
        t.utc = pd.Series(subject, dtype=object).isin(utc).to_numpy()


def _durations(pc: _T, var: str, problems) -> np.ndarray:
    if not pc.has(var):
        return np.full(len(pc.f), np.nan)
    hours, bad = parse_durations(pc.col(var))
    problems += [
        Problem(
            f"{var} is not an ISO 8601 duration: {v!r}",
            file=pc.file,
            row=int(r),
            column=pc.names[var],
            fix="write e.g. PT2H, PT1H30M, P1D, -PT0.5H (a decimal only in the last part: PT1.5H)",
        )
        for r, v in zip(pc.rows[bad], pc.col(var)[bad], strict=True)
    ]
    return hours


def _reference(pc: _T, key, first, problems, notes) -> np.ndarray:
    """Hours from the first dose to each sample's reference dose (NaN: unknown)."""
    offset = np.full(len(key), np.nan)
    given = np.zeros(len(key), bool)
    if pc.has("PCRFTDTC"):
        ref, date_only = pc.stamps("PCRFTDTC", problems)
        given = ref.notna().to_numpy()
        exact = np.where(date_only, np.nan, _hours(ref, _lookup(key, first["stamp"])))
        date0 = pd.to_datetime(_lookup(key, first["date"]))
        days = ((ref.dt.normalize().reset_index(drop=True) - date0).dt.days).to_numpy(float)
        by_day = given & np.isnan(exact) & ~np.isnan(days)
        offset = np.where(np.isnan(exact), 24.0 * days, exact)
        if by_day.any():
            notes.append(
                f"{pc.file}: PCRFTDTC of row(s) {_rows_text(pc.rows[by_day])} placed at day "
                f"resolution (24 h x days from the subject's first dose date): the reference "
                f"date-time or the subject's first EXSTDTC has no clock time"
            )
    if pc.has("PCNOMDY"):
        nomdy = pc.numbers("PCNOMDY", problems, "PCNOMDY")
        d0 = _lookup(key, first["day"]).to_numpy(float)
        d0 = np.where(np.isnan(d0), 1.0, d0)
        by_day = 24.0 * (day_index(nomdy) - day_index(d0))
        used = np.isnan(offset) & ~np.isnan(by_day)
        offset = np.where(np.isnan(offset), by_day, offset)
        if used.any():
            notes.append(
                f"{pc.file}: PCNOMDY of row(s) {_rows_text(pc.rows[used])} read as the study "
                f"day of the reference dose (nominal time = PCELTM + 24 h x (PCNOMDY - first "
                f"EXSTDY)); SENDIG also uses it for the day of the sample: give PCRFTDTC to "
                f"place the reference dose exactly"
            )
    lost = given & np.isnan(offset)
    if lost.any():
        notes.append(
            f"{pc.file}: PCRFTDTC of row(s) {_rows_text(pc.rows[lost])} cannot be placed "
            f"(the subject has no dated EX record): PCELTM counted from the first dose"
        )
    return offset


def pc_times(pc: _T, subject, first, problems, notes):
    """(actual, nominal) hours after the first dose; ``first`` as ``exposure`` returns it."""
    eltm = _durations(pc, "PCELTM", problems)
    key = pd.Series(subject)
    nominal = eltm + np.nan_to_num(_reference(pc, key, first, problems, notes))
    actual = np.full(len(key), np.nan)
    if pc.has("PCDTC"):
        stamp, date_only = pc.stamps("PCDTC", problems)
        actual = np.where(date_only, np.nan, _hours(stamp, _lookup(key, first["stamp"])))
        if date_only.any():
            notes.append(
                f"{pc.file}: {int(date_only.sum())} PCDTC value(s) without a clock "
                f"time: nominal time used"
            )
    return actual, nominal
