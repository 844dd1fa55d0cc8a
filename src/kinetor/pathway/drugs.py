"""Drugs by mechanism: the mapping of an inhibitor onto the network.

A drug is described by what it does, not by its name: a mechanism from :data:`MECHANISMS`,
a potency (``ic50_nM``) and a Hill coefficient. From the free concentration :math:`C`
the network computes the occupancy of the target

.. math::

    \\theta = \\frac{C^h}{C^h + K^h}

with :math:`K` the potency in cells. Biochemical potencies of ATP-competitive inhibitors
are shifted to cells by the model's calibrated ``atp_shift`` (Cheng-Prusoff:
:math:`K_{cell} = K_i (1 + [ATP]/K_{m,ATP})`, one factor for all kinases, see
docs/pathway.md). What ``theta`` does to each target is in ``mtor.ant``.

Plain names are resolved through ``kinetor.compounds`` when that package is importable
(``kinetor.compounds.get(name).pathway_drug()``), otherwise through the small built-in
table :data:`REFERENCE_DRUGS` (to be superseded by the compound library).

Examples
--------
>>> d = Drug("my TORKi", "mtor_kinase", ic50_nM=2.0)
>>> d.cellular_k(atp_shift=30.0)
(60.0, 60.0)
>>> REFERENCE_DRUGS["gedatolisib"].cellular_k(atp_shift=10.0)
(4.0, 16.0)
>>> resolve_drug("everolimus").mechanism
'rapalog'
>>> resolve_drug({"name": "x", "mechanism": "mek", "ic50_nM": 1.0}).hill
1.0
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any, Literal

from kinetor.errors import KinetorError, ModelError

__all__ = ["ATP_COMPETITIVE", "MECHANISMS", "REFERENCE_DRUGS", "Drug", "resolve_drug"]

#: Mechanisms the network knows, each one drug "slot" in ``mtor.ant``.
MECHANISMS: tuple[str, ...] = (
    "rapalog", "mtor_kinase", "dual_pi3k_mtor", "pi3k_alpha", "pan_pi3k", "akt_allosteric",
    "akt_atp", "igf1r", "egfr", "her2", "mek", "braf", "ampk_activator",
)

#: Mechanisms whose small-molecule members compete with ATP (biochemical potency shifted).
ATP_COMPETITIVE: frozenset[str] = frozenset({
    "mtor_kinase", "dual_pi3k_mtor", "pi3k_alpha", "pan_pi3k", "akt_atp", "igf1r", "egfr",
    "her2", "braf",
})


@dataclass(frozen=True)
class Drug:
    """An inhibitor (or activator) described by mechanism and potency.

    Parameters
    ----------
    name : str
        Label used in outputs.
    mechanism : str
        One of :data:`MECHANISMS`.
    ic50_nM : float
        Potency (nM). For ``dual_pi3k_mtor`` the PI3K potency.
    hill : float, default 1.0
        Hill coefficient of the occupancy.
    ic50_mtor_nM : float, optional
        ``dual_pi3k_mtor`` only: the mTOR potency (defaults to ``ic50_nM``).
    potency : {"biochemical", "cellular"}, default "biochemical"
        A biochemical potency of an ATP-competitive drug is multiplied by the network's
        ``atp_shift``; a cellular one is used as given.
    atp_competitive : bool, optional
        Overrides the mechanism default (e.g. ``False`` for an anti-HER2 antibody).
    source, status : str
        Provenance of the potency (status firm / likely / unverified).
    """

    name: str
    mechanism: str
    ic50_nM: float
    hill: float = 1.0
    ic50_mtor_nM: float | None = None
    potency: Literal["biochemical", "cellular"] = "biochemical"
    atp_competitive: bool | None = None
    source: str = ""
    status: str = "unverified"
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        problems = []
        if self.mechanism not in MECHANISMS:
            problems.append(f"unknown mechanism {self.mechanism!r} (known: {', '.join(MECHANISMS)})")
        if not (float(self.ic50_nM) > 0):
            problems.append(f"ic50_nM must be > 0, got {self.ic50_nM!r}")
        if not (float(self.hill) > 0):
            problems.append(f"hill must be > 0, got {self.hill!r}")
        if self.ic50_mtor_nM is not None and not (float(self.ic50_mtor_nM) > 0):
            problems.append(f"ic50_mtor_nM must be > 0, got {self.ic50_mtor_nM!r}")
        if self.potency not in ("biochemical", "cellular"):
            problems.append(f"potency must be 'biochemical' or 'cellular', got {self.potency!r}")
        if problems:
            raise ModelError(f"drug {self.name!r}: " + "; ".join(problems))

    @property
    def is_atp_competitive(self) -> bool:
        if self.atp_competitive is not None:
            return bool(self.atp_competitive)
        return self.mechanism in ATP_COMPETITIVE

    def cellular_k(self, atp_shift: float, rapalog_shift: float = 1.0) -> tuple[float, float]:
        """Cellular potencies ``(K, K2)`` in nM; ``K2`` is the mTOR potency of a dual drug.

        A biochemical potency is multiplied by ``atp_shift`` for ATP-competitive drugs and by
        ``rapalog_shift`` for rapalogs (FKBP12-driven accumulation in cells); a cellular
        potency is used as given.
        """
        shift = 1.0
        if self.potency == "biochemical":
            if self.is_atp_competitive:
                shift = atp_shift
            elif self.mechanism == "rapalog":
                shift = rapalog_shift
        k2 = self.ic50_mtor_nM if self.ic50_mtor_nM is not None else self.ic50_nM
        return float(self.ic50_nM) * shift, float(k2) * shift

    def with_potency(self, ic50_nM: float) -> Drug:
        """A copy with another potency (for sensitivity scans)."""
        return replace(self, ic50_nM=float(ic50_nM))


def _ref(name, mechanism, ic50, source, status, **kw) -> Drug:
    return Drug(name=name, mechanism=mechanism, ic50_nM=ic50, source=source, status=status, **kw)


#: Built-in reference drugs (for tests and defaults). Superseded by ``kinetor.compounds``
#: when it is installed. Potencies as stated in science.md where it has them; others recalled
#: and marked unverified.
REFERENCE_DRUGS: dict[str, Drug] = {d.name: d for d in (
    _ref("everolimus", "rapalog", 5.0,
         "ChEMBL CHEMBL1908360 mTOR IC50 (shared/data/qsar_mtor_pi3k/"
         "mtor_CHEMBL2842_IC50_nM_raw.csv)", "firm"),
    _ref("rapamycin", "rapalog", 0.05,
         "ChEMBL CHEMBL413 mTOR IC50 (shared/data/qsar_mtor_pi3k/"
         "mtor_CHEMBL2842_IC50_nM_raw.csv)", "firm"),
    _ref("vistusertib", "mtor_kinase", 2.8,
         "Pike 2013 Bioorg Med Chem Lett 23:1212 (mTOR kinase IC50 ~2.8 nM; science.md)",
         "unverified"),
    _ref("AZD8055", "mtor_kinase", 0.8,
         "Chresta 2010 Cancer Res 70:288 (mTOR kinase IC50 0.8 nM; science.md)", "firm"),
    _ref("gedatolisib", "dual_pi3k_mtor", 0.4,
         "Mallon 2011 Clin Cancer Res 17:3193 (PI3Ka 0.4 nM, mTOR 1.6 nM; science.md)", "likely",
         ic50_mtor_nM=1.6),
    _ref("alpelisib", "pi3k_alpha", 5.0,
         "Fritsch 2014 Mol Cancer Ther 13:1117 (PI3Ka IC50 ~5 nM; science.md)", "likely"),
    _ref("capivasertib", "akt_atp", 10.0,
         "Davies 2012 Mol Cancer Ther 11:873 (AKT1-3 IC50 <= 10 nM, the bound used; "
         "science.md)", "firm"),
    _ref("MK-2206", "akt_allosteric", 8.0,
         "Hirai 2010 Mol Cancer Ther 9:1956 (AKT1 IC50 ~8 nM; recalled)", "unverified"),
    _ref("trametinib", "mek", 0.92,
         "Gilmartin 2011 Clin Cancer Res 17:989 (MEK1 IC50 ~0.9 nM; recalled)", "unverified"),
    _ref("metformin", "ampk_activator", 1.0e6,
         "in vitro AMPK activation at ~0.5-2 mM (e.g. Zhou 2001 J Clin Invest 108:1167; "
         "recalled), 1 mM used", "unverified", potency="cellular"),
)}

_ALIASES = {
    "rad001": "everolimus", "sirolimus": "rapamycin", "azd2014": "vistusertib",
    "pf-05212384": "gedatolisib", "byl719": "alpelisib", "azd5363": "capivasertib",
    "mk2206": "MK-2206", "gsk1120212": "trametinib",
}

_DICT_KEYS = {"name", "mechanism", "ic50_nM", "hill", "ic50_mtor_nM", "potency",
              "atp_competitive", "source", "status"}


def _from_mapping(spec: Mapping[str, Any]) -> Drug:
    missing = [k for k in ("name", "mechanism", "ic50_nM") if spec.get(k) is None]
    if missing:
        raise ModelError(f"drug dict {dict(spec)!r} lacks {', '.join(missing)}")
    known = {k: spec[k] for k in _DICT_KEYS if spec.get(k) is not None}
    if "ic50_mtor_nM" not in known and spec.get("ic50_secondary_nM") is not None:
        known["ic50_mtor_nM"] = spec["ic50_secondary_nM"]
    extra = {k: v for k, v in spec.items() if k not in _DICT_KEYS}
    return Drug(**known, extra=extra)


def _from_compounds(name: str) -> Drug | None:
    """The drug from ``kinetor.compounds`` (biochemical potency preferred), or None."""
    try:
        from kinetor import compounds  # written in parallel; optional at run time
    except ImportError:
        return None
    try:
        comp = compounds.get(name)
    except (KeyError, LookupError, KinetorError):
        return None
    spec, basis = None, "biochemical"
    # the network shifts biochemical potencies itself (atp_shift, rapalog_shift), so ask for
    # enzyme/unspecified assays first and fall back to the library's default choice
    for assay in ("enzyme", "unspecified", None):
        try:
            spec = comp.pathway_drug(assay=assay)
        except (KinetorError, TypeError, ValueError):
            continue
        if assay is None:
            rec = comp.potency_record()
            basis = "cellular" if getattr(rec, "assay", "") == "cellular" else "biochemical"
        break
    if spec is None:
        return None
    if isinstance(spec, Drug):
        return spec
    spec = {**spec, "potency": spec.get("potency", basis)}
    tag = re.search(r"\[(firm|likely|unverified|assumption)[;\]]", str(spec.get("source", "")))
    if tag and "status" not in spec:
        spec["status"] = tag.group(1)
    if spec.get("mechanism") == "dual_pi3k_mtor":
        spec.update(_dual_potencies(comp, spec))
    mw = getattr(comp, "mw", None)
    if mw is not None and "mw" not in spec:
        spec["mw"] = mw
    return _from_mapping(spec)


def _dual_potencies(comp: Any, spec: Mapping[str, Any]) -> dict[str, float]:
    """PI3K and mTOR potencies of a dual inhibitor from its library entries."""
    out = {}
    for key, readout in (("ic50_nM", "pi3k"), ("ic50_mtor_nM", "mtor")):
        for assay in ("enzyme", "unspecified"):
            try:
                rec = comp.potency_record(readout=readout, assay=assay)
                lo, hi = rec.value.to("nM", mw=getattr(comp, "mw", None))
            except (KinetorError, AttributeError, TypeError, ValueError):
                continue
            out[key] = float((lo * hi) ** 0.5)
            break
    return out


def resolve_drug(spec: Drug | Mapping[str, Any] | str) -> Drug:
    """Turn a :class:`Drug`, a ``pathway_drug()`` dict or a name into a :class:`Drug`.

    Names go to ``kinetor.compounds`` first (when importable) and then to
    :data:`REFERENCE_DRUGS` (case-insensitive, common code names accepted).

    Raises
    ------
    ModelError
        Unknown name or invalid specification.
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
    found = _from_compounds(spec)
    if found is not None:
        return found
    key = _ALIASES.get(spec.lower(), spec)
    for name, drug in REFERENCE_DRUGS.items():
        if name.lower() == key.lower():
            return drug
    raise ModelError(f"unknown drug {spec!r}: known here are {', '.join(REFERENCE_DRUGS)}; "
                     "or pass Drug(name, mechanism, ic50_nM)")
