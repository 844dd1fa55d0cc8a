"""Dose tables and NONMEM records -> canonical dose rows (used by ``Regimen``).

Every bad row is collected and reported in one ``DataError`` (row numbers count the
header as row 1).
"""

from __future__ import annotations

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
            continue
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
            continue
        amount = float(r["amount"]) * factor
        if not np.isfinite(amount) or amount < 0:
            problems.append(
                Problem(
                    f"dose {r['amount']!r} is not a number >= 0",
                    column="amount",
                    fix="give a dose >= 0",
                    **where,
                )
            )
            continue
        duration = float(r.get("duration", 0.0) or 0.0) * tf
        rate = float(r.get("rate", 0.0) or 0.0)
        if rate > 0 and duration <= 0:
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
        ii = float(r.get("ii", 0.0) or 0.0) * tf
        ss = int(r.get("ss", 0) or 0)
        addl = int(r.get("addl", 0) or 0)
        if (ss or addl) and ii <= 0:
            problems.append(
                Problem("ss/addl without an interval", column="ii", fix="give 'ii' > 0", **where)
            )
            continue
        t0 = float(r["time"]) * tf
        subject = str(r["subject"]) if "subject" in r else ""
        n_doses[subject] = n_doses.get(subject, 0) + addl + 1
        if addl < 0 or n_doses[subject] > get_limit("doses_per_subject"):
            problems.append(
                Problem(
                    f"addl {addl:,} makes {n_doses[subject]:,} doses for this subject, above "
                    f"the limit doses_per_subject = {get_limit('doses_per_subject'):,}"
                    if addl >= 0
                    else f"addl {addl} is negative",
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
                    ss if k == 0 else 0,
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
    evid = (
        df["EVID"]
        if "EVID" in df.columns
        else pd.Series(np.where(df["AMT"].fillna(0) > 0, 1, 0), index=df.index)
    )
    routes = dict(routes or {1: "extravascular", 2: "iv_bolus"})
    problems: list[Problem] = []
    keep: list[tuple] = []
    ids = df["ID"].astype(str) if "ID" in df.columns else pd.Series("", index=df.index)
    for idx, r in df.iterrows():
        e = int(evid.loc[idx])
        subj = ids.loc[idx]
        if e in (3, 4) or int(r.get("SS", 0) or 0) == 1:
            keep = [k for k in keep if k[0] != subj]  # reset: earlier doses are gone
        if e not in (1, 4):
            continue
        rate = float(r.get("RATE", 0) or 0)
        if rate < 0:
            problems.append(
                Problem(
                    f"RATE {rate:g} (modelled rate/duration) is not supported",
                    row=int(r["source_row"]),
                    column="RATE",
                    fix="give the infusion rate or duration as data",
                )
            )
            continue
        if "ROUTE" in df.columns:
            route = str(r["ROUTE"])
        else:
            cmt = int(r.get("CMT", 1) or 1)
            if cmt not in routes:
                problems.append(
                    Problem(
                        f"no route for CMT {cmt}",
                        row=int(r["source_row"]),
                        column="CMT",
                        fix="pass routes={cmt: 'PO', ...}",
                    )
                )
                continue
            route = routes[cmt]
        if rate > 0:
            route = "iv_infusion" if route in ("iv_bolus", "iv_infusion", "IV") else route
        ss = int(r.get("SS", 0) or 0)
        keep.append(
            (
                subj,
                {
                    "time": r["TIME"],
                    "amount": r["AMT"],
                    "route": route,
                    "rate": rate,
                    "ss": 1 if ss else 0,
                    "ii": r.get("II", 0) or 0,
                    "addl": r.get("ADDL", 0) or 0,
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
