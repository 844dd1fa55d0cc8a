"""Conformal intervals: coverage on synthetic data with known noise."""

import numpy as np
import pytest

from kinetor.errors import ModelError
from kinetor.qsar.conformal import NormalizedConformal, coverage


def _data(n, rng):
    # heteroscedastic: residual sd = 0.2 + 1.0 * z, z in [0, 1]
    z = rng.uniform(0, 1, n)
    return rng.normal(0.0, 0.2 + 1.0 * z), z[:, None]


@pytest.mark.parametrize("alpha", [0.1, 0.2])
def test_marginal_coverage_on_exchangeable_data(alpha):
    rng = np.random.default_rng(7)
    cal_r, cal_z = _data(3000, rng)
    test_r, test_z = _data(50_000, rng)
    cal = NormalizedConformal(alpha).fit(cal_r, cal_z)
    lo, hi = cal.interval(np.zeros(len(test_r)), test_z)
    # finite-sample guarantee: 1 - alpha <= coverage <= 1 - alpha + 1/(n+1) in expectation
    assert coverage(test_r, lo, hi) == pytest.approx(1 - alpha, abs=0.015)


def test_normalised_intervals_follow_the_difficulty():
    rng = np.random.default_rng(1)
    r, z = _data(4000, rng)
    cal = NormalizedConformal(0.1).fit(r, z)
    # least squares of |r| on z recovers E|r| = sqrt(2/pi) (0.2 + z)
    assert cal.coef_[1] / cal.coef_[0] == pytest.approx(1.0 / 0.2, rel=0.25)
    lo, hi = cal.interval([0.0, 0.0], [[0.0], [1.0]])
    width = hi - lo
    assert width[1] / width[0] == pytest.approx(1.2 / 0.2, rel=0.25)
    # coverage holds within difficulty strata, not only on average
    tr, tz = _data(40_000, rng)
    lo, hi = cal.interval(np.zeros(len(tr)), tz)
    inside = (tr >= lo) & (tr <= hi)
    for mask in (tz[:, 0] < 0.3, tz[:, 0] > 0.7):
        assert inside[mask].mean() == pytest.approx(0.9, abs=0.03)


def test_quantile_of_a_small_set_by_hand():
    # scores 1..9 (sigma = 1): level ceil(10 * 0.9) / 9 = 1 -> the largest score
    cal = NormalizedConformal(0.1).fit(np.arange(1.0, 10.0), np.zeros((9, 1)))
    cal.coef_ = np.array([1.0, 0.0])
    cal.fit(np.arange(1.0, 10.0), np.zeros((9, 1)))
    assert cal.quantile_ * cal.sigma(np.zeros((1, 1)))[0] == pytest.approx(9.0)


def test_alpha_is_checked():
    with pytest.raises(ModelError, match=r"alpha=1\.5"):
        NormalizedConformal(1.5)
