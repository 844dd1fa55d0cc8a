"""``kinetor bioanalysis`` through the real entry point."""

import json
from pathlib import Path

import pandas as pd

from kinetor.cli.main import main

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bioanalysis" / "run_rat_plasma.csv"


def test_cli_writes_all_tables(tmp_path, capsys):
    out = tmp_path / "ba"
    code = main(
        [
            "bioanalysis",
            str(EXAMPLE),
            "--weighting",
            "1/x^2",
            "--model",
            "linear",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    for name in (
        "calibration.csv",
        "standards.csv",
        "qcs.csv",
        "acceptance.csv",
        "concentrations.csv",
        "calibration.png",
    ):
        assert (out / name).exists(), name
    acc = pd.read_csv(out / "acceptance.csv")
    assert "run accepted" in set(acc["criterion"])
    conc = pd.read_csv(out / "concentrations.csv", keep_default_na=False)
    assert len(conc) == 27 and set(conc["subject"]) == {"R01", "R02", "R03"}
    assert "ACCEPTED" in capsys.readouterr().out


def test_cli_json_and_quadratic(tmp_path, capsys):
    code = main(
        [
            "--json",
            "bioanalysis",
            str(EXAMPLE),
            "--model",
            "quadratic",
            "--weighting",
            "1/x",
            "--no-plot",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["calibration"][0]["model"] == "quadratic"
    assert not (tmp_path / "calibration.png").exists()


def test_cli_bad_file_exit_code_3(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "sample_id,sample_type,nominal_conc,area_ratio\ns1,standard,1,0.01\ns2,weird,2,x\n"
    )
    assert main(["bioanalysis", str(bad), "--out", str(tmp_path)]) == 3
    err = capsys.readouterr().err
    assert "weird" in err and "not a number" in err


def test_cli_bad_model_is_usage_error(tmp_path):
    assert main(["bioanalysis", str(EXAMPLE), "--model", "cubic", "--out", str(tmp_path)]) == 2
