"""A dosing interval's edge sample taken off its nominal time (s22 docs audit).

Two subjects, PO doses at 0 and 24 h, intervals 0-24 and 24-48. Subject ``a``'s 24 h
sample (nominal 24 h) was drawn at 24.014 h: by actual time (PKNCA, Phoenix) it is outside
0-24 and not at the start of 24-48, so CTROUGH (0-24) and CSTART (24-48) are NaN and
AUCTAU (0-24) is extrapolated with lambda_z. Subject ``b``'s was drawn at 24 h exactly.
The values stay; a note and the NaN reasons name the sample and point to time="nominal".

Concentrations after the first dose follow C = 16 * 2**-t from 1 h (lambda_z = ln 2 exact,
every log-down segment exact), so by hand
AUCTAU(a, 0-24) = 4 (linear 0 -> 8 over 0-1 h) + (8 - 16 * 2**-24) / ln 2.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study
from kinetor.nca import nca

UNITS = {"time": "h", "conc": "ng/mL", "dose": "mg"}
NOMINAL = [0.0, 1.0, 2.0, 4.0, 8.0, 24.0, 25.0, 26.0, 28.0, 32.0, 48.0]
CONC = [0.0, 8.0, 4.0, 1.0, 0.0625, 0.5, 8.5, 4.5, 1.5, 0.5, 0.25]


def study(t24_a: float = 24.014, nominal_a24: float = 24.0) -> Study:
    t_a = [t24_a if t == 24.0 else t for t in NOMINAL]
    nom_a = [nominal_a24 if t == 24.0 else t for t in NOMINAL]
    conc = pd.DataFrame(
        {
            "subject": ["a"] * 11 + ["b"] * 11,
            "time": t_a + NOMINAL,
            "nominal_time": nom_a + NOMINAL,
            "conc": CONC * 2,
        }
    )
    doses = pd.DataFrame(
        {"subject": ["a", "a", "b", "b"], "time": [0.0, 24.0] * 2, "dose": 10.0, "route": "PO"}
    )
    return Study(conc, doses, units=UNITS)


INTERVALS = pd.DataFrame({"start": [0.0, 24.0], "end": [24.0, 48.0]})


def value(res, subject, start, code):
    p = res.parameters
    row = p[(p["subject"] == subject) & (p["start"] == start) & (p["PPTESTCD"] == code)]
    assert len(row) == 1
    return float(row["value"].iloc[0]), str(row["exclude"].iloc[0])


def test_note_names_the_off_nominal_end_sample_and_the_fix():
    res = nca(study(), intervals=INTERVALS)
    notes = res.provenance["notes"]
    assert res.tables()["notes"]["note"].tolist() == notes  # the notes table holds them
    end = [n for n in notes if n.startswith("dosing interval 0-24 h: no sample at its end")]
    assert len(end) == 1
    note = end[0]
    assert "subject a" in note and "subject b" not in note
    assert "nominal time 24 h" in note and "taken at 24.014 h, outside the interval" in note
    assert "CTROUGH is not given" in note and "AUCTAU" in note
    assert "--time nominal" in note and "time='nominal'" in note
    # the start of 24-48: the same sample is 0.014 h after the dose, not at the start
    start = [n for n in notes if n.startswith("dosing interval 24-48 h: no sample at its start")]
    assert len(start) == 1 and "subject a" in start[0] and "subject b" not in start[0]
    assert "taken at 24.014 h)" in start[0] and "CSTART" in start[0]


def test_values_stay_as_selected_by_actual_time_and_reasons_say_why():
    res = nca(study(), intervals=INTERVALS)
    ctrough, why = value(res, "a", 0.0, "CTROUGH")
    assert np.isnan(ctrough)
    assert why.startswith("no sample at the end of the dosing interval")
    assert "nominal end time" in why and "--time nominal" in why
    # AUCTAU extrapolated from 8 h with lambda_z = ln 2 (hand value, module docstring)
    auctau, _ = value(res, "a", 0.0, "AUCTAU")
    assert auctau == pytest.approx(4.0 + (8.0 - 16.0 * 2.0**-24) / math.log(2), rel=1e-9)
    cstart, why = value(res, "a", 24.0, "CSTART")
    assert np.isnan(cstart) and "nominal start time" in why
    # subject b, sampled at 24 h: Ctrough = Cstart = the 24 h sample, no added reason
    assert value(res, "b", 0.0, "CTROUGH")[0] == 0.5
    assert value(res, "b", 24.0, "CSTART")[0] == 0.5


def test_lambda_z_not_estimable_gives_nan_auctau_with_the_reason():
    # a alone, interval 0-24 with only 0, 1 and 2 h inside: lambda_z needs 3 points after
    # Cmax, so AUCTAU is NaN and its reason names the off-nominal sample
    st = study()
    keep = ~((st.conc["subject"] == "a") & st.conc["time"].isin([4.0, 8.0]))
    st = Study(st.conc[keep].reset_index(drop=True), st.doses, units=UNITS)
    res = nca(st, intervals=INTERVALS)
    auctau, why = value(res, "a", 0.0, "AUCTAU")
    assert np.isnan(auctau)
    assert why.startswith("no sample at the end of the interval and lambda_z not estimable")
    assert "nominal end time" in why


def test_nominal_time_analysis_and_unrelated_nominal_times_give_no_note():
    res = nca(study(), intervals=INTERVALS, time="nominal")
    assert not [n for n in res.provenance["notes"] if "nominal time 24 h" in n]
    assert value(res, "a", 0.0, "CTROUGH")[0] == 0.5  # the 24 h sample, by nominal time
    # a nominal time that is not the interval edge: nothing to say
    res = nca(study(nominal_a24=23.0), intervals=INTERVALS)
    assert not [n for n in res.provenance["notes"] if "no sample at its end" in n]
    _, why = value(res, "a", 0.0, "CTROUGH")
    assert "nominal" not in why
