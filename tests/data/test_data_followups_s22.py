"""Follow-ups of the 2026-12-08 readers/writers audit: problems of the EX domain's own reading,
the NONMEM CMT route message, and the NCA fix text for two doses at one time."""

from __future__ import annotations

import pytest

import kinetor as kt
from kinetor.errors import DataError

PC = """STUDYID,DOMAIN,USUBJID,PCSEQ,PCTESTCD,PCTEST,PCORRES,PCORRESU,PCSTRESC,PCSTRESN,PCSTRESU,PCSPEC,PCDTC
S,PC,A1,1,DRUG,DRUG,10,ng/mL,10,10,ng/mL,PLASMA,2021-03-01T09:00:00
S,PC,A1,2,DRUG,DRUG,5,ng/mL,5,5,ng/mL,PLASMA,2021-03-01T12:00:00
"""


def test_a_ragged_ex_row_is_a_problem_not_read_silently(tmp_path):
    (tmp_path / "pc.csv").write_text(PC)
    (tmp_path / "ex.csv").write_text(
        "STUDYID,DOMAIN,USUBJID,EXSEQ,EXTRT,EXDOSE,EXDOSU,EXROUTE,EXSTDTC\n"
        "S,EX,A1,1,DRUG,5,mg,ORAL,2021-03-01T08:00:00,EXTRA\n"
    )
    with pytest.raises(DataError) as err:
        kt.read_study(tmp_path)
    text = str(err.value)
    assert "ex.csv" in text and "row 2" in text and "cells" in text


def test_nonmem_route_from_cmt_says_how_to_fix_the_compartments(tmp_path):
    f = tmp_path / "nm.csv"
    f.write_text("ID,TIME,DV,AMT,EVID,MDV,CMT\n1,0,.,100,1,1,1\n1,1,50,.,0,0,0\n1,3,40,.,0,0,0\n")
    with pytest.raises(DataError) as err:
        kt.read_study(f, units={"time": "h", "conc": "ng/mL", "dose": "mg"})
    text = str(err.value)
    assert "CMT=1 (observations in CMT=0)" in text
    assert "ROUTE column" in text and "docs/data.md, routes" not in text


def test_two_routes_at_one_time_nca_fix_does_not_say_sum_them(tmp_path):
    f = tmp_path / "s.csv"
    f.write_text("subject,time (h),conc (ng/mL)\nA1,0.5,30\nA1,1,40\nA1,2,30\nA1,4,20\nA1,8,10\n")
    d = tmp_path / "d.csv"
    d.write_text("subject,time (h),dose (mg),route\nA1,0,5,IV\nA1,0,10,PO\n")
    st = kt.read_study(f, doses=d)
    assert sorted(st.doses["route"]) == ["extravascular", "iv_bolus"]
    with pytest.raises(DataError) as err:
        kt.nca.nca(st)
    text = str(err.value)
    assert "two doses at time 0" in text
    assert "sum them" not in text and "two routes" in text


def test_extravascular_modelled_and_zero_order_inputs_refused_by_write_cdisc(tmp_path):
    # NONMEM: a dose into the depot (CMT 1) with RATE=-2 (subject 3) and with RATE=50 on
    # AMT 100, a 2 h zero-order input (subject 4); EX would hold both as first-order doses
    f = tmp_path / "nm.csv"
    f.write_text(
        "ID,TIME,DV,AMT,RATE,EVID,MDV,CMT\n"
        "3,0,.,100,-2,1,1,1\n3,1,50,.,.,0,0,2\n3,4,20,.,.,0,0,2\n"
        "4,0,.,100,50,1,1,1\n4,1,30,.,.,0,0,2\n4,4,40,.,.,0,0,2\n"
    )
    st = kt.read_study(f, units={"time": "h", "conc": "ng/mL", "dose": "mg"})
    assert list(st.doses["route"]) == ["extravascular", "extravascular"]
    with pytest.raises(DataError) as err:
        kt.data.write_cdisc(st, tmp_path / "send")
    text = str(err.value)
    assert "subject '3' at 0 h: an input without a known duration" in text
    assert "subject '4' at 0 h: a zero-order input of 2 h" in text


def test_ex_oral_and_subcutaneous_at_one_time_are_two_administrations(tmp_path):
    (tmp_path / "pc.csv").write_text(PC)
    (tmp_path / "ex.csv").write_text(
        "STUDYID,DOMAIN,USUBJID,EXSEQ,EXTRT,EXDOSE,EXDOSU,EXROUTE,EXSTDTC\n"
        "S,EX,A1,1,DRUG,5,mg,ORAL,2021-03-01T08:00:00\n"
        "S,EX,A1,2,DRUG,2,mg,SUBCUTANEOUS,2021-03-01T08:00:00\n"
    )
    st = kt.read_study(tmp_path)
    assert sorted(st.doses["dose"]) == [2.0, 5.0]
    (tmp_path / "ex.csv").write_text(
        "STUDYID,DOMAIN,USUBJID,EXSEQ,EXTRT,EXDOSE,EXDOSU,EXROUTE,EXSTDTC\n"
        "S,EX,A1,1,DRUG,5,mg,ORAL,2021-03-01T08:00:00\n"
        "S,EX,A1,2,DRUG,5,mg,ORAL,2021-03-01T08:00:00\n"
    )
    with pytest.raises(DataError, match="2 EX records at 0 h"):
        kt.read_study(tmp_path)


def test_sparse_multiple_dose_study_is_analysed_with_a_note(tmp_path):
    # two animals per time, doses at 0 and 24 h: the composite mean at each nominal time
    rows = ["animal,time (h),conc (ng/mL)"]
    conc = {0.5: (40, 44), 2: (70, 74), 8: (30, 34), 24: (5, 7), 26: (72, 76), 32: (31, 33)}
    k = 0
    for t, (a, b) in conc.items():
        rows += [f"S{k},{t},{a}", f"S{k + 1},{t},{b}"]
        k += 2
    f = tmp_path / "sp.csv"
    f.write_text("\n".join(rows) + "\n")
    d = tmp_path / "d.csv"
    d.write_text(
        "animal,time (h),dose (mg),route\n"
        + "".join(f"S{i},{t},10,PO\n" for i in range(k) for t in (0, 24))
    )
    res = kt.nca.nca(kt.read_study(f, doses=d), sparse=True)
    assert any("Bailer SE" in n for n in res.provenance["notes"])
    p = res.parameters
    cmax = p[(p["PPTESTCD"] == "CMAX") & (p["start"] == 0)]["value"].to_numpy()
    assert cmax == pytest.approx([72.0])  # the mean of 70 and 74 at 2 h, by hand
