"""Study-report presentation: natural order, times as recorded, summary grid, --json,
axis labels, and `kinetor report` on a raw-data folder."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.data import Study
from kinetor.nca import nca

UNITS = {"time": "h", "conc": "mg/L", "dose": "mg"}


def grouped_study():
    subjects = ["10", "2", "1", "11"]
    groups = {"10": "PO 15", "2": "PO 3.75", "1": "PO 3.75", "11": "PO 7.5"}
    rows = []
    for i, s in enumerate(subjects):
        for t, c in zip([0.0, 1, 2.125, 4, 8], [0.0, 4, 6, 3, 1.5], strict=True):
            rows.append({"subject": s, "time": t + 0.0 * i, "conc": c * (i + 1)})
    conc = pd.DataFrame(rows)
    doses = pd.DataFrame({"subject": subjects, "time": 0.0, "dose": 1.0, "route": "PO"})
    subj = pd.DataFrame({"subject": subjects, "group": [groups[s] for s in subjects]})
    return Study(conc, doses, subj, units=UNITS)


def test_wide_and_summary_in_natural_order():
    res = nca(grouped_study())
    w = res.to_wide()
    assert w["group"].tolist() == ["PO 3.75", "PO 3.75", "PO 7.5", "PO 15"]
    assert w["subject"].tolist() == ["1", "2", "11", "10"]
    s = res.summary()
    assert list(dict.fromkeys(s["group"])) == ["PO 3.75", "PO 7.5", "PO 15"]


def test_times_are_shown_as_recorded():
    res = nca(grouped_study())
    s = res.summary().set_index(["group", "PPTESTCD"])
    # Tmax 2.125 h is not rounded to 2.12 (3 significant figures)
    assert s.loc[("PO 7.5", "TMAX"), "display"] == "2.125 (2.125\u20132.125)"


def test_summary_grid_statistics_by_hand():
    res = nca(grouped_study())
    g = res.summary_grid(["CMAX"]).set_index("statistic")
    assert list(g.columns[-3:]) == ["PO 3.75", "PO 7.5", "PO 15"]
    # PO 3.75: subjects 2 (Cmax 12) and 1 (Cmax 18)
    col = g["PO 3.75"]
    assert col["N"] == 2 and col["Mean"] == pytest.approx(15.0)
    assert col["SD"] == pytest.approx(18**0.5, rel=1e-12)  # sqrt((9 + 9)/1)
    assert col["Geometric mean"] == pytest.approx((12 * 18) ** 0.5, rel=1e-12)
    assert (col["Median"], col["Min"], col["Max"]) == (15.0, 12.0, 18.0)


def test_cli_json_carries_results_and_axis_label(tmp_path, capsys):
    path = tmp_path / "d.csv"
    st = grouped_study()
    st.conc_with_subjects()[["subject", "time", "conc", "group"]].assign(
        dose=1.0, route="PO"
    ).to_csv(path, index=False)
    assert (
        main(
            [
                "--json",
                "nca",
                str(path),
                "--time-unit",
                "h",
                "--conc-unit",
                "mg/L",
                "--dose-unit",
                "mg",
                "--out",
                str(tmp_path / "o"),
            ]
        )
        == 0
    )
    doc = json.loads(capsys.readouterr().out)
    assert isinstance(doc["parameters"], list) and doc["parameters"][0]["CMAX"] > 0
    assert {"PPTESTCD", "geomean", "median"} <= set(doc["summary"][0])
    html = (tmp_path / "o" / "report.html").read_text()
    assert "ANALYTE concentration" not in html
    assert (tmp_path / "o" / "nca_summary_grid.csv").exists()


def test_report_refuses_a_raw_data_folder(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    pd.DataFrame({"subject": [1], "time": [0], "conc": [1.0]}).to_csv(raw / "pk.csv", index=False)
    assert main(["--quiet", "report", str(raw)]) == 3
    assert not (raw / "report.html").exists()
    # elsewhere is fine
    assert main(["--quiet", "report", str(raw), "--out", str(tmp_path / "rep")]) == 0
    assert (tmp_path / "rep" / "report.html").exists()


def test_axis_label_uses_the_analyte_name_not_the_placeholder():
    from kinetor.report import plot_individual

    st = grouped_study()
    assert plot_individual(st, "1").axes[0].get_ylabel() == "Concentration (mg/L)"
    named = Study(st.conc.assign(analyte="GDC-0941"), st.doses, st.subjects, units=UNITS)
    assert plot_individual(named, "1").axes[0].get_ylabel() == "GDC-0941 concentration (mg/L)"


def test_cli_json_keeps_full_precision(tmp_path, capsys):
    """Concentrations in g/L are ~1e-9: JSON must carry the CSV's numbers, not values
    rounded to 10 decimal places (pandas' default)."""
    path = tmp_path / "d.csv"
    t = [0.5, 1.0, 2.0, 4.0, 8.0]
    conc = [2.0e-9, 3.1e-9, 2.2e-9, 1.1e-9, 2.7e-10]
    pd.DataFrame({"subject": "A", "time": t, "conc": conc, "dose": 1.0, "route": "PO"}).to_csv(
        path, index=False
    )
    args = ["nca", str(path), "--time-unit", "h", "--conc-unit", "g/L", "--dose-unit", "mg"]
    assert main(["--json", *args, "--out", str(tmp_path / "o")]) == 0
    doc = json.loads(capsys.readouterr().out)
    wide = pd.read_csv(tmp_path / "o" / "nca_wide.csv")
    for code in ("CMAX", "CLST", "AUCLST"):
        assert doc["parameters"][0][code] == pytest.approx(wide[code].iloc[0], rel=1e-12)
    assert doc["parameters"][0]["CLST"] == pytest.approx(2.7e-10, rel=1e-12)
