"""`kinetor validate` through the real entry point."""

import json
from pathlib import Path

from kinetor.cli.main import main

ROOT = Path(__file__).parents[2]
FIX = Path(__file__).parent / "fixtures"


def test_validate_ok(capsys):
    assert main(["validate", str(ROOT / "examples" / "vistusertib_rat_iv_po.csv")]) == 0
    out = capsys.readouterr().out
    assert "6 subjects, 63 samples, 6 doses" in out and "Study summary" in out


def test_validate_bad_file_exit_3_and_lists_problems(capsys):
    assert main(["validate", str(FIX / "bad" / "generic.csv")]) == 3
    err = capsys.readouterr().err
    assert "11 problem(s) in the data" in err and "teleport" in err


def test_validate_json(capsys):
    assert (
        main(
            [
                "--json",
                "validate",
                str(FIX / "bad" / "nonmem.csv"),
                "--time-unit",
                "h",
                "--conc-unit",
                "ng/mL",
                "--dose-unit",
                "mg",
            ]
        )
        == 3
    )
    doc = json.loads(capsys.readouterr().out)
    assert doc["error"] == "DataError"
    assert [p["row"] for p in doc["problems"]] == [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]


def test_validate_units_format_and_out(tmp_path, capsys):
    args = [
        "--json",
        "validate",
        str(FIX / "nonmem.csv"),
        "--format",
        "nonmem",
        "--time-unit",
        "h",
        "--conc-unit",
        "ng/mL",
        "--dose-unit",
        "mg",
        "--out",
        str(tmp_path),
    ]
    assert main(args) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["units"] == {"time": "h", "conc": "ng/mL", "dose": "mg"}
    assert doc["samples"] == 12 and doc["doses"] == 6
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "conc.csv",
        "doses.csv",
        "subjects.csv",
        "summary.csv",
    ]


def test_validate_missing_units_exit_3(capsys):
    assert main(["--json", "validate", str(FIX / "nonmem.csv")]) == 3
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert sorted(p["problem"].split(" (")[0] for p in problems) == [
        "the conc unit is unknown",
        "the dose unit is unknown",
        "the time unit is unknown",
    ]


def test_validate_missing_file(capsys):
    assert main(["validate", "no/such/file.csv"]) == 3
