"""Notes of :func:`kinetor.screens.screen_test`: what the run left out or fell back to.

MAGeCK logs these (``Before RRA, N sgRNAs are removed``; a warning on replicates with no
variance); here they are plain sentences in ``ScreenTest.notes``, printed as ``note:`` on
stderr by ``kinetor screen test`` and listed in its report.

Examples
--------
>>> import numpy as np
>>> genes = np.array(["A", "A", "B"])
>>> removed_note(genes, np.array([True, True, False]), "both", 0.0)[:46]
'1 of 3 guides removed before RRA (median norma'
"""

from __future__ import annotations

import numpy as np

__all__: list[str] = []

_ZERO_WHERE = {
    "control": "the control samples",
    "treatment": "the treatment samples",
    "both": "both groups",
    "any": "either group",
}


def _some(names, n: int = 10) -> str:
    names = list(names)
    more = f" and {len(names) - n} more" if len(names) > n else ""
    return ", ".join(map(str, names[:n])) + more


def removed_note(genes: np.ndarray, valid: np.ndarray, remove_zero: str, threshold) -> str:
    """Guides left out of the gene test and the genes left with none (not in the results);
    empty when no guide was removed."""
    removed = int((~valid).sum())
    if removed == 0:
        return ""
    text = (
        f"{removed} of {valid.size} guides removed before RRA (median normalised count <= {threshold:g} "
        f"in {_ZERO_WHERE[remove_zero]}, remove_zero={remove_zero!r})"
    )
    lost = sorted(set(genes.tolist()) - set(genes[valid].tolist()))
    if lost:
        text += (
            f"; {len(lost)} gene(s) had no guide left and are not in the gene results: "
            f"{_some(lost)}"
        )
    return text


def skipped_note(genes: np.ndarray, valid: np.ndarray, skip=("NA", "na")) -> str:
    """Genes named NA/na: left out of the RRA permutation test (p = 1, MAGeCK's
    ``--skip-gene`` default)."""
    hit = valid & np.isin(genes, list(skip))
    if not hit.any():
        return ""
    names = sorted(set(genes[hit].tolist()))
    return (
        f"gene(s) named {', '.join(names)} ({int(hit.sum())} guides) are not tested: "
        "p = 1 and FDR from it (MAGeCK's --skip-gene default); rename them to test them"
    )


def flat_replicates_note(c: np.ndarray, t: np.ndarray, control: list, treatment: list, k, b):
    """Replicates of the mean-variance fit that are identical (zero variance for every
    guide): the line falls back to ``k``, ``b``. The fit uses the controls when there are
    two or more, else controls and treatments (:func:`~kinetor.screens.guide_test`)."""
    x, names = (c, control) if c.shape[1] > 1 else (np.hstack([c, t]), control + treatment)
    if x.shape[1] < 2 or not np.all(x == x[:, :1]):
        return ""
    return (
        f"samples {', '.join(names)} have identical counts (zero variance for every guide): "
        f"the mean-variance model falls back to k = {k:.3g}, b = {b:.3g}; technical "
        "replicates should be merged into one sample, biological replicates counted apart"
    )


def screen_notes(counts, valid, c, t, control, treatment, r, remove_zero, threshold):
    """The notes of one :func:`~kinetor.screens.screen_test` run, in order."""
    notes = [
        removed_note(counts.genes, valid, remove_zero, threshold),
        skipped_note(counts.genes, valid),
        flat_replicates_note(c, t, list(control), list(treatment), r["k"], r["b"]),
    ]
    return [n for n in notes if n]
