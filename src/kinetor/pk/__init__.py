"""Compartmental PK: regimens, closed-form and ODE simulation, fitting, populations, scaling.

Import is light: the compiled kernels (numba) load on first use.

Examples
--------
>>> import numpy as np
>>> import kinetor as kt
>>> reg = kt.Regimen.parse("15 mg/kg PO QD x 3 days")
>>> model = kt.pk.OneCompartmentOral(cl="0.5 L/h/kg", v="2 L/kg", ka="1 1/h")
>>> sim = kt.simulate(model, reg, np.arange(0, 73.0), weight=0.025, conc_unit="ug/mL")
>>> sim.conc.shape
(1, 73)
"""

from kinetor.pk.course import Polyexponential, polyexponential
from kinetor.pk.events import build_events
from kinetor.pk.fih import human_equivalent_dose, starting_dose
from kinetor.pk.fit import PKFitResult, fit_pk
from kinetor.pk.fitter import Fitter, PKFitter
from kinetor.pk.models import (
    OneCompartment,
    OneCompartmentOral,
    PKModel,
    ThreeCompartment,
    ThreeCompartmentOral,
    TwoCompartment,
    TwoCompartmentOral,
    model_class,
)
from kinetor.pk.nonlinear import MichaelisMenten, MichaelisMentenOral
from kinetor.pk.regimen import Regimen, RegimenError
from kinetor.pk.scaling import (
    SPECIES,
    allometric_scale,
    fit_allometry,
    free_concentration,
    human_dose,
    predict_human_cl,
)
from kinetor.pk.simulation import SimulationResult, population, simulate
from kinetor.pk.variability import ResidualError, Variability

__all__ = [
    "SPECIES",
    "Fitter",
    "MichaelisMenten",
    "MichaelisMentenOral",
    "OneCompartment",
    "OneCompartmentOral",
    "PKFitResult",
    "PKFitter",
    "PKModel",
    "Polyexponential",
    "Regimen",
    "RegimenError",
    "ResidualError",
    "SimulationResult",
    "ThreeCompartment",
    "ThreeCompartmentOral",
    "TwoCompartment",
    "TwoCompartmentOral",
    "Variability",
    "allometric_scale",
    "build_events",
    "fit_allometry",
    "fit_pk",
    "free_concentration",
    "human_dose",
    "human_equivalent_dose",
    "model_class",
    "polyexponential",
    "population",
    "predict_human_cl",
    "simulate",
    "starting_dose",
]
