"""Generic lab tables: roles, units, BLQ rules, doses on rows or in a doses table."""

import math

import numpy as np
import pandas as pd
import pytest

from kinetor.data import read_study
from kinetor.errors import DataError

LAB = """# study 123
Animal,Group,Sex,Weight (g),Route,Dose (mg/kg),Nominal time (h),Time (h),Conc (ng/mL),LLOQ (ng/mL),Comment
R1,IV 2,M,250,IV,2,0.083,0.1,1500,1,
R1,IV 2,M,250,IV,2,1,1,500,1,
R1,IV 2,M,250,IV,2,24,24.2,BLQ,1,
R2,PO 10,M,260,PO,10,0,0,<1,1,predose
R2,PO 10,M,260,PO,10,1,1.05,300,1,
R2,PO 10,M,260,PO,10,2,2,0.4,1,
R2,PO 10,M,260,PO,10,4,4,,1,tube broken
R2,PO 10,M,260,PO,10,8,8,>ULOQ,1,
"""


@pytest.fixture
def lab(tmp_path):
    path = tmp_path / "lab.csv"
    path.write_text(LAB)
    return path


def test_lab_table(lab):
    st = read_study(lab)
    c = st.conc
    assert st.units == {"time": "h", "conc": "ng/mL", "dose": "mg/kg"}
    # header on line 2 (after the comment), data from line 3
    assert c["source_row"].tolist() == list(range(3, 11))
    assert c["time"].tolist() == [0.1, 1.0, 24.2, 0.0, 1.05, 2.0, 4.0, 8.0]
    assert c["nominal_time"].tolist() == [0.083, 1, 24, 0, 1, 2, 4, 8]
    assert c["blq"].tolist() == [False, False, True, True, False, True, False, False]
    # 0.4 < LLOQ 1: BLQ, the measured value kept in conc_reported
    assert math.isnan(c["conc"].iloc[5]) and c["conc_reported"].iloc[5] == 0.4
    assert c["exclude"].tolist()[6:] == [
        "no concentration value",
        "above the upper limit of quantification ('>ULOQ')",
    ]
    assert c["Comment"].tolist()[3] == "predose"  # unmapped column kept
    d = st.doses
    assert d[["subject", "time", "dose", "route", "route_raw"]].values.tolist() == [
        ["R1", 0.0, 2.0, "iv_bolus", "IV"],
        ["R2", 0.0, 10.0, "extravascular", "PO"],
    ]
    assert d["source_row"].tolist() == [3, 6]
    s = st.subjects.set_index("subject")
    assert s.loc["R1", "weight"] == pytest.approx(0.25)  # 250 g -> kg
    assert s.loc["R2", "group"] == "PO 10" and s.loc["R2", "sex"] == "M"


def test_time_nominal_mode(lab):
    st = read_study(lab, time="nominal")
    assert st.conc["time"].tolist()[:3] == [0.083, 1.0, 24.0]
    assert st.conc["actual_time"].tolist()[:3] == [0.1, 1.0, 24.2]


def test_no_row_is_lost(lab):
    st = read_study(lab)
    assert len(st.conc) == LAB.count("\n") - 2  # every data line is one sample row


def test_units_argument_converts_and_declares():
    df = pd.DataFrame(
        {"id": ["a", "a"], "t": [30, 60], "conc": [1.0, 2.0], "dose": [1, 1], "route": ["IV", "IV"]}
    )
    with pytest.raises(DataError) as err:
        read_study(df)
    assert {p.message.split(" (")[0] for p in err.value.problems} == {
        "the time unit is unknown",
        "the conc unit is unknown",
        "the dose unit is unknown",
    }
    st = read_study(df, units={"time": "min", "conc": "ug/mL", "dose": "mg"})
    assert st.units == {"time": "min", "conc": "ug/mL", "dose": "mg"}
    assert st.conc["time"].tolist() == [30.0, 60.0]


def test_mixed_units_in_one_column_are_converted():
    df = pd.DataFrame(
        {
            "subject": ["a"] * 3,
            "time": [1, 2, 4],
            "conc": [1.5, 800, 0.2],
            "conc_unit": ["ug/mL", "ng/mL", "ug/mL"],
            "time_unit": "h",
            "dose": 1,
            "dose_unit": "mg/kg",
            "route": "PO",
        }
    )
    st = read_study(df)
    # most frequent unit (ug/mL) wins; 800 ng/mL = 0.8 ug/mL
    assert st.units["conc"] == "ug/mL"
    np.testing.assert_allclose(st.conc["conc"], [1.5, 0.8, 0.2])
    assert any("converted from ng/mL to ug/mL" in n for n in st.notes)
    st = read_study(df, units={"conc": "ng/mL"})
    np.testing.assert_allclose(st.conc["conc"], [1500.0, 800.0, 200.0])


def test_molar_and_mass_need_mw():
    df = pd.DataFrame(
        {
            "subject": ["a"] * 2,
            "time": [1, 2],
            "conc": [1.0, 462.55],
            "conc_unit": ["uM", "ng/mL"],
            "time_unit": "h",
            "dose": 1,
            "dose_unit": "mg/kg",
            "route": "PO",
        }
    )
    with pytest.raises(DataError, match="mw="):
        read_study(df, units={"conc": "ng/mL"})
    st = read_study(df, units={"conc": "ng/mL"}, mw=462.55)
    np.testing.assert_allclose(st.conc["conc"], [462.55, 462.55])  # 1 uM x 462.55 g/mol


def test_separate_doses_table(tmp_path):
    conc = tmp_path / "conc.txt"
    conc.write_text("Subject\tTime (h)\tConc (ng/mL)\nS1\t1\t10\nS1\t25\t12\n")
    doses = tmp_path / "dosing.csv"
    doses.write_text("Subject,Time (h),Dose (mg),Route,ADDL,II\nS1,0,5,oral gavage,1,24\n")
    st = read_study(conc, doses=doses)
    assert st.doses[["time", "dose", "route", "source_row"]].values.tolist() == [
        [0.0, 5.0, "extravascular", 2],
        [24.0, 5.0, "extravascular", 2],
    ]
    assert st.files == {"conc": "conc.txt", "doses": "dosing.csv", "subjects": "conc.txt"}


def test_first_dose_defines_time_zero():
    df = pd.DataFrame(
        {
            "subject": ["a", "a"],
            "time (h)": [9.0, 10.0],
            "conc": [1.0, 2.0],
            "dose_time (h)": [8.0, 8.0],
            "dose (mg)": [1, 1],
            "route": "IV",
            "conc_unit": "ng/mL",
        }
    )
    st = read_study(df)
    assert st.conc["time"].tolist() == [1.0, 2.0] and st.doses["time"].tolist() == [0.0]


def test_roles_override_and_groups():
    df = pd.DataFrame(
        {
            "Rat": ["a", "b"],
            "When (h)": [1, 1],
            "Level (ng/mL)": [1.0, 2.0],
            "Dose (mg/kg)": [1, 2],
            "Route": "PO",
            "Cohort2": ["x", "y"],
        }
    )
    st = read_study(
        df,
        roles={"subject": "Rat", "time": "When (h)", "conc": "Level (ng/mL)"},
        groups=["Cohort2"],
    )
    assert st.groups == ["Cohort2"]
    assert st.subjects.set_index("subject")["Cohort2"].to_dict() == {"a": "x", "b": "y"}


def test_weight_without_unit_is_a_covariate():
    df = pd.DataFrame(
        {
            "subject": ["a"],
            "time (h)": [1],
            "conc (ng/mL)": [1.0],
            "dose (mg/kg)": [1],
            "route": "PO",
            "BW": [0.25],
        }
    )
    st = read_study(df)
    assert math.isnan(st.subjects["weight"].iloc[0]) and st.conc["BW"].iloc[0] == "0.25"
    st = read_study(df, units={"weight": "kg"})
    assert st.subjects["weight"].iloc[0] == 0.25


def test_blq_flag_column_and_limit_text():
    df = pd.DataFrame(
        {
            "subject": ["a"] * 3,
            "time (h)": [1, 2, 3],
            "conc (ng/mL)": ["5", "0.8", "<0.5"],
            "BLQ": ["N", "Y", "N"],
            "dose (mg/kg)": 1,
            "route": "SC",
        }
    )
    st = read_study(df)
    assert st.conc["blq"].tolist() == [False, True, True]
    assert st.conc["lloq"].iloc[2] == 0.5  # '<0.5' gives the LLOQ when no LLOQ column
    assert st.conc["conc_reported"].iloc[1] == 0.8
