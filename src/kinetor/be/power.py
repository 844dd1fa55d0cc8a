r"""Power and sample size of the two one-sided tests (TOST) for average bioequivalence.

On the log scale the test/reference difference :math:`D` has standard error
:math:`\sigma_w\sqrt{b_k/n}` (:math:`b_k = 2` for a 2x2 crossover with ``n`` subjects in all,
4 for two parallel groups; :math:`\sigma_w^2 = \log(1 + CV^2)`), and ``df`` = n - 2. An odd
``n`` is split into two sequences (groups) as equal as possible, the first one larger (39:
20 + 19, PowerTOST's ``nvec``), and then :math:`se = \sigma_w\sqrt{b_{k,n_i}(1/n_1 + 1/n_2)}`
with PowerTOST's per-sequence constant :math:`b_{k,n_i}` = 1/2 (2x2) or 1 (parallel), which is
:math:`\sigma_w\sqrt{b_k/n}` for a balanced study. BE is
concluded when the :math:`100(1-2\alpha)\%` CI lies within :math:`[\log\theta_1,
\log\theta_2]`. The power is computed exactly by integrating the conditional normal
probability over the :math:`\chi^2_{df}` distribution of the variance estimate (equivalent to
Owen's Q; Phillips 1990, doi:10.1007/BF01062340):

.. math::

    P = E_s\left[\max\left(0, \Phi\left(\frac{\log\theta_2 - t\,\hat{se} - \Delta}{se}\right)
        - \Phi\left(\frac{\log\theta_1 + t\,\hat{se} - \Delta}{se}\right)\right)\right]

The expectation is a 128-node Gauss-Legendre sum over :math:`s = \hat{se}/se` (density
:math:`2k^k s^{2k-1} e^{-ks^2}/\Gamma(k)`, :math:`k = df/2`, smooth for every df) between the
:math:`10^{-16}` and :math:`1 - 10^{-16}` quantiles, cut where the CI can no longer fit; it
agrees with a 40-digit computation to about 1e-12, also for df 1 and power near 1.

Examples
--------
>>> round(power_tost(cv=0.30, n=40), 6)   # PowerTOST power.TOST(CV = 0.3, n = 40)
0.815845
>>> sample_size_tost(cv=0.30)              # PowerTOST sampleN.TOST(CV = 0.30)
(40, 0.8158...)
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from scipy import special, stats

from kinetor.errors import ModelError

__all__ = [
    "power_tost",
    "sample_size_tost",
    "smallest_n",
    "tost_input_problem",
    "tost_limits",
]

# PowerTOST's known.designs() (R/designs.R; firm): design -> (bk for the total n, bkni for
# the n per sequence, df = a n - b as (a, b), sequences = the step of the sample size);
# treatments x sequences x periods, df without carry-over
_BK = {
    "2x2": (2.0, 1 / 2, (1, 2), 2),
    "2x2x2": (2.0, 1 / 2, (1, 2), 2),
    "parallel": (4.0, 1.0, (1, 2), 2),
    "3x3": (2.0, 2 / 9, (2, 4), 3),
    "3x6x3": (2.0, 1 / 18, (2, 4), 6),
    "4x4": (2.0, 1 / 8, (3, 6), 4),
    "2x2x3": (1.5, 3 / 8, (2, 3), 2),
    "2x2x4": (1.0, 1 / 4, (3, 4), 2),
    "2x4x4": (1.0, 1 / 16, (3, 4), 4),
    "2x3x3": (1.5, 1 / 6, (2, 3), 3),
    "2x4x2": (8.0, 1 / 2, (1, 2), 4),
}
_NODES = np.polynomial.legendre.leggauss(128)
_TAIL = 1e-16  # chi-square mass left out in each tail
_CV_MAX = 10.0  # 1000 %: above it the value is a percentage written as a fraction


def tost_input_problem(
    cv: float | None = None,
    alpha: float | None = None,
    theta0: float | None = None,
    target: float | None = None,
    design: str | None = None,
    theta1: float | None = None,
    theta2: float | None = None,
    n: int | None = None,
) -> tuple[str, str] | None:
    """The first out-of-range input as ``(name, message)`` (names: ``cv``, ``alpha``,
    ``theta0``, ``target``, ``design``, ``theta1``, ``theta2``, ``n``), or None when all
    given inputs are valid.

    >>> tost_input_problem(cv=30)
    ('cv', 'a CV is a fraction: 30 % is 0.30 (got 30; at most 10, i.e. 1000 %)')
    """
    numbers = {"cv": cv, "alpha": alpha, "theta0": theta0, "target": target, "n": n}
    for name, value in {**numbers, "theta1": theta1, "theta2": theta2}.items():
        if value is not None and (isinstance(value, bool) or not isinstance(value, Real)):
            return name, f"must be a number, not {value!r}"
    if n is not None and not (np.isfinite(n) and n == np.floor(n) and n >= 1):
        return "n", f"the number of subjects must be a whole number >= 1 (got {n:g})"
    if n is not None and (design or "2x2") in _BK:
        _, _, (a, b), seqs = _BK[design or "2x2"]
        least = smallest_n(design or "2x2")
        if n < least:
            return "n", (
                f"a {design or '2x2'} design needs more than {least - 1} subjects, i.e. at "
                f"least {least} (df = {'' if a == 1 else a}n - {b} >= 1 and a subject in each of its {seqs} "
                f"sequences; got {n:g})"
            )
    if theta1 is not None and not 0 < theta1 < 1:
        return "theta1", f"the lower limit must lie in (0, 1), e.g. 0.80 (got {theta1:g})"
    if theta2 is not None and not (theta2 > 1 and np.isfinite(theta2)):
        return "theta2", f"the upper limit must be > 1, e.g. 1.25 (got {theta2:g})"
    if design is not None and design not in _BK:
        return "design", f"{design!r} is not a design: use one of {', '.join(_BK)}"
    if cv is not None:
        if not cv > 0:
            return "cv", f"a CV must be > 0 (got {cv:g})"
        if not np.isfinite(cv):
            return "cv", f"a CV must be a finite number, e.g. 0.3 for 30 % (got {cv:g})"
        if cv > _CV_MAX:
            return "cv", (
                f"a CV is a fraction: {cv:g} % is {cv / 100:.2f} (got {cv:g}; at most "
                f"{_CV_MAX:g}, i.e. {100 * _CV_MAX:g} %)"
            )
    if alpha is not None and not 0 < alpha < 0.5:
        return "alpha", f"the one-sided level must lie in (0, 0.5), e.g. 0.05 (got {alpha:g})"
    if theta0 is not None and not (theta0 > 0 and np.isfinite(theta0)):
        return "theta0", f"the true T/R ratio must be > 0, e.g. 0.95 (got {theta0:g})"
    if target is not None and not (0 < target < 1 and (alpha is None or target > alpha)):
        low = "0" if alpha is None else f"alpha = {alpha:g}"
        return "target", f"the target power must lie between {low} and 1 (got {target:g})"
    return None


def smallest_n(design: str) -> int:
    """The smallest total ``n`` for which ``design`` has a degree of freedom and a subject in
    each sequence (PowerTOST's minimum: 2 for 2x2x3 and 2x2x4, 3 for 2x2 and parallel).

    >>> smallest_n("2x2"), smallest_n("2x2x4"), smallest_n("3x6x3")
    (3, 2, 6)
    """
    _, _, (a, b), seqs = _BK[design]
    return max(seqs, int(np.floor(b / a)) + 1)


def tost_limits(theta1: float | None, theta2: float | None) -> tuple[float, float]:
    """The acceptance limits as PowerTOST sets them: one given, the other its reciprocal
    (``theta2`` only: ``theta1 = 1/theta2``); none given, (0.80, 1.25).

    >>> tost_limits(None, 1.11111)[0] == 1 / 1.11111, tost_limits(0.9, None)[1] == 1 / 0.9
    (True, True)
    """
    if theta1 is None and theta2 is None:
        return 0.80, 1.25
    if theta1 is None:
        assert theta2 is not None
        return 1.0 / theta2, theta2
    return theta1, 1.0 / theta1 if theta2 is None else theta2


def _check(**inputs) -> tuple[float, float]:
    """Check the inputs (a ``ModelError`` naming the first bad one); returns the limits."""
    bad = tost_input_problem(**inputs)
    if bad is not None:
        raise ModelError(f"{bad[0]}={inputs[bad[0]]!r}: {bad[1]}")
    return tost_limits(inputs["theta1"], inputs["theta2"])


def power_tost(
    cv: float,
    n: int,
    theta0: float = 0.95,
    theta1: float | None = None,
    theta2: float | None = None,
    alpha: float = 0.05,
    design: str = "2x2",
) -> float:
    """Exact power of TOST for a ``design`` with ``n`` subjects: ``"2x2"`` (``"2x2x2"``),
    ``"parallel"``, higher-order crossovers ``"3x3"``, ``"3x6x3"``, ``"4x4"`` and the
    replicate designs ``"2x2x3"`` (TRT|RTR), ``"2x2x4"`` (TRTR|RTRT), ``"2x4x4"``,
    ``"2x3x3"`` (partial, TRR|RTR|RRT) and ``"2x4x2"`` (Balaam), with PowerTOST's design
    constants and degrees of freedom (``known.designs()``; ABE, no reference scaling).

    Parameters
    ----------
    cv : float
        Within-subject CV (2x2) or total CV (parallel), as a fraction (0.3 for 30 %;
        values above 10 are rejected as percentages).
    n : int
        Total number of subjects, at least :func:`smallest_n` (df >= 1 and a subject in each
        sequence: 3 for 2x2 and parallel, 2 for 2x2x3 and 2x2x4); an ``n`` that does not divide evenly is split as equally
        as possible into the design's sequences (groups), the first ones larger (39: 20 +
        19), as PowerTOST's ``nvec`` does.
    theta0 : float
        True test/reference ratio.
    theta1, theta2 : float, optional
        Acceptance limits; one given, the other defaults to its reciprocal (``theta2`` =
        1/``theta1``, or ``theta1`` = 1/``theta2`` when only ``theta2`` is given, as in
        PowerTOST); neither given, 0.80 and 1.25.
    alpha : float
        One-sided level of each test (0.05: 90 % CI).
    """
    theta1, theta2 = _check(
        cv=cv, alpha=alpha, theta0=theta0, design=design, theta1=theta1, theta2=theta2, n=n
    )
    _, bkni, (a, b), seqs = _BK[design]
    df = a * int(n) - b
    # PowerTOST nvec(n, seqs): as equal as possible, the first sequences larger (39 -> 20 + 19)
    per = np.full(seqs, int(n) // seqs) + (np.arange(seqs) < int(n) % seqs)
    sigma = np.sqrt(np.log1p(cv * cv))
    se = sigma * np.sqrt(bkni * np.sum(1.0 / per))
    t = stats.t.ppf(1 - alpha, df)
    delta = np.log(theta0)
    lo, hi = np.log(theta1), np.log(theta2)

    # the CI fits inside the limits only while t se_hat < (hi - lo) / 2; integrate over
    # s = se_hat/se, whose density is smooth for every df (df 1 included, where the
    # chi-square density of s^2 is singular at 0), between the 1e-16 and 1 - 1e-16
    # quantiles (the mass left out is below 2e-16), so the nodes sit where the mass is
    s_lo = np.sqrt(stats.chi2.ppf(_TAIL, df) / df)
    s_hi = min(np.sqrt(stats.chi2.isf(_TAIL, df) / df), (hi - lo) / (2 * t * se))
    if s_hi <= s_lo:
        return 0.0
    x, w = _NODES
    s = 0.5 * (s_hi - s_lo) * x + 0.5 * (s_hi + s_lo)
    k = df / 2  # density of s: 2 k^k s^(df-1) exp(-k s^2) / Gamma(k)
    dens = np.exp(
        np.log(2.0) + k * np.log(k) - special.gammaln(k) + (df - 1) * np.log(s) - k * s * s
    )
    p = stats.norm.cdf((hi - t * se * s - delta) / se) - stats.norm.cdf(
        (lo + t * se * s - delta) / se
    )
    val = 0.5 * (s_hi - s_lo) * float(np.sum(w * np.maximum(p, 0.0) * dens))
    return float(min(max(val, 0.0), 1.0))


def sample_size_tost(
    cv: float,
    theta0: float = 0.95,
    target: float = 0.80,
    theta1: float | None = None,
    theta2: float | None = None,
    alpha: float = 0.05,
    design: str = "2x2",
    n_max: int = 10_000,
) -> tuple[int, float]:
    """Smallest balanced total ``n`` (a multiple of the design's number of sequences) with
    power >= ``target``.

    The search steps by the number of sequences (2 for 2x2, parallel and 2x2x3/2x2x4; 3 for
    3x3 and 2x3x3; 4 for 4x4, 2x4x4 and 2x4x2; 6 for 3x6x3), as PowerTOST's
    ``sampleN.TOST`` does; an ``n`` between two steps can be checked with ``power_tost``.

    The search starts at the smallest multiple of the step with df >= 1 (PowerTOST's
    ``nmin``: 4 for 2x2, 2 for 2x2x3 and 2x2x4). Returns ``(n, power)``. ``target`` must lie
    in (``alpha``, 1), ``alpha`` in (0, 0.5), ``cv`` in (0, 10] (a fraction), ``n_max`` a
    whole number >= 2; the limits as in :func:`power_tost`.
    """
    theta1, theta2 = _check(
        cv=cv,
        alpha=alpha,
        theta0=theta0,
        target=target,
        design=design,
        theta1=theta1,
        theta2=theta2,
    )
    if isinstance(n_max, bool) or not isinstance(n_max, Integral) or n_max < 2:
        raise ModelError(f"n_max={n_max!r}: give a whole number >= 2 (default 10000)")
    # start a little below the large-sample (normal) approximation, then step up
    bk, _, _, step = _BK[design]
    margin = min(np.log(theta2) - np.log(theta0), np.log(theta0) - np.log(theta1))
    if margin <= 0:
        raise ModelError(f"theta0={theta0} lies outside the limits: power cannot reach {target}")
    z = stats.norm.ppf(1 - alpha) + stats.norm.ppf(target)
    approx = bk * np.log1p(cv * cv) * (z / margin) ** 2
    # the smallest multiple of the step that leaves a degree of freedom (PowerTOST's nmin)
    n_min = step * int(np.ceil(smallest_n(design) / step))
    n = max(n_min, step * int(approx / step) - 2 * step)
    while n > n_min and power_tost(cv, n, theta0, theta1, theta2, alpha, design) >= target:
        n -= step
    while n <= n_max:
        p = power_tost(cv, n, theta0, theta1, theta2, alpha, design)
        if p >= target:
            return n, p
        n += step
    raise ModelError(
        f"no n <= n_max = {n_max} reaches power {target}: raise n_max (be-size --n-max)"
    )
