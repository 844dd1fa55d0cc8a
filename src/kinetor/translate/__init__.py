"""The translational chain: dose -> PK -> free concentration -> pathway -> biomarkers -> tumour.

* :func:`run_study`: a virtual xenograft study (arms, animals, vehicle, combinations),
  results as tidy frames (``.pk``, ``.biomarkers``, ``.tumor``, ``.tgi``) and plots;
  :func:`simulate_study` runs the same chain from design objects (:class:`StudyDesign`,
  :class:`ExposureOptions`, :class:`NetworkOptions`, :class:`Execution`).
* :func:`run_virtual_patients`: human PK (user-supplied where the library has none) and
  clinical schedules -> exposure and target engagement; :func:`clinical_pd_predictions`
  compares it with the published clinical pharmacodynamics (held out).
* :func:`invivo_potency_shift`, :func:`allometric_pk`: the in vivo potency shift from a
  published in vivo EC50, and human PK scaled to another species (an assumption).
* :func:`equal_efficacy_dose`, :func:`select_dose`: schedule comparison and dose selection
  by bisection on dose.
* :func:`scan`: dose x schedule x genotype scans in parallel processes or on Dask.
* :func:`get_tumor`, :func:`list_tumors`: the tumour models (``tumors.toml``, cited).
* :func:`simulate_response`, :func:`fit_vehicle_growth`: tumour response with drug-induced
  death (Simeoni transit compartments) and growth laws from vehicle curves.
* :func:`replicate_tgi`, :func:`power`, :func:`sample_size`: TGI intervals over replicate
  virtual studies; animals per arm.
* :func:`glucose_insulin`, :func:`optimise_schedule`: hyperglycaemia (Topp 2000) with the
  insulin feedback into the tumour; the schedule with the best TGI under a glucose limit.

Equations, assumptions and measured approximation errors: docs/translate.md.

Examples
--------
>>> import kinetor as kt
>>> xs = kt.run_study("vistusertib", "mouse", "MCF7", "15 mg/kg PO QD x 21 days",
...                   n_animals=3, seed=0)
>>> xs.tgi[["arm", "tgi_pct"]].shape
(2, 2)
"""

from kinetor.translate.allometry import allometric_pk
from kinetor.translate.arms import Arm, DrugModel, Treatment, drug_model
from kinetor.translate.chain import simulate_study
from kinetor.translate.clinical import clinical_pd_predictions
from kinetor.translate.design import (
    DoseSearch,
    equal_efficacy_dose,
    select_dose,
    typical_engagement,
)
from kinetor.translate.exposure import DEFAULT_PK_CV, pk_seed, time_grid
from kinetor.translate.grid_scan import scan
from kinetor.translate.growth import caliper_noise, measurement_days
from kinetor.translate.invivo import invivo_potency_shift, invivo_shifts
from kinetor.translate.options import Execution, ExposureOptions, NetworkOptions, StudyDesign
from kinetor.translate.patients import run_virtual_patients
from kinetor.translate.response import fit_vehicle_growth, simulate_response
from kinetor.translate.result import StudyResult
from kinetor.translate.signaling import QuasiSteadyTable
from kinetor.translate.study import run_study, study_days
from kinetor.translate.tables import TableCache
from kinetor.translate.toxicity import glucose_insulin
from kinetor.translate.tumors import TumorSpec, get_tumor, list_tumors
from kinetor.translate.uncertainty import (
    design_summary,
    power,
    replicate_tgi,
    sample_size,
    sensitivity,
)
from kinetor.translate.validation import validate
from kinetor.translate.window import optimise_schedule

__all__ = [
    "DEFAULT_PK_CV",
    "Arm",
    "DoseSearch",
    "DrugModel",
    "Execution",
    "ExposureOptions",
    "NetworkOptions",
    "QuasiSteadyTable",
    "StudyDesign",
    "StudyResult",
    "TableCache",
    "Treatment",
    "TumorSpec",
    "allometric_pk",
    "caliper_noise",
    "clinical_pd_predictions",
    "design_summary",
    "drug_model",
    "equal_efficacy_dose",
    "fit_vehicle_growth",
    "get_tumor",
    "glucose_insulin",
    "invivo_potency_shift",
    "invivo_shifts",
    "list_tumors",
    "measurement_days",
    "optimise_schedule",
    "pk_seed",
    "power",
    "replicate_tgi",
    "run_study",
    "run_virtual_patients",
    "sample_size",
    "scan",
    "select_dose",
    "sensitivity",
    "simulate_response",
    "simulate_study",
    "study_days",
    "time_grid",
    "typical_engagement",
    "validate",
]
