"""Raw input: delimiter, encoding and decimal-comma sniffing, row numbers, Excel."""

import pandas as pd
import pytest

from kinetor.data import read_study
from kinetor.data._text import read_raw, read_raw_text

ROWS = [
    ["Animal", "Time (h)", "Conc (µg/L)", "Dose (mg/kg)", "Route"],
    ["R1", "0.5", "12.5", "2", "IV"],
    ["R1", "2", "BLQ", "2", "IV"],
]


def _text(delim: str) -> str:
    return "\n".join(delim.join(r) for r in ROWS) + "\n"


@pytest.mark.parametrize("delim", [",", ";", "\t", "|"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1", "cp1252", "utf-16"])
def test_delimiter_and_encoding(tmp_path, delim, encoding):
    path = tmp_path / "study.txt"
    path.write_bytes(_text(delim).encode(encoding))
    raw = read_raw(path)
    assert list(raw.frame.columns) == ROWS[0]
    assert raw.frame["Conc (µg/L)"].tolist() == ["12.5", "BLQ"]
    assert raw.rows.tolist() == [2, 3]
    st = read_study(path)
    assert st.units["conc"] == "ug/L"
    assert st.conc["conc"].iloc[0] == 12.5 and bool(st.conc["blq"].iloc[1])


def test_whitespace_separated(tmp_path):
    path = tmp_path / "nm.txt"
    path.write_text("ID TIME DV AMT EVID CMT\n1 0 0 5 1 1\n1  1.5  20 0 0 2\n")
    raw = read_raw(path)
    assert list(raw.frame.columns) == ["ID", "TIME", "DV", "AMT", "EVID", "CMT"]
    assert raw.frame["DV"].tolist() == ["0", "20"]


def test_decimal_comma_in_semicolon_file():
    raw = read_raw_text(b"Animal;Time;Conc\nR1;0,5;1,25\nR1;2;<0,5\n", "eu.csv")
    assert raw.frame["Time"].tolist() == ["0.5", "2"]
    assert raw.frame["Conc"].tolist() == ["1.25", "<0.5"]
    assert any("decimal comma" in n for n in raw.notes)


def test_comment_and_blank_lines_keep_physical_row_numbers():
    text = "# exported 2021-03-04\n\nAnimal,Time,Conc\nR1,1,5\n\nR1,2,4\n# end\n"
    raw = read_raw_text(text.encode(), "x.csv")
    # header on line 3; data on lines 4 and 6; the blank line 5 and the comment are skipped
    assert raw.rows.tolist() == [4, 6]
    assert raw.frame["Conc"].tolist() == ["5", "4"]


def test_ragged_rows():
    raw = read_raw_text(b"a,b,c\n1,2\n1,2,3,4\n", "r.csv")
    assert raw.frame.values.tolist() == [["1", "2", ""], ["1", "2", "3"]]
    # both rows are named: a short row is no longer padded silently, a long one is refused
    assert [(p.row, p.message.split(" but")[0]) for p in raw.problems] == [
        (2, "2 cells"),
        (3, "4 cells"),
    ]


def test_excel_sheet_with_title_rows(tmp_path):
    path = tmp_path / "book.xlsx"
    data = pd.DataFrame(
        {
            "Animal": ["R1", "R1"],
            "Time (h)": [0.5, 2.0],
            "Conc (ng/mL)": [12.5, "BLQ"],
            "Dose (mg/kg)": [2, 2],
            "Route": ["PO", "PO"],
        }
    )
    with pd.ExcelWriter(path) as xl:
        pd.DataFrame({"x": [1]}).to_excel(xl, sheet_name="Other", index=False)
        # two title rows above the table: header on Excel row 3, data on rows 4-5
        pd.DataFrame([["Study VIS-01"], [None]]).to_excel(
            xl, sheet_name="PK", index=False, header=False
        )
        data.to_excel(xl, sheet_name="PK", index=False, startrow=2)
    raw = read_raw(path, sheet="PK")
    assert raw.rows.tolist() == [4, 5]
    assert raw.file == "book.xlsx[PK]"
    st = read_study(path, sheet="PK")
    assert st.conc["conc"].iloc[0] == 12.5
    assert st.conc["source_row"].tolist() == [4, 5]
    assert st.doses["route"].tolist() == ["extravascular"]
