"""First in human (audit s21): body weights in grams refused in allometry and ``fih hed``,
species names case-insensitive, the MRSD written by ``fih hed --out``, the --weight help.
Expected values by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError, ModelError
from kinetor.pk.fih import human_equivalent_dose, starting_dose
from kinetor.pk.scaling import allometric_scale, predict_human_cl

CL3 = {"mouse": 0.05, "rat": 0.4, "dog": 8.0}


def _cli(*args: str) -> int:
    return main(["fih", *args])


# --- B2: allometry weights ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("weights", "hint"),
    [({"human": 70000.0}, "70000 g = 70 kg"), ({"mouse": 25.0}, "25 g = 0.025 kg")],
)
def test_predict_human_cl_refuses_weights_in_grams(weights, hint):
    with pytest.raises(ModelError, match=hint):
        predict_human_cl(CL3, weights=weights)
    # a rat in grams (the message names the grams, whether or not the fit inverts)
    with pytest.raises(ModelError, match=r"250 g = 0\.25 kg"):
        predict_human_cl(CL3, weights={"rat": 250.0})


def test_predict_human_cl_one_species_method_refuses_a_rat_in_grams():
    with pytest.raises(ModelError, match=r"250 g = 0\.25 kg"):
        predict_human_cl({"rat": 5.0}, method="tang_one_species", weights={"rat": 250.0})


def test_predict_human_cl_plausible_weights_still_scale():
    # simple allometry of two species to an 80 kg human: b = log(8/0.4)/log(10/0.25),
    # CL = 0.4 x (80/0.25)^b (by hand)
    import math

    b = math.log(20.0) / math.log(40.0)
    out = predict_human_cl({"Rat": 0.4, "dog": 8.0}, weights={"Human": 80.0})
    assert out["cl"] == pytest.approx(0.4 * (80.0 / 0.25) ** b, rel=1e-9)


def test_allometric_scale_refuses_a_weight_in_grams():
    with pytest.raises(ModelError, match="70000 g = 70 kg"):
        allometric_scale(0.1, "rat", 70000.0)
    # 0.1 x (70/0.25)^0.75 = 6.8449 (by hand)
    assert allometric_scale(0.1, 0.25, 70.0) == pytest.approx(0.1 * 280.0**0.75)


def test_cli_human_cl_refuses_a_human_weight_in_grams(capsys):
    code = _cli("human-cl", "--cl", "rat=0.4", "--cl", "dog=8", "--weight", "human=70000")
    assert code != 0
    assert "70000 g = 70 kg" in capsys.readouterr().err


# --- B3: the human weight of fih hed ----------------------------------------------------------


def test_hed_refuses_a_human_weight_in_grams():
    with pytest.raises(DataError, match="60000 g = 60 kg"):
        human_equivalent_dose(50.0, "rat", human_weight=60000.0)
    with pytest.raises(DataError, match="human_weight"):
        starting_dose({"rat": 50.0}, human_weight=60000.0)


def test_cli_hed_refuses_a_human_weight_in_grams(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    assert _cli("hed", "--noael", "rat=50", "--human-weight", "60000") == 3
    err = " ".join(capsys.readouterr().err.split())
    assert "human_weight = 60000 kg" in err


# --- C3: species names case-insensitive across NOAELs and weights -----------------------------


def test_starting_dose_matches_species_whatever_the_case():
    # rat 0.3 kg is outside the working range 0.08-0.27 kg: HED = 50 x (0.3/60)^0.33
    table, _ = starting_dose({"Rat": 50.0}, weights={"rat": 0.3})
    assert table["method"].iloc[0] == "weight^0.33"
    assert table["hed_mg_per_kg"].iloc[0] == pytest.approx(50.0 * (0.3 / 60.0) ** 0.33)
    with pytest.raises(DataError, match="two NOAELs"):
        starting_dose({"Rat": 50.0, "rat": 10.0})


def test_cli_hed_matches_species_whatever_the_case():
    assert _cli("hed", "--noael", "Rat=50", "--weight", "rat=0.3") == 0
    assert _cli("hed", "--noael", "rat=50", "--weight", "RAT=0.3") == 0


# --- C2: fih hed --out writes the MRSD --------------------------------------------------------


def test_cli_hed_out_writes_the_mrsd(tmp_path):
    assert _cli("hed", "--noael", "rat=50", "--noael", "dog=10", "--out", str(tmp_path)) == 0
    m = pd.read_csv(tmp_path / "mrsd.csv")
    # dog HED 10 x 20/37 = 5.405 mg/kg < rat 50 x 6/37 = 8.108; / 10; x 60 kg = 32.43 mg
    assert m["species"].iloc[0] == "dog"
    assert m["safety_factor"].iloc[0] == 10.0
    assert m["mrsd_mg_per_kg"].iloc[0] == pytest.approx(10 * 20 / 37 / 10)
    assert m["mrsd_mg"].iloc[0] == pytest.approx(10 * 20 / 37 / 10 * 60)
    assert (tmp_path / "hed.csv").exists()


# --- C4: the --weight help names the human weight, not a fixed 60 -----------------------------


def test_cli_hed_weight_help_is_not_a_fixed_60_kg(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "400")
    assert main(["fih", "hed", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "(W/60)^0.33" not in text and "--human-weight" in text
    assert "W / human weight" in text
