"""Dose tables and NONMEM records -> canonical dose rows (used by ``Regimen``).

Every bad row is collected and reported in one ``DataError`` (row numbers count the
header as row 1). An empty cell (None, NaN, ``""`` or NONMEM's ``"."``) of an optional
column (``duration``, ``rate``, ``ss``, ``ii``, ``addl``) means 0; ``time`` and ``amount``
must be finite numbers, ``ii``, ``duration`` and ``rate`` finite and >= 0, ``addl`` a whole
number >= 0 and ``ss`` 0, 1 or 2. ``until`` (optional; empty means never) is the time from
which the dose no longer acts (a NONMEM reset): a number after the dose time; the
additional doses (``addl``) at or after it are not given.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from kinetor.errors import DataError, KinetorError, Problem
from kinetor.limits import get as get_limit
from kinetor.pk._grammar import RegimenError, _canonical_unit, convert_to, dose_kind

COLUMNS = ["time", "amount", "unit", "route", "route_raw", "duration", "ss", "ii", "until"]

# the columns of NONMEM records, for the problems found in them (``table_rows(names=...)``)
NONMEM_NAMES = {
    "time": "TIME",
    "amount": "AMT",
    "ii": "II",
    "addl": "ADDL",
    "ss": "SS",
    "rate": "RATE",
    "duration": "RATE",
}


def _parse(unit: str):
    from kinetor.units import parse_unit

    return parse_unit(str(unit))


_FIX = {
    "time": "give the dose time as a number",
    "amount": "give a dose >= 0",
    "duration": "give the infusion duration as a number > 0 (or leave the cell empty)",
    "rate": "give the infusion rate as a number > 0 (or leave the cell empty)",
    "ii": "give the dosing interval as a number > 0 (or leave the cell empty)",
    "addl": "give the number of additional doses as 0, 1, 2, ...",
    "ss": "use 0 (not at steady state), 1 or 2 (at steady state)",
    "evid": "use EVID 0 (observation), 1 (dose), 2 (other), 3 (reset) or 4 (reset and dose)",
    "cmt": "give the compartment number as a whole number >= 1",
}


def _cell(value) -> float | None:
    """A number from a cell: None when empty, NaN when not a number."""
    if value is None or (isinstance(value, str) and value.strip() in ("", ".")):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return math.nan
    return None if math.isnan(x) and not isinstance(value, str) else x


def cell_value(raw, key: str, problems: list[Problem], where: dict, name: str = ""):
    """``raw`` checked by the rule of column ``key`` (module docstring), or None after
    adding a ``Problem`` that names the column ``name`` (default ``key``)."""
    name = name or key
    x = _cell(raw)
    if x is None:
        if key in ("time", "amount"):
            problems.append(Problem(f"no {name} (empty cell)", column=name, fix=_FIX[key], **where))
            return None
        return 0.0
    shown = repr(raw) if isinstance(raw, str) else f"{x:g}"
    if key in ("ss", "evid"):
        allowed = "0, 1 or 2" if key == "ss" else "0, 1, 2, 3 or 4"
        bad = None if x in (0, 1, 2) or (key == "evid" and x in (3, 4)) else allowed
        bad = bad and f"{name} {shown} is not {allowed}"
    elif not math.isfinite(x):
        bad = f"{name} {shown} is not a finite number"
    elif x < 0 and key != "time":
        bad = f"{name} {shown} is negative" if key != "amount" else f"dose {shown} is not >= 0"
    elif key in ("addl", "cmt") and x != math.floor(x):
        bad = f"{name} {shown} is not a whole number"
    else:
        bad = None
    if bad:
        problems.append(Problem(bad, column=name, fix=_FIX[key], **where))
        return None
    return x


def _until(raw, time: float, problems: list[Problem], where: dict) -> float | None:
    """The ``until`` cell: inf when empty, else a number after the dose ``time``."""
    x = _cell(raw)
    if x is None:
        return math.inf
    if math.isnan(x) or x == -math.inf or x <= time:
        shown = repr(raw) if isinstance(raw, str) else f"{x:g}"
        problems.append(
            Problem(
                f"until {shown} is not a number"
                if math.isnan(x)
                else f"until {shown} is not after the dose time {time:g}: the dose would not act",
                column="until",
                fix="give the time the dose stops acting (a reset), after its dose time, "
                "or leave the cell empty",
                **where,
            )
        )
        return None
    return x


def table_rows(
    table: pd.DataFrame,
    unit: str | None,
    time_unit: str,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Canonical rows (``subject`` + ``COLUMNS``; subject "" when the table has none).
    ``names`` gives the column a problem names, by canonical column (NONMEM records)."""
    from kinetor.data.routes import normalise_route
    from kinetor.units import convert

    name = dict(names or {}).get

    df = table.copy()
    df.columns = [str(c).lower() for c in df.columns]
    if "amount" not in df.columns and "dose" in df.columns:
        df = df.rename(columns={"dose": "amount"})
    missing = [c for c in ("time", "amount", "route") if c not in df.columns]
    if missing:
        raise DataError(
            [
                Problem(f"the dose table has no '{c}' column", column=c, fix=f"add a '{c}' column")
                for c in missing
            ]
        )
    if "unit" not in df.columns:
        if unit is None:
            raise DataError(
                Problem(
                    "no dose unit given",
                    column="unit",
                    fix="add a 'unit' column or pass unit='mg/kg'",
                )
            )
        df["unit"] = unit
    problems: list[Problem] = []
    rows: list[tuple] = []
    n_doses: dict[str, int] = {}
    tf = convert(1.0, time_unit, "h")
    for i, r in enumerate(df.to_dict("records")):
        where: dict[str, Any] = {"row": int(r.get("source_row", i + 2))}
        found = len(problems)
        route = normalise_route(r["route"])
        if route is None:
            problems.append(
                Problem(
                    f"unknown route {r['route']!r}",
                    column=name("route", "route"),
                    fix="use IV, IV infusion, PO, SC, IP, IM",
                    **where,
                )
            )
        try:
            kind = dose_kind(_parse(r["unit"]))
            if kind.endswith("/h"):
                raise RegimenError("rate")
            factor = convert_to(str(r["unit"]), _canonical_unit(kind))
        except KinetorError:  # any unit failure is reported with its row
            problems.append(
                Problem(
                    f"{r['unit']!r} is not a dose unit",
                    column="unit",
                    fix="use mg, mg/kg, mg/m2, umol/kg",
                    **where,
                )
            )
        time, amount, duration, rate, ii, ss, addl = (
            cell_value(r.get(k), k, problems, where, name(k, k))
            for k in ("time", "amount", "duration", "rate", "ii", "ss", "addl")
        )
        until = _until(r.get("until"), time, problems, where) if time is not None else None
        if len(problems) > found:
            continue
        amount *= factor
        duration *= tf
        if rate > 0 and duration == 0:
            duration = float(r["amount"]) / rate * tf
        if duration > 0 and route == "iv_bolus":
            route = "iv_infusion"
        if route == "iv_infusion" and duration <= 0:
            problems.append(
                Problem(
                    "infusion without a duration",
                    column=name("duration", "duration"),
                    fix="give RATE > 0 (the infusion lasts AMT/RATE)"
                    if names
                    else "give 'duration' (or 'rate')",
                    **where,
                )
            )
            continue
        if duration > 0 and route == "extravascular":
            problems.append(
                Problem(
                    "a duration on an extravascular dose (zero-order absorption is not supported)",
                    column=name("duration", "duration"),
                    fix="remove the RATE or dose into the central compartment"
                    if names
                    else "remove the duration or use an IV route",
                    **where,
                )
            )
            continue
        ii *= tf
        ss, addl = int(ss), int(addl)
        if (ss or addl) and ii <= 0:
            ii_name = name("ii", "ii")
            problems.append(
                Problem(
                    f"{name('ss', 'ss')}/{name('addl', 'addl')} without an interval",
                    column=ii_name,
                    fix=f"give {ii_name} > 0",
                    **where,
                )
            )
            continue
        t0 = time * tf
        subject = str(r["subject"]) if "subject" in r else ""
        n_doses[subject] = n_doses.get(subject, 0) + addl + 1
        if n_doses[subject] > get_limit("doses_per_subject"):
            problems.append(
                Problem(
                    f"addl {addl:,} makes {n_doses[subject]:,} doses for this subject, above "
                    f"the limit doses_per_subject = {get_limit('doses_per_subject'):,}",
                    column=name("addl", "addl"),
                    fix="check ADDL (or raise the limit on purpose: KINETOR_LIMIT_DOSES_PER_SUBJECT)",
                    **where,
                )
            )
            continue
        end = until * tf
        for k in range(addl + 1):
            if t0 + k * ii >= end:  # an additional dose after a reset is not given
                break
            rows.append(
                (
                    subject,
                    t0 + k * ii,
                    amount,
                    _canonical_unit(kind),
                    route,
                    str(r["route"]),
                    duration,
                    1 if ss and k == 0 else 0,
                    ii if ss and k == 0 else 0.0,
                    end,
                )
            )
    if problems:
        raise DataError(problems)
    return pd.DataFrame(rows, columns=["subject", *COLUMNS])
