"""Steady-state trains (lag > interval, active from their own dose time), dose-table
checks, individual-parameter checks, regimen dicts and the simulate-pk exposure table.

Expected values are hand formulas of the one-compartment model (sums over doses written
out here), never kinetor's output.
"""

import json

import numpy as np
import pandas as pd
import pytest

import kinetor as kt
from kinetor.cli.main import main
from kinetor.errors import DataError, ModelError
from kinetor.pk import (
    MichaelisMenten,
    OneCompartment,
    OneCompartmentOral,
    Regimen,
    polyexponential,
)


def oral_1cmt(tau, dose, cl, v, ka, f=1.0):
    """C (mg/L) of one oral dose ``tau`` h after it enters the depot (0 before)."""
    k = cl / v
    tau = np.asarray(tau, float)
    c = f * dose * ka / (v * (ka - k)) * (np.exp(-k * tau) - np.exp(-ka * tau))
    return np.where(tau >= 0, c, 0.0)


def infusion_1cmt(tau, dose, dur, cl, v):
    """C (mg/L) of one zero-order infusion ``tau`` h after its start (0 before)."""
    k, rate = cl / v, dose / dur
    tau = np.asarray(tau, float)
    during = rate / cl * (1 - np.exp(-k * tau))
    after = rate / cl * (1 - np.exp(-k * dur)) * np.exp(-k * (tau - dur))
    return np.where(tau < 0, 0.0, np.where(tau < dur, during, after))


# --- A1: steady-state oral dose whose lag exceeds the interval --------------------------


def test_ss_oral_dose_with_a_lag_longer_than_the_interval_keeps_every_earlier_dose():
    t = np.arange(0.0, 6.0)
    # the steady state at 0 h: doses at -24 m (m >= 0) enter the depot at -24 m + 30 h
    hand = sum(oral_1cmt(t + 24.0 * m - 30.0, 100.0, 2.0, 20.0, 1.0) for m in range(400))
    hand = hand * 1000.0  # mg/L -> ng/mL
    # the auditor's 60 daily doses by ODE: 1009.95, 913.84, 826.88, 748.19, 676.99, 612.56
    np.testing.assert_allclose(hand, [1009.95, 913.84, 826.88, 748.19, 676.99, 612.56], atol=0.01)
    model = OneCompartmentOral(cl=2.0, v=20.0, ka=1.0, tlag=30.0)
    sim = kt.simulate(model, "100 mg PO QD ss", t)
    np.testing.assert_allclose(sim.ipred[0], hand, rtol=1e-10)
    course = polyexponential(model, "100 mg PO QD ss")[0]
    np.testing.assert_allclose(course(t), hand, rtol=1e-10)


@pytest.mark.parametrize("method", ["numpy", "numba"])
def test_ss_oral_lags_of_several_subjects_each_get_their_complete_train(method):
    t = np.array([0.0, 3.0, 7.0, 11.5, 13.0, 40.0])
    lags = np.array([0.5, 12.0, 30.0, 61.0])
    sim = kt.simulate(
        OneCompartmentOral(cl=2.0, v=20.0, ka=0.7),
        "10 mg PO q12h ss",
        t,
        params=pd.DataFrame({"tlag": lags}),
        conc_unit="mg/L",
        method=method,
    )
    for s, lag in enumerate(lags):
        hand = sum(oral_1cmt(t + 12.0 * m - lag, 10.0, 2.0, 20.0, 0.7) for m in range(600))
        np.testing.assert_allclose(sim.ipred[s], hand, rtol=1e-9)


# --- A2: a steady-state train acts only from its own dose time -------------------------


@pytest.mark.parametrize("method", ["numpy", "numba"])
def test_nonmem_ss2_train_does_not_act_before_its_dose(method):
    nm = pd.DataFrame(
        {
            "ID": 1,
            "TIME": [0.0, 200.0],
            "AMT": [100.0, 20.0],
            "EVID": [1, 1],
            "CMT": [2, 2],
            "SS": [0, 2],
            "II": [0.0, 24.0],
        }
    )
    reg = Regimen.from_nonmem(nm, dose_unit="mg")
    t = np.array([100.0, 190.0, 199.0, 200.0, 210.0])
    sim = kt.simulate(OneCompartment(cl=2.0, v=20.0), reg, t, method=method)
    k = 0.1
    first = 5000.0 * np.exp(-k * t)  # 100 mg / 20 L = 5 mg/L
    train = 1000.0 * np.exp(-k * (t - 200.0)) / (1 - np.exp(-k * 24.0))  # 20 mg: 1 mg/L
    hand = first + np.where(t >= 200.0, train, 0.0)
    np.testing.assert_allclose(sim.ipred[0], hand, rtol=1e-10)
    assert sim.ipred[0][1] == pytest.approx(2.8014e-5, rel=1e-4)


@pytest.mark.parametrize("method", ["numpy", "numba"])
def test_a_later_ss_part_of_a_text_regimen_starts_at_its_own_dose(method):
    t = np.array([0.0, 48.0, 60.0, 71.0, 72.0, 80.0])
    sim = kt.simulate(
        OneCompartment(cl=2.0, v=20.0),
        "100 mg IV QD x 3 then 50 mg IV QD ss",
        t,
        amounts=True,
        method=method,
    )
    k = 0.1
    first = sum(np.where(t >= d, 5000.0 * np.exp(-k * (t - d)), 0.0) for d in (0, 24, 48))
    ss = np.where(t >= 72.0, 2500.0 * np.exp(-k * (t - 72.0)) / (1 - np.exp(-k * 24.0)), 0.0)
    np.testing.assert_allclose(sim.ipred[0], first + ss, rtol=1e-10)
    assert sim.ipred[0][1] == pytest.approx(5494.7385, rel=1e-7)  # 5000 (1 + e^-2.4 + e^-4.8)
    # amounts follow the same rule: central amount (mg) = C (mg/L) x 20 L
    np.testing.assert_allclose(sim.amounts["central"][0], (first + ss) / 1000 * 20, rtol=1e-10)


@pytest.mark.parametrize("method", ["numpy", "numba"])
def test_ss_infusion_and_lagged_oral_trains_switch_on_at_their_dose(method):
    # a bolus at 0, then at 100 h a 2 h infusion q12h at steady state (ss = 2: superposed)
    table = pd.DataFrame(
        {
            "time": [0.0, 100.0],
            "amount": [10.0, 6.0],
            "route": ["IV", "IV infusion"],
            "duration": [0.0, 2.0],
            "ss": [0, 2],
            "ii": [0.0, 12.0],
        }
    )
    t = np.array([50.0, 98.5, 99.9, 100.0, 101.0, 103.0, 111.0, 113.0])
    sim = kt.simulate(
        OneCompartment(cl=2.0, v=20.0), Regimen.from_table(table, unit="mg"), t, method=method
    )
    bolus = 0.5 * np.exp(-0.1 * t)
    train = sum(infusion_1cmt(t - 100.0 + 12.0 * m, 6.0, 2.0, 2.0, 20.0) for m in range(1, 800))
    this = infusion_1cmt(t - 100.0, 6.0, 2.0, 2.0, 20.0)
    hand = (bolus + np.where(t >= 100.0, train, 0.0) + this) * 1000
    np.testing.assert_allclose(sim.ipred[0], hand, rtol=1e-9)
    # oral with a 5 h lag (shorter than the 12 h interval), ss dose at 100 h
    model = OneCompartmentOral(cl=2.0, v=20.0, ka=0.8, tlag=5.0)
    reg = "at 0 h 10 mg IV single then at 100 h 10 mg PO q12h x 1 ss"
    sim = kt.simulate(model, reg, t, conc_unit="mg/L", method=method)
    earlier = sum(
        oral_1cmt(t - 100.0 + 12.0 * m - 5.0, 10.0, 2.0, 20.0, 0.8) for m in range(1, 800)
    )
    hand = bolus + np.where(t >= 100.0, earlier, 0.0) + oral_1cmt(t - 105.0, 10.0, 2.0, 20.0, 0.8)
    np.testing.assert_allclose(sim.ipred[0], hand, rtol=1e-9)


# --- A3: dose tables and NONMEM records --------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "column", "words"),
    [
        ({"time": [np.nan, 0.0]}, "time", "no time"),
        ({"ss": [1, 0], "ii": [np.nan, 0.0]}, "ii", "without an interval"),
        ({"addl": [2, 0], "ii": [np.inf, 0.0]}, "ii", "not a finite number"),
        ({"addl": [1.5, 0], "ii": [12.0, 0.0]}, "addl", "not a whole number"),
        ({"ss": [0.5, 0], "ii": [24.0, 0.0]}, "ss", "not 0, 1 or 2"),
        ({"ss": [7, 0], "ii": [24.0, 0.0]}, "ss", "not 0, 1 or 2"),
        ({"route": ["IV infusion", "IV"], "duration": [-2.0, 0.0]}, "duration", "negative"),
        ({"duration": [-2.0, 0.0]}, "duration", "negative"),
        ({"rate": [-5.0, 0.0]}, "rate", "negative"),
    ],
)
def test_dose_table_bad_values_name_row_and_column(extra, column, words):
    df = pd.DataFrame({"time": [0.0, 0.0], "amount": [100.0, 10.0], "route": ["IV", "IV"]})
    for c, v in extra.items():
        df[c] = v
    with pytest.raises(DataError) as err:
        Regimen.from_table(df, unit="mg")
    (p,) = err.value.problems
    assert (p.row, p.column) == (2, column) and words in p.message and p.fix


def test_dose_table_ss_2_is_a_steady_state_dose_and_empty_cells_are_zero():
    df = pd.DataFrame(
        {
            "time": [0.0],
            "amount": [10.0],
            "route": ["IV"],
            "ss": [2],
            "ii": [24.0],
            "addl": [np.nan],
            "duration": [np.nan],
        }
    )
    tab = Regimen.from_table(df, unit="mg").to_table()
    assert tab[["time", "ss", "ii", "duration"]].values.tolist() == [[0.0, 1, 24.0, 0.0]]


def test_nonmem_bad_values_name_row_and_nonmem_column():
    nm = pd.DataFrame(
        {
            "ID": 1,
            "TIME": [0.0, 24.0, np.nan],
            "AMT": [100.0, 20.0, 5.0],
            "EVID": [1, 1, 1],
            "CMT": [2, 2, 2],
            "SS": [0, 0.5, 0],
            "II": [0.0, 24.0, 0.0],
            "ADDL": [1.5, 0, 0],
        }
    )
    with pytest.raises(DataError) as err:
        Regimen.from_nonmem(nm, dose_unit="mg")
    got = sorted((p.row, p.column) for p in err.value.problems)
    assert got == [(2, "ADDL"), (3, "SS"), (4, "TIME")]


# --- A4: individual-parameter tables are checked as the model's constructor does ----------


@pytest.mark.parametrize(
    ("column", "value", "words"),
    [
        ("cl", -2.0, "must be > 0"),
        ("v", 0.0, "must be > 0"),
        ("f", 1.5, "(0, 1]"),
        ("ka", -1.0, "must be > 0"),
        ("tlag", -1.0, "must be >= 0"),
        ("cl", np.nan, "must be > 0"),
        ("cl", "fast", "must be > 0"),
    ],
)
def test_params_table_values_are_checked_per_subject(column, value, words):
    params = pd.DataFrame({"subject": ["a", "b"], column: [1.0, value]})
    with pytest.raises(ModelError) as err:
        kt.simulate(
            OneCompartmentOral(cl=2.0, v=20.0, ka=1.0), "10 mg PO", [0.0, 1.0], params=params
        )
    msg = str(err.value)
    assert words in msg and f"'{column}'" in msg and "subject b" in msg and "subject a" not in msg


def test_params_table_zero_where_the_model_allows_it():
    # tlag = 0 and a Michaelis-Menten model's parallel cl = 0 are valid constructor values
    sim = kt.simulate(
        MichaelisMenten(vmax=10.0, km=1.0, v1=10.0, cl=1.0),
        "10 mg IV",
        [0.0, 1.0],
        params=pd.DataFrame({"cl": [0.0], "tlag": [0.0]}),
        conc_unit="mg/L",
    )
    assert sim.ipred[0][0] == pytest.approx(1.0)  # 10 mg / 10 L


# --- A5: regimen dicts ------------------------------------------------------------------


def test_regimen_dict_with_text_and_missing_subjects():
    model = OneCompartment(cl=2.0, v=20.0)
    sim = kt.simulate(model, {"a": "10 mg IV", "b": "20 mg IV"}, [0.0], conc_unit="mg/L")
    np.testing.assert_allclose(sim.ipred[:, 0], [0.5, 1.0])  # 10 and 20 mg in 20 L
    with pytest.raises(ModelError, match=r"no regimen for subject\(s\) \['c'\]"):
        kt.simulate(
            model,
            {"a": Regimen.parse("10 mg IV")},
            [0.0],
            params=pd.DataFrame({"subject": ["c"], "cl": [2.0]}),
        )
    with pytest.raises(ModelError, match="not a Regimen or text"):
        kt.simulate(model, {"a": 10}, [0.0])


# --- A6: exposure (CMIN after the first dose, exact CTROUGH) and the simulate-pk grid ------


def test_exposure_cmin_after_the_first_dose_and_exact_trough():
    t = np.arange(0.0, 121.0, 5.0)  # 24, 48, 72, 96 are not on the grid
    sim = kt.simulate(
        OneCompartmentOral(cl=2.0, v=20.0, ka=1.0), "10 mg PO QD x 5", t, conc_unit="mg/L"
    )
    e = sim.exposure()
    conc = sum(oral_1cmt(t - d, 10.0, 2.0, 20.0, 1.0) for d in (0, 24, 48, 72, 96))
    assert e["CMIN"][0] == pytest.approx(conc[1:].min(), rel=1e-10) and e["CMIN"][0] > 0
    trough = sum(oral_1cmt(96.0 - d, 10.0, 2.0, 20.0, 1.0) for d in (0, 24, 48, 72))
    assert e["CTROUGH"][0] == pytest.approx(trough, rel=1e-10)  # 0.055424 mg/L
    # a window [0, 50] holds the doses at 0, 24 and 48: the trough before 48 h
    w = sim.exposure(0.0, 50.0)
    trough48 = sum(oral_1cmt(48.0 - d, 10.0, 2.0, 20.0, 1.0) for d in (0, 24))
    assert w["CTROUGH"][0] == pytest.approx(trough48, rel=1e-10)
    # bolus: the trough is the value before the dose, not the post-dose peak at 24 h
    b = kt.simulate(
        OneCompartment(cl=2.0, v=20.0), "100 mg IV QD x 2", [0.0, 30.0], conc_unit="mg/L"
    )
    assert b.exposure()["CTROUGH"][0] == pytest.approx(5 * np.exp(-2.4), rel=1e-12)
    one = kt.simulate(OneCompartment(cl=2.0, v=20.0), "100 mg IV", [0.0, 30.0]).exposure()
    assert np.isnan(one["CTROUGH"][0])


def _sim(tmp_path, *extra):
    return [
        "simulate-pk",
        "--model",
        "1cmt",
        "--param",
        "cl=10",
        "--param",
        "v=100",
        "--regimen",
        "10 mg IV",
        "--out",
        str(tmp_path / "sim"),
        *extra,
    ]


def test_simulate_pk_grid_ends_at_hours(tmp_path, capsys):
    assert main(["--json", *_sim(tmp_path, "--hours", "10", "--dt", "3")]) == 0
    got = json.loads(capsys.readouterr().out)
    conc = pd.read_csv(tmp_path / "sim" / "pk_conc.csv")
    assert conc["time"].tolist() == [0.0, 3.0, 6.0, 9.0, 10.0]
    c = 100.0 * np.exp(-0.1 * conc["time"].to_numpy())  # 10 mg / 100 L = 100 ng/mL
    trap = float(np.sum((c[1:] + c[:-1]) * np.diff(conc["time"].to_numpy()) / 2))
    assert got["auc_median"] == pytest.approx(trap, rel=1e-10)
    assert got["cmin_median"] == pytest.approx(100.0 * np.exp(-1.0), rel=1e-10)
    assert got["ctrough_median"] is None  # one dose: no trough (NaN, written as null)


def test_simulate_pk_prints_and_writes_cmin_and_ctrough(tmp_path, capsys):
    args = [
        "simulate-pk",
        "--model",
        "1cmt-oral",
        "--param",
        "cl=2",
        "--param",
        "v=20",
        "--param",
        "ka=1",
        "--regimen",
        "10 mg PO QD x 5",
        "--hours",
        "120",
        "--out",
        str(tmp_path / "sim"),
    ]
    assert main(["--json", *args]) == 0
    got = json.loads(capsys.readouterr().out)
    cmin = 1000 * oral_1cmt(24.0, 10.0, 2.0, 20.0, 1.0)  # 50.4 ng/mL at 24 h (pre-dose)
    trough = 1000 * sum(oral_1cmt(96.0 - d, 10.0, 2.0, 20.0, 1.0) for d in (0, 24, 48, 72))
    assert got["cmin_median"] == pytest.approx(cmin, rel=1e-9)
    assert got["ctrough_median"] == pytest.approx(trough, rel=1e-9)
    ex = pd.read_csv(tmp_path / "sim" / "pk_exposure.csv")
    assert ex.columns.tolist() == ["subject", "CMAX", "TMAX", "CMIN", "CTROUGH", "AUC", "unit"]
    assert ex["CTROUGH"][0] == pytest.approx(trough, rel=1e-9)
    assert main(args) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "CTROUGH" in out and "just before the last dose" in out and "after the first dose" in out


# --- the ODE path has no steady state ----------------------------------------------------


def test_ode_method_with_a_steady_state_dose_says_use_the_closed_form():
    with pytest.raises(ModelError, match="not available on the ODE path") as err:
        kt.simulate(OneCompartment(cl=2.0, v=20.0), "10 mg IV QD ss", [0.0], method="ode")
    assert "closed form" in str(err.value) and "linear model" not in str(err.value)
