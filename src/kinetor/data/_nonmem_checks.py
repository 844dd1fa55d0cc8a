"""Checks of NONMEM records that NONMEM itself reads differently from a plain table.

* NONMEM starts a new individual at every change of ``ID``: records of one ``ID`` in two
  separate blocks are two individuals there, one subject for a table reader. Refused.
* ``TIME`` that goes back within an individual without a reset (``EVID`` 3/4): NONMEM
  stops; a reader sorting the records would hide the error. Refused.
* ``SS`` without a positive ``II``; ``ADDL`` negative or not a whole number. Refused.
* A dose item (``AMT``, ``RATE``, ``SS``, ``II``, ``ADDL``) that is not 0 on an ``EVID`` 2
  (other-type event) or 3 (reset) record: NONMEM requires them to be 0 there, and a reader
  would drop the amount. Refused.

Commented records (``C`` column) are skipped, as NONMEM skips them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data._domain import _T
from kinetor.data._nonmem_occasions import commented_records
from kinetor.errors import Problem

__all__ = [
    "NOT_DOSE",
    "dose_field_problems",
    "id_block_problems",
    "not_dose_fix",
    "not_dose_problems",
    "time_order_problems",
]


def _span(rows) -> str:
    return f"{rows[0]}-{rows[-1]}" if rows[0] != rows[-1] else f"{rows[0]}"


def id_block_problems(t: _T, subject: np.ndarray, commented: np.ndarray) -> list[Problem]:
    """An ID whose records are not adjacent (NONMEM reads each block as an individual)."""
    live = ~commented & (pd.Series(subject, dtype=object).to_numpy() != "")
    s = pd.Series(np.asarray(subject, dtype=object)[live])
    rows = np.asarray(t.rows)[live]
    if s.empty:
        return []
    block = (s != s.shift()).cumsum().to_numpy()
    frame = pd.DataFrame({"id": s.to_numpy(), "block": block, "row": rows})
    spans = frame.groupby(["id", "block"], sort=False)["row"].agg(["first", "last"])
    problems = []
    for ident, b in spans.groupby(level="id", sort=False):
        if len(b) < 2:
            continue
        text = ", ".join(_span([int(f), int(la)]) for f, la in b.to_numpy())
        problems.append(
            Problem(
                f"the records of ID {ident} are in {len(b)} separate blocks (rows {text}): "
                f"NONMEM reads each block as a different individual",
                file=t.file,
                row=int(b["first"].iloc[1]),
                column=t.names["ID"],
                fix="give each individual its own ID, or sort the records by ID (and TIME) "
                "if one individual was meant",
            )
        )
    return problems


def time_order_problems(t: _T, subject, time, evid, commented) -> list[Problem]:
    """TIME before an earlier record of the individual with no reset in between."""
    keep = ~commented & ~np.isnan(time)
    reset = np.isin(evid, [3, 4]) & keep
    period = pd.Series(reset.astype(int)).groupby(subject).cumsum().to_numpy()
    key = [pd.Series(subject), pd.Series(period)]
    seen = pd.Series(np.where(keep, time, -np.inf)).groupby(key).cummax()
    before = seen.groupby(key).shift(1).fillna(-np.inf).to_numpy(float)
    bad = keep & ~reset & (time < before)
    return [
        Problem(
            f"TIME {v:g} is before an earlier record of ID {s} (TIME {b:g}) with no reset "
            f"(EVID 3/4) in between",
            file=t.file,
            row=int(r),
            column=t.names["TIME"],
            fix="put each individual's records in time order (NONMEM stops on a time that "
            "goes back), or mark a new period with EVID 3/4",
        )
        for r, v, s, b in zip(t.rows[bad], time[bad], subject[bad], before[bad], strict=True)
    ]


# the EVIDs of records that are not doses, and what each is (NONMEM: their dose items are 0)
NOT_DOSE = {0: "observation", 2: "other-type event", 3: "reset"}


def not_dose_fix(evid: float, col: str) -> str:
    """How to correct a dose item ``col`` on a record with this (non-dose) ``EVID``."""
    if evid == 3:
        return f"for a reset and a dose give EVID 4, for a dose EVID 1; otherwise set {col} to 0"
    if evid == 0:
        return f"for a dose give EVID 1 (a dose and a sample at one time are two records); otherwise set {col} to 0"
    return f"for a dose give EVID 1; otherwise set {col} to 0"


def not_dose_problems(t: _T, evid: np.ndarray, items: dict) -> list[Problem]:
    """Dose items (column -> values, missing read as 0) that are not 0 on a record that is
    not a dose (EVID 0, 2, 3; commented records skipped), one problem per cell."""
    if not t.has("EVID"):  # EVID from AMT: no record holds an amount it does not give
        return []
    target = np.isin(evid, list(NOT_DOSE)) & ~commented_records(t)
    out = []
    for col, values in items.items():
        values = np.asarray(values, float)
        bad = target & (values != 0) & ~np.isnan(values)
        out += [
            Problem(
                f"{col} {v:g} on an EVID {e:g} ({NOT_DOSE[int(e)]}) record: NONMEM requires "
                "the dose items (AMT, RATE, SS, II, ADDL) of records that are not doses "
                "(EVID 0, 2, 3) to be 0 "
                f"(it would be ignored)",
                file=t.file,
                row=int(r),
                column=t.names.get(col, col),
                fix=not_dose_fix(e, col),
            )
            for r, v, e in zip(t.rows[bad], values[bad], evid[bad], strict=True)
        ]
    return out


def dose_field_problems(t: _T, dose_rec, ss, ii, addl, evid=None, amt=None, rate=None):
    """SS without a positive II; ADDL negative or not a whole number; with ``evid``, also
    dose items on records that are not doses, EVID 0/2/3 (``not_dose_problems``)."""
    out: list[Problem] = []
    if evid is not None:
        items = {"AMT": amt, "RATE": rate, "SS": ss, "II": ii, "ADDL": addl}
        out += not_dose_problems(t, evid, {k: v for k, v in items.items() if v is not None})
    for bad, what, col, fix in (
        (
            dose_rec & (ss != 0) & ~(ii > 0),
            "SS = {:g} without a positive II",
            "II",
            "give the dosing interval of the steady state in II, or set SS to 0",
        ),
        (
            dose_rec & (addl < 0),
            "ADDL = {:g} is negative",
            "ADDL",
            "ADDL counts additional doses: 0 or a positive whole number",
        ),
        (
            dose_rec & (addl != np.floor(addl)),
            "ADDL = {:g} is not a whole number",
            "ADDL",
            "ADDL counts additional doses: write a whole number",
        ),
    ):
        value = ss if col == "II" else addl
        out += [
            Problem(
                what.format(v),
                file=t.file,
                row=int(r),
                column=t.names.get(col, col),
                fix=fix,
            )
            for r, v in zip(t.rows[bad], value[bad], strict=True)
        ]
    return out
