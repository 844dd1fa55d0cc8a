"""NONMEM resets in PK regimens: a reset (``EVID`` 3/4, a dose with ``SS = 1``) acts from
its own record on, so the concentrations before it are those of the earlier doses.

NONMEM applies a reset from its record onward (a crossover coded with ``EVID = 4`` keeps
the period-1 observations predicted from the period-1 doses; rxode2's
``tests/testthat/test-reset.R`` expects zeros only after the ``EVID = 3`` time).

Expected values: one-compartment closed forms written out here, a matrix-exponential
superposition of the linear system (``_expm_conc``, independent of kinetor's closed
forms) and scipy ``solve_ivp`` for Michaelis-Menten; never kinetor's own output.
"""

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import solve_ivp
from scipy.linalg import expm

import kinetor as kt
from kinetor.errors import DataError, ModelError
from kinetor.pk import (
    MichaelisMenten,
    OneCompartment,
    OneCompartmentOral,
    PKFitter,
    Regimen,
    TwoCompartment,
    build_events,
    polyexponential,
)

CL, V = 2.0, 20.0  # k = 0.1 / h; 100 mg -> 5 mg/L = 5000 ng/mL


def bolus(t, dose, t_dose, end=np.inf):
    """ng/mL of one IV bolus (1-cmt, CL 2, V 20) acting on [t_dose, end)."""
    t = np.asarray(t, float)
    on = (t >= t_dose) & (t < end)
    return np.where(on, dose / V * 1000 * np.exp(-CL / V * np.maximum(t - t_dose, 0)), 0.0)


def crossover(t_reset, evid=4):
    return pd.DataFrame(
        {
            "ID": 1,
            "TIME": [0.0, 2.0, 12.0, t_reset, t_reset + 2.0],
            "AMT": [100.0, 0, 0, 100.0 if evid == 4 else 0.0, 0],
            "EVID": [1, 0, 0, evid, 0],
            "CMT": 2,
        }
    )


# --- the finding: the concentrations before a reset -------------------------------------


@pytest.mark.parametrize("method", ["numpy", "numba", "ode"])
def test_crossover_reset_keeps_period_one(method):
    reg = Regimen.from_nonmem(crossover(168.0), dose_unit="mg")
    sim = kt.simulate(OneCompartment(cl=CL, v=V), reg, [2.0, 12.0, 170.0], method=method)
    # 100/20 e^(-0.1 t) x 1000: 4093.65 and 1505.97 ng/mL (0 with the reset deleting dose 1)
    np.testing.assert_allclose(
        sim.ipred[0],
        [4093.6537653899, 1505.9710595610, 4093.6537653899],
        rtol=1e-6 if method == "ode" else 1e-10,
    )


@pytest.mark.parametrize("method", ["numpy", "numba", "ode"])
def test_reset_clears_what_came_before_from_its_time_on(method):
    reg = Regimen.from_nonmem(crossover(24.0), dose_unit="mg")
    t = np.array([2.0, 23.9, 24.0, 26.0, 40.0])
    sim = kt.simulate(OneCompartment(cl=CL, v=V), reg, t, method=method, amounts=True)
    hand = bolus(t, 100, 0, end=24.0) + bolus(t, 100, 24.0)
    rtol = 1e-6 if method == "ode" else 1e-10
    np.testing.assert_allclose(sim.ipred[0], hand, rtol=rtol)
    np.testing.assert_allclose(sim.amounts["central"][0], hand * V / 1000, rtol=rtol)


@pytest.mark.parametrize("method", ["numpy", "numba"])
def test_ss1_after_qd_doses(method):
    nm = pd.DataFrame(
        {
            "ID": 1,
            "TIME": [0.0, 72.0],
            "AMT": [100.0, 50.0],
            "EVID": 1,
            "CMT": 2,
            "ADDL": [2, 0],
            "II": [24.0, 12.0],
            "SS": [0, 1],
        }
    )
    reg = Regimen.from_nonmem(nm, dose_unit="mg")
    t = np.array([1.0, 30.0, 71.9, 72.0, 80.0, 90.0])
    sim = kt.simulate(OneCompartment(cl=CL, v=V), reg, t, method=method)
    before = sum(bolus(t, 100, 24.0 * k, end=72.0) for k in range(3))
    train = np.where(t >= 72, 2500 * np.exp(-0.1 * (t - 72)) / (1 - np.exp(-1.2)), 0.0)
    np.testing.assert_allclose(sim.ipred[0], before + train, rtol=1e-10)
    assert sim.ipred[0][2] == pytest.approx(
        5000 * sum(np.exp(-0.1 * (71.9 - 24 * k)) for k in range(3))
    )


def _expm_conc(p, doses, times):
    """Central concentration (ng/mL) by matrix exponentials: states depot, central,
    peripheral, infusion rate; each dose (time, amt, route, dur, until) acts on
    [time, until). Independent of kinetor's closed forms."""
    K = np.zeros((4, 4))
    K[0, 0] = -p["ka"]
    K[1, 0] = p["ka"]
    K[1, 1] = -(p["cl"] + p["q"]) / p["v1"]
    K[1, 2] = p["q"] / p["v2"]
    K[2, 1] = p["q"] / p["v1"]
    K[2, 2] = -p["q"] / p["v2"]
    K[1, 3] = 1.0
    out = []
    for t in times:
        x = np.zeros(4)
        for t0, amt, route, dur, until in doses:
            if not (t0 <= t < until):
                continue
            s = t - t0
            x0 = np.zeros(4)
            if route == "bolus":
                x0[1] = amt
                x += expm(K * s) @ x0
            elif route == "oral":
                if s < p["tlag"]:
                    continue
                x0[0] = amt * p["f"]
                x += expm(K * (s - p["tlag"])) @ x0
            else:
                x0[3] = amt / dur
                if s <= dur:
                    x += expm(K * s) @ x0
                else:
                    y = expm(K * dur) @ x0
                    y[3] = 0.0
                    x += expm(K * (s - dur)) @ y
        out.append(x[1] / p["v1"] * 1000)
    return np.array(out)


@pytest.mark.parametrize("method", ["numpy", "numba"])
def test_two_compartment_oral_infusion_and_resets_match_matrix_exponentials(method):
    p = dict(cl=3.0, v1=15.0, q=4.0, v2=40.0, ka=0.7, tlag=0.5, f=0.9)
    nm = pd.DataFrame(
        {
            "ID": 1,
            "TIME": [0.0, 30.0, 40.0, 50.0, 60.0],
            "AMT": [100.0, 80.0, 0.0, 50.0, 0.0],
            "EVID": [1, 1, 3, 4, 0],
            "CMT": [1, 2, 0, 1, 2],
            "RATE": [0.0, 4.0, 0.0, 0.0, 0.0],  # 80 mg over 20 h, stopped by the reset at 40
            "ADDL": [3, 0, 0, 2, 0],  # 0, 12, 24, 36 (cancelled by the reset at 40); 50, 62, 74
            "II": [12.0, 0.0, 0.0, 12.0, 0.0],
        }
    )
    reg = Regimen.from_nonmem(nm, dose_unit="mg")
    assert reg.to_table()["time"].tolist() == [0.0, 12.0, 24.0, 30.0, 36.0, 50.0, 62.0, 74.0]
    model = TwoCompartment(
        cl=p["cl"], v1=p["v1"], q=p["q"], v2=p["v2"], ka=p["ka"], tlag=p["tlag"], f=p["f"]
    )
    t = np.array([1.0, 13.0, 29.0, 31.0, 36.2, 37.0, 39.9, 40.0, 45.0, 50.2, 51.0, 63.0, 90.0])
    doses = [(12.0 * k, 100.0, "oral", 0.0, 40.0) for k in range(4)]
    doses += [(30.0, 80.0, "inf", 20.0, 40.0)]
    doses += [(50.0 + 12.0 * k, 50.0, "oral", 0.0, np.inf) for k in range(3)]
    sim = kt.simulate(model, reg, t, method=method)
    np.testing.assert_allclose(sim.ipred[0], _expm_conc(p, doses, t), rtol=1e-8, atol=1e-9)
    assert sim.ipred[0][7] == 0.0  # the reset at 40 h: nothing in the system


def test_reset_regimen_courses_are_exact():
    reg = Regimen.from_nonmem(crossover(24.0), dose_unit="mg")
    c = polyexponential(OneCompartment(cl=CL, v=V), reg)[0]
    assert 24.0 in c.start.tolist()
    t = np.array([2.0, 12.0, 23.9, 24.0, 26.0])
    np.testing.assert_allclose(c(t), bolus(t, 100, 0, end=24.0) + bolus(t, 100, 24.0), rtol=1e-12)


def test_ctrough_before_a_reset_dose_is_the_concentration_just_before_it():
    reg = Regimen.from_nonmem(crossover(24.0), dose_unit="mg")
    sim = kt.simulate(OneCompartment(cl=CL, v=V), reg, np.arange(0.0, 49.0))
    # C(24-) = 5000 e^(-2.4) ng/mL (HEAD: the dose at 0 was gone, CTROUGH NaN)
    assert sim.exposure()["CTROUGH"][0] == pytest.approx(5000 * np.exp(-2.4), rel=1e-10)


def test_fit_with_a_lag_keeps_the_reset():
    # the fitter moves oral events by tlag and re-sorts them: the reset must move along
    nm = pd.DataFrame(
        {"ID": 1, "TIME": [0.0, 24.0], "AMT": [100.0, 100.0], "EVID": [1, 4], "CMT": [1, 1]}
    )
    reg = Regimen.from_nonmem(nm, dose_unit="mg")
    # period 2 alone (two samples) cannot give four parameters: period 1 must count, and
    # the dose at 0 must not count after the reset
    t = np.array([0.5, 1, 2, 4, 8, 12, 23, 26, 36])
    cl, v, ka, lag = 2.0, 20.0, 1.5, 0.3
    k = cl / v

    def one(tau):
        tau = np.asarray(tau, float)
        c = 100 * ka / (v * (ka - k)) * (np.exp(-k * tau) - np.exp(-ka * tau))
        return np.where(tau >= 0, c, 0.0)

    y = np.where(t < 24, one(t - lag), one(t - 24 - lag))  # mg/L
    fit = PKFitter(
        OneCompartmentOral,
        method="wls",
        estimate=["cl", "v", "ka", "tlag"],
        init={"cl": 1.5, "v": 15.0, "ka": 1.0, "tlag": 0.2},
    ).fit(t, y, data=reg)
    got = fit.params_.iloc[0]
    np.testing.assert_allclose(
        [got["cl"], got["v"], got["ka"], got["tlag"]], [cl, v, ka, lag], rtol=1e-4
    )


def test_nonlinear_model_resets_by_ode():
    vmax, km, v1 = 10.0, 1.0, 10.0
    nm = pd.DataFrame(
        {"ID": 1, "TIME": [0.0, 6.0], "AMT": [100.0, 100.0], "EVID": [1, 4], "CMT": [2, 2]}
    )
    reg = Regimen.from_nonmem(nm, dose_unit="mg")
    t = np.array([1.0, 3.0, 5.9, 6.5, 8.0])

    def mm(a0, tt):
        sol = solve_ivp(
            lambda _, a: -vmax * (a / v1) / (km + a / v1),
            (0, tt.max()),
            [a0],
            t_eval=tt,
            method="DOP853",
            rtol=1e-11,
            atol=1e-12,
        )
        return sol.y[0] / v1 * 1000

    hand = np.concatenate([mm(100.0, t[:3]), mm(100.0, t[3:] - 6.0)])
    sim = kt.simulate(MichaelisMenten(vmax=vmax, km=km, v1=v1), reg, t)
    np.testing.assert_allclose(sim.ipred[0], hand, rtol=1e-6)


def test_nonlinear_model_refuses_overlapping_dose_ends():
    df = pd.DataFrame(
        {"time": [0.0, 5.0], "amount": [100.0, 100.0], "route": "IV", "until": [10.0, np.nan]}
    )
    reg = Regimen.from_table(df, unit="mg")
    with pytest.raises(ModelError, match="nonlinear model cannot superpose"):
        kt.simulate(MichaelisMenten(vmax=10, km=1, v1=10), reg, [1.0, 6.0])
    # a linear model superposes them exactly
    sim = kt.simulate(OneCompartment(cl=CL, v=V), reg, [6.0, 11.0])
    hand = bolus([6.0, 11.0], 100, 0, end=10.0) + bolus([6.0, 11.0], 100, 5.0)
    np.testing.assert_allclose(sim.ipred[0], hand, rtol=1e-12)


def test_no_reset_no_end_array():
    ev = build_events(Regimen.parse("100 mg PO QD x 7"), n_subjects=3)
    assert ev.until is None


# --- the regimen keeps the end of each dose ----------------------------------------------


def test_regimen_table_text_and_round_trip():
    reg = Regimen.from_nonmem(crossover(24.0), dose_unit="mg")
    tab = reg.to_table()
    assert tab[["time", "until"]].values.tolist() == [[0.0, 24.0], [24.0, np.inf]]
    assert Regimen.from_table(tab) == reg
    assert Regimen.from_table(tab.assign(until=np.inf)) != reg
    assert str(reg) == "100 mg IV bolus single until 24 h then at 24 h 100 mg IV bolus single"
    with pytest.raises(kt.pk.RegimenError):  # never read back as a regimen without the reset
        Regimen.parse(str(reg))


def test_from_table_until_checks_and_additional_doses():
    df = pd.DataFrame(
        {
            "time": [0.0, 5.0],
            "amount": [1.0, 1.0],
            "route": "IV",
            "addl": [4, 0],
            "ii": [24.0, 0],
            "until": [60.0, 5.0],
        }
    )
    with pytest.raises(DataError) as err:
        Regimen.from_table(df, unit="mg")
    assert [(p.row, p.column) for p in err.value.problems] == [(3, "until")]
    tab = Regimen.from_table(df.iloc[:1], unit="mg").to_table()
    assert tab["time"].tolist() == [0.0, 24.0, 48.0]  # 72 and 96 come after the end at 60


# --- the reader's other checks ----------------------------------------------------------


def test_time_going_back_is_refused_not_sorted():
    nm = pd.DataFrame(
        {"ID": 1, "TIME": [0.0, 12.0, 6.0], "AMT": [100.0, 0.0, 50.0], "EVID": [1, 0, 1], "CMT": 2}
    )
    with pytest.raises(DataError) as err:
        Regimen.from_nonmem(nm, dose_unit="mg")
    (p,) = err.value.problems
    assert (p.row, p.column) == (4, "TIME")
    assert "before an earlier record of ID 1 (TIME 12, row 3)" in p.message


def test_reset_restarting_time_is_refused():
    nm = pd.DataFrame(
        {
            "ID": 1,
            "TIME": [0.0, 12.0, 0.0, 2.0],
            "AMT": [100.0, 0, 100.0, 0],
            "EVID": [1, 0, 4, 0],
            "CMT": 2,
        }
    )
    with pytest.raises(DataError) as err:
        Regimen.from_nonmem(nm, dose_unit="mg")
    (p,) = err.value.problems
    assert (p.row, p.column) == (4, "TIME")
    assert "restarts time" in p.message and "own ID" in p.fix


def test_steady_state_constant_infusion_is_refused_naming_rate_and_amt():
    nm = pd.DataFrame(
        {
            "ID": 1,
            "TIME": [0.0],
            "AMT": [0.0],
            "EVID": [1],
            "CMT": [2],
            "RATE": [2.0],
            "SS": [1],
            "II": [12.0],
        }
    )
    with pytest.raises(DataError) as err:
        Regimen.from_nonmem(nm, dose_unit="mg")
    (p,) = err.value.problems
    assert p.column == "RATE" and "AMT 0" in p.message and "not supported" in p.message
    assert "duration" not in p.message + p.fix


def test_constant_infusion_written_as_back_to_back_infusions():
    # the fix the message gives: AMT = RATE x II with SS = 1 and II, then the infusions
    # after it as doses: C = RATE / CL = 2 mg/h / 2 L/h = 1 mg/L from the start on
    nm = pd.DataFrame(
        {
            "ID": 1,
            "TIME": [0.0, 12.0, 24.0],
            "AMT": [2.0 * 12] * 3,
            "EVID": [1, 1, 1],
            "CMT": [2, 2, 2],
            "RATE": [2.0] * 3,
            "SS": [1, 0, 0],
            "II": [12.0, 0.0, 0.0],
        }
    )
    reg = Regimen.from_nonmem(nm, dose_unit="mg")
    sim = kt.simulate(OneCompartment(cl=CL, v=V), reg, [0.0, 5.0, 12.0, 30.0, 36.0])
    np.testing.assert_allclose(sim.ipred[0], 1000.0, rtol=1e-10)


def test_nonmem_ii_problem_names_the_nonmem_column():
    nm = pd.DataFrame(
        {"ID": 1, "TIME": [0.0], "AMT": [10.0], "EVID": [1], "CMT": [2], "SS": [1], "II": [0.0]}
    )
    with pytest.raises(DataError) as err:
        Regimen.from_nonmem(nm, dose_unit="mg")
    (p,) = err.value.problems
    assert (p.row, p.column, p.fix) == (2, "II", "give II > 0")


def test_ss_on_a_record_that_is_not_a_dose_is_refused():
    # it used to reset (delete) the doses before it
    nm = pd.DataFrame(
        {
            "ID": 1,
            "TIME": [0.0, 2.0],
            "AMT": [10.0, 0.0],
            "EVID": [1, 0],
            "CMT": [2, 2],
            "SS": [0, 1],
            "II": [0.0, 12.0],
        }
    )
    with pytest.raises(DataError) as err:
        Regimen.from_nonmem(nm, dose_unit="mg")
    # SS and II: NONMEM wants every dose item of a sample record to be 0
    assert [(p.row, p.column) for p in err.value.problems] == [(3, "SS"), (3, "II")]
