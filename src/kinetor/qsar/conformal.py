"""Conformal prediction intervals normalised by a difficulty estimate, and the
nearest-neighbour applicability domain.

Calibration uses out-of-fold predictions of the training set (in the spirit of CV+, Barber
et al. 2021 Ann Stat 49:486, doi:10.1214/20-AOS1965, simplified: the out-of-fold errors
calibrate intervals around the model fitted on all training data, so the finite-sample
guarantee is not formal and coverage is measured instead; folds split by scaffold so the
calibration errors are those of new chemical series). Each compound gets a difficulty

.. math::

    \\sigma(x) = \\max\\left(\\sigma_{min},\\; b_0 + b_1 (1 - s_{nn}(x)) + b_2 |\\Delta(x)|\\right)

with :math:`s_{nn}` the Tanimoto similarity to the nearest training compound and
:math:`\\Delta` the disagreement of the ensemble members, fitted by least squares to the
absolute out-of-fold errors. The nonconformity score is :math:`|y - \\hat y| / \\sigma(x)`;
its conformal quantile :math:`q` gives the interval :math:`\\hat y \\pm q\\,\\sigma(x)`
(normalised split-conformal regression, Papadopoulos et al. 2011 J Artif Intell Res 40:815,
doi:10.1613/jair.3198). With :math:`k = \\lceil (n+1)(1-\\alpha) \\rceil`, split conformal
takes the :math:`k`-th smallest score; ``q`` here is the :math:`(k+1)`-th (the largest when
:math:`k = n`), one order statistic higher, because :math:`\\sigma(x)` is fitted on the same
residuals, which breaks the exchangeability the :math:`k`-th relies on: in a simulation with
20 calibration compounds and :math:`\\alpha = 0.1` the :math:`k`-th covered 0.87 and the
:math:`(k+1)`-th 0.92 (the difference is about :math:`1/(n+1)`, nil for the thousands of
compounds of a benchmark set). When :math:`k > n` (fewer than :math:`1/\\alpha - 1`
compounds) no finite quantile has the coverage: ``q`` is infinite (unbounded intervals).

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> res = rng.normal(size=999)
>>> cal = NormalizedConformal(alpha=0.1).fit(res, np.ones((999, 1)))
>>> half = cal.quantile_ * cal.sigma(np.ones((1, 1)))[0]
>>> round(float(half), 1)  # the 90 % quantile of |N(0, 1)| is 1.645
1.6
"""

from __future__ import annotations

import numpy as np

from kinetor.errors import ModelError

__all__ = ["NormalizedConformal", "coverage", "difficulty_features"]


def difficulty_features(nn_similarity, member_spread) -> np.ndarray:
    """The difficulty design matrix ``[1 - s_nn, |member spread|]``."""
    return np.column_stack(
        [1.0 - np.asarray(nn_similarity, float), np.abs(np.asarray(member_spread, float))]
    )


class NormalizedConformal:
    """Normalised conformal regressor on residuals and difficulty features.

    Parameters
    ----------
    alpha : float
        Miscoverage; ``0.1`` gives 90 % intervals.

    Attributes
    ----------
    coef_ : numpy.ndarray
        ``b_0, b_1, ...`` of the difficulty model.
    sigma_min_ : float
        Floor of the difficulty (a tenth of the median absolute residual).
    quantile_ : float
        Conformal quantile of the normalised scores.
    """

    def __init__(self, alpha: float = 0.1):
        if isinstance(alpha, bool) or not isinstance(alpha, int | float | np.number):
            raise ModelError(f"alpha={alpha!r}: the miscoverage must be a number in (0, 1)")
        if not 0.0 < alpha < 1.0:
            raise ModelError(f"alpha={alpha!r}: the miscoverage must lie in (0, 1), e.g. 0.1")
        self.alpha = alpha

    def sigma(self, Z) -> np.ndarray:
        """Difficulty :math:`\\sigma(x)` of the rows of the design matrix ``Z``."""
        Z = np.asarray(Z, float)
        return np.maximum(self.sigma_min_, self.coef_[0] + Z @ self.coef_[1:])

    def fit(self, residuals, Z) -> NormalizedConformal:
        """Calibrate on out-of-fold ``residuals`` (y - prediction) and difficulty rows ``Z``."""
        r = np.abs(np.asarray(residuals, float))
        Z = np.asarray(Z, float).reshape(len(r), -1)
        design = np.column_stack([np.ones(len(r)), Z])
        coef, *_ = np.linalg.lstsq(design, r, rcond=None)
        self.coef_ = coef
        self.sigma_min_ = max(0.1 * float(np.median(r)), 1e-6)
        scores = r / self.sigma(Z)
        n = len(scores)
        k = int(np.ceil((n + 1) * (1.0 - self.alpha) - 1e-9))  # split-conformal rank
        # one rank higher (module docstring); none finite when k > n
        self.quantile_ = float(np.sort(scores)[min(k, n - 1)]) if k <= n else float("inf")
        self.n_calibration_ = n
        return self

    def interval(self, prediction, Z) -> tuple[np.ndarray, np.ndarray]:
        """Lower and upper interval ends around ``prediction``."""
        half = self.quantile_ * self.sigma(Z)
        p = np.asarray(prediction, float)
        return p - half, p + half


def coverage(y, lower, upper) -> float:
    """Fraction of ``y`` inside ``[lower, upper]``.

    Examples
    --------
    >>> coverage([1, 2, 3, 4], [0, 0, 0, 0], [1.5, 2.5, 2.5, 5])
    0.75
    """
    y = np.asarray(y, float)
    return float(np.mean((y >= np.asarray(lower)) & (y <= np.asarray(upper))))
