"""Study arms and the drug models behind them (PK model, binding, MW, pathway potency).

An :class:`Arm` is a name and zero (vehicle) or more :class:`Treatment` (compound +
regimen); two treatments make a combination arm, whose occupancies compose per target in
the network. :func:`drug_model` assembles what the chain needs for one compound and
species: a ``kinetor.pk`` model (from ``Compound.pk_params(species)`` or user-supplied
parameters), the unbound fraction, the molecular weight and the ``kinetor.pathway`` drug.

Examples
--------
>>> arm = Arm.parse("Combo=vistusertib:15 mg/kg PO QD x 21 days+everolimus:5 mg/kg PO QD x 21 days")
>>> arm.name, [t.compound for t in arm.treatments]
('Combo', ['vistusertib', 'everolimus'])
>>> Arm.parse("Vehicle=vehicle").is_vehicle
True
>>> dm = drug_model("vistusertib", "mouse")
>>> type(dm.model).__name__, dm.fu, round(dm.mw, 3), dm.drug.mechanism
('OneCompartment', 0.05, 462.554, 'mtor_kinase')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kinetor.errors import KinetorError, ModelError

__all__ = ["Arm", "DrugModel", "Treatment", "drug_model"]

_VEHICLE = {"vehicle", "control", "none", "placebo"}
_PK_KEYS = {
    "model",
    "cl",
    "v",
    "v1",
    "q",
    "v2",
    "q2",
    "q3",
    "v3",
    "ka",
    "f",
    "tlag",
    "fu",
    "mw",
    "source",
    "status",
    "invivo_shift",  # a published in vivo potency shift, multiplied into fu (validate)
}


@dataclass(frozen=True, eq=False)
class Treatment:
    """One compound given on one regimen (``kinetor.pk.Regimen`` or its text; ``text``
    keeps the words as written for labels)."""

    compound: str
    regimen: Any
    text: str = ""

    def __post_init__(self) -> None:
        from kinetor.pk import Regimen

        if isinstance(self.regimen, str):
            object.__setattr__(self, "text", self.text or self.regimen.strip())
            object.__setattr__(self, "regimen", Regimen.parse(self.regimen))
        elif not isinstance(self.regimen, Regimen):
            raise ModelError(
                f"{self.compound}: regimen must be a Regimen or its text, got {self.regimen!r}"
            )
        if self.regimen.needs_bsa:  # a virtual study has body weights, no surface area
            raise ModelError(
                f"{self.compound}: per-m2 doses are not supported in a virtual "
                "study (no body surface area): write the dose in mg/kg or mg"
            )


@dataclass(frozen=True, eq=False)
class Arm:
    """A study arm: a name and its treatments (none = vehicle).

    Parameters
    ----------
    name : str
    treatments : sequence of Treatment
    """

    name: str
    treatments: tuple[Treatment, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if not str(self.name).strip():
            raise ModelError("an arm needs a name")
        object.__setattr__(self, "treatments", tuple(self.treatments))
        names = [t.compound.lower() for t in self.treatments]
        if len(set(names)) != len(names):
            raise ModelError(f"arm {self.name!r} names a compound twice: {names}")

    @property
    def is_vehicle(self) -> bool:
        return not self.treatments

    @property
    def compounds(self) -> list[str]:
        return [t.compound for t in self.treatments]

    def describe(self) -> str:
        """``vehicle`` or ``compound: regimen + ...``."""
        if self.is_vehicle:
            return "vehicle"
        return " + ".join(f"{t.compound}: {t.text or t.regimen}" for t in self.treatments)

    @classmethod
    def parse(cls, text: str) -> Arm:
        """Read ``NAME=COMPOUND:REGIMEN[+COMPOUND:REGIMEN]`` or ``NAME=vehicle``."""
        name, sep, body = str(text).partition("=")
        if not sep or not name.strip() or not body.strip():
            raise ModelError(
                f"cannot read arm {text!r}: write NAME=COMPOUND:REGIMEN, e.g. "
                "'Low=vistusertib:7.5 mg/kg PO QD x 21 days', or NAME=vehicle"
            )
        if body.strip().lower() in _VEHICLE:
            return cls(name.strip())
        treatments = []
        for part in body.split("+"):
            comp, sep2, reg = part.partition(":")
            if not sep2 or not comp.strip() or not reg.strip():
                raise ModelError(
                    f"cannot read {part.strip()!r} in arm {text!r}: write "
                    "COMPOUND:REGIMEN (combinations joined by '+')"
                )
            treatments.append(Treatment(comp.strip(), reg.strip()))
        return cls(name.strip(), tuple(treatments))

    @classmethod
    def coerce(cls, spec: Arm | str | Mapping[str, Any]) -> Arm:
        """An arm from an ``Arm``, its text, or a dict (``name`` with ``compound`` and
        ``regimen``, or ``treatments=[{compound, regimen}, ...]``, or neither = vehicle)."""
        if isinstance(spec, Arm):
            return spec
        if isinstance(spec, str):
            return cls.parse(spec)
        if isinstance(spec, Mapping):
            d = dict(spec)
            name = d.get("name")
            if name is None:
                raise ModelError(f"arm {d!r} needs a 'name'")
            _known_keys(d, _ARM_KEYS, f"arm {name!r}")
            items = d.get("treatments") or []
            if isinstance(items, str | Mapping) or not isinstance(items, Sequence):
                raise ModelError(
                    f"arm {name!r}: treatments must be a list of "
                    f"{{'compound': ..., 'regimen': ...}}, got {items!r}"
                )
            items = list(items)
            if d.get("compound") is not None and str(d["compound"]).lower() not in _VEHICLE:
                if d.get("regimen") is None:
                    raise ModelError(f"arm {name!r}: compound without a regimen")
                items.insert(0, {"compound": d["compound"], "regimen": d["regimen"]})
            elif d.get("regimen") is not None:
                raise ModelError(
                    f"arm {name!r}: a regimen without a compound; add 'compound' "
                    "(or leave both out for a vehicle arm)"
                )
            return cls(str(name), tuple(_treatment(t, name) for t in items))
        raise ModelError(f"cannot read arm {spec!r}")


_ARM_KEYS = ("name", "compound", "regimen", "treatments")
_TREATMENT_KEYS = ("compound", "regimen")


def _known_keys(d: Mapping[str, Any], allowed: tuple[str, ...], what: str) -> None:
    """A ModelError naming any key of ``d`` not in ``allowed`` (a misspelt key would
    otherwise be dropped, e.g. turn a treated arm into a vehicle arm)."""
    unknown = [k for k in d if k not in allowed]
    if unknown:
        import difflib

        hints = [
            f"{k!r} (did you mean {close[0]!r}?)" if close else repr(k)
            for k in unknown
            for close in [difflib.get_close_matches(str(k), allowed, n=1)]
        ]
        raise ModelError(f"{what}: unknown key(s) {', '.join(hints)}; use {', '.join(allowed)}")


def _treatment(t: Any, arm: Any) -> Treatment:
    if isinstance(t, Treatment):
        return t
    if not isinstance(t, Mapping):
        raise ModelError(
            f"arm {arm!r}: a treatment must be {{'compound': ..., 'regimen': ...}}, got {t!r}"
        )
    _known_keys(t, _TREATMENT_KEYS, f"arm {arm!r} treatment")
    missing = [k for k in _TREATMENT_KEYS if t.get(k) is None]
    if missing:
        raise ModelError(f"arm {arm!r}: treatment {dict(t)!r} lacks {', '.join(missing)}")
    return Treatment(str(t["compound"]), t["regimen"])


@dataclass(frozen=True, eq=False)
class DrugModel:
    """What the chain needs for one compound in one species."""

    compound: str
    model: Any
    fu: float
    mw: float
    drug: Any
    pk_source: str = ""
    pk_status: str = ""
    fu_source: str = ""

    @property
    def free_factor(self) -> float:
        """nM of unbound drug per ng/mL of total plasma drug: ``fu x 1000 / MW``."""
        from kinetor.units import convert

        return self.fu * float(convert(1.0, "ng/mL", "nM", mw=self.mw))


def _library_compound(name: str):
    from kinetor import compounds

    try:
        return compounds.get(name)
    except (KinetorError, KeyError, LookupError):
        return None


def _model_from_params(name: str, params: Mapping[str, Any]):
    """Build a ``kinetor.pk`` model from ``{"model": "1cmt", "cl": ..., ...}``."""
    from kinetor.pk import model_class

    unknown = sorted(set(params) - _PK_KEYS)
    if unknown:
        raise ModelError(f"{name}: unknown PK parameter(s) {unknown}: use {sorted(_PK_KEYS)}")
    kind = str(params.get("model", "2cmt" if "v1" in params else "1cmt"))
    structural = {
        k: v
        for k, v in params.items()
        if k not in ("model", "fu", "mw", "source", "status", "invivo_shift")
    }
    cls = model_class(kind)
    needed = [*cls.names, *(["ka"] if cls.requires_ka else [])]
    missing = [k for k in needed if structural.get(k) is None]
    if missing:
        raise ModelError(
            f"{name}: user PK parameters replace the library's whole set, so model {kind!r} "
            f"needs all of {', '.join(needed)} (optional: ka for oral doses, f, tlag; fu and "
            f"mw come from the library when not given); missing: {', '.join(missing)}. "
            "On the command line: --pk-param "
            + " --pk-param ".join(f"{name.lower()}.{k}=..." for k in needed)
        )
    return cls(**structural)


def _fu_problem(fu: Any) -> str | None:
    """Why ``fu`` is not an unbound fraction in (0, 1], or None."""
    try:
        ok = 0.0 < float(fu) <= 1.0
    except (TypeError, ValueError):
        ok = False
    return None if ok else f"fu = {fu!r} must be a fraction unbound in (0, 1] (e.g. 0.05)"


def _user_model(name: str, pk: Mapping[str, Any]):
    """The model of user PK parameters; one error naming every problem (the set and fu)."""
    problems = [] if pk.get("fu") is None else [_fu_problem(pk["fu"])]
    model = None
    try:
        model = _model_from_params(name, pk)
    except ModelError as exc:
        problems.append(str(exc).removeprefix(f"{name}: "))
    problems = [p for p in problems if p]
    if problems:
        raise ModelError(f"{name}: " + "; ".join(problems))
    return model


def _library_pk(comp, species: str):
    """``Compound.pk_params`` as model keyword arguments with their units."""
    p = comp.pk_params(species)
    units = p.get("units", {})
    kw = {}
    for k in ("cl", "v", "v1", "q", "v2", "ka", "tlag", "f"):
        if p.get(k) is None:
            continue
        u = units.get(k, "")
        kw[k] = float(p[k]) if u in ("", "fraction") else f"{p[k]!r} {u}"
    return p, kw


def drug_model(
    compound: str, species: str, pk: Mapping[str, Any] | None = None, drug: Any = None
) -> DrugModel:
    """Assemble the PK model, fu, MW and pathway drug of ``compound`` in ``species``.

    Parameters
    ----------
    compound : str
        A compound of ``kinetor.compounds`` (name or synonym), or any name when both
        ``pk`` (with ``fu`` and ``mw``) and ``drug`` are given.
    species : str
        ``mouse``, ``rat``, ``human``...
    pk : dict, optional
        User PK parameters replacing the library set: ``model`` (``1cmt``/``2cmt``/...),
        ``cl``, ``v`` (or ``v1``, ``q``, ``v2``), ``ka``, ``f``, ``tlag`` (strings with
        units, or floats in h/L/mg), ``fu`` (fraction unbound), ``mw`` (g/mol).
    drug : Drug or dict, optional
        The pathway drug (``kinetor.pathway.drugs.Drug`` or a dict that ``resolve_drug`` takes);
        default: ``kinetor.pathway.resolve_drug(compound)``, the network's own resolution
        (the library's cellular target-engagement potency where one is published, else the
        cell-free IC50 extrapolated through the target kinase's ATP Km; docs/pathway.md).

    Raises
    ------
    ModelError
        No PK set for the species (the message names the gap and how to supply one), no
        unbound fraction, no molecular weight, or no pathway potency.
    """
    from kinetor.pathway.drugs import resolve_drug

    comp = _library_compound(compound)
    name = comp.name if comp is not None else str(compound)
    if pk is not None:
        pk = dict(pk)
        model = _user_model(name, pk)
        src, status = str(pk.get("source", "user-supplied")), str(pk.get("status", "user"))
        fu = pk.get("fu")
        fu_src = "user-supplied"
        if fu is None and comp is not None:
            fv = comp.fu(species)
            fu, fu_src = (fv.value, f"{fv.source} [{fv.status}]") if fv is not None else (None, "")
        mw = pk.get("mw", comp.mw if comp is not None else None)
    else:
        if comp is None:
            raise ModelError(
                f"unknown compound {compound!r} and no PK parameters given: "
                "pass pk={'model': '1cmt', 'cl': ..., 'v': ..., 'ka': ..., "
                "'f': ..., 'fu': ..., 'mw': ...}"
            )
        try:
            p, kw = _library_pk(comp, species)
        except ModelError as exc:
            raise ModelError(
                f"{name}: no {species} PK parameter set in the compound library, so the "
                f"{species} exposure cannot be simulated. Supply one: pk={{'{name}': "
                "{'model': '1cmt', 'cl': '... L/h', 'v': '... L', 'ka': '... 1/h', 'f': ..., "
                f"'fu': ...}}}} (library says: {exc})"
            ) from exc
        model = _model_from_params(name, {"model": p["model"], **kw})
        src, status = str(p.get("source", "")), str(p.get("status", ""))
        fu, fu_src, mw = p.get("fu"), str(p.get("fu_source", "")), p.get("mw")
    if fu is None:
        raise ModelError(
            f"{name}: no unbound fraction for {species} (free drug = fu x total); "
            f"give it: --pk-param {name.lower()}.fu=0.05 on the command line, "
            "pk={..., 'fu': 0.05} in Python"
        )
    if mw is None:
        raise ModelError(
            f"{name}: no molecular weight (needed for nM): give it: --pk-param "
            f"{name.lower()}.mw=... (g/mol) on the command line, pk={{..., 'mw': ...}} in Python"
        )
    shift = float((pk or {}).get("invivo_shift", 1.0))
    if shift != 1.0:  # a published in vivo potency shift scales the unbound exposure
        fu, fu_src = float(fu) * shift, f"{fu_src}; x in vivo potency shift {shift:.3g}"
    if drug is None:
        if comp is None:
            raise ModelError(
                f"{name}: not in the compound library: pass drug=Drug(name, "
                "mechanism, ic50_nM) or a dict"
            )
        drug = resolve_drug(comp.name)  # the network's own choice and potency basis
    return DrugModel(
        compound=name,
        model=model,
        fu=float(fu),
        mw=float(mw),
        drug=resolve_drug(drug),
        pk_source=src,
        pk_status=status,
        fu_source=fu_src,
    )


def arm_list(arms: Sequence[Arm | str | Mapping[str, Any]]) -> list[Arm]:
    """Coerce arms and check that names are unique."""
    out = [Arm.coerce(a) for a in arms]
    names = [a.name for a in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise ModelError(f"arm names must be unique: {dup} repeated")
    if not out:
        raise ModelError("a study needs at least one arm")
    return out
