"""Unknown names given to ``kinetor compounds``: errors that list what is known, never an
internal error or an empty table with exit 0; and the README's count of the library."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import kinetor.compounds as kc
from kinetor.cli.main import main

ROOT = Path(__file__).resolve().parents[2]


def test_trials_unknown_agent_lists_the_library(capsys):
    capsys.readouterr()
    assert main(["--json", "compounds", "trials", "--agent", "foo"]) == 3
    (prob,) = json.loads(capsys.readouterr().out)["problems"]
    assert prob["column"] == "--agent" and "no compound 'foo'" in prob["problem"]
    assert "everolimus" in prob["fix"] and "vistusertib" in prob["fix"]


def test_show_unknown_name_lists_the_library_and_the_closest(capsys):
    capsys.readouterr()
    assert main(["--json", "compounds", "show", "foo"]) == 3
    (prob,) = json.loads(capsys.readouterr().out)["problems"]
    assert "alpelisib" in prob["fix"] and "wye-354" in prob["fix"]
    capsys.readouterr()
    assert main(["--json", "compounds", "show", "vistusertb"]) == 3
    (prob,) = json.loads(capsys.readouterr().out)["problems"]
    assert "did you mean vistusertib" in prob["problem"]


@pytest.mark.parametrize(
    ("option", "value", "known"),
    [("--class", "foo", "rapalog"), ("--class", "MEK", "mek"), ("--target", "FOO", "PIK3CA")],
)
def test_list_unknown_class_or_target_is_a_usage_error(capsys, option, value, known):
    assert main(["compounds", "list", option, value]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert option in err and known in err


def test_list_target_ignores_case():
    assert main(["--quiet", "compounds", "list", "--target", "pik3ca"]) == 0


def test_readme_states_the_library_size():
    n = len(kc.load_library())
    text = (ROOT / "README.md").read_text()
    stated = re.findall(r"(\d+) PI3K/AKT/mTOR-pathway compounds", text)
    assert stated == [str(n)]
