"""Non-compartmental analysis matching Phoenix WinNonlin, vectorised over profiles.

``nca(study)`` computes every Phoenix parameter for every profile (extravascular, IV bolus,
IV infusion; single dose, dosing intervals at steady state, partial AUCs; sparse
serial-sacrifice designs; urine) and returns an :class:`NCAResult` with long, wide and
CDISC PP views, summaries and provenance. Methods and defaults: docs/nca.md.

>>> from kinetor.nca import Options, PARAMETERS
>>> Options().auc_method
'lin-up/log-down'
>>> PARAMETERS["aucifo"].code
'AUCIFO'
"""

from kinetor.nca.accumulation import accumulation
from kinetor.nca.api import nca
from kinetor.nca.bioavailability import bioavailability
from kinetor.nca.options import Options
from kinetor.nca.registry import PARAMETERS, Parameter
from kinetor.nca.result import NCAResult

__all__ = ["PARAMETERS", "NCAResult", "Options", "Parameter", "accumulation",
           "bioavailability", "nca"]
