"""Bioanalysis: calibration curves, run acceptance (ICH M10 / FDA BMV), the
conversion of unknown samples into a ``Study`` concentration table, and incurred sample
reanalysis (``isr``).

Methods, acceptance rules and their sources: docs/bioanalysis.md.

Examples
--------
>>> from kinetor.bioanalysis import fit_calibration
>>> cal = fit_calibration([1, 2, 4, 8], [0.02, 0.04, 0.08, 0.16], weighting="1/x")
>>> round(cal.slope, 6), round(float(cal.back_calculate(0.1)), 6)
(0.02, 5.0)
"""

from kinetor.bioanalysis.acceptance import (
    Criteria,
    accuracy_pct,
    calibrate_with_rejection,
    passes,
    qc_assessment,
    standards_assessment,
)
from kinetor.bioanalysis.calibration import (
    MODELS,
    WEIGHTINGS,
    Calibration,
    fit_calibration,
    normalise_weighting,
)
from kinetor.bioanalysis.read import SAMPLE_TYPES, read_run
from kinetor.bioanalysis.reanalysis import IsrResult, isr, read_isr, required_repeats
from kinetor.bioanalysis.run import ALQ_REASON, RunResult, analyse_run

__all__ = [
    "ALQ_REASON",
    "MODELS",
    "SAMPLE_TYPES",
    "WEIGHTINGS",
    "Calibration",
    "Criteria",
    "IsrResult",
    "RunResult",
    "accuracy_pct",
    "analyse_run",
    "calibrate_with_rejection",
    "fit_calibration",
    "isr",
    "normalise_weighting",
    "passes",
    "qc_assessment",
    "read_isr",
    "read_run",
    "required_repeats",
    "standards_assessment",
]
