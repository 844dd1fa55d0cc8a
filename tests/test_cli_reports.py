"""Every analysis command leaves an HTML report beside its tables (issue 8)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main

EX = Path(__file__).resolve().parents[1] / "examples"


def _volumes(path: Path) -> Path:
    # two groups of 3 animals, exponential growth; treated grows at half the rate
    rows = [
        {
            "animal": f"{g}{i}",
            "group": g,
            "day": d,
            "volume": 100.0 * np.exp((0.1 if g == "Vehicle" else 0.05) * d),
        }
        for g in ("Vehicle", "Treated")
        for i in range(3)
        for d in (0, 7, 14)
    ]
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


COMMANDS = {
    "nca": lambda tmp: ["nca", str(EX / "vistusertib_mouse_sparse.csv"), "--sparse"],
    "fit": lambda tmp: ["fit", str(EX / "vistusertib_rat_iv_po.csv"), "--model", "2cmt"],
    "simulate-pk": lambda tmp: [
        "simulate-pk",
        "--model",
        "1cmt-oral",
        "--param",
        "cl=1 L/h",
        "--param",
        "v=10 L",
        "--param",
        "ka=1 1/h",
        "--regimen",
        "100 mg PO QD x 3 days",
        "--hours",
        "72",
    ],
    "pathway": lambda tmp: ["pathway", "simulate", "--drug", "everolimus:10nM", "--hours", "6"],
    "pathway-dr": lambda tmp: ["pathway", "dose-response", "--drug", "vistusertib", "--n", "5"],
    "tgi": lambda tmp: ["tgi", str(_volumes(tmp / "v.csv")), "--control", "Vehicle", "--day", "14"],
    "bioanalysis": lambda tmp: ["bioanalysis", str(EX / "bioanalysis" / "run_rat_plasma.csv")],
    "adme": lambda tmp: ["adme", "binding", str(EX / "adme" / "binding_dialysis_human.csv")],
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_command_writes_an_html_report(name, tmp_path):
    out = tmp_path / "out"
    assert main(["--quiet", *COMMANDS[name](tmp_path), "--out", str(out)]) == 0
    html = (out / "report.html").read_text()
    assert "<h1" in html and "kinetor" in html
    # tables are in the report, and it is self-contained
    assert html.count("<table") >= 1
    assert "http://" not in html and "https://" not in html
