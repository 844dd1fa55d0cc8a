"""MuSyC from several starts (lowest sum of squares kept, disagreement between equally good
fits reported) and the inactive-drug F-test against the replicate wells' error SD.

Expected values come from the surface that generated the data (a Bliss surface, MuSyC
with alpha = gamma = 1 and E3 = E1 E2, whose sum of squares the least-squares fit cannot
exceed), from a one-way ANOVA of the monotherapy wells (scipy) and from hand arithmetic.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kinetor.assays import fit_musyc


def _bliss_matrix(seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    """7 x 7 Bliss surface, E1 0.2, E2 0.8, h 1.5, C 1, one well per dose pair (SD 0.05):
    the data and the generating surface."""
    rng = np.random.default_rng(seed)
    d = np.r_[0, np.logspace(-1.5, 1.5, 6)]
    rows, truth = [], []
    for a in d:
        for b in d:
            f1 = 0.2 + 0.8 / (1 + a**1.5) if a > 0 else 1.0
            f2 = 0.8 + 0.2 / (1 + b**1.5) if b > 0 else 1.0
            rows.append((a, b, f1 * f2 + rng.normal(0, 0.05)))
            truth.append(f1 * f2)
    return pd.DataFrame(rows, columns=["d1", "d2", "resp"]), np.array(truth)


def test_fit_is_no_worse_than_the_generating_surface_and_keeps_the_active_drug():
    # this matrix: the synergy package's fit stopped at SSE 0.232 against 0.123 for the
    # generating surface, and its inflated residual SD had drug 2 (a 20 % effect) flagged
    # as inactive
    df, truth = _bliss_matrix(6)
    sse_truth = float(((df["resp"] - truth) ** 2).sum())
    pars, cells = fit_musyc(df, dose1="d1", dose2="d2", response="resp", scale="fraction")
    fit = df.merge(cells, on=["d1", "d2"])
    sse_fit = float(((fit["resp"] - fit["fitted_pct"] / 100) ** 2).sum())
    assert sse_truth == pytest.approx(0.1227, abs=1e-4)
    assert sse_fit <= sse_truth
    p = pars.set_index("parameter")
    assert np.isfinite(p.loc[["E2", "h2", "C2"], "estimate"]).all()
    assert not p["note"].str.startswith("not identifiable").any()
    assert p.loc["E2", "estimate"] == pytest.approx(0.8, abs=0.1)


def _lack_of_fit_matrix() -> pd.DataFrame:
    """5 x 5 matrix, 3 replicate wells (SD 0.01): drug 1 E 0.1, C 1, h 1; drug 2 a 15 %
    effect (E 0.85, C 1, h 1.5); combination cells Bliss +- 0.12 in a checkerboard, which
    no MuSyC surface follows (the fit's residual SD is about ten times the wells')."""
    rng = np.random.default_rng(1)
    d = np.r_[0, 0.1, 0.5, 2, 10]
    rows = []
    for i, a in enumerate(d):
        for j, b in enumerate(d):
            f1 = 0.1 + 0.9 / (1 + a) if a > 0 else 1.0
            f2 = 0.85 + 0.15 / (1 + b**1.5) if b > 0 else 1.0
            mu = f1 * f2 + (0.12 * (-1) ** (i + j) if a > 0 and b > 0 else 0.0)
            rows += [(a, b, mu + rng.normal(0, 0.01)) for _ in range(3)]
    return pd.DataFrame(rows, columns=["d1", "d2", "r"])


def test_inactive_drug_test_uses_the_replicate_wells_error():
    df = _lack_of_fit_matrix()
    mono = df[df["d1"] == 0]
    # drug 2 alone, one-way ANOVA on its own wells: clearly active
    p_anova = stats.f_oneway(*[g["r"].to_numpy() for _, g in mono.groupby("d2")]).pvalue
    assert p_anova < 1e-6
    pars, _ = fit_musyc(df, dose1="d1", dose2="d2", response="r", scale="fraction")
    p = pars.set_index("parameter")
    # before: the F-test used the lack-of-fit-inflated residual SD and nulled drug 2
    assert not p["note"].str.startswith("not identifiable").any()
    assert np.isfinite(p.loc[["E2", "h2", "C2"], "estimate"]).all()


def test_error_sd_is_the_pooled_replicate_error():
    from kinetor.assays.musyc import _error_sd

    d1 = np.array([0.0, 0.0, 1.0, 1.0, 1.0, 2.0])
    d2 = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 1.0])
    e = np.array([1.0, 1.2, 0.5, 0.6, 0.7, 0.3])
    # within pairs: (0.1^2 * 2) + (0.1^2 + 0 + 0.1^2) = 0.04 on 6 - 3 = 3 df
    sd, df = _error_sd(None, d1, d2, e)
    assert df == 3 and sd == pytest.approx(np.sqrt(0.04 / 3))


def _p(**kw) -> np.ndarray:
    from kinetor.assays._musyc_starts import NAMES

    base = dict(E0=1, E1=0.2, E2=0.6, E3=0.1, h1=1, h2=1, C1=1, C2=1)
    base |= dict(alpha12=1, alpha21=1, gamma12=1, gamma21=1)
    return np.array([float((base | kw)[k]) for k in NAMES])


def test_equally_good_fits_that_disagree_are_unsettled():
    from kinetor.assays._musyc_starts import unsettled

    n = 49  # 49 ln(1.05) = 2.39 <= 3.84 (equally good); 49 ln(1.10) = 4.67 > 3.84
    best = _p()
    fits = [(1.0, best), (1.05, _p(alpha12=2.5, gamma21=1.9)), (1.10, _p(h1=5.0))]
    out = unsettled(fits, n)
    # alpha12 2.5-fold off (> 2): unsettled; gamma21 1.9-fold: within; h1's fit is worse
    assert set(out) == {"alpha12"}
    assert "alpha12 = 2.5 against 1" in out["alpha12"] and "5 % higher" in out["alpha12"]
    # E range of the best fit 0.9: E3 0.1 -> 0.2 is 0.1 / 0.9 = 0.11 of it (> 0.1);
    # beta = (0.2 - E3) / (1 - 0.2): 0.125 -> 0 differs by 0.125 (> 0.1)
    out = unsettled([(1.0, best), (1.01, _p(E3=0.2))], n)
    assert set(out) == {"E3", "beta"}
    # E3 0.17: 0.07 / 0.9 = 0.078 of the range, beta 0.0375 (0.0875 off): settled
    assert unsettled([(1.0, best), (1.01, _p(E3=0.17))], n) == {}
