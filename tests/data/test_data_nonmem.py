"""NONMEM-style records: EVID/MDV/CMT/RATE/ADDL/CENS, from a hand-written fixture."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinetor.data import read_study

FIX = Path(__file__).parent / "fixtures"
UNITS = {"time": "h", "conc": "ng/mL", "dose": "mg"}


@pytest.fixture
def st():
    return read_study(FIX / "nonmem.csv", units=UNITS)


def test_every_record_accounted_for(st):
    # 16 records: 5 dose records (rows 2, 7, 13, 16 and ... ) -> doses; 12 others -> conc
    assert len(st.conc) == 12
    assert sorted(set(st.conc["source_row"]) | set(st.doses["source_row"])) == list(range(2, 18))


def test_samples(st):
    c = st.conc.set_index("source_row")
    assert bool(c.loc[6, "blq"]) and c.loc[6, "lloq"] == 1.0  # CENS=1
    # DV 0.4 < LLOQ 1 with CENS = 0: an observation, as NONMEM reads it, with a note
    assert not bool(c.loc[11, "blq"]) and c.loc[11, "conc"] == 0.4
    assert any("below their LLOQ kept as observations" in n and "11" in n for n in st.notes)
    assert c.loc[9, "exclude"] == "EVID=2 (other event)"
    assert c.loc[12, "exclude"] == "MDV=1"
    assert c.loc[3, "conc"] == 950.0 and c.loc[3, "time"] == 0.25


def test_doses_routes_infusions_and_addl(st):
    d = st.doses
    assert d[["subject", "time", "dose", "route"]].values.tolist() == [
        ["1", 0.0, 0.5, "iv_bolus"],  # CMT 2 = observation compartment
        ["2", 0.0, 2.5, "extravascular"],  # CMT 1 (depot), observations in CMT 2
        ["2", 12.0, 2.5, "extravascular"],  # ADDL=2, II=12
        ["2", 24.0, 2.5, "extravascular"],
        ["3", 0.0, 4.0, "iv_infusion"],  # RATE=2: duration 4/2 = 2 h
        ["4", 0.0, 4.0, "iv_infusion"],
    ]  # RATE=-2: modelled duration
    assert d["source_row"].tolist() == [2, 7, 7, 7, 13, 16]
    assert d["duration"].iloc[4] == 2.0 and math.isnan(d["duration"].iloc[5])
    assert d["flag"].iloc[5] == "modelled duration (RATE=-2)"
    assert (d["addl"] == 0).all() and d["ii"].iloc[1] == 12.0


def test_addl_expansion_hand_values():
    df = pd.DataFrame(
        {
            "ID": [1, 1, 1],
            "TIME": [0, 2, 50],
            "DV": [0, 10, 8],
            "AMT": [100, 0, 0],
            "EVID": [1, 0, 0],
            "CMT": [1, 2, 2],
            "ADDL": [3, 0, 0],
            "II": [12, 0, 0],
            "SS": [1, 0, 0],
        }
    )
    st = read_study(df, units=UNITS)
    # ADDL=3 more doses every 12 h: 0, 12, 24, 36; the original row for all four
    assert st.doses["time"].tolist() == [0.0, 12.0, 24.0, 36.0]
    assert st.doses["source_row"].tolist() == [2, 2, 2, 2]
    assert st.doses["ss"].tolist() == [1, 1, 1, 1]


def test_without_evid_and_with_route_column_whitespace_file(tmp_path):
    path = tmp_path / "run1.dat"
    path.write_text(
        "ID TIME DV AMT MDV ROUTE C\n"
        "1 0 . 10 1 PO .\n"
        "1 1 5.5 . 0 PO .\n"
        "1 2 4.1 . 0 PO C\n"
        "1 3 . . 1 PO .\n"
    )
    st = read_study(path, units=UNITS)
    assert st.doses[["time", "dose", "route"]].values.tolist() == [[0.0, 10.0, "extravascular"]]
    assert st.conc["exclude"].tolist() == ["", "commented out (C column)", "EVID=2 (other event)"]
    np.testing.assert_array_equal(st.conc["source_row"], [3, 4, 5])


def test_units_are_required():
    with pytest.raises(Exception, match="unit is unknown"):
        read_study(FIX / "nonmem.csv")


def test_evid_4_reset_and_dose_and_evid_3(tmp_path):
    df = pd.DataFrame(
        {
            "ID": [1] * 6,
            "TIME": [0, 2, 10, 12, 14, 20],
            "DV": [".", 8, ".", ".", 9, 4],
            "AMT": [5, 0, 0, 5, 0, 0],
            "EVID": [1, 0, 3, 4, 0, 0],
            "CMT": [2, 2, 2, 2, 2, 2],
        }
    )
    st = read_study(df, units=UNITS)
    assert st.doses[["time", "reset"]].values.tolist() == [[0.0, False], [12.0, True]]
    assert st.conc["exclude"].tolist() == ["", "EVID=3 (reset)", "", ""]
    paths = st.to_csv(tmp_path)  # Study.to_csv delegates to write_csv
    back = read_study(tmp_path)
    assert [p.name for p in paths] == ["conc.csv", "doses.csv", "subjects.csv"]
    assert back.doses["reset"].astype(str).tolist() == ["False", "True"]  # kept as extra
