"""Population PK fitting (FOCE-I), visual predictive checks.

The package is itself callable: ``kinetor.popfit(study, "1cmt-oral", ...)`` is
``kinetor.popfit.popfit(...)``.

>>> from kinetor.popfit import PopModel, popfit, serial_sacrifice_comparison, vpc
"""

from __future__ import annotations

import sys
import types

from kinetor.popfit.compare import serial_sacrifice_comparison
from kinetor.popfit.fit import PopFitResult, popfit
from kinetor.popfit.model import STRUCTURES, Covariate, PopModel
from kinetor.popfit.predictive_checks import VPCResult, simulate_fit, vpc

__all__ = [
    "STRUCTURES",
    "Covariate",
    "PopFitResult",
    "PopModel",
    "VPCResult",
    "popfit",
    "serial_sacrifice_comparison",
    "simulate_fit",
    "vpc",
]


class _CallableModule(types.ModuleType):
    def __call__(self, study, model="1cmt-oral", **kwargs):
        return popfit(study, model, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
