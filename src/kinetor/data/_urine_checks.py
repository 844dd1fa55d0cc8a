"""Urine collections: the checks ``validate_study`` (so ``read_study`` and ``kinetor
validate``) and urine NCA (``kinetor.nca.urine``) share, so that both refuse the same rows.

A urine row (``matrix`` URINE, any case) is one collection: it starts at ``time``, ends at
``end_time`` (or ``time + duration``) and holds ``volume`` in ``units["volume"]``.

Problems (they stop ``read_study`` and NCA), each naming the row and column:

* the volume unit is not a volume (``mL``, ``L``...), or urine volumes have no unit;
* a collection without an end time or a volume, or with one that is not finite;
* a collection that ends at or before its start;
* a negative volume (Phoenix: "if the concentration or volume is negative, the data must
  be corrected before NCA can run");
* two collections of one profile (subject x analyte x matrix) that overlap in time: the
  time between would be counted twice. Each row names the other (two collections with
  the same start are the duplicate-time problem instead).

Said, not refused (an NCA note, a ``validate`` warning): a collection that starts before
the subject's first dose is left out of urine NCA, as a pre-dose plasma sample (Phoenix
NCA checks the lower time of a urine collection against the dose time); a volume of 0
with a concentration > 0.

>>> import pandas as pd
>>> rows = pd.DataFrame({"subject": "S1", "analyte": "X", "matrix": "URINE",
...                      "time": [0.0, 4.0], "end_time": [6.0, 12.0],
...                      "volume": [5.0, -1.0], "conc": [2.0, 1.0], "source_row": [9, 10]})
>>> for p in collection_problems(rows, file="u.csv"):
...     print(p.row, p.column, p.message)
10 volume negative urine volume -1
9 end_time urine collection 0-6 overlaps the collection 4-12 of row 10 (subject 'S1', X)
10 end_time urine collection 4-12 overlaps the collection 0-6 of row 9 (subject 'S1', X)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data._factorize import row_codes
from kinetor.errors import Problem, UnitError
from kinetor.units import dimension

__all__ = [
    "across_first_dose",
    "across_text",
    "collection_ends",
    "collection_problems",
    "predose_collections",
    "predose_notes",
    "study_urine_problems",
    "urine_mask",
    "volume_unit_problem",
    "zero_volume",
    "zero_volume_text",
]

_VOLUME = "[length] ** 3"
_UNIT_FIX = (
    "write the volume unit in the header, e.g. 'Volume (mL)', or give --volume-unit mL "
    "(units={'volume': 'mL'} in Python)"
)


def urine_mask(coded: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Rows whose matrix is URINE (any case), from ``factorize`` of the matrix column."""
    codes, uniques = coded
    return np.array([str(u).upper() == "URINE" for u in uniques] + [False], bool)[codes]


def volume_unit_problem(
    text: str | None, *, file: str, column: str, has_volumes: bool = True
) -> Problem | None:
    """The volume unit ``text`` is a volume; without one, a problem where urine rows give
    volumes (``has_volumes``). None when all is well."""
    if not text:
        if not has_volumes:
            return None
        return Problem(
            "urine samples need the unit of their volumes",
            file=file,
            column=column,
            fix="give the volume unit: --volume-unit mL, a header such as 'Volume (mL)', "
            "or units={..., 'volume': 'mL'}",
        )
    try:
        dim = dimension(text)
    except (UnitError, ValueError, TypeError):
        dim = None
    if dim == _VOLUME:
        return None
    what = f"unknown unit {text!r}" if dim is None else f"{text!r} ({dim or 'no dimension'})"
    return Problem(
        f"the urine volume unit {what} is not a volume unit such as 'mL' or 'L'",
        file=file,
        column=column,
        fix=_UNIT_FIX,
    )


def _numbers(rows: pd.DataFrame, col: str) -> np.ndarray:
    if col not in rows.columns:
        return np.full(len(rows), np.nan)
    return pd.to_numeric(rows[col], errors="coerce").to_numpy(float)


def collection_ends(rows: pd.DataFrame, time: str = "time") -> np.ndarray:
    """The end of each collection: ``end_time``, else ``time + duration``, else NaN."""
    if "end_time" not in rows.columns and "duration" in rows.columns:
        return _numbers(rows, time) + _numbers(rows, "duration")
    return _numbers(rows, "end_time")


def collection_problems(
    rows: pd.DataFrame,
    *,
    file: str,
    names: dict | None = None,
    time: str = "time",
    overlaps: bool = True,
) -> list[Problem]:
    """Every problem of the urine ``rows`` (one collection each; ``source_row`` numbers
    them, ``names`` maps the roles ``end_time``/``volume`` to the file's columns).
    ``overlaps=False`` leaves out the overlap check (nominal starts with actual ends)."""
    if not len(rows):
        return []
    names = names or {}
    col_end = str(names.get("end_time", "end_time"))
    col_vol = str(names.get("volume", "volume"))
    src = (
        pd.to_numeric(rows["source_row"], errors="coerce").to_numpy(float)
        if "source_row" in rows.columns
        else np.full(len(rows), np.nan)
    )

    def at(i) -> int | None:
        return int(src[i]) if np.isfinite(src[i]) and src[i] > 0 else None

    start, end, vol = _numbers(rows, time), collection_ends(rows, time), _numbers(rows, "volume")
    out: list[Problem] = []
    for values, what, col, fix in (
        (end, "end_time", col_end, "give each urine sample an end_time (or a duration)"),
        (
            vol,
            "volume",
            col_vol,
            "give each urine sample its collected volume (SDTM/SEND: a PCTESTCD VOLUME "
            "record of the same collection)",
        ),
    ):
        out += [
            Problem(f"urine sample without {what}", file=file, row=at(i), column=col, fix=fix)
            for i in np.flatnonzero(np.isnan(values))
        ]
        out += [
            Problem(
                f"urine {what} is not a finite number: {values[i]:g}",
                file=file,
                row=at(i),
                column=col,
                fix=f"give the {what} as a finite number",
            )
            for i in np.flatnonzero(np.isinf(values))
        ]
    with np.errstate(invalid="ignore"):
        neg = vol < 0
        backwards = np.isfinite(start) & np.isfinite(end) & ~(end > start)
    out += [
        Problem(
            f"negative urine volume {vol[i]:g}",
            file=file,
            row=at(i),
            column=col_vol,
            fix="collection volumes must be >= 0; correct the value or exclude the row",
        )
        for i in np.flatnonzero(neg & np.isfinite(vol))
    ]
    out += [
        Problem(
            f"urine collection ends at or before its start (start {start[i]:g}, end {end[i]:g})",
            file=file,
            row=at(i),
            column=col_end,
            fix="end_time must be after time",
        )
        for i in np.flatnonzero(backwards)
    ]
    return out + (_overlaps(rows, start, end, file, col_end, at) if overlaps else [])


def _overlaps(rows, start, end, file, column, at) -> list[Problem]:
    """Each collection that begins before an earlier one of its profile ends, and that
    earlier one (the one reaching furthest): each row names the others."""
    ok = np.flatnonzero(np.isfinite(start) & np.isfinite(end) & (end > start))
    if len(ok) < 2:
        return []
    keys = [k for k in ("subject", "analyte", "matrix") if k in rows.columns]
    group = (
        row_codes([rows[k].astype(str).to_numpy(object)[ok] for k in keys])
        if keys
        else np.zeros(len(ok), np.int64)
    )
    o = np.lexsort((end[ok], start[ok], group))
    g, s, e, pos = group[o], start[ok][o], end[ok][o], ok[o]
    eps = 1e-9 * max(1.0, float(np.max(np.abs(e))))
    partners: dict[int, list[int]] = {}
    reach, holder = -np.inf, -1
    for k in range(len(o)):
        if k and g[k] != g[k - 1]:
            reach, holder = -np.inf, -1
        if holder >= 0 and s[k] < reach - eps and s[k] > s[holder]:
            partners.setdefault(k, []).append(holder)
            partners.setdefault(holder, []).append(k)
        if e[k] > reach:
            reach, holder = e[k], k
    out = []
    for k in sorted(partners, key=lambda k: pos[k]):
        i = pos[k]
        others = sorted(set(partners[k]), key=lambda j: pos[j])
        shown = others[:10]
        named = "; ".join(
            f"the collection {s[j]:g}-{e[j]:g} of row {at(pos[j]) or '?'}" for j in shown
        ) + (f" and {len(others) - 10} more" if len(others) > 10 else "")
        who = rows.iloc[i]
        where = f"subject {who['subject']!r}" if "subject" in rows.columns else "its profile"
        if "analyte" in rows.columns:
            where += f", {who['analyte']}"
        out.append(
            Problem(
                f"urine collection {s[k]:g}-{e[k]:g} overlaps {named} ({where})",
                file=file,
                row=at(i),
                column=column,
                fix="collections of one subject must not overlap (the time between would "
                "be counted twice): correct the start or end times, or exclude one",
            )
        )
    return out


def _first_dose(subject, doses: pd.DataFrame | None) -> np.ndarray:
    """The time of each row's subject's first dose (NaN without a dose)."""
    subject = np.asarray(subject, dtype=object)
    if doses is None or not len(doses) or not len(subject):
        return np.full(len(subject), np.nan)
    first = doses.groupby("subject", observed=True)["time"].min()
    return pd.Series(subject).map(first).to_numpy(float)


def predose_collections(subject, start, doses: pd.DataFrame | None) -> np.ndarray:
    """Collections that start before their subject's first dose (False without a dose)."""
    start = np.asarray(start, float)
    t0 = _first_dose(subject, doses)
    eps = 1e-9 * max(1.0, float(np.nanmax(np.abs(np.r_[start, 1.0]))))
    with np.errstate(invalid="ignore"):
        return start < t0 - eps


def across_first_dose(subject, start, end, doses: pd.DataFrame | None) -> np.ndarray:
    """Collections that start before their subject's first dose and end after it."""
    with np.errstate(invalid="ignore"):
        return predose_collections(subject, start, doses) & (
            np.asarray(end, float) > _first_dose(subject, doses)
        )


def predose_notes(rows: pd.DataFrame, pre: np.ndarray, end: np.ndarray, doses) -> list[str]:
    """The NCA notes for the collections ``pre`` left out (those ending at or before the
    first dose, and those running across it)."""
    pre = np.asarray(pre, bool)
    if not pre.any():
        return []
    src = rows["source_row"].to_numpy() if "source_row" in rows.columns else None
    across = pre & across_first_dose(rows["subject"], rows["time"], end, doses)
    out = []
    if (pre & ~across).any():
        out.append(
            f"{int((pre & ~across).sum())} urine collection(s) before the subject's first "
            f"dose are left out of urine NCA ({_where(src, pre & ~across)})"
        )
    if across.any():
        out.append(across_text(src, across, "are left out of urine NCA"))
    return out


def across_text(src, across: np.ndarray, what: str) -> str:
    """The NCA note (``what``: left out) and the ``validate`` warning for collections
    across the first dose."""
    return (
        f"{int(np.sum(across))} urine collection(s) that start before the subject's first "
        f"dose and end after it {what} ({_where(src, across)}): their amount is not "
        "counted; if a collection began at the dose, correct its start time"
    )


def zero_volume(rows: pd.DataFrame) -> np.ndarray:
    """Collections with a volume of 0 and a concentration > 0."""
    with np.errstate(invalid="ignore"):
        return (_numbers(rows, "volume") == 0) & (_numbers(rows, "conc") > 0)


def zero_volume_text(rows: pd.DataFrame, mask: np.ndarray) -> str:
    """The note (NCA) and warning (``validate``) for ``zero_volume`` rows."""
    src = rows["source_row"].to_numpy() if "source_row" in rows.columns else None
    return (
        f"{int(np.sum(mask))} urine collection(s) with a volume of 0 and a concentration > 0 "
        f"({_where(src, mask)}): their amount excreted is 0; check the volumes"
    )


def study_urine_problems(study, included: np.ndarray) -> list[Problem]:
    """``validate_study``'s urine checks, where included urine rows exist: the volume
    unit, then every included urine row (a volume unit of other data is not checked: a
    "volume" column of plasma data may be a dose volume in mL/kg)."""
    conc = study.conc
    urine = included & urine_mask(study._conc_codes("matrix")) if len(conc) else included
    if not urine.any():
        return []
    file = study.files.get("conc", study.source)
    names = {r: study.roles.get(r, r) for r in ("end_time", "volume")}
    rows = conc[urine]
    has_volumes = bool(np.isfinite(_numbers(rows, "volume")).any())
    unit = volume_unit_problem(
        study.units.get("volume"), file=file, column=names["volume"], has_volumes=has_volumes
    )
    return [*([unit] if unit else []), *collection_problems(rows, file=file, names=names)]


def _where(rows, mask) -> str:
    if rows is None:
        return f"{int(np.sum(mask))} row(s)"
    r = [int(x) for x in np.asarray(rows)[np.asarray(mask, bool)] if pd.notna(x)]
    return (
        "rows " + ", ".join(map(str, r[:10])) + (f" and {len(r) - 10} more" if len(r) > 10 else "")
    )
