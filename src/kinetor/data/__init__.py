"""Study data: the ``Study`` model, readers, BLQ rules, validation and writers.

>>> from kinetor.data import read_study, validate_study, write_csv, write_cdisc
"""

from kinetor.data.aliases import ALIASES
from kinetor.data.blq import BLQ_RULES, apply_blq_rule, fill_lloq
from kinetor.data.nominal import bin_nominal_times
from kinetor.data.readers import read_study
from kinetor.data.routes import ROUTES, normalise_route
from kinetor.data.study import Study
from kinetor.data.tissue import tissue_to_volume
from kinetor.data.validate import validate_study
from kinetor.data.writers import write_cdisc, write_csv

__all__ = [
    "ALIASES",
    "BLQ_RULES",
    "ROUTES",
    "Study",
    "apply_blq_rule",
    "bin_nominal_times",
    "fill_lloq",
    "normalise_route",
    "read_study",
    "tissue_to_volume",
    "validate_study",
    "write_cdisc",
    "write_csv",
]
