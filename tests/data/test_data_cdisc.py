"""SDTM/SEND PC + EX (+ DM, BW, POOLDEF) from hand-written fixtures."""

import math
import shutil
from pathlib import Path

import numpy as np
import pytest

from kinetor.data import read_study
from kinetor.errors import DataError

FIX = Path(__file__).parent / "fixtures"


def test_sdtm_folder():
    st = read_study(FIX / "sdtm")
    c = st.conc
    assert len(c) == 10  # every PC record is a sample row
    assert c["source_row"].tolist() == list(range(2, 12))
    # actual = PCDTC - first EXSTDTC: S-001 dosed 08:00; 07:30 -> -0.5 h, 08:16 -> 16/60 h,
    # 09:02 -> 62/60 h, 12:00 -> 4 h, next day 08:05 -> 24 + 5/60 h; NOT DONE row: no PCDTC,
    # so its nominal time (PT8H) is used
    np.testing.assert_allclose(c["time"].iloc[:6], [-0.5, 16 / 60, 62 / 60, 4.0, 8.0, 24 + 5 / 60])
    np.testing.assert_allclose(c["nominal_time"].iloc[:6], [-0.5, 0.25, 1, 4, 8, 24])
    # S-002 dosed 08:10: 08:40 -> 0.5, 09:41 -> 91/60, 12:10 -> 4, next day 08:10 -> 24
    np.testing.assert_allclose(c["time"].iloc[6:], [0.5, 91 / 60, 4.0, 24.0])
    assert c["blq"].tolist() == [True, False, False, False, False, True, False, False, False, False]
    assert c["conc"].iloc[3] == 30.0  # PCSTRESN in ng/mL (PCORRES 0.03 ug/mL ignored)
    assert c["exclude"].iloc[4] == "not done: SAMPLE LOST"
    assert c["exclude"].iloc[9] == "HAEMOLYSED"
    assert (c["exclude"].iloc[[0, 1, 2, 3, 5, 6, 7, 8]] == "").all()
    assert set(c["analyte"]) == {"AZD2014"} and set(c["profile"]) == {"Day 1 Dose"}
    d = st.doses
    assert d[["subject", "time", "dose", "route"]].values.tolist() == [
        ["VIS-01-001", 0.0, 1.0, "iv_bolus"],
        ["VIS-01-002", 0.0, 5.0, "extravascular"],
    ]
    assert d["analyte"].tolist() == ["VISTUSERTIB"] * 2
    s = st.subjects.set_index("subject")
    assert s.loc["VIS-01-002", "group"] == "PO 5 mg/kg" and s.loc["VIS-01-001", "sex"] == "M"
    assert s.loc["VIS-01-001", "STRAIN"] == "WISTAR HAN"  # DM covariates kept
    assert st.units == {"time": "h", "conc": "ng/mL", "dose": "mg/kg"}


def test_send_folder_multiple_dose_pool_and_weights():
    st = read_study(FIX / "send")
    c = st.conc.set_index("source_row")
    # day 7 profile: PCNOMDY 7, PCELTM PT1H -> 6 x 24 + 1 = 145 h nominal;
    # actual 2021-05-07T10:06 - 2021-05-01T09:00 = 6 days 1 h 6 min = 145.1 h
    assert c.loc[4, "nominal_time"] == 145.0
    assert c.loc[4, "time"] == pytest.approx(145.1)
    assert c.loc[5, "nominal_time"] == 168.0 and bool(c.loc[5, "blq"])
    assert c.loc[5, "lloq"] == 0.5  # from '<0.5' (PCLLOQ empty)
    assert c.loc[6, "subject"] == "POOL-A" and c.loc[6, "time"] == 2.0
    d = st.doses[st.doses["subject"] == "TK-7-101"]
    # QD from 2021-05-01T09:00 to 2021-05-07 (date only: last dose that day): 7 doses
    assert d["time"].tolist() == [0.0, 24.0, 48.0, 72.0, 96.0, 120.0, 144.0]
    assert set(d["source_row"]) == {2}
    assert st.doses.loc[st.doses["subject"] == "POOL-A", "dose"].tolist() == [10.0]
    w = st.subjects.set_index("subject")["weight"]
    assert w["TK-7-101"] == pytest.approx(0.240)  # baseline BWBLFL=Y, 240 g
    assert math.isnan(w["TK-7-102"])
    assert st.subjects.set_index("subject").loc["TK-7-101", "group"] == "10 mg/kg/day"


def test_pc_path_finds_ex_and_dm_next_to_it():
    st = read_study(FIX / "sdtm" / "pc.csv")
    assert len(st.doses) == 2 and st.subjects["species"].tolist() == ["RAT", "RAT"]


def test_dict_and_list_sources(tmp_path):
    files = {k: FIX / "sdtm" / f"{k}.csv" for k in ("pc", "ex", "dm")}
    a = read_study(files)
    for k, f in files.items():
        shutil.copy(f, tmp_path / f"study_{k}_x.csv")
    b = read_study([tmp_path / f"study_{k}_x.csv" for k in ("dm", "pc", "ex")])
    assert a.conc["conc"].equals(b.conc["conc"]) and len(b.doses) == 2


def test_ex_file_alone_is_refused():
    with pytest.raises(DataError, match="EX"):
        read_study(FIX / "sdtm" / "ex.csv")


def test_pc_without_ex_reports_undosed_subjects(tmp_path):
    shutil.copy(FIX / "sdtm" / "pc.csv", tmp_path / "pc.csv")
    with pytest.raises(DataError) as err:
        read_study(tmp_path / "pc.csv", units={"dose": "mg/kg"})
    msgs = [p.message for p in err.value.problems]
    assert msgs == [
        "subject 'VIS-01-001' has concentrations but no dose",
        "subject 'VIS-01-002' has concentrations but no dose",
    ]
