"""Units of ``cumulative_excretion``: the amount, conc and volume units (option or file
column, never both disagreeing), the factor from conc x volume to the amount unit and the
factor from the dose unit to the amount unit."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.adme._inputs import source_rows
from kinetor.errors import DataError, Problem, UnitError

__all__ = ["amount_unit_of", "conc_volume_factor", "dose_factor", "unit_of"]


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


def unit_of(df: pd.DataFrame, column: str, given: str | None, file: str) -> str | None:
    """The unit of a quantity: ``given`` (an option) or the file's ``column`` (one unit per
    file; an empty cell takes the file's unit). Several units in the column, or a ``given``
    unit that disagrees with it, is a ``DataError``; the same unit spelt differently
    (``mg``, ``milligram``) agrees."""
    if column not in df.columns:
        return given
    text = df[column].astype("string").fillna("").str.strip()
    units = list(dict.fromkeys(u for u in text if u))  # in file order
    if len(units) > 1:
        from kinetor.data._user_table import row_list

        rows = source_rows(df)
        where = ", ".join(f"{u!r} ({row_list(rows[(text == u).to_numpy()])})" for u in units)
        raise DataError(
            Problem(
                f"several units in the {column} column: {where}",
                file=file,
                row=int(rows[np.flatnonzero((text == units[1]).to_numpy())[0]]),
                column=column,
                fix="use one unit for the whole file (convert the values of the other rows)",
            )
        )
    if not units:
        return given
    if given and not _same_unit(given, units[0]):
        option = column.replace("_", "-")
        raise DataError(
            Problem(
                f"{column.split('_')[0]} unit {given!r} (--{option}, {column}= in Python) "
                f"conflicts with the file's {column} {units[0]!r}",
                file=file,
                column=column,
                fix=f"leave out --{option} (the file's unit is used) or correct the file",
            )
        )
    return given or units[0]


def amount_unit_of(df: pd.DataFrame, given: str | None, file: str) -> str | None:
    """The amount unit: ``given`` or the file's ``amount_unit`` column (see ``unit_of``)."""
    return unit_of(df, "amount_unit", given, file)


def conc_volume_factor(
    df: pd.DataFrame, conc_unit: str | None, volume_unit: str | None, amount_unit: str, file: str
) -> float:
    """The factor taking conc x volume (units from the options or the file's ``conc_unit``
    and ``volume_unit`` columns) to ``amount_unit``; a ``UnitError`` when a unit is
    missing or the product is no amount of that unit."""
    conc_unit = unit_of(df, "conc_unit", conc_unit, file)
    volume_unit = unit_of(df, "volume_unit", volume_unit, file)
    missing = [n for n, u in (("conc", conc_unit), ("volume", volume_unit)) if not u]
    if missing:
        raise UnitError(
            "amounts from conc x volume need the units of "
            + " and ".join(missing)
            + " (units are never guessed): give "
            + " and ".join(f"--{n}-unit or a '{n}_unit' column" for n in missing)
            + " ("
            + ", ".join(f"{n}_unit=" for n in missing)
            + " in Python)"
        )
    from pint.errors import DimensionalityError

    from kinetor.units import Q, parse_unit

    product = Q(1.0, parse_unit(conc_unit)) * Q(1.0, parse_unit(volume_unit))
    try:
        return float(product.to(parse_unit(amount_unit)).magnitude)
    except DimensionalityError:
        raise UnitError(
            f"conc in {conc_unit!r} x volume in {volume_unit!r} is not an amount in "
            f"{amount_unit!r}: check the units"
        ) from None
