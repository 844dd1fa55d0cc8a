"""Dimensions of the library's values: unit families, fractions and formula weights.

The compound checks (:mod:`kinetor.compounds.checks`) ask whether a stated unit belongs to
the family a field needs (a concentration, a clearance per kg, ...), read fractions in
any of their spellings, and compare a stated molecular weight with the weight of the
Hill formula (IUPAC conventional atomic weights). :func:`formula_weight` is also
importable from :mod:`kinetor.compounds.checks` and :mod:`kinetor.compounds`.
"""

from __future__ import annotations

import math
import re

from kinetor.compounds.schema import Value
from kinetor.errors import UnitError

__all__ = ["formula_weight"]

_ATOMIC_WEIGHT = {
    "C": 12.011,
    "H": 1.008,
    "N": 14.007,
    "O": 15.999,
    "F": 18.998,
    "Cl": 35.45,
    "Br": 79.904,
    "I": 126.904,
    "S": 32.06,
    "P": 30.974,
    "B": 10.81,
    "Na": 22.99,
    "K": 39.098,
}


def formula_weight(formula: str) -> float:
    """Molecular weight (g/mol) of a Hill formula, IUPAC conventional atomic weights.

    >>> round(formula_weight("C25H30N6O3"), 3)
    462.554
    """
    parts = re.findall(r"([A-Z][a-z]?)(\d*)", formula)
    if not parts or "".join(a + n for a, n in parts) != formula:
        raise UnitError(f"cannot read formula {formula!r}")
    try:
        return sum(_ATOMIC_WEIGHT[a] * (int(n) if n else 1) for a, n in parts)
    except KeyError as exc:
        raise UnitError(f"no atomic weight for element {exc.args[0]!r}") from exc


def _dims(unit: str) -> dict[str, float]:
    from kinetor.units import parse_unit

    return dict(parse_unit(unit).dimensionality)


_FAMILIES = {
    "conc": [{"[mass]": 1, "[length]": -3}, {"[substance]": 1, "[length]": -3}],
    "conc_time": [
        {"[mass]": 1, "[length]": -3, "[time]": 1},
        {"[substance]": 1, "[length]": -3, "[time]": 1},
    ],
    "time": [{"[time]": 1}],
    "rate": [{"[time]": -1}],
    "flow": [{"[length]": 3, "[time]": -1}, {"[length]": 3, "[time]": -1, "[mass]": -1}],
    "volume": [{"[length]": 3}, {"[length]": 3, "[mass]": -1}],
    "fraction": [{}],
    "mw": [{"[mass]": 1, "[substance]": -1}],
    "dose": [
        {"[mass]": 1},
        {},
        {"[mass]": 1, "[length]": -2},
        {"[substance]": 1, "[mass]": -1},
        {"[substance]": 1},
    ],
}
_FRACTION_UNITS = {"1", "%", "percent", "fraction", "dimensionless"}


def _unit_ok(v: Value, family: str) -> bool:
    if v.unit is None:
        return False
    if family == "fraction":
        return v.unit.strip() in _FRACTION_UNITS
    return _dims(v.unit) in _FAMILIES[family]


def _central(v: Value, unit: str) -> float:
    """Geometric mean of the range converted to ``unit`` (the value itself when single)."""
    lo, hi = v.to(unit)
    return lo if lo == hi else math.sqrt(lo * hi)


def _fraction(v: Value) -> tuple[float, float] | None:
    return v.to("1") if v.unit and v.unit.strip() in _FRACTION_UNITS else None
