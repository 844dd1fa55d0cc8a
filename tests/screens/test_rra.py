"""RRA: closed forms, brute-force permutation, MAGeCK's random stream."""

from itertools import combinations

import numpy as np
from scipy import stats

from kinetor.screens.rank_aggregation import LehmerStream, _jit, lo_values, mid_percentiles, rra


def test_lo_value_is_min_order_statistic_cdf_below_alpha():
    perc = np.array([[0.02, 0.05, 0.3, 0.8]])
    lo, good = lo_values(perc, alpha=0.1)
    n = 4
    expected = min(stats.beta.cdf(0.02, 1, n), stats.beta.cdf(0.05, 2, n - 1))
    assert np.isclose(lo[0], expected, rtol=1e-12)
    assert good[0] == 2
    # the best guide counts even above alpha
    lo2, good2 = lo_values(np.array([[0.6, 0.9]]), alpha=0.1)
    assert np.isclose(lo2[0], 1 - 0.4**2) and good2[0] == 0


def test_numba_null_kernel_matches_scipy():
    u = np.random.default_rng(3).random((2000, 6))
    for alpha in (0.05, 0.3, 1.0):
        np.testing.assert_allclose(
            _jit("null")(u, alpha), lo_values(u, alpha)[0], rtol=1e-10, atol=1e-300
        )


def test_mid_percentiles_share_ties():
    np.testing.assert_allclose(
        mid_percentiles(np.array([3.0, 1.0, 2.0, 2.0])), [3.5 / 4, 0.5 / 4, 2 / 4, 2 / 4]
    )


def test_lehmer_stream_hand_values():
    s = LehmerStream()
    x = s.uniform(2)
    m = 2**31 - 1
    x1 = 48271 * 123456 % m
    assert x[0] == x1 / m
    assert x[1] == (48271 * x1 % m) / m


def test_rra_pvalue_matches_brute_force_permutation():
    # 100 guides: gene A has 3 guides at ranks 2, 9, 40; every other guide is its own gene
    n_guides = 100
    values = np.arange(n_guides, dtype=float)
    genes = np.array([f"g{i}" for i in range(n_guides)], dtype=object)
    genes[[2, 9, 40]] = "A"
    alpha = 0.25
    res = rra(genes.astype(str), values, alpha, permutations=3000, seed=11)
    row = res.set_index("gene").loc["A"]
    perc = (np.arange(n_guides) + 0.5) / n_guides
    observed = lo_values(perc[[2, 9, 40]][None, :], alpha)[0][0]
    assert np.isclose(row["score"], observed)
    # brute force: every placement of 3 guides among the 100 ranks
    subsets = np.array(list(combinations(range(n_guides), 3)))
    null = lo_values(perc[subsets], alpha)[0]
    p_exact = np.mean(null <= observed)
    assert abs(row["p_value"] - p_exact) < 0.01 + 0.05 * p_exact
    assert row["goodsgrna"] == 2  # percentiles 0.025, 0.095 <= 0.25 < 0.405


def test_rra_uniform_pvalues_under_null():
    rng = np.random.default_rng(5)
    genes = np.repeat([f"G{i}" for i in range(300)], 4)
    res = rra(genes, rng.random(genes.size), 0.2, permutations=200, seed=1)
    # p-values of null genes are roughly uniform
    assert stats.kstest(res["p_value"], "uniform").pvalue > 0.01
    assert (res["fdr"] >= res["p_value"] - 1e-12).all()
