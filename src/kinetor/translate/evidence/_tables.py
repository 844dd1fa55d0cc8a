"""The evidence tables' layout: file names, columns, numeric columns and vocabularies.

One :class:`_Spec` per shipped table (``*.csv`` beside this module, described in its
README) and the allowed values of the vocabulary columns, used by the loaders in
:mod:`kinetor.translate.evidence`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DATA_DIR",
    "HOW_OBTAINED",
    "PK_PARAMETERS",
    "SPECIES",
    "SPLITS",
    "STATUS",
    "UNCERTAINTY_KINDS",
    "VALUE_KINDS",
    "VEHICLE",
]

DATA_DIR = Path(__file__).resolve().parent

STATUS = ("firm", "likely", "unverified")
HOW_OBTAINED = ("table", "text", "abstract", "figure-legend", "recalled")
SPLITS = ("fit", "heldout")
SPECIES = ("mouse", "rat", "dog", "monkey", "human", "pooled")
PK_PARAMETERS = (
    "CL",
    "CL/F",
    "Vss",
    "V/F",
    "t1/2",
    "F",
    "Cmax",
    "tmax",
    "AUC",
    "fu",
    "Kp_tumor",
    "Kpuu_tumor",
    "tumor_accumulation_ss",
    "Ctrough",
    "V1/F",
    "V2/F",
    "Q/F",
    "CLint/F",
)
UNCERTAINTY_KINDS = (
    "",
    "sd",
    "sem",
    "cv_pct",
    "ci95",
    "range",
    "approx",
    "lower_bound",
    "upper_bound",
    "qualitative",
)
VALUE_KINDS = (
    "tgi_pct",
    "tc_pct",
    "regression_pct",
    "mean_volume_mm3",
    "equal_efficacy_dose_ratio",
    "qualitative",
)
VEHICLE = "vehicle"
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_PMID = re.compile(r"^\d{1,9}$")
_TEMPLATE = "{dose}"


@dataclass(frozen=True)
class _Spec:
    """A table's file, required columns, numeric columns, optional columns and the
    columns its loader derives (``evidence show --out`` writes them; a check of such an
    export ignores them, as the loader recomputes them from the other columns)."""

    file: str
    columns: tuple[str, ...]
    numeric: tuple[str, ...]
    optional: tuple[str, ...] = ()
    derived: tuple[str, ...] = ("usable",)


_PK = _Spec(
    "pk_sets.csv",
    (
        "compound",
        "species",
        "strain",
        "dose",
        "dose_unit",
        "route",
        "parameter",
        "value",
        "value_high",
        "unit",
        "uncertainty",
        "uncertainty_kind",
        "fu_species",
        "doi",
        "pmid",
        "authors_year",
        "figure_table",
        "how_obtained",
        "status",
        "note",
    ),
    ("dose", "value", "value_high"),
    ("source_url",),
)
_STUDIES = _Spec(
    "xenograft_studies.csv",
    (
        "study_id",
        "doi",
        "pmid",
        "authors_year",
        "figure_table",
        "model",
        "host",
        "er_genotype",
        "start_volume_mm3",
        "n_per_arm",
        "duration_days",
        "split",
        "how_obtained",
        "status",
        "note",
    ),
    ("duration_days",),
    ("source_url",),
)
_ARMS = _Spec(
    "xenograft_arms.csv",
    (
        "study_id",
        "arm",
        "compounds",
        "dose_mg_kg",
        "schedule",
        "treatment_days",
        "day",
        "value",
        "value_high",
        "sem",
        "n",
        "value_kind",
        "how_obtained",
        "status",
        "note",
    ),
    ("treatment_days", "day", "value", "value_high", "sem", "n"),
    derived=("split", "usable", "pattern_only"),
)
_PKPD = _Spec(
    "pkpd_invivo.csv",
    (
        "study_id",
        "doi",
        "pmid",
        "compound",
        "species",
        "model",
        "dose_mg_kg",
        "regimen",
        "time_h",
        "analyte_or_readout",
        "value",
        "value_high",
        "unit",
        "uncertainty",
        "uncertainty_kind",
        "figure_table",
        "how_obtained",
        "status",
        "note",
    ),
    ("dose_mg_kg", "time_h", "value", "value_high"),
)
_CLIN = _Spec(
    "clinical_pd.csv",
    (
        "study_id",
        "doi",
        "pmid",
        "authors_year",
        "compound",
        "population",
        "dose",
        "dose_unit",
        "regimen",
        "time_h",
        "tissue",
        "analyte_or_readout",
        "value",
        "value_high",
        "unit",
        "uncertainty",
        "uncertainty_kind",
        "n",
        "figure_table",
        "how_obtained",
        "status",
        "note",
    ),
    ("dose", "time_h", "value", "value_high", "n"),
)
