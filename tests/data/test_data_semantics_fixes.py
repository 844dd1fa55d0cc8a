"""Time semantics of the SDTM, NONMEM and ADNCA readers (expected values by hand)."""

import math

import pytest

from kinetor.data import read_study
from kinetor.errors import DataError

UNITS = {"time": "h", "conc": "ng/mL", "dose": "mg"}


def _write(path, text):
    path.write_text(text.strip() + "\n")
    return path


def _sdtm(tmp_path, ex, pc):
    _write(tmp_path / "ex.csv", "USUBJID,EXTRT,EXDOSE,EXDOSU,EXROUTE,EXSTDTC\n" + ex)
    _write(tmp_path / "pc.csv", "USUBJID,PCTESTCD,PCSTRESN,PCSTRESU,PCDTC,PCELTM,PCRFTDTC\n" + pc)
    return read_study(tmp_path)


def test_sdtm_date_only_later_doses_keep_actual_times(tmp_path):
    ex = "P,X,10,mg,ORAL,2024-03-01T08:00\nP,X,10,mg,ORAL,2024-03-02\nP,X,10,mg,ORAL,2024-03-07T08:00"
    pc = (
        "P,X,50,ng/mL,2024-03-01T09:00,PT1H,2024-03-01T08:00\n"
        "P,X,90,ng/mL,2024-03-07T10:00,PT2H,2024-03-07T08:00\n"
        "P,X,40,ng/mL,2024-03-07T14:00,PT6H,2024-03-07T08:00"
    )
    st = _sdtm(tmp_path, ex, pc)
    # 03-07 10:00 - 03-01 08:00 = 6 days + 2 h = 146 h; 14:00 -> 150 h
    assert st.conc["time"].tolist() == [1.0, 146.0, 150.0]
    # nominal: PCRFTDTC - first dose (144 h) + PCELTM
    assert st.conc["nominal_time"].tolist() == [1.0, 146.0, 150.0]
    # the date-only dose of 03-02 at the first dose's clock time: 24 h
    assert sorted(st.doses["time"].tolist()) == [0.0, 24.0, 144.0]
    assert any("row(s) 3" in n and "day resolution" in n for n in st.notes)


def test_sdtm_first_dose_date_only_keeps_doses_before_their_samples(tmp_path):
    ex = "D,X,10,mg,ORAL,2024-03-01\nD,X,10,mg,ORAL,2024-03-02T08:00"
    pc = "D,X,5,ng/mL,2024-03-01T09:00,PT1H,\nD,X,6,ng/mL,2024-03-02T09:00,PT25H,"
    st = _sdtm(tmp_path, ex, pc)
    # day resolution from the first date: 0 and 24 h (not 32 h, after the 25 h sample)
    assert sorted(st.doses["time"].tolist()) == [0.0, 24.0]
    assert st.conc["nominal_time"].tolist() == [1.0, 25.0]
    assert any("first dose" in n and "no clock time" in n for n in st.notes)


def test_nonmem_reset_restarting_time_is_refused(tmp_path):
    f = _write(
        tmp_path / "nm.csv",
        """
ID,TIME,DV,AMT,EVID,MDV,CMT
1,0,.,100,1,1,2
1,1,10,.,0,0,2
1,2,8,.,0,0,2
1,0,.,100,4,1,2
1,1.5,3,.,0,0,2
""",
    )
    with pytest.raises(DataError) as err:
        read_study(f, units=UNITS)
    (p,) = err.value.problems
    assert (p.row, p.column) == (5, "TIME")
    assert "EVID 4" in p.message and "separate" in p.fix


def test_nonmem_reset_later_in_time_is_read(tmp_path):
    f = _write(
        tmp_path / "nm.csv",
        "ID,TIME,DV,AMT,EVID,MDV,CMT\n1,0,.,100,1,1,2\n1,2,8,.,0,0,2\n1,24,.,100,4,1,2\n"
        "1,25,3,.,0,0,2",
    )
    st = read_study(f, units=UNITS)
    assert st.doses["time"].tolist() == [0.0, 24.0]
    assert st.doses["reset"].tolist() == [False, True]


def test_nonmem_cens_minus_one_conc_is_nan(tmp_path):
    f = _write(
        tmp_path / "nm.csv",
        "ID,TIME,DV,AMT,EVID,MDV,CMT,CENS\n1,0,.,100,1,1,2,0\n1,1,2000,.,0,0,2,-1\n"
        "1,2,0.5,.,0,0,2,1\n1,3,8,.,0,0,2,0",
    )
    st = read_study(f, units=UNITS)
    c = st.conc.set_index("time")
    assert math.isnan(c.loc[1.0, "conc"]) and c.loc[1.0, "conc_reported"] == 2000.0
    assert "CENS=-1" in c.loc[1.0, "exclude"]
    # CENS = 1 without an LLOQ column: DV is the LLOQ
    assert bool(c.loc[2.0, "blq"]) and c.loc[2.0, "lloq"] == 0.5
    assert c.loc[3.0, "conc"] == 8.0


def test_adnca_relative_times_are_converted_to_the_study_unit(tmp_path):
    f = _write(
        tmp_path / "adnca.csv",
        """
USUBJID,PARAMCD,AVAL,AVALU,AFRLT,ARRLT,NFRLT,NRRLT,FRLTU,DOSEA,DOSEU,ROUTE
X1,DRUGX,20,ng/mL,1,1,1,1,h,100,mg,ORAL
X1,DRUGX,30,ng/mL,1500,60,1500,90,min,100,mg,ORAL
""",
    )
    st = read_study(f)
    assert st.units["time"] == "h"
    # 1500 min = 25 h; ARRLT 60 min = 1 h; NRRLT 90 min = 1.5 h
    assert st.conc["time"].tolist() == [1.0, 25.0]
    assert st.conc["time_ref"].tolist() == [1.0, 1.0]
    assert st.conc["nominal_time_ref"].tolist() == [1.0, 1.5]
