"""`kinetor compounds ...` through the real entry point."""

from __future__ import annotations

import json

import pandas as pd

from kinetor.cli import _common
from kinetor.cli.main import main


def _reset():
    _common.STATE.update(debug=False, quiet=False, json=False)


def test_list_show_check_exit_zero(tmp_path):
    for argv in (
        ["compounds", "list"],
        ["compounds", "list", "--class", "rapalog"],
        ["compounds", "show", "AZD2014"],
        ["compounds", "check"],
        ["compounds", "trials", "--agent", "everolimus"],
    ):
        _reset()
        assert main(["--quiet", *argv]) == 0, argv


def test_check_json_lists_findings(capsys):
    _reset()
    assert main(["compounds", "check", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    checks = {(r["compound"], r["check"]) for r in payload["rows"]}
    assert ("vistusertib", "auc_vs_cmax_half_life") in checks
    _reset()


def test_check_out_writes_csv(tmp_path):
    _reset()
    assert main(["--quiet", "compounds", "check", "--out", str(tmp_path)]) == 0
    df = pd.read_csv(tmp_path / "compound_findings.csv")
    assert "finding" in df.columns and len(df) >= 2


def test_show_json_has_every_section(capsys):
    _reset()
    assert main(["--json", "compounds", "show", "vistusertib"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["name"] == "vistusertib" and d["synonyms"] == ["AZD2014"]
    assert {"potency", "binding", "pk", "schedules", "gaps", "findings"} <= set(d)
    _reset()


def test_show_unknown_compound_is_rejected():
    _reset()
    assert main(["--quiet", "compounds", "show", "nosuchdrug"]) == 3
