"""Grid AUC of ``SimulationResult.exposure`` at an IV bolus on a grid time: the interval
that ends at the dose ends at the concentration just before it (expected values by hand
from the closed form C(t) = (D/V) e^(-k t), k = CL/V)."""

import numpy as np
import pandas as pd
import pytest

from kinetor.pk import OneCompartment, Regimen, simulate

K, C0 = 0.1, 5.0  # CL 2 L/h, V 20 L, 100 mg: k 0.1 1/h, C0 5 mg/L
T = np.arange(0, 49.0)


def _trapezoid(c, t):
    return float(np.sum((c[1:] + c[:-1]) * np.diff(t) / 2.0))


def _one(t):
    return np.where(t >= 0, C0 * np.exp(-K * t), 0.0)


@pytest.mark.parametrize("method", ["numpy", "numba", "ode"])
def test_the_interval_before_a_bolus_ends_at_the_trough(method):
    sim = simulate(
        OneCompartment(cl=2, v=20), "100 mg IV QD x 2", T, conc_unit="mg/L", method=method
    )
    first = _one(T[:25])  # 0-24 h: the first dose alone, 5 e^-2.4 at 24 h
    second = _one(T[24:]) + _one(T[24:] - 24)  # 24-48 h: both doses
    expected = _trapezoid(first, T[:25]) + _trapezoid(second, T[24:])
    auc = float(sim.exposure()["AUC"][0])
    assert auc == pytest.approx(expected, rel=1e-7 if method == "ode" else 1e-12)
    # the old reading (the value after the dose at 24 h) added 0.5 h x 5 mg/L
    assert auc < expected + 1.0
    exact = C0 / K * (1 - np.exp(-4.8)) + C0 / K * (1 - np.exp(-2.4))
    assert abs(auc - exact) < 0.1  # the trapezoid's own bias only (95.13 vs 95.05)


def test_a_window_that_ends_at_a_dose_does_not_count_its_jump():
    sim = simulate(OneCompartment(cl=2, v=20), "100 mg IV QD x 2", T, conc_unit="mg/L")
    auc = float(sim.exposure(0, 24)["AUC"][0])
    assert auc == pytest.approx(_trapezoid(_one(T[:25]), T[:25]), rel=1e-12)


def test_a_window_that_starts_at_a_dose_starts_after_it():
    sim = simulate(OneCompartment(cl=2, v=20), "100 mg IV QD x 2", T, conc_unit="mg/L")
    auc = float(sim.exposure(24, 48)["AUC"][0])
    second = _one(T[24:]) + _one(T[24:] - 24)
    assert auc == pytest.approx(_trapezoid(second, T[24:]), rel=1e-12)


def test_oral_doses_do_not_jump_and_keep_the_plain_trapezoid():
    # guard: passes before the fix too; an oral dose adds nothing at its own time
    sim = simulate(OneCompartment(cl=2, v=20, ka=1), "100 mg PO QD x 2", T, conc_unit="mg/L")
    c = sim.ipred[0]
    assert float(sim.exposure()["AUC"][0]) == pytest.approx(_trapezoid(c, T), rel=1e-14)


def _regimen(**cols):
    return Regimen.from_table(pd.DataFrame({"route": "IV", "amount": 100.0} | cols), unit="mg")


def test_a_reset_at_a_grid_time_ends_the_interval_before_it_at_the_value_before_it():
    # the dose at 0 h acts until 12 h (a NONMEM reset there); nothing after
    sim = simulate(
        OneCompartment(cl=2, v=20), _regimen(time=[0.0], until=[12.0]), T, conc_unit="mg/L"
    )
    assert sim.ipred[0, 12] == 0.0
    first = _one(T[:13])  # the value just before the reset, 5 e^-1.2 at 12 h, ends 11-12 h
    assert float(sim.exposure()["AUC"][0]) == pytest.approx(_trapezoid(first, T[:13]), rel=1e-12)


def test_a_reset_with_a_new_dose_at_the_same_time():
    sim = simulate(
        OneCompartment(cl=2, v=20),
        _regimen(time=[0.0, 24.0], until=[24.0, np.inf]),
        T,
        conc_unit="mg/L",
    )
    expected = _trapezoid(_one(T[:25]), T[:25]) + _trapezoid(_one(T[24:] - 24), T[24:])
    assert float(sim.exposure()["AUC"][0]) == pytest.approx(expected, rel=1e-12)


def test_a_bolus_between_grid_times_is_left_to_the_grid():
    # guard: a dose at 23.5 h on a 1 h grid has no grid time to split at
    sim = simulate(OneCompartment(cl=2, v=20), _regimen(time=[0.0, 23.5]), T, conc_unit="mg/L")
    c = sim.ipred[0]
    assert float(sim.exposure()["AUC"][0]) == pytest.approx(_trapezoid(c, T), rel=1e-14)
