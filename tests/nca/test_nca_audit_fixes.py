"""Fixes from an independent audit of the NCA against the Phoenix/PKNCA rules; every
expected value is computed by hand here (trapezoids written out), never by kinetor.

1. the dose-time point of a steady-state interval without a sample at the dose: the
   minimum observed in [dose, dose + tau] (Phoenix "data checking and pre-treatment"),
   not the minimum of every sample of the profile (a washout sample);
2. AUMCINT of an interval starting between two samples: C interpolated at the start, the
   first-moment trapezoid from there (Phoenix partial areas, PKNCA ``aucint``);
3. a note when an IV-bolus interval at steady state takes C0 from a sample at the dose
   time (the predose trough).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kinetor.data import Study, read_study
from kinetor.nca import nca

UNITS = {"time": "h", "conc": "mg/L", "dose": "mg"}


def _value(res, code, start, end=None):
    p = res.parameters
    m = (p.PPTESTCD == code) & (p.start == start)
    if end is not None:
        m &= p.end == end
    assert m.sum() == 1, (code, start, end)
    return float(p.loc[m, "value"].iloc[0])


def _log_auc(t1, t2, c1, c2):
    return (t2 - t1) * (c1 - c2) / math.log(c1 / c2)


def _log_aumc(t1, t2, c1, c2):
    # docs/nca.md: dt (t2 C2 - t1 C1)/ln(C2/C1) - dt^2 (C2 - C1)/ln(C2/C1)^2
    dt, L = t2 - t1, math.log(c2 / c1)
    return dt * (t2 * c2 - t1 * c1) / L - dt * dt * (c2 - c1) / L**2


# --- 1. steady state: the dose-time point is the minimum within [dose, dose + tau] ------

# two PO doses at 0 and 12 h; no sample at 12 h; a washout to 48 h after the second dose
MD_T = [0.0, 1, 2, 4, 8, 13, 14, 16, 20, 24, 36, 48]
MD_C = [0.0, 4, 3.5, 2.5, 1.5, 4.6, 4.1, 3.0, 1.9, 1.3, 0.4, 0.12]


def _md_study(route="PO"):
    conc = pd.DataFrame({"subject": "a", "time": MD_T, "conc": MD_C})
    doses = pd.DataFrame({"subject": "a", "time": [0.0, 12.0], "dose": 10.0, "route": route})
    return Study(conc, doses, units=UNITS)


def test_steady_state_dose_time_point_is_the_minimum_of_the_dose_interval_linear():
    res = nca(_md_study(), auc_method="linear")
    # 12-24 h: C0 = min(4.6, 4.1, 3.0, 1.9, 1.3) = 1.3 (the 0.4 and 0.12 of the washout
    # at 36 and 48 h lie after dose + tau)
    expected = (1.3 + 4.6) / 2 + (4.6 + 4.1) / 2 + 2 * (4.1 + 3.0) / 2
    expected += 4 * (3.0 + 1.9) / 2 + 4 * (1.9 + 1.3) / 2
    assert expected == pytest.approx(30.6, rel=1e-12)
    assert _value(res, "AUCTAU", 12.0) == pytest.approx(expected, rel=1e-12)
    assert (_value(res, "CMIN", 12.0), _value(res, "TMIN", 12.0)) == (1.3, 12.0)


def test_steady_state_dose_time_point_is_the_minimum_of_the_dose_interval_log_down():
    res = nca(_md_study(), auc_method="lin-up/log-down")
    expected = (1.3 + 4.6) / 2 + _log_auc(1, 2, 4.6, 4.1) + _log_auc(2, 4, 4.1, 3.0)
    expected += _log_auc(4, 8, 3.0, 1.9) + _log_auc(8, 12, 1.9, 1.3)
    assert expected == pytest.approx(30.29541574, rel=1e-9)
    assert _value(res, "AUCTAU", 12.0) == pytest.approx(expected, rel=1e-12)


def test_partial_area_after_a_repeated_dose_starts_from_the_same_minimum():
    iv = pd.DataFrame({"start": [12.5], "end": [14.0], "kind": "partial"})
    res = nca(_md_study(), intervals=iv, auc_method="linear")
    # the dose at 12 h is the last: its interval is 12 h long, as the one before it;
    # C(12.5) between 1.3 at 12 h and 4.6 at 13 h: 2.95
    c = 1.3 + (4.6 - 1.3) * 0.5
    expected = 0.5 * (c + 4.6) / 2 + 1 * (4.6 + 4.1) / 2
    assert _value(res, "AUCINT", 12.5, 14.0) == pytest.approx(expected, rel=1e-12)
    # the first moment is on the time since the dose: 0.5, 1, 2 h
    aumc = 0.5 * (0.5 * c + 1 * 4.6) / 2 + 1 * (1 * 4.6 + 2 * 4.1) / 2
    assert _value(res, "AUMCINT", 12.5, 14.0) == pytest.approx(aumc, rel=1e-12)


def test_partial_area_with_no_sample_in_the_dose_interval_says_so():
    conc = pd.DataFrame({"subject": "a", "time": [0.0, 1, 2, 4, 8, 30, 36], "conc": MD_C[:7]})
    doses = pd.DataFrame({"subject": "a", "time": [0.0, 12.0], "dose": 10.0, "route": "PO"})
    iv = pd.DataFrame({"start": [20.0], "end": [36.0], "kind": "partial"})
    res = nca(Study(conc, doses, units=UNITS), intervals=iv, auc_method="linear")
    # samples at 18 and 24 h after the dose at 12 h, none in [12, 24 h]: the point at the
    # dose time is the profile's minimum, 4.1 (at 36 h), and a note says so
    c20 = 4.1 + (4.6 - 4.1) * 8 / 18  # 12 h: 4.1 ... 30 h: 4.6; 20 h lies 8 h after 12
    expected = 10 * (c20 + 4.6) / 2 + 6 * (4.6 + 4.1) / 2
    assert _value(res, "AUCINT", 20.0, 36.0) == pytest.approx(expected, rel=1e-12)
    notes = " ".join(res.provenance["notes"])
    assert "partial area 20-36 h: no sample between the dose and the end" in notes
    assert "subject a, ANALYTE (dose at 12 h, interval to 24 h)" in notes


def test_single_dose_and_first_dose_rules_are_unchanged():
    # a first PO dose without a sample at the dose time starts from 0
    conc = pd.DataFrame({"subject": "a", "time": [1.0, 2, 4], "conc": [4.0, 2, 1]})
    po = pd.DataFrame({"subject": "a", "time": [0.0], "dose": 1.0, "route": "PO"})
    res = nca(Study(conc, po, units=UNITS), auc_method="linear")
    assert _value(res, "AUCLST", 0.0) == pytest.approx(4 / 2 + 3 + 3, rel=1e-12)
    # an IV bolus at steady state without a dose-time sample: C0 back-extrapolated from
    # the first two samples after the dose (4 and 2 at 1 and 2 h after it: 8)
    res = nca(_md_bolus(with_trough=False), auc_method="linear")
    assert _value(res, "C0", 12.0) == pytest.approx(8.0, rel=1e-12)
    expected = (8 + 4) / 2 + (4 + 2) / 2 + 2 * (2 + 1) / 2 + 8 * (1 + 0.5) / 2
    assert _value(res, "AUCTAU", 12.0) == pytest.approx(expected, rel=1e-12)
    assert not any("predose trough" in n for n in res.provenance["notes"])


# --- 2. AUMCINT of an interval starting between two samples ----------------------------

AT = [0.0, 1, 2, 4, 8, 16, 24]
AC = [0.0, 8, 6, 4, 2, 1, 0.6]


def _partial(method, starts, ends):
    conc = pd.DataFrame({"subject": "a", "time": AT, "conc": AC})
    doses = pd.DataFrame({"subject": "a", "time": [0.0], "dose": 1.0, "route": "PO"})
    iv = pd.DataFrame({"start": starts, "end": ends, "kind": "partial"})
    return nca(Study(conc, doses, units=UNITS), intervals=iv, auc_method=method)


def test_aumcint_from_a_start_between_samples_linear():
    res = _partial("linear", [3.0, 10.0, 2.0, 9.0], [8.0, 20.0, 8.0, 12.0])
    # [3, 8]: C(3) = 5 (between 6 and 4); points (3, 5), (4, 4), (8, 2)
    assert _value(res, "AUMCINT", 3.0) == pytest.approx(
        1 * (3 * 5 + 4 * 4) / 2 + 4 * (4 * 4 + 8 * 2) / 2, rel=1e-12
    )
    assert _value(res, "AUMCINT", 3.0) == pytest.approx(79.5, rel=1e-12)
    # [10, 20]: C(10) = 1.75, C(20) = 0.8; points (10, 1.75), (16, 1), (20, 0.8)
    assert _value(res, "AUMCINT", 10.0) == pytest.approx(
        6 * (10 * 1.75 + 16 * 1) / 2 + 4 * (16 * 1 + 20 * 0.8) / 2, rel=1e-12
    )
    assert _value(res, "AUMCINT", 10.0) == pytest.approx(164.5, rel=1e-12)
    # inside one segment: [9, 12], C(9) = 1.875, C(12) = 1.5
    assert _value(res, "AUMCINT", 9.0) == pytest.approx(3 * (9 * 1.875 + 12 * 1.5) / 2)
    # unchanged: a start on a sample, and AUCINT (the linear trapezoid is exact on C)
    assert _value(res, "AUMCINT", 2.0) == pytest.approx(2 * (12 + 16) / 2 + 4 * (16 + 16) / 2)
    assert _value(res, "AUCINT", 3.0) == pytest.approx((5 + 4) / 2 + 4 * (4 + 2) / 2)
    assert _value(res, "AUCINT", 10.0) == pytest.approx(6 * (1.75 + 1) / 2 + 4 * (1 + 0.8) / 2)


def test_aumcint_from_a_start_between_samples_lin_up_log_down():
    res = _partial("lin-up/log-down", [0.5, 3.0], [2.0, 8.0])
    # [0.5, 2]: rising 0 -> 8 is linear, C(0.5) = 4; then the log segment 8 -> 6
    expected = 0.5 * (0.5 * 4 + 1 * 8) / 2 + _log_aumc(1, 2, 8, 6)
    assert _value(res, "AUMCINT", 0.5) == pytest.approx(expected, rel=1e-12)
    # [3, 8]: the falling 6 -> 4 is log, C(3) = 6 (4/6)^(1/2); log segments are exact
    # integrals of t C, so splitting one changes nothing (as before the fix)
    c3 = 6 * math.sqrt(4 / 6)
    expected = _log_aumc(3, 4, c3, 4) + _log_aumc(4, 8, 4, 2)
    assert _value(res, "AUMCINT", 3.0) == pytest.approx(expected, rel=1e-12)


def test_aumcint_from_a_start_between_samples_across_tlast():
    # [20, 30] starts between 16 h (1) and Tlast = 24 h (0.6): C(20) = 0.8, the linear
    # piece to 24 h, then the lambda_z tail from 24 h, the same as AUMCINT(24, 30)
    res = _partial("linear", [20.0, 24.0], [30.0, 30.0])
    piece = 4 * (20 * 0.8 + 24 * 0.6) / 2
    tail = _value(res, "AUMCINT", 24.0)
    assert _value(res, "AUMCINT", 20.0) == pytest.approx(piece + tail, rel=1e-12)


# --- 3. IV bolus at steady state: a dose-time sample used as C0 is noted ----------------


def _md_bolus(with_trough=True):
    t = [1.0, 2, 4, 12, 13, 14, 16, 24]
    c = [4.0, 2, 1, 0.5, 4, 2, 1, 0.5]
    if not with_trough:  # no sample at the second dose (12 h)
        t, c = t[:3] + t[4:], c[:3] + c[4:]
    conc = pd.DataFrame({"subject": "a", "time": t, "conc": c})
    doses = pd.DataFrame({"subject": "a", "time": [0.0, 12.0], "dose": 10.0, "route": "IV"})
    return Study(conc, doses, units=UNITS)


def test_iv_bolus_c0_from_a_predose_sample_is_noted():
    df = pd.DataFrame(
        {
            "subject": "a",
            "time": [1.0, 2, 4, 12, 13, 14, 16, 24],
            "conc": [4.0, 2, 1, 0.5, 4, 2, 1, 0.5],
            "dose": 10.0,
            "route": "IV",
            "dose_time": [0.0, 0, 0, 12, 12, 12, 12, 12],
        }
    )
    st = read_study(df, units=UNITS)
    res = nca(st, auc_method="linear")
    # the sample at 12 h (row 5: header = row 1) is used as C0 (documented, PKNCA c0), so
    # the numbers stay: C0 = 0.5, AUCTAU from (0, 0.5)
    assert _value(res, "C0", 12.0) == 0.5
    expected = (0.5 + 4) / 2 + (4 + 2) / 2 + 2 * (2 + 1) / 2 + 8 * (1 + 0.5) / 2
    assert _value(res, "AUCTAU", 12.0) == pytest.approx(expected, rel=1e-12)
    notes = [n for n in res.provenance["notes"] if "predose trough" in n]
    assert len(notes) == 1
    assert "dosing interval 12-24 h, IV bolus at steady state" in notes[0]
    assert "subject a, ANALYTE (row 5)" in notes[0]
    assert "'exclude' column" in notes[0]
    # the first dose has no dose-time sample: back-extrapolated, no note for it
    assert _value(res, "C0", 0.0) == pytest.approx(8.0, rel=1e-12)


def test_excluding_the_predose_sample_back_extrapolates_c0():
    st = _md_bolus()
    st.conc["exclude"] = ["", "", "", "predose trough", "", "", "", ""]
    res = nca(st, auc_method="linear")
    assert _value(res, "C0", 12.0) == pytest.approx(8.0, rel=1e-12)
    assert not any("predose trough" in n for n in res.provenance["notes"])
