"""Drugs by mechanism: the mapping of a compound onto the network.

A drug is described by what it does: a mechanism from :data:`MECHANISMS` (one drug "slot"
of ``mtor.ant``), a potency and a Hill coefficient. From the free concentration :math:`C`
the network computes the occupancy of the target

.. math::

    \\theta = \\frac{C^h}{C^h + K^h}

with :math:`K` the potency *in cells*. The compound library (``kinetor.compounds``) is
the only source of named drugs. Its potency is taken, in this order:

1. a **cellular** target-engagement potency on the compound's primary target (cell line,
   serum, readout and time in the library record; proliferation/viability readouts do
   not count): used as given (``basis = "cellular"``);
2. otherwise a **cell-free** IC50 (enzyme assay or unspecified ChEMBL row), converted to
   cells by Cheng-Prusoff with the target kinase's ATP :math:`K_m` (:data:`ATP_KM_UM`) and
   the cellular ATP concentration (:data:`ATP_CELL_UM`), the assay assumed run at
   :math:`[ATP] = K_m` (``basis = "extrapolated"``):

   .. math::

       K_{cell} = IC_{50} \\, \\frac{1 + [ATP]_{cell}/K_m}{1 + [ATP]_{assay}/K_m}
                = IC_{50} \\, \\frac{1 + [ATP]_{cell}/K_m}{2}

   Mechanisms that do not compete with ATP (rapalogs, antibodies, allosteric and
   endocrine drugs) keep the cell-free value, rapalogs times the calibrated
   ``rapalog_shift`` (FKBP12 accumulation).

A compound whose table ``[pathway]`` lists ``parts`` acts through several slots (a
wortmannin-rapamycin conjugate releases a rapamycin ester and a 17-hydroxywortmannin
analogue); ``unsupported = "reason"`` states why a compound cannot be simulated.

Examples
--------
>>> d = Drug("my TORKi", "mtor_kinase", ic50_nM=2.0)
>>> round(d.cellular_k()[0], 1)        # 2 nM x (1 + 3152/50)/2
64.0
>>> Drug("x", "mek", ic50_nM=1.0).cellular_k()
(1.0, 1.0)
>>> resolve_drug("everolimus").mechanism
'rapalog'
>>> resolve_drug({"name": "x", "mechanism": "mek", "ic50_nM": 1.0}).hill
1.0
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import Any

from kinetor.errors import KinetorError, ModelError
from kinetor.pathway._drug_spec import (
    ATP_CELL_UM,
    ATP_COMPETITIVE,
    ATP_KM_UM,
    MECHANISMS,
    Drug,
    _from_mapping,
    atp_factor,
)
from kinetor.pathway._potency_choice import cell_free_record, engagement_record

__all__ = [
    "ATP_CELL_UM",
    "ATP_COMPETITIVE",
    "ATP_KM_UM",
    "MECHANISMS",
    "Drug",
    "atp_factor",
    "drug_from_compound",
    "resolve_drug",
]


def _nM(comp, rec) -> float:
    lo, hi = rec.value.to("nM", mw=comp.mw)
    return float(lo if lo == hi else (lo * hi) ** 0.5)


def _at_km(comp, rec) -> float:
    """A cell-free record as the IC50 at [ATP] = Km that the ATP model starts from: an IC50
    as given; a Ki or Kd of an ATP-competitive inhibitor doubled (Cheng-Prusoff, IC50 =
    Ki (1 + [ATP]/Km) = 2 Ki at [ATP] = Km), so the cellular value is Ki (1 + [ATP]cell/Km)."""
    return _nM(comp, rec) * (2.0 if rec.measure in ("Ki", "Kd") else 1.0)


def _describe(rec, basis: str) -> str:
    where = "; ".join(
        x
        for x in (
            rec.cell_line and f"cell line {rec.cell_line}",
            rec.serum and f"serum {rec.serum}",
            rec.readout and f"readout {rec.readout}",
            rec.time and f"time {rec.time}",
        )
        if x
    )
    return (
        f"{rec.value.source} [{basis}; {rec.value.status}; {rec.measure} {rec.target}"
        f"{'; ' + where if where else ''}]"
    )


def _part(
    comp,
    mechanism: str,
    target: str | None = None,
    readout: str | None = None,
    name: str | None = None,
) -> Drug:
    """One slot of ``comp``: its mechanism with the potency chosen by the module rules."""
    label = name or comp.name
    if mechanism == "dual_pi3k_mtor" and target is None:
        dual = _dual_cellular(comp, label)
        if dual is not None:
            return dual
    rec = engagement_record(comp, mechanism, target)
    if rec is not None:
        return _from_record(comp, mechanism, rec, label)
    if mechanism == "dual_pi3k_mtor":
        pi3k = cell_free_record(comp, None, "pi3k")
        mtor = cell_free_record(comp, None, "mtor")
        if pi3k is None or mtor is None:
            raise ModelError(
                f"{comp.name}: a dual PI3K/mTOR drug needs a PI3K and an mTOR "
                "potency; the library has "
                f"{sorted({p.target for p in comp.potency}) or 'none'}"
            )
        return Drug(
            label,
            mechanism,
            _at_km(comp, pi3k),
            ic50_mtor_nM=_at_km(comp, mtor),
            source=_describe(pi3k, "extrapolated") + "; " + _describe(mtor, "extrapolated"),
            status=_weakest(pi3k.value.status, mtor.value.status),
            extra={"mw": comp.mw} if comp.mw else {},
        )
    rec = cell_free_record(comp, target, readout)
    if rec is None:
        have = sorted({f"{p.target}: {p.assay} {p.readout}".strip() for p in comp.potency})
        raise ModelError(
            f"{comp.name} cannot be simulated: no cellular or cell-free potency "
            f"on its target for the {mechanism!r} slot; the library has "
            f"{have or 'no potency'}; gaps: {'; '.join(comp.gaps) or 'none listed'}"
        )
    return _from_record(comp, mechanism, rec, label)


def _from_record(comp, mechanism: str, rec, label: str) -> Drug:
    """The drug of one potency record on the basis it has: a cellular record as given, a
    cell-free one (enzyme, unspecified) through the ATP model when the mechanism competes
    with ATP."""
    common = {
        "hill": rec.hill or 1.0,
        "status": rec.value.status,
        "extra": {"mw": comp.mw} if comp.mw else {},
    }
    if rec.assay == "cellular":
        return Drug(
            label,
            mechanism,
            _nM(comp, rec),
            potency="cellular",
            source=_describe(rec, "cellular"),
            **common,
        )
    atp = comp.modality == "small_molecule" and mechanism in ATP_COMPETITIVE
    return Drug(
        label,
        mechanism,
        _at_km(comp, rec) if atp else _nM(comp, rec),
        potency="biochemical",
        atp_competitive=None if comp.modality == "small_molecule" else False,
        source=_describe(rec, "extrapolated"),
        **common,
    )


def _dual_cellular(comp, label: str) -> Drug | None:
    """A dual PI3K/mTOR drug with a cellular potency on at least one of its two kinases.

    Each kinase takes its own cellular record (PI3K: p-AKT; mTOR: p-S6K1/p-4E-BP1/p-S6);
    a kinase without one takes its cell-free IC50 through the ATP model, and the drug says
    which. None when neither kinase has a cellular record.
    """
    primary = [t.name for t in comp.targets if t.role == "primary"]
    pi3k_t = [t for t in primary if t.lower().startswith("pi3k")]
    mtor_t = [t for t in primary if t.lower() == "mtor"]
    cells = {
        "PI3K": next((r for t in pi3k_t if (r := engagement_record(comp, "pi3k_dual", t))), None),
        "MTOR": next((r for t in mtor_t if (r := engagement_record(comp, "mtor_dual", t))), None),
    }
    if cells["PI3K"] is None and cells["MTOR"] is None:
        return None
    ks, parts, statuses = {}, [], []
    for kin, key in (("PI3K", "pi3k"), ("MTOR", "mtor")):
        rec = cells[kin]
        if rec is not None:
            ks[kin] = _nM(comp, rec)
            parts.append(_describe(rec, "cellular"))
        else:
            rec = cell_free_record(comp, None, key)
            if rec is None:
                raise ModelError(
                    f"{comp.name}: a dual PI3K/mTOR drug needs a PI3K and an mTOR potency; "
                    f"no {kin} potency, cellular or cell-free, in the library, which has "
                    f"{sorted({p.target for p in comp.potency})}"
                )
            ks[kin] = _at_km(comp, rec) * atp_factor(kin)
            parts.append(_describe(rec, "extrapolated"))
        statuses.append(rec.value.status)
    return Drug(
        label,
        "dual_pi3k_mtor",
        ks["PI3K"],
        ic50_mtor_nM=ks["MTOR"],
        potency="cellular",
        source="; ".join(parts),
        status=_weakest(*statuses),
        extra={"mw": comp.mw} if comp.mw else {},
    )


def _weakest(*statuses: str) -> str:
    from kinetor.compounds._vocab import STATUS_RANK

    return max(statuses, key=lambda s: STATUS_RANK.get(s, 9))


def drug_from_compound(comp, readout: str | None = None, assay: str | None = None) -> Drug:
    """The network drug of a library compound (rules in the module docstring).

    ``readout`` / ``assay`` choose another potency record of the compound's primary target
    instead (``Compound.potency_record``: ``readout`` matches a substring of the record's
    readout, assay or cell line; ``assay`` is ``cellular``, ``enzyme`` or
    ``unspecified``); the drug then takes that record on the basis it has: a cellular one
    as given, a cell-free one through the ATP model (a dual PI3K/mTOR drug gets it for
    both kinases).

    Raises
    ------
    ModelError
        If the compound has no node in the network or no usable potency, or no record
        matches ``readout``/``assay``; the message says exactly why.
    """
    spec = comp.pathway or {}
    if spec.get("unsupported"):
        raise ModelError(
            f"{comp.name} cannot be simulated by the pathway network: {spec['unsupported']}"
        )
    if readout is not None or assay is not None:
        return _chosen(comp, readout, assay)
    parts = spec.get("parts")
    if parts:
        from kinetor.compounds import get

        drugs = []
        for i, part in enumerate(parts):
            mech = part.get("mechanism")
            if mech not in MECHANISMS:
                raise ModelError(
                    f"{comp.name}: [pathway] parts[{i}] mechanism {mech!r} is "
                    f"not one of {', '.join(MECHANISMS)}"
                )
            src = get(part["from"]) if part.get("from") else comp
            d = _part(
                src,
                mech,
                part.get("target"),
                part.get("readout"),
                name=f"{comp.name}:{part.get('releases', src.name)}",
            )
            # the conjugate's own molecular weight, never a released part's: a mass
            # concentration of the conjugate is not one of rapamycin (docs/pathway.md, s. 6)
            extra = {k: v for k, v in d.extra.items() if k != "mw"}
            drugs.append(replace(d, extra={**extra, **({"mw": comp.mw} if comp.mw else {})}))
        head = replace(drugs[0], name=comp.name, parts=tuple(drugs[1:]))
        return head
    if comp.pathway_mechanism is None:
        raise ModelError(
            f"{comp.name} ({comp.drug_class}) has no node in the pathway network "
            "(no pathway mechanism in the compound library)"
        )
    return _part(comp, comp.pathway_mechanism, spec.get("target"), spec.get("readout"))


def _chosen(comp, readout: str | None, assay: str | None) -> Drug:
    """The drug of ``comp`` on the potency record the user chose."""
    if comp.pathway_mechanism is None or (comp.pathway or {}).get("parts"):
        raise ModelError(
            f"{comp.name}: readout=/assay= choose one potency record for one network slot; "
            + (
                "the compound has no node in the network"
                if comp.pathway_mechanism is None
                else "this compound acts through several slots ([pathway] parts)"
            )
        )
    rec = comp.potency_record(readout, assay)
    if rec.assay not in ("cellular", "enzyme", "unspecified"):
        raise ModelError(
            f"{comp.name}: the chosen record is an {rec.assay} potency ({rec.readout or rec.measure}"
            "), not a cellular or cell-free constant the network can take; choose another "
            "with readout=/assay="
        )
    return _from_record(comp, comp.pathway_mechanism, rec, comp.name)


def resolve_drug(spec: Drug | Mapping[str, Any] | str) -> Drug:
    """Turn a :class:`Drug`, a dict or a library name into a :class:`Drug`.

    A dict needs ``name``, ``mechanism`` and ``ic50_nM``; its potency is cell-free
    (``potency="biochemical"``, converted by the ATP model) unless it says
    ``potency="cellular"``. A library compound with a chosen record:
    :func:`drug_from_compound` with ``readout=``/``assay=``.

    Raises
    ------
    ModelError
        Unknown name, a compound the network cannot simulate (the reason is given), or an
        invalid specification.
    """
    if isinstance(spec, Drug):
        return spec
    if isinstance(spec, Mapping):
        return _from_mapping(spec)
    if not isinstance(spec, str):
        raise ModelError(f"cannot read drug {spec!r}: give a name, a Drug or a dict")
    return _resolve_name(spec)


@lru_cache(maxsize=256)
def _resolve_name(spec: str) -> Drug:
    from kinetor import compounds

    try:
        comp = compounds.get(spec)
    except (KeyError, LookupError, KinetorError) as exc:
        names = ", ".join(c.name for c in compounds.load_library())
        raise ModelError(
            f"unknown drug {spec!r}: not in the compound library ({names}); "
            "add it there or pass Drug(name, mechanism, ic50_nM)"
        ) from exc
    return drug_from_compound(comp)
