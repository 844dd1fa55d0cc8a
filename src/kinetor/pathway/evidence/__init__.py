"""Published observations of the PI3K/AKT/mTOR network, for calibration and validation.

Every ``observations_*.csv`` in this folder is one table of published observations (one row
each: a cell line or patient cohort, a genotype, drugs, concentration, time, a readout and
what was seen), and every ``publications_*.csv`` lists the primary papers they come from.
:func:`load_observations` and :func:`load_publications` read all of them, check the columns
and vocabularies (collecting every problem into one :class:`~kinetor.errors.DataError` that
names file, row and column) and return one DataFrame each.

Each observation carries how its number was obtained (``table``, ``text``, ``abstract``,
``figure``; ``secondary`` for a review quoting the primary; ``memory`` for a value recalled
but not read) and a status (``firm``: read in the source; ``likely``: read in a secondary
source that quotes it; ``unverified``). The ``split`` (``train`` / ``heldout``) is assigned
per publication, never per row, by :func:`split_by_hash`; a publication is never in both.

The tables hold published data only: nothing here runs or compares the network model.

Examples
--------
>>> obs = load_observations()
>>> bool(obs["publication_id"].isin(load_publications()["publication_id"]).all())
True
>>> sorted(obs["split"].unique())
['heldout', 'train']
>>> split_by_hash(["oreilly2006", "choo2008", "feldman2009"])
{'choo2008': 'train', 'feldman2009': 'heldout', 'oreilly2006': 'heldout'}
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from kinetor.errors import DataError, Problem
from kinetor.pathway.evidence._reading import _check_vocab, _files, _read, _to_numbers

__all__ = [
    "EVIDENCE_DIR",
    "OBSERVATION_COLUMNS",
    "PARTS",
    "PUBLICATION_COLUMNS",
    "READOUTS",
    "load_observations",
    "load_publications",
    "observations_without",
    "split_by_hash",
]

EVIDENCE_DIR = Path(__file__).parent

#: What each part (``observations_<part>.csv``) is, as its README says; a part compiled
#: without the model and first run after the shipped fit was frozen is marked ``blind`` (its
#: held-out rows are the blind test of the shipped model).
PARTS: dict[str, str] = {
    "A": "mTORC1, rapalogs, TOR kinase inhibitors, energy stress (README.md)",
    "B": "AKT/PI3K inhibitors, HER2/HER3, ER and MAPK cross-talk (README_b.md)",
    "C": "O'Neil 2016 growth rates under drug pairs (README_c.md)",
    "D": "held out; blind for the fit before part F only, its misses read since (README_d.md)",
    "E": "held out; a second set like D, blind for the fit before part F only (README_e.md)",
    "F": "held out; blind for the output fit it chose (step 2), read before the shipped "
    "feedback change (README_f.md)",
    "G": "held out; blind for step 2 (it judged nothing), read before the shipped feedback "
    "change (README_g.md)",
    "H": "held out; blind for steps 2 and 3 (it chose the step-3 feedback change), read "
    "before the shipped survival change (README_h.md)",
    "I": "held out; blind for step 3 (it rejected a refit), read before the shipped survival "
    "change (README_i.md)",
    "J": "held out; blind for step 3 (it rejected a cross-talk change), read before the "
    "shipped survival change (README_j.md)",
    "K": "held out; blind for step 4 (it chose the survival change), read before the shipped "
    "ERK -| receptor change (README_k.md)",
    "L": "blind: a ninth set like F, first run with the ERK -| receptor change already frozen "
    "(a tie, so it chose nothing) (README_l.md)",
    "M": "held out; blind for step 4 (it rejected an endpoint model for viability assays), "
    "read before the ERK -| receptor change was judged again (README_m.md)",
    "N": "blind: an eleventh set like F, which chose the ERK -| receptor change of the "
    "shipped model (step 5) by one row (README_n.md)",
}

OBSERVATION_COLUMNS: tuple[str, ...] = (
    "id",
    "publication_id",
    "doi",
    "pmid",
    "authors_year",
    "journal",
    "figure_table",
    "cell_line",
    "genotype",
    "serum_context",
    "drugs",
    "conc_nM",
    "time_h",
    "readout",
    "readout_detail",
    "value",
    "uncertainty",
    "uncertainty_kind",
    "kind",
    "direction",
    "band_low",
    "band_high",
    "baseline",
    "how_obtained",
    "status",
    "split",
    "note",
)

PUBLICATION_COLUMNS: tuple[str, ...] = (
    "publication_id",
    "authors_year",
    "title",
    "journal",
    "volume_pages",
    "doi",
    "pmid",
    "split",
    "topics",
    "accessed_how",
)

# the network's readout names where they exist, and the phenotypes the papers measure
READOUTS: tuple[str, ...] = (
    "pAKT_S473",
    "pAKT_T308",
    "pS6K1_T389",
    "pS6_S235_236",
    "p4EBP1_T37_46",
    "p4EBP1_S65",
    "eIF4E_free",
    "pPRAS40_T246",
    "pERK",
    "IRS1",
    "pHER3_Y1289",
    "HER3",
    "FOXO_nuclear",
    "pGSK3B_S9",
    "ER_activity",
    "proliferation",
    "apoptosis",
    "growth",
    "cell_viability",
    "ic50",
    # measured by the papers but not (yet) a model readout: kept, reported as "no model
    # readout" rather than compared; pAKT = an antibody the paper does not name by site
    "pAKT",
    "pFOXO",
    "pS6_S240_244",
    "IGF1R",
    "INSR",
    "ER",
    "ESR1_mRNA",
    "AR_activity",
    "blood_glucose",
    "insulin",
)

KINDS = ("quantitative", "direction")
DIRECTIONS = ("up", "down", "unchanged")
STATUSES = ("firm", "likely", "unverified")
SPLITS = ("train", "heldout")
HOW_OBTAINED = ("table", "text", "abstract", "figure", "secondary", "memory")
UNCERTAINTY_KINDS = ("SD", "SEM", "95CI", "range", "readoff", "none")
_READ_IN_SOURCE = ("table", "text", "abstract", "figure")
_NUMERIC = ("conc_nM", "time_h", "value", "uncertainty", "band_low", "band_high")


def split_by_hash(publication_ids: Iterable[str], every: int = 3) -> dict[str, str]:
    """Hold out a publication when the SHA-256 of its id is divisible by ``every``.

    The id's UTF-8 text is hashed with SHA-256; the digest, read as an integer, decides:
    ``heldout`` if it is divisible by ``every``, else ``train``. Each publication's split
    depends on its id alone, so adding papers later never moves one already assigned;
    about ``1/every`` of the publications are held out (the tables' tests check the
    actual share). The result is ordered by id.
    """
    return {
        pid: (
            "heldout" if int(hashlib.sha256(pid.encode()).hexdigest(), 16) % every == 0 else "train"
        )
        for pid in sorted(set(publication_ids))
    }


def load_publications(folder: str | Path | None = None) -> pd.DataFrame:
    """Every ``publications_*.csv`` in ``folder`` (default: this package), checked.

    Returns one row per publication with the columns of :data:`PUBLICATION_COLUMNS` plus
    ``file`` and ``row`` (where it was read). Raises :class:`~kinetor.errors.DataError`
    listing every problem: wrong columns, a duplicate ``publication_id``, a ``split`` other
    than ``train``/``heldout``, or a publication with no DOI, PMID or URL.
    """
    folder = Path(folder) if folder is not None else EVIDENCE_DIR
    problems: list[Problem] = []
    frames = [_read(p, PUBLICATION_COLUMNS, problems) for p in _files(folder, "publications_*.csv")]
    pubs = pd.concat(frames, ignore_index=True)
    _check_vocab(pubs, "split", SPLITS, problems)
    seen: dict[str, str] = {}
    for file, row, pid, doi, pmid, how in zip(
        pubs["file"],
        pubs["row"],
        pubs["publication_id"],
        pubs["doi"],
        pubs["pmid"],
        pubs["accessed_how"],
        strict=True,
    ):
        if not pid:
            problems.append(
                Problem(
                    "empty publication_id",
                    file=file,
                    row=row,
                    column="publication_id",
                    fix="give every paper an id",
                )
            )
        elif pid in seen:
            problems.append(
                Problem(
                    f"publication_id {pid!r} also in {seen[pid]}",
                    file=file,
                    row=row,
                    column="publication_id",
                    fix="each publication is listed once",
                )
            )
        seen.setdefault(pid, file)
        if not (doi or pmid or "http" in how):
            problems.append(
                Problem(
                    f"{pid!r} has no DOI, PMID or URL",
                    file=file,
                    row=row,
                    column="doi",
                    fix="give a DOI or PMID, or the URL read in accessed_how",
                )
            )
    if problems:
        raise DataError(problems)
    return pubs


def load_observations(folder: str | Path | None = None) -> pd.DataFrame:
    """Every ``observations_*.csv`` in ``folder`` (default: this package), checked.

    Returns one DataFrame with the columns of :data:`OBSERVATION_COLUMNS` (numbers as
    floats, NaN where empty) plus ``file`` and ``row``. Checks, all reported at once:
    the columns; unique ``id``; vocabularies of ``readout``, ``kind``, ``direction``,
    ``status``, ``split``, ``how_obtained`` and ``uncertainty_kind``; a number in
    ``value`` for every quantitative row and a ``direction`` for every direction row;
    ``band_low <= band_high``; ``firm`` only for values read in the source; each row's
    ``publication_id`` listed in a ``publications_*.csv`` with the same split.
    """
    folder = Path(folder) if folder is not None else EVIDENCE_DIR
    pubs = load_publications(folder)
    problems: list[Problem] = []
    frames = [_read(p, OBSERVATION_COLUMNS, problems) for p in _files(folder, "observations_*.csv")]
    obs = pd.concat(frames, ignore_index=True)
    for column, allowed in (
        ("readout", READOUTS),
        ("kind", KINDS),
        ("status", STATUSES),
        ("split", SPLITS),
        ("how_obtained", HOW_OBTAINED),
        ("uncertainty_kind", UNCERTAINTY_KINDS),
    ):
        _check_vocab(obs, column, allowed, problems)
    _check_vocab(obs, "direction", DIRECTIONS, problems, optional=True)
    num = _to_numbers(obs, problems, _NUMERIC)
    split_of = dict(zip(pubs["publication_id"], pubs["split"], strict=True))
    first_id: dict[str, str] = {}
    for i, r in obs.iterrows():
        where = {"file": r["file"], "row": r["row"]}
        if r["id"] in first_id or not r["id"]:
            problems.append(
                Problem(
                    f"id {r['id']!r} is empty or repeated",
                    column="id",
                    fix="give every observation its own id",
                    **where,
                )
            )
        first_id.setdefault(r["id"], r["file"])
        if r["publication_id"] not in split_of:
            problems.append(
                Problem(
                    f"publication_id {r['publication_id']!r} is not in any publications_*.csv",
                    column="publication_id",
                    fix="add the paper to the publications table",
                    **where,
                )
            )
        elif r["split"] != split_of[r["publication_id"]]:
            problems.append(
                Problem(
                    f"split {r['split']!r} differs from the publication's "
                    f"{split_of[r['publication_id']]!r}",
                    column="split",
                    fix="the split is per publication",
                    **where,
                )
            )
        if r["kind"] == "quantitative" and not math.isfinite(num.at[i, "value"]):
            problems.append(
                Problem(
                    "quantitative row without a numeric value",
                    column="value",
                    fix="give the number, or use kind=direction with a band",
                    **where,
                )
            )
        if r["kind"] == "direction" and not r["direction"]:
            problems.append(
                Problem(
                    "direction row without a direction",
                    column="direction",
                    fix="up, down or unchanged",
                    **where,
                )
            )
        low, high = num.at[i, "band_low"], num.at[i, "band_high"]
        if math.isfinite(low) and math.isfinite(high) and low > high:
            problems.append(
                Problem(
                    f"band_low {low:g} > band_high {high:g}",
                    column="band_low",
                    fix="swap the bounds",
                    **where,
                )
            )
        if r["status"] == "firm" and r["how_obtained"] not in _READ_IN_SOURCE:
            problems.append(
                Problem(
                    f"status firm but how_obtained {r['how_obtained']!r}",
                    column="status",
                    fix="firm means read in the source (table, text, abstract or figure)",
                    **where,
                )
            )
        if r["how_obtained"] == "memory" and r["status"] != "unverified":
            problems.append(
                Problem(
                    "a recalled value must be unverified",
                    column="status",
                    fix="set status to unverified",
                    **where,
                )
            )
        if r["readout"] == "ic50" and not r["readout_detail"]:
            problems.append(
                Problem(
                    "ic50 row without readout_detail",
                    column="readout_detail",
                    fix="say what was measured (readout, assay)",
                    **where,
                )
            )
    if problems:
        raise DataError(problems)
    return num


def observations_without(publications: Iterable[str]) -> pd.DataFrame:
    """The evidence observations without the rows of the named publications.

    Raises :class:`~kinetor.errors.DataError` naming any id that is not a
    ``publication_id`` of the tables (nothing is dropped silently).
    """
    drop = set(publications)
    obs = load_observations()
    known = set(obs["publication_id"])
    unknown = sorted(drop - known)
    if unknown:
        raise DataError(
            f"unknown publication_id {', '.join(map(repr, unknown))} in the pathway evidence "
            f"tables (fix: use an id of publications_*.csv, e.g. {sorted(known)[0]!r})"
        )
    return obs[~obs["publication_id"].isin(drop)]
