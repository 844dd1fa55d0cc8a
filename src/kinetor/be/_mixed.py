r"""A straight line with a random intercept per subject, fitted by REML (dose proportionality
with several doses in one subject).

.. math:: y_{ij} = a + b x_{ij} + u_i + \varepsilon_{ij},\quad
    u_i \sim N(0, \sigma_u^2),\ \varepsilon_{ij} \sim N(0, \sigma^2)

The restricted likelihood is profiled over :math:`\gamma = \sigma_u^2/\sigma^2`: for a given
:math:`\gamma`, :math:`V_i/\sigma^2 = I + \gamma J` has the inverse
:math:`I - \gamma/(1 + n_i\gamma)\,J`, the fixed effects are the generalised least-squares
estimates, :math:`\hat\sigma^2 = r'V^{-1}r\,\sigma^2/(N - 2)` and

.. math:: -2\ell_R(\gamma) = (N - 2)\log\hat\sigma^2 + \sum_i \log(1 + n_i\gamma)
    + \log|X'V^{-1}X\,\sigma^2| + \text{const},

minimised over :math:`\gamma \ge 0` (0 included). The SE of :math:`b` is model based,
:math:`\sqrt{[(X'\hat V^{-1}X)^{-1}]_{bb}}` (as SAS PROC MIXED; statsmodels'
``MixedLM(reml=True)`` inverts the observed information, which agrees for a complete
crossover and differs by well under 0.1 % otherwise). Degrees of freedom by the between-within rule (SAS ``DDFM=BETWITHIN``):
:math:`N - n_{subjects} - 1` when :math:`x` varies within some subject (the within-subject
df; exact for a complete crossover, where :math:`b` is a within-subject contrast),
:math:`n_{subjects} - 2` when every subject has one :math:`x` only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize

__all__ = ["GAMMA_MAX", "RandomIntercept", "random_intercept_line"]

#: The upper bound of the subject/residual variance ratio of the REML search.
GAMMA_MAX = 1e8


@dataclass(frozen=True)
class RandomIntercept:
    intercept: float
    slope: float
    slope_se: float
    df: int
    var_subject: float
    var_resid: float


def _gls(gamma: float, X: np.ndarray, y: np.ndarray, g: np.ndarray, n_i: np.ndarray):
    """Profiled -2 REML log-likelihood (no constant), fixed effects, sigma^2 and
    (X'V^-1 X)^-1 sigma^2 at ``gamma``."""
    c = gamma / (1.0 + n_i * gamma)
    sx = np.stack([np.bincount(g, X[:, j], n_i.size) for j in range(2)], axis=1)
    sy = np.bincount(g, y, n_i.size)
    xtx = X.T @ X - (sx * c[:, None]).T @ sx
    xty = X.T @ y - (sx * c[:, None]).T @ sy
    beta = np.linalg.solve(xtx, xty)
    r = y - X @ beta
    sr = np.bincount(g, r, n_i.size)
    rss = float(r @ r - np.sum(c * sr * sr))
    s2 = rss / (y.size - 2)
    m2l = (
        (y.size - 2) * np.log(s2)
        + float(np.sum(np.log1p(n_i * gamma)))
        + float(np.linalg.slogdet(xtx)[1])
    )
    return m2l, beta, s2, np.linalg.inv(xtx)


def random_intercept_line(x, y, subject) -> RandomIntercept:
    """REML fit of ``y = a + b x`` with a random intercept per ``subject`` (module docstring)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    _, g = np.unique(np.asarray(subject).astype(str), return_inverse=True)
    n_i = np.bincount(g).astype(float)
    X = np.column_stack([np.ones_like(x), x])
    # -2 l_R over log(gamma); the boundary gamma = 0 (no subject variance) is compared apart
    res = optimize.minimize_scalar(
        lambda lg: _gls(np.exp(lg), X, y, g, n_i)[0],
        bounds=(np.log(1e-8), np.log(GAMMA_MAX)),
        method="bounded",
        options={"xatol": 1e-10},
    )
    gamma = float(np.exp(res.x)) if res.fun < _gls(0.0, X, y, g, n_i)[0] else 0.0
    _, beta, s2, inv = _gls(gamma, X, y, g, n_i)
    varies = np.any(np.bincount(g, x * x) - np.bincount(g, x) ** 2 / n_i > 1e-12 * (1 + x @ x))
    dfree = y.size - n_i.size - 1 if varies else n_i.size - 2
    return RandomIntercept(
        intercept=float(beta[0]),
        slope=float(beta[1]),
        slope_se=float(np.sqrt(s2 * inv[1, 1])),
        df=int(dfree),
        var_subject=gamma * s2,
        var_resid=s2,
    )
