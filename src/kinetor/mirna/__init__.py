"""miRNA-target analysis on the PI3K/AKT/mTOR network.

A curated table of experimentally validated interactions (:data:`INTERACTIONS`), readers
for miRTarBase and DIANA-TarBase exports, pathway targets and enrichment of a differential
miRNA table (hypergeometric test, BH FDR), and the network consequence: miRNA change ->
target protein change (a stated repression model) -> simulated readouts and growth. See
docs/mirna.md.

Examples
--------
>>> import kinetor.mirna as km
>>> "hsa-miR-21-5p" in set(km.validated_targets()["mirna"])
True
"""

from kinetor.mirna.enrich import (
    changed_mirnas,
    enrichment,
    match_mirnas,
    pathway_targets,
    read_de_mirnas,
)
from kinetor.mirna.simulate import protein_changes, protein_fraction, simulate_mirna_change
from kinetor.mirna.targets import (
    INTERACTIONS,
    STRONG_EVIDENCE,
    Interaction,
    read_mirtarbase,
    read_tarbase,
    validated_targets,
)

__all__ = [
    "INTERACTIONS",
    "STRONG_EVIDENCE",
    "Interaction",
    "changed_mirnas",
    "enrichment",
    "match_mirnas",
    "pathway_targets",
    "protein_changes",
    "protein_fraction",
    "read_de_mirnas",
    "read_mirtarbase",
    "read_tarbase",
    "simulate_mirna_change",
    "validated_targets",
]
