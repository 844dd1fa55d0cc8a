"""CLI controls of `kinetor nca`: version, route, sheet, column map, lambda_z, urine."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.data import read_study
from kinetor.errors import DataError
from kinetor.nca import nca

FIX = Path(__file__).parent / "fixtures"
LN2 = math.log(2.0)
UNITS = [
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


def lab_frame():
    # one subject; lambda_z = ln2/4 over 4-12 h; no route column; lab's own headers
    return pd.DataFrame(
        {
            "Animal": 1,
            "Hours": [0.0, 1, 2, 4, 8, 12],
            "Result": [0.0, 8, 10, 5, 2.5, 1.25],
            "Dose": 100.0,
        }
    )


def test_version(capsys):
    import kinetor

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"kinetor {kinetor.__version__}"


def test_route_map_and_sheet(tmp_path):
    xlsx = tmp_path / "lab.xlsx"
    with pd.ExcelWriter(xlsx) as w:
        pd.DataFrame({"note": ["cover sheet"]}).to_excel(w, sheet_name="info", index=False)
        lab_frame().to_excel(w, sheet_name="plasma", index=False)
    out = tmp_path / "o"
    args = [
        "--quiet",
        "nca",
        str(xlsx),
        "--sheet",
        "plasma",
        "--map",
        "conc=Result",
        "--map",
        "time=Hours",
        *UNITS,
        "--out",
        str(out),
    ]
    assert main(args) == 3  # no route in the file: refused
    assert main([*args, "--route", "PO"]) == 0
    w = pd.read_csv(out / "nca_wide.csv")
    assert w["AUCLST"].iloc[0] == pytest.approx(4 + 9 + 15 + 15 + 7.5, rel=1e-12)
    assert "TLAG" in w.columns  # extravascular parameters
    assert main([*args, "--route", "teleport"]) == 3


def test_lambda_z_range_with_integer_ids_and_unknown_ids(tmp_path):
    path = tmp_path / "lab.csv"
    lab_frame().assign(route="PO").to_csv(path, index=False)
    base = ["--quiet", "nca", str(path), "--map", "conc=Result", "--map", "time=Hours", *UNITS]
    out = tmp_path / "o"
    assert main([*base, "--lambda-z-range", "1:2-8", "--out", str(out)]) == 0
    w = pd.read_csv(out / "nca_wide.csv")
    # 2, 4, 8 h: ln(10/2.5)/6 = ln 4 / 6
    assert (w.LAMZLL.iloc[0], w.LAMZUL.iloc[0]) == (2.0, 8.0)
    assert main([*base, "--lambda-z-range", "99:2-8", "--out", str(out)]) == 3
    assert main([*base, "--lambda-z-range", "1:8-2", "--out", str(out)]) == 3
    assert main([*base, "--lambda-z-exclude", "1:12", "--out", str(out)]) == 0
    w = pd.read_csv(out / "nca_wide.csv")
    # without the 12 h point only 4 and 8 h remain after Tmax: no lambda_z (it was ln2/4)
    assert np.isnan(w.LAMZ.iloc[0])


def test_api_manual_range_integer_subject_and_unknown_subject():
    st = read_study(
        lab_frame().assign(route="PO"),
        roles={"conc": "Result", "time": "Hours"},
        units={"time": "h", "conc": "mg/L", "dose": "mg"},
    )
    res = nca(st, lambda_z_range=pd.DataFrame({"subject": [1], "lower": [2.0], "upper": [8.0]}))
    assert res.to_wide().LAMZLL.iloc[0] == 2.0
    with pytest.raises(DataError, match="no profile for subject '7'"):
        nca(st, lambda_z_range=pd.DataFrame({"subject": [7], "lower": [2.0], "upper": [8.0]}))
    with pytest.raises(DataError, match="no profile"):
        nca(st, lambda_z_exclude=pd.DataFrame({"subject": ["x"], "time": [8.0]}))


def test_missing_column_fix_names_the_cli_option():
    with pytest.raises(DataError) as info:
        read_study(
            lab_frame().drop(columns="Result").assign(route="PO"),
            units={"time": "h", "conc": "mg/L", "dose": "mg"},
        )
    assert "--map conc=YourColumn" in info.value.problems[0].fix


def test_urine_from_a_file_and_the_cli(tmp_path):
    path = tmp_path / "urine.csv"
    pd.DataFrame(
        {
            "Animal": "r1",
            "Start time (h)": [0.0, 4, 8],
            "End time (h)": [4.0, 8, 12],
            "Conc (ug/mL)": [100.0, 40, 10],
            "Volume (mL)": [0.1, 0.1, 0.2],
            "Matrix": "URINE",
            "Dose (mg)": 1.0,
            "Route": "PO",
        }
    ).to_csv(path, index=False)
    st = read_study(path)
    assert st.units["volume"] == "mL"
    assert st.conc["end_time"].tolist() == [4.0, 8.0, 12.0]
    out = tmp_path / "o"
    assert main(["--quiet", "nca", str(path), "--no-report", "--out", str(out)]) == 0
    p = pd.read_csv(out / "nca_parameters.csv").set_index("PPTESTCD")
    assert p.loc["RCAMINT", "value"] == pytest.approx(16.0) and p.loc["RCAMINT", "unit"] == "ug"
    assert p.loc["RCPCINT", "value"] == pytest.approx(1.6)


def test_read_study_keeps_a_declared_volume_unit():
    df = pd.DataFrame(
        {
            "subject": "r1",
            "time": [0.0, 4],
            "end_time": [4.0, 8],
            "conc": [10.0, 5.0],
            "volume": [2.0, 3.0],
            "matrix": "URINE",
            "dose": 1.0,
            "route": "PO",
        }
    )
    st = read_study(df, units={"time": "h", "conc": "ug/mL", "dose": "mg", "volume": "mL"})
    assert st.units["volume"] == "mL"
    res = nca(st)
    ae = res.parameters.set_index("PPTESTCD").loc["RCAMINT", "value"]
    assert ae == pytest.approx(10 * 2 + 5 * 3) and np.isfinite(ae)
