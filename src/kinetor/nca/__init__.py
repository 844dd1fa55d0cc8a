"""Non-compartmental analysis matching Phoenix WinNonlin, vectorised over profiles.

The package is itself callable: ``kinetor.nca(study, ...)`` is ``kinetor.nca.nca(study,
...)``. (Once ``kinetor.nca`` is imported, Python binds the package to the attribute
``kinetor.nca``, so the public verb ``kt.nca(...)`` has to work on the module.)

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

import inspect
import sys
import types

from kinetor.nca.accumulation_ratios import accumulation
from kinetor.nca.api import nca
from kinetor.nca.bioavailability_ratios import bioavailability
from kinetor.nca.options import Options
from kinetor.nca.registry import PARAMETERS, Parameter
from kinetor.nca.result import NCAResult

__all__ = [
    "PARAMETERS",
    "NCAResult",
    "Options",
    "Parameter",
    "accumulation",
    "bioavailability",
    "nca",
]


class _CallableModule(types.ModuleType):
    def __call__(self, study, **kwargs):
        return nca(study, **kwargs)


# kt.nca(...) shows nca's explicit keyword arguments (help(), inspect.signature, IDEs)
_CallableModule.__call__.__doc__ = nca.__doc__
_CallableModule.__call__.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY),
        *inspect.signature(nca).parameters.values(),
    ]
)


sys.modules[__name__].__class__ = _CallableModule
