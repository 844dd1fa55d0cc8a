"""``kinetor nca --store`` and ``kinetor store list|show|export|lock`` end to end."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.store import Store

FIX = Path(__file__).parents[1] / "nca" / "fixtures"


def test_nca_saves_to_store_and_store_commands(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KINETOR_USER", "ana")
    d = pd.read_csv(FIX / "theoph.csv")
    d["route"] = "PO"
    src = tmp_path / "theoph.csv"
    d.to_csv(src, index=False)
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    args = [
        "--quiet",
        "nca",
        str(src),
        "--time-unit",
        "h",
        "--conc-unit",
        "mg/L",
        "--dose-unit",
        "mg/kg",
        "--auc-method",
        "linear",
        "--no-report",
        "--store",
        url,
        "--project",
        "theoph",
    ]
    assert main([*args, "--out", str(tmp_path / "o1")]) == 0
    assert main(["--quiet", "store", "lock", "1", "--reason", "QC passed", "--store", url]) == 0
    assert main([*args, "--out", str(tmp_path / "o2"), "--lambda-z-exclude", "1:24.37"]) == 0
    st = Store(url)
    res = st.results("ana")
    assert [(r["study_id"], r["version"], r["locked"]) for r in res] == [
        (1, 1, True),
        (1, 2, False),
    ]
    study = st.study(1, "ana")
    assert study["data"] == src.read_bytes()
    assert study["sha256"] == hashlib.sha256(src.read_bytes()).hexdigest()
    wide = pd.read_csv(pd.io.common.BytesIO(st.blob(1, "nca_wide.csv", "ana")))
    s1 = wide[wide["subject"] == 1].iloc[0]
    assert s1["AUCLST"] == pytest.approx(148.92305, rel=1e-9)  # WinNonlin, linear
    assert st.result(2, "ana")["analysis"]["options"]["lambda_z_exclude"] == [
        {"subject": "1", "time": 24.37}
    ]
    assert st.audit("ana")[-1]["action"] == "result.save"
    st.close()
    capsys.readouterr()
    assert main(["--json", "store", "show", "1", "--store", url]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["locked"] and shown["audit"][-1]["reason"] == "QC passed"
    assert (
        main(["--quiet", "store", "export", "1", "--out", str(tmp_path / "ex"), "--store", url])
        == 0
    )
    assert (tmp_path / "ex" / "study_theoph.csv").read_bytes() == src.read_bytes()
    prov = json.loads((tmp_path / "ex" / "provenance.json").read_text())
    assert prov["version"] == 1 and prov["analysis"]["options"]["auc_method"] == "linear"
    # another user sees nothing; unknown ids and bad stores are errors, not tracebacks
    assert main(["--quiet", "store", "show", "1", "--store", url, "--user", "ben"]) == 3
    assert main(["--quiet", "store", "list", "bogus", "--store", url]) == 3
    assert (
        main(["--quiet", "store", "list", "--store", "postgresql://nobody@127.0.0.1:1/none"]) == 3
    )
