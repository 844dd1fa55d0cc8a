"""Writers never silently change the study (fixes of the s22 writer audit)."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from kinetor.data import read_study, write_cdisc, write_csv
from kinetor.errors import DataError

U = {"time": "h", "conc": "ng/mL", "dose": "mg"}
# NONMEM: EVID 1 at 0 h, EVID 4 (reset and dose) at 48 h
NM3 = """ID,TIME,DV,AMT,EVID,MDV,CMT
1,0,.,100,1,1,1
1,1,50,0,0,0,1
1,30,40,0,0,0,1
1,48,.,200,4,1,1
1,49,90,0,0,0,1
1,60,70,0,0,0,1
"""
# a steady-state dose every 12 h
NMSS = """ID,TIME,DV,AMT,EVID,MDV,CMT,SS,II
1,0,.,100,1,1,1,1,12
1,1,50,0,0,0,1,0,0
1,6,40,0,0,0,1,0,0
"""
# subject 2: oral dose and IV dose with a modelled duration (RATE=-2)
NM2 = """ID,TIME,DV,AMT,RATE,EVID,MDV,CMT
2,0,.,100,0,1,1,1
2,0,.,100,-2,1,1,2
2,1,5,0,0,0,0,2
2,3,6,0,0,0,0,2
"""


def _read(tmp_path, text, name="nm.csv", **kw):
    p = tmp_path / name
    p.write_text(text)
    return read_study(p, **kw)


@pytest.mark.parametrize("standard", ["send", "sdtm"])
def test_write_cdisc_refuses_nonmem_reset(tmp_path, standard):
    st = _read(tmp_path, NM3, units=U)
    with pytest.raises(DataError) as e:
        write_cdisc(st, tmp_path / "out", standard)
    msg = str(e.value)
    assert "subject '1' at 48 h" in msg and "reset" in msg
    assert "write_csv(study, 'out/') to a folder keeps resets" in msg


def test_reset_kept_by_folder_csv(tmp_path):
    st = _read(tmp_path, NM3, units=U)
    write_csv(st, tmp_path / "out")
    back = read_study(tmp_path / "out")
    # the 0 h dose stops acting at the 48 h reset
    assert float(back.doses["until"].iloc[0]) == 48.0
    assert str(back.doses["reset"].iloc[1]) == "True"


def test_steady_state_refused_by_cdisc_and_single_csv(tmp_path):
    st = _read(tmp_path, NMSS, units=U)
    with pytest.raises(DataError, match=r"subject '1' at 0 h: a steady-state dose \(SS=1, II=12\)"):
        write_cdisc(st, tmp_path / "out")
    # a single table has no ss/ii for the reader (dose on the sample rows): refused too
    with pytest.raises(DataError, match=r"SS=1, II=12.*folder keeps ss and ii"):
        write_csv(st, tmp_path / "one.csv")
    write_csv(st, tmp_path / "folder")
    back = read_study(tmp_path / "folder")
    assert back.doses[["ss", "ii"]].values.tolist() == [[1, 12.0]]


def test_modelled_rate_refused(tmp_path):
    st = _read(tmp_path, NM2, units=U)
    with pytest.raises(DataError) as e:
        write_cdisc(st, tmp_path / "out")
    assert "subject '2' at 0 h: an input without a known duration" in str(e.value)


def test_single_csv_counts_subjects_not_rows(tmp_path):
    conc = pd.DataFrame({"subject": ["A", "B"], "time": [1.0, 1.0], "conc": [1.0, 2.0]})
    doses = pd.DataFrame(
        {
            "subject": ["A"] * 5 + ["B"],
            "time": [0.0, 12, 24, 36, 48, 0],
            "dose": [1.0] * 6,
            "route": ["iv_bolus"] * 6,
        }
    )
    from kinetor.data import Study

    st = Study(conc, doses, units={"time": "h", "conc": "ng/mL", "dose": "mg"})
    with pytest.raises(DataError) as e:
        write_csv(st, tmp_path / "one.csv")
    # 4 duplicated rows, but 1 subject with several doses
    assert "1 subject(s) have several doses: 'A' (5 doses)" in str(e.value)


def test_studyid_from_study_column(tmp_path):
    st = read_study("examples/vistusertib_rat_iv_po.csv")
    write_cdisc(st, tmp_path / "out")
    for dom in ("pc", "ex", "dm"):
        assert set(pd.read_csv(tmp_path / "out" / f"{dom}.csv")["STUDYID"]) == {"VIS-RAT-01"}


def test_pctestcd_conformant_extrt_and_subjid(tmp_path):
    st = read_study("examples/vistusertib_rat_iv_po.csv")
    w = write_cdisc(st, tmp_path / "out", "sdtm")
    pc = pd.read_csv(tmp_path / "out" / "pc.csv")
    ex = pd.read_csv(tmp_path / "out" / "ex.csv")
    dm = pd.read_csv(tmp_path / "out" / "dm.csv", dtype=str)
    code = re.compile(r"[A-Z_][A-Z0-9_]{0,7}")
    assert all(code.fullmatch(c) for c in pc["PCTESTCD"])
    # 'vistusertib': upper case, first 8 characters
    assert set(pc["PCTESTCD"]) == {"VISTUSER"} and set(pc["PCTEST"]) == {"vistusertib"}
    assert set(ex["EXTRT"]) == {"VISTUSER"}  # names the same analyte as PCTESTCD
    assert (dm["SUBJID"] == dm["USUBJID"]).all()
    assert any("'vistusertib' written as 'VISTUSER'" in n for n in w.notes)
    back = read_study(tmp_path / "out")
    assert set(back.conc["analyte"]) == set(back.doses["analyte"]) == {"VISTUSER"}
    assert set(back.conc["PCTEST"]) == {"vistusertib"}


def test_empty_extrt_filled(tmp_path):
    # one analyte 'CMT 1' (observations in CMT 1), doses with no analyte
    st = _read(tmp_path, NM3.replace("EVID 4", "").replace(",4,", ",1,"), units=U)
    st.doses["analyte"] = ""
    st.conc["analyte"] = "CMT 1"
    w = write_cdisc(st, tmp_path / "out")
    ex = pd.read_csv(tmp_path / "out" / "ex.csv")
    assert set(ex["EXTRT"]) == {"CMT_1"}
    assert any("'CMT 1' written as 'CMT_1'" in n for n in w.notes)
    st.conc.loc[st.conc.index[0], "analyte"] = "M1"  # two analytes: no single drug name
    w = write_cdisc(st, tmp_path / "out2")
    assert set(pd.read_csv(tmp_path / "out2" / "ex.csv")["EXTRT"]) == {"UNKNOWN"}
    assert any("UNKNOWN" in n for n in w.notes)


def test_simultaneous_iv_and_po_written_as_two_records(tmp_path):
    (tmp_path / "g2.csv").write_text(
        "Animal,Time (h),Conc (ng/mL),LLOQ (ng/mL)\nA1,0.5,100,1\nA1,1,80,1\n"
    )
    (tmp_path / "g2d.csv").write_text("Animal,Time (h),Dose (mg),Route\nA1,0,5,IV\nA1,0,10,PO\n")
    st = read_study(tmp_path / "g2.csv", doses=tmp_path / "g2d.csv")
    write_cdisc(st, tmp_path / "out")
    ex = pd.read_csv(tmp_path / "out" / "ex.csv")
    assert ex[["EXDOSE", "EXROUTE"]].values.tolist() == [[5.0, "INTRAVENOUS BOLUS"], [10.0, "ORAL"]]


def test_simultaneous_iv_and_po_round_trip(tmp_path):
    # expects the reader fix (simultaneous EX records of different routes), made elsewhere
    (tmp_path / "g2.csv").write_text(
        "Animal,Time (h),Conc (ng/mL),LLOQ (ng/mL)\nA1,0.5,100,1\nA1,1,80,1\n"
    )
    (tmp_path / "g2d.csv").write_text("Animal,Time (h),Dose (mg),Route\nA1,0,5,IV\nA1,0,10,PO\n")
    st = read_study(tmp_path / "g2.csv", doses=tmp_path / "g2d.csv")
    write_cdisc(st, tmp_path / "out")
    back = read_study(tmp_path / "out")
    assert back.doses[["dose", "route"]].values.tolist() == [
        [5.0, "iv_bolus"],
        [10.0, "extravascular"],
    ]
