"""Tumour link: growth drive, death rate, caliper error model, measurement days."""

import math

import numpy as np
import pytest

from kinetor.translate.growth import caliper_noise, measurement_days, tumor_volumes
from kinetor.translate.tumors import get_tumor


def test_constant_growth_drive_halves_the_rate():
    t = get_tumor(
        {
            "name": "t",
            "lesions": [],
            "doubling_time": 10.0,
            "v0": 175.0,
            "v0_cv": 0.0,
            "growth_cv": 0.0,
        }
    )
    grid = np.array([0.0, 20.0])
    true, meas = tumor_volumes(
        t,
        2,
        np.random.default_rng(0),
        grid,
        np.full((2, 2), 50.0),
        np.array([0.0, 20.0]),
        noise=False,
    )
    # G = 50 %: rate ln2/10 x 0.5, 20 days = one doubling: 175 -> 350
    np.testing.assert_allclose(true, [[175.0, 350.0]] * 2, rtol=1e-7)
    np.testing.assert_array_equal(true, meas)


def test_death_rate_keeps_vehicle_doubling_and_amplifies_the_drug():
    t = get_tumor(
        {
            "name": "t",
            "lesions": [],
            "doubling_time": 10.0,
            "death_rate": 0.05,
            "v0_cv": 0.0,
            "growth_cv": 0.0,
        }
    )
    days = np.array([0.0, 20.0])
    veh, _ = tumor_volumes(t, 1, np.random.default_rng(0), None, None, days, noise=False)
    np.testing.assert_allclose(veh[0], [175.0, 700.0], rtol=1e-7)  # two doublings
    drug, _ = tumor_volumes(
        t, 1, np.random.default_rng(0), days, np.full((1, 2), 50.0), days, noise=False
    )
    # kp = ln2/10 + 0.05 = 0.1193147; net = 0.5 kp - 0.05 = 0.00965736 /d
    expected = 175.0 * math.exp((0.5 * (math.log(2) / 10 + 0.05) - 0.05) * 20.0)
    assert drug[0, 1] == pytest.approx(expected, rel=1e-7)


def test_caliper_error_model_moments():
    # V' = V (1+eL)(1+eW)^2, e ~ N(0, s^2), s = 0.1/sqrt(5), s^2 = 0.002:
    # E = 1 + s^2 = 1.002; E[(1+e)^4] = 1 + 6 s^2 + 3 s^4 = 1.012012;
    # Var = 1.002 x 1.012012 - 1.002^2 = 0.0100320; CV = sqrt(0.010032)/1.002 = 0.09996
    v = caliper_noise(np.full(400_000, 100.0), 0.10, np.random.default_rng(7)) / 100.0
    assert v.mean() == pytest.approx(1.002, abs=6e-4)
    assert v.std() / v.mean() == pytest.approx(0.09996, abs=1.5e-3)


def test_variability_draws_spread_growth_and_start():
    t = get_tumor("MCF7")
    true, meas = tumor_volumes(
        t, 4000, np.random.default_rng(2), None, None, np.array([0.0, 21.0]), noise=True
    )
    # log-normal CV 0.08 of v0
    assert np.std(np.log(true[:, 0])) == pytest.approx(math.sqrt(math.log1p(0.08**2)), rel=0.05)
    assert not np.allclose(true, meas)


def test_measurement_days_twice_weekly():
    assert measurement_days(14) == [0.0, 3.0, 7.0, 10.0, 14.0]
    assert measurement_days(12.5) == [0.0, 3.0, 7.0, 10.0, 12.5]
