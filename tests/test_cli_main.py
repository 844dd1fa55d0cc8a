"""The CLI entry point: fast start (no heavy imports), exit codes, error rendering."""

import json
import subprocess
import sys

import pytest

from kinetor.cli.main import main

HEAVY = ("pandas", "numpy", "pint", "matplotlib", "roadrunner", "numba", "scipy", "antimony")


def test_help_imports_nothing_heavy():
    # `kinetor --help` must stay fast: importing the CLI (and every command module it
    # discovers) may not pull in the scientific stack. Checked in a fresh interpreter.
    code = (
        f"import sys, kinetor.cli.main; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"heavy modules imported at CLI start-up: {out}"


def test_import_kinetor_is_light():
    code = f"import sys, kinetor; print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == ""


def test_help_exit_code(capsys):
    assert main(["--help"]) == 0
    assert "Usage" in capsys.readouterr().out


def test_unknown_command_is_a_usage_error():
    assert main(["no-such-command"]) == 2


def test_entry_point_script_runs():
    res = subprocess.run(
        [sys.executable, "-m", "kinetor.cli.main", "--help"], capture_output=True, text=True
    )
    assert res.returncode == 0 and "kinetor" in res.stdout


@pytest.mark.parametrize("flag", ["--quiet", "--json", "--debug"])
def test_global_flags_are_accepted(flag):
    assert main([flag, "--help"]) == 0


def test_data_error_rendering_json(capsys):
    from kinetor.cli import _common
    from kinetor.errors import DataError, Problem

    _common.STATE.update(json=True)
    try:
        code = _common.report_error(
            DataError([Problem("bad", file="f.csv", row=2, column="conc", fix="fix it")])
        )
    finally:
        _common.STATE.update(json=False)
    assert code == 3
    payload = json.loads(capsys.readouterr().out)
    assert payload["problems"][0] == {
        "file": "f.csv",
        "row": 2,
        "column": "conc",
        "problem": "bad",
        "fix": "fix it",
    }


def test_internal_error_without_traceback(capsys):
    from kinetor.cli import _common

    assert _common.report_error(RuntimeError("boom")) == 1
    err = capsys.readouterr().err
    assert "internal error" in err and "Traceback" not in err


def test_json_output_is_strict_json_with_null_for_nan(capsys):
    import numpy as np

    from kinetor.cli import _common

    _common.emit_json({"a": float("nan"), "b": [np.float64("inf"), 1.5], "c": {"d": -np.inf}})
    text = capsys.readouterr().out
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"a": None, "b": [None, 1.5], "c": {"d": None}}


def test_an_empty_file_a_reader_missed_is_a_data_problem_not_an_internal_error(capsys):
    import pandas as pd

    from kinetor.cli import _common

    assert _common.report_error(pd.errors.EmptyDataError("No columns to parse from file")) == 3
    err = capsys.readouterr().err
    assert "input file is empty" in err and "internal error" not in err
