"""A dose column on the sample rows without a dose_time column is one dose at time 0 per
subject. Doses given on some rows only, at different sample times, were read as that one
dose and the later ones lost without a word; they are now refused, naming the rows."""

import pandas as pd
import pytest

import kinetor as kt
from kinetor.errors import DataError

UNITS = {"time": "h", "conc": "ng/mL", "dose": "mg"}


def _conc(doses):
    t = [0, 1, 2, 4, 8, 24, 25, 26, 28]
    return pd.DataFrame(
        {"subject": "S", "time": t, "conc": [0, 9, 7, 5, 3, 1, 10, 8, 6], "route": "PO"}
        | {"dose": doses}
    )


def test_doses_on_rows_of_different_times_are_refused():
    with pytest.raises(DataError, match=r"rows 2 \(0\), 7 \(24\)") as e:
        kt.read_study(_conc([100, None, None, None, None, 100, None, None, None]), units=UNITS)
    assert "dose_time" in str(e.value)


def test_a_dose_on_every_row_or_on_the_first_row_is_one_dose_at_0():
    # guards: the two single-dose layouts read as before
    for doses in ([100] * 9, [100] + [None] * 8):
        study = kt.read_study(_conc(doses), units=UNITS)
        assert study.doses["time"].tolist() == [0.0]
        assert study.doses["dose"].tolist() == [100.0]


def test_with_a_dose_time_column_the_rows_give_each_dose():
    # guard: the documented way of giving several doses on the sample rows
    df = _conc([100] * 5 + [100] * 4).assign(dose_time=[0] * 5 + [24] * 4)
    study = kt.read_study(df, units=UNITS)
    assert study.doses["time"].tolist() == [0.0, 24.0]
