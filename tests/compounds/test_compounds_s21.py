"""Audit s21 (compounds): a user clinical table's bad cells are DataErrors naming the file
line and column; the phase filter ignores case and matches the leading phase token (also
``kinetor compounds trials --phase``); a mixed per-kg PK set names its file; octreotide's
molecular weight is its formula weight."""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from compounds_testlib import make

import kinetor.compounds as kc
from kinetor.cli import _common
from kinetor.cli.main import main
from kinetor.compounds.clinical_trials import _COLUMNS, TRIALS_FILE
from kinetor.errors import DataError, UnitError

HEADER = ",".join(_COLUMNS) + "\n"
GOOD = "T1,everolimus,x,Renal,III,,,,x,,,{accrual},src,firm,\n"


def _write(tmp_path, body: str, name: str = "trials.csv"):
    p = tmp_path / name
    p.write_text(HEADER + body)
    return p


def test_non_numeric_planned_accrual_names_line_and_column(tmp_path):
    p = _write(tmp_path, GOOD.format(accrual="120") + GOOD.format(accrual="abc"))
    with pytest.raises(DataError) as err:
        kc.load_trials(p)
    (prob,) = err.value.problems
    assert (prob.file, prob.row, prob.column) == ("trials.csv", 3, "planned_accrual")
    assert "'abc'" in prob.message and prob.fix


def test_planned_accrual_numbers_are_read(tmp_path):
    p = _write(tmp_path, GOOD.format(accrual="120") + GOOD.format(accrual=""))
    got = kc.load_trials(p)["planned_accrual"]
    assert got.iloc[0] == 120.0 and pd.isna(got.iloc[1])


def test_a_row_with_an_extra_cell_names_its_line(tmp_path):
    p = _write(tmp_path, GOOD.format(accrual="120") + GOOD.format(accrual="5").strip() + ",X\n")
    with pytest.raises(DataError) as err:
        kc.load_trials(p)
    (prob,) = err.value.problems
    assert (prob.file, prob.row) == ("trials.csv", 3)
    assert "16 cells but the header has 15 columns" in prob.message and prob.fix


def test_rows_are_numbered_by_file_line_after_a_multi_line_cell(tmp_path):
    # line 1 header; lines 2-3 one record (a quoted cell over two lines); line 4 a bad agent;
    # line 5 a bad status
    p = _write(
        tmp_path,
        'T1,everolimus,x,"Renal\n(multi-line)",III,,,,x,,,,src,firm,\n'
        "T1,rapamycn,x,Renal,III,,,,x,,,,src,firm,\n"
        "T1,everolimus,x,Renal,III,,,,x,,,,src,Firm,\n",
    )
    with pytest.raises(DataError) as err:
        kc.load_trials(p)
    got = [(q.row, q.column) for q in err.value.problems]
    assert got == [(4, "agent"), (5, "status")]
    assert all(q.file == "trials.csv" and q.fix for q in err.value.problems)


def _phases() -> list[str]:
    with open(TRIALS_FILE, newline="", encoding="utf-8") as f:
        return [row["phase"] for row in csv.DictReader(f)]


def test_phase_filter_ignores_case_and_matches_the_leading_token():
    phases = _phases()  # read here with the csv module, not by the code under test
    n_iii = sum(p in ("III", "III (failed)") for p in phases)
    assert n_iii > 0 and "III (failed)" in phases
    assert len(kc.trials(phase="iii")) == n_iii
    assert len(kc.trials(phase="III")) == n_iii
    assert kc.trials(phase="iii (FAILED)")["phase"].tolist() == ["III (failed)"]
    assert len(kc.trials(phase="i")) == phases.count("I")  # not I/II
    assert len(kc.trials(phase="Approved")) == phases.count("approved")


def test_cli_trials_phase_option(tmp_path):
    _common.STATE.update(debug=False, quiet=False, json=False)
    out = tmp_path / "o"
    assert main(["--quiet", "compounds", "trials", "--phase", "iii", "--out", str(out)]) == 0
    got = pd.read_csv(out / "trials.csv")
    assert sorted(set(got["phase"])) == ["III", "III (failed)"]
    assert len(got) == sum(p in ("III", "III (failed)") for p in _phases())
    _common.STATE.update(debug=False, quiet=False, json=False)
    assert main(["--quiet", "compounds", "trials", "--phase", "IV"]) == 2


def test_mixed_per_kg_pk_set_names_the_library_file():
    c = make(
        """
[[pk]]
species = "mouse"
route = "oral"
kind = "model"
model = "1cmt"
source = "hand-built test entry"
status = "assumption"
derivation = "x"
[pk.parameters]
cl = { value = 1, unit = "L/h/kg" }
v = { value = 100, unit = "L" }
ka = { value = 1, unit = "1/h" }
"""
    )
    with pytest.raises(UnitError, match=r"^test\.toml: .*mix per-kg and absolute units"):
        c.pk_params("mouse")


def test_octreotide_mw_is_its_formula_weight():
    # C49H66N10O10S2 with standard atomic weights (CIAAW; S the midpoint of its interval
    # [32.059, 32.076]): 49*12.011 + 66*1.008 + 10*14.007 + 10*15.999 + 2*32.0675
    c = kc.get("octreotide")
    assert c.identity["formula"].value == "C49H66N10O10S2"
    weight = 49 * 12.011 + 66 * 1.008 + 10 * 14.007 + 10 * 15.999 + 2 * 32.0675
    assert weight == pytest.approx(1019.262, abs=1e-3)
    assert c.mw == round(weight, 1) == 1019.3
