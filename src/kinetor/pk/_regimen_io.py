"""Dose tables and NONMEM records -> canonical dose rows (used by ``Regimen``).

Every bad row is collected and reported in one ``DataError`` (row numbers count the
header as row 1). An empty cell (None, NaN, ``""`` or NONMEM's ``"."``) of an optional
column (``duration``, ``rate``, ``ss``, ``ii``, ``addl``) means 0; ``time`` and ``amount``
must be finite numbers, ``ii``, ``duration`` and ``rate`` finite and >= 0, ``addl`` a whole
number >= 0 and ``ss`` 0, 1 or 2.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kinetor.errors import DataError, KinetorError, Problem
from kinetor.limits import get as get_limit
from kinetor.pk._grammar import RegimenError, _canonical_unit, convert_to, dose_kind

COLUMNS = ["time", "amount", "unit", "route", "route_raw", "duration", "ss", "ii"]


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


def table_rows(table: pd.DataFrame, unit: str | None, time_unit: str) -> pd.DataFrame:
    """Canonical rows (``subject`` + ``COLUMNS``; subject "" when the table has none)."""
    from kinetor.data.routes import normalise_route
    from kinetor.units import convert

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
                    column="route",
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
            cell_value(r.get(k), k, problems, where)
            for k in ("time", "amount", "duration", "rate", "ii", "ss", "addl")
        )
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
                    column="duration",
                    fix="give 'duration' (or 'rate')",
                    **where,
                )
            )
            continue
        if duration > 0 and route == "extravascular":
            problems.append(
                Problem(
                    "a duration on an extravascular dose (zero-order absorption is not supported)",
                    column="duration",
                    fix="remove the duration or use an IV route",
                    **where,
                )
            )
            continue
        ii *= tf
        ss, addl = int(ss), int(addl)
        if (ss or addl) and ii <= 0:
            problems.append(
                Problem("ss/addl without an interval", column="ii", fix="give 'ii' > 0", **where)
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
                    column="addl",
                    fix="check ADDL (or raise the limit on purpose: KINETOR_LIMIT_DOSES_PER_SUBJECT)",
                    **where,
                )
            )
            continue
        for k in range(addl + 1):
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
                )
            )
    if problems:
        raise DataError(problems)
    return pd.DataFrame(rows, columns=["subject", *COLUMNS])


def nonmem_doses(data: pd.DataFrame, routes: Mapping[int, str] | None):
    """(upper-cased frame, [(subject, dose row dict)]) from NONMEM event records."""
    df = data.copy()
    df.columns = [str(c).upper() for c in df.columns]
    if "TIME" not in df.columns or "AMT" not in df.columns:
        raise DataError(
            [
                Problem(f"NONMEM data without '{c}'", column=c, fix=f"add a '{c}' column")
                for c in ("TIME", "AMT")
                if c not in df.columns
            ]
        )
    df["source_row"] = np.arange(2, len(df) + 2)
    amt = pd.to_numeric(df["AMT"], errors="coerce").fillna(0)
    dosed = pd.Series(np.where(amt > 0, 1, 0), index=df.index)  # rows without an EVID
    evid = df["EVID"] if "EVID" in df.columns else dosed
    routes = dict(routes or {1: "extravascular", 2: "iv_bolus"})
    problems: list[Problem] = []
    keep: list[tuple] = []
    ids = df["ID"].astype(str) if "ID" in df.columns else pd.Series("", index=df.index)
    for idx, r in df.iterrows():
        where: dict[str, Any] = {"row": int(r["source_row"])}
        found = len(problems)
        e = dosed.loc[idx] if _cell(evid.loc[idx]) is None else evid.loc[idx]
        e = cell_value(e, "evid", problems, where, "EVID")
        ss = cell_value(r.get("SS"), "ss", problems, where, "SS")
        if e is None:
            continue
        subj = ids.loc[idx]
        if e in (3, 4) or ss == 1:
            keep = [k for k in keep if k[0] != subj]  # reset: earlier doses are gone
        if e not in (1, 4):
            continue
        values = {
            key: cell_value(r.get(col), key, problems, where, col)
            for key, col in (("time", "TIME"), ("amount", "AMT"), ("ii", "II"), ("addl", "ADDL"))
        }
        raw_rate = r.get("RATE")
        rate = _cell(raw_rate) or 0.0
        if rate < 0 or not math.isfinite(rate):
            shown = repr(raw_rate) if isinstance(raw_rate, str) else f"{rate:g}"
            problems.append(
                Problem(
                    f"RATE {shown} (modelled rate/duration) is not supported"
                    if rate in (-1.0, -2.0)
                    else f"RATE {shown} is not a finite number >= 0",
                    column="RATE",
                    fix="give the infusion rate or duration as data",
                    **where,
                )
            )
        if "ROUTE" in df.columns:
            route = str(r["ROUTE"])
        else:
            cmt = cell_value(r.get("CMT"), "cmt", problems, where, "CMT") or 1
            if int(cmt) not in routes and len(problems) == found:
                problems.append(
                    Problem(
                        f"no route for CMT {cmt:g}",
                        column="CMT",
                        fix="pass routes={cmt: 'PO', ...}",
                        **where,
                    )
                )
            route = routes.get(int(cmt), "")
        if len(problems) > found:
            continue
        if rate > 0:
            route = "iv_infusion" if route in ("iv_bolus", "iv_infusion", "IV") else route
        keep.append(
            (
                subj,
                {
                    **values,
                    "route": route,
                    "rate": rate,
                    "ss": 1 if ss else 0,
                    "source_row": int(r["source_row"]),
                },
            )
        )
    if problems:
        raise DataError(problems)
    if not keep:
        raise DataError(
            Problem(
                "no dose records found",
                column="EVID",
                fix="dose rows need EVID 1 (or 4) and AMT > 0",
            )
        )
    return df, keep
