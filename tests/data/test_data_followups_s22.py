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
