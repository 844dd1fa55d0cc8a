"""Generic numerics at the bottom of the import graph: the fitter base, error models,
convergence diagnostics, the compiled ODE integrator, batched Levenberg-Marquardt for many
small curves (``lm``, used by the dose-response fits), parameters given as numbers or
quantities (``params``) and the one executor of independent pieces of work (``executor``:
serial, local processes via joblib, or Dask, both imported only when used).

Imports only numpy, scipy, pandas, numba, :mod:`kinetor.errors` and :mod:`kinetor.units`;
:mod:`kinetor.pk` and :mod:`kinetor.pd` build on it (never the other way round).
"""

from kinetor.numerics.diagnostics import (
    BOUND_TOL,
    COLLAPSE_REL,
    COND_MAX,
    CV_MAX,
    GRAD_TOL,
    RSE_MAX,
)
from kinetor.numerics.errmodels import ERROR_MODELS
from kinetor.numerics.fitter import LOG_SPAN, Fitter

__all__ = [
    "BOUND_TOL",
    "COLLAPSE_REL",
    "COND_MAX",
    "CV_MAX",
    "ERROR_MODELS",
    "GRAD_TOL",
    "LOG_SPAN",
    "RSE_MAX",
    "Fitter",
]
