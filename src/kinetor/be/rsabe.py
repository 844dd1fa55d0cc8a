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
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from kinetor.errors import ModelError

__all__ = ["RSABE_SWITCH", "RSABE_THETA", "Rsabe", "rsabe"]

RSABE_SIGMA_W0 = 0.25
RSABE_THETA = (np.log(1.25) / RSABE_SIGMA_W0) ** 2
RSABE_SWITCH = 0.294
"""s_WR from which the FDA applies reference scaling (CV_WR about 30 %)."""


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


def rsabe(d: pd.DataFrame, test: str, reference: str, alpha: float) -> Rsabe:
    """RSABE statistics of one metric: ``d`` has ``subject, period, sequence, treatment``
    and ``value`` (> 0, no missing values)."""
    d = d.assign(y=np.log(d["value"].to_numpy(float))).sort_values(["subject", "period"])
    seq = d.groupby("subject", sort=False)["sequence"].first().astype(str)
    # reference values of each subject in period order: first minus second
    refs = d[d["treatment"] == reference].groupby("subject", sort=False)["y"].agg(list)
    refs = refs[refs.map(len) >= 2]
    if refs.empty:
        raise ModelError("RSABE needs subjects given the reference twice (a replicate design)")
    dlat = refs.map(lambda v: v[0] - v[1]).astype(float)
    _, ms_d, df_d, _ = _by_sequence(dlat, seq.loc[dlat.index])
    s2wr = ms_d / 2.0
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
    em, es = pe**2 - se**2, -RSABE_THETA * s2wr
    cm = (abs(pe) + stats.t.ppf(1 - alpha, df_i) * se) ** 2
    cs = es * df_d / stats.chi2.ppf(1 - alpha, df_d)
    bound = em + es + float(np.sqrt((cm - em) ** 2 + (cs - es) ** 2))
    return Rsabe(
        s_wr=float(np.sqrt(s2wr)),
        df_swr=df_d,
        n_swr=len(dlat),
        pe=pe,
        se=se,
        df_pe=df_i,
        n_pe=len(ilat),
        criterion=em + es,
        bound=bound,
    )
