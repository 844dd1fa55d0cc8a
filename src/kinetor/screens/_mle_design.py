"""Checks of the design matrix and the options of :func:`kinetor.screens.mle`.

A design is refused, with the sample (row) and condition (column) named, when a cell is
not a number, the first column (the baseline) is not 1 for every sample, a sample label is
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

__all__ = ["check_design", "check_options"]

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
