"""Guide-level test: MAGeCK's mean-variance model, adjusted variance and one-sided p-values.

For normalised counts, control mean :math:`\\mu_i` and treatment mean :math:`x_i` are
medians over replicates (MAGeCK's convention); the raw variance is the sum of squared
deviations from that median over ``n - 1``. Across guides with variance above the mean, a
weighted least-squares line (weights = mean) is fitted on the log scale (Li et al. 2014,
Genome Biol 15:554, doi:10.1186/s13059-014-0554-4, eq. 2, the negative-binomial
mean-variance relation):

.. math::

    \\log_2(\\sigma^2_i - \\mu_i + 1) = b + k \\log_2(\\mu_i + 1), \\qquad
    \\hat\\sigma^2_i = \\mu_i + 2^{b} \\mu_i^{k}\\;(k \\ge 1,\\ b \\ge 0)

MAGeCK clamps ``k >= 1, b >= 0`` and reads the variance at the control median
(``variance="mageck"``: MAGeCK's ``sgrna_summary`` exactly; use it to compare with MAGeCK).
The default ``variance="symmetric"`` departs from the clamp only where it would move the line
by more than 3 log2 units (:func:`mean_variance_fit`) and always evaluates the variance at
the mean of the control and treatment medians (the symmetric null, :func:`guide_test`):
MAGeCK's null calls false enriched guides whose controls came out low by chance
(docs/screens.md, the simulations). ``variance="auto"`` is MAGeCK's clamp and null where the
clamp holds and ``"symmetric"`` elsewhere.

The p-values use that adjusted variance: ``method="normal"`` is a normal distribution
truncated at zero counts (MAGeCK 0.5.9+/mageck2 default), ``method="nb"`` the negative
binomial of the original paper (``n = mu^2/(var - mu)``, ``p = mu/var``). The guide score
used for ranking is the normal quantile of ``p.low`` for depleted guides and the z-score
otherwise, as MAGeCK computes it (its tabulated quantiles on a 0.001 grid of ln p are
rebuilt here with :func:`scipy.special.ndtri` and interpolated the same way).

Examples
--------
>>> import numpy as np
>>> ctrl = np.array([[100., 120.], [50., 40.], [10., 12.]])
>>> k, b = mean_variance_fit(ctrl)
>>> k >= 1 and b >= 0
True
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from scipy import special, stats

from kinetor.errors import ModelError
from kinetor.screens._vectors import checked_vector

__all__ = [
    "Variance",
    "adjusted_variance",
    "bh_fdr",
    "guide_test",
    "mean_variance_fit",
    "median_var",
]

#: ``"symmetric"`` (default): MAGeCK's clamp unless it moves the line by more than
#: MAX_CLAMP_SHIFT (then the refit), and the symmetric null always; ``"mageck"``: MAGeCK's
#: clamp and null always; ``"auto"``: ``"mageck"`` where the clamp holds, else ``"symmetric"``.
Variance = Literal["auto", "mageck", "symmetric"]


def median_var(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row medians and MAGeCK's variance about the median (``/ max(n - 1, 1)``)."""
    med = np.median(x, axis=1)
    var = ((x - med[:, None]) ** 2).sum(axis=1) / max(x.shape[1] - 1, 1)
    return med, var


def mean_variance_fit(x: np.ndarray, variance: Variance = "symmetric") -> tuple[float, float]:
    """Fit ``(k, b)`` of the mean-variance model to replicate counts ``x`` (guides x reps).

    Guides with extreme means (> median + 4 SD of the guide means) are left out, as are
    guides whose variance does not exceed the mean; with fewer than 10 left, all guides are
    used with ``var - mean`` floored at 0.01. A slope below 1 is set to 1 and a negative
    intercept to 0, as MAGeCK does (``variance="mageck"``: always). With
    ``variance="symmetric"`` (default) or ``"auto"`` (the same line) the clamp is kept
    unless it moves the fitted line by more than :data:`MAX_CLAMP_SHIFT` log2 units at the
    weighted centre of the data; then:

    * free slope ``k >= 1`` (only ``b < -3`` was clamped; negative-binomial counts with
      dispersion below ~1/8, where ``b ~ log2(phi)``): the slope is kept and the intercept
      is matched to the mean excess variance (:func:`_moment_intercept`). The log-scale
      fit itself would underestimate the variance (the log of a one- or two-degree-of-freedom
      variance estimate averages 0.8 to 1.8 log2 units below the log of its expectation) and
      the clamp ``b = 0`` overestimates it 4- to 20-fold (docs/screens.md, the simulations);
    * free slope ``k < 1`` (a few strongly changed guides tilt the line, e.g.
      ``k = -2.9, b = 29.5`` -> ``k = 1, b = 29.5``, a variance ~1e9 times the observed):
      the fit is redone under ``k >= 1, b >= 0`` (:func:`_constrained_fit`).
    """
    check_variance(variance)
    k, b, _ = _fit(x, variance)
    return k, b


def check_variance(variance) -> None:
    """Refuse a ``variance=`` other than ``"symmetric"``, ``"mageck"`` or ``"auto"``."""
    if variance not in ("auto", "mageck", "symmetric"):
        raise ModelError(f"variance={variance!r}: choose symmetric, mageck or auto")


MAX_CLAMP_SHIFT = 3.0  # log2 units (8-fold excess variance) at the data's weighted centre


def _fit(x: np.ndarray, variance: Variance) -> tuple[float, float, str]:
    """:func:`mean_variance_fit` and the rule used: ``clamp``, ``moment`` or ``constrained``."""
    mean, var = median_var(x)
    if mean.size > 10:
        m, v = median_var(mean[None, :])
        cutoff = m[0] + 4.0 * np.sqrt(v[0])
    else:
        cutoff = mean.max() * 2.0
    good = (mean < var) & (mean < cutoff)
    if good.sum() < 10:
        mg, vg = mean, np.maximum(var - mean, 0.01)
    else:
        mg, vg = mean[good], var[good] - mean[good]
    lx, ly, w = np.log2(mg + 1.0), np.log2(vg + 1.0), mg
    nw, sy, sx = w.sum(), (ly * w).sum(), (lx * w).sum()
    sx2, sxy = (lx * lx * w).sum(), (lx * ly * w).sum()
    den = nw * sx2 - sx * sx
    if den == 0 or nw == 0:
        return 1.0, 0.0, "clamp"
    b = (sy * sx2 - sx * sxy) / den
    k = (nw * sxy - sx * sy) / den
    kc, bc = max(k, 1.0), max(b, 0.0)
    if variance == "mageck" or abs(bc + kc * sx / nw - sy / nw) <= MAX_CLAMP_SHIFT:
        return float(kc), float(bc), "clamp"
    if k >= 1.0:
        keep = (mean > 0) & (mean < cutoff)
        bm = _moment_intercept(mean[keep], var[keep], k)
        if bm is not None:
            return float(k), bm, "moment"
    return (*_constrained_fit(lx, ly, w), "constrained")


def _moment_intercept(mean: np.ndarray, var: np.ndarray, k: float) -> float | None:
    """``b`` with ``2^b = sum m (var - m) / m^k / sum m`` (weights = mean, as the fit): the
    line through the mean excess variance. MAGeCK's variance about the median is unbiased
    for two replicates, so this is unbiased where the log-scale intercept is not. None when
    the guides show no excess variance."""
    num = float((mean ** (1.0 - k) * (var - mean)).sum())
    if not num > 0:
        return None
    return float(np.log2(num / mean.sum()))


def _constrained_fit(lx, ly, w) -> tuple[float, float]:
    """Weighted least squares of ``ly = b + k lx`` under ``k >= 1, b >= 0``: the best of
    the two edges ``k = 1`` (``b`` refitted) and ``b = 0`` (``k`` refitted)."""
    b1 = max(float((w * (ly - lx)).sum() / w.sum()), 0.0)
    k0 = max(float((w * lx * ly).sum() / (w * lx * lx).sum()), 1.0)
    sse1 = float((w * (ly - b1 - lx) ** 2).sum())
    sse0 = float((w * (ly - k0 * lx) ** 2).sum())
    return (1.0, b1) if sse1 <= sse0 else (k0, 0.0)


def adjusted_variance(mean: np.ndarray, k: float, b: float) -> np.ndarray:
    """:math:`\\hat\\sigma^2 = \\mu + 2^b \\mu^k`."""
    return mean**k * 2.0**b + mean


def bh_fdr(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (not capped at 1, as MAGeCK's ``pFDR``).

    ``p`` must lie in [0, 1] (round-off above 1 by less than 1e-9 is accepted). A NaN
    stays NaN in its place; the other values are adjusted among themselves (``n`` = the
    number of non-NaN p-values), so one untestable value does not blank the rest.

    Raises
    ------
    DataError
        A p-value outside [0, 1] or infinite, or ``p`` not 1-D.
    """
    p = checked_vector(
        p,
        "p",
        valid=lambda v: np.isnan(v) | ((v >= 0) & (v <= 1 + 1e-9)),
        what="a p-value in [0, 1]",
        fix="pass p-values, not scores or -log10 p",
    )
    return _bh(p)


def _bh(p: np.ndarray) -> np.ndarray:
    """:func:`bh_fdr` without the range check (for p-values computed here)."""
    out = np.full(p.size, np.nan)
    ok = np.flatnonzero(~np.isnan(p))
    n = ok.size
    if n == 0:
        return out
    order = np.argsort(p[ok], kind="stable")
    adj = p[ok][order] * n / np.arange(1, n + 1)
    adj = np.minimum.accumulate(adj[::-1])[::-1]
    out[ok[order]] = adj
    return out


def _qnorm_log(logp: np.ndarray) -> np.ndarray:
    """MAGeCK's tabulated normal quantile of ln p on [-24, -0.001], NaN outside."""
    grid = np.round(np.arange(-24000, 0) / 1000.0, 3)
    q = special.ndtri(np.exp(grid))
    step = 0.001
    idx = np.clip(np.floor((logp - grid[0]) / step).astype(np.int64), 0, grid.size - 2)
    frac = np.clip((logp - grid[idx]) / step, 0.0, 1.0)
    val = q[idx] * (1.0 - frac) + q[idx + 1] * frac
    return np.where((logp >= grid[0]) & (logp <= grid[-1]), val, np.nan)


def _normal_p(mean0, var0, mean1):
    pos = mean1[mean1 > 0]
    floor = pos.min() if pos.size else 0.0
    m1 = np.maximum(mean1, floor)
    sd = np.sqrt(var0)
    theta = (m1 - mean0) / sd
    p0 = special.ndtr(-mean0 / sd)
    low = (special.ndtr(theta) - p0) / (1.0 - p0)
    high = special.ndtr(-theta) / (1.0 - p0)
    return low, high


def _nb_p(mean0, var0, mean1):
    """NB with mean ``mean0`` and variance ``var0``; Poisson(``mean0``) where ``var0 <= mean0``
    (the symmetric null's variance at a lower mean; MAGeCK's ``var0`` always exceeds it)."""
    over = var0 > mean0
    v = np.where(over, var0, 2.0 * mean0)
    p = mean0 / v
    n = np.maximum(mean0 * mean0 / np.maximum(v - mean0, 1e-300), 1.0)
    low = np.where(over, stats.nbinom.cdf(mean1, n, p), stats.poisson.cdf(mean1, mean0))
    high = np.where(over, stats.nbinom.sf(mean1, n, p), stats.poisson.sf(mean1, mean0))
    return low, high


def guide_test(
    ctrl: np.ndarray,
    treat: np.ndarray,
    var_samples: np.ndarray | None = None,
    method: Literal["normal", "nb"] = "normal",
    variance: Variance = "symmetric",
) -> dict[str, np.ndarray | float | str]:
    """Test every guide for depletion/enrichment in ``treat`` versus ``ctrl``.

    Parameters
    ----------
    ctrl, treat : numpy.ndarray
        Normalised counts, ``(n_guides, n_ctrl)`` and ``(n_guides, n_treat)``.
    var_samples : numpy.ndarray, optional
        Counts used to fit the mean-variance model (default: the controls when there are
        two or more, otherwise controls and treatments together).
    method : {"normal", "nb"}
        Truncated-normal (MAGeCK >= 0.5.9) or negative-binomial p-values.
    variance : {"symmetric", "mageck", "auto"}
        Mean-variance rule (:func:`mean_variance_fit`) and null. ``"symmetric"``
        (default): MAGeCK's clamp where it holds, else the refit; variance at
        ``m0 = (control median + treatment median) / 2``. ``"mageck"``: MAGeCK's clamp,
        variance at the control median (MAGeCK's values exactly). ``"auto"``: as
        ``"mageck"`` where the clamp holds (``variance_rule == "clamp"``), otherwise as
        ``"symmetric"``.
        Either way the null distribution of the treatment median has mean = the control
        median (floored at the smallest positive one, as MAGeCK) and variance
        ``adj_var = m + 2^b m^k`` at that ``m``: the truncated normal, or the NB with that
        mean and variance (Poisson where ``adj_var`` <= the control median).

    Returns
    -------
    dict
        ``control_mean``, ``treat_mean``, ``lfc`` (log2, +1 pseudocount), ``control_var``,
        ``adj_var``, ``score`` (signed; RRA ranks on it), ``p_low``, ``p_high``,
        ``p_twosided``, ``fdr``, ``valid`` (not zero in both groups), ``k``, ``b``,
        ``variance_rule`` (``clamp``, ``moment`` or ``constrained``), ``null``
        (``control`` or ``symmetric``: where ``adj_var`` was evaluated).

    Raises
    ------
    ModelError
        ``variance`` other than ``"auto"``, ``"mageck"`` or ``"symmetric"``.
    """
    check_variance(variance)
    n_ctrl, n_treat = ctrl.shape[1], treat.shape[1]
    if var_samples is not None and var_samples.shape[1] > 1:
        model_x = var_samples
    elif n_ctrl > 1:
        model_x = ctrl
    else:
        model_x = np.hstack([ctrl, treat])
    k, b, rule = _fit(model_x, variance)
    c_mean, _ = median_var(ctrl)
    t_mean, t_var_t = median_var(treat)
    _, t_var_c = median_var(model_x)
    valid = (c_mean > 0) | (t_mean > 0)
    pos = c_mean[c_mean > 0]
    c_mean = np.maximum(c_mean, pos.min() if pos.size else 1.0)
    if (
        (var_samples is not None and var_samples.shape[1] > 1)
        or n_ctrl > 1
        or (n_ctrl == 1 and n_treat == 1)
    ):
        raw_var = t_var_c
    else:
        frac_c = (n_ctrl - 1) / (n_ctrl - 1 + n_treat - 1)
        raw_var = t_var_c * frac_c + t_var_t * (1.0 - frac_c)
    sym = variance == "symmetric" or (variance == "auto" and rule != "clamp")
    adj = adjusted_variance((c_mean + t_mean) / 2.0 if sym else c_mean, k, b)
    p_low, p_high = (_nb_p if method == "nb" else _normal_p)(c_mean, adj, t_mean)
    theta0 = (t_mean - c_mean) / np.sqrt(adj)
    small = p_low[p_low * 0.1 > 0] * 0.1
    floor = small.min() if small.size else np.finfo(float).tiny
    with np.errstate(divide="ignore"):
        q = _qnorm_log(np.log(np.maximum(p_low, floor)))
    theta_low = np.where(np.isnan(q), theta0, q)
    score = np.where(t_mean < c_mean, theta_low, theta0)
    two = np.minimum(2 * p_low, 2 * p_high)
    lfc = np.log2(t_mean + 1.0) - np.log2(c_mean + 1.0)
    return {
        "control_mean": c_mean,
        "treat_mean": t_mean,
        "lfc": lfc,
        "control_var": raw_var,
        "adj_var": adj,
        "score": score,
        "p_low": p_low,
        "p_high": p_high,
        "p_twosided": two,
        "fdr": _bh(two),
        "valid": valid,
        "k": k,
        "b": b,
        "variance_rule": rule,
        "null": "symmetric" if sym else "control",
    }
