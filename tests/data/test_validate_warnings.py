"""What ``kinetor validate`` and ``kinetor nca`` say about legal but suspicious data: a
quantifiable sample before the subject's first dose is warned about with its file row, a
non-positive body weight names the row it is read from, and NCA's text output prints its
notes (before, the pre-dose note reached ``--json``, the provenance file and Excel only)."""

from __future__ import annotations

import json

import pytest

from kinetor.cli.main import main

UNITS = ["--time-unit", "h", "--conc-unit", "ng/mL", "--dose-unit", "mg"]


@pytest.fixture(autouse=True)
def _plain_output_after():
    yield
    from kinetor.cli import _common

    _common.STATE.update(json=False, quiet=False, debug=False)


def _predose(tmp_path):
    # file row 1 is the header: the pre-dose sample (time -0.5, conc 3) is file row 2
    path = tmp_path / "pre.csv"
    path.write_text(
        "subject,time,conc,dose,route\n1,-0.5,3,,\n1,0,0,10,PO\n1,1,50,,\n1,2,40,,\n"
        "1,4,20,,\n1,8,5,,\n2,-0.5,0,,\n2,0,0,10,PO\n2,1,30,,\n2,4,10,,\n"
    )
    return path


def test_validate_warns_about_a_quantifiable_sample_before_the_first_dose(tmp_path, capsys):
    assert main(["validate", str(_predose(tmp_path)), *UNITS]) == 0
    out = capsys.readouterr().out
    # subject 2's pre-dose sample is 0 (file row 8): not warned about
    assert "warning: 1 sample(s) before the subject's first dose" in out
    assert "(rows 2)" in out


def test_validate_json_carries_the_warning(tmp_path, capsys):
    assert main(["--json", "validate", str(_predose(tmp_path)), *UNITS]) == 0
    (warning,) = json.loads(capsys.readouterr().out)["warnings"]
    assert "(rows 2)" in warning


def test_nca_text_output_prints_the_pre_dose_note(tmp_path, capsys):
    assert main(["nca", str(_predose(tmp_path)), *UNITS, "--out", str(tmp_path / "out")]) == 0
    out = capsys.readouterr().out
    assert "note: 1 pre-dose sample(s) with a concentration > 0" in out
    assert "(rows 2)" in out


def test_a_non_positive_weight_names_its_row(tmp_path, capsys):
    path = tmp_path / "w.csv"
    # header row 1; subject 1 rows 2-3; subject 2 starts at row 4
    path.write_text(
        "subject,time,conc,dose,route,weight (kg)\n1,0,0,10,PO,0.25\n1,1,50,,,0.25\n"
        "2,0,0,10,PO,-0.3\n2,1,40,,,-0.3\n"
    )
    assert main(["--json", "validate", str(path), *UNITS]) == 3
    (problem,) = json.loads(capsys.readouterr().out)["problems"]
    assert problem["row"] == 4 and problem["column"] == "weight (kg)"
