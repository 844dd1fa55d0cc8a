"""Issue 19 item 15 (speed): a DataFrame's numbers are read as numbers, never written out
to text and parsed back, and the result is the same as reading the same table as a CSV
file; errors still name the row, the column and the fix. No timings here (see
benchmarks/nca_throughput.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinetor.data import read_study
from kinetor.data._text import frame_to_raw
from kinetor.errors import DataError
from kinetor.nca import nca

UNITS = {"time": "h", "conc": "ng/mL", "dose": "mg/kg"}


def _frame():
    t = np.array([0.0, 0.5, 1, 2, 4, 8, 24])
    conc = [0.0, 12.5, 20.1, 15.0, 8.25, 3.3, 0.4]
    return pd.DataFrame({"Animal": np.repeat(["R10", "R2", "R1"], 7),
                         "Time": np.tile(t, 3),
                         "Conc": np.tile(conc, 3) * np.repeat([1.0, 2.0, 0.5], 7),
                         "Dose": 5, "Route": "PO"})


def test_numeric_columns_stay_numbers():
    raw = frame_to_raw(_frame())
    assert raw.frame["Time"].dtype == np.float64 and raw.frame["Dose"].dtype == np.int64
    assert raw.frame["Animal"].tolist()[:2] == ["R10", "R10"]
    assert raw.text("Dose").tolist()[:2] == ["5", "5"]       # text view when asked


def test_dataframe_and_csv_give_the_same_study(tmp_path):
    df = _frame()
    path = tmp_path / "lab.csv"
    df.to_csv(path, index=False)
    a = read_study(df, units=UNITS)
    b = read_study(path, units=UNITS)
    for col in ("subject", "time", "conc", "blq", "source_row", "analyte", "matrix"):
        assert a.conc[col].tolist() == b.conc[col].tolist(), col
    assert a.doses[["subject", "time", "dose", "route"]].values.tolist() == \
        b.doses[["subject", "time", "dose", "route"]].values.tolist()
    assert len(a.doses) == 3 and a.units == b.units


def test_non_finite_number_names_row_column_and_fix():
    df = _frame()
    df.loc[4, "Conc"] = np.inf
    df.loc[9, "Time"] = -np.inf
    with pytest.raises(DataError) as exc:
        read_study(df, units=UNITS)
    probs = {(p.row, p.column): p for p in exc.value.problems}
    # DataFrame row 4 is data row 6 (header = row 1, first data row = row 2)
    assert "'inf'" in probs[(6, "Conc")].message and probs[(6, "Conc")].fix
    assert "'-inf'" in probs[(11, "Time")].message and probs[(11, "Time")].fix


def test_conflicting_doses_on_rows_are_still_found():
    df = _frame()
    df.loc[df["Animal"] == "R2", "Dose"] = [5, 5, 5, 10, 5, 5, 5]
    with pytest.raises(DataError, match="conflicting doses"):
        read_study(df, units=UNITS)


def test_wide_table_of_a_reordered_long_table_is_the_same():
    res = nca(read_study(_frame(), units=UNITS))
    wide = res.to_wide()
    shuffled = res.parameters.sample(frac=1.0, random_state=3).reset_index(drop=True)
    again = type(res)(shuffled, res.profiles, res.options, res.provenance, res.groups,
                      res.units).to_wide()
    assert again["subject"].tolist() == ["R1", "R2", "R10"] == wide["subject"].tolist()
    cols = [c for c in wide.columns if c not in again.columns]
    assert cols == []
    pd.testing.assert_frame_equal(wide, again[wide.columns], check_dtype=False)
