"""A bad generic lab table: one DataError lists every bad row, with row and column."""

from pathlib import Path

import pytest

from kinetor.data import read_study
from kinetor.errors import DataError

BAD = Path(__file__).parent / "fixtures" / "bad" / "generic.csv"

# (row, column, start of the message): rows as in the file, header = row 1
EXPECTED = [
    (2, "Sex", "subject 'R1' has conflicting sex: 'M' on row(s) 2, 3, 4, 5; 'F' on row(s) 6"),
    (3, "Conc (ng/mL)", "negative concentration -3"),
    (3, "Time (h)", "duplicate time 1 in the profile of subject 'R1'"),
    (4, "Time (h)", "duplicate time 1 in the profile of subject 'R1'"),
    (5, "Time (h)", "time is not a finite number: 'two'"),
    (6, "Conc (ng/mL)", "concentration is neither a finite number nor recognised BLQ text: 'abc'"),
    (7, "Dose (mg/kg)", "dose must be > 0, got 0"),
    (7, "LLOQ (ng/mL)", "LLOQ must be > 0, got 0"),
    (8, "Route", "unknown route 'teleport'"),
    (9, "Animal", "subject 'R4' has concentrations but no dose"),
    (10, "Time (h)", "no time for this sample"),
]


def test_every_bad_row_is_listed():
    with pytest.raises(DataError) as err:
        read_study(BAD)
    got = [(p.row, p.column, p.message) for p in err.value.problems]
    assert len(got) == len(EXPECTED)
    for (row, col, msg), (grow, gcol, gmsg) in zip(EXPECTED, got, strict=True):
        assert (grow, gcol) == (row, col)
        assert gmsg.startswith(msg)
    assert {p.file for p in err.value.problems} == {"generic.csv"}
    assert all(p.fix for p in err.value.problems)
    # the duplicate rows name each other
    assert got[2][2].endswith("also row(s) 4") and got[3][2].endswith("also row(s) 3")


def test_problem_table():
    with pytest.raises(DataError) as err:
        read_study(BAD)
    table = err.value.to_frame()
    assert list(table.columns) == ["file", "row", "column", "problem", "fix"]
    assert table["row"].tolist() == [r for r, _, _ in EXPECTED]
