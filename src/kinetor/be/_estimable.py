r"""The design matrix of ``kinetor.be.be`` and whether it can estimate the treatment effect.

The all-fixed-effects ANOVA regresses :math:`\log Y` on an intercept, the treatment
indicator and the subject and period dummies (parallel designs: intercept and treatment).
Least squares on a rank-deficient matrix still returns numbers (the minimum-norm solution),
so a design in which the treatment effect is not estimable would give a ratio that means
nothing. The treatment effect is estimable when dropping its column lowers the rank of the
matrix (its unit contrast lies in the row space); otherwise ``check_estimable`` raises a
``DataError`` saying why:

* a treatment without rows (every row ``T``, say);
* no subject with both treatments (crossover and replicate designs): the treatment cannot be
  told from the subject effects;
* every subject with both treatments in one sequence (``TR`` only; ``TRTR`` only; ``TRR``
  only): in each period they all received the same treatment, so the treatment cannot be told
  from the period effect;
* sequences that share no period (periods numbered 1-2 in one sequence and 3-4 in the other):
  the same confounding with period.

A subject given one treatment only stays in the ANOVA (a note says so, see
:func:`kinetor.be._table.incomplete_subjects`), and makes the treatment estimable when it
separates the periods (``TR`` subjects with ``TT`` ones, a partial Balaam design).

>>> d = pd.DataFrame({"subject": [1, 1, 2, 2], "period": [1, 2, 1, 2],
...                   "treatment": ["T", "R", "R", "T"]})
>>> X, k = design_matrix(d, ["subject", "period"], "T")
>>> treatment_estimable(X, k), treatment_estimable(X[[0, 1]], k)
(True, False)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = ["check_estimable", "design_matrix", "parallel_note", "treatment_estimable"]


def design_matrix(df: pd.DataFrame, terms: list[str], test: str) -> tuple[np.ndarray, int]:
    """Intercept, treatment indicator (column 1), then dummies of ``terms`` (first dropped)."""
    cols = [np.ones(len(df)), (df["treatment"] == test).to_numpy(float)]
    for term in terms:
        dummies = pd.get_dummies(df[term].astype(str), drop_first=True, dtype=float)
        cols.extend(dummies.to_numpy().T)
    return np.column_stack(cols), 1


def treatment_estimable(X: np.ndarray, k: int) -> bool:
    """Whether coefficient ``k`` of ``X`` is estimable: its column adds to the rank."""
    if X.shape[0] == 0:
        return False
    rank = np.linalg.matrix_rank
    return bool(rank(X) > rank(np.delete(X, k, axis=1)))


def _by_period(d: pd.DataFrame) -> dict:
    """Treatments given in each period (periods in order)."""
    given = d.groupby("period")["treatment"].agg(lambda v: sorted(set(v)))
    return {p: given[p] for p in sorted(given.index, key=str)}


def _why(
    d: pd.DataFrame, design: str, test: str, reference: str, metric: str | None
) -> tuple[str, str, str]:
    """(message, column, fix) for a design whose treatment effect is not estimable."""
    row, got = ("row", "received") if metric is None else (f"{metric} value", "has values of")
    lacking = [t for t in (test, reference) if t not in set(d["treatment"])]
    if lacking:
        names = " or ".join(repr(t) for t in lacking)
        return (
            f"no {row} of treatment {names} (test {test!r}, reference {reference!r}): "
            "there is nothing to compare",
            "treatment",
            "give the rows of both treatments; if the labels differ, name them with --test "
            "and --reference (test=, reference= in Python)",
        )
    both = d.groupby("subject")["treatment"].transform("nunique") == 2
    if not both.any():
        return (
            f"no subject {got} both {test} and {reference}: a {design} design compares "
            "them within subjects, and here the treatment cannot be told from the subject",
            "treatment",
            "in a crossover each subject receives both treatments (check the subject and "
            "treatment columns); a parallel study has one row per subject",
        )
    sub = d[both]
    periods = _by_period(sub)
    listed = "; ".join(f"period {p}: {'/'.join(t)}" for p, t in periods.items())
    seqs = sorted(set(sub["sequence"].astype(str).str.strip()))
    if len(seqs) == 1:
        return (
            f"one sequence only: all {sub['subject'].nunique()} subjects with both "
            f"treatments are in sequence {seqs[0]!r}, so in each period they all received the "
            f"same treatment ({listed}) and the treatment effect is confounded with the "
            "period effect: it cannot be estimated",
            "sequence",
            "a crossover needs at least two sequences (e.g. TR and RT; TRR, RTR and RRT) to "
            "separate treatment from period: add the subjects of the other sequence(s), or "
            "correct the sequence, treatment or period column",
        )
    one_each = all(len(t) == 1 for t in periods.values())
    return (
        (
            f"in each period every subject received the same treatment ({listed})"
            if one_each
            else f"the periods ({listed}) do not separate the treatment from the period"
        )
        + f" although the subjects are in sequences {', '.join(map(repr, seqs))}: the "
        "treatment effect cannot be told from the period effects",
        "period",
        "number the periods the same way in every sequence (1, 2... in the order each "
        "subject was dosed)",
    )


def check_estimable(
    d: pd.DataFrame,
    design: str,
    test: str,
    reference: str,
    source: str,
    metric: str | None = None,
) -> None:
    """A ``DataError`` (file and column named; module docstring) when the ANOVA of ``design``
    cannot estimate the treatment effect from the rows ``d``. ``metric``: the rows are those
    left with a value of this metric, the design itself having passed."""
    terms = [] if design == "parallel" else ["subject", "period"]
    if treatment_estimable(*design_matrix(d, terms, test)):
        return
    message, column, fix = _why(d, design, test, reference, metric)
    if metric is not None:
        message = f"{metric}: with the rows without a value left out, {message}"
        column = metric
        fix = (
            f"fill in the missing {metric} values, or leave {metric} out of the metrics "
            "(--metric names the ones to analyse)"
        )
    raise DataError(Problem(message, file=source, column=column, fix=fix))


def parallel_note(df: pd.DataFrame) -> list[str]:
    """A note when a table with a period column is analysed as parallel (one row per
    subject): its periods, and any sequence column, are not in the model."""
    if "period" not in df.columns:
        return []
    periods = ", ".join(map(str, sorted(df["period"].unique(), key=str)))
    unused = "period and sequence columns are" if "sequence" in df.columns else "period column is"
    return [
        f"each subject has one row, so the table is analysed as a parallel design (log value "
        f"on treatment, between subjects); its {unused} not used (period(s) {periods}): for a "
        "crossover give each subject a row per period"
    ]
