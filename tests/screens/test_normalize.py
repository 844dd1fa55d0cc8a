import numpy as np
import pytest

from kinetor.errors import DataError
from kinetor.screens import size_factors
from kinetor.screens.guides import adjusted_variance, bh_fdr, mean_variance_fit, median_var


def test_median_ratio_by_hand():
    c = np.array([[10.0, 20.0], [30.0, 90.0], [5.0, 5.0]])
    ref = np.exp(np.log(c + 1).mean(axis=1))
    ratios = np.sort(c / ref[:, None], axis=0)
    f, used = size_factors(c, "median")
    assert used == "median"
    np.testing.assert_allclose(f, 1 / ratios[1])  # upper median of 3 = element 1


def test_total_and_fallback():
    c = np.array([[0.0, 10.0], [0.0, 20.0], [4.0, 30.0]])
    f, used = size_factors(c, "median")  # sample 1: 2/3 zero guides -> total
    assert used == "total"
    np.testing.assert_allclose(f, [32.0 / 4, 32.0 / 60])


def test_zero_depth_sample_is_named():
    with pytest.raises(DataError, match="'T1' has zero reads"):
        size_factors(np.array([[1.0, 0.0], [2.0, 0.0]]), "total", samples=["T0", "T1"])


def test_median_var_uses_median_and_n_minus_1():
    m, v = median_var(np.array([[1.0, 2.0, 6.0]]))
    assert m[0] == 2.0 and v[0] == pytest.approx((1 + 0 + 16) / 2)


def test_mean_variance_fit_recovers_line():
    mu = np.linspace(10, 1000, 200)
    # choose replicate pairs whose variance about the median is mu + 4 mu^1.5
    sd = np.sqrt((mu + 4 * mu**1.5) / 2)
    x = np.column_stack([mu - sd, mu + sd])
    # median of two = mu; var = 2 sd^2 = mu + 4 mu^1.5; fit on log2(var - mu + 1)
    k, b = mean_variance_fit(x)
    assert k == pytest.approx(1.5, abs=0.02) and b == pytest.approx(2.0, abs=0.1)
    assert adjusted_variance(np.array([4.0]), 2.0, 1.0)[0] == 4 + 2 * 16


def _bh_by_definition(p):
    # q_(i) = min over j >= i of p_(j) n / j (Benjamini & Hochberg 1995), written as loops
    n = len(p)
    order = sorted(range(n), key=lambda i: p[i])
    q = [0.0] * n
    for rank, i in enumerate(order, start=1):
        q[i] = min(p[order[j - 1]] * n / j for j in range(rank, n + 1))
    return q


def test_bh_by_definition():
    p = np.random.default_rng(0).random(50) ** 3
    np.testing.assert_allclose(bh_fdr(p), _bh_by_definition(list(p)))
    assert bh_fdr(np.array([0.01, 0.04, 0.03])).tolist() == pytest.approx([0.03, 0.04, 0.04])
