"""``kinetor simulate --replicates/--power/--optimise/--tumor-param``."""

import json

import pandas as pd
import pytest

from kinetor.cli.main import main


@pytest.mark.slow
def test_simulate_with_intervals_and_power(tmp_path):
    out = tmp_path / "out"
    code = main(
        [
            "--quiet",
            "simulate",
            "--compound",
            "vistusertib",
            "--regimen",
            "30 mg/kg PO QD x 7 days",
            "--n-animals",
            "4",
            "--seed",
            "1",
            "--replicates",
            "20",
            "--power",
            "--tgi-difference",
            "30",
            "--tumor-param",
            "kill_rate=0.2",
            "--no-report",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    iv = pd.read_csv(out / "tgi_intervals.csv")
    assert {"tgi_typical_pct", "tgi_population_mean_pct", "tgi_lo_pct", "tgi_hi_pct"} <= set(
        iv.columns
    )
    assert (iv["n_replicates"] == 20).all()
    pw = pd.read_csv(out / "power.csv")
    assert set(pw["comparison"]) == {"vs control", "TGI +30 points"}
    settings = json.loads((out / "settings.json").read_text())
    assert settings["tumor_response"]["kill_rate_per_day"] == 0.2


@pytest.mark.slow
def test_simulate_optimise_writes_the_tradeoff(tmp_path):
    out = tmp_path / "opt"
    code = main(
        [
            "--quiet",
            "simulate",
            "--compound",
            "vistusertib",
            "--optimise",
            "--max-glucose",
            "180",
            "--replicates",
            "5",
            "--n-animals",
            "3",
            "--doses",
            "10,40,160",
            "--weeks",
            "1",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    for name in ("schedules.csv", "frontier.csv", "best.json", "tradeoff.png"):
        assert (out / name).exists(), name
    best = json.loads((out / "best.json").read_text())["best"]
    assert best["peak_glucose_mg_dL"] <= 180.0


def test_simulate_rejects_bad_tumor_param(tmp_path):
    code = main(
        [
            "--quiet",
            "simulate",
            "--compound",
            "vistusertib",
            "--regimen",
            "30 mg/kg PO QD x 7 days",
            "--tumor-param",
            "kill_rate",
            "--out",
            str(tmp_path / "x"),
        ]
    )
    assert code != 0
