"""A bad SDTM set (PC, EX, DM): every bad record listed with its file, row and variable."""

from pathlib import Path

import pytest

from kinetor.data import read_study
from kinetor.errors import DataError

BAD = Path(__file__).parent / "fixtures" / "bad" / "sdtm"

EXPECTED = [
    ("dm.csv", 2, "SEX", "subject 'S1' has conflicting sex: 'M' on row(s) 2; 'F' on row(s) 3"),
    ("ex.csv", 2, "EXDOSE", "EXDOSE is not a finite number: 'ten'"),
    ("ex.csv", 3, "EXROUTE", "unknown route 'INTRAOCULAR'"),
    ("ex.csv", 4, "EXSTDTC", "not an ISO 8601 date-time: 'yesterday'"),
    (
        "pc.csv",
        3,
        "PCSTRESN",
        "concentration is neither a finite number nor recognised BLQ text: '12..5'",
    ),
    (
        "pc.csv",
        4,
        "PCSTRESC",
        "concentration is neither a finite number nor recognised BLQ text: 'HIGH'",
    ),
    ("pc.csv", 5, "PCELTM", "PCELTM is not an ISO 8601 duration: '4 hours'"),
    ("pc.csv", 6, "PCDTC", "not an ISO 8601 date-time: '04/03/2021 14:00'"),
    ("pc.csv", 7, "PCSTRESU", "conc values in 'furlongs' cannot be converted to 'ng/mL'"),
    ("pc.csv", 8, "PCLLOQ", "LLOQ must be > 0, got -1"),
]


def test_every_bad_record_is_listed():
    with pytest.raises(DataError) as err:
        read_study(BAD)
    got = [(p.file, p.row, p.column, p.message) for p in err.value.problems]
    assert [g[:3] for g in got] == [e[:3] for e in EXPECTED]
    for (*_, msg), (*_, gmsg) in zip(EXPECTED, got, strict=True):
        assert gmsg.startswith(msg)
