"""Urine collections when a subject's first dose is not at time 0.

The readers measure time from each subject's first dose; a collection's end moves with its
start. Expected values by hand (docs/nca.md section 7): Ae = C V, rate = Ae/(t2 - t1) at
the midpoint, time after the dose. Concentrations in ug/mL, volumes in mL, doses in mg.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kinetor.data import read_study
from kinetor.data._build import Parts, assemble
from kinetor.nca import nca

HEADER = "subject,matrix,Start time (h),End time (h),Conc (ug/mL),Volume (mL)\n"
UNITS = {"time": "h", "dose": "mg"}
# collections 2-4, 6-8, 10-12, 14-24 h on the clock, 100 mg PO at 1 h
LATE = ["1,URINE,2,4,30,100", "1,URINE,6,8,40,200", "1,URINE,10,12,10,250", "1,URINE,14,24,2,500"]


def _write(tmp_path, name, lines, header=HEADER):
    path = tmp_path / name
    path.write_text(header + "\n".join(lines) + "\n")
    return path


def _doses(tmp_path, lines):
    return _write(tmp_path, "doses.csv", lines, header="subject,time,dose,route\n")


def _urine(res, subject="1"):
    p = res.parameters
    return p[(p["matrix"] == "URINE") & (p["subject"] == subject)].set_index("PPTESTCD")["value"]


def _late_study(tmp_path):
    # subject 2 is dosed at 0 (nothing to shift) with one 0-4 h collection
    conc = _write(tmp_path, "u.csv", [*LATE, "2,URINE,0,4,5,100"])
    return read_study(conc, doses=_doses(tmp_path, ["1,1,100,PO", "2,0,100,PO"]), units=UNITS)


def test_collection_ends_move_with_the_first_dose(tmp_path):
    st = _late_study(tmp_path)
    c = st.conc.sort_values(["subject", "time"])
    one, two = c[c["subject"] == "1"], c[c["subject"] == "2"]
    # clock 2-4, 6-8, 10-12, 14-24 h with the dose at 1 h: 1-3, 5-7, 9-11, 13-23 h after it
    assert one["time"].tolist() == [1.0, 5.0, 9.0, 13.0]
    assert one["end_time"].tolist() == [3.0, 7.0, 11.0, 23.0]
    assert (two["time"].tolist(), two["end_time"].tolist()) == ([0.0], [4.0])


def test_urine_rates_with_the_first_dose_at_1_h(tmp_path):
    u = _urine(nca(_late_study(tmp_path)))
    # Ae: 30*100 = 3000, 40*200 = 8000, 10*250 = 2500, 2*500 = 1000 ug -> 14500 ug, 14.5 %
    assert u["RCAMINT"] == pytest.approx(14500.0, rel=1e-12)
    assert u["RCPCINT"] == pytest.approx(14.5, rel=1e-12)
    # rates 3000/2, 8000/2, 2500/2, 1000/10 ug/h at 2, 6, 10, 18 h after the dose
    assert (u["ERMAX"], u["ERTMAX"]) == (pytest.approx(4000.0), pytest.approx(6.0))
    assert (u["ERLST"], u["ERTLST"]) == (pytest.approx(100.0), pytest.approx(18.0))
    # AURC from rate 0 at the dose, lin-up/log-down
    aurc = (
        2 * 1500 / 2
        + 4 * (1500 + 4000) / 2
        + 4 * (4000 - 1250) / math.log(4000 / 1250)
        + 8 * (1250 - 100) / math.log(1250 / 100)
    )
    assert u["AURCLST"] == pytest.approx(aurc, rel=1e-12)


def test_contiguous_collections_around_a_later_dose_are_read(tmp_path):
    # 0-2, 2-4, 4-8, 8-12, 12-24 h with the dose at 2 h: touching, not overlapping
    lines = ["1,URINE,0,2,0,100", "1,URINE,2,4,30,100", "1,URINE,4,8,40,200"]
    lines += ["1,URINE,8,12,10,250", "1,URINE,12,24,2,500"]
    st = read_study(
        _write(tmp_path, "u.csv", lines), doses=_doses(tmp_path, ["1,2,100,PO"]), units=UNITS
    )
    assert st.conc["end_time"].tolist() == [0.0, 2.0, 6.0, 10.0, 22.0]
    res = nca(st)
    u = _urine(res)
    # the -2-0 h collection is before the dose; the others: 3000 + 8000 + 2500 + 1000 ug
    assert u["RCAMINT"] == pytest.approx(14500.0, rel=1e-12)
    # rates 1500, 2000, 625, 83.33 ug/h at 1, 4, 8, 16 h after the dose
    assert (u["ERMAX"], u["ERTMAX"]) == (pytest.approx(2000.0), pytest.approx(4.0))
    assert (u["ERLST"], u["ERTLST"]) == (pytest.approx(1000 / 12), pytest.approx(16.0))


def test_a_collection_ending_before_a_later_dose_does_not_straddle_it(tmp_path):
    # 0-0.8 h, then the dose at 1 h: the collection is before the dose, not across it
    lines = ["1,URINE,0,0.8,5,50", *LATE[:3]]
    st = read_study(
        _write(tmp_path, "u.csv", lines), doses=_doses(tmp_path, ["1,1,100,PO"]), units=UNITS
    )
    assert st.conc["end_time"].iloc[0] == pytest.approx(-0.2, abs=1e-12)
    notes = nca(st).provenance["notes"]
    assert any("before the subject's first dose are left out" in n for n in notes)
    assert not any("end after it" in n for n in notes)


def test_dose_time_on_the_sample_rows(tmp_path):
    header = HEADER.strip() + ",Dose (mg),route,dose_time\n"
    lines = [f"{line},100,PO,1" for line in LATE]
    st = read_study(_write(tmp_path, "u.csv", lines, header=header), units=UNITS)
    assert st.conc["end_time"].tolist() == [3.0, 7.0, 11.0, 23.0]
    u = _urine(nca(st))
    assert (u["ERMAX"], u["ERTMAX"]) == (pytest.approx(4000.0), pytest.approx(6.0))


def test_nominal_collection_ends_move_too():
    conc = pd.DataFrame(
        {
            "subject": ["1", "1"],
            "time": [2.0, 6.0],
            "nominal_time": [2.0, 6.0],
            "end_time": [4.0, 8.0],
            "nominal_end_time": [4.0, 8.0],
            "conc": [30.0, 40.0],
            "matrix": "URINE",
            "volume": [100.0, 200.0],
            "source_row": [2, 3],
        }
    )
    doses = pd.DataFrame(
        {"subject": ["1"], "time": [1.0], "dose": [100.0], "route": ["extravascular"]}
    )
    units = {"time": "h", "conc": "ug/mL", "dose": "mg", "volume": "mL"}
    st = assemble(Parts(conc, doses, None, units))
    c = st.conc
    assert c["nominal_time"].tolist() == [1.0, 5.0]
    assert c["nominal_end_time"].tolist() == [3.0, 7.0]
    assert np.allclose(c["end_time"], [3.0, 7.0])
