r"""FDA reference-scaled average bioequivalence (RSABE) for highly variable drugs.

The method of the FDA draft guidance on progesterone (2011; the statistical approach of its
appendix and SAS code), for replicate designs in which the reference is given twice
(partial TRR/RTR/RRT, full TRTR/RTRT and the like), on the log scale:

- :math:`s_{WR}`: per subject with two reference administrations, the difference of the
  first and second, :math:`d_i = R_{i1} - R_{i2}`; an ANOVA of :math:`d` on sequence gives
  the residual mean square :math:`MS_d` with :math:`df_d = n_d - n_{seq}`, and
  :math:`s_{WR}^2 = MS_d/2`.
- The point estimate: per subject with every period of its sequence, the intra-subject
  contrast :math:`I_i = \bar T_i - \bar R_i`; an ANOVA of :math:`I` on sequence gives
  :math:`\hat D` as the mean of the sequence means, its SE
  :math:`\sqrt{MS_I \sum_s (1/n_s) / k^2}` (k sequences) and :math:`df_I = n_I - k`.
- The linearised criterion :math:`(\mu_T - \mu_R)^2 - \theta s_{WR}^2`, with
  :math:`\theta = (\ln 1.25 / \sigma_{W0})^2`, :math:`\sigma_{W0} = 0.25`; its
  :math:`100(1-\alpha)\%` upper bound by Howe's approximation:
  :math:`E_m = \hat D^2 - SE^2` (unbiased for :math:`(\mu_T - \mu_R)^2`),
  :math:`C_m = (|\hat D| + t_{1-\alpha, df_I} SE)^2`,
  :math:`E_s = -\theta s_{WR}^2`, :math:`C_s = E_s\, df_d / \chi^2_{1-\alpha, df_d}`,
  bound :math:`= E_m + E_s + \sqrt{(C_m - E_m)^2 + (C_s - E_s)^2}`.
- Bioequivalent when the bound is <= 0 and the point estimate lies within 80-125 %
  (unrounded: the FDA has no rounding rule). When :math:`s_{WR} < 0.294` the guidance
  applies average bioequivalence instead (the caller's ANOVA; the FDA asks for a mixed
  model there).

Checked against the published results for the EMA's data set I (Schütz, BEBAC forum, entry
23662: Phoenix WinNonlin, cross-validated with SAS): :math:`s_{WR}` 0.44645, point estimate
115.46 % (90 % CI 106.39-125.31 %), bound -0.09208.

Narrow therapeutic index drugs (``nti=True``; FDA draft guidance on warfarin sodium, 2012,
the method of later NTI guidances such as everolimus): the same criterion with
:math:`\sigma_{W0} = 0.10` and :math:`\ln(1/0.9)` for :math:`\ln 1.25`, applied whatever
:math:`s_{WR}` (scaling narrows the limits below 90.00-111.11 % when :math:`s_{WR} < 0.1`),
and besides it the 90 % CI of the intra-subject contrasts within 80.00-125.00 % and the
upper limit of the 90 % CI of :math:`\sigma_{WT}/\sigma_{WR}`,
:math:`(s_{WT}/s_{WR})/\sqrt{F_{\alpha}(\nu_T, \nu_R)}` (:math:`F_\alpha` the lower
:math:`\alpha` quantile; :math:`s_{WT}` from the test's first-minus-second differences as
:math:`s_{WR}` from the reference's), at most 2.5. All three must hold.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from kinetor.errors import ModelError

__all__ = [
    "NTI_RATIO_LIMIT",
    "NTI_THETA",
    "RSABE_SWITCH",
    "RSABE_THETA",
    "FdaScaled",
    "Rsabe",
    "fda_scaled",
    "rsabe",
]

RSABE_SIGMA_W0 = 0.25
RSABE_THETA = (np.log(1.25) / RSABE_SIGMA_W0) ** 2
RSABE_SWITCH = 0.294
"""s_WR from which the FDA applies reference scaling (CV_WR about 30 %)."""
NTI_SIGMA_W0 = 0.10
NTI_THETA = (np.log(1 / 0.9) / NTI_SIGMA_W0) ** 2
NTI_RATIO_LIMIT = 2.5
"""Largest upper 90 % confidence limit of sigma_WT/sigma_WR for a narrow therapeutic index
drug."""
_PE_RANGE_PCT = (80.0, 125.0)


@dataclass(frozen=True)
class Rsabe:
    """One metric's RSABE statistics (see the module)."""

    s_wr: float
    df_swr: int
    n_swr: int
    pe: float  # log scale
    se: float
    df_pe: int
    n_pe: int
    criterion: float
    bound: float


def _by_sequence(values: pd.Series, seq: pd.Series) -> tuple[float, float, int, np.ndarray]:
    """Mean of the sequence means, residual mean square, df and per-sequence n."""
    g = values.groupby(seq)
    n_s = g.size().to_numpy(float)
    resid = values - g.transform("mean")
    dfree = int(len(values) - len(n_s))
    if dfree <= 0:
        raise ModelError(
            "RSABE needs more subjects than sequences in each analysis "
            f"({len(values)} subjects, {len(n_s)} sequences)"
        )
    return float(g.mean().mean()), float((resid**2).sum() / dfree), dfree, n_s


def _within_variance(d: pd.DataFrame, label: str, seq: pd.Series) -> tuple[float, int, int]:
    """Within-subject variance of treatment ``label``: per subject given it twice, the
    first minus the second (log scale), an ANOVA on sequence, :math:`MS/2`; its df and n."""
    reps = d[d["treatment"] == label].groupby("subject", sort=False)["y"].agg(list)
    reps = reps[reps.map(len) >= 2]
    if reps.empty:
        raise ModelError(
            f"reference scaling needs subjects given {label!r} twice (a replicate design; "
            "the NTI method needs test and reference each twice, e.g. TRTR/RTRT)"
        )
    dlat = reps.map(lambda v: v[0] - v[1]).astype(float)
    _, ms_d, df_d, _ = _by_sequence(dlat, seq.loc[dlat.index])
    return ms_d / 2.0, df_d, len(dlat)


def _log_sorted(d: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    d = d.assign(y=np.log(d["value"].to_numpy(float))).sort_values(["subject", "period"])
    return d, d.groupby("subject", sort=False)["sequence"].first().astype(str)


def rsabe(
    d: pd.DataFrame, test: str, reference: str, alpha: float, theta: float = RSABE_THETA
) -> Rsabe:
    """RSABE statistics of one metric: ``d`` has ``subject, period, sequence, treatment``
    and ``value`` (> 0, no missing values); ``theta`` the regulatory constant
    (:data:`NTI_THETA` for a narrow therapeutic index drug)."""
    d, seq = _log_sorted(d)
    s2wr, df_d, n_d = _within_variance(d, reference, seq)
    # complete subjects: as many periods as the fullest subject of their sequence
    n_obs = d.groupby("subject", sort=False).size()
    full = n_obs.groupby(seq.loc[n_obs.index]).transform("max")
    counts = d.groupby(["subject", "treatment"]).size().unstack(fill_value=0)
    complete = (n_obs == full) & (counts.get(test, 0) > 0) & (counts.get(reference, 0) > 0)
    keep = d[d["subject"].isin(complete[complete].index)]
    means = keep.groupby(["subject", "treatment"])["y"].mean().unstack()
    ilat = means[test] - means[reference]
    pe, ms_i, df_i, n_s = _by_sequence(ilat, seq.loc[ilat.index])
    se = float(np.sqrt(ms_i * np.sum(1.0 / n_s) / len(n_s) ** 2))
    # E[D^2] = (muT - muR)^2 + SE^2: the SAS code's unbiased x = D^2 - SE^2
    em, es = pe**2 - se**2, -theta * s2wr
    cm = (abs(pe) + stats.t.ppf(1 - alpha, df_i) * se) ** 2
    cs = es * df_d / stats.chi2.ppf(1 - alpha, df_d)
    bound = em + es + float(np.sqrt((cm - em) ** 2 + (cs - es) ** 2))
    return Rsabe(
        s_wr=float(np.sqrt(s2wr)),
        df_swr=df_d,
        n_swr=n_d,
        pe=pe,
        se=se,
        df_pe=df_i,
        n_pe=len(ilat),
        criterion=em + es,
        bound=bound,
    )


def ratio_upper(s_wt: float, s_wr: float, df_t: int, df_r: int, alpha: float) -> float:
    """Upper limit of the :math:`100(1-2\\alpha)\\%` CI of :math:`\\sigma_{WT}/\\sigma_{WR}`."""
    return float(s_wt / s_wr / np.sqrt(stats.f.ppf(alpha, df_t, df_r)))


@dataclass(frozen=True)
class FdaScaled:
    """The FDA verdict of one metric (RSABE or NTI) and the table columns it fills."""

    columns: dict
    cv_wr: float
    method: str
    scaled: bool  # False: plain ABE applies (RSABE with s_WR < 0.294)
    pct: tuple[float, float, float] = (np.nan, np.nan, np.nan)
    limits_pct: tuple[float, float] = (np.nan, np.nan)
    df: int = 0
    ok: bool = False


def fda_scaled(d: pd.DataFrame, test: str, reference: str, alpha: float, nti: bool) -> FdaScaled:
    """RSABE (``nti=False``) or the NTI method for one metric (module docstring)."""
    r = rsabe(d, test, reference, alpha, theta=NTI_THETA if nti else RSABE_THETA)
    cols = {
        "s_wr": r.s_wr,
        "rsabe_criterion": r.criterion,
        "rsabe_bound": r.bound,
        "s_wt": np.nan,
        "swt_swr_upper": np.nan,
    }
    cv_wr = float(np.sqrt(np.expm1(r.s_wr**2)))
    t_pe = stats.t.ppf(1 - alpha, r.df_pe) * r.se
    pct = (100 * np.exp(r.pe - t_pe), 100 * np.exp(r.pe), 100 * np.exp(r.pe + t_pe))
    lo, hi = _PE_RANGE_PCT
    if nti:
        ld, seq = _log_sorted(d)
        s2wt, df_t, _ = _within_variance(ld, test, seq)
        upper = ratio_upper(float(np.sqrt(s2wt)), r.s_wr, df_t, r.df_swr, alpha)
        cols.update(s_wt=float(np.sqrt(s2wt)), swt_swr_upper=upper)
        k = np.sqrt(NTI_THETA) * r.s_wr
        ok = bool(r.bound <= 0 and lo <= pct[0] and pct[2] <= hi and upper <= NTI_RATIO_LIMIT)
        limits = (100 * np.exp(-k), 100 * np.exp(k))
        return FdaScaled(cols, cv_wr, "NTI (FDA)", True, pct, limits, r.df_pe, ok)
    if r.s_wr < RSABE_SWITCH:
        return FdaScaled(cols, cv_wr, "ABE (sWR < 0.294)", False)
    ok = bool(r.bound <= 0 and lo <= pct[1] <= hi)
    return FdaScaled(cols, cv_wr, "RSABE (FDA)", True, pct, (np.nan, np.nan), r.df_pe, ok)
