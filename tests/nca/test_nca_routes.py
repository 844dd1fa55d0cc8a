"""Hand-calculated golden values, one small profile per route and AUC method.

Every expected number is written as the arithmetic that produces it (ln = natural log).
Units: h, mg/L, mg -> AUC h*mg/L, CL L/h, V L.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kinetor.data import Study
from kinetor.nca import nca

LN2 = math.log(2.0)


def one(times, concs, route, dose=100.0, duration=0.0, method="lin-up/log-down", **kw):
    conc = pd.DataFrame({"subject": "s1", "time": times, "conc": concs})
    doses = pd.DataFrame(
        {"subject": ["s1"], "time": [0.0], "dose": [dose], "route": [route], "duration": [duration]}
    )
    st = Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"})
    res = nca(st, auc_method=method, **kw)
    return res, res.to_wide().iloc[0]


# Extravascular: t 0,1,2,4,8,12; C 0,8,10,5,2.5,1.25 (C halves every 4 h after t=2... from
# t=4: 5 -> 2.5 -> 1.25, so lambda_z = ln2/4 through the last three points)
EV_T = [0.0, 1, 2, 4, 8, 12]
EV_C = [0.0, 8, 10, 5, 2.5, 1.25]
K_EV = LN2 / 4


def test_extravascular_observed_and_lambda_z():
    _, w = one(EV_T, EV_C, "PO")
    assert (w.CMAX, w.TMAX, w.CLST, w.TLST, w.TLAG) == (10.0, 2.0, 1.25, 12.0, 0.0)
    # candidates after Tmax: t=4,8,12 only -> one 3-point fit, exact: R2 = 1
    assert w.LAMZ == pytest.approx(K_EV, rel=1e-12)
    assert w.LAMZNPT == 3 and w.LAMZLL == 4.0 and w.LAMZUL == 12.0
    assert w.R2ADJ == pytest.approx(1.0, abs=1e-12)
    assert w.LAMZHL == pytest.approx(4.0, rel=1e-12)
    assert w.LAMZSPN == pytest.approx((12 - 4) / 4.0, rel=1e-12)
    # intercept: ln C = ln 5 + 4k - k t = ln 10 - k t -> CLSTP = 10 * exp(-12k) = 1.25
    assert w.CLSTP == pytest.approx(1.25, rel=1e-12)
    assert w.CMAXD == pytest.approx(10 / 100, rel=1e-12)


def test_extravascular_linear():
    _, w = one(EV_T, EV_C, "PO", method="linear")
    auc = (
        1 * (0 + 8) / 2
        + 1 * (8 + 10) / 2
        + 2 * (10 + 5) / 2
        + 4 * (5 + 2.5) / 2
        + 4 * (2.5 + 1.25) / 2
    )  # = 50.5
    aumc = (
        1 * (0 * 0 + 1 * 8) / 2
        + 1 * (1 * 8 + 2 * 10) / 2
        + 2 * (2 * 10 + 4 * 5) / 2
        + 4 * (4 * 5 + 8 * 2.5) / 2
        + 4 * (8 * 2.5 + 12 * 1.25) / 2
    )  # = 208
    assert w.AUCLST == pytest.approx(50.5, rel=1e-12) and auc == 50.5
    assert w.AUMCLST == pytest.approx(208.0, rel=1e-12) and aumc == 208.0
    aucifo = 50.5 + 1.25 / K_EV
    aumcifo = 208 + 1.25 * 12 / K_EV + 1.25 / K_EV**2
    assert w.AUCALL == pytest.approx(50.5, rel=1e-12)
    assert w.AUCIFO == pytest.approx(aucifo, rel=1e-12)
    assert w.AUCIFP == pytest.approx(aucifo, rel=1e-12)  # CLSTP == CLST here
    assert w.AUCPEO == pytest.approx(100 * (1.25 / K_EV) / aucifo, rel=1e-12)
    assert w.AUMCIFO == pytest.approx(aumcifo, rel=1e-12)
    assert w.AUMCPEO == pytest.approx(100 * (aumcifo - 208) / aumcifo, rel=1e-12)
    assert w.MRTEVLST == pytest.approx(208 / 50.5, rel=1e-12)
    assert w.MRTEVIFO == pytest.approx(aumcifo / aucifo, rel=1e-12)
    assert w.CLFO == pytest.approx(100 / aucifo, rel=1e-12)
    assert w.VZFO == pytest.approx(100 / (K_EV * aucifo), rel=1e-12)
    assert w.AUCIFOD == pytest.approx(aucifo / 100, rel=1e-12)
    assert w.AUCLSTD == pytest.approx(0.505, rel=1e-12)
    assert "C0" not in w and "VSSO" not in w and "CLO" not in w


def test_extravascular_lin_up_log_down():
    _, w = one(EV_T, EV_C, "PO")
    # up: linear; down: (t2-t1)(C1-C2)/ln(C1/C2)
    auc = 4 + 9 + 2 * 5 / LN2 + 4 * 2.5 / LN2 + 4 * 1.25 / LN2  # 49.0673760
    assert w.AUCLST == pytest.approx(auc, rel=1e-12)
    # log AUMC: dt (t2C2 - t1C1)/ln(C2/C1) - dt^2 (C2 - C1)/ln(C2/C1)^2
    lr = -LN2  # ln(C2/C1) for every declining segment here (each halves)
    aumc = (
        4
        + 14
        + (2 * (20 - 20) / lr - 4 * (5 - 10) / lr**2)
        + (4 * (20 - 20) / lr - 16 * (2.5 - 5) / lr**2)
        + (4 * (15 - 20) / lr - 16 * (1.25 - 2.5) / lr**2)
    )
    assert w.AUMCLST == pytest.approx(aumc, rel=1e-12)


def test_lin_log_differs_from_lin_up_log_down_after_tmax():
    t, c = [0.0, 1, 2, 3, 4], [0.0, 4, 2, 3, 1]
    _, w = one(t, c, "PO", method="lin-up/log-down")
    # [0,1] up 2; [1,2] down 2/ln2; [2,3] up linear 2.5; [3,4] down 2/ln3
    assert w.AUCLST == pytest.approx(2 + 2 / LN2 + 2.5 + 2 / math.log(3), rel=1e-12)
    _, w = one(t, c, "PO", method="lin-log")
    # Phoenix "Linear Log": log after Tmax (t=1) even when rising: [2,3] = 1/ln(3/2)
    assert w.AUCLST == pytest.approx(2 + 2 / LN2 + 1 / math.log(1.5) + 2 / math.log(3), rel=1e-12)
    _, w = one(t, c, "PO", method="linear")
    assert w.AUCLST == pytest.approx(2 + 3 + 2.5 + 2, rel=1e-12)


def test_tlag_is_the_sample_before_the_first_measurable():
    _, w = one([0.0, 0.5, 1, 2, 3, 4], [0.0, 0.0, 3, 2, 1, 0.5], "PO")
    assert w.TLAG == 0.5


# IV bolus: t 0.5,1,2,4,8; C 10,8,5,2.5,0.625 (t=2..8 on one exponential, k = ln2/2)
IV_T = [0.5, 1, 2, 4, 8]
IV_C = [10.0, 8, 5, 2.5, 0.625]
K_IV = LN2 / 2


def test_iv_bolus_c0_and_linear():
    _, w = one(IV_T, IV_C, "IV", method="linear")
    # C0: log-linear back-extrapolation of (0.5, 10), (1, 8) to t=0: 10 * 10/8 = 12.5
    assert w.C0 == pytest.approx(12.5, rel=1e-12)
    assert (w.CMAX, w.TMAX) == (10.0, 0.5)  # C0 is not an observation
    back = 0.5 * (12.5 + 10) / 2  # 5.625
    auc = (
        back + 0.5 * (10 + 8) / 2 + 1 * (8 + 5) / 2 + 2 * (5 + 2.5) / 2 + 4 * (2.5 + 0.625) / 2
    )  # 30.375
    assert w.AUCLST == pytest.approx(auc, rel=1e-12) and auc == 30.375
    # lambda_z: bolus candidates include Tmax; the last three fit exactly (adj R2 = 1),
    # adding (1, 8) or more spoils the fit by far more than 1e-4
    assert w.LAMZNPT == 3 and w.LAMZ == pytest.approx(K_IV, rel=1e-12)
    aucifo = auc + 0.625 / K_IV
    assert w.AUCIFO == pytest.approx(aucifo, rel=1e-12)
    assert w.AUCPBEO == pytest.approx(100 * back / aucifo, rel=1e-12)
    aumc = (
        0.5 * (0 * 12.5 + 0.5 * 10) / 2
        + 0.5 * (0.5 * 10 + 1 * 8) / 2
        + 1 * (8 + 10) / 2
        + 2 * (10 + 10) / 2
        + 4 * (10 + 5) / 2
    )  # 1.25+3.25+9+20+30
    aumcifo = aumc + 0.625 * 8 / K_IV + 0.625 / K_IV**2
    assert w.AUMCLST == pytest.approx(63.5, rel=1e-12) and aumc == 63.5
    mrt = aumcifo / aucifo
    assert w.MRTIVIFO == pytest.approx(mrt, rel=1e-12)
    assert w.CLO == pytest.approx(100 / aucifo, rel=1e-12)
    assert w.VZO == pytest.approx(100 / (K_IV * aucifo), rel=1e-12)
    assert w.VSSO == pytest.approx(mrt * 100 / aucifo, rel=1e-12)
    assert "TLAG" not in w and "CLFO" not in w


def test_iv_bolus_log_down():
    _, w = one(IV_T, IV_C, "IV")
    # every segment declines: log trapezoids, the back-extrapolated one included
    auc = (
        0.5 * 2.5 / math.log(1.25)
        + 0.5 * 2 / math.log(1.25)
        + 3 / math.log(1.6)
        + 2 * 2.5 / LN2
        + 4 * 1.875 / math.log(4)
    )
    assert w.AUCLST == pytest.approx(auc, rel=1e-12)
    assert w.AUCPBEO == pytest.approx(100 * (1.25 / math.log(1.25)) / w.AUCIFO, rel=1e-12)


def test_iv_bolus_c0_rules():
    # first two points rising: C0 = first observation
    _, w = one([0.5, 1, 2, 4], [5.0, 8, 4, 2], "IV")
    assert w.C0 == 5.0
    # a sample at the dose time is C0 and nothing is back-extrapolated
    _, w = one([0.0, 1, 2, 4], [9.0, 8, 4, 2], "IV")
    assert w.C0 == 9.0 and w.AUCPBEO == 0.0


def test_iv_infusion_mrt_minus_half_duration():
    _, w = one(IV_T, IV_C, "IV infusion", duration=1.0, method="linear")
    # infusion: C = 0 at t = 0 (no back-extrapolation); Tmax = 0.5
    auc = 0.5 * (0 + 10) / 2 + 0.5 * 18 / 2 + 13 / 2 + 7.5 + 4 * 3.125 / 2  # 27.25
    assert w.AUCLST == pytest.approx(27.25, rel=1e-12) and auc == 27.25
    aumc = (
        0.5 * (0.5 * 10) / 2 + 0.5 * (5 + 8) / 2 + (8 + 10) / 2 + 2 * 20 / 2 + 4 * 15 / 2
    )  # 1.25+3.25+9+20+30
    # lambda_z: after Tmax (t > 0.5): the last 3 points exact, (1, 8) spoils a 4-point fit
    assert w.LAMZNPT == 3
    aucifo = auc + 0.625 / K_IV
    aumcifo = aumc + 0.625 * 8 / K_IV + 0.625 / K_IV**2
    assert w.MRTIVLST == pytest.approx(aumc / auc - 0.5, rel=1e-12)
    assert w.MRTIVIFO == pytest.approx(aumcifo / aucifo - 0.5, rel=1e-12)
    assert w.VSSO == pytest.approx((aumcifo / aucifo - 0.5) * 100 / aucifo, rel=1e-12)
    assert "C0" not in w and "AUCPBEO" not in w


def test_units_per_kg_dose():
    conc = pd.DataFrame({"subject": "m1", "time": EV_T, "conc": EV_C})
    doses = pd.DataFrame({"subject": ["m1"], "time": [0.0], "dose": [10.0], "route": ["PO"]})
    st = Study(conc, doses, units={"time": "h", "conc": "ng/mL", "dose": "mg/kg"})
    res = nca(st, auc_method="linear")
    p = res.parameters.set_index("PPTESTCD")
    assert p.loc["AUCLST", "unit"] == "h*ng/mL"
    assert p.loc["AUMCLST", "unit"] == "h^2*ng/mL"
    assert p.loc["CLFO", "unit"] == "L/h/kg" and p.loc["VZFO", "unit"] == "L/kg"
    assert p.loc["CMAXD", "unit"] == "(ng/mL)/(mg/kg)"
    # (mg/kg)/(ng/mL * h) = 1e-3 g/kg / (1e-6 g/L * h) = 1000 L/h/kg
    aucifo = 50.5 + 1.25 / K_EV
    assert p.loc["CLFO", "value"] == pytest.approx(10 / aucifo * 1000, rel=1e-12)
    res = nca(st, auc_method="linear", cl_unit="mL/min/kg")
    p = res.parameters.set_index("PPTESTCD")
    # 1 L/h = 1000 mL / 60 min
    assert p.loc["CLFO", "value"] == pytest.approx(10 / aucifo * 1000 * 1000 / 60, rel=1e-12)
    assert p.loc["CLFO", "unit"] == "mL/min/kg"
