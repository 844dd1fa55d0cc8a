"""Validated miRNA -> target interactions for the network's genes, and database readers.

:data:`INTERACTIONS` is a small curated table (``interactions.csv``): only interactions shown with a reporter
assay, Western blot or qPCR in the cited paper, each with its PubMed id and evidence.
``status`` says how it was checked: ``firm`` = the interaction and evidence were read in
the paper's abstract and the PMID confirmed; ``likely`` = read in the paper, PMID not
confirmed (the DOI/PMC id is given); ``unverified`` = reported elsewhere, source not read
(listed, but left out of :func:`~kinetor.mirna.pathway_targets` and
:func:`~kinetor.mirna.enrichment` unless ``include_unverified``).
:func:`read_mirtarbase` and :func:`read_tarbase` read export files a user downloads from
miRTarBase (Huang et al. 2020, Nucleic Acids Res 48:D148, doi:10.1093/nar/gkz896) and
DIANA-TarBase (Karagkouni et al. 2018, Nucleic Acids Res 46:D239,
doi:10.1093/nar/gkx1141); nothing is downloaded at run time.

Examples
--------
>>> t = validated_targets()
>>> sorted(set(t.loc[t["mirna"] == "hsa-miR-21-5p", "target"]))
['PTEN']
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import asdict, dataclass
from importlib.resources import files

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = [
    "INTERACTIONS",
    "STRONG_EVIDENCE",
    "Interaction",
    "read_mirtarbase",
    "read_tarbase",
    "validated_targets",
]

#: Strong evidence by meaning (miRTarBase's strong classes): each class with the patterns
#: (regular expressions) that name it, matched in the lower-cased experiment text with
#: hyphens, underscores and repeated spaces read as one space ("RT-qPCR" -> "rt qpcr").
#: Semi-quantitative PCR ("semiquantitative RT-PCR", "semi-quantitative real-time PCR") is
#: end-point PCR, not qPCR: those phrases are removed before matching.
STRONG_EVIDENCE: dict[str, tuple[str, ...]] = {
    "reporter assay": (r"reporter", r"luciferase"),
    "Western blot": (r"western", r"immuno ?blot"),
    "qPCR": (
        r"\bq ?(rt )?pcr",
        r"\brt q ?pcr",
        r"real ?time (rt |quantitative )?(rt )?pcr",
        r"(?<!semi )quantitative (real ?time )?(rt )?pcr",
        r"taqman",
    ),
}
_SEMI_QUANTITATIVE = re.compile(
    r"\bsemi ?quantitative (real ?time |quantitative |reverse transcription |rt )*q?pcr"
)


@dataclass(frozen=True)
class Interaction:
    """One miRNA -> target interaction with its source."""

    mirna: str
    target: str
    evidence: str
    pmid: str
    reference: str
    status: str
    note: str = ""


def _load_interactions() -> tuple[Interaction, ...]:
    """The curated table, read from ``interactions.csv`` shipped beside this module."""
    text = (files("kinetor.mirna") / "interactions.csv").read_text(encoding="utf-8")
    return tuple(Interaction(**row) for row in csv.DictReader(io.StringIO(text)))


#: The curated interactions (``interactions.csv``: one row each, with PMID, evidence, status).
INTERACTIONS: tuple[Interaction, ...] = _load_interactions()


def validated_targets(status: tuple[str, ...] = ("firm", "likely", "unverified")) -> pd.DataFrame:
    """The curated table as a frame (``mirna``, ``target``, ``evidence``, ``pmid``,
    ``reference``, ``status``, ``note``), filtered by ``status``."""
    df = pd.DataFrame([asdict(i) for i in INTERACTIONS])
    return df[df["status"].isin(status)].reset_index(drop=True)


def _strong(text: str) -> bool:
    t = " ".join(re.sub(r"[-_]", " ", str(text).lower()).split())
    t = _SEMI_QUANTITATIVE.sub(" ", t)  # end-point PCR, whatever else it is called
    return any(re.search(p, t) for pats in STRONG_EVIDENCE.values() for p in pats)


def _read(path) -> pd.DataFrame:
    """An export file (CSV/TSV/.xlsx, delimiter and encoding sniffed), every cell as text;
    a folder, an old .xls, a fake workbook, an empty file or a row with more cells than the
    header is a DataError naming it (and the row)."""
    from kinetor.data._user_table import read_user_table

    table = read_user_table(path)
    table.frame.attrs["rows"] = table.rows  # each row's line in the file (header: 1)
    return table.frame


def _pick(df: pd.DataFrame, options: dict[str, tuple[str, ...]], source: str) -> dict[str, str]:
    cols = {c.strip().lower(): c for c in df.columns}
    out, missing = {}, []
    for role, names in options.items():
        hit = next((cols[n] for n in names if n in cols), None)
        if hit is None:
            missing.append(f"{role} ({' or '.join(names)})")
        else:
            out[role] = hit
    if missing:
        raise DataError(
            Problem(
                f"missing column(s): {'; '.join(missing)}",
                file=source,
                row=1,
                fix="give the export file as the database writes it",
            )
        )
    return out


def _finish(df, m, source, species, strong_only, evidence_col, notes) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "mirna": df[m["mirna"]].str.strip(),
            "target": df[m["target"]].str.strip().str.upper(),
            "evidence": df[evidence_col] if evidence_col else "",
            "pmid": df[m["pmid"]].astype(str) if "pmid" in m else "",
            "reference": source,
            "status": "database",
        }
    )
    if species and "species" not in m:
        notes.append(f"no species column: rows are not filtered to {species} (every species kept)")
    if species and "species" in m:
        keep = df[m["species"]].str.contains(species, case=False, regex=False).to_numpy()
        if (~keep).any():
            notes.append(f"{int((~keep).sum())} row(s) of other species than {species} dropped")
        out = out[keep]
    if strong_only:
        keep = out["evidence"].map(_strong).to_numpy(dtype=bool)
        if (~keep).any():
            notes.append(
                f"{int((~keep).sum())} row(s) without a reporter assay, Western blot"
                " (immunoblot) or qPCR (incl. real-time RT-PCR) dropped"
            )
        out = out[keep]
    out = out.drop_duplicates().reset_index(drop=True)
    out.attrs["notes"] = notes
    return out


def read_mirtarbase(path, species: str = "Homo sapiens", strong_only: bool = True) -> pd.DataFrame:
    """Read a miRTarBase export (``miRNA``, ``Target Gene``, ``Experiments``,
    ``References (PMID)``, ``Support Type``...), keeping strong evidence (reporter,
    Western blot / immunoblot, qPCR / real-time RT-PCR; :data:`STRONG_EVIDENCE`) by
    default. Rows whose ``Support Type`` is "Non-Functional MTI" (evidence that the
    miRNA does *not* repress the target) are always dropped.

    Returns the columns of :func:`validated_targets` (``status`` = ``database``);
    ``attrs["notes"]`` says how many rows each filter dropped, and when the file has no
    species column (then no row is filtered by species).
    """
    df = _read(path)
    m = _pick(
        df,
        {
            "mirna": ("mirna",),
            "target": ("target gene", "target"),
            "evidence": ("experiments", "experiment"),
        },
        str(path),
    )
    m.update(
        {
            k: v
            for k, v in {
                "pmid": next(
                    (c for c in df.columns if c.strip().lower() in ("references (pmid)", "pmid")),
                    None,
                ),
                "species": next(
                    (c for c in df.columns if c.strip().lower() in ("species (mirna)", "species")),
                    None,
                ),
            }.items()
            if v
        }
    )
    notes: list[str] = []
    support = next((c for c in df.columns if c.strip().lower() == "support type"), None)
    if support is not None:
        nonfunc = df[support].str.strip().str.lower().str.startswith("non-functional")
        if nonfunc.any():
            notes.append(
                f"{int(nonfunc.sum())} Non-Functional MTI row(s) dropped (evidence of no"
                " functional interaction)"
            )
        df = df[~nonfunc.to_numpy()]
    return _finish(df, m, str(path), species, strong_only, m["evidence"], notes)


def read_tarbase(path, species: str = "Homo sapiens", strong_only: bool = True) -> pd.DataFrame:
    """Read a DIANA-TarBase export (``mirna``, ``geneName``, ``method``, ``species``,
    ``pmid``; v8 and v9 column names: ``mirna_name``, ``gene_name``, ``experimental_method``,
    ``article_pubmed_id``), keeping strong methods (as :func:`read_mirtarbase`) and
    positive interactions; ``attrs["notes"]`` says how many rows each filter dropped, and
    when the file has no species column (then no row is filtered by species)."""
    df = _read(path)
    m = _pick(
        df,
        {
            "mirna": ("mirna", "mirna_name"),
            "target": ("genename", "gene_name", "gene"),
            "evidence": ("method", "experimental_method"),
        },
        str(path),
    )
    for role, names in {
        "species": ("species",),
        "pmid": ("pmid", "article_pubmed_id", "publication"),
    }.items():
        hit = next((c for c in df.columns if c.strip().lower() in names), None)
        if hit:
            m[role] = hit
    sign = next(
        (c for c in df.columns if c.strip().lower() in ("positive_negative", "regulation")), None
    )
    notes: list[str] = []
    if sign is not None:
        value = df[sign].str.strip().str.upper()
        if sign.strip().lower() == "positive_negative":  # v8: POSITIVE or NEGATIVE, nothing else
            unknown = np.flatnonzero(~value.isin(("POSITIVE", "NEGATIVE")).to_numpy())
            if len(unknown):
                raise DataError(
                    [
                        Problem(
                            f"unknown value {df[sign].iloc[i]!r}: an interaction is POSITIVE "
                            "or NEGATIVE",
                            file=str(path),
                            row=int(df.attrs["rows"][i]),
                            column=sign,
                            fix="give the export as TarBase writes it (POSITIVE/NEGATIVE), or "
                            "remove the row",
                        )
                        for i in unknown
                    ]
                )
        neg = value.str.startswith("NEG")
        if neg.any():
            notes.append(f"{int(neg.sum())} NEGATIVE row(s) dropped (no interaction found)")
        df = df[~neg.to_numpy()]
    return _finish(df, m, str(path), species, strong_only, m["evidence"], notes)
