"""NONMEM event records -> dose rows of a ``Regimen`` (``Regimen.from_nonmem``).

Dose rows are ``EVID`` 1/4 (or ``AMT > 0`` without ``EVID``). A reset (``EVID`` 3/4, or a
dose with ``SS = 1``) at time u ends the earlier doses of its ``ID``: they act for t < u
only (the dose row's ``until``), as NONMEM applies a reset from its own record on; the
records before it keep their predictions. Records of an ``ID`` must be in time order (a
``TIME`` that goes back, a reset restarting time included, is refused: the order decides
what a reset clears, so it is never sorted silently). A dose item (``AMT``, ``RATE``,
``SS``, ``II``, ``ADDL``) that is not 0 on an ``EVID`` 2 or 3 record is refused, as NONMEM
requires (its amount would be dropped); ``SS`` on a sample too. Every bad row is reported in one
``DataError`` (row numbers count the header as row 1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kinetor.data._nonmem_checks import NOT_DOSE, not_dose_fix
from kinetor.errors import DataError, Problem
from kinetor.pk._regimen_io import NONMEM_NAMES, _cell, cell_value

__all__ = ["nonmem_doses"]


def _order_problem(e: float, t: float, subj: str, seen: tuple[float, int], where) -> Problem:
    """A record whose TIME goes back within its ID (a reset restarting time included)."""
    of = f" of ID {subj}" if subj else ""
    earlier = f"an earlier record{of} (TIME {seen[0]:g}, row {seen[1]})"
    if e in (3, 4):
        return Problem(
            f"a reset (EVID {e:g}) restarts time at TIME {t:g}, before {earlier}",
            column="TIME",
            fix="a regimen has one time axis per ID: continue TIME across the reset, or "
            "give each period its own ID",
            **where,
        )
    return Problem(
        f"TIME {t:g} is before {earlier} with no reset in between",
        column="TIME",
        fix="put the records of each ID in time order (NONMEM stops on a time that goes "
        "back; they are not sorted silently)",
        **where,
    )


def _not_dose_items(r: pd.Series, e: float, where: dict) -> list[Problem]:
    """AMT, RATE, II, ADDL that are not 0 (or empty) on an EVID 0, 2 or 3 record: NONMEM
    requires them to be 0 there, and the amount would be dropped."""
    out = []
    for col in ("AMT", "RATE", "II", "ADDL"):
        raw = r.get(col)
        x = _cell(raw)
        if x is None or x == 0:
            continue
        shown = f"{x:g}" if math.isfinite(x) else repr(raw)
        out.append(
            Problem(
                f"{col} {shown} on an EVID {e:g} ({NOT_DOSE[int(e)]}) record: NONMEM requires "
                "the dose items (AMT, RATE, SS, II, ADDL) of records that are not doses "
                "(EVID 0, 2, 3) to be 0 "
                "(it would be ignored)",
                column=col,
                fix=not_dose_fix(e, col),
                **where,
            )
        )
    return out


def nonmem_doses(data: pd.DataFrame, routes: Mapping[int, str] | None):
    """([(subject, dose row dict)], column names for ``table_rows``) from NONMEM event
    records.

    A reset (``EVID`` 3/4, a dose with ``SS = 1``) at time u ends the earlier doses of its
    ID: they act for t < u only (``until``; a dose given at u itself is cleared)."""
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
    running: dict[str, list[dict]] = {}  # each ID's doses not yet ended by a reset
    latest: dict[str, tuple[float, int]] = {}  # each ID's latest TIME so far, and its row
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
        dose = e in (1, 4)
        if ss and not dose:
            problems.append(
                Problem(
                    f"SS {ss:g} on a record that is not a dose (EVID {e:g})",
                    column="SS",
                    fix="SS belongs to dose records: set it to 0 (or empty) here",
                    **where,
                )
            )
        if e in NOT_DOSE and "EVID" in df.columns:  # without EVID, AMT > 0 makes the dose
            problems += _not_dose_items(r, e, where)
        reset = e in (3, 4) or (dose and ss == 1)
        t = (
            cell_value(r.get("TIME"), "time", problems, where, "TIME")
            if dose or reset
            else _cell(r.get("TIME"))
        )
        if t is not None and math.isfinite(t):
            seen = latest.get(subj)
            if seen is not None and t < seen[0]:
                problems.append(_order_problem(e, t, subj, seen, where))
            if seen is None or t > seen[0] or reset:  # a reset starts a new period
                latest[subj] = (t, where["row"])
            if reset:  # the system restarts at t: the earlier doses act before t only
                for earlier in running.pop(subj, []):
                    earlier["until"] = t
        if not dose:
            continue
        values = {
            key: cell_value(r.get(col), key, problems, where, col)
            for key, col in (("amount", "AMT"), ("ii", "II"), ("addl", "ADDL"))
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
        elif rate > 0 and values["amount"] == 0:
            problems.append(
                Problem(
                    f"RATE {rate:g} with AMT 0 and SS {ss:g}: a steady-state constant "
                    "infusion is not supported"
                    if ss
                    else f"RATE {rate:g} with AMT 0: an infusion without an amount",
                    column="RATE",
                    fix="write it as AMT = RATE x II with SS = 1 and II (infusions back to "
                    "back: the same constant rate), and the infusions after it as doses"
                    if ss
                    else "give the amount infused in AMT (the infusion lasts AMT/RATE)",
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
        row = {
            **values,
            "time": t,
            "route": route,
            "rate": rate,
            "ss": 1 if ss else 0,
            "source_row": int(r["source_row"]),
            "until": math.inf,
        }
        keep.append((subj, row))
        running.setdefault(subj, []).append(row)
    if problems:
        raise DataError(problems)
    # a dose at the very time of a later reset is cleared by it
    keep = [(s, row) for s, row in keep if row["time"] < row["until"]]
    if not keep:
        raise DataError(
            Problem(
                "no dose records found",
                column="EVID",
                fix="dose rows need EVID 1 (or 4) and AMT > 0",
            )
        )
    names = {**NONMEM_NAMES, "route": "ROUTE" if "ROUTE" in df.columns else "CMT"}
    return keep, names
