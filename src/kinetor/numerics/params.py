"""Model parameters given as "a number or a quantity": one convention for PK and PD.

A parameter may be a plain number (or array, one value per animal) taken as already in
the model's unit, or a quantity (``"0.5 L/h/kg"``, ``"12 h"``, ``"40 %"``, a pint
``Quantity``) converted to it. Clearances and volumes may also come per kg of body
weight (``per_kg_unit``); the result then says so. An incompatible unit is a
``UnitError`` naming the parameter and the units it accepts; units are never guessed
(mass and molar concentrations need a molecular weight).

Examples
--------
>>> quantity_value("12 h", "day", "t")
(0.5, False)
>>> quantity_value("0.3 L/h/kg", "L/h", "cl", per_kg_unit="L/h/kg")
(0.3, True)
>>> quantity_value("40 %", "", "f")
(0.4, False)
>>> quantity_value([1.0, 2.0], "1/day", "kg", array=True)
(array([1., 2.]), False)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kinetor.errors import ModelError, UnitError

__all__ = ["quantity_value"]


def _unit(text: str):
    from kinetor.units import parse_unit

    return parse_unit(text) if text else parse_unit("1")


def _no_nan(out, name: str, value) -> None:
    if np.any(np.isnan(np.asarray(out, dtype=float))):
        raise ModelError(f"parameter {name!r} = {value!r} is not a number: give a value")


def quantity_value(
    value: Any, unit: str | None, name: str, *, per_kg_unit: str | None = None, array: bool = False
):
    """``(value in unit, per_kg)`` for a number, array or quantity (see module docstring).

    Parameters
    ----------
    value : number, array-like, str or pint Quantity
    unit : str or None
        The model's unit for this parameter (``""`` for a fraction, which also takes
        ``"40 %"``); ``None`` when the parameter is in the model's own (arbitrary)
        response units, so that only a plain number is accepted.
    name : str
        Used in error messages.
    per_kg_unit : str, optional
        A per-body-weight alternative (e.g. ``"L/h/kg"`` beside ``"L/h"``).
    NaN (also in an array or a quantity) and True/False are refused (``ModelError``), as
    is a percentage above 100 % for a fraction (``unit=""``).
    array : bool
        Accept a 1-D array (one value per animal) and return a float array; otherwise a
        scalar float.
    """
    from kinetor.units import parse_quantity

    if isinstance(value, bool | np.bool_):
        raise ModelError(f"parameter {name!r} = {value!r}: give a number, not True/False")
    if isinstance(value, str) and unit == "":
        text = value.strip()
        if text.endswith("%"):
            value = float(text[:-1]) / 100.0
            if value > 1:
                raise ModelError(f"parameter {name!r} = {text!r}: a fraction is at most 100 %")
        else:
            try:
                value = float(text)
            except ValueError:
                pass
    if isinstance(value, str) or hasattr(value, "magnitude"):
        if unit is None:
            raise UnitError(
                f"parameter {name!r} is in the model's own response/volume "
                f"units: give a plain number, not {value!r}"
            )
        q = parse_quantity(value) if isinstance(value, str) else value
        target = _unit(unit)
        if q.dimensionality == target.dimensionality:
            out, per_kg = q.to(target).magnitude, False
        elif per_kg_unit and q.dimensionality == _unit(per_kg_unit).dimensionality:
            out, per_kg = q.to(_unit(per_kg_unit)).magnitude, True
        else:
            accepted = (unit or "a fraction") + (f" or {per_kg_unit}" if per_kg_unit else "")
            raise UnitError(f"parameter {name!r} = {value!r}: expected a value in {accepted}")
        _no_nan(out, name, value)
        return (np.asarray(out, dtype=float) if array else float(out)), per_kg
    arr = np.asarray(value, dtype=float)
    _no_nan(arr, name, value)
    if arr.ndim > (1 if array else 0):
        raise ModelError(
            f"parameter {name!r} must be a scalar"
            + (" or one value per animal" if array else "")
            + f", got shape {arr.shape}"
        )
    return (arr if array else float(arr)), False
