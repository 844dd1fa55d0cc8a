r"""The treatment contrast of :func:`kinetor.be.analysis.be`: least squares on the design
matrix (pooled residual variance), or for a parallel design with ``welch=True`` the Welch
contrast with unequal group variances,

.. math:: se = \sqrt{s_T^2/n_T + s_R^2/n_R}, \quad
   df = \frac{(s_T^2/n_T + s_R^2/n_R)^2}{(s_T^2/n_T)^2/(n_T - 1) + (s_R^2/n_R)^2/(n_R - 1)}

(Welch-Satterthwaite), on :math:`\log Y`: the FDA guidance *Statistical Approaches to
Establishing Bioequivalence* (2001) asks that equal variances not be assumed for a
parallel design.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.errors import ModelError

__all__ = ["design_kind", "ols_contrast", "welch_contrast"]


def ols_contrast(y: np.ndarray, X: np.ndarray, k: int):
    """Coefficient ``k``, its SE, residual variance and df (rank-aware least squares; ``k``
    estimable, :func:`kinetor.be._estimable.check_estimable`)."""
    beta, _, rank, _ = np.linalg.lstsq(X, y, rcond=None)
    resid = y - X @ beta
    df = len(y) - rank
    if df <= 0:
        raise ModelError("no residual degrees of freedom: too few subjects/observations")
    s2 = float(resid @ resid / df)
    cov = np.linalg.pinv(X.T @ X) * s2
    return float(beta[k]), float(np.sqrt(cov[k, k])), s2, df


def welch_contrast(
    y: np.ndarray,
    treatment: pd.Series,
    test: str,
    reference: str,
    metric: str,
    source: str | None = None,
):
    """mean(log T) - mean(log R), its Welch SE and Satterthwaite df (module docstring);
    a ``ModelError`` naming ``source`` (the file) when a group has fewer than 2 subjects
    (no variance)."""
    trt = treatment.to_numpy()
    yt, yr = y[trt == test], y[trt == reference]
    if min(yt.size, yr.size) < 2:
        where = f"{source}: " if source else ""
        raise ModelError(
            f"{where}{metric}: the Welch test needs at least 2 subjects per treatment (test "
            f"{yt.size}, reference {yr.size}); leave out welch/--welch for the pooled variance"
        )
    a, b = yt.var(ddof=1) / yt.size, yr.var(ddof=1) / yr.size
    se = float(np.sqrt(a + b))
    den = a**2 / (yt.size - 1) + b**2 / (yr.size - 1)
    df = float((a + b) ** 2 / den) if den > 0 else float(yt.size + yr.size - 2)
    return float(yt.mean() - yr.mean()), se, df


def design_kind(df: pd.DataFrame) -> str:
    """parallel (one row per subject or no period), replicate or crossover."""
    if "period" not in df.columns or df["subject"].duplicated().sum() == 0:
        return "parallel"
    reps = df.groupby(["subject", "treatment"]).size()
    return "replicate" if (reps > 1).any() else "crossover"
