"""Named cell lines -> network lesions: the one table for the evidence scenarios and for
``kinetor.assays`` (measured next to predicted).

Mutations from the Cancer Cell Line Encyclopedia (Barretina J et al. 2012 Nature 483:603,
doi:10.1038/nature11003; Ghandi M et al. 2019 Nature 569:503,
doi:10.1038/s41586-019-1186-3) and the COSMIC Cell Lines Project (Tate JG et al. 2019
Nucleic Acids Res 47:D941, doi:10.1093/nar/gky1015); ER status of breast lines from Neve RM
et al. 2006 Cancer Cell 10:515 (doi:10.1016/j.ccr.2006.10.008). Status likely for every
row: widely reported driver lesions, recalled from these catalogues, not re-read here. Only
lesions the network models are listed; non-breast lines are ER-negative; TP53 mutations are
not mapped (``TP53_loss`` acts only under ``dna_damage``, which no scenario of a named line
sets). PIK3CA K111N (BT474) is a weakly activating allele, mapped to ``PIK3CA_mut``.
Keys are upper case (look lines up with ``name.upper()``).

Examples
--------
>>> CELL_LINES["MCF7"], CELL_LINES["A375"]
(('PIK3CA_mut',), ('BRAF_mut', 'ER_negative'))
"""

from __future__ import annotations

__all__ = ["CELL_LINES"]

CELL_LINES: dict[str, tuple[str, ...]] = {
    # breast
    "BT474": ("HER2_amp", "PIK3CA_mut"),  # ER+; HER2 amplified, PIK3CA K111N
    "MCF7": ("PIK3CA_mut",),  # ER+; PIK3CA E545K
    "MCF-7": ("PIK3CA_mut",),
    "T47D": ("PIK3CA_mut",),  # ER+; PIK3CA H1047R
    "SKBR3": ("HER2_amp", "ER_negative"),
    "MDA-MB-468": ("PTEN_loss", "ER_negative"),  # PTEN deleted, EGFR amplified
    "HCC-1954": ("HER2_amp", "PIK3CA_mut", "ER_negative"),
    # other tissues
    "U87MG": ("PTEN_loss", "ER_negative"),  # glioblastoma, PTEN splice mutation
    "A549": ("KRAS_mut", "LKB1_loss", "ER_negative"),  # KRAS G12S, STK11 Q37*
    "H838": ("ER_negative",),  # NSCLC
    "PC3": ("PTEN_loss", "ER_negative"),  # prostate, PTEN deleted (TP53 null, not mapped)
    "LNCAP": ("PTEN_loss", "ER_negative"),  # prostate, PTEN frameshift
    "U937": ("PTEN_loss", "ER_negative"),
    "A2780": ("PTEN_loss", "ER_negative"),
    "SKOV-3": ("HER2_amp", "PIK3CA_mut", "ER_negative"),
    "HCT116": ("KRAS_mut", "PIK3CA_mut", "ER_negative"),  # colorectal, KRAS G13D, H1047R
    # O'Neil 2016 screen lines (evidence part C)
    "A2058": ("BRAF_mut", "PTEN_loss", "ER_negative"),  # melanoma, BRAF V600E, PTEN lost
    "A375": ("BRAF_mut", "ER_negative"),  # melanoma, BRAF V600E
    "A427": ("KRAS_mut", "LKB1_loss", "ER_negative"),  # lung, KRAS G12D, STK11 lost
    "CAOV3": ("ER_negative",),  # ovarian, no network lesion
}
