"""The records of a compound file: targets, potencies, binding, PK sets and schedules.

Each record holds its numbers as cited :class:`~kinetor.compounds.schema.Value` objects;
the parsers that build them from one TOML file (collecting every problem) are in
:mod:`kinetor.compounds.schema`, which also exports these classes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kinetor.compounds.schema import Value

__all__ = ["Binding", "PKSet", "Potency", "Schedule", "Target"]


@dataclass(frozen=True)
class Target:
    """One molecular target of a compound: its role, mechanism and cited source."""

    name: str
    gene: str
    role: str
    mechanism: str
    source: str
    status: str


@dataclass(frozen=True)
class Potency:
    """One potency measurement (IC50, Ki, ...) against a target, as a cited :class:`Value`."""

    target: str
    measure: str
    value: Value
    assay: str
    readout: str = ""
    cell_line: str = ""
    hill: float | None = None
    serum: str = ""
    time: str = ""


@dataclass(frozen=True)
class Binding:
    """The unbound fraction of a compound in one species and matrix."""

    species: str
    matrix: str
    fu: Value


@dataclass(frozen=True)
class PKSet:
    """One published PK parameter set: species, route, model and cited parameter values."""

    species: str
    route: str
    kind: str
    parameters: dict[str, Value]
    source: str
    status: str
    model: str | None = None
    dose: Value | None = None
    strain: str = ""
    derivation: str = ""
    note: str = ""


@dataclass(frozen=True)
class Schedule:
    """One dosing schedule used in a trial or study, with its context and source."""

    regimen: str
    context: str
    source: str
    status: str
    phase: str = ""
    species: str = "human"
    note: str = ""
