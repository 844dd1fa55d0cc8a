"""Potency units of :func:`kinetor.qsar.curate`: molar units to the p scale, the unit
column and the checks on a unit given for the whole table.

Molar units are case-sensitive as elsewhere in kinetor: ``nM``, ``uM``, ``mM``, ``pM``,
``M`` (``NM`` or ``UM`` are accepted too); ``nm``, ``um``, ``mm``, ``pm`` and ``m`` are
lengths and are refused, with the molar spelling as the fix.

Examples
--------
>>> unit_key("uM"), unit_key("pIC50"), unit_key("nm"), unit_key("furlong")
('um', 'p', None, None)
>>> length_fix("nm")
'nM'
>>> p_scale_name("pIC50"), p_scale_name("pChEMBL Value"), p_scale_name("IC50")
(True, True, False)
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kinetor.errors import DataError, ModelError, Problem

__all__ = [
    "P_RANGE",
    "UNIT_COLUMNS",
    "UNIT_FACTORS",
    "check_default_unit",
    "check_p_range",
    "check_unit_conflict",
    "p_scale_name",
    "unit_columns",
    "unit_key",
    "units_of",
]

#: Molar factor of each accepted concentration unit (lower-case keys).
UNIT_FACTORS: dict[str, float] = {
    "m": 1.0,
    "mm": 1e-3,
    "um": 1e-6,
    "µm": 1e-6,
    "μm": 1e-6,
    "micromolar": 1e-6,
    "nm": 1e-9,
    "nanomolar": 1e-9,
    "pm": 1e-12,
}
_P_UNITS = {"p", "log", "-log(m)", "pic50", "pki", "pkd", "pec50", "px"}
# lengths as written (pint reads them so): the molar unit meant
_LENGTHS = {"m": "M", "mm": "mM", "um": "uM", "µm": "µM", "μm": "μM", "nm": "nM", "pm": "pM"}
#: Plausible potencies on the p scale, (low, high]: 0 is 1 M, 14 is 10 fM.
P_RANGE = (0.0, 14.0)
_FIX = "use nM, uM, mM, pM or M, or 'p' for values already on the -log10 molar scale"
#: Column names read as the unit column (case-insensitive; the CLI finds them itself).
UNIT_COLUMNS = ("unit", "units", "standard_units", "standard units")
# a potency column whose name says -log10 molar: pIC50, pEC50, pXC50, pKi, pKd, pA2, pChEMBL
_P_NAME = re.compile(r"(?<![a-z])(p[a-z]{1,3}\d{2}|pk[ibd]|pa2|pchembl)(?![a-z])")


def p_scale_name(column) -> bool:
    """Whether a column's name says its values are on the p scale (pIC50, pKi, ...)."""
    return bool(_P_NAME.search(str(column).strip().lower()))


def unit_columns(columns) -> list[str]:
    """The columns whose name is a usual unit-column name (:data:`UNIT_COLUMNS`)."""
    return [str(c) for c in columns if str(c).strip().lower() in UNIT_COLUMNS]


def length_fix(unit: str) -> str | None:
    """The molar spelling of a unit written as a length (``'nm'`` -> ``'nM'``), else None."""
    return _LENGTHS.get(str(unit).strip())


def unit_key(unit: str) -> str | None:
    """``'p'`` for p-scale values, the key of :data:`UNIT_FACTORS`, or None (unknown or a
    length)."""
    if length_fix(unit):
        return None
    key = str(unit).strip().lower()
    if key in _P_UNITS:
        return "p"
    return key if key in UNIT_FACTORS else None


def _unknown(unit) -> str:
    fix = length_fix(unit)
    if fix:
        return f"{str(unit).strip()!r} is a length, not a molar unit (write {fix!r})"
    return f"unknown potency unit {unit!r}"


def check_default_unit(unit: str | None) -> None:
    """A unit for every value (``default_unit``, ``--unit``) must be known."""
    if unit is not None and unit_key(unit) is None:
        raise ModelError(f"{_unknown(unit)}; {_FIX}")


def units_of(
    frame: pd.DataFrame, unit: str | None, default_unit: str | None, value: str, file: str
) -> pd.Series:
    """The unit of every row: the column ``unit`` (checked against ``default_unit`` when
    both are given), else ``default_unit``.

    A unit column the table has under another usual name (``units``, ``Standard Units``)
    is never passed over for ``default_unit``, and a value column named as a p-scale
    quantity (``pIC50``, ``pKi``, ...) takes no concentration unit: both are a
    :class:`~kinetor.errors.DataError`.
    """
    check_default_unit(default_unit)
    is_p = p_scale_name(value)
    if is_p and default_unit is not None and unit_key(default_unit) != "p":
        raise DataError(_p_problem(value, default_unit, file, 1, value, "the unit given"))
    if unit is not None and unit in frame.columns:
        units = frame[unit].fillna("").astype(str)
        if default_unit is not None:  # both: they must agree, never one silently ignored
            check_unit_conflict(units, default_unit, file, unit)
        if is_p:
            conc = [i for i, u in enumerate(units) if unit_key(u) not in (None, "p")]
            if conc:
                raise DataError(
                    _p_problem(value, units.iloc[conc[0]], file, conc[0] + 2, unit, "its unit")
                )
        return units
    others = unit_columns(frame.columns)
    if others and unit is not None and not (is_p and unit_key(default_unit or "") == "p"):
        raise DataError(
            Problem(
                f"no unit column {unit!r}, but the table has {', '.join(map(repr, others))}",
                file=file,
                row=1,
                column=others[0],
                fix=f"name it as the unit column (unit={others[0]!r} in Python, --unit-col "
                "on the command line); a unit for the whole table must agree with it",
            )
        )
    if default_unit is None:
        raise DataError(
            Problem(
                "no unit column and no default unit",
                file=file,
                column=unit,
                fix="add a unit column, or give the unit of every value (--unit nM, or "
                "default_unit='nM' in Python; 'p' for pIC50/pKi)",
            )
        )
    return pd.Series([default_unit] * len(frame), index=frame.index)


def _p_problem(value: str, unit, file: str, row: int, column: str, what: str) -> Problem:
    return Problem(
        f"the potency column {value!r} is on the p scale by its name, but {what} is the "
        f"concentration unit {str(unit).strip()!r}",
        file=file,
        row=row,
        column=column,
        fix="give the unit p (--unit p, default_unit='p' in Python), or name the "
        "concentration column (e.g. IC50) as the value column with its unit",
    )


def check_unit_conflict(units: pd.Series, given: str, file: str, column: str) -> None:
    """A unit given for the whole table must agree with every unit cell of the file."""
    want = unit_key(given)
    bad = [i for i, u in enumerate(units) if str(u).strip() and unit_key(u) != want]
    if bad:
        i = bad[0]
        raise DataError(
            Problem(
                f"unit {given!r} (--unit, default_unit= in Python) conflicts with the "
                f"file's unit {units.iloc[i]!r} ({len(bad)} row(s))",
                file=file,
                row=i + 2,
                column=column,
                fix="leave out --unit (the file's units are used) or correct the file",
            )
        )


def _p_values(values: pd.Series, units: pd.Series, file: str, column: str) -> np.ndarray:
    problems, out = [], np.full(len(values), np.nan)
    for unit in pd.unique(units):
        key = unit_key(unit)
        mask = (units == unit).to_numpy()
        if key == "p":
            out[mask] = values[mask]
        elif key is not None:
            with np.errstate(divide="ignore", invalid="ignore"):
                out[mask] = -np.log10(values[mask].to_numpy() * UNIT_FACTORS[key])
        else:
            rows = np.flatnonzero(mask)[:5] + 2
            problems.append(
                Problem(
                    f"{_unknown(unit)} (rows {', '.join(map(str, rows))}...)",
                    file=file,
                    row=int(rows[0]),
                    column=column,
                    fix=f"write {length_fix(unit)!r}: molar units are case-sensitive"
                    if length_fix(unit)
                    else _FIX,
                )
            )
    if problems:
        raise DataError(problems)
    return out


def check_p_range(
    pvals: np.ndarray, raw: pd.Series, units: pd.Series, file: str, column: str
) -> None:
    """Every finite potency on the p scale must lie in :data:`P_RANGE`, ``(0, 14]``.

    A value outside is a :class:`~kinetor.errors.DataError` naming its rows and values (a
    pIC50 of 29 is IC50 1e-20 nM, not a measurement). When most values given on the p
    scale exceed 14, they look like concentrations and the fix names nM.

    Examples
    --------
    >>> check_p_range(np.array([6.0, 1500.0]), pd.Series(["6", "1500"]), pd.Series(["p", "p"]),
    ...               "t.csv", "value")
    Traceback (most recent call last):
    ...
    kinetor.errors.DataError: 1 problem in the data:
      t.csv row 3, column 'value': potency 1500 (unit 'p') is 1500 on the p scale, outside ...
    """
    low, high = P_RANGE
    p = np.asarray(pvals, dtype=float)
    bad = np.flatnonzero(np.isfinite(p) & ((p <= low) | (p > high)))
    if not len(bad):
        return
    is_p = np.array([unit_key(u) == "p" for u in units])
    given_p = np.isfinite(p) & is_p
    fix = "check the value and its unit: on the p scale 0 is 1 M and 14 is 10 fM"
    if given_p.any() and np.mean(p[given_p] > high) > 0.5:
        fix = (
            f"{int(np.sum(p[given_p] > high))} of {int(given_p.sum())} values given on the p "
            "scale are above 14, as concentrations are: if they are IC50s in nM, give the "
            "unit nM (--unit nM, default_unit='nM' in Python, or nM in the unit column)"
        )
    problems = [
        Problem(
            f"potency {_shown(raw.iloc[i])} (unit {str(units.iloc[i]).strip()!r}) is {p[i]:.4g} on the "
            f"p scale, outside the plausible ({low:g}, {high:g}] ({len(bad)} of {len(p)} rows)",
            file=file,
            row=int(i) + 2,
            column=column,
            fix=fix,
        )
        for i in bad[:10]
    ]
    raise DataError(problems)


def _shown(value) -> str:
    try:
        return f"{float(value):g}"
    except (TypeError, ValueError):
        return repr(value)
