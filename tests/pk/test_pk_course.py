"""Exact concentration courses (kinetor.pk.Polyexponential) against simulate and by hand."""

import numpy as np
import pytest

import kinetor as kt
from kinetor.errors import ModelError
from kinetor.pk import (
    MichaelisMentenOral,
    OneCompartment,
    OneCompartmentOral,
    Polyexponential,
    Regimen,
    ThreeCompartment,
    TwoCompartmentOral,
    polyexponential,
)

T = np.linspace(0.0, 96.0, 1537)

CASES = [
    (
        TwoCompartmentOral(
            cl="0.5 L/h/kg", v1="1 L/kg", q="0.3 L/h/kg", v2="2 L/kg", ka="1.2 1/h", tlag="0.25 h"
        ),
        "15 mg/kg PO BID x 4",
    ),
    (OneCompartmentOral(cl="0.5 L/h/kg", v="2 L/kg", ka="1 1/h"), "10 mg/kg PO QD x 3 ss"),
    (
        ThreeCompartment(
            cl="0.5 L/h/kg", v1="1 L/kg", q2="0.3 L/h/kg", v2="2 L/kg", q3="0.1 L/h/kg", v3="5 L/kg"
        ),
        "10 mg/kg IV over 2 h q8h x 5",
    ),
    (
        ThreeCompartment(
            cl="0.5 L/h/kg", v1="1 L/kg", q2="0.3 L/h/kg", v2="2 L/kg", q3="0.1 L/h/kg", v3="5 L/kg"
        ),
        "5 mg/kg IV bolus q12h x 3 ss",
    ),
    (
        OneCompartmentOral(cl="0.5 L/h/kg", v="2 L/kg", ka="1 1/h"),
        "5 mg/kg PO QD x 2 days then 10 mg/kg PO BID x 2 days",
    ),
]


@pytest.mark.parametrize(("model", "regimen"), CASES)
def test_course_equals_simulate(model, regimen):
    # same seed -> same animals; the course evaluates the same closed form piece by piece
    kw = dict(weight=0.025, n_subjects=4, variability={"cl": 0.3}, seed=11)
    sim = kt.simulate(model, regimen, T, conc_unit="ng/mL", **kw)
    courses = polyexponential(model, regimen, conc_unit="ng/mL", **kw)
    assert len(courses) == 4
    for s, c in enumerate(courses):
        np.testing.assert_allclose(c(T), sim.conc[s], rtol=1e-12, atol=1e-12 * sim.conc[s].max())


def test_breakpoints_are_the_dose_events():
    model, regimen = CASES[0]
    c = polyexponential(model, regimen, weight=0.025)[0]
    # BID x 4 with a 15 min lag: the depot receives at 0.25, 12.25, 24.25, 36.25 h
    np.testing.assert_allclose(c.start, [0.0, 0.25, 12.25, 24.25, 36.25])
    assert c.rate.size == 3 and c.unit == "ng/mL"
    assert c(0.0) == 0.0 and c(0.25) == 0.0
    infusion = polyexponential(CASES[2][0], CASES[2][1], weight=0.025)[0]
    assert infusion.start.tolist() == [0, 2, 8, 10, 16, 18, 24, 26, 32, 34]


def test_hand_computed_one_compartment_bolus():
    # 10 mg bolus q12h x 2 into 10 L, k = 0.2 /h: C(t) = e^{-0.2 t} (+ e^{-0.2 (t - 12)})
    c = polyexponential(
        OneCompartment(cl="2 L/h", v="10 L"),
        Regimen.parse("10 mg IV bolus q12h x 2"),
        conc_unit="mg/L",
    )[0]
    t = np.array([0.0, 5.0, 11.999, 12.0, 30.0])
    expect = np.exp(-0.2 * t) + np.where(t >= 12, np.exp(-0.2 * (t - 12)), 0.0)
    np.testing.assert_allclose(c(t), expect, rtol=1e-14)
    const, amp = c.at([3.0, 12.0, 20.0])
    np.testing.assert_allclose(const, 0.0)
    np.testing.assert_allclose(
        amp[:, 0],
        np.exp(-0.2 * np.array([3.0, 12.0, 20.0])) + np.array([0.0, 1.0, np.exp(-0.2 * 8.0)]),
        rtol=1e-14,
    )


def test_infusion_constant_part_is_the_steady_state_share():
    # during a 2 h infusion of 10 mg into 10 L with k = 0.2: C = R/CL (1 - e^{-k t}), R = 5
    c = polyexponential(
        OneCompartment(cl="2 L/h", v="10 L"),
        Regimen.parse("10 mg IV over 2 h single"),
        conc_unit="mg/L",
    )[0]
    assert c.const.tolist() == pytest.approx([2.5, 0.0])
    assert c(1.0) == pytest.approx(2.5 * (1 - np.exp(-0.2)), rel=1e-14)


def test_free_courses_and_units():
    model = OneCompartmentOral(cl="0.5 L/h/kg", v="2 L/kg", ka="1 1/h", fu=0.1)
    total = polyexponential(model, "10 mg/kg PO single", weight=0.025, conc_unit="ng/mL")[0]
    free = polyexponential(model, "10 mg/kg PO single", weight=0.025, free=True)[0]
    np.testing.assert_allclose(free(T), 0.1 * total(T), rtol=1e-14)
    nm = total.to("nM", mw=500.0)
    np.testing.assert_allclose(nm(T), total(T) * 2.0, rtol=1e-12)  # 1 ng/mL = 2 nM at 500
    assert nm.unit == "nM"
    np.testing.assert_allclose((0.5 * total)(T), total.scaled(0.5)(T))
    with pytest.raises(ModelError, match="fu"):
        polyexponential(OneCompartment(cl="2 L/h", v="10 L"), "10 mg IV bolus single", free=True)


def test_bad_courses_are_refused():
    with pytest.raises(ModelError, match="nonlinear"):
        polyexponential(
            MichaelisMentenOral(vmax="1 mg/h", km="1 mg/L", v1="1 L", ka="1 1/h"), "10 mg PO single"
        )
    with pytest.raises(ModelError, match="increase strictly"):
        Polyexponential([0.0, 0.0], [0.0, 0.0], [[1.0], [1.0]], [0.1])
    with pytest.raises(ModelError, match="finite"):
        Polyexponential([0.0], [0.0], [[1.0]], [-0.1])
    c = Polyexponential([0.0], [0.0], [[1.0]], [0.1])
    with pytest.raises(ModelError, match="starts at 0"):
        c(-1.0)
    with pytest.raises(ModelError, match="scale factor"):
        c.scaled(-1.0)
    assert "1 pieces" in repr(c)
