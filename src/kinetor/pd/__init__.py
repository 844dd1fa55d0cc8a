"""Exposure-response and tumour growth models, and tumour growth inhibition (TGI) metrics.

* Direct response: :class:`Emax`, :class:`SigmoidEmax`, :class:`Imax`.
* Delay: :class:`EffectCompartment` (exact for piecewise-linear plasma courses).
* Indirect response I-IV: :class:`IndirectResponseI` ... :class:`IndirectResponseIV`.
* Tumour growth: :class:`ExponentialGrowth`, :class:`LinearGrowth`,
  :class:`ExponentialLinearGrowth`, :class:`GompertzGrowth`, :class:`LogisticGrowth`,
  :class:`Simeoni`; drug effect from a concentration or from arbitrary drive time courses
  (e.g. the pathway network's growth readout), vectorised over animals through a compiled
  (numba) integrator.
* TGI metrics on tidy tumour-volume tables: :func:`tgi`, :func:`tc_ratio` (module
  :mod:`kinetor.pd.tgi_metrics`).
* Fitting to biomarker and tumour-volume data: :func:`fit_pd`.

Equations, metric formulas and their sources are collected in ``docs/pd.md``.

Examples
--------
>>> import kinetor.pd as pd_
>>> float(pd_.Emax(e0=0.0, emax=100.0, ec50=1.0).predict(1.0))
50.0
"""

from kinetor.pd.direct import Emax, Imax, SigmoidEmax
from kinetor.pd.effect import EffectCompartment
from kinetor.pd.fit import PDFitter
from kinetor.pd.fit_models import (
    BIOMARKER_MODELS,
    TUMOR_MODELS,
    BiomarkerFitter,
    TumorFitter,
    fit_pd,
)
from kinetor.pd.growth import (
    PACLITAXEL_A2780,
    ExponentialGrowth,
    ExponentialLinearGrowth,
    GompertzGrowth,
    LinearGrowth,
    LogisticGrowth,
    Simeoni,
)
from kinetor.pd.idr import (
    IndirectResponseI,
    IndirectResponseII,
    IndirectResponseIII,
    IndirectResponseIV,
)
from kinetor.pd.response import (
    best_response,
    body_weight_change,
    doubling_time,
    growth_delay,
    growth_rates,
    rate_based_tc,
    response_summary,
)
from kinetor.pd.tgi_metrics import TGI_FORMULAS, tc_ratio, tgi
from kinetor.pd.tumor import TumorModel, TumorSimulation
from kinetor.pd.volumes import caliper_volume, read_volumes, volume_summary

__all__ = [
    "BIOMARKER_MODELS",
    "PACLITAXEL_A2780",
    "TGI_FORMULAS",
    "TUMOR_MODELS",
    "BiomarkerFitter",
    "EffectCompartment",
    "Emax",
    "ExponentialGrowth",
    "ExponentialLinearGrowth",
    "GompertzGrowth",
    "Imax",
    "IndirectResponseI",
    "IndirectResponseII",
    "IndirectResponseIII",
    "IndirectResponseIV",
    "LinearGrowth",
    "LogisticGrowth",
    "PDFitter",
    "SigmoidEmax",
    "Simeoni",
    "TumorFitter",
    "TumorModel",
    "TumorSimulation",
    "best_response",
    "body_weight_change",
    "caliper_volume",
    "doubling_time",
    "fit_pd",
    "growth_delay",
    "growth_rates",
    "rate_based_tc",
    "read_volumes",
    "response_summary",
    "tc_ratio",
    "tgi",
    "volume_summary",
]
