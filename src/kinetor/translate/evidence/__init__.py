"""Published in vivo and clinical evidence for the dose -> tumour chain, with its sources.

Five tables ship with kinetor (``src/kinetor/translate/evidence/*.csv``, described in the
README beside them): PK parameters per compound and species, xenograft efficacy studies and
their arms, in vivo PK/PD points, and clinical target-engagement points. Every row carries
its source (DOI and/or PMID, figure or table), how the number was obtained (``table``,
``text``, ``abstract``, ``figure-legend``; ``recalled`` only for unverified rows) and a
status: **firm** (read in the source), **likely** (a secondary source quoting the primary)
or **unverified** (recalled, not found; kept but used neither to fit nor to validate).

Xenograft studies carry a ``split`` fixed before any fitting: ``fit`` or ``heldout``
(the rule is in the README). Held-out studies are never to be used to fit.

The loaders validate columns, vocabularies, numbers, identifiers and dosing schedules (each
``schedule``/``regimen`` must parse with :meth:`kinetor.pk.Regimen.parse`) and raise one
:class:`~kinetor.errors.DataError` listing every problem with file, row and column.

Examples
--------
>>> from kinetor.translate import evidence
>>> studies = evidence.load_xenograft_studies()
>>> sorted(studies["split"].unique())
['fit', 'heldout']
>>> arms = evidence.load_xenograft_arms(split="fit")
>>> set(arms["split"])
{'fit'}
>>> regs = evidence.parse_schedule("capivasertib:100 mg/kg PO QD x 5 days + "
...                               "fulvestrant:100 mg/kg SC QW x 1 weeks")
>>> sorted(regs)
['capivasertib', 'fulvestrant']
"""

from __future__ import annotations

import pandas as pd

from kinetor.translate.evidence._checks import parse_schedule
from kinetor.translate.evidence._loaders import (
    load_clinical_pd,
    load_pk_sets,
    load_pkpd,
    load_xenograft_arms,
    load_xenograft_studies,
)
from kinetor.translate.evidence._tables import (
    DATA_DIR,
    HOW_OBTAINED,
    STATUS,
    VEHICLE,
)
from kinetor.translate.evidence._tables import PK_PARAMETERS as PK_PARAMETERS
from kinetor.translate.evidence._tables import SPECIES as SPECIES
from kinetor.translate.evidence._tables import SPLITS as SPLITS
from kinetor.translate.evidence._tables import UNCERTAINTY_KINDS as UNCERTAINTY_KINDS
from kinetor.translate.evidence._tables import VALUE_KINDS as VALUE_KINDS

__all__ = [
    "DATA_DIR",
    "HOW_OBTAINED",
    "STATUS",
    "evidence_summary",
    "library_names",
    "load_clinical_pd",
    "load_pk_sets",
    "load_pkpd",
    "load_xenograft_arms",
    "load_xenograft_studies",
    "parse_schedule",
]


def evidence_summary() -> pd.DataFrame:
    """Row counts of every shipped table by status (and, for studies and arms, split).

    Returns
    -------
    DataFrame
        Columns ``table, split, status, rows``.

    Examples
    --------
    >>> s = evidence_summary()
    >>> sorted(s["table"].unique())  # doctest: +NORMALIZE_WHITESPACE
    ['clinical_pd', 'pk_sets', 'pkpd_invivo', 'xenograft_arms', 'xenograft_studies']
    """
    studies = load_xenograft_studies()
    tables = {
        "pk_sets": load_pk_sets().assign(split=""),
        "xenograft_studies": studies,
        "xenograft_arms": load_xenograft_arms(studies=studies),
        "pkpd_invivo": load_pkpd().assign(split=""),
        "clinical_pd": load_clinical_pd().assign(split=""),
    }
    parts = [
        t.groupby(["split", "status"]).size().rename("rows").reset_index().assign(table=name)
        for name, t in tables.items()
    ]
    return pd.concat(parts, ignore_index=True)[["table", "split", "status", "rows"]]


def library_names() -> pd.DataFrame:
    """Every compound named in the evidence tables, matched to the compound library.

    Names are matched through the library's names and synonyms (``sirolimus`` is
    ``rapamycin``). The loaders do not call this: the evidence tables load whether or not
    the library has an entry.

    Returns
    -------
    DataFrame
        Columns ``compound`` (as written in the evidence), ``library_compound`` (the
        library's name, blank when the library has no entry), ``tables`` (where it
        appears).

    Examples
    --------
    >>> m = library_names().set_index("compound")
    >>> m.loc["sirolimus", "library_compound"]
    'rapamycin'
    """
    from kinetor.compounds import load_library

    lib = load_library()
    studies = load_xenograft_studies()
    seen: dict[str, set[str]] = {}
    frames = {
        "pk_sets": load_pk_sets()["compound"],
        "xenograft_arms": load_xenograft_arms(studies=studies)["compounds"],
        "pkpd_invivo": load_pkpd()["compound"],
        "clinical_pd": load_clinical_pd()["compound"],
    }
    for table, col in frames.items():
        for text in col:
            for name in str(text).split("+"):
                name = name.strip().lower()
                if name and name != VEHICLE:
                    seen.setdefault(name, set()).add(table)
    rows = []
    for name in sorted(seen):
        try:
            lib_name = lib.get(name).name
        except KeyError:
            lib_name = ""
        rows.append((name, lib_name, ", ".join(sorted(seen[name]))))
    return pd.DataFrame(rows, columns=["compound", "library_compound", "tables"])
