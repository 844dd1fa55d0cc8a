"""A bad ADNCA file: every bad record listed with its row and variable."""

from pathlib import Path

import pytest

from kinetor.data import read_study
from kinetor.errors import DataError

BAD = Path(__file__).parent / "fixtures" / "bad" / "adnca.csv"

EXPECTED = [
    (2, "DOSEA", "dose must be > 0, got 0"),
    (3, "AVAL", "concentration is neither a finite number nor recognised BLQ text: 'x1'"),
    (4, "AFRLT", "AFRLT is not a finite number: 'abc'"),
    (5, "AVALU", "conc values in 'parsecs' cannot be converted to 'ng/mL'"),
    (6, "ALLOQ", "LLOQ must be > 0, got 0"),
    (7, "AFRLT", "duplicate time 8 in the profile of subject 'A1' (VIS, PLASMA): also row(s) 8"),
    (8, "AFRLT", "duplicate time 8 in the profile of subject 'A1' (VIS, PLASMA): also row(s) 7"),
    (9, "ROUTE", "unknown route 'warp'"),
]


def test_every_bad_record_is_listed():
    with pytest.raises(DataError) as err:
        read_study(BAD)
    got = [(p.row, p.column, p.message) for p in err.value.problems]
    assert [g[:2] for g in got] == [e[:2] for e in EXPECTED]
    for (*_, msg), (*_, gmsg) in zip(EXPECTED, got, strict=True):
        assert gmsg.startswith(msg)
    assert {p.file for p in err.value.problems} == {"adnca.csv"}
