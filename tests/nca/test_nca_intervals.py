"""Partial AUCs (AUCINT) and dosing intervals at steady state, by hand.

Units h, mg/L, mg.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study
from kinetor.errors import DataError
from kinetor.nca import nca

LN2 = math.log(2.0)
EV_T = [0.0, 1, 2, 4, 8, 12]
EV_C = [0.0, 8, 10, 5, 2.5, 1.25]  # lambda_z = ln2/4 from t = 4


def ev_study():
    conc = pd.DataFrame({"subject": "s1", "time": EV_T, "conc": EV_C})
    doses = pd.DataFrame({"subject": ["s1"], "time": [0.0], "dose": [100.0], "route": ["PO"]})
    return Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"})


def aucint(res, start, end):
    p = res.parameters
    row = p[(p.PPTESTCD == "AUCINT") & (p.start == start) & (p.end == end)]
    assert len(row) == 1
    return float(row["value"].iloc[0]), str(row["exclude"].iloc[0])


def test_aucint_interpolates_by_the_auc_method():
    iv = pd.DataFrame({"start": [0.5, 10.0, 0.0], "end": [3.0, 16.0, 12.0], "kind": "partial"})
    res = nca(ev_study(), intervals=iv)
    # t=0.5 lies on a rising segment (0 -> 8): linear, C* = 4, area [0,0.5] = 0.5*4/2 = 1
    # t=3 lies on a falling segment (10 -> 5): log, C* = 10*exp(ln(0.5)*0.5) = 7.0710678,
    # area [2,3] = 1*(10 - C*)/ln(10/C*)
    cstar = 10 * math.exp(math.log(0.5) * 0.5)
    f3 = 4 + 9 + (10 - cstar) / math.log(10 / cstar)
    assert aucint(res, 0.5, 3.0)[0] == pytest.approx(f3 - 1.0, rel=1e-12)
    # to Tlast, AUCINT(0, 12) is AUClast: 4 + 9 + (10 + 5 + 2.5) * ... / ln 2
    assert aucint(res, 0.0, 12.0)[0] == pytest.approx(
        4 + 9 + 10 / LN2 + 10 / LN2 + 5 / LN2, rel=1e-12
    )
    # beyond Tlast (12): C(16) = CLSTP exp(-k 4) = 1.25 * 0.5; area [12,16] log trapezoid
    # = 4 * (1.25 - 0.625)/ln 2; area [10,12] = AUC of the last segment minus [8,10]:
    c10 = 2.5 * math.exp(math.log(0.5) * 0.5)
    part_8_10 = 2 * (2.5 - c10) / math.log(2.5 / c10)
    expected = (4 * 1.25 / LN2 - part_8_10) + 4 * 0.625 / LN2
    assert aucint(res, 10.0, 16.0)[0] == pytest.approx(expected, rel=1e-12)
    # which equals the integral of the exponential 1.7678 exp(-k (t - 10)) over 6 h
    k = LN2 / 4
    assert expected == pytest.approx(c10 / k * (1 - math.exp(-6 * k)), rel=1e-12)
    # only the partial areas are reported for a partial interval
    assert set(res.parameters.PPTESTCD) == {"AUCINT", "AUMCINT"}


def test_aucint_linear_method_extrapolates_with_a_log_trapezoid():
    iv = pd.DataFrame({"start": [12.0], "end": [16.0], "kind": "partial"})
    res = nca(ev_study(), intervals=iv, auc_method="linear")
    assert aucint(res, 12.0, 16.0)[0] == pytest.approx(4 * (1.25 - 0.625) / LN2, rel=1e-12)


def test_aucint_without_lambda_z_is_nan_with_reason():
    conc = pd.DataFrame({"subject": "s1", "time": [0.0, 1, 2], "conc": [0.0, 4, 2]})
    doses = pd.DataFrame({"subject": ["s1"], "time": [0.0], "dose": [1.0], "route": ["PO"]})
    st = Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"})
    res = nca(
        st, intervals=pd.DataFrame({"start": [0.0, 0.0], "end": [2.0, 4.0], "kind": "partial"})
    )
    assert aucint(res, 0.0, 2.0)[0] == pytest.approx(2 + 2 / LN2, rel=1e-12)
    value, why = aucint(res, 0.0, 4.0)
    assert np.isnan(value) and "lambda_z" in why


# steady state: dose 100 mg at 0, 12, 24 (PO); the third interval sampled
SS_T = [24.0, 25, 26, 28, 32, 36]
SS_C = [1.5, 10, 8, 4, 1, 0.25]  # from t=26 on one exponential, k = ln2/2


def ss_study(route="PO", duration=0.0, conc_times=SS_T, concs=SS_C):
    conc = pd.DataFrame({"subject": "s1", "time": conc_times, "conc": concs})
    doses = pd.DataFrame(
        {
            "subject": "s1",
            "time": [0.0, 12.0, 24.0],
            "dose": 100.0,
            "route": route,
            "duration": duration,
        }
    )
    return Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"})


def test_steady_state_interval_parameters():
    res = nca(
        ss_study(), intervals=pd.DataFrame({"start": [24.0], "end": [36.0]}), auc_method="linear"
    )
    w = res.to_wide().iloc[0]
    k, tau = LN2 / 2, 12.0
    # times from the dose at 24: 0,1,2,4,8,12; C(0) observed (1.5) so nothing inserted
    assert (w.CMAX, w.TMAX, w.CMIN, w.TMIN, w.CTROUGH) == (10.0, 1.0, 0.25, 12.0, 0.25)
    auctau = (
        1 * (1.5 + 10) / 2
        + 1 * (10 + 8) / 2
        + 2 * (8 + 4) / 2
        + 4 * (4 + 1) / 2
        + 4 * (1 + 0.25) / 2
    )  # = 39.25
    aumctau = (
        1 * (0 + 10) / 2
        + 1 * (10 + 16) / 2
        + 2 * (16 + 16) / 2
        + 4 * (16 + 8) / 2
        + 4 * (8 + 3) / 2
    )  # = 120
    assert w.AUCTAU == pytest.approx(39.25, rel=1e-12) and auctau == 39.25
    assert w.AUMCTAU == pytest.approx(120.0, rel=1e-12) and aumctau == 120
    # t = 2, 4, 8, 12 lie exactly on 8 exp(-k (t-2)): 3- and 4-point fits both have
    # adjusted R2 = 1, so the 4-point fit wins
    assert w.LAMZNPT == 4 and w.LAMZ == pytest.approx(k, rel=1e-10)
    cavg = 39.25 / 12
    assert w.CAVG == pytest.approx(cavg, rel=1e-12)
    assert w.DEGFLUC == pytest.approx(100 * (10 - 0.25) / cavg, rel=1e-12)
    assert w.SWING == pytest.approx((10 - 0.25) / 0.25, rel=1e-12)
    assert w.PTROUGHR == pytest.approx(10 / 0.25, rel=1e-12)
    assert w.AILAMZ == pytest.approx(1 / (1 - math.exp(-k * tau)), rel=1e-10)
    assert w.CLFTAU == pytest.approx(100 / 39.25, rel=1e-12)
    assert w.VZFTAU == pytest.approx(100 / (k * 39.25), rel=1e-10)
    # Phoenix steady-state MRT: [AUMCtau + tau (AUCinf - AUCtau)] / AUCtau, with
    # AUCinf = AUClast + Clast/lambda_z from the interval's data
    aucinf = 39.25 + 0.25 / k
    assert w.MRTEVIFO == pytest.approx((120 + tau * (aucinf - 39.25)) / 39.25, rel=1e-10)
    assert w.AUCTAUD == pytest.approx(0.3925, rel=1e-12)
    assert "CLFO" not in w and "VZFO" not in w  # single-dose clearances are not reported


def test_steady_state_inserts_cmin_when_no_predose_sample():
    # no sample at the dose time: Phoenix uses the interval minimum (0.25) at t = 0
    res = nca(
        ss_study(conc_times=SS_T[1:], concs=SS_C[1:]),
        intervals=pd.DataFrame({"start": [24.0], "end": [36.0]}),
        auc_method="linear",
    )
    w = res.to_wide().iloc[0]
    assert w.AUCTAU == pytest.approx(39.25 - 1 * (1.5 + 10) / 2 + 1 * (0.25 + 10) / 2, rel=1e-12)


def test_steady_state_auctau_extrapolates_to_the_end_of_the_interval():
    # last sample at t=8 after the dose: AUCtau adds 8..12 from lambda_z (log trapezoid)
    res = nca(
        ss_study(conc_times=SS_T[:-1], concs=SS_C[:-1]),
        intervals=pd.DataFrame({"start": [24.0], "end": [36.0]}),
        auc_method="linear",
    )
    w = res.to_wide().iloc[0]
    k = LN2 / 2
    c12 = 1 * math.exp(-k * 4)  # 0.25 (the fit is exact)
    tail = 4 * (1 - c12) / math.log(1 / c12)
    assert w.AUCTAU == pytest.approx(5.75 + 9 + 12 + 10 + tail, rel=1e-10)
    assert np.isnan(w.CTROUGH)
    why = res.parameters.set_index("PPTESTCD").loc["CTROUGH", "exclude"]
    assert "end of the dosing interval" in why


def test_iv_infusion_steady_state_vss_and_mrt():
    res = nca(
        ss_study(route="IV infusion", duration=1.0),
        intervals=pd.DataFrame({"start": [24.0], "end": [36.0]}),
        auc_method="linear",
    )
    w = res.to_wide().iloc[0]
    k, tau = LN2 / 2, 12.0
    aucinf = 39.25 + 0.25 / k
    mrt = (120 + tau * (aucinf - 39.25)) / 39.25 - 1.0 / 2  # minus Tinf/2
    assert w.MRTIVIFO == pytest.approx(mrt, rel=1e-10)
    assert w.CLTAU == pytest.approx(100 / 39.25, rel=1e-12)
    assert w.VSSO == pytest.approx(mrt * 100 / 39.25, rel=1e-10)


def test_default_intervals_for_multiple_doses():
    # samples in each of three dosing intervals; default: [0,12], [12,24], [24,36]
    times = [0.0, 1, 6, 12, 13, 18, 24, 25, 30, 36]
    conc = [0.0, 5, 3, 2, 6, 4, 2.5, 7, 4, 3]
    res = nca(ss_study(conc_times=times, concs=conc))
    prof = res.profiles
    assert prof[["start", "end", "kind"]].values.tolist() == [
        [0.0, 12.0, "tau"],
        [12.0, 24.0, "tau"],
        [24.0, 36.0, "tau"],
    ]
    w = res.to_wide()
    # [12, 24]: linear up, log down: 1*(2+6)/2 + 5*(6-4)/ln(1.5) + 6*(4-2.5)/ln(1.6)
    assert w.loc[1, "AUCTAU"] == pytest.approx(
        4 + 10 / math.log(1.5) + 9 / math.log(1.6), rel=1e-12
    )
    # the first interval starts at the first dose: no sample at t=0? there is (0.0)
    assert w.loc[0, "CMIN"] == 0.0


def test_interval_restricted_to_a_subject_and_bad_intervals():
    st = ss_study()
    res = nca(st, intervals=pd.DataFrame({"subject": ["s1"], "start": [24.0], "end": [36.0]}))
    assert len(res.profiles) == 1
    with pytest.raises(DataError, match="end must be after start"):
        nca(st, intervals=pd.DataFrame({"start": [24.0], "end": [12.0]}))


def test_accumulation_ratios_against_the_first_interval():
    from kinetor.nca import accumulation

    times = [0.0, 1, 6, 12, 13, 18, 24, 25, 30, 36]
    conc = [0.0, 5, 3, 2, 6, 4, 2.5, 7, 4, 3]
    res = nca(ss_study(conc_times=times, concs=conc), auc_method="linear")
    acc = accumulation(res).set_index(["PPTESTCD", "start"])
    # AUCtau (linear): [0,12] 1*5/2 + 5*8/2 + 6*5/2 = 37.5; [12,24] 1*8/2 + 5*10/2
    # + 6*6.5/2 = 48.5; [24,36] 1*9.5/2 + 5*11/2 + 6*7/2 = 53.25
    assert acc.loc[("ARAUC", 12.0), "value"] == pytest.approx(48.5 / 37.5, rel=1e-12)
    assert acc.loc[("ARAUC", 24.0), "value"] == pytest.approx(53.25 / 37.5, rel=1e-12)
    assert acc.loc[("ARCMAX", 24.0), "value"] == pytest.approx(7 / 5, rel=1e-12)
    assert 0.0 not in acc.index.get_level_values("start")


def test_first_dosing_interval_starts_from_zero_not_cmin():
    # the [0, 12] interval of a BID study follows no earlier dose: Phoenix inserts C = 0 at
    # the dose time (the steady-state Cmin rule applies only after a dose or when steady
    # state is declared); the old rule added Cmin 0.25 at t = 0
    conc = pd.DataFrame({"subject": "s1", "time": SS_T[1:], "conc": SS_C[1:]})
    conc["time"] -= 24.0
    doses = pd.DataFrame(
        {"subject": "s1", "time": [0.0, 12.0], "dose": 100.0, "route": "PO", "duration": 0.0}
    )
    st = Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"})
    res = nca(st, intervals=pd.DataFrame({"start": [0.0], "end": [12.0]}), auc_method="linear")
    w = res.to_wide().iloc[0]
    expected = (
        1 * (0 + 10) / 2 + 1 * (10 + 8) / 2 + 2 * (8 + 4) / 2 + 4 * (4 + 1) / 2 + 4 * (1 + 0.25) / 2
    )
    assert w.AUCTAU == pytest.approx(expected, rel=1e-12)
    # declared steady state: the interval minimum again
    st = Study(
        conc,
        doses.assign(ss=[1, 0], ii=[12.0, 0.0]),
        units={"time": "h", "conc": "mg/L", "dose": "mg"},
    )
    w = (
        nca(st, intervals=pd.DataFrame({"start": [0.0], "end": [12.0]}), auc_method="linear")
        .to_wide()
        .iloc[0]
    )
    assert w.AUCTAU == pytest.approx(expected + 1 * 0.25 / 2, rel=1e-12)
