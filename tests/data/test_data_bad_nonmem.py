"""A bad NONMEM data set: every bad record listed with its row and column."""

from pathlib import Path

import pytest

from kinetor.data import read_study
from kinetor.errors import DataError

BAD = Path(__file__).parent / "fixtures" / "bad" / "nonmem.csv"

EXPECTED = [
    (2, "AMT", "dose must be > 0, got 0"),
    (3, "DV", "DV is neither a finite number nor recognised BLQ text: 'high'"),
    (4, "TIME", "TIME is not a finite number: 't1'"),
    (5, "EVID", "EVID must be 0-4, got 9"),
    (6, "II", "ADDL > 0 without a positive II"),
    (7, "TIME", "duplicate time 1 in the profile of subject '2'"),
    (8, "TIME", "duplicate time 1 in the profile of subject '2'"),
    (9, "DV", "negative concentration -5"),
    (10, "ID", "subject '3' has concentrations but no dose"),
    (11, "CMT", "unknown route 'CMT=3 (observations in CMT=2)'"),
]


def test_every_bad_record_is_listed():
    with pytest.raises(DataError) as err:
        read_study(BAD, units={"time": "h", "conc": "ng/mL", "dose": "mg"})
    got = [(p.row, p.column, p.message) for p in err.value.problems]
    assert [g[:2] for g in got] == [e[:2] for e in EXPECTED]
    for (*_, msg), (*_, gmsg) in zip(EXPECTED, got, strict=True):
        assert gmsg.startswith(msg)


def test_missing_units_are_named():
    with pytest.raises(DataError) as err:
        read_study(BAD)
    msgs = " ".join(p.message for p in err.value.problems)
    for what in ("time", "conc", "dose"):
        assert f"the {what} unit is unknown" in msgs
