"""The compiled ODE path: Michaelis-Menten PK, linear models, a user right-hand side."""

import itertools

import numba as nb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.integrate import solve_ivp

from kinetor.errors import ModelError
from kinetor.pk import (
    MichaelisMenten,
    MichaelisMentenOral,
    Regimen,
    ThreeCompartment,
    TwoCompartmentOral,
    simulate,
)
from kinetor.pk.ode import RHS_SIGNATURE, integrate, linear_input_rhs


def _mm_reference(doses, times, ka, f, tlag, v1, vmax, km, q, v2):
    """solve_ivp of the MM model written out again, piecewise between doses."""

    def rhs(_t, y, rate):
        c = y[1] / v1
        back = q * y[2] / v2
        return [-ka * y[0], ka * y[0] - vmax * c / (km + c) - q * c + back + rate, q * c - back]

    ev = []
    for t, amt, route, dur in doses:
        if route == "extravascular":
            ev.append((t + tlag, 0, amt * f))
        elif route == "iv_bolus":
            ev.append((t, 1, amt))
        else:
            ev += [(t, 2, amt / dur), (t + dur, 2, -amt / dur)]
    ev.sort()
    bps = sorted({0.0, float(times.max()), *[e[0] for e in ev]})
    y, rate, j = np.zeros(3), 0.0, 0
    out = np.zeros(times.size)
    for a, b in itertools.pairwise(bps):
        while j < len(ev) and ev[j][0] <= a:
            if ev[j][1] == 2:
                rate += ev[j][2]
            else:
                y[ev[j][1]] += ev[j][2]
            j += 1
        sol = solve_ivp(
            rhs,
            (a, b),
            y,
            args=(rate,),
            method="DOP853",
            rtol=1e-11,
            atol=1e-14,
            dense_output=True,
            max_step=2.0,
        )
        mask = (times >= a) & ((times < b) | (b == bps[-1]))
        out[mask] = sol.sol(times[mask])[1] / v1
        y = sol.y[:, -1].copy()
    return out


def test_michaelis_menten_matches_solve_ivp():
    model = MichaelisMentenOral(
        vmax="20 mg/h",
        km="2 mg/L",
        v1="30 L",
        q="4 L/h",
        v2="60 L",
        ka="1.5 1/h",
        f=0.7,
        tlag="0.25 h",
    )
    reg = Regimen.parse(
        "200 mg PO BID x 3 days then 100 mg IV over 2 h QD x 2 then 150 mg IV bolus single"
    )
    t = np.linspace(0, 150, 301)
    sim = simulate(model, reg, t, conc_unit="mg/L")
    tab = reg.to_table()
    ref = _mm_reference(
        list(zip(tab["time"], tab["amount"], tab["route"], tab["duration"], strict=True)),
        t,
        1.5,
        0.7,
        0.25,
        30.0,
        20.0,
        2.0,
        4.0,
        60.0,
    )
    big = ref > 1e-6 * ref.max()
    assert np.max(np.abs(sim.conc[0][big] - ref[big]) / ref[big]) < 1e-6


def test_michaelis_menten_becomes_linear_when_km_is_large():
    # vmax/km = CL when C << Km: vmax = 2 L/h x 1e6 mg/L
    mm = MichaelisMenten(vmax=2e6, km=1e6, v1=10.0)
    from kinetor.pk import OneCompartment

    t = np.linspace(0, 24, 25)
    a = simulate(mm, "100 mg IV bolus single", t, conc_unit="mg/L").conc[0]
    b = simulate(
        OneCompartment(cl=2.0, v=10.0), "100 mg IV bolus single", t, conc_unit="mg/L"
    ).conc[0]
    np.testing.assert_allclose(a, b, rtol=1e-5)  # C/Km <= 1e-5


def test_saturation_makes_exposure_more_than_dose_proportional():
    mm = MichaelisMenten(vmax="10 mg/h", km="1 mg/L", v1="10 L")
    t = np.linspace(0, 48, 481)
    low = simulate(mm, "10 mg IV bolus single", t, conc_unit="mg/L").conc[0]
    high = simulate(mm, "100 mg IV bolus single", t, conc_unit="mg/L").conc[0]
    auc = lambda c: np.sum((c[1:] + c[:-1]) / 2 * np.diff(t))  # noqa: E731
    assert auc(high) / auc(low) > 10.0 * 1.5


def test_linear_model_through_the_ode_path():
    model = ThreeCompartment(cl=5.0, v1=20.0, q2=3.0, v2=50.0, q3=1.0, v3=100.0)
    reg = "100 mg IV bolus q12h x 4 then 50 mg IV over 1 h QD x 2"
    t = np.linspace(0, 120, 241)
    a = simulate(model, reg, t, method="ode").conc[0]
    b = simulate(model, reg, t).conc[0]
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9 * b.max())
    oral = TwoCompartmentOral(cl=5.0, v1=20.0, q=3.0, v2=50.0, ka=1.0, f=0.5, tlag=0.5)
    a = simulate(
        oral,
        "100 mg PO BID x 2 days",
        t,
        method="ode",
        n_subjects=3,
        variability={"cl": 0.3},
        seed=1,
    ).conc
    b = simulate(
        oral, "100 mg PO BID x 2 days", t, n_subjects=3, variability={"cl": 0.3}, seed=1
    ).conc
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9 * b.max())


def test_steady_state_is_refused_on_the_ode_path():
    with pytest.raises(ModelError, match="steady-state"):
        simulate(MichaelisMenten(vmax=10, km=1, v1=10), "10 mg IV q12h ss", [1.0])


@nb.njit(RHS_SIGNATURE, cache=True)
def _turnover(t, y, p, u, dydt):
    # indirect response without drug: dR/dt = kin - kout R
    dydt[0] = p[0] - p[1] * y[0]


def test_user_rhs_with_events():
    # R(0) = 10, kin = 2, kout = 0.5 (baseline 4); bolus of 6 into R at t = 3:
    # R(t) = 4 + (R0 - 4) exp(-kout t) (+ 6 exp(-kout (t - 3)) after 3 h)
    t = np.array([0.0, 1.0, 3.0, 5.0])
    y = integrate(
        _turnover,
        np.array([[10.0]]),
        np.array([[2.0, 0.5]]),
        t,
        np.array([[3.0]]),
        np.array([[0]]),
        np.array([[6.0]]),
        np.array([[0]]),
        rtol=1e-10,
        atol=1e-12,
    )
    expected = 4 + 6 * np.exp(-0.5 * t) + np.where(t >= 3, 6 * np.exp(-0.5 * (t - 3)), 0)
    np.testing.assert_allclose(y[0, :, 0], expected, rtol=1e-8)


def test_integrator_reports_failure_as_nan():
    y = integrate(
        _turnover,
        np.array([[10.0]]),
        np.array([[2.0, 0.5]]),
        np.array([0.0, 1000.0]),
        np.array([[np.inf]]),
        np.array([[0]]),
        np.array([[0.0]]),
        np.array([[0]]),
        max_steps=3,
    )
    assert y[0, 0, 0] == 10.0 and np.isnan(y[0, 1, 0])


_NO_EV = (np.empty((2, 0)), np.empty((2, 0), int), np.empty((2, 0)), np.empty((2, 0), int))


@pytest.mark.parametrize("stop_at_times", [False, True])
def test_grid_input_with_a_jump(stop_at_times):
    # dy/dt = -k y + u, u = R on [0, 1) then 0 (a jump: grid time 1 repeated), k = 0.5:
    # y(t) = R/k (1 - exp(-k t)) for t <= 1, y(1) exp(-k (t - 1)) after; R = 2 and 3
    k = 0.5
    R = np.array([2.0, 3.0])
    t = np.array([0.0, 0.3, 1.0, 1.7, 4.0])
    grid = np.array([0.0, 1.0, 1.0, 5.0])
    u = np.stack([R, R, 0 * R, 0 * R], 1)[:, None, :]  # (2 subjects, 1 channel, 4 knots)
    y, status = integrate(
        linear_input_rhs,
        np.zeros((2, 1)),
        np.full((2, 1), k),
        t,
        *_NO_EV,
        rtol=1e-10,
        atol=1e-13,
        grid_t=grid,
        grid_u=u,
        stop_at_times=stop_at_times,
        return_status=True,
    )
    y1 = R[:, None] / k * (1 - np.exp(-k * np.minimum(t, 1.0)))
    expected = y1 * np.exp(-k * np.clip(t - 1.0, 0.0, None))
    np.testing.assert_allclose(y[:, :, 0], expected, rtol=1e-9, atol=1e-14)
    assert status.tolist() == [0, 0]


def test_grid_ramp_and_a_bolus_together():
    # dy/dt = -k y + a t (grid [0, 2] -> values [0, 2a], linear in between) plus a bolus D at
    # t = 1: y = a/k (t - 1/k) + a/k^2 exp(-k t) + D exp(-k (t - 1)) [t >= 1]; k = 0.8
    k, a, D = 0.8, np.array([1.0, 4.0]), 5.0
    t = np.array([0.0, 0.5, 1.0, 1.5, 2.0])
    y = integrate(
        linear_input_rhs,
        np.zeros((2, 1)),
        np.full((2, 1), k),
        t,
        np.array([[1.0], [1.0]]),
        np.array([[0], [0]]),
        np.array([[D], [D]]),
        np.array([[0], [0]]),
        rtol=1e-10,
        atol=1e-13,
        grid_t=np.array([0.0, 2.0]),
        grid_u=np.stack([0 * a, 2 * a], 1)[:, None, :],
    )
    a = a[:, None]
    expected = (
        a / k * (t - 1 / k)
        + a / k**2 * np.exp(-k * t)
        + np.where(t >= 1.0, D * np.exp(-k * (t - 1.0)), 0.0)
    )
    np.testing.assert_allclose(y[:, :, 0], expected, rtol=1e-9, atol=1e-13)


@nb.njit(RHS_SIGNATURE, cache=True)
def _blowup(t, y, p, u, dydt):
    # dy/dt = y^2, y(0) = 1: y = 1 / (1 - t), infinite at t = 1
    dydt[0] = y[0] * y[0]


def test_failures_give_a_status_and_nan():
    t = np.array([0.0, 0.5, 2.0])
    y, status = integrate(
        _blowup,
        np.ones((1, 1)),
        np.zeros((1, 1)),
        t,
        *_NO_EV[:1],
        np.empty((1, 0), int),
        np.empty((1, 0)),
        np.empty((1, 0), int),
        return_status=True,
    )
    assert status[0] in (1, 3)  # step-size underflow or overflow near the singularity
    np.testing.assert_allclose(y[0, :2, 0], [1.0, 2.0], rtol=1e-7)  # 1 / (1 - 0.5) = 2
    assert np.isnan(y[0, 2, 0])
    _, status = integrate(
        _turnover,
        np.array([[10.0]]),
        np.array([[2.0, 0.5]]),
        np.array([0.0, 1000.0]),
        np.empty((1, 0)),
        np.empty((1, 0), int),
        np.empty((1, 0)),
        np.empty((1, 0), int),
        max_steps=3,
        return_status=True,
    )
    assert status.tolist() == [2]


def test_bad_grids_are_refused():
    with pytest.raises(ModelError, match="non-decreasing"):
        integrate(
            linear_input_rhs,
            np.zeros((2, 1)),
            np.ones((2, 1)),
            [0.0, 1.0],
            *_NO_EV,
            grid_t=[0.0, 2.0, 1.0],
            grid_u=np.zeros((2, 1, 3)),
        )
    with pytest.raises(ModelError, match="grid_u"):
        integrate(
            linear_input_rhs,
            np.zeros((2, 1)),
            np.ones((2, 1)),
            [0.0, 1.0],
            *_NO_EV,
            grid_t=[0.0, 2.0],
            grid_u=np.zeros((2, 3)),
        )


@settings(max_examples=25, deadline=None)
@given(
    cuts=st.lists(st.floats(0.05, 9.95), min_size=1, max_size=6, unique=True),
    levels=st.lists(st.floats(0.0, 50.0), min_size=7, max_size=7),
    k=st.floats(0.05, 3.0),
)
def test_piecewise_constant_input_matches_the_exact_recurrence(cuts, levels, k):
    # u jumps at each cut; on a piece of constant level L the exact step is
    # y(b) = L/k + (y(a) - L/k) exp(-k (b - a))
    cuts = sorted(cuts)
    edges = [0.0, *cuts, 10.0]
    grid = np.repeat(edges, 2)[1:-1]  # each inner edge twice: a jump
    vals = np.repeat(levels[: len(edges) - 1], 2)
    t = np.linspace(0.0, 10.0, 11)
    y = integrate(
        linear_input_rhs,
        np.zeros((1, 1)),
        np.array([[k]]),
        t,
        *[a[:1] for a in _NO_EV],
        rtol=1e-10,
        atol=1e-12,
        grid_t=grid,
        grid_u=vals[None, None, :],
    )
    expected = []
    for tt in t:
        yy = 0.0
        for a, b, lev in zip(edges[:-1], edges[1:], levels, strict=False):
            if a >= tt:
                break
            yy = lev / k + (yy - lev / k) * np.exp(-k * (min(b, tt) - a))
        expected.append(yy)
    np.testing.assert_allclose(y[0, :, 0], expected, rtol=1e-7, atol=1e-9)
