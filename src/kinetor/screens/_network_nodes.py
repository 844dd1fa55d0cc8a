"""The network's genes: HGNC symbol -> the protein totals of ``pathway/mtor.ant`` each
contributes to and its share of each, and common aliases (re-exported by
:mod:`kinetor.screens.network`, which documents the shares).

Examples
--------
>>> NODES["RPTOR"].shares, ALIASES["FRAP1"]
({'mTORC1_tot': 1.0}, 'MTOR')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["ALIASES", "NODES", "Node"]


@dataclass(frozen=True)
class Node:
    """A gene the network represents: the totals it contributes to and its share of each."""

    symbol: str
    shares: Mapping[str, float]
    note: str
    status: str


def _n(symbol, shares, note, status="firm (structure)"):
    return Node(symbol, shares, note, status)


#: HGNC symbol -> network node: the totals (or expression levels) it contributes to.
NODES: dict[str, Node] = {
    n.symbol: n
    for n in (
        _n("MTOR", {"mTORC1_tot": 1.0, "mTORC2_tot": 1.0}, "catalytic subunit of both complexes"),
        _n("RPTOR", {"mTORC1_tot": 1.0}, "mTORC1-specific subunit"),
        _n("MLST8", {"mTORC1_tot": 1.0, "mTORC2_tot": 1.0}, "shared subunit"),
        _n("RICTOR", {"mTORC2_tot": 1.0}, "mTORC2-specific subunit"),
        _n("MAPKAP1", {"mTORC2_tot": 1.0}, "SIN1, mTORC2 subunit"),
        _n("PIK3CA", {"PI3Ka_tot": 1.0}, "p110-alpha catalytic subunit (the PI3K-alpha pool)"),
        _n("PIK3CB", {"PI3Kb_tot": 1.0}, "p110-beta catalytic subunit (the PI3K-beta pool)"),
        _n(
            "PIK3R1",
            {"PI3Ka_tot": 1.0, "PI3Kb_tot": 1.0},
            "p85-alpha regulatory subunit (both class IA pools; p85-beta not modelled)",
            "assumed",
        ),
        _n("PTEN", {"PTEN_tot": 1.0}, "PIP3 3-phosphatase"),
        _n("PDPK1", {"PDK1_tot": 1.0}, "PDK1 (AKT T308 kinase)"),
        _n("AKT1", {"AKT_tot": 1 / 3}, "one of three AKT isoforms (equal shares)", "assumed"),
        _n("AKT2", {"AKT_tot": 1 / 3}, "one of three AKT isoforms (equal shares)", "assumed"),
        _n("AKT3", {"AKT_tot": 1 / 3}, "one of three AKT isoforms (equal shares)", "assumed"),
        _n("AKT1S1", {"PRAS40_tot": 1.0}, "PRAS40"),
        _n("FOXO1", {"FOXO_tot": 0.5}, "FOXO1 (equal shares with FOXO3)", "assumed"),
        _n("FOXO3", {"FOXO_tot": 0.5}, "FOXO3a (equal shares with FOXO1)", "assumed"),
        _n("GSK3B", {"GSK3_tot": 1.0}, "GSK3-beta (AKT substrate, S9)"),
        _n("ESR1", {"ER_expr": 1.0}, "oestrogen receptor alpha (expression level)"),
        _n("TSC1", {"TSC_tot": 1.0}, "TSC complex subunit (TSC2 unstable without it)"),
        _n("TSC2", {"TSC_tot": 1.0}, "TSC complex GAP subunit"),
        _n("RHEB", {"Rheb_tot": 1.0}, "mTORC1 activator GTPase"),
        _n("RPS6KB1", {"S6K1_tot": 1.0}, "S6K1"),
        _n("RPS6", {"S6_tot": 1.0}, "ribosomal protein S6"),
        _n("EIF4EBP1", {"EBP1_tot": 1.0}, "4E-BP1"),
        _n("EIF4E", {"eIF4E_tot": 1.0}, "cap-binding translation factor"),
        _n("IGF1R", {"IGF1R_tot": 1.0}, "receptor"),
        _n("EGFR", {"EGFR_tot": 1.0}, "receptor"),
        _n("ERBB2", {"HER2_tot": 1.0}, "HER2"),
        _n("STK11", {"LKB1_tot": 1.0}, "LKB1"),
        _n("PRKAA1", {"AMPK_tot": 0.5}, "AMPK alpha1 (equal shares with alpha2)", "assumed"),
        _n("PRKAA2", {"AMPK_tot": 0.5}, "AMPK alpha2 (equal shares with alpha1)", "assumed"),
        _n("TP53", {"p53_tot": 1.0}, "p53"),
        _n("HIF1A", {"HIF1a_tot": 1.0}, "HIF-1 alpha"),
        _n("DDIT4", {"REDD1_tot": 1.0}, "REDD1"),
        _n("KRAS", {"Ras_tot": 1 / 3}, "one of three Ras isoforms (equal shares)", "assumed"),
        _n("NRAS", {"Ras_tot": 1 / 3}, "one of three Ras isoforms (equal shares)", "assumed"),
        _n("HRAS", {"Ras_tot": 1 / 3}, "one of three Ras isoforms (equal shares)", "assumed"),
        _n("NF1", {"NF1_tot": 1.0}, "Ras GAP"),
        _n("BRAF", {"RAF_tot": 1 / 3}, "one of three RAF isoforms (equal shares)", "assumed"),
        _n("RAF1", {"RAF_tot": 1 / 3}, "one of three RAF isoforms (equal shares)", "assumed"),
        _n("ARAF", {"RAF_tot": 1 / 3}, "one of three RAF isoforms (equal shares)", "assumed"),
        _n("MAP2K1", {"MEK_tot": 0.5}, "MEK1 (equal shares with MEK2)", "assumed"),
        _n("MAP2K2", {"MEK_tot": 0.5}, "MEK2 (equal shares with MEK1)", "assumed"),
        _n("MAPK3", {"ERK_tot": 0.5}, "ERK1 (equal shares with ERK2)", "assumed"),
        _n("MAPK1", {"ERK_tot": 0.5}, "ERK2 (equal shares with ERK1)", "assumed"),
        _n("RPS6KA1", {"RSK_tot": 1 / 3}, "RSK1 (equal shares)", "assumed"),
        _n("RPS6KA2", {"RSK_tot": 1 / 3}, "RSK3 (equal shares)", "assumed"),
        _n("RPS6KA3", {"RSK_tot": 1 / 3}, "RSK2 (equal shares)", "assumed"),
    )
}

#: Common names and previous symbols -> HGNC symbol (upper case keys). ``PDK1`` is not
#: aliased: it is the HGNC symbol of pyruvate dehydrogenase kinase 1, not PDPK1.
ALIASES: dict[str, str] = {
    "FRAP1": "MTOR",
    "FRAP": "MTOR",
    "RAPTOR": "RPTOR",
    "KIAA1303": "RPTOR",
    "GBL": "MLST8",
    "AVO3": "RICTOR",
    "SIN1": "MAPKAP1",
    "P110A": "PIK3CA",
    "P110ALPHA": "PIK3CA",
    "P110B": "PIK3CB",
    "P85A": "PIK3R1",
    "P85ALPHA": "PIK3R1",
    "MMAC1": "PTEN",
    "PKB": "AKT1",
    "PKBA": "AKT1",
    "PRAS40": "AKT1S1",
    "TSC": "TSC1",
    "TUBERIN": "TSC2",
    "HAMARTIN": "TSC1",
    "S6K1": "RPS6KB1",
    "P70S6K": "RPS6KB1",
    "S6K": "RPS6KB1",
    "4EBP1": "EIF4EBP1",
    "4E-BP1": "EIF4EBP1",
    "HER2": "ERBB2",
    "NEU": "ERBB2",
    "LKB1": "STK11",
    "AMPKA1": "PRKAA1",
    "AMPKA2": "PRKAA2",
    "REDD1": "DDIT4",
    "ERK1": "MAPK3",
    "ERK2": "MAPK1",
    "MEK1": "MAP2K1",
    "MEK2": "MAP2K2",
    "CRAF": "RAF1",
    "RSK1": "RPS6KA1",
    "RSK2": "RPS6KA3",
    "P53": "TP53",
    "HIF1": "HIF1A",
}
