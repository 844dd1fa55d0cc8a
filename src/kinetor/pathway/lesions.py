"""Genetic lesions and cell contexts as documented parameter changes of the network.

Each lesion is a set of parameter values in ``mtor.ant`` (protein totals for losses and
amplification, rate constants for activating mutations). Lesions compose by applying all
their changes (no two lesions touch the same parameter). Contexts are the network's input
levels, nominally 0..1 (1 = full serum / amino acids; 0 = no stress). The table with
sources and the reasoning is in docs/pathway.md.

Examples
--------
>>> lesion_parameters(["PTEN_loss", "KRAS_mut"])
{'PTEN_tot': 0.0, 'ras_gap_sens': 0.05}
>>> context_parameters({"energy_stress": 1})["energy_stress"]
1.0
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from kinetor.errors import ModelError

__all__ = [
    "CONTEXTS",
    "LESIONS",
    "Lesion",
    "context_parameters",
    "lesion_names",
    "lesion_parameters",
]


@dataclass(frozen=True)
class Lesion:
    """A genetic lesion: the parameter values it sets, why, and where that comes from."""

    name: str
    parameters: Mapping[str, float]
    description: str
    source: str
    status: str


LESIONS: dict[str, Lesion] = {
    les.name: les
    for les in (
        Lesion(
            "PTEN_loss",
            {"PTEN_tot": 0.0},
            "PTEN deleted/inactivated: PIP3 removed only by SHIP2/other 5-phosphatases; "
            "PIP3 production then rests mainly on p110beta (feedback silences p110alpha)",
            "Jia 2008 Nature 454:776 (DOI 10.1038/nature07091); Wee 2008 PNAS 105:13057 "
            "(DOI 10.1073/pnas.0802655105)",
            "firm (qualitative)",
        ),
        Lesion(
            "PIK3CA_mut",
            {"k_pi3k_basal": 3.0},
            "activating p110alpha mutation (e.g. H1047R): RTK/IRS1-independent basal "
            "p110alpha activity, so PIP3 rests mainly on p110alpha",
            "Samuels 2004 Science 304:554 (DOI 10.1126/science.1096502); magnitude assumed",
            "assumed",
        ),
        Lesion(
            "MTOR_FRB_mut",
            {"rapa_frb": 0.0},
            "MTOR F2108L in the FRB domain: FKBP12-rapalogs no longer bind (rapalog-resistant, "
            "TOR kinase inhibitor- and RapaLink-1-sensitive)",
            "Rodrik-Outmezguine 2016 Nature 534:272 (DOI 10.1038/nature17963)",
            "firm (qualitative)",
        ),
        Lesion(
            "MTOR_kinase_mut",
            {"torki_res": 30.0},
            "MTOR M2327I in the kinase domain: hyperactive kinase, TOR kinase inhibitors "
            "30-fold less potent (fold assumed); rapalog- and RapaLink-1-sensitive",
            "Rodrik-Outmezguine 2016 Nature 534:272 (DOI 10.1038/nature17963); fold assumed",
            "assumed",
        ),
        Lesion(
            "ER_negative",
            {"ER_expr": 0.0},
            "no oestrogen receptor alpha (ER-negative cell)",
            "definition",
            "firm",
        ),
        Lesion(
            "HER2_amp",
            {"HER2_tot": 8.0},
            "ERBB2 amplification: 8x HER2, ligand-independent activation rises with density",
            "Slamon 1987 Science 235:177 (DOI 10.1126/science.3798106); 8x assumed",
            "assumed",
        ),
        Lesion(
            "KRAS_mut",
            {"ras_gap_sens": 0.05},
            "G12/G13-type KRAS: GTP hydrolysis 20x less sensitive to GAPs",
            "Trahey 1987 Science 238:542 (DOI 10.1126/science.2821624); factor assumed",
            "assumed",
        ),
        Lesion(
            "BRAF_mut",
            {"braf_v600e": 1.0},
            "BRAF V600E: Ras-independent RAF activity toward MEK (BRAF inhibitors act on it)",
            "Davies 2002 Nature 417:949 (DOI 10.1038/nature00766); BRAF-MEK-ERK inhibit LKB1-AMPK: "
            "Zheng 2009 Mol Cell 33:237 (DOI 10.1016/j.molcel.2008.12.026); size assumed",
            "assumed",
        ),
        Lesion(
            "NF1_loss",
            {"NF1_tot": 0.0},
            "NF1 (Ras-GAP) lost: Ras-GTP up, MEK/ERK/RSK inactivate TSC2",
            "Johannessen 2005 PNAS 102:8573 (DOI 10.1073/pnas.0503224102)",
            "firm (qualitative)",
        ),
        Lesion(
            "TSC2_loss",
            {"TSC_tot": 0.0},
            "TSC1/TSC2 complex lost: Rheb-GTP high, mTORC1 GF-independent, rapalog-sensitive",
            "Inoki 2002 Nat Cell Biol 4:648 (DOI 10.1038/ncb839); rapalog response: Bissler 2008 "
            "N Engl J Med 358:140 (DOI 10.1056/NEJMoa063564)",
            "firm (qualitative)",
        ),
        Lesion(
            "LKB1_loss",
            {"LKB1_tot": 0.0},
            "LKB1 lost: no AMPK activation by energy stress or metformin",
            "Shaw 2004 Cancer Cell 6:91 (DOI 10.1016/j.ccr.2004.06.007)",
            "firm (qualitative)",
        ),
        Lesion(
            "TP53_loss",
            {"p53_tot": 0.0},
            "p53 lost: DNA damage no longer activates AMPK",
            "Feng 2005 PNAS 102:8204 (DOI 10.1073/pnas.0502857102)",
            "firm (qualitative)",
        ),
    )
}

#: Context inputs and their default levels.
CONTEXTS: dict[str, float] = {
    "growth_factor": 1.0,
    "amino_acids": 1.0,
    "energy_stress": 0.0,
    "hypoxia": 0.0,
    "dna_damage": 0.0,
    "oestradiol": 1.0,
}


def lesion_names(lesions: Iterable[str] | str | None) -> tuple[str, ...]:
    """Checked lesion names: ``None`` or ``""`` is none, a string is one name or several
    separated by ``;`` or ``,``; an unknown name, a name given twice or something that
    is not a name (a number) raises :class:`~kinetor.errors.ModelError`.

    Examples
    --------
    >>> lesion_names("PTEN_loss; KRAS_mut")
    ('PTEN_loss', 'KRAS_mut')
    >>> lesion_names(["PTEN_loss", "PTEN_loss"])
    Traceback (most recent call last):
    ...
    kinetor.errors.ModelError: lesion 'PTEN_loss' is given twice: name each lesion once
    """
    if lesions is None:
        return ()
    if isinstance(lesions, str):
        lesions = lesions.replace(",", ";").split(";")
    elif not isinstance(lesions, Iterable) or isinstance(lesions, Mapping | bytes):
        raise ModelError(
            f"lesions must be lesion names (a list, or one string such as "
            f"'PTEN_loss;KRAS_mut'), got {lesions!r}; known are {', '.join(LESIONS)}"
        )
    names: list[str] = []
    unknown = []
    for name in lesions:
        if not isinstance(name, str):
            raise ModelError(
                f"lesions must be lesion names (strings), got {name!r}; "
                f"known are {', '.join(LESIONS)}"
            )
        name = name.strip()
        if not name:
            continue
        if name not in LESIONS:
            unknown.append(name)
        elif name in names:
            raise ModelError(f"lesion {name!r} is given twice: name each lesion once")
        names.append(name)
    if unknown:
        raise ModelError(
            f"unknown lesion(s) {', '.join(map(repr, unknown))}: known are {', '.join(LESIONS)}"
        )
    return tuple(names)


def lesion_parameters(lesions: Iterable[str] | str | None) -> dict[str, float]:
    """Parameter values for a list of lesions (``"PTEN_loss;KRAS_mut"`` also accepted;
    checked by :func:`lesion_names`)."""
    out: dict[str, float] = {}
    for name in lesion_names(lesions):
        out.update({k: float(v) for k, v in LESIONS[name].parameters.items()})
    return out


def context_parameters(context: Mapping[str, float] | None) -> dict[str, float]:
    """The full set of context levels, defaults filled in; each level must be a finite
    number >= 0."""
    out = dict(CONTEXTS)
    if context is not None and not isinstance(context, Mapping):
        raise ModelError(
            f"context must be a mapping {{input: level}}, got {context!r}; "
            "e.g. context={'growth_factor': 0.1}"
        )
    bad = []
    for key, value in (context or {}).items():
        if key not in CONTEXTS:
            bad.append(f"unknown context {key!r} (known: {', '.join(CONTEXTS)})")
            continue
        try:
            v = float(value)
        except (TypeError, ValueError):
            bad.append(f"context {key}={value!r} is not a number")
            continue
        if not (math.isfinite(v) and v >= 0):
            bad.append(f"context {key}={value!r} must be a finite number >= 0 (nominal range 0..1)")
            continue
        out[key] = v
    if bad:
        raise ModelError("; ".join(bad))
    return out
