"""Checks of the design matrix and the options of :func:`kinetor.screens.mle`.

A design is refused, with the sample (row) and condition (column) named, when a cell is
not a number, a condition cell is not 0 or 1, the first column (the baseline) is not 1 for every sample, a sample label is
repeated or not in the count table, a condition has no sample, or a condition is a linear
combination of the columns before it (its beta would not be identifiable: the ridge term
would only split the effect between the collinear columns).

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"baseline": 1, "drug": [0, 1]}, index=["t0", "t1"])
>>> check_design(d, ["t0", "t1"], "counts.txt").tolist()
[[1.0, 0.0], [1.0, 1.0]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.errors import DataError, ModelError, Problem

__all__ = ["check_design", "check_options", "informative", "not_estimable", "pinned"]

_LAYOUT = "a design has one row per sample: baseline (all 1), then one 0/1 column per condition"


def check_options(n_iter, permutation_rounds) -> None:
    """``n_iter`` >= 1 and ``permutation_rounds`` >= 0, whole numbers."""
    for name, value, low in (("n_iter", n_iter, 1), ("permutation_rounds", permutation_rounds, 0)):
        whole = isinstance(value, int | np.integer) and not isinstance(value, bool)
        if not whole or value < low:
            raise ModelError(f"{name}={value!r}: give a whole number >= {low}")


def check_design(design, samples: list[str], counts_source: str) -> np.ndarray:
    """The design as a float matrix (samples x columns), or one ``DataError`` listing every
    problem found."""
    if not isinstance(design, pd.DataFrame):
        raise DataError(
            Problem(
                f"the design is a {type(design).__name__}, not a DataFrame",
                fix="read it with read_design(path) or pass a samples x conditions DataFrame",
            )
        )
    src = str(design.attrs.get("source", "<design>"))
    cols = [str(c) for c in design.columns]
    if design.shape[0] == 0 or design.shape[1] < 2:
        raise DataError(
            Problem(
                f"the design has {design.shape[0]} sample(s) and {design.shape[1]} column(s)",
                file=src,
                fix=f"{_LAYOUT}; at least one condition column",
            )
        )
    problems: list[Problem] = []
    index = [str(s) for s in design.index]
    for i, s in enumerate(index):
        if index.index(s) != i:
            problems.append(
                Problem(
                    f"sample {s!r} is listed twice (first at row {index.index(s) + 2})",
                    file=src,
                    row=i + 2,
                    fix="give each sample one row",
                )
            )
        elif s not in samples:
            problems.append(
                Problem(
                    f"design sample {s!r} is not in the count table ({counts_source})",
                    file=src,
                    row=i + 2,
                    column=str(design.index.name or "Samples"),
                    fix=f"use sample labels of the count table: {', '.join(samples)}",
                )
            )
    values = design.apply(_numbers).to_numpy(dtype=float)
    for i, j in zip(*np.nonzero(~np.isfinite(values)), strict=True):
        raw = design.iat[i, j]
        shown = "missing" if pd.isna(raw) else repr(raw) if isinstance(raw, str) else str(raw)
        problems.append(
            Problem(
                f"design value {shown} for sample {index[i]!r} is not a number",
                file=src,
                row=int(i) + 2,
                column=cols[j],
                fix="use 1 (the sample is in the condition) or 0",
            )
        )
    if problems:
        raise DataError(problems[:50])
    for i in np.flatnonzero(values[:, 0] != 1)[:20]:
        problems.append(
            Problem(
                f"the baseline (first column) is {values[i, 0]:g} for sample {index[i]!r}",
                file=src,
                row=int(i) + 2,
                column=cols[0],
                fix=f"{_LAYOUT}; put the baseline column of 1s first",
            )
        )
    for i, j in list(zip(*np.nonzero(~np.isin(values[:, 1:], (0.0, 1.0))), strict=True))[:20]:
        problems.append(
            Problem(
                f"design value {values[i, j + 1]:g} for sample {index[i]!r} is not 0 or 1",
                file=src,
                row=int(i) + 2,
                column=cols[j + 1],
                fix="use 1 (the sample is in the condition) or 0",
            )
        )
    for j in np.flatnonzero(~np.any(values[:, 1:] != 0, axis=0)):
        problems.append(
            Problem(
                f"condition {cols[j + 1]!r} has no sample (all 0): its beta cannot be estimated",
                file=src,
                column=cols[j + 1],
                fix="add the samples of that condition to the design, or drop the column",
            )
        )
    if problems:
        raise DataError(problems)
    for j in range(1, values.shape[1]):
        if np.linalg.matrix_rank(values[:, : j + 1]) <= j:
            raise DataError(
                Problem(
                    f"condition {cols[j]!r} is a linear combination of the columns before it "
                    "(collinear): the betas of these conditions cannot be told apart",
                    file=src,
                    column=cols[j],
                    fix="drop the column, or give each condition samples of its own",
                )
            )
    return values


def _numbers(col: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_numeric_dtype(col):
        return col.astype(float)
    return pd.to_numeric(col.astype(str).str.strip(), errors="coerce")


def informative(totals: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Whether each gene's beta in each condition has reads behind it: (genes, conditions).

    ``totals`` (genes, samples) are a gene's reads per sample, ``d`` (samples, conditions)
    the design without its baseline. A condition's beta compares its samples with the
    samples whose design row is the same without the condition (time: the day-0 samples;
    a drug nested in time: the untreated samples of that time); where the design has no
    such row, with every sample outside the condition. Without a read in either group the
    likelihood is flat in the beta, or rises without limit as it falls, and only the ridge
    would set it: that beta is not estimable.

    Examples
    --------
    >>> d = np.array([[0, 0], [1, 0], [1, 1]])  # day 0, time, time + drug
    >>> informative(np.array([[5, 0, 0], [0, 0, 0]]), d).tolist()
    [[True, False], [False, False]]
    """
    on = np.asarray(d) != 0
    out = np.zeros((totals.shape[0], on.shape[1]), dtype=bool)
    for k in range(on.shape[1]):  # conditions, not genes
        ref = on.copy()
        ref[:, k] = False  # each sample's row without the condition
        pair = (on[:, None, :] == ref[None, :, :]).all(axis=2) & on[None, :, k]
        group = pair.any(axis=0) | pair.any(axis=1)
        if not group.any():
            group = np.ones(on.shape[0], dtype=bool)
        out[:, k] = totals[:, group].sum(axis=1) > 0
    return out


def pinned(y: np.ndarray, d: np.ndarray):
    """What :func:`~kinetor.screens.mle_model._irls` holds fixed for genes ``y`` (G, n, S).

    A guide without reads (its intercept would run to -inf, the ridge stopping it and
    dragging the betas along) gets no weight; a beta without reads behind it
    (:func:`informative`) stays at 0 and is reported as NaN. Returns ``live`` (G, n),
    ``free`` (G, K), ``keep`` (G, n + K: coefficients fitted), ``both`` (their pairs) and
    ``pin`` (the identity on the fixed coefficients).
    """
    live = y.sum(axis=2) > 0
    free = informative(y.sum(axis=1), d)
    keep = np.concatenate([live, free], axis=1)
    pin = np.eye(keep.shape[1]) * ~keep[:, :, None]
    return live, free, keep, keep[:, :, None] & keep[:, None, :], pin


def not_estimable(reads, beta: np.ndarray, conds: list[str], converged, n_iter) -> list[str]:
    """Per gene, why some betas are NaN or the fit did not converge ("" where neither)."""
    out = ["" if c else f"IRLS not converged in {n_iter} iterations" for c in converged]
    for i in np.flatnonzero(np.isnan(beta).any(axis=1)):
        if reads[i] == 0:
            out[i] = "no reads in any sample of the design"
            continue
        which = ", ".join(c for c, x in zip(conds, np.isnan(beta[i]), strict=True) if x)
        out[i] = f"no reads in the samples of {which} nor in those it is compared with"
    return out
