"""NONMEM resets in the study's dose table (``doses.until``): EVID 3, EVID 4 and a dose
with SS = 1 end the doses recorded before them (of the same ID) at their TIME, in record
order; additional doses (ADDL) at or after a reset are not given; a commented-out reset
resets nothing. ``fit_pk`` uses the same times. Expected values by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kinetor.data import read_study
from kinetor.pk import fit_pk

UNITS = {"time": "h", "conc": "mg/L", "dose": "mg"}
HEAD = "ID,TIME,DV,AMT,EVID,SS,II,ADDL,C,CMT\n"


def _read(tmp_path, records: list[str]):
    path = tmp_path / "nm.csv"
    # the first record is at TIME 0, the others from 12 h: samples at 2 and 200 h
    rows = [records[0], "1,2,1.0,.,0,0,0,0,0,1", *records[1:], "1,200,1.0,.,0,0,0,0,0,1"]
    path.write_text(HEAD + "\n".join(rows) + "\n")
    return read_study(str(path), units=UNITS)


def _until(study):
    d = study.doses.sort_values("time", kind="stable")
    cols = ["time", "until"] if "until" in d.columns else ["time"]
    return [tuple(r) for r in d[cols].to_numpy(float).tolist()]


def test_an_evid3_record_ends_the_earlier_doses(tmp_path):
    st = _read(
        tmp_path, ["1,0,.,100,1,0,0,0,0,1", "1,12,.,.,3,0,0,0,0,1", "1,12,.,100,1,0,0,0,0,1"]
    )
    assert _until(st) == [(0.0, 12.0), (12.0, math.inf)]


def test_a_steady_state_dose_with_ss1_is_a_reset(tmp_path):
    st = _read(tmp_path, ["1,0,.,100,1,0,0,0,0,1", "1,12,.,100,1,1,24,0,0,1"])
    assert _until(st) == [(0.0, 12.0), (12.0, math.inf)]
    # SS = 2 adds to what is there: no reset, no until column
    st = _read(tmp_path, ["1,0,.,100,1,0,0,0,0,1", "1,12,.,100,1,2,24,0,0,1"])
    assert "until" not in st.doses.columns


def test_additional_doses_after_a_reset_are_not_given(tmp_path):
    # 100 mg every 24 h from 0 with ADDL 5 (0-120 h), an EVID 4 dose at 48 h: the ADDL
    # doses at 48, 72, 96 and 120 h are never given (NONMEM clears them)
    st = _read(tmp_path, ["1,0,.,100,1,0,24,5,0,1", "1,48,.,50,4,0,0,0,0,1"])
    assert _until(st) == [(0.0, 48.0), (24.0, 48.0), (48.0, math.inf)]
    assert st.doses.sort_values("time")["dose"].tolist() == [100.0, 100.0, 50.0]
    assert any("4 additional dose(s) (ADDL) at or after a reset" in n for n in st.notes)


def test_a_commented_reset_resets_nothing_and_record_order_decides(tmp_path):
    st = _read(tmp_path, ["1,0,.,100,1,0,0,0,0,1", "1,12,.,.,3,0,0,0,1,1"])
    assert "until" not in st.doses.columns
    # a reset recorded after a dose at its own time clears that dose; one before does not
    st = _read(
        tmp_path, ["1,0,.,100,1,0,0,0,0,1", "1,12,.,100,1,0,0,0,0,1", "1,12,.,.,3,0,0,0,0,1"]
    )
    assert _until(st) == [(0.0, 12.0), (12.0, 12.0)]


def test_fit_pk_across_an_evid3_reset_is_exact(tmp_path):
    # 1-cmt IV bolus, CL 2 L/h, V 20 L; exact concentrations; before, the first dose's
    # remainder after the EVID 3 reset gave CL 2.10, V 20.5
    k, v = 0.1, 20.0
    rec = ["1,0,.,100,1,0,0,0,0,1"]
    rec += [f"1,{t},{100 / v * np.exp(-k * t):.12g},.,0,0,0,0,0,1" for t in (1, 4, 8, 12)]
    rec += ["1,24,.,.,3,0,0,0,0,1", "1,24,.,100,1,0,0,0,0,1"]
    rec += [f"1,{t},{100 / v * np.exp(-k * (t - 24)):.12g},.,0,0,0,0,0,1" for t in (25, 28, 32)]
    path = tmp_path / "fit.csv"
    path.write_text(HEAD + "\n".join(rec) + "\n")
    res = fit_pk(read_study(str(path), units=UNITS), model="1cmt", error="additive")
    est = res.params.set_index("parameter")["estimate"]
    assert est["cl"] == pytest.approx(2.0, rel=1e-6) and est["v"] == pytest.approx(20.0, rel=1e-6)


def test_resets_survive_a_write_csv_round_trip(tmp_path):
    from kinetor.data import write_csv
    from kinetor.data._resets import dose_until

    # no reset: the 'reset' words read back ('False') are not resets (any non-empty text
    # was taken as True, so every dose ended at the next one)
    plain = _read(tmp_path, ["1,0,.,100,1,0,0,0,0,1", "1,12,.,100,1,0,0,0,0,1"])
    write_csv(plain, tmp_path / "plain")
    back = read_study(str(tmp_path / "plain"))
    assert dose_until(back.doses).tolist() == [math.inf, math.inf]
    # an EVID 4 reset at 12 h ends the first dose there, before and after the round trip
    reset = _read(tmp_path, ["1,0,.,100,1,0,0,0,0,1", "1,12,.,100,4,0,0,0,0,1"])
    write_csv(reset, tmp_path / "reset")
    back = read_study(str(tmp_path / "reset"))
    assert dose_until(back.doses).tolist() == dose_until(reset.doses).tolist() == [12.0, math.inf]
