"""Steady-state trains that start after earlier doses (NONMEM SS=2, a later ``ss`` part of a
text regimen) in exact courses (``polyexponential``) and in fits with a lag time: a train
acts only from its own dose on. Expected values are one-compartment sums by hand."""

import numpy as np
import pandas as pd
import pytest

from kinetor.pk import (
    OneCompartment,
    OneCompartmentOral,
    PKFitter,
    Regimen,
    polyexponential,
)

CL, V, KA, TLAG = 2.0, 20.0, 1.0, 0.5
K = CL / V


def _oral(tau, dose):
    """C (mg/L) of one oral dose ``tau`` h after it enters the depot (0 before)."""
    tau = np.asarray(tau, float)
    c = dose * KA / (V * (KA - K)) * (np.exp(-K * tau) - np.exp(-KA * tau))
    return np.where(tau >= 0, c, 0.0)


def test_a_course_adds_a_later_steady_state_part_only_from_its_own_dose():
    t = np.array([0.0, 48.0, 60.0, 71.0, 72.0, 80.0])
    course = polyexponential(OneCompartment(cl=CL, v=V), "100 mg IV QD x 3 then 50 mg IV QD ss")
    first = sum(np.where(t >= d, 5000.0 * np.exp(-K * (t - d)), 0.0) for d in (0, 24, 48))
    ss = np.where(t >= 72.0, 2500.0 * np.exp(-K * (t - 72.0)) / (1 - np.exp(-K * 24.0)), 0.0)
    # before the fix the train of the ss part acted from 48 h: C(48) 8244 for 5494.7
    np.testing.assert_allclose(course[0](t), first + ss, rtol=1e-10)


def test_a_fit_with_a_lag_keeps_an_ss2_train_off_before_its_dose():
    # 100 mg PO at 0, then 20 mg PO q24h at steady state superposed (SS=2) from 200 h
    reg = Regimen.from_table(
        pd.DataFrame(
            {
                "time": [0.0, 200.0],
                "amount": [100.0, 20.0],
                "route": ["PO", "PO"],
                "ss": [0, 2],
                "ii": [0.0, 24.0],
            }
        ),
        unit="mg",
    )
    t = np.array([2.0, 6.0, 12.0, 24.0, 150.0, 190.0, 199.0, 201.0, 203.0, 206.0, 212.0, 220.0])
    train = sum(_oral(t - 200.0 + 24.0 * m - TLAG, 20.0) for m in range(1, 400))
    y = _oral(t - TLAG, 100.0) + np.where(t >= 200.0, train, 0.0) + _oral(t - 200.0 - TLAG, 20.0)
    # the instance's tlag is held (not estimated); cl, v, ka start off the truth
    start = OneCompartmentOral(cl=1.5, v=15.0, ka=0.7, tlag=TLAG)
    fit = PKFitter(start, method="wls", estimate=["cl", "v", "ka"]).fit(t, y, data=reg)
    est = fit.params_.iloc[0]  # exact data: the optimum is the truth (zero residuals)
    assert (est["cl"], est["v"], est["ka"]) == pytest.approx((CL, V, KA), rel=1e-5)


def test_fit_pk_ends_the_doses_before_a_nonmem_reset(tmp_path):
    # IV crossover coded with EVID 4: 100 mg at 0, reset + 100 mg at 24 h (1-cmt CL 2, V 20).
    # NONMEM: period 2 sees only its own dose; the residue of the first (453 ng/mL at 24 h)
    # was added to it before
    from kinetor.data import read_study
    from kinetor.pk import fit_pk

    t1, t2 = [1.0, 2, 4, 8, 12], [25.0, 26, 28, 32, 36]
    conc = [5000.0 * np.exp(-K * t) for t in t1] + [5000.0 * np.exp(-K * (t - 24)) for t in t2]
    lines = ["ID,TIME,DV,AMT,EVID,MDV,CMT", "1,0,.,100,1,1,1"]
    lines += [f"1,{t:g},{c:.6f},.,0,0,1" for t, c in zip(t1, conc[:5], strict=True)]
    lines += ["1,24,.,100,4,1,1"]
    lines += [f"1,{t:g},{c:.6f},.,0,0,1" for t, c in zip(t2, conc[5:], strict=True)]
    (tmp_path / "nm.csv").write_text("\n".join(lines) + "\n")
    study = read_study(
        tmp_path / "nm.csv",
        units={"time": "h", "conc": "ng/mL", "dose": "mg"},
        route="IV",
    )
    res = fit_pk(study, "1cmt", method="wls")
    p = res.params.set_index("parameter")["estimate"]
    assert (p["cl"], p["v"]) == pytest.approx((CL, V), rel=1e-5)
