"""Validated miRNA -> target interactions for the network's genes, and database readers.

:data:`INTERACTIONS` is a small curated table: only interactions shown with a reporter
assay, Western blot or qPCR in the cited paper, each with its PubMed id and evidence.
``status`` says how it was checked: ``firm`` = the interaction and evidence were read in
the paper's abstract and the PMID confirmed; ``likely`` = read in the paper, PMID not
confirmed (the DOI/PMC id is given); ``unverified`` = reported elsewhere, source not read.
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

from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = ["INTERACTIONS", "STRONG_EVIDENCE", "Interaction", "read_mirtarbase",
           "read_tarbase", "validated_targets"]

#: Experiments accepted as strong evidence (case-insensitive substrings).
STRONG_EVIDENCE = ("reporter", "luciferase", "western", "qpcr", "qrt-pcr", "real-time pcr")


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


INTERACTIONS: tuple[Interaction, ...] = (
    Interaction("hsa-miR-21-5p", "PTEN", "reporter assay; Western blot", "17681183",
                "Meng et al. 2007 Gastroenterology 133:647, doi:10.1053/j.gastro.2007.05.022",
                "firm", "hepatocellular cancer cells; PTEN a direct target"),
    Interaction("hsa-miR-99a-5p", "MTOR", "reporter assay; Western blot", "23292834",
                "Sun et al. 2013 Med Oncol 30:411, doi:10.1007/s12032-012-0411-9", "firm",
                "oesophageal squamous carcinoma; 3'UTR luciferase"),
    Interaction("hsa-miR-100-5p", "MTOR", "reporter assay; Western blot", "23292834",
                "Sun et al. 2013 Med Oncol 30:411, doi:10.1007/s12032-012-0411-9", "firm",
                "miR-99a/100 both shown on the MTOR 3'UTR"),
    Interaction("hsa-miR-99a-5p", "MTOR", "reporter assay; Western blot", "24637915",
                "Hu et al. 2014 PLoS One 9:e92099, doi:10.1371/journal.pone.0092099", "firm",
                "breast cancer cells; p-4E-BP1 and p-S6K1 fall"),
    Interaction("hsa-miR-100-5p", "MTOR", "reporter assay; qPCR; Western blot", "32999755",
                "Lin et al. 2020 Exp Hematol Oncol 9:25, doi:10.1186/s40164-020-00182-2",
                "firm", "mantle cell lymphoma; dual luciferase"),
    Interaction("hsa-miR-7-5p", "MTOR", "reporter assay; Western blot", "28927113",
                "Wang et al. 2017 Oncol Lett 14:3566, doi:10.3892/ol.2017.6573", "firm",
                "hepatocellular carcinoma cells"),
    Interaction("hsa-miR-7-5p", "PIK3CD", "reporter assay (reported)", "",
                "Fang et al. 2012 Hepatology (reported in reviews; not read)", "unverified",
                "PIK3CD is not a node of the network"),
    Interaction("hsa-miR-126-3p", "PIK3R2", "reporter assay", "",
                "Fish et al. 2008 Dev Cell 15:272, doi:10.1016/j.devcel.2008.07.008, "
                "PMC2604134", "likely",
                "endothelial cells; PMID not confirmed; PIK3R2 is not a network node"),
    Interaction("hsa-miR-199a-3p", "MTOR", "Western blot", "28422725",
                "Li et al. 2017 Oncotarget 8:33621, doi:10.18632/oncotarget.16834", "firm",
                "cholangiocarcinoma cells; mimics lower mTOR, p-4EBP1, p-p70S6K"),
    Interaction("hsa-let-7a-5p", "KRAS", "reporter assay; Western blot", "15766527",
                "Johnson et al. 2005 Cell 120:635, doi:10.1016/j.cell.2005.01.014", "firm",
                "let-7 family; human RAS 3'UTRs carry let-7 sites"),
    Interaction("hsa-let-7a-5p", "NRAS", "reporter assay; Western blot", "15766527",
                "Johnson et al. 2005 Cell 120:635, doi:10.1016/j.cell.2005.01.014", "firm",
                "let-7 family; human RAS 3'UTRs carry let-7 sites"),
)


def validated_targets(status: tuple[str, ...] = ("firm", "likely", "unverified")
                      ) -> pd.DataFrame:
    """The curated table as a frame (``mirna``, ``target``, ``evidence``, ``pmid``,
    ``reference``, ``status``, ``note``), filtered by ``status``."""
    df = pd.DataFrame([asdict(i) for i in INTERACTIONS])
    return df[df["status"].isin(status)].reset_index(drop=True)


def _strong(text: str) -> bool:
    t = str(text).lower()
    return any(k in t for k in STRONG_EVIDENCE)


def _read(path) -> pd.DataFrame:
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"no such file: {p}")
    if p.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(p, dtype=str)
    with p.open(encoding="utf-8", errors="replace") as fh:
        first = fh.readline()
    return pd.read_csv(p, sep="\t" if "\t" in first else ",", dtype=str, keep_default_na=False)


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
        raise DataError(Problem(f"missing column(s): {'; '.join(missing)}", file=source, row=1,
                                fix="give the export file as the database writes it"))
    return out


def _finish(df, m, source, species, strong_only, evidence_col) -> pd.DataFrame:
    out = pd.DataFrame({"mirna": df[m["mirna"]].str.strip(),
                        "target": df[m["target"]].str.strip().str.upper(),
                        "evidence": df[evidence_col] if evidence_col else "",
                        "pmid": df[m["pmid"]].astype(str) if "pmid" in m else "",
                        "reference": source, "status": "database"})
    if species and "species" in m:
        out = out[df[m["species"]].str.contains(species, case=False, regex=False).to_numpy()]
    if strong_only:
        out = out[out["evidence"].map(_strong).to_numpy()]
    return out.drop_duplicates().reset_index(drop=True)


def read_mirtarbase(path, species: str = "Homo sapiens", strong_only: bool = True
                    ) -> pd.DataFrame:
    """Read a miRTarBase export (``miRNA``, ``Target Gene``, ``Experiments``,
    ``References (PMID)``...), keeping strong evidence (reporter, Western, qPCR) by default.

    Returns the columns of :func:`validated_targets` (``status`` = ``database``).
    """
    df = _read(path)
    m = _pick(df, {"mirna": ("mirna",), "target": ("target gene", "target"),
                   "evidence": ("experiments", "experiment")}, str(path))
    m.update({k: v for k, v in {"pmid": next((c for c in df.columns if c.strip().lower()
                                               in ("references (pmid)", "pmid")), None),
                                 "species": next((c for c in df.columns if c.strip().lower()
                                                  in ("species (mirna)", "species")), None)
                                 }.items() if v})
    return _finish(df, m, str(path), species, strong_only, m["evidence"])


def read_tarbase(path, species: str = "Homo sapiens", strong_only: bool = True
                 ) -> pd.DataFrame:
    """Read a DIANA-TarBase export (``mirna``, ``geneName``, ``method``, ``species``;
    v8 and v9 column names), keeping strong methods and positive interactions."""
    df = _read(path)
    m = _pick(df, {"mirna": ("mirna", "mirna_name"),
                   "target": ("genename", "gene_name", "gene"),
                   "evidence": ("method", "experimental_method")}, str(path))
    for role, names in {"species": ("species",), "pmid": ("pmid", "publication")}.items():
        hit = next((c for c in df.columns if c.strip().lower() in names), None)
        if hit:
            m[role] = hit
    sign = next((c for c in df.columns if c.strip().lower() in ("positive_negative",
                                                                  "regulation")), None)
    if sign is not None:
        df = df[~df[sign].str.upper().str.startswith("NEG")]
    return _finish(df, m, str(path), species, strong_only, m["evidence"])
