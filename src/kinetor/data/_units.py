"""Unit resolution for one column: per-row unit columns, header units, declared units.

Order of precedence for the unit of a value: a per-row unit column (``PCSTRESU``,
``conc_unit``...), then a unit in the column header (``Conc (ng/mL)``), then the unit
declared with ``units=``. The target unit is the declared one when given, otherwise the
most frequent unit in the column. Values in other (compatible) units are converted and
the conversion is recorded as a note; incompatible units, or values with no unit at all,
are problems (never guessed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.errors import Problem, UnitError
from kinetor.units import convert, format_unit, parse_unit

__all__ = ["resolve_unit"]

_EXAMPLE = {"time": "h", "conc": "ng/mL", "dose": "mg/kg", "weight": "kg"}


def _rows_text(rows: np.ndarray, limit: int = 6) -> str:
    head = ", ".join(str(int(r)) for r in rows[:limit])
    return head + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def _one_unit(values, row_units, unit, target):
    """The common case in one step: no per-row units, the column's unit known and equal
    to the target (or no target): ``(values, unit)``; None when the general path is
    needed (conversion, an unknown unit, a missing one)."""
    if row_units is not None or not unit:
        return None
    try:
        parsed = parse_unit(unit)
        if target and parse_unit(target) != parsed:
            return None
    except UnitError:
        return None
    return values, target or unit


def resolve_unit(
    values: np.ndarray,
    *,
    what: str,
    column: str | None,
    file: str,
    rows: np.ndarray,
    row_units: np.ndarray | None = None,
    unit_column: str | None = None,
    header_unit: str | None = None,
    declared: str | None = None,
    mw=None,
    analytes: np.ndarray | None = None,
    notes: list[str],
    problems: list[Problem],
    target: str | None = None,
    label: str | None = None,
    report_missing: bool = True,
):
    """Convert ``values`` to one unit; returns ``(converted values, unit or None)``.

    ``mw`` is a float or a dict analyte -> g/mol, used only for mass <-> molar.
    ``target`` forces the output unit (e.g. LLOQ into the concentration unit).
    ``report_missing=False`` leaves a missing unit to the caller (e.g. the LLOQ, whose
    unit is the concentration unit already reported).
    """
    values = np.asarray(values, dtype=float)
    n = len(values)
    fast = _one_unit(values, row_units, header_unit or declared, target or declared)
    if fast is not None:
        return fast
    per_row = np.full(n, "", dtype=object)
    if row_units is not None:
        per_row[:] = pd.Series(row_units, dtype=object).fillna("").astype(str).str.strip()
    fallback = header_unit or declared or ""
    per_row[per_row == ""] = fallback
    has_value = ~np.isnan(values)
    # a zero needs no unit (e.g. dose times all 0): give it the column's unit
    zero = has_value & (values == 0) & (per_row == "")
    if zero.any():
        named = [u for u in per_row[has_value] if u]
        per_row[zero] = target or (named[0] if named else "")
        has_value = has_value & ~(zero & (per_row == ""))
    if not has_value.any():
        named = [u for u in per_row if u]
        return values, target or declared or (named[0] if named else None)
    no_unit = has_value & (per_row == "")
    if no_unit.any() and not report_missing:
        return values, None
    if no_unit.any():
        example = _EXAMPLE.get(what, "unit")
        where = (
            f"column '{unit_column}' is empty on rows {_rows_text(rows[no_unit])}"
            if unit_column
            else "no unit column, no unit in the header and none declared"
        )
        problems.append(
            Problem(
                f"the {what} unit is unknown ({where})",
                file=file,
                row=int(rows[no_unit][0]) if unit_column else None,
                column=column,
                fix=f"write the unit in the header, e.g. '{column or what} ({example})', add a "
                f"{what}_unit column, or give --{what}-unit {example} on the command line "
                f"(units={{'{what}': '{example}'}} in Python)",
            )
        )
        return values, None
    distinct = pd.unique(per_row[has_value])
    parsed = {}
    for u in distinct:
        try:
            parsed[u] = parse_unit(u)
        except UnitError:
            bad_rows = rows[has_value & (per_row == u)]
            problems.append(
                Problem(
                    f"unknown {what} unit {u!r} (rows {_rows_text(bad_rows)})",
                    file=file,
                    row=int(bad_rows[0]),
                    column=unit_column or column,
                    fix="use a unit such as 'ng/mL', 'ug/mL', 'nM', 'mg/kg', 'mg', 'h', 'min'",
                )
            )
    if len(parsed) < len(distinct):
        return values, None
    if target is None:
        if declared:
            target = declared
        else:
            counts = pd.Series(per_row[has_value]).value_counts(sort=False)
            target = str(counts.idxmax())
    out = values.copy()
    for u in distinct:
        sel = has_value & (per_row == u)
        if parsed[u] == parse_unit(target):
            continue
        try:
            if isinstance(mw, dict) and analytes is not None:
                for a in pd.unique(analytes[sel]):
                    sub = sel & (analytes == a)
                    out[sub] = convert(values[sub], u, target, mw=mw.get(str(a)))
            else:
                out[sel] = convert(
                    values[sel], u, target, mw=mw if not isinstance(mw, dict) else None
                )
        except UnitError as exc:
            problems.append(
                Problem(
                    f"{what} values in {u!r} cannot be converted to {target!r}: {exc} "
                    f"(rows {_rows_text(rows[sel])})",
                    file=file,
                    row=int(rows[sel][0]),
                    column=unit_column or column,
                    fix=f"give all {what} values in one unit"
                    + (
                        ", or give the molecular weight for mass <-> molar: --mw G_PER_MOL, "
                        "or mw= in read_study in Python"
                        if "molecular" in str(exc)
                        else ""
                    ),
                )
            )
            continue
        notes.append(
            f"{label or what}: {int(sel.sum())} value(s) converted from {u} to "
            f"{format_unit(target)} ({file}, column {unit_column or column})"
        )
    return out, target
