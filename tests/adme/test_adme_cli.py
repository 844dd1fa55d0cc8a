"""``kinetor adme excretion|binding|ratios`` through the real entry point."""

from pathlib import Path

import pandas as pd
import pytest

from kinetor.cli.main import main

EX = Path(__file__).resolve().parents[2] / "examples" / "adme"


def test_excretion_cli(tmp_path):
    code = main(
        [
            "adme",
            "excretion",
            str(EX / "excretion_rat_14c.csv"),
            "--dose",
            "10 uCi",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    summ = pd.read_csv(tmp_path / "excretion_summary.csv").set_index("matrix")
    # the example is built from seed 000: ~85 % faeces, ~2 % urine of the [14C] dose
    assert summ.loc["FAECES", "pct_dose_mean"] == pytest.approx(85.0)
    assert summ.loc["URINE", "pct_dose_mean"] == pytest.approx(2.0)
    assert (tmp_path / "cumulative_excretion.png").exists()
    assert (tmp_path / "excretion_intervals.csv").exists()


def test_excretion_cli_needs_dose_unit(tmp_path):
    assert (
        main(
            [
                "adme",
                "excretion",
                str(EX / "excretion_rat_14c.csv"),
                "--dose",
                "10",
                "--out",
                str(tmp_path),
            ]
        )
        == 3
    )


@pytest.mark.parametrize(
    ("file", "method", "fu"),
    [
        ("binding_dialysis_human.csv", "dialysis", (45.1 / 905 + 47.2 / 918 + 45.8 / 931) / 3),
        (
            "binding_uf_rat.csv",
            "ultrafiltration",
            (41.0 / 1000 + 39.5 / 980 + 42.2 / 1010) / 3 / 0.82,
        ),
    ],
)
def test_binding_cli(tmp_path, file, method, fu):
    assert (
        main(["adme", "binding", str(EX / file), "--method", method, "--out", str(tmp_path)]) == 0
    )
    summ = pd.read_csv(tmp_path / "binding_summary.csv")
    assert summ["fu_mean"].iloc[0] == pytest.approx(fu)
    assert (tmp_path / "binding_replicates.csv").exists()


def test_binding_cli_bad_method(tmp_path):
    assert (
        main(
            [
                "adme",
                "binding",
                str(EX / "binding_uf_rat.csv"),
                "--method",
                "gel",
                "--out",
                str(tmp_path),
            ]
        )
        == 2
    )


def test_ratios_cli(tmp_path):
    code = main(
        [
            "adme",
            "ratios",
            str(EX / "vistusertib_rat_metabolite_auc.csv"),
            "--parent",
            "vistusertib",
            "--mw",
            "vistusertib=462.55",
            "--mw",
            "N-hydroxymethyl=478.55",
            "--mw",
            "desmethyl=448.53",
            "--out",
            str(tmp_path),
        ]
    )
    assert code == 0
    out = pd.read_csv(tmp_path / "metabolite_ratios.csv").set_index("metabolite")
    assert out.loc["N-hydroxymethyl", "ratio"] == pytest.approx(0.25)
    assert out.loc["desmethyl", "ratio_molar"] == pytest.approx(0.1 * 462.55 / 448.53)
