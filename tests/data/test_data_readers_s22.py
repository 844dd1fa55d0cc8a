"""Study-data readers: EX records of two routes at one time, short rows of a comma file,
Excel date-time cells, route spellings and mixed decimal marks (audit s22)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import kinetor as kt
from kinetor.data.routes import normalise_route, says_bolus
from kinetor.errors import DataError

_PC = (
    "STUDYID,DOMAIN,USUBJID,PCSEQ,PCTESTCD,PCTEST,PCORRES,PCORRESU,PCSTRESC,PCSTRESN,"
    "PCSTRESU,PCSPEC,PCLLOQ,PCDTC\n"
    "S,PC,A1,1,DRUG,Drug,100,ng/mL,100,100,ng/mL,PLASMA,1,2000-01-01T08:30:00\n"
    "S,PC,A1,2,DRUG,Drug,80,ng/mL,80,80,ng/mL,PLASMA,1,2000-01-01T09:00:00\n"
)
_EX_HEAD = "STUDYID,DOMAIN,USUBJID,EXSEQ,EXTRT,EXDOSE,EXDOSU,EXROUTE,EXSTDTC\n"


def _sdtm(tmp_path, ex_rows: str):
    (tmp_path / "pc.csv").write_text(_PC)
    (tmp_path / "ex.csv").write_text(_EX_HEAD + ex_rows)
    return tmp_path


# --- B1: EX records of different routes at one time ----------------------------------


def test_ex_two_routes_at_one_time_read_as_the_generic_doses_table(tmp_path):
    (tmp_path / "sd").mkdir()
    sd = _sdtm(
        tmp_path / "sd",
        "S,EX,A1,1,DRUG,5,mg,INTRAVENOUS BOLUS,2000-01-01T08:00:00\n"
        "S,EX,A1,2,DRUG,10,mg,ORAL,2000-01-01T08:00:00\n",
    )
    st = kt.read_study(sd)
    (tmp_path / "c.csv").write_text(
        "Animal,Time (h),Conc (ng/mL),LLOQ (ng/mL)\nA1,0.5,100,1\nA1,1,80,1\n"
    )
    (tmp_path / "d.csv").write_text("Animal,Time (h),Dose (mg),Route\nA1,0,5,IV\nA1,0,10,PO\n")
    gen = kt.read_study(tmp_path / "c.csv", doses=tmp_path / "d.csv")
    cols = ["subject", "time", "dose", "route", "duration"]
    # by hand: two doses at 0 h, 5 mg IV bolus and 10 mg oral, in the file's order
    expected = [["A1", 0.0, 5.0, "iv_bolus", 0.0], ["A1", 0.0, 10.0, "extravascular", 0.0]]
    assert st.doses[cols].values.tolist() == expected
    assert gen.doses[cols].values.tolist() == expected
    # the samples: 0.5 h and 1 h after the 08:00 doses
    assert st.conc["time"].tolist() == [0.5, 1.0]


def test_ex_same_route_duplicates_still_refused_with_a_fix_that_fits(tmp_path):
    # INTRAVENOUS and INTRAVENOUS BOLUS: one route as read (IV bolus), one EXTRT
    sd = _sdtm(
        tmp_path,
        "S,EX,A1,1,DRUG,5,mg,INTRAVENOUS,2000-01-01T08:00:00\n"
        "S,EX,A1,2,DRUG,5,mg,INTRAVENOUS BOLUS,2000-01-01T08:00:00\n",
    )
    with pytest.raises(DataError) as e:
        kt.read_study(sd)
    text = str(e.value)
    assert "ex.csv row 2, column 'EXSTDTC'" in text and "also row(s) 3" in text
    assert "same route" not in text  # the message names the route as written
    assert "EXROUTE 'INTRAVENOUS', 'INTRAVENOUS BOLUS'" in text
    assert "delete a record entered twice" in text and "total EXDOSE" in text


# --- B6: rows one cell short in a comma file -------------------------------------------


def test_comma_file_with_short_rows_names_the_rows_not_whitespace_columns(tmp_path):
    f = tmp_path / "sh1.csv"
    f.write_text(
        "Animal,Dose time (h),Time (h),Nominal time (h),Conc (ng/mL),Dose (mg),Route\n"
        "A1,1,1.5,0.5,10,PO\nA1,1,3,2,8,PO\nA1,1,25,24,2,PO\n"
    )
    with pytest.raises(DataError) as e:
        kt.read_study(f)
    text = str(e.value)
    # the header: 7 comma-separated names; each row: 6 cells (counted by hand)
    for row in (2, 3, 4):
        assert f"sh1.csv row {row}: 6 cells but the header has 7 columns (fix: add the" in text
    assert "Dose, time" not in text  # no whitespace split of the header


# --- B8: Excel date-time cells -----------------------------------------------------------


def _xlsx(path, rows, formats=None):
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    for (r, c), fmt in (formats or {}).items():
        ws.cell(row=r, column=c).number_format = fmt
    wb.save(path)


def test_cdisc_workbooks_with_date_time_cells_are_read(tmp_path):
    pc_head = ["STUDYID", "DOMAIN", "USUBJID", "PCSEQ", "PCTESTCD", "PCTEST", "PCSTRESN"]
    pc_head += ["PCSTRESU", "PCSPEC", "PCLLOQ", "PCDTC"]
    stamp = "yyyy-mm-dd h:mm:ss"
    _xlsx(
        tmp_path / "pc.xlsx",
        [
            pc_head,
            ["S", "PC", "A", 1, "D", "D", 10, "ng/mL", "PLASMA", 1, dt.datetime(2021, 3, 1, 9, 30)],
            ["S", "PC", "A", 2, "D", "D", 4, "ng/mL", "PLASMA", 1, dt.datetime(2021, 3, 2, 8, 0)],
            ["S", "PC", "B", 1, "D", "D", 7, "ng/mL", "PLASMA", 1, "2021-03-01T02:15"],
        ],
        {(2, 11): stamp, (3, 11): stamp},
    )
    _xlsx(
        tmp_path / "ex.xlsx",
        [
            [*"STUDYID DOMAIN USUBJID EXSEQ EXTRT EXDOSE EXDOSU EXROUTE EXSTDTC".split()],
            ["S", "EX", "A", 1, "D", 5, "mg", "ORAL", dt.datetime(2021, 3, 1, 8, 0)],
            ["S", "EX", "B", 1, "D", 5, "mg", "ORAL", dt.datetime(2021, 3, 1, 0, 0)],
        ],
        {(2, 9): stamp, (3, 9): stamp},
    )
    st = kt.read_study(tmp_path)
    # by hand: A dosed 08:00, samples 09:30 (1.5 h) and next day 08:00 (24 h);
    # B dosed at midnight (format with a clock), sample 02:15 (2.25 h)
    key = zip(st.conc["subject"], st.conc["source_row"], strict=True)
    got = dict(zip(key, st.conc["time"], strict=True))
    assert got == {("A", 2): 1.5, ("A", 3): 24.0, ("B", 4): 2.25}
    assert any("read as ISO 8601 date-times" in n for n in st.notes)


def test_excel_midnight_cell_with_a_date_format_is_a_date_only(tmp_path):
    from kinetor.data._text import read_raw

    _xlsx(
        tmp_path / "ex.xlsx",
        [
            ["USUBJID", "EXSTDTC", "EXENDTC"],
            ["A", dt.datetime(2021, 3, 1, 0, 0), dt.datetime(2021, 3, 1, 0, 0)],
            ["B", dt.datetime(2021, 3, 1, 8, 30, 59, 999_999), dt.date(2021, 3, 2)],
        ],
        {(2, 2): "yyyy-mm-dd", (2, 3): "yyyy-mm-dd hh:mm", (3, 2): "m/d/yy"},
    )
    raw = read_raw(tmp_path / "ex.xlsx")
    assert raw.frame["EXSTDTC"].tolist() == ["2021-03-01", "2021-03-01T08:31:00"]
    assert raw.frame["EXENDTC"].tolist() == ["2021-03-01T00:00:00", "2021-03-02"]


def test_generic_sheet_with_clock_times_says_how_to_give_elapsed_hours(tmp_path):
    stamp = "yyyy-mm-dd h:mm:ss"
    _xlsx(
        tmp_path / "x1.xlsx",
        [
            ["Animal", "Dose time", "Time", "Conc (ng/mL)", "Dose (mg)", "Route"],
            ["A", dt.datetime(2021, 3, 1, 8), dt.datetime(2021, 3, 1, 9, 30), 10, 5, "PO"],
            ["A", dt.datetime(2021, 3, 1, 8), dt.datetime(2021, 3, 2, 8), 4, 5, "PO"],
        ],
        {(r, c): stamp for r in (2, 3) for c in (2, 3)},
    )
    with pytest.raises(DataError) as e:
        kt.read_study(tmp_path / "x1.xlsx")
    text = str(e.value)
    for col in ("Dose time", "Time"):
        assert f"row 2, column '{col}': column '{col}' holds clock times" in text
    assert "rows 2, 3" in text and "=(C2-$B$2)*24" in text


# --- B9: route spellings, mixed decimal marks --------------------------------------------

# docs/data.md section 9, every spelling listed, with its route (by the text of the docs)
_DOCUMENTED = {
    "iv_bolus": "IV, IVB, IV bolus, bolus, intravenous, intravenous bolus, "
    "intravenous (bolus), IV push, intravascular, i.v., Intravenous push",
    "iv_infusion": "IV infusion, infusion, IVI, IV inf, intravenous infusion, "
    "intravenous drip, IV drip, continuous infusion, i.v. infusion",
    "extravascular": "PO, p.o., oral, per os, gavage, oral gavage, SC, subcutaneous, IP, "
    "intraperitoneal, IM, intramuscular, topical, dermal, transdermal, inhalation, "
    "intranasal, buccal, sublingual, rectal, intratumoral, intradermal, nasogastric, EV",
}


@pytest.mark.parametrize(
    ("text", "route"),
    [(t.strip(), r) for r, ts in _DOCUMENTED.items() for t in ts.split(",")],
)
def test_documented_route_spellings_resolve(text, route):
    assert normalise_route(text) == route
    assert normalise_route(text.upper()) == route


def test_intravenous_push_is_an_iv_bolus_that_says_bolus():
    assert normalise_route("Intravenous push") == "iv_bolus"
    assert says_bolus("Intravenous push") and says_bolus("INTRAVENOUS PUSH")
    assert normalise_route("intravenous teleport") is None


def test_mixed_decimal_marks_in_a_semicolon_file_are_named(tmp_path):
    f = tmp_path / "eu3.csv"
    f.write_text(
        "Animal;Time (h);Conc (ng/mL);Dose (mg/kg);Route\n"
        "A1;0,5;1.234;10;PO\nA1;1;2,5;10;PO\nA1;2;800;10;PO\n"
    )
    with pytest.raises(DataError) as e:
        kt.read_study(f)
    text = str(e.value)
    assert "eu3.csv row 2: decimal marks are mixed" in text
    # commas: row 2 (time 0,5) and row 3 (conc 2,5); the point: row 2 (conc 1.234)
    assert "decimal comma in row 2 ('Time (h)': '0,5'), row 3 ('Conc (ng/mL)': '2,5')" in text
    assert "decimal point in row 2 ('Conc (ng/mL)': '1.234')" in text


def test_decimal_comma_only_file_still_read(tmp_path):
    f = tmp_path / "eu.csv"
    f.write_text("Animal;Time (h);Conc (ng/mL);Dose (mg/kg);Route\nA1;0,5;2,5;10;PO\n")
    st = kt.read_study(f)
    assert np.allclose(st.conc[["time", "conc"]].to_numpy(float), [[0.5, 2.5]])
