"""The PI3K/AKT/mTOR network: an Antimony model, drugs by mechanism, lesions, simulation.

The model lives in ``mtor.ant`` (readable, annotated, exportable to SBML); libroadrunner
compiles it once per process. ``Network(lesions, context).simulate(drugs)`` returns
readouts in % of the untreated cell. See docs/pathway.md for the reactions, parameter
provenance, drug maths, lesions, calibration and limitations.

Examples
--------
>>> import kinetor.pathway as kp
>>> net = kp.Network(lesions=["TSC2_loss"])
>>> res = net.simulate({"rapamycin": "10 nM"}, t_end=6)
>>> bool(res.readouts["pS6K1_T389"].iloc[-1] < 20)
True
"""

from kinetor.pathway._model import model_text, to_sbml
from kinetor.pathway.analysis import HillFit, combination_grid, dose_response, fit_hill, ic50, scan
from kinetor.pathway.drugs import (
    ATP_COMPETITIVE,
    MECHANISMS,
    Drug,
    drug_from_compound,
    resolve_drug,
)
from kinetor.pathway.lesions import CONTEXTS, LESIONS, Lesion
from kinetor.pathway.network import READOUTS, Network, PathwayResult
from kinetor.pathway.validation import ValidationResult, validate

__all__ = [
    "ATP_COMPETITIVE",
    "CONTEXTS",
    "LESIONS",
    "MECHANISMS",
    "READOUTS",
    "Drug",
    "HillFit",
    "Lesion",
    "Network",
    "PathwayResult",
    "ValidationResult",
    "combination_grid",
    "dose_response",
    "drug_from_compound",
    "export_sbml",
    "fit_hill",
    "ic50",
    "model_text",
    "resolve_drug",
    "scan",
    "simulate_pathway",
    "to_sbml",
    "validate",
]


def simulate_pathway(
    drugs=None, lesions=None, context=None, t_end=None, reference="untreated", **kwargs
) -> PathwayResult:
    """One-call form of ``Network(lesions, context).simulate(drugs, t_end, reference)``."""
    return Network(lesions, context).simulate(drugs, t_end=t_end, reference=reference, **kwargs)


def export_sbml(path=None, fitted=None) -> str:
    """The executable model as SBML text (written to ``path`` when given)."""
    sbml = to_sbml(model_text(fitted))
    if path is not None:
        from pathlib import Path

        Path(path).write_text(sbml)
    return sbml
