"""`kinetor store` on careless use: a mistyped store path is not created by a command
that only reads, a file that is not a store is never turned into one, a lock needs a
reason, and locking a locked result says so (one audit entry)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.store import Store

FIX = Path(__file__).parents[1] / "nca" / "fixtures"


@pytest.mark.parametrize("what", ["results", "projects", "audit"])
def test_read_only_commands_do_not_create_a_store(tmp_path, capsys, what):
    target = tmp_path / "nonexist_dir" / "x.db"
    assert main(["--json", "store", "list", what, "--store", str(target)]) == 3
    msg = json.loads(capsys.readouterr().out)["message"]
    assert f"no store at {target}" in msg
    assert not target.parent.exists()
    assert main(["--quiet", "store", "show", "1", "--store", str(target)]) == 3
    assert main(["--quiet", "store", "lock", "1", "--reason", "QC", "--store", str(target)]) == 3
    assert not target.parent.exists()


@pytest.mark.parametrize("content", [b"", b"subject,time,conc\n1,0,0\n"])
def test_a_file_that_is_not_a_store_is_never_turned_into_one(tmp_path, capsys, content):
    f = tmp_path / "afile"
    f.write_bytes(content)
    assert main(["--json", "store", "list", "--store", str(f)]) == 3
    assert "is not a kinetor store" in json.loads(capsys.readouterr().out)["message"]
    # a command that saves refuses it too, before writing any output
    src = tmp_path / "theoph.csv"
    pd.read_csv(FIX / "theoph.csv").assign(route="PO").to_csv(src, index=False)
    out = tmp_path / "o"
    args = ["--quiet", "nca", str(src), "--time-unit", "h", "--conc-unit", "mg/L"]
    assert main([*args, "--dose-unit", "mg/kg", "--store", str(f), "--out", str(out)]) == 3
    assert f.read_bytes() == content and not out.exists()


def test_lock_needs_a_reason_and_a_second_lock_says_it_is_locked(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    st = Store(url)
    sid = st.add_study(st.create_project("P", user="ana"), "pk.csv", b"x", user="ana")
    st.save_result(sid, "nca", {}, {"t.csv": b"x"}, user="ana")
    st.close()
    lock = ["store", "lock", "1", "--store", url, "--user", "ana", "--reason"]
    assert main([*lock, ""]) == 2
    assert "a lock needs a reason" in " ".join(capsys.readouterr().err.split())
    assert main([*lock, "  "]) == 2
    assert main([*lock, "QC passed"]) == 0
    assert "result 1 locked" in capsys.readouterr().out
    assert main([*lock, "QC again"]) == 0
    assert "result 1 is already locked" in capsys.readouterr().out
    st = Store(url)
    locks = [a for a in st.audit("ana") if a["action"] == "result.lock"]
    st.close()
    assert [a["reason"] for a in locks] == ["QC passed"]
