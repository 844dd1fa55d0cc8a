"""ADME: excretion and mass balance, metabolite ratios, radioactivity, protein binding,
blood partitioning and free-drug exposure.

Formulas, defaults and sources: docs/adme.md. Functions take plain arrays or tidy
DataFrames, including long NCA parameter tables (``PPTESTCD``, ``value``, ``unit``).

Examples
--------
>>> from kinetor.adme import fu_dialysis, metabolite_to_parent_ratio
>>> round(float(fu_dialysis(5.0, 100.0)), 6), float(metabolite_to_parent_ratio(10.0, 100.0))
(0.05, 0.1)
"""

from kinetor.adme.binding import (
    binding_table,
    blood_to_plasma,
    dialysis_recovery,
    fu_dialysis,
    fu_ultrafiltration,
    fu_undiluted,
)
from kinetor.adme.excretion import ExcretionResult, cumulative_excretion, normalise_matrix
from kinetor.adme.exposure import (
    free_cmax_over_ic50,
    free_exposure,
    time_above,
    time_above_threshold,
)
from kinetor.adme.metabolites import (
    metabolite_ratios,
    metabolite_to_parent_ratio,
    parameter_table,
    parent_fraction,
    parent_fraction_of_radioactivity,
)

__all__ = [
    "ExcretionResult",
    "binding_table",
    "blood_to_plasma",
    "cumulative_excretion",
    "dialysis_recovery",
    "free_cmax_over_ic50",
    "free_exposure",
    "fu_dialysis",
    "fu_ultrafiltration",
    "fu_undiluted",
    "metabolite_ratios",
    "metabolite_to_parent_ratio",
    "normalise_matrix",
    "parameter_table",
    "parent_fraction",
    "parent_fraction_of_radioactivity",
    "time_above",
    "time_above_threshold",
]
