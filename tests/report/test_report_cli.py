"""``kinetor report DIR`` through the real entry point."""

import json
import re

import pandas as pd
import pytest
from _report_data import external_references, make_parameters
from matplotlib.figure import Figure

from kinetor.cli.main import main


@pytest.fixture
def analysis_dir(tmp_path):
    make_parameters().to_csv(tmp_path / "nca_parameters.csv", index=False)
    pd.DataFrame(
        {
            "group": ["A", "B"],
            "PPTESTCD": "CMAX",
            "n": [2, 2],
            "geomean": [7.746, 24.49],
            "geocv": [37.3, 29.2],
            "mean": [8.0, 25.0],
            "sd": [2.83, 7.07],
            "median": [8.0, 25.0],
            "min": [6.0, 20.0],
            "max": [10.0, 30.0],
            "unit": "ng/mL",
        }
    ).to_csv(tmp_path / "nca_summary.csv", index=False)
    pd.DataFrame({"time": [0, 1], "pS6_S235_236": [100.0, 35.5]}).to_csv(
        tmp_path / "readouts.csv", index=False
    )
    pd.DataFrame({"animal": ["007", "008"], "volume": [120.0, 98.25]}).to_csv(
        tmp_path / "body_weight.csv", index=False
    )
    fig = Figure()
    fig.add_subplot().plot([0, 1], [0, 1])
    fig.savefig(tmp_path / "tumour_growth.png")
    (tmp_path / "methods.json").write_text(json.dumps({"AUC method": "linear"}))
    return tmp_path


def test_report_command_scans_the_folder(analysis_dir, capsys):
    assert main(["report", str(analysis_dir), "--title", "Study 42"]) == 0
    assert "report.html" in capsys.readouterr().out
    html = (analysis_dir / "report.html").read_text(encoding="utf-8")
    heads = re.findall(r'<h2 id="[^"]+">([^<]+)</h2>', html)
    assert heads == [
        "NCA summary",
        "Individual NCA parameters",
        "Pathway readouts",
        "Tables",
        "Figures",
    ]
    assert "<title>Study 42</title>" in html
    assert html.count("<img ") == 1
    assert "7.75 (37.3)" in html  # nca_summary.csv -> geo. mean (CV%)
    assert "CMAX (ng/mL)" in html  # nca_parameters.csv -> wide listing
    assert "<td>007</td>" in html  # unknown CSV as a plain table
    assert "Tumour growth" in html  # figure caption from the file name
    foot = html[html.index('<footer id="methods">') :]
    assert "AUC method" in foot and "linear" in foot
    assert external_references(html) == []
    manifest = json.loads((analysis_dir / "report.json").read_text())
    assert manifest["figure_count"] == 1 and manifest["table_count"] == 4


def test_report_command_rebuilds_from_the_manifest(analysis_dir):
    assert main(["report", str(analysis_dir)]) == 0
    (analysis_dir / "late.csv").write_text("x\n1\n")
    assert main(["report", str(analysis_dir), "--title", "Renamed"]) == 0
    html = (analysis_dir / "report.html").read_text(encoding="utf-8")
    assert "<title>Renamed</title>" in html and "late.csv" not in html
    assert main(["report", str(analysis_dir), "--rescan"]) == 0
    assert "late.csv" in (analysis_dir / "report.html").read_text(encoding="utf-8")


def test_report_command_json_and_out(analysis_dir, tmp_path_factory, capsys):
    out = tmp_path_factory.mktemp("elsewhere")
    assert main(["--json", "report", str(analysis_dir), "--out", str(out)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["figures"] == 1 and payload["tables"] == 4
    assert payload["report"] == str(out / "report.html")
    assert (out / "report.html").is_file() and not (analysis_dir / "report.html").exists()


def test_report_command_rejects_missing_or_empty_folders(tmp_path):
    assert main(["report", str(tmp_path / "nope")]) == 3
    assert main(["report", str(tmp_path)]) == 3
