"""Translation helpers: free drug, allometry, rule of exponents, human dose."""

import numpy as np
import pytest

from kinetor.errors import ModelError
from kinetor.pk import (
    SPECIES,
    OneCompartmentOral,
    allometric_scale,
    fit_allometry,
    free_concentration,
    human_dose,
    predict_human_cl,
    simulate,
)
from kinetor.pk.scaling import mlp_years


def test_free_concentration():
    assert free_concentration(200.0, 0.05) == 10.0
    np.testing.assert_allclose(free_concentration(np.array([1.0, 2.0]), 0.5), [0.5, 1.0])
    with pytest.raises(ModelError):
        free_concentration(1.0, 1.5)


def test_simple_allometry_by_hand():
    # mouse 0.025 kg -> human 70 kg: (70/0.025)^0.75 = 2800^0.75 = 385.13
    assert allometric_scale(1.0, "mouse", "human") == pytest.approx(2800**0.75)
    assert allometric_scale(2.0, 0.25, 70.0, exponent=1.0) == pytest.approx(560.0)
    with pytest.raises(ModelError, match="unknown species"):
        allometric_scale(1.0, "cat", "human")


def test_fit_allometry_recovers_power_law():
    w = [0.025, 0.25, 5.0, 10.0]
    fit = fit_allometry(w, [3.0 * x**0.8 for x in w])
    assert fit.exponent == pytest.approx(0.8) and fit.coefficient == pytest.approx(3.0)
    assert fit.r2 == pytest.approx(1.0) and fit.se_exponent == pytest.approx(0.0, abs=1e-12)
    assert fit.predict(70.0) == pytest.approx(3.0 * 70**0.8)


def test_mlp_of_a_70_kg_human_is_93_years():
    # 185.4 x 1.53^0.636 x 70^-0.225 = 185.4 x 1.31093 x 0.38456 = 93.47 (quoted: 93.4 y)
    assert mlp_years(1.53, 70.0) == pytest.approx(93.4, abs=0.1)


def _data(b):
    return {s: 0.2 * SPECIES[s]["weight"] ** b for s in ("mouse", "rat", "dog")}


@pytest.mark.parametrize(
    "b,method", [(0.5, "simple"), (0.65, "simple"), (0.85, "mlp"), (1.1, "brain"), (1.4, "brain")]
)
def test_rule_of_exponents_picks_the_method(b, method):
    out = predict_human_cl(_data(b))
    assert out["method"] == method
    assert out["exponent"] == pytest.approx(b)
    assert ("under-predict" in out["note"]) == (b < 0.55)
    assert ("inaccurate" in out["note"]) == (b > 1.3)


def test_mlp_and_brain_corrections_by_hand():
    # exact power law CL x MLP = 0.2 W^0.9 -> human CL = 0.2 x 70^0.9 / MLP_human
    weights = {s: SPECIES[s]["weight"] for s in ("mouse", "rat", "dog")}
    mlp = {s: mlp_years(SPECIES[s]["brain_weight"], SPECIES[s]["weight"]) for s in weights}
    cl = {s: 0.2 * weights[s] ** 0.9 / mlp[s] for s in weights}
    out = predict_human_cl(cl, method="mlp")
    assert out["cl"] == pytest.approx(0.2 * 70**0.9 / mlp_years(1.53, 70.0), rel=1e-10)
    cl_b = {s: 0.3 * weights[s] ** 1.2 / SPECIES[s]["brain_weight"] for s in weights}
    out = predict_human_cl(cl_b, method="brain")
    assert out["cl"] == pytest.approx(0.3 * 70**1.2 / 1.53, rel=1e-10)


def test_unbound_clearance_scaling():
    # CLu = CL/fu follows 1.0 W^0.7 exactly; human fu 0.05 -> CL = 0.05 x 70^0.7
    fu = {"mouse": 0.1, "rat": 0.2, "dog": 0.05}
    cl = {s: fu[s] * SPECIES[s]["weight"] ** 0.7 for s in fu}
    out = predict_human_cl(cl, fu=fu, human_fu=0.05)
    assert out["method"] == "simple"
    assert out["cl"] == pytest.approx(0.05 * 70**0.7, rel=1e-10)
    with pytest.raises(ModelError, match="human_fu"):
        predict_human_cl(cl, fu=fu)


def test_human_dose_for_auc_css_and_cmin():
    # AUC 10 mg.h/L x CL 5 L/h / F 0.5 = 100 mg; in ug.h/mL (same numbers)
    assert human_dose("10 mg*h/L", "auc", cl="5 L/h", f=0.5).magnitude == pytest.approx(100.0)
    assert human_dose("10 ug*h/mL", "auc", cl="5 L/h", f=0.5).magnitude == pytest.approx(100.0)
    # Css 1 mg/L x 2 L/h x 12 h = 24 mg per dose
    assert human_dose("1 mg/L", "css", cl=2.0, tau="12 h").to("mg").magnitude == pytest.approx(24.0)
    # Cmin: by linearity, a dose of D gives D x Cmin(1 mg): check with a simulation
    model = OneCompartmentOral(cl="5 L/h", v="50 L", ka="1 1/h", f=0.5)
    dose = human_dose("500 ng/mL", "cmin", model=model, tau="24 h").to("mg").magnitude
    sim = simulate(model, f"{dose} mg PO QD ss", np.linspace(0, 24, 2001), conc_unit="ng/mL")
    assert sim.conc.min() == pytest.approx(500.0, rel=1e-9)
    with pytest.raises(ModelError, match="needs model"):
        human_dose("1 mg/L", "cmin")
