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


# --------------------------------------------------- advisories (kinetor.data.advisories)
def _study(rows, conc_unit="ng/mL"):
    """rows: (subject, nominal, actual, conc); file row = position + 2 (header row 1)."""
    import pandas as pd

    from kinetor.data import Study

    subj, nom, t, c = zip(*rows, strict=True)
    conc = pd.DataFrame(
        {
            "subject": list(subj),
            "time": list(t),
            "nominal_time": list(nom),
            "conc": list(c),
            "source_row": [i + 2 for i in range(len(rows))],
        }
    )
    doses = pd.DataFrame(
        {"subject": sorted(set(subj)), "time": 0.0, "dose": 1.0, "route": "extravascular"}
    )
    return Study(conc, doses, units={"time": "h", "conc": conc_unit, "dose": "mg"})


def test_actual_time_far_from_nominal_edges():
    from kinetor.data.advisories import study_warnings

    # nominal 1 h: window max(0.25 x 1, 0.25 h) = 0.25 h; 1.25 is inside, 1.26 outside.
    # nominal 0.083 h: window max(0.021, 0.25) = 0.25 h; 0.33 inside (0.247), 0.34 outside
    inside = _study([("1", 0.083, 0.33, 10), ("1", 1, 1.25, 5), ("1", 4, 4, 2)])
    assert study_warnings(inside) == []
    outside = _study([("1", 0.083, 0.34, 10), ("1", 1, 1.26, 5), ("1", 4, 4, 2)])
    (w,) = study_warnings(outside)
    assert w.startswith("2 sample(s) with an actual time far") and "rows 2, 3)" in w


def test_actual_and_nominal_order_disagree():
    from kinetor.data.advisories import study_warnings

    # nominal 0.5 then 0.75, actual 0.7 then 0.6 (each within 0.25 h of nominal): row 3 is
    # before row 2 in actual time although its nominal time is later
    (w,) = study_warnings(_study([("1", 0.5, 0.7, 10), ("1", 0.75, 0.6, 5), ("1", 4, 4, 2)]))
    assert "actual and nominal times disagree" in w and "(rows 3)" in w


def test_subject_ids_equal_but_for_case_or_spaces():
    from kinetor.data.advisories import study_warnings

    (w,) = study_warnings(_study([("R101", 1, 1, 10), ("r101 ", 1, 1, 10), ("R102", 1, 1, 9)]))
    assert "'R101' / 'r101 '" in w and "R102" not in w


@pytest.mark.parametrize(
    "unit, value, flagged",
    [
        ("ng/mL", 1.0e6, False),  # exactly 1 g/L
        ("ng/mL", 1.5e9, True),
        ("ug/mL", 1001.0, True),  # 1.001 g/L
        ("nM", 9.9e6, False),
        ("uM", 1.1e4, True),  # 11 mM
        ("ng/g", 2.0e6, True),  # 2 mg/g of tissue
    ],
)
def test_implausible_concentrations(unit, value, flagged):
    from kinetor.data.advisories import study_warnings

    got = study_warnings(_study([("1", 1, 1, value), ("1", 2, 2, 1.0)], conc_unit=unit))
    assert (len(got) == 1 and "(rows 2)" in got[0]) == flagged and len(got) == int(flagged)


def test_the_packaged_example_gives_no_warning():
    from pathlib import Path

    import kinetor as kt
    from kinetor.data.advisories import study_warnings

    examples = Path(__file__).parents[2] / "examples"
    for name in ("vistusertib_rat_iv_po.csv", "vistusertib_mouse_sparse.csv"):
        assert study_warnings(kt.read_study(examples / name)) == []


def test_a_varying_weight_note_names_values_and_rows(tmp_path, capsys):
    path = tmp_path / "w.csv"
    # subject 1's first row (file row 2) says 266 kg, its second 0.266 kg
    path.write_text("subject,time,conc,dose,route,weight (kg)\n1,0,0,10,PO,266\n1,1,50,,,0.266\n")
    assert main(["validate", str(path), *UNITS]) == 0
    out = capsys.readouterr().out
    assert "'1': 266.0 (row 2), 0.266 (row 3)" in out
