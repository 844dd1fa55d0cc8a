"""``--mw`` on ``kinetor nca`` and ``kinetor validate``: mass concentrations read in molar units."""

from __future__ import annotations

import pandas as pd
import pytest

from kinetor.cli.main import main

MW = 462.6  # g/mol, a made-up weight for the hand calculation


@pytest.fixture
def study_csv(tmp_path):
    rows = [(0.5, 1500.0), (1, 1200.0), (2, 800.0), (4, 400.0), (8, 100.0)]
    path = tmp_path / "iv.csv"
    pd.DataFrame(
        {
            "subject": "A1",
            "route": "IV",
            "dose": 2.0,
            "time": [t for t, _ in rows],
            "conc": [c for _, c in rows],
            "analyte": "parent",
        }
    ).to_csv(path, index=False)
    return path


def _value(out, code):
    p = pd.read_csv(out / "nca_parameters.csv")
    row = p[p["PPTESTCD"] == code].iloc[0]
    return float(row["value"]), row["unit"]


def test_mass_file_read_in_nanomolar_with_mw(study_csv, tmp_path):
    mass = tmp_path / "mass"
    molar = tmp_path / "molar"
    code = main(
        [
            "--quiet",
            "nca",
            str(study_csv),
            "--time-unit",
            "h",
            "--dose-unit",
            "mg/kg",
            "--conc-unit",
            "ng/mL",
            "--no-report",
            "--out",
            str(mass),
        ]
    )
    assert code == 0
    cmax, unit = _value(mass, "CMAX")
    assert (cmax, unit) == (1500.0, "ng/mL")
    # the same file with its unit in a column, read in nM
    frame = pd.read_csv(study_csv)
    frame["conc_unit"] = "ng/mL"
    with_units = tmp_path / "with_units.csv"
    frame.to_csv(with_units, index=False)
    args = ["--quiet", "nca", str(with_units), "--time-unit", "h", "--dose-unit", "mg/kg"]
    args += ["--conc-unit", "nM", "--no-report", "--out", str(molar)]
    assert main([*args, "--mw", str(MW)]) == 0
    cmax_nm, unit_nm = _value(molar, "CMAX")
    assert unit_nm == "nM"
    assert cmax_nm == pytest.approx(1500.0 / MW * 1000.0, rel=1e-12)  # ng/mL -> nmol/L
    # clearance is dose / AUC: the same in L/h/kg whichever concentration unit was read
    assert _value(molar, "CLO")[0] == pytest.approx(_value(mass, "CLO")[0], rel=1e-12)
    # named weight for the analyte gives the same
    named = tmp_path / "named"
    args[-1] = str(named)
    assert main([*args, "--mw", f"parent={MW}"]) == 0
    assert _value(named, "CMAX")[0] == pytest.approx(cmax_nm, rel=1e-12)


def test_without_mw_the_problem_names_the_option(study_csv, tmp_path, capsys):
    frame = pd.read_csv(study_csv)
    frame["conc_unit"] = "ng/mL"
    path = tmp_path / "u.csv"
    frame.to_csv(path, index=False)
    code = main(["nca", str(path), "--conc-unit", "nM", "--out", str(tmp_path / "o")])
    assert code == 3
    assert "--mw G_PER_MOL" in capsys.readouterr().err.replace("│", " ")


@pytest.mark.parametrize(
    "values", [["0"], ["-5"], ["abc"], ["=450"], ["parent=x"], ["450", "parent=450"], ["1", "2"]]
)
def test_bad_mw_is_a_usage_error_before_any_output(study_csv, tmp_path, values):
    out = tmp_path / "never"
    args = ["--quiet", "nca", str(study_csv), "--out", str(out)]
    for v in values:
        args += ["--mw", v]
    assert main(args) == 2
    assert not out.exists()


def test_validate_reads_molar_with_mw(study_csv, tmp_path):
    frame = pd.read_csv(study_csv)
    frame["conc_unit"] = "ng/mL"
    path = tmp_path / "u.csv"
    frame.to_csv(path, index=False)
    out = tmp_path / "canon"
    args = ["--quiet", "validate", str(path), "--conc-unit", "nM", "--out", str(out)]
    args += ["--time-unit", "h", "--dose-unit", "mg/kg"]
    assert main(args) == 3
    assert main([*args, "--mw", str(MW)]) == 0
    conc = pd.read_csv(out / "conc.csv")
    assert conc["conc"].iloc[0] == pytest.approx(1500.0 / MW * 1000.0, rel=1e-12)
