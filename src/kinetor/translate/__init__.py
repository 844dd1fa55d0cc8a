"""The translational chain: dose -> PK -> free concentration -> pathway -> biomarkers -> tumour.

* :func:`run_study`: a virtual xenograft study (arms, animals, vehicle, combinations),
  results as tidy frames (``.pk``, ``.biomarkers``, ``.tumor``, ``.tgi``) and plots.
* :func:`run_virtual_patients`: human PK (user-supplied where the library has none) and
  clinical schedules -> exposure and target engagement.
* :func:`equal_efficacy_dose`, :func:`select_dose`: schedule comparison and dose selection
  by bisection on dose.
* :func:`scan`: dose x schedule x genotype scans in parallel processes or on Dask.
* :func:`get_tumor`, :func:`list_tumors`: the tumour models (``tumors.toml``, cited).

Equations, assumptions and measured approximation errors: docs/translate.md.

Examples
--------
>>> import kinetor as kt
>>> xs = kt.run_study("vistusertib", "mouse", "MCF7", "15 mg/kg PO QD x 21 days",
...                   n_animals=3, seed=0)
>>> xs.tgi[["arm", "tgi_pct"]].shape
(2, 2)
"""

from kinetor.translate.arms import Arm, DrugModel, Treatment, drug_model
from kinetor.translate.design import DoseSearch, equal_efficacy_dose, select_dose
from kinetor.translate.exposure import DEFAULT_PK_CV, pk_seed, time_grid
from kinetor.translate.growth import caliper_noise, measurement_days
from kinetor.translate.patients import run_virtual_patients
from kinetor.translate.result import StudyResult
from kinetor.translate.scan import scan
from kinetor.translate.signaling import QuasiSteadyTable
from kinetor.translate.study import run_study, study_days
from kinetor.translate.tumors import TumorSpec, get_tumor, list_tumors

__all__ = [
    "DEFAULT_PK_CV",
    "Arm",
    "DoseSearch",
    "DrugModel",
    "QuasiSteadyTable",
    "StudyResult",
    "Treatment",
    "TumorSpec",
    "caliper_noise",
    "drug_model",
    "equal_efficacy_dose",
    "get_tumor",
    "list_tumors",
    "measurement_days",
    "pk_seed",
    "run_study",
    "run_virtual_patients",
    "scan",
    "select_dose",
    "study_days",
    "time_grid",
]
