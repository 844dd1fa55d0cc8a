"""Simulated and normal-theory sample sizes for a two-arm comparison (Welch t-test).

Re-exported by :mod:`kinetor.translate.uncertainty`, whose docstring gives the method.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from kinetor.errors import ModelError

__all__ = ["SampleSize", "normal_sample_size", "sample_size"]


@dataclass(frozen=True)
class SampleSize:
    """Result of :func:`sample_size`: ``n`` per arm (None when ``n_max`` is not enough),
    the simulated power at ``n`` and the power curve ``{n: power}`` evaluated."""

    n: int | None
    achieved_power: float
    curve: Mapping[int, float]


def normal_sample_size(
    delta: float, sigma: float, alpha: float = 0.05, power: float = 0.8
) -> float:
    r"""Closed form :math:`2 (z_{1-\alpha/2} + z_{1-\beta})^2 \sigma^2 / \delta^2` per arm.

    Examples
    --------
    >>> round(normal_sample_size(1.0, 1.0), 2)
    15.7
    """
    from scipy.stats import norm

    if not delta != 0 or not sigma > 0:
        raise ModelError("delta must be non-zero and sigma > 0")
    z = norm.ppf(1 - alpha / 2) + norm.ppf(power)
    return float(2.0 * z**2 * sigma**2 / delta**2)


def _welch_reject(x: np.ndarray, y: np.ndarray, alpha: float) -> np.ndarray:
    """Two-sided Welch t-test, row by row: True where p < alpha."""
    from scipy.stats import t as tdist

    nx, ny = x.shape[1], y.shape[1]
    vx, vy = x.var(axis=1, ddof=1) / nx, y.var(axis=1, ddof=1) / ny
    se = np.sqrt(vx + vy)
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = (y.mean(axis=1) - x.mean(axis=1)) / se
        df = (vx + vy) ** 2 / (vx**2 / (nx - 1) + vy**2 / (ny - 1))
    p = 2.0 * tdist.sf(np.abs(stat), np.where(np.isfinite(df), df, 1.0))
    return np.where(se > 0, p < alpha, False)


def sample_size(
    draw: Callable[[int, int, np.random.Generator], tuple[np.ndarray, np.ndarray]],
    alpha: float = 0.05,
    power: float = 0.8,
    n_max: int = 200,
    n_sim: int = 2000,
    seed: Any = 0,
) -> SampleSize:
    """Smallest animals per arm at which a Welch t-test reaches ``power`` (simulated).

    Parameters
    ----------
    draw : callable
        ``draw(n, n_sim, rng) -> (x, y)``, two ``(n_sim, n)`` arrays: the endpoint of ``n``
        animals in each of the two arms, ``n_sim`` times.
    alpha, power : float
        Two-sided level and target power.
    n_max : int
        Largest ``n`` tried.
    n_sim : int
        Simulated studies per candidate ``n``.
    seed : int or Generator
        Each candidate ``n`` uses ``default_rng([seed, n])`` (common random numbers).

    Returns
    -------
    SampleSize
    """
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ModelError("alpha and power must be in (0, 1)")
    base = int(seed if not isinstance(seed, np.random.Generator) else seed.integers(2**62))
    curve: dict[int, float] = {}

    def pw(n: int) -> float:
        if n not in curve:
            x, y = draw(n, int(n_sim), np.random.default_rng([base, n]))
            curve[n] = float(_welch_reject(x, y, alpha).mean())
        return curve[n]

    lo, hi = 2, 2
    while pw(hi) < power:
        if hi >= n_max:
            return SampleSize(None, pw(hi), dict(sorted(curve.items())))
        lo, hi = hi, min(2 * hi, int(n_max))
    while hi - lo > 1:  # power(lo) < target <= power(hi)
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if pw(mid) >= power else (mid, hi)
    n = lo if pw(lo) >= power else hi
    return SampleSize(n, pw(n), dict(sorted(curve.items())))
