"""Stiff problems on the ODE path of PK models (Michaelis-Menten with a small Km, a linear
model with a fast elimination): the explicit integrator hands them to the implicit solver,
and what still fails is an error naming the subject, never NaN or negative results.

Expected values come from scipy's Radau (rtol 1e-10, written out here with its own
right-hand side, doses as discontinuities) and from the Km -> 0 limit (zero-order
elimination at Vmax until the dose is gone: C(t) = (Dose - Vmax t) / V for t < Dose/Vmax).
"""

import json

import numpy as np
import pandas as pd
import pytest
from scipy.integrate import solve_ivp
from scipy.optimize import brentq

from kinetor.cli.main import main
from kinetor.errors import ModelError
from kinetor.pk import MichaelisMenten, MichaelisMentenOral, OneCompartment, simulate

V1 = 20.0
QD3 = "100 mg IV QD x 3 days"
HOURLY = np.arange(73.0)


def _radau(times, events, vmax, km, v1=V1, ka=0.0, cl=0.0, q=0.0, v2=1.0):
    """Central concentration (ng/mL) of the MM model by Radau; ``events``: (time, kind,
    value) with kind 'bolus', 'depot' (amounts, mg) or 'rate' (a rate change, mg/h)."""

    def rhs(_t, y, rate):
        c = y[1] / v1
        return [
            -ka * y[0],
            rate + ka * y[0] - vmax * c / (km + c) - cl * c - q * c + q * y[2] / v2,
            q * c - q * y[2] / v2,
        ]

    y, rate, out = np.zeros(3), 0.0, np.zeros(times.size)
    edges = sorted({e[0] for e in events} | {times[-1]})
    for a, b in zip(edges, [*edges[1:], np.inf], strict=True):
        for t, kind, value in events:
            if t == a:
                if kind == "rate":
                    rate += value
                else:
                    y[0 if kind == "depot" else 1] += value
        here = (times >= a) & (times < b)
        if b == np.inf:
            out[here] = y[1] / v1
            break
        s = solve_ivp(rhs, (a, b), y, "Radau", rtol=1e-10, atol=1e-16, args=(rate,),
                      dense_output=True)  # fmt: skip
        out[here] = s.sol(times[here])[1] / v1
        y = s.y[:, -1].copy()
    return out * 1000.0


def _qd3():
    return [(24.0 * k, "bolus", 100.0) for k in range(3)]


@pytest.mark.parametrize(("vmax", "km"), [(1000.0, 1e-3), (1e5, 1e-4)])
def test_stiff_mm_matches_radau_and_has_no_nan_or_negative(vmax, km):
    """The audit's cases: C(1 h) was -7e-11 ng/mL and NaN from 65 h (1000, 0.001), or
    NaN from 1 h on (1e5, 1e-4): the explicit integrator ran out of steps."""
    sim = simulate(MichaelisMenten(vmax=vmax, km=km, v1=V1), QD3, HOURLY)
    c = sim.ipred[0]
    assert np.all(np.isfinite(c)) and c.min() >= 0.0
    ref = _radau(HOURLY, _qd3(), vmax, km)
    np.testing.assert_allclose(c, ref, rtol=1e-7, atol=1e-9)
    e = sim.exposure()
    assert e["CMAX"][0] == pytest.approx(5000.0, rel=1e-12)  # 100 mg / 20 L
    # trapezoid of 5000 -> 0 over the hour after each of the three doses (3 x 2500); the
    # hour before doses 2 and 3 ends at the value just before them, 0
    assert e["AUC"][0] == pytest.approx(7500.0, rel=1e-9)
    assert e["CTROUGH"][0] == pytest.approx(0.0, abs=1e-9)


def _exact_mm_bolus(t, c0, vmax, km, v1=V1):
    """The 1-cmt MM bolus solved exactly: km ln(c0/C) + c0 - C = vmax t / V (mg/L)."""

    def gap(c, tt):
        return km * np.log(c0 / c) + c0 - c - vmax * tt / v1

    return np.array([brentq(gap, 1e-300, c0, args=(tt,), xtol=1e-300) if tt > 0 else c0
                     for tt in t])  # fmt: skip


def test_km_to_zero_limit_is_zero_order_elimination():
    """Km -> 0: C(t) = (Dose - Vmax t) / V until Dose / Vmax = 1 h, then 0 (the audit's
    vmax 1e9 mg/h, km 1e-9 mg/L gave C(1 h) = -5e10 ng/mL)."""
    t = np.array([0.0, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0, 1.5, 5.0, 24.0, 48.0])
    sim = simulate(MichaelisMenten(vmax=100.0, km=1e-7, v1=V1), "100 mg IV single", t)
    zero_order = np.maximum(100.0 - 100.0 * t, 0.0) / V1 * 1000.0
    # within Km ln(C0/C) (< 2e-6 mg/L here) of the limit, and equal to the exact solution
    np.testing.assert_allclose(sim.ipred[0], zero_order, atol=2e-3)
    exact = _exact_mm_bolus(t[t <= 1.0], 5.0, 100.0, 1e-7) * 1000.0  # 1.5e-3 ng/mL at 1 h
    # to 1e-8 of the dose's 5000 ng/mL (C at 1 h is what is left of 100 mg: 3e-5 mg)
    np.testing.assert_allclose(sim.ipred[0, t <= 1.0], exact, rtol=1e-8, atol=5e-5)
    # after 1 h C falls at Vmax / (V Km) = 5e7 /h: 0 in double precision by 1.5 h
    assert np.all(sim.ipred[0, t > 1.0] < 1e-60)
    sim = simulate(MichaelisMenten(vmax=1e9, km=1e-9, v1=V1), QD3, HOURLY)
    expected = np.where(np.isin(HOURLY, [0.0, 24.0, 48.0]), 5000.0, 0.0)  # dose times
    np.testing.assert_allclose(sim.ipred[0], expected, rtol=1e-9, atol=1e-9)
    assert sim.exposure()["AUC"][0] == pytest.approx(7500.0, rel=1e-9)  # 3 x 2500


def test_stiff_oral_infusion_and_peripheral_through_the_fallback():
    """Depot, infusion rates, linear CL and a peripheral compartment in the implicit path."""
    model = MichaelisMentenOral(vmax=1000.0, km=1e-3, v1=V1, ka=2.0, cl=0.5, q=3.0, v2=50.0)
    t = np.arange(0.0, 73.0, 0.5)
    sim = simulate(model, "100 mg PO QD x 3 days", t)
    ref = _radau(t, [(24.0 * k, "depot", 100.0) for k in range(3)], 1000.0, 1e-3,
                 ka=2.0, cl=0.5, q=3.0, v2=50.0)  # fmt: skip
    np.testing.assert_allclose(sim.ipred[0], ref, rtol=1e-7, atol=1e-9)
    model = MichaelisMenten(vmax=1000.0, km=1e-3, v1=V1, q=3.0, v2=50.0)
    sim = simulate(model, "100 mg IV over 2 h QD x 3 days", t)
    ev = [(24.0 * k + d, "rate", r) for k in range(3) for d, r in ((0.0, 50.0), (2.0, -50.0))]
    ref = _radau(t, ev, 1000.0, 1e-3, q=3.0, v2=50.0)
    np.testing.assert_allclose(sim.ipred[0], ref, rtol=1e-7, atol=1e-9)
    assert sim.ipred.min() >= 0.0


def test_only_the_stiff_subject_is_redone_and_both_are_right():
    """A population with one stiff and one ordinary subject: the ordinary one keeps the
    explicit result (equal to its own run), the stiff one matches Radau."""
    model = MichaelisMenten(vmax=10.0, km=1.0, v1=V1)
    params = pd.DataFrame({"subject": ["a", "b"], "vmax": [10.0, 1000.0], "km": [1.0, 1e-3]})
    both = simulate(model, QD3, HOURLY, params=params).ipred
    alone = simulate(model, QD3, HOURLY).ipred[0]
    np.testing.assert_array_equal(both[0], alone)
    np.testing.assert_allclose(both[1], _radau(HOURLY, _qd3(), 1000.0, 1e-3), atol=1e-9)
    np.testing.assert_allclose(alone, _radau(HOURLY, _qd3(), 10.0, 1.0), rtol=1e-7)


def test_implicit_path_agrees_with_the_explicit_one_on_a_smooth_problem():
    """Forced onto the fallback, a non-stiff MM profile equals the explicit one to 1e-8."""
    from kinetor.pk import _stiff
    from kinetor.pk.nonlinear import ode_predict
    from kinetor.pk.simulation import population

    model = MichaelisMentenOral(vmax=50.0, km=2.0, v1=30.0, ka=1.0, q=5.0, v2=60.0)
    P, ev, *_ = population(model, "200 mg PO BID x 3 days", n_subjects=3,
                           variability={"vmax": 0.3}, seed=4)  # fmt: skip
    t = np.arange(0.0, 97.0, 0.5)
    explicit, _ = ode_predict(model, P, ev, t)
    p = np.stack([P["ka"], P["v1"], P["vmax"], P["km"], np.zeros(3), P["q"], P["v2"]], 1)
    cmt = np.where(ev.kind == 1, 0, 1)
    y, why = _stiff.implicit(False, p, t, ev.time, cmt, ev.weight, np.zeros_like(cmt),
                             1e-10, 1e-14)  # fmt: skip
    assert why == [None, None, None]
    big = explicit > 1e-6 * explicit.max()
    rel = np.abs(y[:, :, 1] / P["v1"][:, None] - explicit)[big] / explicit[big]
    assert rel.max() < 1e-8


def test_linear_model_with_fast_elimination_on_the_ode_path():
    """method='ode' on k = 5e4 /h (over a million explicit steps in 72 h): equals the
    closed form (100 mg / 20 L = 5 mg/L at each dose, e^-50000 after an hour)."""
    model = OneCompartment(cl=1e6, v=V1)
    t = np.array([0.0, 1e-5, 5e-5, 1.0, 24.0, 24.0 + 2e-5, 48.0, 72.0])
    ode = simulate(model, QD3, t, method="ode", conc_unit="mg/L").ipred[0]
    dt = t - 24.0 * np.minimum(t // 24, 2)
    np.testing.assert_allclose(ode, 5.0 * np.exp(-5e4 * dt), rtol=1e-7, atol=1e-12)


def test_a_subject_that_fails_both_solvers_is_an_error_naming_it():
    """vmax 1e30 mg/h, km 1e-30 mg/L: no solver resolves it; a ModelError says which
    subject and why (and carries ``failed`` for a fitter), no NaN or garbage result."""
    model = MichaelisMenten(vmax=10.0, km=1.0, v1=V1)
    params = pd.DataFrame({"vmax": [10.0, 1e30], "km": [1.0, 1e-30]})
    with pytest.raises(ModelError, match=r"subject\(s\) 2 .*implicit solver") as err:
        simulate(model, QD3, HOURLY, params=params)
    assert err.value.failed.tolist() == [1]


def _cli(tmp_path, vmax, km, json_out=True):
    args = ["--json"] if json_out else []
    return main(
        [*args, "simulate-pk", "--model", "mm", "--param", f"vmax={vmax} mg/h", "--param",
         f"km={km} mg/L", "--param", "v1=20 L", "--regimen", "100 mg IV QD x 3 days",
         "--hours", "72", "--out", str(tmp_path / "out")]
    )  # fmt: skip


def test_cli_stiff_case_reports_the_right_exposure(tmp_path, capsys):
    """The audit's `--json` gave cmax_median null with no reason (vmax 1e5, km 1e-4)."""
    assert _cli(tmp_path, 1e5, 1e-4) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["cmax_median"] == pytest.approx(5000.0)
    assert out["auc_median"] == pytest.approx(7500.0, rel=1e-9)  # 3 x 2500 after the doses
    conc = pd.read_csv(tmp_path / "out" / "pk_conc.csv")
    assert conc["conc"].notna().all() and (conc["conc"] >= 0).all()
    exposure = pd.read_csv(tmp_path / "out" / "pk_exposure.csv")
    assert exposure[["CMAX", "CMIN", "AUC"]].notna().all().all()


def test_cli_unsolvable_case_is_a_failure_with_a_reason(tmp_path, capsys):
    assert _cli(tmp_path, 1e30, 1e-30) == 3
    out = json.loads(capsys.readouterr().out)
    assert out["error"] == "ModelError" and "integration failed" in out["message"]
    assert not (tmp_path / "out" / "pk_exposure.csv").exists()
    assert _cli(tmp_path, 1e30, 1e-30, json_out=False) == 3
    assert "implicit solver" in capsys.readouterr().err


def test_a_long_stiff_oral_regimen_is_not_refused():
    """10 oral doses of a stiff MM model (vmax 500 mg/h, km 0.01 mg/L): the implicit solver's
    step budget was shared over the whole regimen and ran out after 108 h (ModelError)
    although LSODA solves it. Expected values by scipy Radau (rtol 1e-10, atol 1e-14 mg,
    analytic Jacobian, dose by dose), computed once outside the suite (7.7 s): Cmax
    3.9616467512 ng/mL; C(60 h) 9.1434742e-08 and C(119.5 h) 1.9356735e-07 ng/mL."""
    t = np.arange(0.0, 120.0, 0.5)
    sim = simulate(
        MichaelisMentenOral(vmax=500.0, km=0.01, v1=V1, ka=1.5), "200 mg PO BID x 5 days", t
    )
    c = sim.ipred[0]
    assert c.max() == pytest.approx(3.9616467512, rel=1e-7) and c.min() >= 0.0
    assert c[t == 60.0][0] == pytest.approx(9.1434742e-08, rel=1e-3)
    assert c[t == 119.5][0] == pytest.approx(1.9356735e-07, rel=1e-3)
