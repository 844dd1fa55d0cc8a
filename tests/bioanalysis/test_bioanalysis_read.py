"""Run-table validation: every bad row reported at once with file/row/column/fix."""

import pandas as pd
import pytest

from kinetor.bioanalysis import analyse_run, read_run
from kinetor.errors import DataError

GOOD_STD = [
    ("S1", "standard", "1", "100", "10000"),
    ("S2", "standard", "2", "200", "10000"),
    ("S5", "standard", "5", "500", "10000"),
    ("S10", "standard", "10", "1000", "10000"),
    ("S20", "standard", "20", "2000", "10000"),
    ("S50", "standard", "50", "5000", "10000"),
]


def write(tmp_path, rows, header="sample_id,sample_type,nominal_conc,analyte_area,is_area"):
    path = tmp_path / "run.csv"
    path.write_text(header + "\n" + "\n".join(",".join(r) for r in rows) + "\n")
    return path


def problems(exc):
    return {(p.row, p.column) for p in exc.problems}


def test_every_bad_row_is_listed(tmp_path):
    rows = [
        *GOOD_STD,
        ("Q1", "qc", "", "300", "10000"),  # row 8: QC without nominal
        ("X1", "calibrant?", "1", "100", "10000"),  # row 9: unknown sample type
        ("Q2", "qc", "3", "abc", "10000"),  # row 10: non-numeric area
        ("Q3", "qc", "3", "-5", "10000"),  # row 11: negative area
        ("Q4", "qc", "3", "300", "0"),  # row 12: IS area 0
        ("S1", "standard", "1", "100", "10000"),  # row 13: duplicate sample_id
        ("Z", "standard", "0", "0", "10000"),  # row 14: a 'standard' at 0
    ]
    with pytest.raises(DataError) as err:
        read_run(write(tmp_path, rows))
    got = problems(err.value)
    assert {
        (8, "nominal_conc"),
        (9, "sample_type"),
        (10, "analyte_area"),
        (11, "analyte_area"),
        (12, "is_area"),
        (13, "sample_id"),
        (14, "sample_type"),
    } <= got
    assert all(p.file == "run.csv" and p.fix for p in err.value.problems)
    text = str(err.value)
    assert "unknown sample type 'calibrant?'" in text and "not a number: 'abc'" in text


def test_unknown_rows_need_subject_time_and_valid_dilution(tmp_path):
    header = "sample_id,sample_type,nominal_conc,area_ratio,dilution,subject,time"
    rows = [(r[0], r[1], r[2], "0.01", "", "", "") for r in GOOD_STD] + [
        ("U1", "unknown", "", "0.05", "", "", "1"),  # row 8: no subject
        ("U2", "unknown", "", "0.05", "", "R1", ""),  # row 9: no time
        ("U3", "unknown", "", "0.05", "0.1", "R1", "2"),  # row 10: dilution written as fraction
        ("U4", "unknown", "", "", "", "R1", "4"),  # row 11: no response
    ]
    with pytest.raises(DataError) as err:
        read_run(write(tmp_path, rows, header))
    assert {(8, "subject"), (9, "time"), (10, "dilution"), (11, "area_ratio")} <= problems(
        err.value
    )


def test_fewer_than_six_levels_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="only 5 non-zero standard level"):
        read_run(write(tmp_path, GOOD_STD[:5]))


def test_missing_standards_and_columns(tmp_path):
    with pytest.raises(DataError, match="no calibration standards"):
        read_run(write(tmp_path, [("Q", "qc", "3", "300", "10000")]))
    with pytest.raises(DataError) as err:
        read_run(pd.DataFrame({"sample_id": ["a"], "kind": ["qc"]}))
    cols = {p.column for p in err.value.problems}
    assert {"sample_type", "area_ratio"} <= cols


def test_aliases_na_text_and_area_ratio_precedence(tmp_path):
    rows = [(r[0], "STD", r[2], r[3], r[4]) for r in GOOD_STD] + [("B", "Blank", "NA", "NA", "0")]
    run = read_run(write(tmp_path, rows))
    assert run["sample_type"].tolist() == ["standard"] * 6 + ["blank"]
    assert run["area_ratio"].iloc[:6].tolist() == pytest.approx([0.01, 0.02, 0.05, 0.1, 0.2, 0.5])
    assert run["source_row"].tolist() == list(range(2, 9))
    df = pd.DataFrame(
        {
            "sample_id": ["a"],
            "sample_type": ["standard"],
            "nominal_conc": [1.0],
            "analyte_area": [100.0],
            "is_area": [1000.0],
            "area_ratio": [0.5],
        }
    )
    assert read_run(df, min_levels=1)["area_ratio"].iloc[0] == 0.5


def test_analyse_run_rejects_bad_file_before_fitting(tmp_path):
    with pytest.raises(DataError):
        analyse_run(write(tmp_path, GOOD_STD[:3]))
