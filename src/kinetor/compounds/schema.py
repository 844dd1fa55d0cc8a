"""The compound-file schema: cited values and the records built from one TOML file.

Every number in the library is a :class:`Value`: the number (or a ``low``-``high`` range),
its unit, its source and its evidence status (``firm``, ``likely``, ``unverified`` or
``assumption``). :func:`parse_compound` turns the dict read from one TOML file into a
:class:`~kinetor.compounds.compound.Compound`, collecting *every* schema violation as a
:class:`~kinetor.errors.Problem` rather than stopping at the first.
The record classes (:class:`Target`, :class:`Potency`, ...) are defined in
:mod:`kinetor.compounds.records` and importable from here as well.

Examples
--------
>>> v = parse_value({"low": 1, "high": 16, "unit": "uM", "source": "the BenchChem note",
...                  "status": "firm"}, "cmax", [], "x.toml")
>>> v.range(), round(v.central, 3)
((1.0, 16.0), 4.0)
>>> str(v)
'1-16 uM [firm: the BenchChem note]'
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from kinetor.compounds import _vocab as V
from kinetor.compounds.records import Binding, PKSet, Potency, Schedule, Target
from kinetor.errors import Problem, UnitError

__all__ = ["Binding", "PKSet", "Potency", "Schedule", "Target", "Value", "parse_value"]


@dataclass(frozen=True)
class Value:
    """One cited value: a number (or range, or text), its unit, source and status."""

    value: float | str | None
    unit: str | None
    source: str
    status: str
    low: float | None = None
    high: float | None = None
    qualifier: str = "="
    note: str = ""
    derivation: str = ""

    @property
    def is_numeric(self) -> bool:
        return isinstance(self.value, float) or self.low is not None

    def range(self) -> tuple[float, float] | None:
        """``(low, high)``; a single value gives ``(value, value)``; text gives ``None``."""
        if isinstance(self.value, float):
            return (self.value, self.value)
        if self.low is not None and self.high is not None:
            return (self.low, self.high)
        return None

    @property
    def central(self) -> float | None:
        """The value, or the geometric mean of a positive range (arithmetic otherwise)."""
        r = self.range()
        if r is None:
            return None
        lo, hi = r
        if lo == hi:
            return lo
        return math.sqrt(lo * hi) if lo > 0 and hi > 0 else (lo + hi) / 2

    def to(self, unit: str, mw: float | None = None) -> tuple[float, float] | None:
        """The range converted to ``unit`` (molar <-> mass needs ``mw``)."""
        from kinetor.units import convert

        r = self.range()
        if r is None or self.unit is None:
            return None
        return (
            float(convert(r[0], self.unit, unit, mw=mw)),
            float(convert(r[1], self.unit, unit, mw=mw)),
        )

    def text(self) -> str:
        """The value as a person writes it (``'1-16 uM'``, ``'<= 10 nM'``)."""
        if self.low is not None and self.value is None:
            num = f"{self.low:g}-{self.high:g}"
        elif isinstance(self.value, float):
            num = f"{self.value:g}"
        else:
            num = str(self.value)
        q = "" if self.qualifier == "=" else f"{self.qualifier} "
        unit = f" {self.unit}" if self.unit and self.unit not in ("1",) else ""
        return f"{q}{num}{unit}"

    def __str__(self) -> str:
        return f"{self.text()} [{self.status}: {self.source}]"

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}


@dataclass
class _Ctx:
    """Where problems go while one file is parsed."""

    file: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, where: str, message: str, fix: str | None = None) -> None:
        self.problems.append(Problem(message, file=self.file, column=where, fix=fix))


def _number(x: Any) -> float | None:
    if isinstance(x, bool):
        return None
    if isinstance(x, int | float):
        return float(x)
    return None


def _check_status(status: Any, where: str, ctx: _Ctx) -> str:
    if status not in V.STATUSES:
        ctx.add(
            where,
            f"status {status!r} is not one of {', '.join(V.STATUSES)}",
            "give every value a status: firm, likely, unverified or assumption",
        )
        return "unverified" if not isinstance(status, str) else status
    return status


def parse_value(
    raw: Any,
    where: str,
    problems: list[Problem],
    file: str,
    source: str | None = None,
    status: str | None = None,
    derivation: str = "",
) -> Value | None:
    """Parse one value table (``{value|low+high, unit, source, status, ...}``).

    ``source``/``status`` (and, for assumptions, ``derivation``) given here are inherited
    from the enclosing table when the value does not state its own. Problems are appended to ``problems``; ``None`` when unusable.
    """
    ctx = _Ctx(file, problems)
    if not isinstance(raw, dict):
        ctx.add(
            where,
            f"expected a table {{value=..., unit=..., source=..., status=...}}, got {raw!r}",
            "write the value as an inline table",
        )
        return None
    known = {"value", "low", "high", "unit", "source", "status", "qualifier", "note", "derivation"}
    for key in sorted(set(raw) - known):
        ctx.add(f"{where}.{key}", f"unknown key {key!r}", f"use one of {sorted(known)}")
    src = raw.get("source", source)
    if not isinstance(src, str) or not src.strip():
        ctx.add(where, "no source", "cite the paper and year, or the seed file name")
        src = ""
    st = _check_status(raw.get("status", status), where, ctx)
    val, low, high = raw.get("value"), _number(raw.get("low")), _number(raw.get("high"))
    if val is not None and (low is not None or high is not None):
        ctx.add(where, "give either value or low/high, not both")
    if val is None and (low is None) != (high is None):
        ctx.add(where, "a range needs both low and high")
    if low is not None and high is not None and low > high:
        ctx.add(where, f"low {low:g} is above high {high:g}", "swap low and high")
    if val is None and low is None and high is None:
        ctx.add(
            where, "no value, no low/high", "leave the field out and list it under gaps instead"
        )
    num = _number(val)
    if val is not None and num is None and not isinstance(val, str):
        ctx.add(where, f"value {val!r} is neither a number nor text")
    value: float | str | None = num if num is not None else (val if isinstance(val, str) else None)
    unit = raw.get("unit")
    if unit is not None:
        from kinetor.units import parse_unit

        try:
            parse_unit(str(unit))
        except UnitError as exc:
            ctx.add(f"{where}.unit", str(exc), "use a unit kinetor.units can read")
    elif num is not None or low is not None:
        ctx.add(
            f"{where}.unit",
            "a number without a unit",
            "write the unit ('nM', 'h', 'L/h/kg', '%'; '1' for a plain fraction)",
        )
    qual = raw.get("qualifier", "=")
    if qual not in V.QUALIFIERS:
        ctx.add(f"{where}.qualifier", f"qualifier {qual!r} unknown", f"use {V.QUALIFIERS}")
    deriv = str(raw.get("derivation", ""))
    if st == "assumption" and not (deriv.strip() or derivation.strip() or raw.get("note")):
        ctx.add(
            where,
            "an assumption without its derivation",
            "write how the value was derived in derivation = '...'",
        )
    return Value(
        value=value,
        unit=None if unit is None else str(unit),
        source=src,
        status=st,
        low=low,
        high=high,
        qualifier=str(qual),
        note=str(raw.get("note", "")),
        derivation=deriv,
    )


def _require(raw: dict, key: str, where: str, ctx: _Ctx, allowed=None) -> str:
    val = raw.get(key)
    if not isinstance(val, str) or not val.strip():
        ctx.add(f"{where}.{key}", f"missing {key}")
        return ""
    if allowed is not None and val not in allowed:
        ctx.add(f"{where}.{key}", f"{key} {val!r} is not one of {', '.join(allowed)}")
    return val


def parse_target(raw: dict, where: str, ctx: _Ctx) -> Target:
    return Target(
        name=_require(raw, "name", where, ctx),
        gene=str(raw.get("gene", "")),
        role=_require(raw, "role", where, ctx, V.TARGET_ROLES),
        mechanism=_require(raw, "mechanism", where, ctx),
        source=_require(raw, "source", where, ctx),
        status=_check_status(raw.get("status"), where, ctx),
    )


def parse_potency(raw: dict, where: str, ctx: _Ctx) -> Potency | None:
    value_keys = {
        "value",
        "low",
        "high",
        "unit",
        "source",
        "status",
        "qualifier",
        "note",
        "derivation",
    }
    value = parse_value(
        {k: v for k, v in raw.items() if k in value_keys}, where, ctx.problems, ctx.file
    )
    hill = raw.get("hill")
    if hill is not None and (_number(hill) is None or _number(hill) <= 0):
        ctx.add(f"{where}.hill", f"hill {hill!r} must be a positive number")
        hill = None
    target = _require(raw, "target", where, ctx)
    measure = _require(raw, "measure", where, ctx, V.POTENCY_MEASURES)
    assay = _require(raw, "assay", where, ctx, V.ASSAY_TYPES)
    extra = (
        set(raw)
        - value_keys
        - {"target", "measure", "assay", "readout", "cell_line", "hill", "serum", "time"}
    )
    for key in sorted(extra):
        ctx.add(f"{where}.{key}", f"unknown key {key!r}")
    if value is None:
        return None
    return Potency(
        target=target,
        measure=measure,
        value=value,
        assay=assay,
        readout=str(raw.get("readout", "")),
        cell_line=str(raw.get("cell_line", "")),
        hill=None if hill is None else float(hill),
        serum=str(raw.get("serum", "")),
        time=str(raw.get("time", "")),
    )


def parse_binding(raw: dict, where: str, ctx: _Ctx) -> Binding | None:
    species = V.normalise_species(_require(raw, "species", where, ctx))
    if species not in V.SPECIES:
        ctx.add(f"{where}.species", f"species {species!r} unknown", f"use {V.SPECIES}")
    fu = parse_value(
        raw.get("fu"), f"{where}.fu", ctx.problems, ctx.file, raw.get("source"), raw.get("status")
    )
    return None if fu is None else Binding(species, str(raw.get("matrix", "plasma")), fu)


def parse_pkset(raw: dict, where: str, ctx: _Ctx) -> PKSet | None:
    species = V.normalise_species(_require(raw, "species", where, ctx))
    if species not in V.SPECIES:
        ctx.add(f"{where}.species", f"species {species!r} unknown", f"use {V.SPECIES}")
    route = V.normalise_route(_require(raw, "route", where, ctx))
    if route not in V.ROUTES:
        ctx.add(f"{where}.route", f"route {route!r} unknown", f"use {V.ROUTES}")
    kind = _require(raw, "kind", where, ctx, V.PK_KINDS)
    model = raw.get("model")
    if kind == "model" and model not in V.PK_MODELS:
        ctx.add(f"{where}.model", f"model {model!r} is not one of {V.PK_MODELS}")
    src, st = raw.get("source"), raw.get("status")
    _check_status(st, where, ctx)
    if not isinstance(src, str) or not src.strip():
        ctx.add(where, "PK set without source", "cite where the set comes from")
        src = ""
    derivation = str(raw.get("derivation", ""))
    if st == "assumption" and not derivation.strip():
        ctx.add(where, "assumption set without derivation", "write the derivation out")
    params_raw = raw.get("parameters", {})
    params: dict[str, Value] = {}
    if not isinstance(params_raw, dict) or not params_raw:
        ctx.add(f"{where}.parameters", "no parameters")
        params_raw = {}
    for name, pv in params_raw.items():
        if name not in V.PK_PARAMETERS:
            ctx.add(
                f"{where}.parameters.{name}",
                f"unknown PK parameter {name!r}",
                f"use one of {sorted(V.PK_PARAMETERS)}",
            )
        val = parse_value(
            pv, f"{where}.parameters.{name}", ctx.problems, ctx.file, src, st, derivation
        )
        if val is not None:
            params[name] = val
    dose = None
    if "dose" in raw:
        dose = parse_value(raw["dose"], f"{where}.dose", ctx.problems, ctx.file, src, st)
    return PKSet(
        species=species,
        route=route,
        kind=kind,
        parameters=params,
        source=src,
        status=st if st in V.STATUSES else "unverified",
        model=model if isinstance(model, str) else None,
        dose=dose,
        strain=str(raw.get("strain", "")),
        derivation=derivation,
        note=str(raw.get("note", "")),
    )


def parse_schedule(raw: dict, where: str, ctx: _Ctx) -> Schedule:
    return Schedule(
        regimen=_require(raw, "regimen", where, ctx),
        context=str(raw.get("context", "")),
        source=_require(raw, "source", where, ctx),
        status=_check_status(raw.get("status"), where, ctx),
        phase=str(raw.get("phase", "")),
        species=V.normalise_species(raw.get("species", "human")),
        note=str(raw.get("note", "")),
    )
