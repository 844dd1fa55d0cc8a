"""The concentration unit of a run: ``--conc-unit``, a ``conc_unit`` column, or the unit in
the ``nominal_conc`` header (``Nominal Concentration (ng/mL)``). Any two that are given must
mean the same unit (``ug/L`` is ``ng/mL``); the file's is never overridden, nothing is guessed.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["check_conc_unit"]

_CONC_DIMS = {"[mass] / [length] ** 3", "[substance] / [length] ** 3", "[substance] / [mass]", ""}
_CONC_FIX = "use a concentration unit such as ng/mL, nM or (tissue) ng/g"


def check_conc_unit(unit: str) -> str:
    """``unit`` in its compact spelling if it is a concentration (``ng/mL``, ``nM``,
    tissue ``ng/g``); else a ``UnitError`` (an unknown unit names concentration units).

    >>> check_conc_unit("ng/ml")
    'ng/mL'
    """
    from kinetor.errors import UnitError
    from kinetor.units import format_unit, parse_unit

    try:
        parsed = parse_unit(unit)
    except UnitError:  # the generic examples (mg, mg/kg, h) are no concentrations
        raise UnitError(
            f"unknown unit {unit!r}: concentration units are e.g. ng/mL, ug/mL, nM, uM or "
            "(tissue) ng/g; molar units are case-sensitive (nM, not nm)"
        ) from None
    dim = str(parsed.dimensionality).replace("dimensionless", "")
    if dim not in _CONC_DIMS or (not dim and "/" not in unit):  # ng/g, not "1" or "%"
        raise UnitError(f"{unit!r} is not a concentration unit ({dim}): {_CONC_FIX}")
    return format_unit(unit)


def _resolve_conc_unit(run: pd.DataFrame, conc_unit: str | None, source: str) -> str | None:
    """``conc_unit``, the unit in the nominal_conc header or the run's one ``conc_unit``
    value, checked to be concentrations that agree; None when none gives one."""
    from kinetor.errors import DataError, Problem, UnitError

    given = check_conc_unit(conc_unit) if conc_unit else None
    header = _header_unit(run, given, source)
    what = "the nominal_conc header's unit" if header else "--conc-unit, conc_unit= in Python"
    given = header or given
    if "conc_unit" not in run.columns:
        return given
    units = sorted(set(run["conc_unit"].astype("string").fillna("").str.strip()) - {""})
    if len(units) > 1:
        raise DataError(
            Problem(
                f"several concentration units {units}",
                file=source,
                column="conc_unit",
                fix="use one unit per run",
            )
        )
    try:
        in_file = check_conc_unit(units[0]) if units else None
    except UnitError as exc:
        raise DataError(Problem(str(exc), file=source, column="conc_unit", fix=_CONC_FIX)) from None
    if given and in_file and not _same_unit(given, in_file):  # never override the file
        raise DataError(
            Problem(
                f"concentration unit {given!r} ({what}) conflicts "
                f"with the file's conc_unit {in_file!r}",
                file=source,
                column="conc_unit",
                fix="leave out --conc-unit (the file's unit is used) or correct the file",
            )
        )
    return in_file or given  # the same unit: labelled as the file says


def _header_unit(run: pd.DataFrame, given: str | None, source: str) -> str | None:
    """The unit written in the nominal_conc header (``Nominal Concentration (ng/mL)``),
    checked to be a concentration and to agree with ``given``; None when there is none."""
    from kinetor.errors import DataError, Problem, UnitError

    text, column = run.attrs.get("conc_unit_header", ("", ""))
    if not text:
        return None
    try:
        unit = check_conc_unit(text)
    except UnitError as exc:
        raise DataError(
            Problem(str(exc), file=source, row=1, column=column, fix=_CONC_FIX)
        ) from None
    if given and not _same_unit(given, unit):  # never override the file
        raise DataError(
            Problem(
                f"concentration unit {given!r} (--conc-unit, conc_unit= in Python) conflicts "
                f"with the unit {unit!r} in the header",
                file=source,
                row=1,
                column=column,
                fix="leave out --conc-unit (the header's unit is used) or correct the header",
            )
        )
    return unit


def _same_unit(a: str, b: str) -> bool:
    """Same unit, however spelt (``ug/mL`` and ``mg/L``): converting 1 of one gives 1."""
    from kinetor.errors import UnitError
    from kinetor.units import convert

    try:
        return a == b or abs(convert(1.0, a, b) - 1.0) < 1e-12
    except UnitError:
        return False
