"""Bioequivalence (crossover, replicate, parallel; EMA ABEL), TOST power and sample size,
dose proportionality.

The package is itself callable: ``kinetor.be(data, ...)`` is ``kinetor.be.be(data, ...)``.

>>> from kinetor.be import be, dose_proportionality, power_tost, sample_size_tost
"""

from __future__ import annotations

import sys
import types

from kinetor.be.analysis import BEResult, be
from kinetor.be.power import power_tost, sample_size_tost
from kinetor.be.proportionality import DoseProportionalityResult, dose_proportionality

__all__ = [
    "BEResult",
    "DoseProportionalityResult",
    "be",
    "dose_proportionality",
    "power_tost",
    "sample_size_tost",
]


class _CallableModule(types.ModuleType):
    def __call__(self, data, metrics=None, **kwargs):
        return be(data, metrics, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
