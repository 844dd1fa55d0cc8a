"""Acceptance limits shared by the run judgement: ``Criteria``, accuracy and pass tests.

Split from :mod:`kinetor.bioanalysis.acceptance` (which re-exports every name) so that the
standard-rejection loop (:mod:`kinetor.bioanalysis._rejection`) can use them too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

_EPS = 1e-9  # percent: float slack for the inclusive +/- limits
M10 = "ICH M10 (2022) 3.3; FDA BMV (2018)"


@dataclass(frozen=True)
class Criteria:
    """Acceptance limits of an analytical run (defaults: ICH M10 chromatographic assays).

    Attributes
    ----------
    standard_tol, lloq_tol : float
        Allowed |bias| (%) of a calibration standard, and of one at the LLOQ level.
    min_standard_fraction : float
        Fraction of all non-zero standards that must pass.
    min_standard_levels : int
        Passing non-zero concentration levels required.
    min_level_fraction : float
        Fraction of replicates at a level that must pass for the level to count.
    qc_tol, qc_lloq_tol : float
        Allowed |bias| (%) of a QC, and of a QC at the LLOQ.
    min_qc_fraction, min_qc_level_fraction : float
        Fraction of all QCs, and of the QCs at each level, that must pass.
    min_qc_levels : int
        QC levels that must lie inside the calibrated range of the run.
    blank_analyte_pct_lloq, blank_is_pct : float
        Informational selectivity checks (ICH M10 3.2.1): analyte response of
        blanks/zeros at most this % of the mean LLOQ response; IS response of blanks at
        most this % of the mean IS response of the LLOQ standard(s).
    refit : bool
        Reject failing standards one at a time and fit again (True), or judge the first
        fit only (False).
    """

    standard_tol: float = 15.0
    lloq_tol: float = 20.0
    min_standard_fraction: float = 0.75
    min_standard_levels: int = 6
    min_level_fraction: float = 0.5
    qc_tol: float = 15.0
    qc_lloq_tol: float = 20.0
    min_qc_fraction: float = 2.0 / 3.0
    min_qc_level_fraction: float = 0.5
    min_qc_levels: int = 3
    blank_analyte_pct_lloq: float = 20.0
    blank_is_pct: float = 5.0
    refit: bool = True

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def accuracy_pct(measured, nominal) -> np.ndarray:
    """Accuracy as % of nominal, :math:`100\\,x_{\\mathrm{measured}}/x_{\\mathrm{nominal}}`."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return 100.0 * np.asarray(measured, float) / np.asarray(nominal, float)


def passes(accuracy, tol) -> np.ndarray:
    """True where ``|accuracy - 100| <= tol`` (inclusive; NaN fails)."""
    acc = np.asarray(accuracy, float)
    return np.abs(acc - 100.0) <= np.asarray(tol, float) + _EPS


def _at_level(values: np.ndarray, level: float) -> np.ndarray:
    return np.isclose(values, level, rtol=1e-9, atol=0.0)
