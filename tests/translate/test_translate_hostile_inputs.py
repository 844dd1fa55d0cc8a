"""Hostile inputs to the evidence tables, ``kinetor evidence`` and ``kinetor simulate``:
bad numbers, signs, units, repeated rows, empty files and option values are refused with
the file, row and column (exit 3) or as usage errors (exit 2); an export round-trips."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError, ModelError
from kinetor.translate import evidence as ev
from kinetor.translate.arms import drug_model
from kinetor.translate.tumors import get_tumor

SIMULATE = ["simulate", "--compound", "vistusertib", "--regimen", "15 mg/kg PO QD x 21 days"]


def _copy(tmp_path, name):
    dst = tmp_path / name
    shutil.copy(ev.DATA_DIR / name, dst)
    return dst


def _edit(path, row, col, value):
    """Set one cell (row counted as in the error messages: header = 1)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df.loc[row - 2, col] = value
    df.to_csv(path, index=False)


def _where(exc):
    return {(p.file, p.row, p.column) for p in exc.value.problems}


def _first_row(path, col, value):
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    return int(np.flatnonzero(df[col] == value)[0]) + 2


# ------------------------------------------------------------------ arms


def test_arm_dose_text_and_negative_are_refused(tmp_path):
    p = _copy(tmp_path, "xenograft_arms.csv")
    _edit(p, 2, "dose_mg_kg", "abc")
    _edit(p, 3, "dose_mg_kg", "-150")
    with pytest.raises(DataError) as exc:
        ev.load_xenograft_arms(p)
    got = _where(exc)
    assert ("xenograft_arms.csv", 2, "dose_mg_kg") in got
    assert ("xenograft_arms.csv", 3, "dose_mg_kg") in got


def test_combination_dose_needs_one_number_per_compound(tmp_path):
    p = _copy(tmp_path, "xenograft_arms.csv")
    row = _first_row(p, "dose_mg_kg", "50+100")
    _edit(p, row, "dose_mg_kg", "50+100+7")
    with pytest.raises(DataError, match="3 doses for 2 compounds") as exc:
        ev.load_xenograft_arms(p)
    assert ("xenograft_arms.csv", row, "dose_mg_kg") in _where(exc)


def test_repeated_arm_row_is_flagged(tmp_path):
    p = _copy(tmp_path, "xenograft_arms.csv")
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    pd.concat([df, df.iloc[[0]]]).to_csv(p, index=False)
    with pytest.raises(DataError, match="repeats row 2") as exc:
        ev.load_xenograft_arms(p)
    assert ("xenograft_arms.csv", len(df) + 2, "arm") in _where(exc)


def test_arm_counts_and_signs(tmp_path):
    p = _copy(tmp_path, "xenograft_arms.csv")
    _edit(p, 2, "n", "6.5")
    _edit(p, 3, "treatment_days", "-21")
    with pytest.raises(DataError) as exc:
        ev.load_xenograft_arms(p)
    got = _where(exc)
    assert ("xenograft_arms.csv", 2, "n") in got
    assert ("xenograft_arms.csv", 3, "treatment_days") in got


# ------------------------------------------------------------------ PK sets


def test_pk_unit_that_is_not_a_clearance_and_negative_clearance(tmp_path):
    p = _copy(tmp_path, "pk_sets.csv")
    cl = _first_row(p, "parameter", "CL")
    _edit(p, cl, "unit", "furlongs")
    cl2 = _first_row(p, "parameter", "Vss")
    _edit(p, cl2, "value", "-5")
    with pytest.raises(DataError) as exc:
        ev.load_pk_sets(p)
    got = _where(exc)
    assert ("pk_sets.csv", cl, "unit") in got
    assert ("pk_sets.csv", cl2, "value") in got


@pytest.mark.parametrize(
    ("parameter", "unit", "ok"),
    [
        ("CL", "mL/min/kg", True),
        ("CL", "L/h", True),
        ("CL", "L", False),
        ("Vss", "L/kg", True),
        ("Vss", "L/h", False),
        ("t1/2", "day", True),
        ("t1/2", "ng/mL", False),
        ("F", "%", True),
        ("F", "h", False),
        ("Cmax", "nM", True),
        ("AUC", "ng*h/mL", True),
        ("AUC", "ng/mL", False),
    ],
)
def test_pk_unit_by_parameter(tmp_path, parameter, unit, ok):
    p = _copy(tmp_path, "pk_sets.csv")
    row = _first_row(p, "parameter", "CL")
    _edit(p, row, "parameter", parameter)
    _edit(p, row, "unit", unit)
    if ok:
        ev.load_pk_sets(p)
    else:
        with pytest.raises(DataError) as exc:
            ev.load_pk_sets(p)
        assert ("pk_sets.csv", row, "unit") in _where(exc)


def test_shipped_tables_still_pass():
    for load in (
        ev.load_pk_sets,
        ev.load_xenograft_studies,
        ev.load_xenograft_arms,
        ev.load_pkpd,
        ev.load_clinical_pd,
    ):
        assert len(load()) > 0


# ------------------------------------------------------------------ CLI evidence


def test_evidence_check_of_an_empty_file_names_it(tmp_path, capsys):
    p = tmp_path / "ev_empty.csv"
    p.write_text("")
    assert main(["evidence", "check", str(p), "--table", "arms"]) == 3
    assert "internal error" not in capsys.readouterr().err
    capsys.readouterr()
    assert main(["--json", "evidence", "check", str(p), "--table", "arms"]) == 3
    (prob,) = json.loads(capsys.readouterr().out)["problems"]
    assert prob["file"] == "ev_empty.csv" and "empty" in prob["problem"]


@pytest.mark.parametrize("table", ["pk", "studies", "arms", "pkpd", "clinical"])
def test_show_all_export_round_trips_through_check(tmp_path, capsys, table):
    out = tmp_path / f"{table}.csv"
    assert main(["--quiet", "evidence", "show", table, "--all", "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["--json", "evidence", "check", str(out), "--table", table]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] and doc["rows"] == len(pd.read_csv(out))
    assert "usable" in doc["ignored_columns"]


def test_check_still_rejects_a_column_it_does_not_know(tmp_path):
    p = _copy(tmp_path, "xenograft_arms.csv")
    df = pd.read_csv(p, dtype=str, keep_default_na=False)
    df.assign(colour="red").to_csv(p, index=False)
    with pytest.raises(DataError) as exc:
        ev.load_xenograft_arms(p)
    assert ("xenograft_arms.csv", None, "colour") in _where(exc)


# ------------------------------------------------------------------ simulate


@pytest.mark.parametrize(
    ("extra", "option"),
    [
        (["--tumor-param", "kill_rate=abc"], "--tumor-param"),
        (["--tumor-param", "n_transit=2.5"], "--tumor-param"),
        (["--max-glucose", "-1"], "--max-glucose"),
        (["--max-glucose", "0"], "--max-glucose"),
    ],
)
def test_simulate_bad_option_is_a_usage_error(tmp_path, capsys, extra, option):
    out = tmp_path / "s"
    assert main([*SIMULATE, *extra, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert option in err and "internal error" not in err
    assert not out.exists()


def test_tumor_spec_text_in_a_number_is_a_model_error():
    with pytest.raises(ModelError, match="kill_rate = 'abc' is not a number"):
        get_tumor({"base": "MCF7", "kill_rate": "abc"})


def test_user_pk_must_be_the_whole_set():
    with pytest.raises(ModelError) as exc:
        drug_model("vistusertib", "mouse", pk={"cl": 20.0})
    msg = str(exc.value)
    assert "whole set" in msg and "cl, v" in msg and "missing: v" in msg
    # the command-line form names the compound (--pk-param COMPOUND.NAME=VALUE)
    assert "--pk-param vistusertib.cl=... --pk-param vistusertib.v=..." in msg


@pytest.mark.parametrize("fu", [1.5, 0.0, -0.1, "abc"])
def test_user_fu_must_be_a_fraction(fu):
    with pytest.raises(ModelError, match=r"must be a fraction unbound in \(0, 1\]"):
        drug_model("vistusertib", "mouse", pk={"cl": "1 L/h", "v": "1 L", "fu": fu})


def test_fu_alone_names_both_problems():
    with pytest.raises(ModelError) as exc:
        drug_model("vistusertib", "mouse", pk={"fu": 1.5})
    msg = str(exc.value)
    assert "(0, 1]" in msg and "missing: cl, v" in msg


def test_simulate_help_lists_every_optimise_file(capsys):
    assert main(["simulate", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for name in ("schedules.csv", "frontier.csv", "best.json", "tradeoff.png"):
        assert name in text
