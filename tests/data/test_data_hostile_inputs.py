"""Reading study data on careless input: fixes that name the CLI option, an unknown role,
a sheet for a CSV, and a note for each sample left out for lack of a value."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.data import read_study
from kinetor.errors import DataError

EXAMPLES = Path(__file__).parents[2] / "src" / "kinetor" / "examples"


def test_missing_units_name_the_cli_option_and_the_python_keyword(capsys):
    nm = EXAMPLES / "vistusertib_rat_iv_po_nonmem.csv"
    assert main(["--json", "validate", str(nm)]) == 3
    fixes = {p["column"]: p["fix"] for p in json.loads(capsys.readouterr().out)["problems"]}
    assert "--time-unit h on the command line" in fixes["TIME"]
    assert "units={'time': 'h'} in Python" in fixes["TIME"]
    assert "--dose-unit mg/kg" in fixes["AMT"] and "--conc-unit ng/mL" in fixes["DV"]
    cmd = ["--quiet", "validate", str(nm), "--time-unit", "h", "--conc-unit", "ng/mL"]
    assert main([*cmd, "--dose-unit", "mg/kg"]) == 0


def _csv(tmp_path, conc=(0.0, 4.0, None, 1.0)):
    path = tmp_path / "pk.csv"
    pd.DataFrame(
        {
            "Subject": "1",
            "Time (h)": [0.0, 1, 2, 4],
            "Conc (ng/mL)": list(conc),
            "Dose (mg)": 5,
            "Route": "PO",
        }
    ).to_csv(path, index=False, na_rep="")
    return path


def test_unknown_role_and_sheet_on_a_csv_are_errors(tmp_path):
    src = _csv(tmp_path)
    with pytest.raises(DataError, match="unknown role 'foo'") as err:
        read_study(src, roles={"foo": "Route"})
    assert "subject, time" in err.value.problems[0].fix
    with pytest.raises(DataError, match="not an Excel workbook"):
        read_study(src, sheet=2)
    assert main(["--quiet", "validate", str(src), "--sheet", "plasma"]) == 3


def test_a_sample_without_value_is_noted(tmp_path):
    st = read_study(_csv(tmp_path))
    # header = row 1: the empty cell at 2 h is spreadsheet row 4
    assert (
        "conc: 1 sample(s) without a concentration value are excluded (rows 4; see the "
        "'exclude' column)"
    ) in st.notes
    assert st.conc["exclude"].tolist() == ["", "", "no concentration value", ""]
    assert not any(
        "without a concentration" in n for n in read_study(_csv(tmp_path, (0, 4, 2, 1))).notes
    )
