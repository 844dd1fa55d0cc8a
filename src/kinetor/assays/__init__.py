"""Cell-based assays: plate readers, dose-response and GR fits, drug combinations, Western
blot densitometry, clonogenic survival and colony counting.

Examples
--------
>>> import kinetor as kt
>>> callable(kt.assays.fit_dose_response)
True
"""

from kinetor.assays._tidy import melt_replicates
from kinetor.assays.clonogenic_survival import clonogenic, dose_at_survival, mean_inactivation_dose
from kinetor.assays.colonies import count_colonies
from kinetor.assays.compare import CELL_LINES, compare_network
from kinetor.assays.doseresponse import DoseResponseFit, fit_dose_response
from kinetor.assays.gr import fit_gr, gr_values
from kinetor.assays.logistic_fit import LogisticFitter
from kinetor.assays.musyc import fit_musyc
from kinetor.assays.plates import merge_plate_map, read_plate, read_plate_map, well_name
from kinetor.assays.qc import edge_effect, normalise, z_prime
from kinetor.assays.synergy_scores import METHODS, SynergyResult, synergy
from kinetor.assays.western import linear_range, normalise_bands, quantify_blot, read_blot

__all__ = [
    "CELL_LINES",
    "METHODS",
    "DoseResponseFit",
    "LogisticFitter",
    "SynergyResult",
    "clonogenic",
    "compare_network",
    "count_colonies",
    "dose_at_survival",
    "edge_effect",
    "fit_dose_response",
    "fit_gr",
    "fit_musyc",
    "gr_values",
    "linear_range",
    "mean_inactivation_dose",
    "melt_replicates",
    "merge_plate_map",
    "normalise",
    "normalise_bands",
    "quantify_blot",
    "read_blot",
    "read_plate",
    "read_plate_map",
    "synergy",
    "well_name",
    "z_prime",
]
