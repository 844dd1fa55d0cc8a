"""``read_study`` and ``Study`` on careless Python input: a source that is
no table or path, unknown ``units=`` keys, tables that are not DataFrames, text in a
numeric column, no dose table, samples without a value and doses without samples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study, read_study
from kinetor.errors import DataError

U = {"time": "h", "conc": "ng/mL", "dose": "mg/kg"}


def _lab():
    return pd.DataFrame(
        {"Animal": ["a"] * 3, "Time": [0, 1, 2.0], "Conc": [0, 5, 2.0], "Dose": [1, None, None]}
    ).assign(Route=["PO", None, None])


@pytest.mark.parametrize("source", [5, 2.5, None, object()])
def test_read_study_of_something_unreadable(source):
    with pytest.raises(DataError, match="read_study cannot read a") as exc:
        read_study(source)
    assert "DataFrame" in exc.value.problems[0].fix


def test_unknown_unit_key_is_refused_listing_the_known_ones():
    with pytest.raises(DataError) as exc:
        read_study(_lab(), units={**U, "foo": "x"})
    (p,) = exc.value.problems
    assert "'foo'" in p.message and "time, conc, dose, weight, volume" in p.fix


def test_known_unit_keys_still_read():
    st = read_study(_lab(), units={**U, "weight": "kg"})
    assert st.units["conc"] == "ng/mL"


@pytest.mark.parametrize(
    "conc, doses, units, what",
    [
        ([1, 2, 3], None, U, "Study(conc=...)"),
        (pd.DataFrame({"subject": ["a"], "time": [1.0], "conc": [1.0]}), "doses.csv", U, "doses"),
        (pd.DataFrame({"subject": ["a"], "time": [1.0], "conc": [1.0]}), None, "h", "units"),
    ],
)
def test_study_of_tables_that_are_not_dataframes(conc, doses, units, what):
    with pytest.raises(DataError, match=r"must be a") as exc:
        Study(conc, doses, units=units)
    assert what in exc.value.problems[0].message


def test_text_in_a_numeric_column_names_row_and_column():
    c = pd.DataFrame({"subject": "a", "time": [0.0, 1, 2], "conc": ["0", "x", "3"]})
    with pytest.raises(DataError) as exc:
        Study(c, None, units=U)
    (p,) = exc.value.problems
    assert (p.row, p.column) == (2, "conc") and "'x'" in p.message


def test_no_dose_table_is_an_empty_one_with_a_note():
    c = pd.DataFrame({"subject": "a", "time": [0.0, 1], "conc": [0.0, 1]})
    st = Study(c, None, units=U)
    assert len(st.doses) == 0 and {"subject", "time", "dose", "route"} <= set(st.doses.columns)
    assert any("no dose table" in n for n in st.notes)


def test_missing_values_and_unused_doses_are_said():
    c = pd.DataFrame({"subject": "a", "time": [0.0, 1, 2], "conc": [0.0, np.nan, 1.0]})
    c["blq"] = [False, False, False]
    d = pd.DataFrame({"subject": ["a", "b"], "time": 0.0, "dose": 1.0, "route": "PO"})
    st = Study(c, d, units=U)
    assert st.conc["exclude"].tolist() == ["", "no concentration value", ""]
    assert any("rows 2" in n for n in st.notes)
    assert any("'b'" in n and "dose rows 2" in n for n in st.notes)
    # BLQ samples carry no value on purpose: not excluded, no note
    st = Study(c.assign(blq=[False, True, False]), d.iloc[:1], units=U)
    assert st.conc["exclude"].tolist() == ["", "", ""] and st.notes == []


def test_the_reader_notes_an_empty_cell_once():
    df = _lab()
    df.loc[1, "Conc"] = np.nan
    st = read_study(df, units=U)
    assert sum("without a concentration value" in n for n in st.notes) == 1


def test_a_rebuilt_study_says_it_once():
    from kinetor.data import fill_lloq

    c = pd.DataFrame({"subject": "a", "time": [0.0, 1, 2], "conc": [0.0, 1, 2]})
    d = pd.DataFrame({"subject": ["a", "b"], "time": 0.0, "dose": 1.0, "route": "PO"})
    st = fill_lloq(Study(c, d, units=U), 0.5)
    assert sum("'b'" in n for n in st.notes) == 1
