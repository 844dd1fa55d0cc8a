"""Readers: trailing commas and the delimiter, options SDTM/SEND data do not use, EX
records at one time, and ``route=`` for doses without a route.

Expected values are written out by hand from the small tables below.
"""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.data import read_study
from kinetor.data._text import read_raw_text
from kinetor.errors import DataError

FIX = Path(__file__).parent / "fixtures"

HEADER = "Subject,Time (h),Conc (ng/mL),Dose (mg),Route"
ROWS = ["S1,1,40,10,PO", "S1,2,30,10,PO", "S1,4,20,10,PO", "S2,1,42,10,PO", "S2,2,31,10,PO"]
# the same study, hand-read: (subject, time, conc) of rows 2-6
EXPECTED = [("S1", 1.0, 40.0), ("S1", 2.0, 30.0), ("S1", 4.0, 20.0)]
EXPECTED += [("S2", 1.0, 42.0), ("S2", 2.0, 31.0)]


def _text(header: str, rows: list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


@pytest.mark.parametrize(
    ("header_end", "row_end"),
    [("", ","), (",", ""), (",", ",,")],
    ids=["rows-end-in-comma", "header-ends-in-comma", "header-one-rows-two"],
)
def test_trailing_commas_keep_the_comma_delimiter(tmp_path, header_end, row_end):
    data = _text(HEADER + header_end, [r + row_end for r in ROWS])
    raw = read_raw_text(data, "t.csv")
    assert list(raw.frame.columns) == HEADER.split(",")
    assert raw.rows.tolist() == [2, 3, 4, 5, 6] and raw.problems == []
    assert raw.frame.iloc[0].tolist() == ["S1", "1", "40", "10", "PO"]
    (tmp_path / "t.csv").write_bytes(data)
    st = read_study(tmp_path / "t.csv")
    got = list(st.conc[["subject", "time", "conc"]].itertuples(index=False, name=None))
    assert got == EXPECTED
    assert st.conc["source_row"].tolist() == [2, 3, 4, 5, 6]


def test_empty_last_column_under_a_named_header_is_still_comma():
    data = b"Subject,Time,Comment\nS1,1,\nS1,2,\nS1,4,late\n"
    raw = read_raw_text(data, "c.csv")
    assert list(raw.frame.columns) == ["Subject", "Time", "Comment"]
    assert raw.frame["Comment"].tolist() == ["", "", "late"]


def test_a_row_with_an_extra_value_is_still_a_problem():
    data = _text(HEADER, [*ROWS[:4], ROWS[4] + ",99"])
    raw = read_raw_text(data, "x.csv")
    assert [(p.row, p.message) for p in raw.problems] == [
        (6, "6 cells but the header has 5 columns")
    ]


# ---- SDTM/SEND: options the format does not use ----------------------------------------


def _sdtm(tmp_path: Path) -> Path:
    folder = tmp_path / "sdtm"
    shutil.copytree(FIX / "sdtm", folder)
    return folder


def _where(exc: pytest.ExceptionInfo) -> list[tuple]:
    return sorted((p.file, p.row, p.column) for p in exc.value.problems)


@pytest.mark.parametrize("unit", ["min", "day", "xyz"])
def test_cdisc_time_unit_other_than_hours_is_refused(tmp_path, unit):
    with pytest.raises(DataError, match="ISO 8601") as exc:
        read_study(_sdtm(tmp_path), units={"time": unit})
    assert _where(exc) == [("pc.csv", None, "--time-unit")]


def test_cdisc_time_unit_hours_is_what_it_is_read_in(tmp_path):
    st = read_study(_sdtm(tmp_path), units={"time": "hours"})
    assert st.units["time"] == "h"
    # S-001 dosed 08:00, sample 12:00: 4 h (not 4 min or 240)
    assert st.conc.set_index("source_row").loc[5, "time"] == 4.0


def test_cdisc_sheet_is_refused(tmp_path):
    folder = _sdtm(tmp_path)
    with pytest.raises(DataError, match="no Excel workbook") as exc:
        read_study(folder, sheet="PK")
    assert _where(exc) == [(str(folder), None, "--sheet")]


def test_cdisc_roles_are_refused(tmp_path):
    with pytest.raises(DataError, match="fixed roles") as exc:
        read_study(_sdtm(tmp_path), roles={"subject": "USUBJID"})
    assert _where(exc) == [("pc.csv", None, "--map")]


def test_cdisc_doses_table_is_refused(tmp_path):
    folder = _sdtm(tmp_path)
    with pytest.raises(DataError, match="EX records") as exc:
        read_study(folder, doses=folder / "ex.csv")
    assert _where(exc) == [("pc.csv", None, "--doses")]


def test_sheet_for_a_folder_of_csv_tables_is_refused(tmp_path):
    conc = pd.DataFrame({"subject": ["a"], "time": [1.0], "conc": [2.0], "dose": [1.0]})
    conc.to_csv(tmp_path / "conc.csv", index=False)
    with pytest.raises(DataError, match="no Excel workbook"):
        read_study(tmp_path, sheet="PK")


def test_cli_time_unit_min_on_send_folder_exits_3(tmp_path, capsys):
    assert main(["--json", "validate", str(_sdtm(tmp_path)), "--time-unit", "min"]) == 3
    doc = json.loads(capsys.readouterr().out)
    assert [(p["file"], p["column"]) for p in doc["problems"]] == [("pc.csv", "--time-unit")]


def test_cdisc_weight_unit_applies_where_bwstresu_is_empty(tmp_path):
    folder = _sdtm(tmp_path)
    (folder / "bw.csv").write_text(
        "STUDYID,DOMAIN,USUBJID,BWTESTCD,BWSTRESN,BWSTRESU,BWBLFL\n"
        "VIS-01,BW,VIS-01-001,BW,250,,Y\n"
        "VIS-01,BW,VIS-01-002,BW,310,,Y\n"
    )
    st = read_study(folder, units={"weight": "g"})
    # 250 g and 310 g in kg
    assert st.subjects.set_index("subject")["weight"].to_dict() == {
        "VIS-01-001": 0.25,
        "VIS-01-002": 0.31,
    }


# ---- EX: two records at one time -----------------------------------------------------


def test_two_ex_records_at_one_time_name_the_ex_file_rows_and_exstdtc(tmp_path, capsys):
    folder = _sdtm(tmp_path)
    ex = (folder / "ex.csv").read_text().splitlines()
    # row 4 repeats row 2: subject VIS-01-001, VISTUSERTIB at 2021-03-04T08:00 (0 h)
    (folder / "ex.csv").write_text("\n".join([*ex, ex[1]]) + "\n")
    with pytest.raises(DataError) as exc:
        read_study(folder)
    assert _where(exc) == [("ex.csv", 2, "EXSTDTC"), ("ex.csv", 4, "EXSTDTC")]
    assert "also row(s) 4" in exc.value.problems[0].message
    out = tmp_path / "out"
    assert main(["--json", "nca", str(folder), "--out", str(out), "--no-report"]) == 3
    doc = json.loads(capsys.readouterr().out)
    got = sorted((p["file"], p["row"], p["column"]) for p in doc["problems"])
    assert got == [("ex.csv", 2, "EXSTDTC"), ("ex.csv", 4, "EXSTDTC")]


def test_two_treatments_at_one_time_are_two_doses(tmp_path):
    folder = _sdtm(tmp_path)
    ex = (folder / "ex.csv").read_text().splitlines()
    other = ex[1].replace(",VISTUSERTIB,", ",OTHERDRUG,")
    (folder / "ex.csv").write_text("\n".join([*ex, other]) + "\n")
    st = read_study(folder)
    d = st.doses[st.doses["subject"] == "VIS-01-001"]
    assert sorted(d["analyte"]) == ["OTHERDRUG", "VISTUSERTIB"]
    assert d["time"].tolist() == [0.0, 0.0]


# ---- route= ----------------------------------------------------------------------------


def test_route_option_fills_ex_records_without_exroute(tmp_path):
    folder = _sdtm(tmp_path)
    ex = pd.read_csv(folder / "ex.csv", dtype=str, keep_default_na=False)
    ex["EXROUTE"] = ""
    ex.to_csv(folder / "ex.csv", index=False)
    st = read_study(folder, route="PO")
    assert st.doses["route"].tolist() == ["extravascular", "extravascular"]
    assert "route: PO given to 2 doses without one" in st.notes


def test_route_option_does_not_replace_an_unknown_route_text():
    df = pd.DataFrame(
        {
            "Subject": ["a", "a", "b", "b"],
            "Time (h)": [1.0, 2.0, 1.0, 2.0],
            "Conc (ng/mL)": [3.0, 2.0, 3.0, 2.0],
            "Dose (mg)": [1.0, 1.0, 1.0, 1.0],
            "Route": ["TELEPORT", "TELEPORT", "", ""],
        }
    )
    with pytest.raises(DataError, match="unknown route 'TELEPORT'") as exc:
        read_study(df, route="PO")
    assert _where(exc) == [("<DataFrame>", 2, "Route")]
