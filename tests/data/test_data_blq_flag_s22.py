"""s22: a BLQ flag of 0 keeps a value below the LLOQ an observation (NONMEM/nlmixr2 CENS=0)."""

from __future__ import annotations

import math

from kinetor.data import read_study

UNITS = {"time": "h", "conc": "ng/mL", "dose": "mg"}
HEAD = "ID,TIME,DV,AMT,EVID,CMT,BLQ,LLOQ\n1,0,0,1,1,1,0,1\n"


def test_flag_zero_keeps_a_value_below_lloq(tmp_path):
    f = tmp_path / "nm.csv"
    # row 3: 0.4 < LLOQ 1 with BLQ=0 (observation); row 4: BLQ=1 (censored); row 5: 5
    f.write_text(HEAD + "1,1,0.4,0,0,2,0,1\n1,2,0.3,0,0,2,1,1\n1,4,5,0,0,2,0,1\n")
    st = read_study(f, units=UNITS)
    c = st.conc.set_index("source_row")
    assert not c.loc[3, "blq"] and c.loc[3, "conc"] == 0.4
    assert c.loc[4, "blq"] and math.isnan(c.loc[4, "conc"])
    assert not c.loc[5, "blq"] and c.loc[5, "conc"] == 5.0
    note = [n for n in st.notes if "below their LLOQ" in n]
    assert len(note) == 1 and "1 sample(s)" in note[0] and "rows 3)" in note[0]


def test_without_a_flag_column_below_lloq_is_still_blq(tmp_path):
    f = tmp_path / "lab.csv"
    f.write_text(
        "Subject,Time (h),Conc (ng/mL),LLOQ (ng/mL),Dose (mg),Route\n"
        "A,0,,1,1,IV\nA,1,0.4,1,1,IV\nA,2,5,1,1,IV\n"
    )
    c = read_study(f).conc
    row = c[c["time"] == 1.0].iloc[0]
    assert bool(row["blq"]) and math.isnan(row["conc"]) and row["conc_reported"] == 0.4
    assert not any("below their LLOQ" in n for n in read_study(f).notes)
