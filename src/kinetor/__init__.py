"""kinetor: preclinical and translational pharmacology of PI3K/AKT/mTOR inhibitors.

From a study's raw data to decisions: study data -> bioanalysis -> NCA -> PK model ->
free exposure -> pathway network -> biomarkers -> tumour growth. See ``docs/`` and the
README for the tour.

Public names are loaded lazily so that ``import kinetor`` stays fast:

>>> import kinetor as kt
>>> kt.__version__
'0.1.0'
"""

from __future__ import annotations

from kinetor._lazy import attach as _attach
from kinetor.errors import DataError, KinetorError, ModelError, Problem, UnitError

__version__ = "0.1.0"

# public name -> module that defines it
_LAZY = {
    "read_study": "kinetor.data",
    "Study": "kinetor.data",
    "validate_study": "kinetor.data",
    "NCAResult": "kinetor.nca",
    "bioavailability": "kinetor.nca",
    "Regimen": "kinetor.pk",
    "simulate": "kinetor.pk",
    "fit_pk": "kinetor.pk",
    "fit_pd": "kinetor.pd",
    "run_study": "kinetor.translate",
    "dose_proportionality": "kinetor.be",
}
_SUBMODULES = {
    "units",
    "data",
    "nca",
    "pk",
    "pd",
    "pathway",
    "compounds",
    "translate",
    "report",
    "bioanalysis",
    "adme",
    "assays",
    "popfit",
    "be",
    "screens",
    "mirna",
    "qsar",
    "numerics",
    "limits",
    "store",
    "web",
}

# ``nca`` is the callable subpackage kinetor.nca (kt.nca(study) runs the analysis)
__all__ = [
    "DataError",
    "KinetorError",
    "ModelError",
    "Problem",
    "UnitError",
    "__version__",
    "nca",
    *_LAZY,
]

__getattr__, __dir__ = _attach(
    __name__, _LAZY, _SUBMODULES, eager=[n for n in __all__ if n not in _LAZY]
)
