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
    code = main(
        [
            "--quiet",
            "nca",
            str(theoph_csv),
            "--time-unit",
            "h",
            "--conc-unit",
            "mg/L",
            "--dose-unit",
            "mg/kg",
            "--auc-method",
            "linear",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    for name in (
        "nca_parameters.csv",
        "nca_wide.csv",
        "nca_summary.csv",
        "nca_cdisc_pp.csv",
        "nca_provenance.json",
        "report.html",
    ):
        assert (out / name).exists(), name
    assert "Non-compartmental analysis" in (out / "report.html").read_text()
    wide = pd.read_csv(out / "nca_wide.csv")
    assert len(wide) == 12
    # Theoph subject 1, linear trapezoids (WinNonlin 148.92305; see test_nca_reference)
    s1 = wide[wide["subject"] == 1].iloc[0]
    assert s1["AUCLST"] == pytest.approx(148.92305, rel=1e-9)
    params = pd.read_csv(out / "nca_parameters.csv", keep_default_na=False)
    assert {"subject", "start", "end", "PPTESTCD", "value", "unit", "exclude"} <= set(
        params.columns
    )
    assert params.loc[params.PPTESTCD == "CLFO", "unit"].iloc[0] == "L/h/kg"
    summary = pd.read_csv(out / "nca_summary.csv")
    assert summary.loc[summary.PPTESTCD == "CMAX", "n"].iloc[0] == 12


def test_nca_command_rejects_a_bad_option(theoph_csv, tmp_path):
    code = main(
        [
            "--quiet",
            "nca",
            str(theoph_csv),
            "--time-unit",
            "h",
            "--conc-unit",
            "mg/L",
            "--dose-unit",
            "mg/kg",
            "--auc-method",
            "log",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 2


def test_nca_command_rejects_bad_data(tmp_path):
    path = tmp_path / "bad.csv"
    pd.DataFrame(
        {
            "subject": [1, 1, 1],
            "time": [0, 1, 2],
            "conc": [0.0, -3.0, 1.0],
            "dose": 5.0,
            "route": "PO",
        }
    ).to_csv(path, index=False)
    code = main(
        [
            "--quiet",
            "nca",
            str(path),
            "--time-unit",
            "h",
            "--conc-unit",
            "ng/mL",
            "--dose-unit",
            "mg",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert code == 3


def _md_csv(tmp_path):
    # doses of 100 mg PO at 0, 24, 48, 72 h on rows of the concentration table
    times = [0.0, 1, 4, 24, 48, 72, 73, 84, 96, 120, 144]
    concs = [0.0, 5, 4, 2, 2.5, 3.0, 10, 8, 4, 2, 1]
    d = pd.DataFrame({"subject": 1, "time": times, "conc": concs})
    doses = pd.DataFrame({"subject": 1, "time": [0.0, 24, 48, 72], "dose": 100.0, "route": "PO"})
    d.to_csv(tmp_path / "md.csv", index=False)
    doses.to_csv(tmp_path / "md_doses.csv", index=False)
    return tmp_path / "md.csv", tmp_path / "md_doses.csv"


def test_nca_command_interval_options(tmp_path, capsys):
    conc, doses = _md_csv(tmp_path)
    out = tmp_path / "o1"
    base = [
        "nca",
        str(conc),
        "--doses",
        str(doses),
        "--time-unit",
        "h",
        "--conc-unit",
        "mg/L",
        "--dose-unit",
        "mg",
        "--no-report",
        "--auc-method",
        "linear",
    ]
    assert main([*base, "--interval", "72-96", "--out", str(out)]) == 0
    wide = pd.read_csv(out / "nca_wide.csv")
    assert wide[["start", "end"]].values.tolist() == [[72.0, 96.0]]
    assert wide["AUCTAU"].iloc[0] == pytest.approx(6.5 + 99 + 72, rel=1e-12)
    printed = capsys.readouterr().out
    assert "interval 72-96 h" in printed
    # the same from a file, with a partial area
    ivf = tmp_path / "iv.csv"
    pd.DataFrame({"start": [72.0, 96.0], "end": [96.0, 144.0], "kind": ["tau", "partial"]}).to_csv(
        ivf, index=False
    )
    out2 = tmp_path / "o2"
    assert main(["--quiet", *base, "--intervals", str(ivf), "--out", str(out2)]) == 0
    params = pd.read_csv(out2 / "nca_parameters.csv")
    assert {"AUCTAU", "AUCINT"} <= set(params.PPTESTCD)
    # a malformed interval is a data error (exit 3), not a traceback
    assert main(["--quiet", *base, "--interval", "96-72", "--out", str(tmp_path / "o3")]) == 3
    pd.DataFrame({"start": ["x"], "end": [1]}).to_csv(ivf, index=False)
    assert main(["--quiet", *base, "--intervals", str(ivf), "--out", str(tmp_path / "o4")]) == 3


def test_nca_command_labels_each_interval_block(tmp_path, capsys):
    conc, doses = _md_csv(tmp_path)
    assert (
        main(
            [
                "nca",
                str(conc),
                "--doses",
                str(doses),
                "--time-unit",
                "h",
                "--conc-unit",
                "mg/L",
                "--dose-unit",
                "mg",
                "--no-report",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    # day 1 and the last dose are analysed; the trough-only days are not
    assert "interval 0-24 h" in printed and "interval 72-96 h" in printed
    assert ", interval 24-48 h" not in printed and ", interval 48-72 h" not in printed
    # and the text output says why (the notes of the result)
    assert "note: dosing interval 24-48 h of subject 1" in printed


def test_nca_command_global_lloq(tmp_path):
    path = tmp_path / "lab.csv"
    pd.DataFrame(
        {
            "subject": 1,
            "time": [0, 1, 2, 4, 8, 12],
            "conc": ["BLQ", "5", "4", "2", "1", "0.2"],
            "dose": 1.0,
            "route": "PO",
        }
    ).to_csv(path, index=False)
    out = tmp_path / "o"
    assert (
        main(
            [
                "--quiet",
                "nca",
                str(path),
                "--time-unit",
                "h",
                "--conc-unit",
                "ng/mL",
                "--dose-unit",
                "mg",
                "--lloq",
                "0.5",
                "--no-report",
                "--auc-method",
                "linear",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    wide = pd.read_csv(out / "nca_wide.csv")
    # 0.2 < LLOQ 0.5 is BLQ after Tlast: 0 under the PKNCA rule, so Tlast = 8 h
    assert wide["TLST"].iloc[0] == 8.0
    assert wide["AUCALL"].iloc[0] == pytest.approx(2.5 + 4.5 + 6 + 6 + 4 * 0.5, rel=1e-12)


def test_nca_command_flags_are_columns_and_exclusion_is_opt_in(theoph_csv, tmp_path):
    base = [
        "--quiet",
        "nca",
        str(theoph_csv),
        "--time-unit",
        "h",
        "--conc-unit",
        "mg/L",
        "--dose-unit",
        "mg/kg",
        "--no-report",
    ]
    assert main([*base, "--out", str(tmp_path / "a")]) == 0
    assert main([*base, "--exclude-flagged", "--out", str(tmp_path / "b")]) == 0
    wide = pd.read_csv(tmp_path / "a" / "nca_wide.csv", keep_default_na=False)
    params = pd.read_csv(tmp_path / "a" / "nca_parameters.csv", keep_default_na=False)
    assert "flag" in wide.columns and "flag" in params.columns
    flagged = params[(params.PPTESTCD == "AUCIFO") & (params.flag != "")]
    assert len(flagged) >= 1  # Theoph has AUC%extrap > 20 % subjects
    n_flag = len(flagged)
    a = pd.read_csv(tmp_path / "a" / "nca_summary.csv").set_index("PPTESTCD")
    b = pd.read_csv(tmp_path / "b" / "nca_summary.csv").set_index("PPTESTCD")
    assert a.loc["AUCIFO", "n"] == 12 and a.loc["AUCIFO", "n_flagged"] == n_flag
    assert b.loc["AUCIFO", "n"] == 12 - n_flag
