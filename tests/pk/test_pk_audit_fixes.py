"""Audit fixes in kinetor.pk: the human-dose peak between grid points, the rule of
exponents on the exponent rounded to two decimals, exposure() vs summary() inputs."""

import math

import numpy as np
import pytest

from kinetor.pk import (
    SPECIES,
    OneCompartment,
    OneCompartmentOral,
    Regimen,
    human_dose,
    predict_human_cl,
    simulate,
)


def _cmax_per_mg_closed_form(cl, v, ka, f, tau):
    """1-cmt oral steady state (Gibaldi & Perrier): tmax and Cmax of a 1 mg dose, mg/L."""
    k = cl / v
    tmax = math.log(ka * (1 - math.exp(-k * tau)) / (k * (1 - math.exp(-ka * tau)))) / (ka - k)
    c = (
        f
        * ka
        / (v * (ka - k))
        * (
            math.exp(-k * tmax) / (1 - math.exp(-k * tau))
            - math.exp(-ka * tmax) / (1 - math.exp(-ka * tau))
        )
    )
    return c


@pytest.mark.parametrize(
    ("ka", "tau", "grid_dose"),
    [(3.0, 504.0, 225.1224), (20.0, 168.0, 205.4424), (1.0, 24.0, None), (20.0, 24.0, None)],
)
def test_human_dose_cmax_matches_the_closed_form_peak(ka, tau, grid_dose):
    # CL 5 L/h, V 50 L, F 0.5; target 2000 ng/mL = 2 mg/L; dose = 2 / Cmax(1 mg)
    dose = human_dose(
        "2000 ng/mL", "cmax", model=OneCompartmentOral(cl=5, v=50, ka=ka, f=0.5), tau=f"{tau} h"
    )
    exact = 2.0 / _cmax_per_mg_closed_form(5.0, 50.0, ka, 0.5, tau)
    assert dose.to("mg").magnitude == pytest.approx(exact, rel=1e-9)
    if grid_dose is not None:  # the 2001-point grid alone read the peak low, the dose high
        assert abs(grid_dose - exact) / exact > 1e-4


def test_human_dose_cmax_at_the_start_of_the_interval():
    # IV bolus: the peak is at t = 0, an end of the search: Cmax(1 mg) = 1/V / (1 - e^{-k tau})
    k, tau = 0.1, 24.0
    dose = human_dose("2 mg/L", "cmax", model=OneCompartment(cl=5, v=50), tau="24 h", route="IV")
    assert dose.to("mg").magnitude == pytest.approx(
        2.0 * 50.0 * (1 - math.exp(-k * tau)), rel=1e-12
    )


def _cl(exponent, species, a=0.1):
    return {s: a * SPECIES[s]["weight"] ** exponent for s in species}


# Data whose fitted exponent is the class boundary in exact arithmetic; in floating point
# it can come out a hair either side (e.g. 0.7000000000000003, 0.9999999999999999,
# 1.3000000000000003). The rule is stated to two decimals, so each is the boundary class.
BOUNDARIES = [
    (0.70, ("mouse", "monkey", "dog"), "simple"),
    (0.71, ("mouse", "rat", "monkey"), "mlp"),
    (0.99, ("mouse", "rat", "monkey"), "mlp"),
    (1.00, ("rat", "monkey", "dog"), "brain"),
    (1.30, ("mouse", "rat", "dog"), "brain"),
]


@pytest.mark.parametrize(("b", "species", "method"), BOUNDARIES)
@pytest.mark.parametrize("hair", [0.0, -1e-12, 1e-12])
def test_rule_of_exponents_classifies_the_exponent_to_two_decimals(b, species, method, hair):
    out = predict_human_cl(_cl(b + hair, species))
    assert out["exponent"] == pytest.approx(b, abs=1e-9)
    assert out["method"] == method
    assert out["note"] == ""  # 1.3 is in the 1.0-1.3 class: not flagged


def test_rule_of_exponents_simple_at_070_predicts_by_hand():
    # exponent 0.70 -> simple allometry: 0.1 x 70**0.7 = 1.9590...
    out = predict_human_cl(_cl(0.70, ("mouse", "monkey", "dog")))
    assert out["cl"] == pytest.approx(0.1 * 70.0**0.7, rel=1e-9)


def test_rule_of_exponents_flags_above_130_and_below_055():
    assert "> 1.3" in predict_human_cl(_cl(1.306, ("mouse", "rat", "dog")))["note"]
    assert "< 0.55" in predict_human_cl(_cl(0.544, ("mouse", "rat", "dog")))["note"]


def test_exposure_uses_ipred_and_summary_uses_conc():
    sim = simulate(
        OneCompartment(cl=5, v=50),
        Regimen.parse("10 mg IV bolus single"),
        np.array([0.0, 1.0, 2.0]),
        n_subjects=50,
        residual={"prop": 0.3},
        seed=1,
        conc_unit="mg/L",
    )
    ex = sim.exposure()
    # noise-free: every subject's CMAX is 10/50 = 0.2 mg/L at t = 0
    np.testing.assert_allclose(ex["CMAX"], 0.2, rtol=1e-12)
    q = sim.summary(quantiles=(0.5,))
    np.testing.assert_allclose(q["q50"], np.median(sim.conc, axis=0), rtol=1e-12)
    assert not np.allclose(q["q50"], sim.ipred[0])
