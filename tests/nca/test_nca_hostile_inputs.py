"""`kinetor nca` and the NCA API on careless input: the summary grid holds only the
parameter/unit combinations that exist, manual lambda_z points that match no sample,
unknown --map roles, a reversed --lambda-z-range, --sheet on a CSV, R2 round-off, and the
note about samples left out."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.data import Study, read_study
from kinetor.errors import DataError
from kinetor.nca import nca

EXAMPLE = Path(__file__).parents[2] / "src" / "kinetor" / "examples" / "vistusertib_rat_iv_po.csv"
STATS = [
    *("N", "N flagged", "Mean", "SD", "CV%", "Geometric mean", "Geometric CV%"),
    *("Median", "Min", "Max"),
]


def _po_csv(tmp_path, conc=None):
    t = [0.0, 0.5, 1, 2, 4, 8, 12, 24]
    c = conc or [0.0, 3.4, 5.4, 6.8, 5.9, 3.0, 1.5, 0.2]
    df = pd.DataFrame(
        {"Subject": "P1", "Time (h)": t, "Conc (ng/mL)": c, "Dose (mg)": 5, "Route": "PO"}
    )
    path = tmp_path / "po.csv"
    df.to_csv(path, index=False, na_rep="")
    return path


def test_summary_grid_has_one_row_per_existing_parameter_and_statistic():
    res = nca(read_study(EXAMPLE))
    s = res.summary()
    grid = res.summary_grid()
    combos = s[["analyte", "matrix", "start", "end", "PPTESTCD", "unit"]].drop_duplicates()
    # every (parameter, unit) that exists, times the 10 statistics: nothing else
    assert len(grid) == len(STATS) * len(combos)
    assert grid["statistic"].tolist() == STATS * len(combos)
    # each parameter code has exactly one unit: CMAX only in ng/mL
    assert grid.groupby("PPTESTCD")["unit"].nunique().max() == 1
    assert set(grid.loc[grid["PPTESTCD"] == "CMAX", "unit"]) == {"ng/mL"}
    # no grid row is empty for every group while its N is > 0
    n_rows = grid[grid["statistic"] == "N"]
    groups = [c for c in grid.columns if c not in (*combos.columns, "statistic")]
    assert (n_rows[groups].fillna(0).to_numpy().max(axis=1) > 0).all()


def test_summary_grid_of_one_subject_is_small():
    # one subject, one profile: 2 subjects' worth of rows, not codes x units x stats
    conc = pd.DataFrame({"subject": "a", "time": [0.0, 1, 2, 4], "conc": [0.0, 4, 2, 1]})
    doses = pd.DataFrame({"subject": ["a"], "time": 0.0, "dose": 1.0, "route": "PO"})
    res = nca(Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"}))
    n_codes = res.summary()["PPTESTCD"].nunique()
    g = res.summary_grid()
    assert len(g) == len(STATS) * n_codes
    cmax = g[(g["PPTESTCD"] == "CMAX") & (g["statistic"] == "Max")]
    assert cmax.iloc[0, -1] == 4.0 and cmax["unit"].tolist() == ["mg/L"]


def test_lambda_z_exclude_at_a_time_without_sample_is_an_error(tmp_path, capsys):
    src = _po_csv(tmp_path)
    args = ["--json", "nca", str(src), "--no-report", "--out", str(tmp_path / "o")]
    assert main([*args, "--lambda-z-exclude", "P1:5"]) == 3
    problems = json.loads(capsys.readouterr().out)["problems"]
    assert "no usable sample at time 5" in problems[0]["problem"]
    assert "0, 0.5, 1, 2, 4, 8, 12, 24" in problems[0]["problem"]
    assert "--lambda-z-exclude" in problems[0]["fix"]
    assert main([*args, "--lambda-z-exclude", "P1:12"]) == 0
    st = read_study(src)
    with pytest.raises(DataError, match="no usable sample at time 6"):
        nca(st, lambda_z_points=pd.DataFrame({"subject": ["P1"] * 3, "time": [4.0, 6.0, 24.0]}))


def test_map_with_an_unknown_role_names_it_and_lists_the_roles(tmp_path, capsys):
    src = _po_csv(tmp_path)
    args = ["--json", "nca", str(src), "--no-report", "--out", str(tmp_path / "o")]
    assert main([*args, "--map", "foo=Route"]) == 3
    p = json.loads(capsys.readouterr().out)["problems"][0]
    assert p["problem"] == "unknown role 'foo' (mapped to column 'Route')"
    assert "subject, time" in p["fix"] and "--map" in p["fix"]


def test_reversed_lambda_z_range_says_lower_is_after_upper(tmp_path, capsys):
    src = _po_csv(tmp_path)
    args = ["--json", "nca", str(src), "--no-report", "--out", str(tmp_path / "o")]
    assert main([*args, "--lambda-z-range", "P1:24-4"]) == 3
    fix = json.loads(capsys.readouterr().out)["problems"][0]["fix"]
    assert "the lower time 24 is not before the upper time 4" in fix and "P1:4-24" in fix


def test_sheet_on_a_csv_is_refused(tmp_path, capsys):
    src = _po_csv(tmp_path)
    args = ["--json", "nca", str(src), "--no-report", "--out", str(tmp_path / "o")]
    assert main([*args, "--sheet", "2"]) == 3
    p = json.loads(capsys.readouterr().out)["problems"][0]
    assert "not an Excel workbook" in p["problem"] and "--sheet" in p["fix"]
    assert not (tmp_path / "o").exists()


def test_r2_of_a_perfect_fit_is_not_above_one():
    # an exact exponential: R2 = 1 up to round-off, which must not show as 1.000000000000001
    t = np.array([0.0, 1, 2, 4, 8, 12, 24])
    conc = pd.DataFrame({"subject": "a", "time": t, "conc": 10 * np.exp(-0.1 * t)})
    doses = pd.DataFrame({"subject": ["a"], "time": 0.0, "dose": 100.0, "route": "IV"})
    p = nca(Study(conc, doses, units={"time": "h", "conc": "ng/mL", "dose": "mg"})).parameters
    v = p.set_index("PPTESTCD")["value"]
    assert v["R2"] <= 1.0 and v["R2ADJ"] <= 1.0 and v["CORRXY"] >= -1.0
    assert v["R2"] == pytest.approx(1.0, abs=1e-12)


def test_a_sample_without_concentration_is_said_to_be_excluded(tmp_path, capsys):
    src = _po_csv(tmp_path, conc=[0.0, 3.4, 5.4, 6.8, 5.9, None, 1.5, 0.2])
    assert main(["nca", str(src), "--no-report", "--out", str(tmp_path / "o")]) == 0
    out = capsys.readouterr().out
    assert "note: 1 sample(s) excluded: no concentration value (row 7)" in out
    assert any("without a concentration value" in n for n in read_study(src).notes)
