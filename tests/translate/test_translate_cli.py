"""``kinetor simulate`` through the real entry point."""

import json

import pandas as pd

from kinetor.cli.main import main


def test_simulate_writes_tables_plots_and_report(tmp_path):
    out = tmp_path / "out"
    code = main(
        [
            "--quiet",
            "simulate",
            "--compound",
            "vistusertib",
            "--species",
            "mouse",
            "--tumor",
            "MCF7",
            "--regimen",
            "15 mg/kg PO QD x 14 days",
            "--arm",
            "Low=vistusertib:5 mg/kg PO QD x 14 days",
            "--n-animals",
            "3",
            "--seed",
            "2",
            "--no-noise",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    for name in (
        "pk.csv",
        "biomarkers.csv",
        "tumor.csv",
        "tgi.csv",
        "summary.csv",
        "settings.json",
        "pk.png",
        "biomarkers.png",
        "tumor.png",
        "report.html",
    ):
        assert (out / name).exists(), name
    tgi = pd.read_csv(out / "tgi.csv").set_index("arm")
    assert set(tgi.index) == {"Vehicle", "vistusertib 15 mg/kg PO QD x 14 days", "Low"}
    assert tgi.loc["Vehicle", "tgi_pct"] == 0.0
    assert json.loads((out / "settings.json").read_text())["seed"] == 2
    assert "<html" in (out / "report.html").read_text().lower()


def test_simulate_user_pk_for_a_combination_partner(tmp_path):
    code = main(
        [
            "--quiet",
            "simulate",
            "--arm",
            "Combo=vistusertib:15 mg/kg PO QD x 7 days+everolimus:5 mg/kg PO QD x 7 days",
            "--pk-param",
            "everolimus.model=1cmt",
            "--pk-param",
            "everolimus.cl=0.5 L/h/kg",
            "--pk-param",
            "everolimus.v=5 L/kg",
            "--pk-param",
            "everolimus.ka=1 1/h",
            "--pk-param",
            "everolimus.f=0.3",
            "--pk-param",
            "everolimus.fu=0.1",
            "--n-animals",
            "2",
            "--no-report",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    pk = pd.read_csv(tmp_path / "pk.csv")
    assert set(pk["compound"]) == {"vistusertib", "everolimus"}


def test_simulate_rejections(tmp_path):
    base = ["--quiet", "simulate", "--out", str(tmp_path)]
    # no human PK for vistusertib in the library: a ModelError naming the gap (exit 3)
    assert (
        main(
            [
                *base,
                "--compound",
                "vistusertib",
                "--species",
                "human",
                "--regimen",
                "50 mg PO BID x 7 days",
            ]
        )
        == 3
    )
    assert (
        main(
            [
                *base,
                "--compound",
                "vistusertib",
                "--regimen",
                "15 mg/kg PO QD x 7 days",
                "--tumor",
                "HeLa-xyz",
            ]
        )
        == 3
    )
    assert main([*base, "--arm", "no-equals-sign"]) == 3
    assert (
        main(
            [
                *base,
                "--compound",
                "vistusertib",
                "--regimen",
                "15 mg/kg PO QD x 7 days",
                "--pathway-mode",
                "fast",
            ]
        )
        == 2
    )
    assert main([*base]) == 2


def test_simulate_human_with_user_pk_json(tmp_path, capsys):
    code = main(
        [
            "--json",
            "simulate",
            "--compound",
            "vistusertib",
            "--species",
            "human",
            "--regimen",
            "50 mg PO BID x 7 days",
            "--no-vehicle",
            "--pk-param",
            "model=1cmt",
            "--pk-param",
            "cl=20 L/h",
            "--pk-param",
            "v=100 L",
            "--pk-param",
            "ka=1 1/h",
            "--pk-param",
            "f=0.5",
            "--n-animals",
            "2",
            "--no-report",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["tgi"] == [] and len(payload["summary"]) == 1
