"""Reading one compound file: the TOML dict to a :class:`~kinetor.compounds.compound.Compound`.

:func:`parse_compound` checks the top-level keys, the name and synonyms, the drug class
and mechanism, then builds every record through the parsers of
:mod:`kinetor.compounds.schema`, collecting *every* problem (file and key named) rather
than stopping at the first. It is also importable from :mod:`kinetor.compounds.compound`.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from kinetor.compounds import _vocab as V
from kinetor.compounds.schema import (
    Value,
    _Ctx,
    _require,
    parse_binding,
    parse_pkset,
    parse_potency,
    parse_schedule,
    parse_target,
    parse_value,
)
from kinetor.errors import Problem

if TYPE_CHECKING:
    from kinetor.compounds.compound import Compound

__all__ = ["parse_compound"]

_TOP_KEYS = {
    "schema_version",
    "name",
    "synonyms",
    "drug_class",
    "pathway_mechanism",
    "modality",
    "gaps",
    "notes",
    "identity",
    "development",
    "targets",
    "potency",
    "binding",
    "pk",
    "schedules",
    "adme",
    "pathway",
}


def _value_map(raw: Any, where: str, ctx: _Ctx) -> dict[str, Value]:
    out: dict[str, Value] = {}
    if raw is None:
        return out
    if not isinstance(raw, dict):
        ctx.add(where, "expected a table of values")
        return out
    for key, item in raw.items():
        v = parse_value(item, f"{where}.{key}", ctx.problems, ctx.file)
        if v is not None:
            out[key] = v
    return out


def _list_of_tables(raw: Any, where: str, ctx: _Ctx) -> list[dict]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
        ctx.add(where, f"expected [[{where}]] tables")
        return []
    return raw


def parse_compound(data: dict[str, Any], file: str = "<dict>") -> tuple[Compound, list[Problem]]:
    """Build a :class:`Compound` from a parsed TOML dict; returns it with every problem."""
    from kinetor.compounds.compound import Compound  # compound re-exports this function

    ctx = _Ctx(file)
    for key in sorted(set(data) - _TOP_KEYS):
        ctx.add(key, f"unknown top-level key {key!r}", f"use one of {sorted(_TOP_KEYS)}")
    if data.get("schema_version") != 1:
        ctx.add("schema_version", f"schema_version {data.get('schema_version')!r} is not 1")
    name = _require(data, "name", "", ctx).strip()
    if name and not re.fullmatch(r"[a-z0-9][a-z0-9\-]*", name):
        ctx.add("name", f"name {name!r} must be lower-case letters, digits and dashes")
    syn = data.get("synonyms", [])
    if not isinstance(syn, list) or not all(isinstance(s, str) for s in syn):
        ctx.add("synonyms", "synonyms must be a list of strings")
        syn = []
    seen = {V.name_key(name)}
    for s in syn:
        if V.name_key(s) in seen:
            ctx.add(
                "synonyms",
                f"synonym {s!r} repeats a name already matched (lookups "
                f"ignore case, spaces, dashes and dots)",
                "drop it",
            )
        seen.add(V.name_key(s))
    dclass = _require(data, "drug_class", "", ctx, V.DRUG_CLASSES)
    mech = data.get("pathway_mechanism", V.CLASS_MECHANISM.get(dclass))
    if mech is not None and mech not in V.PATHWAY_MECHANISMS:
        ctx.add(
            "pathway_mechanism", f"mechanism {mech!r} unknown", f"use one of {V.PATHWAY_MECHANISMS}"
        )
    modality = data.get("modality", "small_molecule")
    if modality not in V.MODALITIES:
        ctx.add("modality", f"modality {modality!r} unknown", f"use {V.MODALITIES}")
    gaps = data.get("gaps", [])
    if not isinstance(gaps, list) or not all(isinstance(g, str) for g in gaps):
        ctx.add("gaps", "gaps must be a list of sentences")
        gaps = []
    pathway = data.get("pathway", {})
    if not isinstance(pathway, dict):
        ctx.add(
            "pathway",
            "pathway must be a table ([pathway] with parts = [...] or unsupported = '...')",
        )
        pathway = {}
    c = Compound(
        name=name,
        synonyms=list(syn),
        drug_class=dclass,
        pathway_mechanism=mech,
        modality=modality,
        pathway=dict(pathway),
        identity=_value_map(data.get("identity"), "identity", ctx),
        development=_value_map(data.get("development"), "development", ctx),
        adme=_value_map(data.get("adme"), "adme", ctx),
        targets=[
            parse_target(t, f"targets[{i}]", ctx)
            for i, t in enumerate(_list_of_tables(data.get("targets"), "targets", ctx))
        ],
        schedules=[
            parse_schedule(t, f"schedules[{i}]", ctx)
            for i, t in enumerate(_list_of_tables(data.get("schedules"), "schedules", ctx))
        ],
        gaps=list(gaps),
        notes=[str(n) for n in data.get("notes", [])],
        file=file,
    )
    for i, t in enumerate(_list_of_tables(data.get("potency"), "potency", ctx)):
        p = parse_potency(t, f"potency[{i}]", ctx)
        if p is not None:
            c.potency.append(p)
    for i, t in enumerate(_list_of_tables(data.get("binding"), "binding", ctx)):
        b = parse_binding(t, f"binding[{i}]", ctx)
        if b is not None:
            c.binding.append(b)
    for i, t in enumerate(_list_of_tables(data.get("pk"), "pk", ctx)):
        s = parse_pkset(t, f"pk[{i}]", ctx)
        if s is not None:
            c.pk.append(s)
    target_names = {t.name.lower() for t in c.targets}
    for i, p in enumerate(c.potency):
        if p.target.lower() not in target_names:
            ctx.add(f"potency[{i}].target", f"target {p.target!r} is not listed in [[targets]]")
    if not c.targets:
        ctx.add("targets", "no [[targets]]", "name at least the primary target")
    return c, ctx.problems
