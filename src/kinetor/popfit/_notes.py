"""Notes on a finished population fit that the convergence test cannot see.

* **Few subjects.** Each :math:`\\omega^2` is in effect estimated from the spread of one
  EBE per subject: from ``n`` subjects a variance has ``n - 1`` degrees of freedom, so its
  95 % interval spans a factor of about 43 with 4 subjects (:math:`3/\\chi^2_{3}`:
  0.32-13.9) and the optimiser often walks it to 0. Below ``MIN_SUBJECTS`` the fit says so.
* **Flip-flop.** An oral model can fit the same curve with absorption and elimination
  swapped (:math:`k_a < k`); a fit that ends there may be a local optimum reached from a
  far start. For one compartment :math:`k = CL/V`; for two the terminal rate
  :math:`\\beta` of the disposition micro-constants.
"""

from __future__ import annotations

import numpy as np

__all__ = ["MIN_SUBJECTS", "elimination_rate", "fit_notes"]

MIN_SUBJECTS = 5


def elimination_rate(model, typical: dict[str, float]) -> float:
    """:math:`CL/V` (one compartment) or the terminal rate :math:`\\beta` (two)."""
    if model.n_cmt == 1:
        return typical["cl"] / typical["v"]
    k10, k12 = typical["cl"] / typical["v1"], typical["q"] / typical["v1"]
    k21 = typical["q"] / typical["v2"]
    s = k10 + k12 + k21
    return 0.5 * (s - np.sqrt(max(s * s - 4.0 * k10 * k21, 0.0)))


def fit_notes(model, typical: dict[str, float], n_subjects: int) -> list[str]:
    """Notes on the number of subjects and on a flip-flop optimum (typical values)."""
    notes = []
    if n_subjects < MIN_SUBJECTS:
        notes.append(
            f"only {n_subjects} subject(s): the between-subject variances (omega) are not "
            f"identifiable with so few subjects (each rests on {n_subjects} EBE(s)); "
            "report the typical values as a pooled or individual fit instead, or add subjects"
        )
    if model.oral and all(np.isfinite(v) for v in typical.values()):
        k = elimination_rate(model, typical)
        if typical["ka"] < k:
            what = "CL/V" if model.n_cmt == 1 else "the terminal rate beta"
            notes.append(
                f"flip-flop: ka = {typical['ka']:.4g} is below the elimination rate "
                f"{what} = {k:.4g} (1/time): an oral model also fits with absorption and "
                "elimination swapped, so this may be a local optimum; refit from other "
                "starts (init={'ka': ...} above the elimination rate, --init ka=...) and "
                "compare the OFV"
            )
    return notes
