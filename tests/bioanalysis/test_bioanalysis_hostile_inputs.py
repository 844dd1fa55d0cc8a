"""Hostile inputs to ``kinetor bioanalysis``: empty files, header-only files and missing or
non-concentration units are refused (file, column, fix) before any output is written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kinetor.bioanalysis import analyse_run, read_run
from kinetor.bioanalysis.run import check_conc_unit
from kinetor.cli.main import main
from kinetor.errors import DataError, UnitError

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "bioanalysis" / "run_rat_plasma.csv"


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def _no_unit_run(tmp_path) -> Path:
    run = pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False).drop(columns="conc_unit")
    path = tmp_path / "run.csv"
    run.to_csv(path, index=False)
    return path


def test_empty_and_header_only_files(tmp_path):
    with pytest.raises(DataError, match="empty file: no header and no rows"):
        read_run(_write(tmp_path, "e.csv", ""))
    with pytest.raises(DataError) as err:
        read_run(_write(tmp_path, "h.csv", "sample_id,sample_type,nominal_conc,area_ratio\n"))
    (p,) = err.value.problems
    assert "no data rows" in p.message and (p.file, p.row) == ("h.csv", 1)


def test_cli_empty_file_is_a_data_error(tmp_path, capsys):
    path = _write(tmp_path, "e.csv", "")
    assert main(["bioanalysis", str(path), "--conc-unit", "ng/mL", "--out", str(tmp_path)]) == 3
    assert "empty file" in capsys.readouterr().err


def test_cli_requires_a_concentration_unit(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["bioanalysis", str(_no_unit_run(tmp_path)), "--out", str(out)]) == 3
    err = " ".join(capsys.readouterr().err.split())
    assert "no concentration unit" in err and "--conc-unit" in err
    assert not out.exists()
    # the same file with --conc-unit runs, and the unit is recorded
    code = main(
        ["bioanalysis", str(_no_unit_run(tmp_path)), "--conc-unit", "ng/ml", "--out", str(out)]
    )
    assert code == 0
    assert pd.read_csv(out / "calibration.csv")["conc_unit"].iloc[0] == "ng/mL"


@pytest.mark.parametrize("unit", ["mg", "h", "percent"])
def test_cli_non_concentration_unit_is_usage_error(tmp_path, capsys, unit):
    out = tmp_path / "out"
    assert main(["bioanalysis", str(EXAMPLE), "--conc-unit", unit, "--out", str(out)]) == 2
    assert "--conc-unit" in capsys.readouterr().err
    assert not out.exists()


def test_non_concentration_unit_in_the_file_names_the_column():
    run = pd.read_csv(EXAMPLE, dtype=str, keep_default_na=False).assign(conc_unit="mg")
    with pytest.raises(DataError) as err:
        analyse_run(run, file="run.csv")
    assert err.value.problems[0].column == "conc_unit"
    assert "not a concentration unit" in err.value.problems[0].message


def test_concentration_units_accepted():
    assert check_conc_unit("ng/ml") == "ng/mL"
    assert check_conc_unit("nM") == "nM"
    assert check_conc_unit("ng/g") == "ng/g"  # tissue homogenate
    with pytest.raises(UnitError, match="not a concentration"):
        check_conc_unit("mg")
