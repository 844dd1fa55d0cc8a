"""Reader fixes from the data-reader audit: LLOQ units, CDISC reference times and time
zones, EXDOSFRQ terms, NONMEM record order and dose fields. Expected values are worked
out by hand in each test."""

from __future__ import annotations

import pandas as pd
import pytest

import kinetor as kt
from kinetor.errors import DataError

DM = {"STUDYID": ["S"], "DOMAIN": ["DM"], "USUBJID": ["A1"], "SPECIES": ["RAT"], "SEX": ["M"]}


def _cdisc(tmp_path, pc, ex):
    pd.DataFrame(pc).to_csv(tmp_path / "pc.csv", index=False)
    pd.DataFrame(ex).to_csv(tmp_path / "ex.csv", index=False)
    pd.DataFrame(DM).to_csv(tmp_path / "dm.csv", index=False)
    return tmp_path


def _pc(**kw):
    base = {"STUDYID": "S", "DOMAIN": "PC", "USUBJID": "A1", "PCTESTCD": "DRUG"}
    n = max(len(v) for v in kw.values() if isinstance(v, list))
    base["PCSTRESN"] = [10.0] * n
    base["PCSTRESU"] = "ng/mL"
    return {**base, **kw}


def _ex(**kw):
    base = {"STUDYID": "S", "DOMAIN": "EX", "USUBJID": "A1", "EXTRT": "DRUG"}
    base.update(EXDOSE=5, EXDOSU="mg", EXROUTE="ORAL")
    return {**base, **kw}


# A1: an LLOQ without its own unit is in the concentration unit as written (header)
def test_lloq_follows_header_conc_unit_when_another_unit_is_asked(tmp_path):
    p = tmp_path / "lloq.csv"
    p.write_text(
        "Subject,Time (h),Conc (ug/mL),Dose (mg),Route,LLOQ\n"
        "1,0.5,1.5,2,PO,0.01\n1,4,0.005,2,PO,0.01\n1,8,0.02,2,PO,0.01\n"
    )
    st = kt.read_study(p, units={"conc": "ng/mL"})
    # 0.01 ug/mL = 10 ng/mL; 0.005 ug/mL = 5 ng/mL < 10 -> BLQ
    assert st.conc["lloq"].tolist() == pytest.approx([10.0, 10.0, 10.0])
    assert st.conc["blq"].tolist() == [False, True, False]
    assert st.conc["conc"].iloc[[0, 2]].tolist() == pytest.approx([1500.0, 20.0])


# A2: a date-only first EXSTDTC does not discard PCRFTDTC
def test_pcrftdtc_used_at_day_resolution_when_first_dose_has_no_clock(tmp_path):
    ex = _ex(USUBJID=["A1", "A1"], EXSTDTC=["2021-03-01", "2021-03-02T08:00"])
    pc = _pc(PCELTM=["PT3H"], PCRFTDTC=["2021-03-02T08:00"])
    st = kt.read_study(_cdisc(tmp_path, pc, ex))
    # reference dose one day after the first dose date: 24 h + PT3H
    assert st.conc["nominal_time"].tolist() == pytest.approx([27.0])
    assert any("PCRFTDTC" in n and "day resolution" in n for n in st.notes)


def test_day1_day8_date_only_profiles_do_not_collide(tmp_path):
    ex = _ex(USUBJID=["A1", "A1"], EXSTDTC=["2021-03-01", "2021-03-08"])
    pc = _pc(
        PCELTM=["PT1H", "PT2H", "PT1H", "PT2H"],
        PCRFTDTC=["2021-03-01T08:00", "2021-03-01T08:00", "2021-03-08T08:00", "2021-03-08T08:00"],
    )
    st = kt.read_study(_cdisc(tmp_path, pc, ex))
    # day 8 is 7 days = 168 h after day 1
    assert st.conc["nominal_time"].tolist() == pytest.approx([1.0, 2.0, 169.0, 170.0])


# A4: ISO 8601 time-zone offsets are applied
def test_time_zone_offsets_applied(tmp_path):
    ex = _ex(EXSTDTC=["2021-03-01T08:00+01:00"])  # 07:00 UTC
    pc = _pc(PCELTM=["PT1H30M", "PT2H"], PCDTC=["2021-03-01T08:30Z", "2021-03-01T09:00Z"])
    st = kt.read_study(_cdisc(tmp_path, pc, ex))
    assert st.conc["time"].tolist() == pytest.approx([1.5, 2.0])


def test_time_zone_on_some_stamps_only_is_a_problem(tmp_path):
    ex = _ex(EXSTDTC=["2021-03-01T08:00+01:00"])
    pc = _pc(PCELTM=["PT1H"], PCDTC=["2021-03-01T09:00"])
    with pytest.raises(DataError) as err:
        kt.read_study(_cdisc(tmp_path, pc, ex))
    text = str(err.value)
    assert "pc.csv row 2" in text and "time-zone offset" in text and "EXSTDTC" in text


# A7: regular-interval CDISC FREQ terms are expanded; others are problems
@pytest.mark.parametrize(
    ("frq", "times"),
    [
        ("Q3D", [0.0, 72.0, 144.0]),
        ("Q2H", [2.0 * k for k in range(73)]),
        ("EVERY WEEK", [0.0, 168.0]),
    ],
)
def test_exdosfrq_regular_terms(tmp_path, frq, times):
    # EXSTDTC to EXENDTC spans 6 days (144 h), or 7 days (168 h) for EVERY WEEK
    end = "2021-03-08T08:00" if frq == "EVERY WEEK" else "2021-03-07T08:00"
    ex = _ex(EXSTDTC=["2021-03-01T08:00"], EXENDTC=[end], EXDOSFRQ=[frq])
    st = kt.read_study(_cdisc(tmp_path, _pc(PCELTM=["PT1H"]), ex))
    assert st.doses["time"].tolist() == pytest.approx(times)


def test_exdosfrq_irregular_term_is_a_problem(tmp_path):
    ex = _ex(
        EXSTDTC=["2021-03-01T08:00"], EXENDTC=["2021-03-07T08:00"], EXDOSFRQ=["5 TIMES PER WEEK"]
    )
    with pytest.raises(DataError) as err:
        kt.read_study(_cdisc(tmp_path, _pc(PCELTM=["PT1H"]), ex))
    text = str(err.value)
    assert "ex.csv row 2, column 'EXDOSFRQ'" in text and "5 TIMES PER WEEK" in text
    assert "QnD" in text


# A3: NONMEM starts a new individual at each change of ID
def test_nonmem_id_in_two_blocks_is_refused(tmp_path):
    p = tmp_path / "nm.csv"
    p.write_text(
        "ID,TIME,DV,AMT,EVID,MDV,CMT\n1,0,.,100,1,1,1\n1,1,5,.,0,0,1\n2,0,.,100,1,1,1\n"
        "2,1,4,0,0,0,1\n1,24,.,50,1,1,1\n1,26,7,0,0,0,1\n"
    )
    with pytest.raises(DataError) as err:
        kt.read_study(p, units={"time": "h", "conc": "ng/mL", "dose": "mg"})
    text = str(err.value)
    assert "row 6, column 'ID'" in text and "rows 2-3, 6-7" in text and "own ID" in text


# A8 (NONMEM): SS without II, ADDL negative or fractional, TIME going back
@pytest.mark.parametrize(
    ("cols", "dose_cells", "expect"),
    [
        ("SS,II", "1,0", "column 'II': SS = 1 without a positive II"),
        ("II,ADDL", "12,-5", "column 'ADDL': ADDL = -5 is negative"),
        ("II,ADDL", "12,1.5", "column 'ADDL': ADDL = 1.5 is not a whole number"),
    ],
)
def test_nonmem_dose_fields_refused(tmp_path, cols, dose_cells, expect):
    p = tmp_path / "nm.csv"
    p.write_text(
        f"ID,TIME,DV,AMT,EVID,MDV,CMT,{cols}\n1,0,.,100,1,1,1,{dose_cells}\n1,1,5,.,0,0,1,.,.\n"
    )
    with pytest.raises(DataError) as err:
        kt.read_study(p, units={"time": "h", "conc": "ng/mL", "dose": "mg"})
    assert f"row 2, {expect}" in str(err.value)


def test_nonmem_time_going_back_without_reset_refused(tmp_path):
    p = tmp_path / "nm.csv"
    p.write_text("ID,TIME,DV,AMT,EVID,MDV,CMT\n1,0,.,100,1,1,1\n1,4,5,.,0,0,1\n1,2,6,.,0,0,1\n")
    with pytest.raises(DataError) as err:
        kt.read_study(p, units={"time": "h", "conc": "ng/mL", "dose": "mg"})
    assert "row 4, column 'TIME': TIME 2 is before" in str(err.value)


def test_nonmem_commented_record_keeps_its_dv(tmp_path):
    p = tmp_path / "nm.csv"
    p.write_text(
        "C,ID,TIME,DV,AMT,EVID,MDV,CMT\n,1,0,.,100,1,1,1\nC,1,0.5,99,0,0,0,1\n,1,1,5,.,0,0,1\n"
    )
    st = kt.read_study(p, units={"time": "h", "conc": "ng/mL", "dose": "mg"})
    assert st.conc["conc_reported"].tolist() == pytest.approx([99.0, 5.0])
    assert st.conc["exclude"].iloc[0] == "commented out (C column)"


def test_no_value_note_from_nonmem_and_cdisc(tmp_path):
    p = tmp_path / "nm.csv"
    p.write_text("ID,TIME,DV,AMT,EVID,MDV,CMT\n1,0,.,100,1,1,1\n1,1,.,.,0,0,1\n1,2,5,.,0,0,1\n")
    st = kt.read_study(p, units={"time": "h", "conc": "ng/mL", "dose": "mg"})
    want = "conc: 1 sample(s) without a concentration value are excluded (rows 3;"
    assert any(n.startswith(want) for n in st.notes)
    pc = _pc(PCELTM=["PT1H", "PT2H"], PCSTRESN=[10.0, None])
    st = kt.read_study(_cdisc(tmp_path, pc, _ex(EXSTDTC=["2021-03-01T08:00"])))
    assert any(n.startswith(want) for n in st.notes)


# A6: ARRLT/NRRLT are in RRLTU, AFRLT/NFRLT in FRLTU
def test_adnca_rrltu_is_the_unit_of_arrlt(tmp_path):
    p = tmp_path / "adnca.csv"
    p.write_text(
        "USUBJID,PARAMCD,AVAL,AVALU,AFRLT,ARRLT,NFRLT,FRLTU,RRLTU,DOSEA,DOSEU,ROUTE\n"
        "S1,XYZ,5,ng/mL,1,60,1,h,min,10,mg,ORAL\nS1,XYZ,3,ng/mL,2,120,2,h,min,10,mg,ORAL\n"
    )
    st = kt.read_study(p)
    # 60 min = 1 h after the reference dose, which is at AFRLT - ARRLT = 0
    assert st.conc["time_ref"].tolist() == pytest.approx([1.0, 2.0])
    assert st.doses["time"].tolist() == pytest.approx([0.0])
    q = tmp_path / "adnca2.csv"
    q.write_text(
        "USUBJID,PARAMCD,AVAL,AVALU,ARRLT,NRRLT,RRLTU,DOSEA,DOSEU,ROUTE\n"
        "S1,XYZ,5,ng/mL,30,30,min,10,mg,ORAL\nS1,XYZ,3,ng/mL,90,90,min,10,mg,ORAL\n"
    )
    st = kt.read_study(q)  # the unit of ARRLT read from RRLTU: minutes
    assert st.units["time"] == "min"
    assert st.conc["time"].tolist() == pytest.approx([30.0, 90.0])
