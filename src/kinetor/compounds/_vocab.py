"""Controlled vocabularies of the compound library (one place, used by schema and checks).

Examples
--------
>>> "firm" in STATUSES and "assumption" in STATUSES
True
>>> CLASS_MECHANISM["tor_kinase_inhibitor"]
'mtor_kinase'
>>> normalise_route("PO"), normalise_species("Mice")
('oral', 'mouse')
"""

from __future__ import annotations

import re

# Evidence status of every value (docs/compounds.md, "Status vocabulary").
STATUSES = ("firm", "likely", "unverified", "assumption")
STATUS_RANK = {s: i for i, s in enumerate(STATUSES)}  # lower = better evidence

DRUG_CLASSES = (
    "rapalog",
    "tor_kinase_inhibitor",
    "dual_pi3k_mtor",
    "pi3k_alpha",
    "pan_pi3k",
    "akt_inhibitor",
    "igf1r",
    "egfr",
    "her2",
    "mek",
    "braf",
    "ampk_activator",
    "endocrine",
    "somatostatin_analogue",
)

# Mechanisms understood by the pathway model (kinetor.pathway consumes exactly these).
PATHWAY_MECHANISMS = (
    "rapalog",
    "mtor_kinase",
    "dual_pi3k_mtor",
    "pi3k_alpha",
    "pan_pi3k",
    "akt_allosteric",
    "akt_atp",
    "igf1r",
    "egfr",
    "her2",
    "mek",
    "braf",
    "ampk_activator",
    "bivalent_mtor",
    "pi3k_beta",
    "pi3k_covalent",
    "erbb_kinase",
    "her2_antibody",
    "serd",
    "serm",
    "aromatase",
)

# Default mechanism per class; None = the class has no node in the network.
CLASS_MECHANISM: dict[str, str | None] = {
    "rapalog": "rapalog",
    "tor_kinase_inhibitor": "mtor_kinase",
    "dual_pi3k_mtor": "dual_pi3k_mtor",
    "pi3k_alpha": "pi3k_alpha",
    "pan_pi3k": "pan_pi3k",
    "akt_inhibitor": "akt_atp",
    "igf1r": "igf1r",
    "egfr": "egfr",
    "her2": "her2",
    "mek": "mek",
    "braf": "braf",
    "ampk_activator": "ampk_activator",
    "endocrine": None,
    "somatostatin_analogue": None,
}

MODALITIES = ("small_molecule", "antibody", "peptide")
TARGET_ROLES = ("primary", "secondary", "off_target")
POTENCY_MEASURES = ("IC50", "Ki", "Kd", "EC50", "GI50")
# "unspecified": the source (e.g. a ChEMBL extract) does not say which kind of assay.
ASSAY_TYPES = ("enzyme", "cellular", "in_vivo", "unspecified")
ASSAY_PREFERENCE = {"cellular": 0, "enzyme": 1, "unspecified": 2, "in_vivo": 3}
QUALIFIERS = ("=", "~", "<", "<=", ">", ">=")

SPECIES = ("mouse", "rat", "dog", "monkey", "human", "unspecified")
_SPECIES_ALIASES = {
    "mice": "mouse",
    "murine": "mouse",
    "rats": "rat",
    "dogs": "dog",
    "beagle": "dog",
    "cynomolgus": "monkey",
    "cyno": "monkey",
    "primate": "monkey",
    "humans": "human",
    "patient": "human",
    "patients": "human",
    "preclinical": "unspecified",
}

ROUTES = ("oral", "iv_bolus", "iv_infusion", "iv", "sc", "ip", "im")
_ROUTE_ALIASES = {
    "po": "oral",
    "p.o.": "oral",
    "oral": "oral",
    "per_os": "oral",
    "iv": "iv",
    "i.v.": "iv",
    "intravenous": "iv",
    "iv_bolus": "iv_bolus",
    "iv_infusion": "iv_infusion",
    "infusion": "iv_infusion",
    "sc": "sc",
    "subcutaneous": "sc",
    "ip": "ip",
    "intraperitoneal": "ip",
    "im": "im",
    "intramuscular": "im",
}
EXTRAVASCULAR = ("oral", "sc", "ip", "im")

PK_KINDS = ("nca", "model")
PK_MODELS = ("1cmt", "2cmt")

# PK parameter -> expected dimension family (checked by kinetor.compounds.checks).
PK_PARAMETERS = {
    "cmax": "conc",
    "ctrough": "conc",
    "css": "conc",
    "tmax": "time",
    "t_half": "time",
    "mrt": "time",
    "tlag": "time",
    "auc": "conc_time",
    "auc_last": "conc_time",
    "auc_inf": "conc_time",
    "auc_tau": "conc_time",
    "cl": "flow",
    "cl_f": "flow",
    "q": "flow",
    "v": "volume",
    "v_f": "volume",
    "vz": "volume",
    "vz_f": "volume",
    "vss": "volume",
    "v1": "volume",
    "v2": "volume",
    "ka": "rate",
    "k": "rate",
    "f": "fraction",
}
MODEL_REQUIRED = {
    ("1cmt", "iv"): ("cl", "v"),
    ("1cmt", "ev"): ("cl", "v", "ka", "f"),
    ("2cmt", "iv"): ("cl", "v1", "q", "v2"),
    ("2cmt", "ev"): ("cl", "v1", "q", "v2", "ka", "f"),
}


def normalise_species(text: str) -> str:
    """Canonical species name (``'Mice'`` -> ``'mouse'``); unknown names pass through."""
    low = str(text).strip().lower()
    return _SPECIES_ALIASES.get(low, low)


def normalise_route(text: str) -> str:
    """Canonical route name (``'PO'`` -> ``'oral'``); unknown names pass through lower-cased."""
    low = str(text).strip().lower().replace(" ", "_")
    return _ROUTE_ALIASES.get(low, low)


def route_class(route: str) -> str:
    """``'iv_bolus'``, ``'iv_infusion'`` or ``'extravascular'`` (kinetor's route names)."""
    if route in EXTRAVASCULAR:
        return "extravascular"
    return "iv_infusion" if route == "iv_infusion" else "iv_bolus"


def name_key(text: str) -> str:
    """Lookup key for names and synonyms: case, spaces, dashes and dots ignored.

    >>> name_key("AZD-2014") == name_key("azd 2014") == "azd2014"
    True
    """
    return re.sub(r"[\s\-_.,/()]+", "", str(text)).lower()
