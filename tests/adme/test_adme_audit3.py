"""Audit fixes in kinetor.adme: text, empty, negative or infinite values of NCA tables,
fu outside (0, 1] for time above a threshold, infinite excretion amounts and binding
concentrations are refused with file, row and column."""

import json

import numpy as np
import pandas as pd
import pytest

from kinetor.adme import (
    binding_table,
    cumulative_excretion,
    free_exposure,
    metabolite_ratios,
    parent_fraction_of_radioactivity,
    time_above_threshold,
)
from kinetor.cli.main import main
from kinetor.errors import DataError


def _params(values, **extra):
    return pd.DataFrame(
        {
            "species": "rat",
            "analyte": ["P", "M"],
            "PPTESTCD": "AUCIFO",
            "value": values,
            "unit": "h*ng/mL",
            **extra,
        }
    )


def _only_problem(exc):
    (p,) = exc.value.problems
    return p


# 5. values of the parameter tables ------------------------------------------------------


@pytest.mark.parametrize(
    ("bad", "words"),
    [("2S0", "not a number"), ("", "missing"), (-250.0, ">= 0"), (np.inf, "finite")],
)
def test_metabolite_ratios_refuse_bad_values(bad, words):
    with pytest.raises(DataError) as exc:
        metabolite_ratios(_params(["1000", bad]), parent="P", file="auc.csv")
    p = _only_problem(exc)
    assert (p.file, p.row, p.column) == ("auc.csv", 3, "value") and words in p.message


def test_metabolite_ratio_missing_value_with_a_reason_is_kept():
    # kinetor.nca writes a parameter it could not compute as NaN with its reason
    out = metabolite_ratios(
        _params([1000.0, np.nan], exclude=["", "lambda_z not estimable"]), parent="P"
    )
    assert np.isnan(out["ratio"].iloc[0])
    assert out["exclude"].iloc[0] == "lambda_z not estimable"
    # 250 / 1000 on a valid pair
    assert metabolite_ratios(_params(["1000", "250"]), parent="P")["ratio"].iloc[0] == 0.25


def test_parent_fraction_refuses_text():
    p = pd.DataFrame(
        {"analyte": ["P", "TRA"], "PPTESTCD": "AUCLST", "value": ["3O", "120"], "unit": "h*ng/mL"}
    )
    with pytest.raises(DataError) as exc:
        parent_fraction_of_radioactivity(p, "P", "TRA", "AUCLST", file="tra.csv")
    p = _only_problem(exc)
    assert (p.file, p.row, p.column) == ("tra.csv", 2, "value")


def test_free_exposure_refuses_text_naming_the_row():
    p = pd.DataFrame(
        {
            "subject": "m1",
            "PPTESTCD": ["TMAX", "CMAX", "AUCIFO"],
            "value": ["x", "2000", "9O00"],
            "unit": ["h", "ng/mL", "h*ng/mL"],
        }
    )
    with pytest.raises(DataError) as exc:
        free_exposure(p, fu=0.05, file="nca.csv")
    p = _only_problem(exc)  # TMAX (row 2) is not used: its text is not judged
    assert (p.file, p.row, p.column) == ("nca.csv", 4, "value") and "9O00" in p.message


def test_cli_ratios_refuses_text(tmp_path, capsys):
    f = tmp_path / "auc.csv"
    f.write_text(
        "species,analyte,PPTESTCD,value,unit\nrat,P,AUCIFO,1000,h*ng/mL\nrat,M,AUCIFO,2S0,h*ng/mL\n"
    )
    out = tmp_path / "o"
    assert main(["--json", "adme", "ratios", str(f), "--parent", "P", "--out", str(out)]) == 3
    (p,) = json.loads(capsys.readouterr().out)["problems"]
    assert (p["file"], p["row"], p["column"]) == ("auc.csv", 3, "value") and "2S0" in p["problem"]


# 6. fu of time_above_threshold -------------------------------------------------------------

PROFILE = pd.DataFrame({"subject": "a", "time": [0, 1, 2, 4, 8], "conc": [0, 100, 80, 40, 10.0]})


@pytest.mark.parametrize("fu", [5.0, 0.0, -0.1, np.nan])
def test_time_above_threshold_checks_fu(fu):
    with pytest.raises(DataError, match=r"fu must be in \(0, 1\]"):
        time_above_threshold(PROFILE, 20.0, fu=fu)


def test_time_above_threshold_with_fu_by_hand():
    # fu 0.5: 0, 50, 40, 20, 5 against 20: above from 0.4 h (20/50 of the first hour) to
    # 4 h, and not after (20 -> 5 leaves at once): 0.6 + 1 + 2 = 3.6 h
    assert time_above_threshold(PROFILE, 20.0, fu=0.5)["time_above"].iloc[0] == pytest.approx(3.6)


def test_free_exposure_refuses_nan_fu():
    p = pd.DataFrame({"PPTESTCD": ["CMAX"], "value": [100.0], "unit": ["ng/mL"]})
    with pytest.raises(DataError, match=r"fu must be in \(0, 1\]"):
        free_exposure(p, fu=np.nan)


# 7. infinite excretion amounts ---------------------------------------------------------------


@pytest.mark.parametrize("amount", [np.inf, "inf"])
def test_cumulative_excretion_refuses_infinite_amounts(amount):
    e = pd.DataFrame(
        {
            "subject": ["A", "A"],
            "matrix": "urine",
            "start": [0, 24],
            "end": [24, 48],
            "amount": [1.0, amount],
        }
    )
    with pytest.raises(DataError) as exc:
        cumulative_excretion(e, dose=10, dose_unit="mg", amount_unit="mg", file="ex.csv")
    p = _only_problem(exc)
    assert (p.file, p.row, p.column) == ("ex.csv", 3, "amount") and "finite" in p.message


# 8. infinite binding concentrations ------------------------------------------------------------


def test_binding_refuses_infinite_buffer_naming_the_cell(tmp_path, capsys):
    d = pd.DataFrame({"c_buffer": ["4", "inf"], "c_plasma": ["100", "100"]})
    with pytest.raises(DataError) as exc:
        binding_table(d, file="ppb.csv")
    p = _only_problem(exc)
    assert (p.file, p.row, p.column) == ("ppb.csv", 3, "c_buffer")
    f = tmp_path / "ppb.csv"
    d.to_csv(f, index=False)
    assert main(["--json", "adme", "binding", str(f), "--out", str(tmp_path / "o")]) == 3
    (p,) = json.loads(capsys.readouterr().out)["problems"]
    assert (p["file"], p["row"], p["column"]) == ("ppb.csv", 3, "c_buffer")
