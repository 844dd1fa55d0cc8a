"""First-in-human doses: FDA 2005 human equivalent dose (Km factors) and the starting dose."""

from __future__ import annotations

import json

import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError
from kinetor.pk.fih import KM_FACTORS, human_equivalent_dose, starting_dose

# FDA 2005 Table 1, the printed columns "divide animal dose by" / "multiply animal dose by"
PRINTED = {
    "mouse": (12.3, 0.081),
    "hamster": (7.4, 0.135),
    "rat": (6.2, 0.162),
    "ferret": (5.3, 0.189),
    "guinea pig": (4.6, 0.216),
    "rabbit": (3.1, 0.324),
    "dog": (1.8, 0.541),
    "monkey": (3.1, 0.324),
    "marmoset": (6.2, 0.162),
    "squirrel monkey": (5.3, 0.189),
    "baboon": (1.8, 0.541),
    "micro-pig": (1.4, 0.730),
    "mini-pig": (1.1, 0.946),
}


@pytest.mark.parametrize("species", sorted(PRINTED))
def test_km_table_agrees_with_the_printed_conversion_factors(species):
    divide, multiply = PRINTED[species]
    ref_w, (lo, hi), bsa, km = KM_FACTORS[species]
    assert 37.0 / km == pytest.approx(divide, abs=0.051)  # printed to 1 decimal (1.85 as 1.8)
    assert round(km / 37.0, 3) == multiply
    assert lo < ref_w < hi
    assert ref_w / bsa == pytest.approx(km, rel=0.2)  # Km = weight / surface area
    h = human_equivalent_dose(10.0, species)
    assert h["hed_mg_per_kg"] == pytest.approx(10.0 * km / 37.0, rel=1e-12)
    assert h["method"] == "Km"


def test_outside_the_working_range_the_weight_formula_is_used():
    h = human_equivalent_dose(50.0, "rat", weight=0.35)  # rat working range 0.08-0.27 kg
    assert h["method"] == "weight^0.33"
    assert h["hed_mg_per_kg"] == pytest.approx(50.0 * (0.35 / 60.0) ** 0.33, rel=1e-12)
    assert "working range" in h["note"]
    inside = human_equivalent_dose(50.0, "rat", weight=0.25)
    assert inside["hed_mg_per_kg"] == pytest.approx(50.0 * 6 / 37, rel=1e-12)
    other = human_equivalent_dose(5.0, "zebrafish", weight=0.001, human_weight=70)
    assert other["hed_mg_per_kg"] == pytest.approx(5.0 * (0.001 / 70.0) ** 0.33, rel=1e-12)
    assert other["hed_mg"] == pytest.approx(other["hed_mg_per_kg"] * 70.0, rel=1e-12)


def test_starting_dose_takes_the_most_sensitive_species_and_the_safety_factor():
    table, mrsd = starting_dose({"rat": 50, "Dogs": 10, "cynomolgus": 20})
    # HED: rat 50 x 6/37 = 8.108, dog 10 x 20/37 = 5.405, monkey 20 x 12/37 = 6.486
    assert list(table["species"]) == ["rat", "dog", "monkey"]
    assert list(table["most_sensitive"]) == [False, True, False]
    assert mrsd["species"] == "dog"
    assert mrsd["mrsd_mg_per_kg"] == pytest.approx(10 * 20 / 37 / 10, rel=1e-12)
    assert mrsd["mrsd_mg"] == pytest.approx(10 * 20 / 37 / 10 * 60, rel=1e-12)
    _, mgkg = starting_dose({"rat": 50, "dog": 10}, basis="mg/kg", safety_factor=5)
    assert mgkg["mrsd_mg_per_kg"] == pytest.approx(2.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"noael": {}},
        {"noael": {"rat": -1}},
        {"noael": {"rat": 5}, "safety_factor": 0.5},
        {"noael": {"zebra": 5}},
        {"noael": {"rat": 5}, "weights": {"dog": 10}},
        {"noael": {"rat": 5, "rats": 6}},
        {"noael": {"rat": 5}, "basis": "kg"},
    ],
)
def test_bad_input_is_a_data_error(kwargs):
    noael = kwargs.pop("noael")
    with pytest.raises(DataError):
        starting_dose(noael, **kwargs)


def test_cli_hed_and_dose(tmp_path, capsys):
    out = tmp_path / "fih"
    args = ["--json", "fih", "hed", "--noael", "rat=50", "--noael", "dog=10", "--out", str(out)]
    assert main(args) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["starting_dose"]["mrsd_mg"] == pytest.approx(10 * 20 / 37 / 10 * 60)
    assert (out / "hed.csv").exists()
    assert main(["--json", "fih", "dose", "--target", "10 mg*h/L", "--cl", "5 L/h"]) == 0
    assert json.loads(capsys.readouterr().out)["dose_mg"] == pytest.approx(50.0)
    for bad in (
        ["--noael", "rat"],
        ["--noael", "rat=0"],
        ["--noael", "rat=5", "--weight", "dog=9"],
        ["--noael", "rat=5", "--noael", "rat=6"],
    ):
        assert main(["fih", "hed", *bad]) == 2
    assert main(["fih", "hed", "--noael", "rat=5", "--safety-factor", "0.5"]) == 2
    assert main(["fih", "dose", "--target", "1 mg/L", "--cl", "5 L/h", "--f", "0"]) == 2
