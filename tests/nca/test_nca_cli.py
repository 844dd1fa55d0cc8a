"""``kinetor nca`` through the real entry point."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kinetor.cli.main import main

FIX = Path(__file__).parent / "fixtures"


@pytest.fixture
def theoph_csv(tmp_path):
    d = pd.read_csv(FIX / "theoph.csv")
    d["route"] = "PO"
    path = tmp_path / "theoph.csv"
    d.to_csv(path, index=False)
    return path


def test_nca_command_writes_tidy_csvs(theoph_csv, tmp_path):
    out = tmp_path / "out"
    code = main(["--quiet", "nca", str(theoph_csv), "--time-unit", "h", "--conc-unit",
                 "mg/L", "--dose-unit", "mg/kg", "--auc-method", "linear", "--out", str(out)])
    assert code == 0
    for name in ("nca_parameters.csv", "nca_wide.csv", "nca_summary.csv", "nca_cdisc_pp.csv",
                 "nca_provenance.json", "report.html"):
        assert (out / name).exists(), name
    assert "Non-compartmental analysis" in (out / "report.html").read_text()
    wide = pd.read_csv(out / "nca_wide.csv")
    assert len(wide) == 12
    # Theoph subject 1, linear trapezoids (WinNonlin 148.92305; see test_nca_reference)
    s1 = wide[wide["subject"] == 1].iloc[0]
    assert s1["AUCLST"] == pytest.approx(148.92305, rel=1e-9)
    params = pd.read_csv(out / "nca_parameters.csv", keep_default_na=False)
    assert {"subject", "start", "end", "PPTESTCD", "value", "unit", "exclude"} <= set(
        params.columns)
    assert params.loc[params.PPTESTCD == "CLFO", "unit"].iloc[0] == "L/h/kg"
    summary = pd.read_csv(out / "nca_summary.csv")
    assert summary.loc[summary.PPTESTCD == "CMAX", "n"].iloc[0] == 12


def test_nca_command_rejects_a_bad_option(theoph_csv, tmp_path):
    code = main(["--quiet", "nca", str(theoph_csv), "--time-unit", "h", "--conc-unit",
                 "mg/L", "--dose-unit", "mg/kg", "--auc-method", "log", "--out",
                 str(tmp_path / "o")])
    assert code == 2


def test_nca_command_rejects_bad_data(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame({"subject": [1, 1, 1], "time": [0, 1, 2], "conc": [0.0, -3.0, 1.0],
                  "dose": 5.0, "route": "PO"}).to_csv(path, index=False)
    code = main(["--quiet", "nca", str(path), "--time-unit", "h", "--conc-unit", "ng/mL",
                 "--dose-unit", "mg", "--out", str(tmp_path / "o")])
    assert code == 3
