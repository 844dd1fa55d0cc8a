"""First-in-human numbers: unbound fractions, animal weights, degenerate allometry, API
inputs and the ``fih dose`` target dimension (expected values by hand)."""

from __future__ import annotations

import json
import math

import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError, ModelError
from kinetor.pk import OneCompartmentOral
from kinetor.pk.fih import human_equivalent_dose, starting_dose
from kinetor.pk.scaling import allometric_scale, human_dose, predict_human_cl

CL2 = {"rat": 0.4, "dog": 8.0}  # reference weights rat 0.25 kg, dog 10 kg, human 70 kg
FU2 = {"rat": 0.1, "dog": 0.2}
# two species: b = log(8/0.4)/log(10/0.25) = log 20 / log 40
B2 = math.log(20.0) / math.log(40.0)


def _cli(*args: str) -> int:
    return main(["fih", *args])


# --- A1: unbound fractions must be in (0, 1] ---------------------------------------------


@pytest.mark.parametrize("human_fu", [-0.1, 0.0, 2.0, float("nan")])
def test_human_fu_outside_0_1_is_refused(human_fu):
    with pytest.raises(ModelError, match="human_fu"):
        predict_human_cl(CL2, fu=FU2, human_fu=human_fu)


@pytest.mark.parametrize("fu", [{"rat": 1.5, "dog": 0.2}, {"rat": -0.1, "dog": 0.2}])
def test_species_fu_outside_0_1_is_refused(fu):
    with pytest.raises(ModelError, match=r"fu of 'rat'.*\(0, 1\]"):
        predict_human_cl(CL2, fu=fu, human_fu=0.3)


def test_human_fu_without_species_fu_is_refused():
    with pytest.raises(ModelError, match="human_fu"):
        predict_human_cl(CL2, human_fu=0.3)


def test_fu_of_one_everywhere_is_the_total_clearance_by_hand():
    # CLu = CL / 1: human CL = 0.4 x (70 / 0.25)^b (simple allometry through two points)
    out = predict_human_cl(CL2, fu={"rat": 1.0, "dog": 1.0}, human_fu=1.0)
    assert out["cl"] == pytest.approx(0.4 * 280.0**B2, rel=1e-12)


@pytest.mark.parametrize(
    "args",
    [
        ["--fu", "rat=0.1", "--fu", "dog=0.2", "--human-fu", "-0.1"],
        ["--fu", "rat=0.1", "--fu", "dog=0.2", "--human-fu", "2"],
        ["--fu", "rat=0.1", "--fu", "dog=0.2", "--human-fu", "0"],
        ["--fu", "rat=1.5", "--fu", "dog=0.2", "--human-fu", "0.3"],
    ],
)
def test_cli_fu_outside_0_1_is_a_usage_error(args):
    assert _cli("human-cl", "--cl", "rat=0.4", "--cl", "dog=8", *args) == 2


# --- A2: an animal weight far outside the working range (grams as kg?) ---------------------


def test_mouse_weight_in_grams_is_refused_and_says_grams():
    with pytest.raises(DataError) as err:
        human_equivalent_dose(30.0, "mouse", weight=25.0)
    text = str(err.value)
    assert "0.011-0.034" in text and "grams" in text


@pytest.mark.parametrize(
    ("species", "weight"),
    [("mouse", 0.171), ("mouse", 0.0021), ("rat", 250.0), ("rat", 1.36), ("dog", 86.0)],
)
def test_weight_more_than_5x_outside_the_range_is_refused(species, weight):
    # working ranges: mouse 0.011-0.034 (x5: 0.0022-0.17), rat 0.08-0.27 (0.016-1.35),
    # dog 5-17 (1-85) kg
    with pytest.raises(DataError, match="working range"):
        starting_dose({species: 10.0}, weights={species: weight})


def test_weight_within_5x_keeps_the_weight_formula_and_note():
    # 0.15 kg mouse: outside 0.011-0.034 but within x5 -> HED = 30 x (0.15 / 60)^0.33
    h = human_equivalent_dose(30.0, "mouse", weight=0.15)
    assert h["method"] == "weight^0.33"
    assert h["hed_mg_per_kg"] == pytest.approx(30.0 * (0.15 / 60.0) ** 0.33, rel=1e-12)
    assert "working range" in h["note"]
    low = human_equivalent_dose(30.0, "mouse", weight=0.0023)
    assert low["hed_mg_per_kg"] == pytest.approx(30.0 * (0.0023 / 60.0) ** 0.33, rel=1e-12)


def test_cli_hed_with_a_weight_in_grams_is_refused():
    assert _cli("hed", "--noael", "mouse=30", "--weight", "mouse=25") == 3
    assert _cli("hed", "--noael", "rat=50", "--weight", "rat=250") == 3


# --- A3: degenerate and inverse allometry ---------------------------------------------------


def test_equal_weights_are_refused():
    with pytest.raises(ModelError, match="do not differ"):
        predict_human_cl(CL2, weights={"rat": 0.25, "dog": 0.25})


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), 0.0, -1.0])
def test_non_finite_or_non_positive_clearance_is_refused(bad):
    with pytest.raises(ModelError, match="cl of 'dog'"):
        predict_human_cl({"rat": 0.4, "dog": bad})


@pytest.mark.parametrize("bad", [float("nan"), 0.0, -10.0])
def test_non_finite_or_non_positive_weight_is_refused(bad):
    with pytest.raises(ModelError, match="weight"):
        predict_human_cl(CL2, weights={"dog": bad})


def test_clearance_falling_with_weight_is_refused():
    # rat "250 kg" (grams as kg): b = log(8/0.4) / log(10/250) = -0.93 <= 0
    assert math.log(20.0) / math.log(10.0 / 250.0) == pytest.approx(-0.9307, abs=1e-4)
    with pytest.raises(ModelError, match="exponent"):
        predict_human_cl(CL2, weights={"rat": 250.0})


def test_rule_of_exponents_with_two_species_is_simple_allometry_and_says_so():
    # b = 0.812 would be the MLP class; with 2 species simple allometry is used
    out = predict_human_cl(CL2)
    assert out["method"] == "simple"
    assert out["exponent"] == pytest.approx(B2, rel=1e-12)
    assert out["cl"] == pytest.approx(0.4 * 280.0**B2, rel=1e-12)
    assert "3 species" in out["note"]
    assert predict_human_cl(CL2, method="brain")["method"] == "brain"  # forced: honoured


def test_two_species_keep_the_low_exponent_note():
    cl = {"rat": 0.2 * 0.25**0.5, "dog": 0.2 * 10.0**0.5}
    note = predict_human_cl(cl)["note"]
    assert "< 0.55" in note and "3 species" in note


def test_cli_two_species_prints_simple_and_the_note(capsys):
    assert main(["--json", "fih", "human-cl", "--cl", "rat=0.4", "--cl", "dog=8"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "simple" and "3 species" in out["note"]
    assert out["cl"] == pytest.approx(0.4 * 280.0**B2, rel=1e-9)
    equal = ["--cl", "rat=0.4", "--cl", "dog=8", "--weight", "rat=0.25", "--weight", "dog=0.25"]
    assert _cli("human-cl", *equal) == 3


# --- A5: API inputs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        (1.0, "rat", -70.0, 0.75),
        (1.0, 0, 70.0, 0.75),
        (-1.0, "rat", "human", 0.75),
        (1.0, "rat", "human", float("nan")),
        (1.0, "elephant", "human", 0.75),
    ],
)
def test_allometric_scale_refuses_bad_inputs(args):
    with pytest.raises(ModelError):
        allometric_scale(*args)


def test_allometric_scale_by_hand_and_case_insensitive():
    # 0.1 x (70 / 0.25)^0.75; a rate constant scales with a negative exponent
    assert allometric_scale(0.1, "Rat", "HUMAN") == pytest.approx(0.1 * 280.0**0.75)
    assert allometric_scale(2.0, 0.25, 70.0, -0.25) == pytest.approx(2.0 * 280.0**-0.25)


def test_predict_human_cl_species_are_case_insensitive():
    out = predict_human_cl({"Rat": 0.4, "DOG": 8.0})
    assert out["cl"] == pytest.approx(0.4 * 280.0**B2, rel=1e-12)
    with pytest.raises(ModelError, match="twice"):
        predict_human_cl({"rat": 0.4, "Rat": 0.5, "dog": 8.0})


def test_human_dose_refuses_cl_or_f_that_differ_from_the_model():
    m = OneCompartmentOral(cl="5 L/h", v="50 L", ka="1 1/h", f=0.6)
    with pytest.raises(ModelError, match="cl="):
        human_dose("0.5 mg/L", "cmin", cl="50 L/h", model=m)
    with pytest.raises(ModelError, match="f="):
        human_dose("0.5 mg/L", "cmin", f=0.3, model=m)
    same = human_dose("0.5 mg/L", "cmin", cl="5000 mL/h", f=0.6, model=m).magnitude
    assert same == pytest.approx(human_dose("0.5 mg/L", "cmin", model=m).magnitude, rel=1e-12)


def test_human_dose_auc_with_a_model_uses_the_models_f_by_hand():
    # D = AUC x CL / F = 10 x 5 / 0.6 (F of the model, not 1)
    m = OneCompartmentOral(cl="5 L/h", v="50 L", ka="1 1/h", f=0.6)
    dose = human_dose("10 mg*h/L", "auc", cl="5 L/h", model=m)
    assert dose.to("mg").magnitude == pytest.approx(10 * 5 / 0.6, rel=1e-12)


# --- A6: a target of the wrong dimension is a usage error ----------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["--target", "10 mg/L", "--cl", "5 L/h"],  # auc needs concentration x time
        ["--target", "10 mg*h/L", "--cl", "5 L/h", "--measure", "css"],
        ["--target", "10 nmol*h/L", "--cl", "5 L/h"],  # molar without --mw
    ],
)
def test_cli_dose_target_of_the_wrong_dimension_is_a_usage_error(args):
    assert _cli("dose", *args) == 2


def test_cli_dose_molar_target_with_mw_by_hand(capsys):
    # 10 nmol*h/L x 500 g/mol = 5e-3 mg*h/L; x 5 L/h = 0.025 mg
    args = ["--json", "fih", "dose", "--target", "10 nmol*h/L", "--cl", "5 L/h", "--mw", "500"]
    assert main(args) == 0
    assert json.loads(capsys.readouterr().out)["dose_mg"] == pytest.approx(0.025, rel=1e-9)
