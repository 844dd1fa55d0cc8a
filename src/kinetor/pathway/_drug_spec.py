"""What a network drug is: the mechanisms (drug slots of ``mtor.ant``), the ATP model that
converts a cell-free potency to cells, and :class:`Drug` itself. The rules that build a
:class:`Drug` from the compound library are in :mod:`kinetor.pathway.drugs`, which
re-exports everything here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from kinetor.compounds._vocab import PATHWAY_MECHANISMS
from kinetor.errors import ModelError

#: Mechanisms the network knows, each one drug "slot" in ``mtor.ant``. One list: the
#: compound library validates its ``pathway_mechanism`` column against the same tuple.
MECHANISMS: tuple[str, ...] = PATHWAY_MECHANISMS

#: Mechanisms whose small-molecule members compete with ATP, and the kinase whose ATP
#: :math:`K_m` converts their cell-free potency (``dual_pi3k_mtor``: PI3K, then mTOR).
ATP_KINASE: dict[str, tuple[str, ...]] = {
    "mtor_kinase": ("MTOR",),
    "dual_pi3k_mtor": ("PI3K", "MTOR"),
    "pi3k_alpha": ("PI3K",),
    "pi3k_beta": ("PI3K",),
    "pan_pi3k": ("PI3K",),
    "pi3k_covalent": ("PI3K",),
    "akt_atp": ("AKT",),
    "igf1r": ("IGF1R",),
    "egfr": ("EGFR",),
    "her2": ("HER2",),
    "erbb_kinase": ("EGFR",),
    "braf": ("BRAF",),
}
ATP_COMPETITIVE: frozenset[str] = frozenset(ATP_KINASE)

#: Cellular ATP (uM): mean of ~600 published values in mammalian cells, 3152 +- 1698 uM
#: (Traut 1994 Mol Cell Biochem 140:1, DOI 10.1007/BF00928361; status firm).
ATP_CELL_UM = 3152.0


@dataclass(frozen=True)
class AtpKm:
    """ATP Michaelis constant of a kinase (uM) with its provenance."""

    km_uM: float
    source: str
    status: str


#: ATP :math:`K_m` per kinase (uM). Only EGFR's was read in a source; the others are
#: recalled orders of magnitude (status unverified) and say so wherever they are used.
ATP_KM_UM: dict[str, AtpKm] = {
    "EGFR": AtpKm(
        5.2,
        "Yun 2008 PNAS 105:2070 (wild-type EGFR kinase, Km,ATP 5.2 uM), "
        "DOI 10.1073/pnas.0709662105",
        "likely",
    ),
    "MTOR": AtpKm(
        50.0,
        "recalled order of magnitude for the mTOR kinase domain (Tao 2010 "
        "Biochemistry 49:8488, DOI 10.1021/bi100673c, not re-read)",
        "unverified",
    ),
    "PI3K": AtpKm(50.0, "recalled order of magnitude for class I PI3K; not re-read", "unverified"),
    "AKT": AtpKm(50.0, "recalled order of magnitude for AKT1; not re-read", "unverified"),
    "IGF1R": AtpKm(50.0, "recalled order of magnitude; not re-read", "unverified"),
    "HER2": AtpKm(20.0, "recalled order of magnitude; not re-read", "unverified"),
    "BRAF": AtpKm(20.0, "recalled order of magnitude; not re-read", "unverified"),
}


def atp_factor(kinase: str) -> float:
    """Cheng-Prusoff factor from a cell-free IC50 (assay at ATP = Km) to cells.

    Examples
    --------
    >>> round(atp_factor("EGFR"), 1)
    303.6
    """
    km = ATP_KM_UM[kinase].km_uM
    return (1.0 + ATP_CELL_UM / km) / 2.0


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
        Potency (nM): cellular, or cell-free (converted by :meth:`cellular_k`). For
        ``dual_pi3k_mtor`` the PI3K potency.
    hill : float, default 1.0
        Hill coefficient of the occupancy.
    ic50_mtor_nM : float, optional
        ``dual_pi3k_mtor`` only: the mTOR potency (defaults to ``ic50_nM``).
    potency : {"biochemical", "cellular"}, default "biochemical"
        A biochemical (cell-free) potency of an ATP-competitive drug is converted with the
        target kinase's ATP Km (:func:`atp_factor`); of a rapalog, multiplied by the
        network's ``rapalog_shift``; a cellular one is used as given.
    atp_competitive : bool, optional
        Overrides the mechanism default.
    source, status : str
        Provenance of the potency (status firm / likely / unverified; ``basis`` says
        whether it is cellular or extrapolated).
    parts : tuple of Drug, optional
        Further slots the same compound occupies at the same concentration (conjugates
        that release two inhibitors).
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
    parts: tuple[Drug, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        problems = []
        if self.mechanism not in MECHANISMS:
            problems.append(
                f"unknown mechanism {self.mechanism!r} (known: {', '.join(MECHANISMS)})"
            )
        for key in ("ic50_nM", "hill", "ic50_mtor_nM"):
            value = getattr(self, key)
            if value is None and key == "ic50_mtor_nM":
                continue
            try:
                v = float(value)
            except (TypeError, ValueError):
                unit = " of nM (e.g. 10, not '10 nM')" if key != "hill" else ""
                problems.append(f"{key} must be a number{unit}, got {value!r}")
                continue
            if not (v > 0 and math.isfinite(v)):
                problems.append(f"{key} must be a finite number > 0, got {value!r}")
        if self.potency not in ("biochemical", "cellular"):
            problems.append(f"potency must be 'biochemical' or 'cellular', got {self.potency!r}")
        if problems:
            raise ModelError(f"drug {self.name!r}: " + "; ".join(problems))

    @property
    def is_atp_competitive(self) -> bool:
        if self.atp_competitive is not None:
            return bool(self.atp_competitive)
        return self.mechanism in ATP_COMPETITIVE

    @property
    def basis(self) -> str:
        """``"cellular"`` (used as given) or ``"extrapolated"`` (converted from cell-free)."""
        return "cellular" if self.potency == "cellular" else "extrapolated"

    def cellular_k(self, rapalog_shift: float = 1.0) -> tuple[float, float]:
        """Cellular potencies ``(K, K2)`` in nM; ``K2`` is the mTOR potency of a dual drug."""
        k2 = self.ic50_mtor_nM if self.ic50_mtor_nM is not None else self.ic50_nM
        if self.potency == "cellular":
            return float(self.ic50_nM), float(k2)
        if self.is_atp_competitive and self.mechanism in ATP_KINASE:
            kin = ATP_KINASE[self.mechanism]
            return (float(self.ic50_nM) * atp_factor(kin[0]), float(k2) * atp_factor(kin[-1]))
        shift = rapalog_shift if self.mechanism == "rapalog" else 1.0
        return float(self.ic50_nM) * shift, float(k2) * shift

    def slots(self) -> tuple[Drug, ...]:
        """This drug and its further parts, one per slot."""
        return (self, *self.parts)

    def with_potency(self, ic50_nM: float) -> Drug:
        """A copy with another potency (for sensitivity scans)."""
        return replace(self, ic50_nM=float(ic50_nM))


_DICT_KEYS = {
    "name",
    "mechanism",
    "ic50_nM",
    "hill",
    "ic50_mtor_nM",
    "potency",
    "atp_competitive",
    "source",
    "status",
}


def _from_mapping(spec: Mapping[str, Any]) -> Drug:
    missing = [k for k in ("name", "mechanism", "ic50_nM") if spec.get(k) is None]
    if missing:
        raise ModelError(f"drug dict {dict(spec)!r} lacks {', '.join(missing)}")
    known = {k: spec[k] for k in _DICT_KEYS if spec.get(k) is not None}
    if "ic50_mtor_nM" not in known and spec.get("ic50_secondary_nM") is not None:
        known["ic50_mtor_nM"] = spec["ic50_secondary_nM"]
    extra = {k: v for k, v in spec.items() if k not in _DICT_KEYS}
    return Drug(**known, extra=extra)
