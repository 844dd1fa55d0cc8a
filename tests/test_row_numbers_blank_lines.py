"""Row numbers in problems count the file's lines: a blank line (or a '#' comment line) in
the middle of a BE, dose-proportionality, bioanalysis run or ISR file no longer shifts the
rows named below it (they were counted from the first data row, one too low per skipped
line). Expected rows are read off the files written here (header: row 1)."""

from __future__ import annotations

import json

import pytest

from kinetor.cli.main import main


@pytest.fixture(autouse=True)
def _plain_output_after():
    yield
    from kinetor.cli import _common

    _common.STATE.update(json=False, quiet=False, debug=False)


def _problems(capsys, argv):
    assert main(["--json", *argv]) == 3
    return json.loads(capsys.readouterr().out)["problems"]


def test_be_text_cell_below_a_blank_line(tmp_path, capsys):
    path = tmp_path / "be.csv"
    # lines: 1 header, 2-3 subject 1, 4 blank, 5-6 subject 2 ('x' on line 6)
    path.write_text(
        "subject,sequence,period,treatment,auc\n1,TR,1,T,100\n1,TR,2,R,110\n\n"
        "2,RT,1,R,90\n2,RT,2,T,x\n"
    )
    (p,) = _problems(capsys, ["be", str(path)])
    assert (p["row"], p["column"]) == (6, "auc")


def test_be_sequence_problem_names_both_rows_below_a_comment_line(tmp_path, capsys):
    path = tmp_path / "be.csv"
    # lines: 1 header, 2 comment, 3-4 subject 1, 5 blank, 6-7 subject 2 whose second row
    # says sequence TR where its first (line 6) says RT
    path.write_text(
        "subject,sequence,period,treatment,auc\n# study 12\n1,TR,1,T,100\n1,TR,2,R,110\n\n"
        "2,RT,1,R,90\n2,TR,2,T,95\n"
    )
    (p,) = _problems(capsys, ["be", str(path)])
    assert p["row"] == 7 and p["column"] == "sequence"
    assert "in row 6" in p["problem"]


def test_dose_proportionality_row_below_a_blank_line(tmp_path, capsys):
    path = tmp_path / "dp.csv"
    # lines: 1 header, 2 dose 10, 3 blank, 4 dose 20 with auc -5
    path.write_text("subject,dose,auc\n1,10,100\n\n2,20,-5\n3,40,400\n")
    (p,) = _problems(capsys, ["dose-prop", str(path), "--out", str(tmp_path / "o")])
    assert (p["row"], p["column"]) == (4, "auc")


def test_isr_row_below_a_blank_line(tmp_path, capsys):
    path = tmp_path / "isr.csv"
    # lines: 1 header, 2 S1, 3 blank, 4 S2 with repeat 'x'
    path.write_text("sample_id,original,repeat\nS1,100,105\n\nS2,100,x\n")
    (p,) = _problems(capsys, ["bioanalysis", "isr", str(path), "--out", str(tmp_path / "o")])
    assert (p["row"], p["column"]) == (4, "repeat")


def test_bioanalysis_run_row_below_a_blank_line(tmp_path, capsys):
    path = tmp_path / "run.csv"
    rows = ["sample_id,sample_type,nominal_conc,area_ratio,conc_unit,subject,time"]
    rows += [f"S{c},standard,{c},{0.002 * c:g},ng/mL,," for c in (1, 2, 5, 10, 50, 100)]
    rows += ["", "U1,unknown,,abc,ng/mL,R1,1"]  # line 8 blank, line 9 the unknown
    path.write_text("\n".join(rows) + "\n")
    problems = _problems(capsys, ["bioanalysis", "run", str(path), "--no-plot"])
    assert [(p["row"], p["column"]) for p in problems] == [(9, "area_ratio")]
