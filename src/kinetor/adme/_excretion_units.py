"""Units of ``cumulative_excretion``: the amount unit (option or file column, never both
disagreeing) and the factor from the dose unit to the amount unit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.adme._inputs import source_rows
from kinetor.errors import DataError, Problem, UnitError

__all__ = ["amount_unit_of", "dose_factor"]


def _factor(from_unit: str, to_unit: str) -> float:
    """Multiplier from ``from_unit`` to ``to_unit`` (identical strings: 1, no pint)."""
    if from_unit.strip() == to_unit.strip():
        return 1.0
    from kinetor.units import convert

    return float(convert(1.0, from_unit, to_unit))


def dose_factor(dose_unit: str, amount_unit: str) -> tuple[float, bool]:
    """(factor, per_kg): dose in ``dose_unit`` (x kg when per_kg) -> ``amount_unit``."""
    try:
        return _factor(dose_unit, amount_unit), False
    except UnitError:
        try:
            return _factor(f"({dose_unit})*kg", amount_unit), True
        except UnitError:
            raise UnitError(
                f"dose unit {dose_unit!r} cannot be converted to the amount "
                f"unit {amount_unit!r} (nor is it a per-kg dose)"
            ) from None


def _same_unit(a: str, b: str) -> bool:
    if a.strip() == b.strip():
        return True
    from kinetor.units import parse_unit

    try:
        return parse_unit(a) == parse_unit(b)
    except UnitError:
        return False


def amount_unit_of(df: pd.DataFrame, given: str | None, file: str) -> str | None:
    """The amount unit: ``given`` or the file's ``amount_unit`` column; a conflict between
    the two, or several units in the column, is a ``DataError``."""
    if "amount_unit" not in df.columns:
        return given
    text = df["amount_unit"].astype("string").fillna("").str.strip()
    units = sorted(set(text) - {""})
    if len(units) > 1:
        raise DataError(
            Problem(
                f"several amount units in one file: {units}",
                file=file,
                row=int(source_rows(df)[np.flatnonzero((text != units[0]) & (text != ""))[0]]),
                column="amount_unit",
                fix="use one unit for the whole file",
            )
        )
    if not units:
        return given
    if given and not _same_unit(given, units[0]):
        raise DataError(
            Problem(
                f"amount unit {given!r} (--amount-unit, amount_unit= in Python) conflicts "
                f"with the file's amount_unit {units[0]!r}",
                file=file,
                column="amount_unit",
                fix="leave out --amount-unit (the file's unit is used) or correct the file",
            )
        )
    return given or units[0]
