"""Unit checks of the PK sets of a compound (part of :mod:`kinetor.compounds.checks`).

Each parameter's unit must belong to its family (a clearance is a flow, ...), a dose must
be a dose, and the clearances and volumes of one set are all per kg or all absolute: a
set that mixes them cannot be used (``Compound.pk_params`` refuses it), whether or not a
half-life is stated beside them.
"""

from __future__ import annotations

from collections.abc import Callable

from kinetor.compounds import _vocab as V
from kinetor.compounds.dimensions import _dims, _unit_ok
from kinetor.compounds.schema import PKSet

__all__: list[str] = []


def check_pk_units(pk: list[PKSet], add: Callable[[str, str, str, str, str], None]) -> None:
    """``add(check, severity, field, stated, finding)`` for every unit problem of ``pk``."""
    for i, s in enumerate(pk):
        for name, v in s.parameters.items():
            fam = V.PK_PARAMETERS.get(name)
            if fam and v.is_numeric and not _unit_ok(v, fam):
                add(
                    "units",
                    "unit",
                    f"pk[{i}].{name}",
                    v.text(),
                    f"{name} needs a {fam.replace('_', 'x')} unit; {v.unit!r} does not add up",
                )
        if s.dose is not None and s.dose.is_numeric and not _unit_ok(s.dose, "dose"):
            add("units", "unit", f"pk[{i}].dose", s.dose.text(), "not a dose unit")
        _check_per_kg(i, s, add)


def _check_per_kg(i: int, s: PKSet, add) -> None:
    """Clearances and volumes of one set: all per kg or all absolute."""
    per_kg: dict[bool, list[str]] = {True: [], False: []}
    values = {}
    for name, v in s.parameters.items():
        fam = V.PK_PARAMETERS.get(name)
        if fam in ("flow", "volume") and v.is_numeric and _unit_ok(v, fam):
            per_kg[_dims(v.unit).get("[mass]", 0) < 0].append(name)
            values[name] = v
    if per_kg[True] and per_kg[False]:
        names = per_kg[True] + per_kg[False]
        add(
            "units",
            "unit",
            f"pk[{i}].{'/'.join(names)}",
            "; ".join(f"{n} {values[n].text()}" for n in names),
            f"clearances and volumes mix per-kg ({', '.join(per_kg[True])}) and absolute "
            f"({', '.join(per_kg[False])}) units: write them all per kg or all absolute (a "
            "model set that mixes them is refused by pk_params)",
        )
