"""NONMEM dose items (AMT, RATE, SS, II, ADDL) on EVID 2 (other-type) and 3 (reset) records.

NONMEM help, EVID data item: for EVID 2 and 3 "dose-related data items must be zero". An
amount there is no dose; kinetor refuses the record (naming its row and column) instead of
dropping the amount, in ``read_study`` and in ``Regimen.from_nonmem``. Rows count the
header as row 1.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kinetor.data import read_study
from kinetor.errors import DataError
from kinetor.pk import Regimen

UNITS = {"time": "h", "conc": "ng/mL", "dose": "mg"}


def _records(evid: int, **items) -> pd.DataFrame:
    """A dose at 0, samples at 1, 6, 8 h and an EVID ``evid`` record at 5 h (row 4)."""
    frame = pd.DataFrame(
        {
            "ID": 1,
            "TIME": [0.0, 1.0, 5.0, 6.0, 8.0],
            "DV": [".", "10", ".", "5", "3"],
            "AMT": [100.0, 0.0, 0.0, 0.0, 0.0],
            "EVID": [1, 0, evid, 0, 0],
            "MDV": [1, 0, 1, 0, 0],
            "CMT": 2,
        }
    )
    for col, value in items.items():
        if col not in frame.columns:
            frame[col] = 0.0
        frame.loc[2, col] = value
    return frame


def _read(tmp_path, frame):
    path = tmp_path / "nm.csv"
    frame.to_csv(path, index=False)
    return read_study(path, format="nonmem", units=UNITS)


def _cells(err) -> list[tuple]:
    return sorted((p.row, p.column) for p in err.value.problems)


@pytest.mark.parametrize(("evid", "fix"), [(3, "EVID 4"), (2, "EVID 1"), (0, "EVID 1")])
def test_read_study_refuses_an_amount_on_a_record_that_is_not_a_dose(tmp_path, evid, fix):
    with pytest.raises(DataError) as err:
        _read(tmp_path, _records(evid, AMT=50.0))
    assert _cells(err) == [(4, "AMT")]
    (p,) = err.value.problems
    assert p.file.endswith("nm.csv") and f"EVID {evid}" in p.message and fix in p.fix


def test_read_study_refuses_each_dose_item_of_a_reset(tmp_path):
    with pytest.raises(DataError) as err:
        _read(tmp_path, _records(3, RATE=10.0, SS=1.0, II=12.0, ADDL=2.0))
    assert _cells(err) == [(4, "ADDL"), (4, "II"), (4, "RATE"), (4, "SS")]


def test_read_study_keeps_zero_dose_items_and_commented_records(tmp_path):
    st = _read(tmp_path, _records(3, AMT=0.0, RATE=0.0))
    assert st.doses["dose"].tolist() == [100.0]
    commented = _records(3, AMT=50.0).assign(C=[".", ".", "1", ".", "."])
    st = _read(tmp_path, commented)
    assert st.doses["dose"].tolist() == [100.0]


def _regimen_records(evid: int, **items) -> pd.DataFrame:
    """A dose at 0 (row 2) and an EVID ``evid`` record at 5 h (row 3)."""
    frame = pd.DataFrame({"ID": 1, "TIME": [0.0, 5.0], "AMT": [100.0, 0.0], "EVID": [1, evid]})
    frame["CMT"] = 2
    for col, value in items.items():
        if col not in frame.columns:
            frame[col] = 0.0
        frame.loc[1, col] = value
    return frame


@pytest.mark.parametrize(("evid", "fix"), [(3, "EVID 4"), (2, "EVID 1"), (0, "EVID 1")])
def test_regimen_refuses_an_amount_on_a_record_that_is_not_a_dose(evid, fix):
    with pytest.raises(DataError) as err:
        Regimen.from_nonmem(_regimen_records(evid, AMT=50.0), dose_unit="mg")
    (p,) = err.value.problems
    assert (p.row, p.column) == (3, "AMT") and fix in p.fix


def test_regimen_refuses_each_dose_item_of_a_reset():
    with pytest.raises(DataError) as err:
        Regimen.from_nonmem(_regimen_records(3, RATE=10.0, II=12.0, ADDL=2.0), dose_unit="mg")
    assert _cells(err) == [(3, "ADDL"), (3, "II"), (3, "RATE")]


def test_regimen_keeps_a_reset_with_zero_dose_items():
    reg = Regimen.from_nonmem(_regimen_records(3, AMT=0.0, II=0.0), dose_unit="mg")
    table = reg.to_table()
    # the reset at 5 h ends the dose at 0: it acts until 5 h
    assert table["amount"].tolist() == [100.0] and table["until"].tolist() == [5.0]
