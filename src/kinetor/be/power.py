r"""Power and sample size of the two one-sided tests (TOST) for average bioequivalence.

On the log scale the test/reference difference :math:`D` has standard error
:math:`\sigma_w\sqrt{b_k/n}` (:math:`b_k = 2` for a 2x2 crossover with ``n`` subjects in all,
4 for two parallel groups; :math:`\sigma_w^2 = \log(1 + CV^2)`), and ``df`` = n - 2. BE is
concluded when the :math:`100(1-2\alpha)\%` CI lies within :math:`[\log\theta_1,
\log\theta_2]`. The power is computed exactly by integrating the conditional normal
probability over the :math:`\chi^2_{df}` distribution of the variance estimate (equivalent to
Owen's Q; Phillips 1990, doi:10.1007/BF01062340):

.. math::

    P = E_s\left[\max\left(0, \Phi\left(\frac{\log\theta_2 - t\,\hat{se} - \Delta}{se}\right)
        - \Phi\left(\frac{\log\theta_1 + t\,\hat{se} - \Delta}{se}\right)\right)\right]

Examples
--------
>>> round(power_tost(cv=0.30, n=40), 6)   # PowerTOST power.TOST(CV = 0.3, n = 40)
0.815845
>>> sample_size_tost(cv=0.30)              # PowerTOST sampleN.TOST(CV = 0.30)
(40, 0.8158...)
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy import stats

from kinetor.errors import ModelError

__all__ = ["power_tost", "sample_size_tost"]

_BK = {"2x2": (2.0, 2), "parallel": (4.0, 2)}
_NODES = np.polynomial.legendre.leggauss(400)


def power_tost(
    cv: float,
    n: int,
    theta0: float = 0.95,
    theta1: float = 0.80,
    theta2: float | None = None,
    alpha: float = 0.05,
    design: str = "2x2",
) -> float:
    """Exact power of TOST for a balanced ``design`` (``"2x2"`` or ``"parallel"``).

    Parameters
    ----------
    cv : float
        Within-subject CV (2x2) or total CV (parallel), as a fraction.
    n : int
        Total number of subjects.
    theta0 : float
        True test/reference ratio.
    theta1, theta2 : float
        Acceptance limits (``theta2`` defaults to ``1/theta1``).
    alpha : float
        One-sided level of each test (0.05: 90 % CI).
    """
    if design not in _BK:
        raise ModelError(f"design={design!r}: use one of {', '.join(_BK)}")
    if cv <= 0 or n <= 2:
        raise ModelError(f"need cv > 0 and n > 2 (got cv={cv}, n={n})")
    theta2 = 1.0 / theta1 if theta2 is None else theta2
    bk, lost = _BK[design]
    df = n - lost
    sigma = np.sqrt(np.log1p(cv * cv))
    se = sigma * np.sqrt(bk / n)
    t = stats.t.ppf(1 - alpha, df)
    delta = np.log(theta0)
    lo, hi = np.log(theta1), np.log(theta2)

    # the CI fits inside the limits only while t se_hat < (hi - lo) / 2
    u_max = df * ((hi - lo) / (2 * t * se)) ** 2
    # Gauss-Legendre on [0, u_max], split at the chi-square mode where the mass sits
    x, w = _NODES
    edges = np.unique(np.clip([0.0, max(df - 2.0, 0.0), u_max], 0.0, u_max))
    val = 0.0
    for a, b in itertools.pairwise(edges):
        u = 0.5 * (b - a) * x + 0.5 * (a + b)
        se_hat = se * np.sqrt(u / df)
        p = stats.norm.cdf((hi - t * se_hat - delta) / se) - stats.norm.cdf(
            (lo + t * se_hat - delta) / se
        )
        val += 0.5 * (b - a) * float(np.sum(w * np.maximum(p, 0.0) * stats.chi2.pdf(u, df)))
    return float(val)


def sample_size_tost(
    cv: float,
    theta0: float = 0.95,
    target: float = 0.80,
    theta1: float = 0.80,
    theta2: float | None = None,
    alpha: float = 0.05,
    design: str = "2x2",
    n_max: int = 10_000,
) -> tuple[int, float]:
    """Smallest balanced total ``n`` (a multiple of 2) with power >= ``target``.

    Returns ``(n, power)``.
    """
    # start a little below the large-sample (normal) approximation, then step up
    th2 = 1.0 / theta1 if theta2 is None else theta2
    bk = _BK.get(design, (2.0, 2))[0]
    margin = min(np.log(th2) - np.log(theta0), np.log(theta0) - np.log(theta1))
    if margin <= 0:
        raise ModelError(f"theta0={theta0} lies outside the limits: power cannot reach {target}")
    z = stats.norm.ppf(1 - alpha) + stats.norm.ppf(target)
    approx = bk * np.log1p(cv * cv) * (z / margin) ** 2
    n = max(4, 2 * int(approx / 2) - 4)
    while n > 4 and power_tost(cv, n, theta0, theta1, theta2, alpha, design) >= target:
        n -= 2
    while n <= n_max:
        p = power_tost(cv, n, theta0, theta1, theta2, alpha, design)
        if p >= target:
            return n, p
        n += 2
    raise ModelError(f"no n <= {n_max} reaches power {target}")
