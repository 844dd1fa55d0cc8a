"""Hostile inputs to ``kinetor tgi`` and ``kinetor pd fit``: refused with the file named
(exit 3) or as a usage error (exit 2), never an internal error."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError, ModelError
from kinetor.pd import fit_pd, read_volumes
from kinetor.pd._design import _Design, name_failed


@pytest.fixture
def exp_csv(tmp_path):
    """Six animals (IDs 1-6) growing exactly as 100 exp(0.1 t)."""
    rows = [(a, "Vehicle", d, 100.0 * np.exp(0.1 * d)) for a in range(1, 7) for d in (0, 3, 6, 9)]
    path = tmp_path / "exp.csv"
    pd.DataFrame(rows, columns=["animal", "group", "day", "volume"]).to_csv(path, index=False)
    return path


def _json(capsys, argv):
    capsys.readouterr()
    code = main(["--json", *argv])
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "argv",
    [
        ["tgi", "{f}", "--control", "Vehicle"],
        ["pd", "fit", "{f}", "--model", "exponential"],
        ["pd", "fit", "{f}", "--model", "emax"],
    ],
)
def test_empty_file_is_a_data_error_naming_it(tmp_path, capsys, argv):
    f = tmp_path / "empty.csv"
    f.write_text("")
    out = tmp_path / "o"
    code, doc = _json(capsys, [a.format(f=f) for a in argv] + ["--out", str(out)])
    assert code == 3 and doc["error"] == "DataError"
    assert doc["problems"][0]["file"].endswith("empty.csv")
    assert "empty" in doc["problems"][0]["problem"]
    assert not out.exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["tgi", "{f}", "--control", "Vehicle"],
        ["pd", "fit", "{f}", "--model", "exponential"],
        ["pd", "fit", "{f}", "--model", "emax"],
    ],
)
def test_header_only_file_says_no_data_rows(tmp_path, capsys, argv):
    f = tmp_path / "hdr.csv"
    f.write_text("animal,group,day,volume,conc,value\n")
    code, doc = _json(capsys, [a.format(f=f) for a in argv] + ["--out", str(tmp_path / "o")])
    assert code == 3
    (prob,) = doc["problems"]
    assert "no data rows" in prob["problem"] and prob["row"] == 1


def test_read_volumes_of_an_empty_frame_is_a_data_error():
    with pytest.raises(DataError, match="no data rows"):
        read_volumes(pd.DataFrame(columns=["animal", "group", "day", "volume"]))


def test_tgi_day_before_start_day_is_a_usage_error(exp_csv, tmp_path, capsys):
    argv = ["tgi", str(exp_csv), "--control", "Vehicle", "--start-day", "6", "--day", "3"]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 2
    assert "--day" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_pd_fit_negative_lloq_is_a_usage_error(exp_csv, tmp_path, capsys):
    argv = ["pd", "fit", str(exp_csv), "--model", "exponential", "--lloq", "-5"]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 2
    assert "--lloq" in capsys.readouterr().err


def test_pd_fit_negative_start_value_of_a_rate_is_refused(exp_csv, tmp_path, capsys):
    argv = ["pd", "fit", str(exp_csv), "--model", "exponential", "--init", "kg=-1"]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no log of a negative start leaks
        code = main([*argv, "--out", str(tmp_path / "o")])
    assert code == 3
    err = " ".join(capsys.readouterr().err.split())
    assert "init kg = -1.0 must be > 0" in err


def test_fit_pd_refuses_init_zero_and_negative_fixed(exp_csv):
    with pytest.raises(ModelError, match="init kg = 0"):
        fit_pd(exp_csv, "exponential", init={"kg": 0.0})
    with pytest.raises(ModelError, match="fixed v0 = -1"):
        fit_pd(exp_csv, "exponential", fixed={"v0": -1.0})


def test_pooled_fit_is_labelled_pooled_with_units(exp_csv):
    f = fit_pd(exp_csv, "exponential")
    s = f.summary.set_index("parameter")
    assert set(s["group"]) == {"pooled"}
    assert s.loc["kg", "unit"] == "1/day"
    assert s.loc["kg", "estimate"] == pytest.approx(0.1, rel=1e-6)  # exact data: kg = 0.1


def test_integration_failure_names_the_animal_ids():
    exc = ModelError("ExponentialGrowth: the integration failed for animals [0, 2] (status 3)")
    exc.failed = np.array([0, 2])
    design = _Design(
        np.zeros(1, int),
        np.zeros(1, int),
        np.zeros(1),
        np.zeros(3, int),
        None,
        None,
        0.0,
        np.array(["1", "2", "3"]),
    )
    msg = str(name_failed(exc, design))
    assert "animal(s) 1, 3" in msg and "[0, 2]" not in msg and "(status 3)" in msg
