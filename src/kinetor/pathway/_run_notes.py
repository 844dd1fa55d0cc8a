"""What a :class:`~kinetor.pathway.Network` run records besides its numbers: the lesion
names checked for empty ones, lesion/override clashes, the parental reference's parameter
set, the drug inputs as given and the notes of a result.

Examples
--------
>>> strict_lesion_names("PTEN_loss; KRAS_mut")
('PTEN_loss', 'KRAS_mut')
>>> strict_lesion_names("PTEN_loss;;")
Traceback (most recent call last):
...
kinetor.errors.ModelError: lesions 'PTEN_loss;;': an empty name; e.g. lesions=['PTEN_loss'] or 'PTEN_loss;KRAS_mut'
>>> parental_overrides({"TSC_tot": 0.0, "k_s6k_rictor": 0.0})
{'k_s6k_rictor': 0.0}
>>> input_text("everolimus", "10 nM"), input_text("everolimus", 10)
('everolimus 10 nM', 'everolimus 10 nM')
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from kinetor.errors import ModelError
from kinetor.pathway.drugs import resolve_drug
from kinetor.pathway.lesions import LESIONS, lesion_names

__all__ = [
    "input_text",
    "lesion_override_notes",
    "one_per_slot",
    "parental_overrides",
    "profile_notes",
    "strict_lesion_names",
]


def strict_lesion_names(lesions: Iterable[str] | str | None) -> tuple[str, ...]:
    """:func:`~kinetor.pathway.lesions.lesion_names`, refusing an empty name among others
    (``"PTEN_loss;;"``, ``["PTEN_loss", ""]``, ``";"``) as the CLI's ``--lesion`` does.
    ``None``, ``""`` and ``[]`` stay "no lesion" (the parental cell)."""
    if isinstance(lesions, str):
        parts = [p.strip() for p in lesions.replace(",", ";").split(";")]
        empty = lesions.strip() != "" and not all(parts)
    elif isinstance(lesions, Iterable) and not isinstance(lesions, Mapping | bytes):
        lesions = list(lesions)
        empty = any(isinstance(x, str) and not x.strip() for x in lesions)
    else:
        empty = False
    if empty:
        raise ModelError(
            f"lesions {lesions!r}: an empty name; e.g. lesions=['PTEN_loss'] or "
            "'PTEN_loss;KRAS_mut'"
        )
    return lesion_names(lesions)


def lesion_override_notes(lesions: tuple[str, ...], parameters: Mapping[str, float]) -> list[str]:
    """Notes on parameter overrides of a value a lesion sets (the override wins); a
    ModelError where a loss lesion (its value 0: the protein or mechanism gone) is given
    back by an override > 0, e.g. ``PTEN_loss`` with ``PTEN_tot = 0.5``."""
    notes = []
    for name in lesions:
        for key, value in LESIONS[name].parameters.items():
            if key not in parameters or float(parameters[key]) == float(value):
                continue
            if float(value) == 0.0:
                raise ModelError(
                    f"the lesion {name} sets {key} = 0 but parameters set {key} = "
                    f"{parameters[key]:g}: the two contradict; drop the lesion (a partial "
                    f"loss: {key} as a parameter) or the override"
                )
            notes.append(
                f"parameters {key} = {parameters[key]:g} replaces the lesion {name}'s "
                f"{key} = {float(value):g}"
            )
    return notes


def parental_overrides(parameters: Mapping[str, float]) -> dict[str, float]:
    """The overrides the parental reference keeps: protein totals (``*_tot``: knock-downs
    and knock-outs, genetic like the lesions) are left out, kinetic overrides kept."""
    return {k: v for k, v in parameters.items() if not k.endswith("_tot")}


def input_text(name: str, value: Any) -> str:
    """A drug input as given: ``"everolimus 10 nM"`` (a number is nM), a profile by its
    points and span, a PK course as such."""
    if isinstance(value, str):
        return f"{name} {value.strip()}"
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return f"{name} {float(value):g} nM"
    if isinstance(value, tuple | list) and len(value) == 2:
        t = [f"{x:g}" if isinstance(x, int | float | np.number) else str(x) for x in value[0]]
        span = f"{t[0]}-{t[-1]} h" if t else "no points"
        return f"{name} profile ({len(t)} points, {span})"
    return f"{name} PK course"


def profile_notes(drugs, profiles: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> list[str]:
    """One note per drug whose piecewise-linear profile starts after 0 h (held at its first
    value from 0 h: the documented rule)."""
    notes = []
    for drug in drugs:
        for part in drug.slots():
            prof = profiles.get(part.mechanism)
            if prof is not None and prof[0][0] > 0:
                t0 = float(prof[0][0])
                notes.append(
                    f"{drug.name} profile starts at {t0:g} h; held at its first value "
                    f"({float(prof[1][0]):g} nM) from 0 h -- add a row at 0 h with 0 for a "
                    "later addition"
                )
                break
    return notes


def one_per_slot(pairs) -> None:
    """A ModelError when two drugs fill one mechanism slot, each named as the user gave
    it (an alias such as ``RAD001`` with the compound it is: ``everolimus``)."""
    seen: dict[str, tuple[str, str]] = {}
    for spec, _ in pairs if len(pairs) > 1 else ():  # one drug: its slots are distinct
        drug = resolve_drug(spec)
        given = spec.strip() if isinstance(spec, str) else drug.name
        label = given if given.casefold() == drug.name.casefold() else f"{given} ({drug.name})"
        for part in drug.slots():
            if part.mechanism in seen:
                first, compound = seen[part.mechanism]
                same = " (one compound given twice: give it once)" if compound == drug.name else ""
                raise ModelError(
                    f"{first} and {label} share the mechanism {part.mechanism!r}{same}; the "
                    "network has one slot per mechanism"
                )
            seen[part.mechanism] = (label, drug.name)
