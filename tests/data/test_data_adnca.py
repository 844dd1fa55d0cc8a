"""ADaM ADNCA / ADPC from a hand-written fixture."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinetor.data import read_study

FIX = Path(__file__).parent / "fixtures"


def test_adnca_fixture():
    st = read_study(FIX / "adnca.csv")
    c = st.conc
    # 10 records: 3 dose records (EVID=1) go to doses, 7 sample records stay
    assert len(c) + len(st.doses) == 10
    assert c["source_row"].tolist() == [3, 4, 5, 7, 8, 10, 11]
    assert c["time"].tolist() == [0.52, 2.1, 11.9, 11.9, 12.55, 0.5, 4.0]
    assert c["nominal_time"].tolist() == [0.5, 2.0, 12.0, 12.0, 12.5, 0.5, 4.0]
    assert c["blq"].tolist() == [False, False, True, True, False, False, False]
    assert c["exclude"].tolist() == ["", "", "", "derived record (DTYPE=COPY)", "", "", ""]
    # 1.95 ug/mL -> 1950 ng/mL; its ALLOQ 0.002 ug/mL -> 2 ng/mL
    assert c["conc"].iloc[5] == pytest.approx(1950.0) and c["lloq"].iloc[5] == pytest.approx(2.0)
    assert c["profile"].tolist()[3:5] == ["DOSE 2", "DOSE 2"]
    assert c["time_ref"].iloc[4] == 0.55
    assert st.units == {"time": "h", "conc": "ng/mL", "dose": "mg/kg"}
    d = st.doses
    assert d[["subject", "time", "dose", "route", "source_row"]].values.tolist() == [
        ["AD-1-01", 0.0, 15.0, "extravascular", 2],
        ["AD-1-01", 12.0, 15.0, "extravascular", 6],
        ["AD-1-02", 0.0, 7.5, "extravascular", 9],
    ]
    s = st.subjects.set_index("subject")
    assert s.loc["AD-1-02", "group"] == "Vistusertib 7.5 mg/kg"
    assert s.loc["AD-1-01", "species"] == "MOUSE"


def test_doses_derived_from_arrlt_when_no_dose_records():
    # two profiles, no EVID: doses at AFRLT - ARRLT = 0 and 24
    df = pd.DataFrame(
        {
            "USUBJID": ["A"] * 4,
            "PARAMCD": "X",
            "AVAL": [5, 3, 6, 2],
            "AVALU": "ng/mL",
            "AFRLT": [1, 4, 25, 28],
            "ARRLT": [1, 4, 1, 4],
            "FRLTU": "h",
            "DOSEA": 3,
            "DOSEU": "mg",
            "ROUTE": "IV",
        }
    )
    st = read_study(df)
    assert st.doses["time"].tolist() == [0.0, 24.0]
    assert st.doses["source_row"].tolist() == [2, 4]
    np.testing.assert_array_equal(st.conc["time"], [1, 4, 25, 28])
