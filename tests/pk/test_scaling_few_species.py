"""Human clearance from one or two species and FCIM (kinetor.pk.predict_human_cl).

Expected values are worked by hand from the published equations, constants as printed in
the abstracts: Tang et al. 2007 Drug Metab Dispos 35:1886 (one-species c: rat 0.152, dog
0.410, monkey 0.407; liver blood flow c: rat 0.247, dog 0.700, monkey 0.467; rat-dog
a W^0.628, rat-monkey a W^0.650) and Tang & Mayersohn 2005 Drug Metab Dispos 33:1297
(CL = 33.35 mL/min (a/Rfu)^0.770). Reference weights: rat 0.25, monkey 5, dog 10, human
70 kg. No table row of either paper is reproduced: only the abstracts were available.
"""

from __future__ import annotations

import json

import pytest

from kinetor.cli.main import main
from kinetor.errors import ModelError
from kinetor.pk import predict_human_cl


@pytest.mark.parametrize(
    "species, cl, expected",
    [
        ("rat", 5.0, 212.8),  # 5/0.25 = 20 mL/min/kg; 0.152 x 20 = 3.04; x 70 = 212.8
        ("dog", 100.0, 287.0),  # 100/10 = 10; 0.410 x 10 = 4.10; x 70 = 287.0
        ("monkey", 50.0, 284.9),  # 50/5 = 10; 0.407 x 10 = 4.07; x 70 = 284.9
    ],
)
def test_tang_one_species_methods(species, cl, expected):
    out = predict_human_cl({species: cl}, method="tang_one_species")
    assert out["cl"] == pytest.approx(expected, rel=1e-12)
    assert out["exponent"] == 1.0 and "Tang et al. 2007" in out["equation"]


@pytest.mark.parametrize(
    "species, cl, expected",
    [
        ("rat", 5.0, 345.8),  # 20 mL/min/kg x 0.247 = 4.94; x 70 = 345.8
        ("dog", 100.0, 490.0),  # 10 x 0.700 = 7.00; x 70 = 490.0
        ("monkey", 50.0, 326.9),  # 10 x 0.467 = 4.67; x 70 = 326.9
    ],
)
def test_liver_blood_flow_methods(species, cl, expected):
    out = predict_human_cl({species: cl}, method="liver_blood_flow")
    assert out["cl"] == pytest.approx(expected, rel=1e-12)
    assert "liver blood flow" in out["equation"]


def test_fixed_exponent_one_species():
    # 5 x (70/0.25)^0.75 = 5 x 280^0.75; ln 280 = 5.6347896, x 0.75 = 4.2260922,
    # e^4.2260922 = 68.449223 -> 342.24612
    out = predict_human_cl({"rat": 5.0}, method="fixed_exponent")
    assert out["cl"] == pytest.approx(342.24612, rel=1e-6)
    # exponent 1 from a 10 kg dog: 2 x 70/10 = 14
    assert predict_human_cl({"dog": 2.0}, method="fixed_exponent", exponent=1.0)["cl"] == (
        pytest.approx(14.0, rel=1e-12)
    )
    # unbound: CLu = 2/0.5 = 4; 4 x 7 x 0.1 = 2.8
    unbound = predict_human_cl(
        {"dog": 2.0}, method="fixed_exponent", exponent=1.0, fu={"dog": 0.5}, human_fu=0.1
    )
    assert unbound["cl"] == pytest.approx(2.8, rel=1e-12)


def test_rat_dog_and_rat_monkey():
    # rat-dog data on CL = 2 W^0.5: rat 2 x 0.5 = 1, dog 2 x 10^0.5; the two-point fit
    # gives a = 2; CL_h = 2 x 70^0.628; ln 70 = 4.2484952, x 0.628 = 2.6680550,
    # e^2.6680550 = 14.411911 -> 28.823822
    out = predict_human_cl({"rat": 1.0, "dog": 2.0 * 10**0.5}, method="rat_dog")
    assert out["cl"] == pytest.approx(28.823822, rel=1e-6)
    assert out["coefficient"] == pytest.approx(2.0, rel=1e-12) and out["exponent"] == 0.628
    # rat-monkey on CL = 3 W: rat 0.75, monkey 15; CL_h = 3 x 70^0.650; 4.2484952 x 0.65 =
    # 2.7615219, e^2.7615219 = 15.823907 -> 47.471721
    out = predict_human_cl({"rat": 0.75, "monkey": 15.0}, method="rat_monkey")
    assert out["cl"] == pytest.approx(47.471721, rel=1e-6)
    assert "W_human^0.65" in out["equation"]


def test_fcim_in_ml_per_min_and_in_l_per_h():
    # CL = 10 W^0.7 mL/min: a = 10 mL/min; Rfu = 0.2/0.1 = 2; (10/2)^0.77 = 5^0.77;
    # ln 5 = 1.6094379, x 0.77 = 1.2392672, e^1.2392672 = 3.4530821; x 33.35 = 115.16029
    cl = {"rat": 10 * 0.25**0.7, "dog": 10 * 10.0**0.7, "monkey": 10 * 5.0**0.7}
    kw = {"method": "fcim", "fu": {"rat": 0.2}, "human_fu": 0.1}
    out = predict_human_cl(cl, cl_unit="mL/min", **kw)
    assert out["cl"] == pytest.approx(115.16029, rel=1e-6)
    assert "33.35 mL/min" in out["equation"] and "Rfu" in out["equation"]
    # the same clearances in L/h (1 mL/min = 0.06 L/h): 115.16029 x 0.06 = 6.9096174 L/h
    in_l_h = predict_human_cl({k: v * 0.06 for k, v in cl.items()}, cl_unit="L/h", **kw)
    assert in_l_h["cl"] == pytest.approx(6.9096174, rel=1e-6)


@pytest.mark.parametrize(
    "cl, kwargs, words",
    [
        ({"rat": 1.0, "monkey": 5.0}, {"method": "rat_dog"}, "rat and dog"),
        ({"rat": 1.0}, {"method": "rat_monkey"}, "rat and monkey"),
        ({"rat": 1.0, "dog": 9.0}, {"method": "tang_one_species"}, "one species"),
        ({"mouse": 0.1}, {"method": "liver_blood_flow"}, "fixed_exponent"),
        ({"rat": 1.0}, {"method": "fixed_exponent", "exponent": float("nan")}, "> 0"),
        ({"rat": 1.0, "dog": 9.0}, {"method": "fcim", "cl_unit": "L/h"}, "fu_rat"),
        (
            {"rat": 1.0, "dog": 9.0},
            {"method": "fcim", "fu": {"rat": 0.2}, "human_fu": 0.1},
            "cl_unit",
        ),
        (
            {"rat": 1.0, "dog": 9.0},
            {"method": "fcim", "fu": {"rat": 0.2}, "human_fu": 0.1, "cl_unit": "mg"},
            "cl_unit",
        ),
        (
            {"rat": 1.0},
            {"method": "tang_one_species", "fu": {"rat": 0.2}, "human_fu": 0.1},
            "total clearance",
        ),
        ({"rat": 1.0}, {"method": "simple", "exponent": 0.75}, "fixed_exponent"),
        ({"rat": 1.0}, {}, "one species"),  # the rule of exponents with one species
    ],
)
def test_wrong_species_or_inputs_are_model_errors(cl, kwargs, words):
    with pytest.raises(ModelError, match=words):
        predict_human_cl(cl, **kwargs)


def test_existing_methods_name_their_equation():
    out = predict_human_cl({"mouse": 0.05, "rat": 0.4, "dog": 8.0}, method="simple")
    assert "a x W_human^b" in out["equation"]


def test_cli_one_species_and_fcim(capsys):
    assert main(["--json", "fih", "human-cl", "--cl", "rat=5", "--method", "tang_one_species"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["cl"] == pytest.approx(212.8, rel=1e-12) and "0.152" in out["equation"]
    args = ["--cl", "rat=" + repr(10 * 0.25**0.7), "--cl", "dog=" + repr(10 * 10.0**0.7)]
    args += ["--method", "fcim", "--fu", "rat=0.2", "--human-fu", "0.1", "--cl-unit", "mL/min"]
    assert main(["--json", "fih", "human-cl", *args]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["cl"] == pytest.approx(115.16029, rel=1e-6)
    bad = ["fih", "human-cl", "--cl", "rat=5", "--method", "fixed_exponent", "--exponent", "-1"]
    assert main(bad) == 2
    assert (
        main(["fih", "human-cl", "--cl", "rat=5", "--cl", "monkey=9", "--method", "rat_dog"]) == 3
    )
