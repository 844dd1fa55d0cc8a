"""One compound of the library and its conversions to model inputs.

A :class:`Compound` is built from one TOML file (``compounds/data/<name>.toml``) by
:func:`parse_compound`. Two conversions feed the rest of kinetor:

- :meth:`Compound.potency_record` finds a potency record of a primary target by readout or
  assay (the pathway network chooses its own record and converts it:
  ``kinetor.pathway.drug_from_compound``, which takes ``readout=``/``assay=`` as well).
- :meth:`Compound.pk_params` gives a PK model parameter set for a species, in kinetor's
  base units (h, L, mg, kg), with F, fu and MW.

Examples
--------
>>> import kinetor as kt
>>> r = kt.compounds.get("AZD2014").potency_record(readout="enzyme")
>>> r.target, r.assay, r.value.to("nM")
('mTOR', 'enzyme', (2.8, 2.8))
>>> p = kt.compounds.get("vistusertib").pk_params("mouse")
>>> p["model"], p["per_kg"], p["status"]
('1cmt', True, 'assumption')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kinetor.compounds import _vocab as V
from kinetor.compounds.reading import parse_compound
from kinetor.compounds.schema import Binding, PKSet, Potency, Schedule, Target, Value
from kinetor.errors import ModelError, UnitError

__all__ = ["Compound", "parse_compound"]

_BASE_UNITS = {
    "flow": ("L/h", "L/h/kg"),
    "volume": ("L", "L/kg"),
    "rate": ("1/h", "1/h"),
    "time": ("h", "h"),
    "fraction": ("1", "1"),
}


@dataclass
class Compound:
    """A compound of the library: names, class, targets, potencies, binding, PK, schedules.

    Every number is a :class:`~kinetor.compounds.schema.Value` carrying its source and
    status; ``gaps`` says in words what the sources available do not give.
    """

    name: str
    synonyms: list[str]
    drug_class: str
    pathway_mechanism: str | None
    modality: str = "small_molecule"
    identity: dict[str, Value] = field(default_factory=dict)
    development: dict[str, Value] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    potency: list[Potency] = field(default_factory=list)
    binding: list[Binding] = field(default_factory=list)
    pk: list[PKSet] = field(default_factory=list)
    schedules: list[Schedule] = field(default_factory=list)
    adme: dict[str, Value] = field(default_factory=dict)
    gaps: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    file: str = ""
    #: How the pathway network takes the compound (``[pathway]`` table: ``parts`` or
    #: ``unsupported``); read and checked by ``kinetor.pathway.drugs``.
    pathway: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"Compound({self.name!r}, class={self.drug_class!r}, synonyms={self.synonyms!r})"

    @property
    def mw(self) -> float | None:
        """Molecular weight in g/mol (``None`` where the library has none)."""
        v = self.identity.get("mw")
        return None if v is None else v.central

    @property
    def names(self) -> list[str]:
        return [self.name, *self.synonyms]

    def fu(self, species: str) -> Value | None:
        """Unbound fraction in plasma for a species (best-evidence entry), or ``None``."""
        sp = V.normalise_species(species)
        rows = [b for b in self.binding if b.species == sp and b.matrix == "plasma"]
        rows.sort(key=lambda b: V.STATUS_RANK.get(b.fu.status, 9))
        return rows[0].fu if rows else None

    # -- pathway -------------------------------------------------------------------
    def potency_record(self, readout: str | None = None, assay: str | None = None) -> Potency:
        """A potency record of a primary target (rules in docs/compounds.md).

        A lookup, not the network's choice: ``kinetor.pathway.drug_from_compound`` picks
        its own record (cellular target engagement on the most proximal readout, else a
        cell-free value through the ATP model) and takes this one only when asked with
        ``readout=``/``assay=``. Only primary targets count. ``readout`` matches a substring of the entry's readout,
        assay type or cell line (case, spaces and punctuation ignored); ``assay`` restricts
        the assay type. Among the candidates: cellular before enzyme before unspecified
        before in-vivo, then better status, then file order.
        """
        primary = {t.name.lower() for t in self.targets if t.role == "primary"}
        cands = [
            p
            for p in self.potency
            if p.target.lower() in primary
            and p.value.is_numeric
            and p.measure in ("IC50", "Ki", "Kd", "EC50")
        ]
        if assay is not None:
            cands = [p for p in cands if p.assay == assay]
        if readout is not None:
            key = V.name_key(readout)
            cands = [p for p in cands if key in V.name_key(f"{p.readout} {p.assay} {p.cell_line}")]
        if not cands:
            have = sorted({f"{p.target}: {p.assay} {p.readout}".strip() for p in self.potency})
            raise ModelError(
                f"{self.name}: no potency on a primary target matches readout={readout!r}, "
                f"assay={assay!r}; the library has: {have or 'none (see gaps)'}"
            )
        order = {id(p): i for i, p in enumerate(self.potency)}
        cands.sort(
            key=lambda p: (
                V.ASSAY_PREFERENCE[p.assay],
                V.STATUS_RANK.get(p.value.status, 9),
                order[id(p)],
            )
        )
        return cands[0]

    # -- PK ------------------------------------------------------------------------
    def pk_sets(
        self, species: str | None = None, route: str | None = None, kind: str | None = None
    ) -> list[PKSet]:
        """PK sets filtered by species, route (``'extravascular'`` matches oral/sc/ip/im)
        and kind (``'nca'``/``'model'``)."""
        out = self.pk
        if species is not None:
            sp = V.normalise_species(species)
            out = [s for s in out if s.species == sp]
        if route is not None:
            r = V.normalise_route(route)
            if r == "extravascular":
                out = [s for s in out if s.route in V.EXTRAVASCULAR]
            elif r == "iv":
                out = [s for s in out if s.route.startswith("iv")]
            else:
                out = [s for s in out if s.route == r]
        if kind is not None:
            out = [s for s in out if s.kind == kind]
        return out

    def pk_params(self, species: str, route: str | None = None) -> dict[str, Any]:
        """A PK model parameter set in base units (h, L, mg, kg), as a plain dict.

        Keys: ``compound, species, route, route_class, model`` (``'1cmt'``/``'2cmt'``),
        ``per_kg`` (True when CL and V are per kg body weight), the parameters (``cl``,
        ``v`` or ``v1``/``q``/``v2``, ``ka``, ``tlag`` where given), ``f`` (fraction),
        ``fu`` (plasma, same species; ``None`` with ``fu_note`` when absent), ``mw``
        (g/mol), ``units``, ``source``, ``status`` (the weakest status of the set's
        values), ``derivation``.

        Raises
        ------
        ModelError
            If the library has no model set for that species and route.
        UnitError
            If a parameter's unit does not convert to the base unit.
        """
        sets = self.pk_sets(species, route, kind="model")
        if not sets:
            have = sorted({f"{s.species}/{s.route}" for s in self.pk if s.kind == "model"})
            raise ModelError(
                f"{self.name}: no PK model set for species={species!r}, "
                f"route={route!r}; model sets available: {have or 'none'}; "
                f"gaps: {'; '.join(self.gaps) or 'none listed'}"
            )
        sets.sort(key=lambda s: V.STATUS_RANK.get(s.status, 9))
        s = sets[0]
        try:
            per_kg = _per_kg(s)
        except UnitError as exc:  # name the library file to edit
            raise UnitError(f"{self.file or self.name}: {exc}") from None
        out: dict[str, Any] = {
            "compound": self.name,
            "species": s.species,
            "route": s.route,
            "route_class": V.route_class(s.route),
            "model": s.model,
            "per_kg": per_kg,
        }
        units: dict[str, str] = {}
        for name, val in s.parameters.items():
            fam = V.PK_PARAMETERS.get(name)
            if fam not in _BASE_UNITS:
                continue
            unit = _BASE_UNITS[fam][1 if per_kg else 0]
            if name == "f":
                from kinetor.units import convert

                out["f"] = float(convert(val.central, val.unit or "1", "1"))
                units["f"] = "fraction"
                continue
            conv = val.to(unit)
            if conv is None:
                raise UnitError(f"{self.name} {s.species}: {name} has no numeric value")
            out[name] = conv[0] if conv[0] == conv[1] else (conv[0] * conv[1]) ** 0.5
            units[name] = unit
        fu = self.fu(s.species)
        out["fu"] = None if fu is None else fu.central
        if fu is None:
            out["fu_note"] = f"no plasma fu for {s.species} in the library"
        else:
            out["fu_source"] = f"{fu.source} [{fu.status}]"
        out["mw"] = self.mw
        out["units"] = units
        statuses = [v.status for v in s.parameters.values()] + [s.status]
        out["status"] = max(statuses, key=lambda x: V.STATUS_RANK.get(x, 9))
        out["source"] = s.source
        out["derivation"] = s.derivation
        return out

    # -- tables --------------------------------------------------------------------
    def values(self):
        """Every cited value of the compound as a tidy DataFrame (one row per value)."""
        import pandas as pd

        rows = []

        def add(section: str, name: str, v: Value, context: str = "") -> None:
            rows.append(
                {
                    "compound": self.name,
                    "section": section,
                    "name": name,
                    "context": context,
                    "value": v.text(),
                    "unit": v.unit or "",
                    "status": v.status,
                    "source": v.source,
                    "note": v.note or v.derivation,
                }
            )

        for k, v in {**self.identity, **self.development, **self.adme}.items():
            add(
                "identity"
                if k in self.identity
                else "development"
                if k in self.development
                else "adme",
                k,
                v,
            )
        for p in self.potency:
            add(
                "potency",
                f"{p.measure} {p.target}",
                p.value,
                ", ".join(x for x in (p.assay, p.readout, p.cell_line) if x),
            )
        for b in self.binding:
            add("binding", "fu", b.fu, f"{b.species} {b.matrix}")
        for s in self.pk:
            ctx = f"{s.species} {s.route} {s.kind}{' ' + s.model if s.model else ''}"
            if s.dose is not None:
                ctx += f" dose {s.dose.text()}"
            for k, v in s.parameters.items():
                add("pk", k, v, ctx)
        return pd.DataFrame(
            rows,
            columns=[
                "compound",
                "section",
                "name",
                "context",
                "value",
                "unit",
                "status",
                "source",
                "note",
            ],
        )


def _per_kg(s: PKSet) -> bool:
    from kinetor.units import parse_unit

    flags = set()
    for name, v in s.parameters.items():
        if V.PK_PARAMETERS.get(name) in ("flow", "volume") and v.unit:
            flags.add(parse_unit(v.unit).dimensionality.get("[mass]", 0) < 0)
    if len(flags) > 1:
        raise UnitError(
            f"PK set {s.species}/{s.route}: clearances and volumes mix per-kg "
            f"and absolute units; write them all one way"
        )
    return flags.pop() if flags else False
