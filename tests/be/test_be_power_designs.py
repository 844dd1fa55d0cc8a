"""TOST power and sample size for higher-order and replicate designs.

Expected values: the PowerTOST README's sampleN.TOST examples (printed output), and an
independent integration of the exact power (scipy quad over the chi distribution of the
variance estimate) with the design constants of PowerTOST's known.designs() worked by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats

from kinetor.be import power_tost, sample_size_tost
from kinetor.errors import ModelError


@pytest.mark.parametrize(
    ("cv", "kw", "n", "power"),
    [
        (0.40, {"theta0": 0.90, "theta1": 0.75, "design": "2x2x4"}, 30, 0.822929),
        (0.45, {"theta0": 0.90, "design": "2x2x3"}, 124, 0.800125),
        (0.30, {"theta0": 0.90, "design": "2x2x3"}, 60, 0.81002),
        (0.10, {"theta0": 0.975, "theta1": 0.90, "design": "2x2x4"}, 12, 0.85628),
        (0.10, {"theta0": 0.975, "theta1": 0.90, "design": "2x2x3"}, 16, 0.81393),
        (0.10, {"theta0": 0.975, "theta1": 0.90}, 22, 0.81702),
    ],
)
def test_powertost_readme_sample_sizes(cv, kw, n, power):
    got_n, got_p = sample_size_tost(cv, **kw)
    assert got_n == n
    assert got_p == pytest.approx(power, abs=6e-6)


def _exact(cv, df, se_factor, theta0=0.95, theta1=0.80, alpha=0.05):
    """P(CI within limits) = E over s^2 ~ chi2_df/df of the conditional normal probability."""
    sigma = math.sqrt(math.log1p(cv * cv))
    se = sigma * se_factor
    t = stats.t.ppf(1 - alpha, df)
    lo, hi, d = math.log(theta1), -math.log(theta1), math.log(theta0)

    def f(q):  # q = chi-square variate
        s = math.sqrt(q / df)
        p = stats.norm.cdf((hi - t * se * s - d) / se) - stats.norm.cdf((lo + t * se * s - d) / se)
        return max(p, 0.0) * stats.chi2.pdf(q, df)

    q_max = df * ((hi - lo) / (2 * t * se)) ** 2
    return integrate.quad(f, 0.0, q_max, limit=200, epsabs=1e-12)[0]


@pytest.mark.parametrize(
    ("design", "n", "df", "se_factor"),
    [
        # 3x3 Latin square, 3 sequences of 8: df 2n - 4 = 44, bkni 2/9: sqrt(2/9 x 3/8)
        ("3x3", 24, 44, math.sqrt(2 / 9 * 3 / 8)),
        # partial replicate TRR|RTR|RRT, 25 = 9 + 8 + 8: df 2n - 3 = 47, bkni 1/6
        ("2x3x3", 25, 47, math.sqrt(1 / 6 * (1 / 9 + 2 / 8))),
        # 4x4 Williams, 4 sequences of 5: df 3n - 6 = 54, bkni 1/8
        ("4x4", 20, 54, math.sqrt(1 / 8 * 4 / 5)),
        # Balaam, 4 sequences of 6: df n - 2 = 22, bkni 1/2
        ("2x4x2", 24, 22, math.sqrt(1 / 2 * 4 / 6)),
        # full replicate, 2 sequences 7 + 6: df 3n - 4 = 35, bkni 1/4
        ("2x2x4", 13, 35, math.sqrt(1 / 4 * (1 / 7 + 1 / 6))),
    ],
)
def test_power_uses_the_design_constants(design, n, df, se_factor):
    expected = _exact(0.35, df, se_factor)
    assert power_tost(0.35, n, design=design) == pytest.approx(expected, abs=1e-9)


def test_sample_size_steps_by_the_number_of_sequences():
    n, p = sample_size_tost(0.30, design="2x3x3")
    assert n % 3 == 0 and p >= 0.8
    assert power_tost(0.30, n - 3, design="2x3x3") < 0.8
    n4, _ = sample_size_tost(0.30, design="4x4")
    assert n4 % 4 == 0


def test_too_few_subjects_for_the_design_is_refused():
    with pytest.raises(ModelError, match="at least"):
        power_tost(0.3, 5, design="3x6x3")  # 6 sequences need 6 subjects
    with pytest.raises(ModelError, match="not a design"):
        power_tost(0.3, 24, design="2x2x5")
    assert np.isfinite(power_tost(0.3, 6, design="3x6x3"))
