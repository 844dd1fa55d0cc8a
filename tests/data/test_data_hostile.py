"""Careless and hostile input to the readers: nothing silently dropped, altered or accepted.

Each case was found by a stress audit of the readers; every test failed before its fix.
"""

import pytest

from kinetor.data import read_study
from kinetor.data._text import read_raw_text
from kinetor.errors import DataError

HEADER = "Subject,Time (h),Conc (ng/mL),Dose (mg/kg),Route\n"
ROWS = ["1,0.5,10,1,PO", "1,1,20,1,PO", "1,2,15,1,PO", "1,4,8,1,PO", "1,8,3,1,PO"]


def csv(rows):
    return (HEADER + "\n".join(rows) + "\n").encode()


def test_a_stray_quote_is_reported_not_swallowing_the_rows_after_it():
    rows = list(ROWS)
    rows[1] = '1,1,"20,1,PO'
    raw = read_raw_text(csv(rows), "q.csv")
    msgs = [(p.row, p.message) for p in raw.problems]
    assert any(r == 3 and "double quote" in m and "rows 3-6" in m for r, m in msgs), msgs


def test_rows_starting_with_hash_are_data_not_comments():
    rows = list(ROWS)
    rows[0] = "#1,0.5,10,1,PO"
    raw = read_raw_text(csv(rows), "h.csv")
    assert raw.frame["Subject"].tolist()[0] == "#1"
    assert raw.rows.tolist() == [2, 3, 4, 5, 6]
    # a whole-line comment is still a comment, and it is said
    raw = read_raw_text(csv([*ROWS, "# exported by LIMS"]), "h.csv")
    assert len(raw) == 5 and any("comment" in n for n in raw.notes)


def test_excel_na_in_a_concentration_is_an_error_naming_the_row(tmp_path):
    rows = list(ROWS)
    rows[3] = "1,4,#N/A,1,PO"
    with pytest.raises(DataError) as err:
        _study(rows, "na.csv", tmp_path)
    assert [(p.row, p.column) for p in err.value.problems] == [(5, "Conc (ng/mL)")]


def _study(rows, name, folder):
    (folder / name).write_bytes(csv(rows))
    return read_study(folder / name)


def test_decimal_comma_never_rewrites_identifiers():
    text = (
        "Subject;Time (h);Conc (ng/mL);Dose (mg/kg);Route\n"
        "1,1;0,5;10;1;PO\n1,1;1;20;1;PO\n1,2;0,5;5;1;PO\n1,2;2;8;1;PO\n"
    )
    raw = read_raw_text(text.encode(), "eu.csv")
    assert raw.frame["Subject"].tolist() == ["1,1", "1,1", "1,2", "1,2"]
    assert raw.frame["Time (h)"].tolist() == ["0.5", "1", "0.5", "2"]


@pytest.mark.parametrize("bad", ["inf", "Infinity", "-inf", "1e400", "NaNx"])
def test_non_finite_concentrations_are_rejected(bad, tmp_path):
    rows = list(ROWS)
    rows[1] = f"1,1,{bad},1,PO"
    with pytest.raises(DataError) as err:
        _study(rows, "inf.csv", tmp_path)
    assert [(p.row, p.column) for p in err.value.problems] == [(3, "Conc (ng/mL)")]


@pytest.mark.parametrize("bad", ["inf", "1e400"])
def test_non_finite_times_and_doses_are_rejected(bad, tmp_path):
    rows = list(ROWS)
    rows[2] = f"1,{bad},15,{bad},PO"
    with pytest.raises(DataError) as err:
        _study(rows, "inf.csv", tmp_path)
    cols = {p.column for p in err.value.problems if p.row == 4}
    assert {"Time (h)", "Dose (mg/kg)"} <= cols


def test_utf16_without_a_byte_order_mark_is_read(tmp_path):
    path = tmp_path / "u16.csv"
    path.write_bytes(csv(ROWS).decode().encode("utf-16-le"))
    st = read_study(path)
    assert len(st.conc) == 5 and any("UTF-16-LE" in n for n in st.notes)


def test_a_header_without_rows_says_so(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text(HEADER)
    with pytest.raises(DataError) as err:
        read_study(path)
    assert [p.message for p in err.value.problems] == ["the file has a header row but no data rows"]


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("bad.xlsx", b"PK\x03\x04garbage", "not an Excel .xlsx workbook"),
        ("bad.xpt", b"HEADER RECORD garbage", "not a SAS transport"),
    ],
)
def test_corrupt_binary_files_are_data_errors(tmp_path, name, data, words):
    (tmp_path / name).write_bytes(data)
    with pytest.raises(DataError) as err:
        read_study(tmp_path / name)
    assert words in err.value.problems[0].message


def test_an_unknown_sheet_lists_the_sheets(tmp_path):
    import pandas as pd

    pd.DataFrame({"a": [1]}).to_excel(tmp_path / "b.xlsx", index=False, sheet_name="PK")
    with pytest.raises(DataError) as err:
        read_study(tmp_path / "b.xlsx", sheet="Nope")
    p = err.value.problems[0]
    assert "no sheet 'Nope'" in p.message and "PK" in p.fix


def test_an_18_digit_id_stored_as_an_excel_number_is_reported(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Subject", "Time (h)", "Conc (ng/mL)", "Dose (mg/kg)", "Route"])
    for sid in (123456789012345678, 12):
        ws.append([sid, 1, 10, 1, "PO"])
        ws.append([sid, 2, 5, 1, "PO"])
    wb.save(tmp_path / "ids.xlsx")
    with pytest.raises(DataError) as err:
        read_study(tmp_path / "ids.xlsx")
    assert [(p.row, p.column) for p in err.value.problems] == [(2, "Subject"), (3, "Subject")]
    assert "15 significant" in err.value.problems[0].message
