"""Closed forms vs an independent ODE solution; superposition, steady state, mass balance."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pk_reference import rate_matrix, solve, steady_state_start

from kinetor.pk import (
    OneCompartment,
    Regimen,
    ThreeCompartment,
    TwoCompartment,
    build_events,
    simulate,
)
from kinetor.pk.closed_form import exponentials, superpose_numpy
from kinetor.pk.simulation import predict

# typical values; ka, F and tlag exercise the oral route
COMMON = {"ka": 1.3, "f": 0.6, "tlag": 0.4}
MODELS = {
    1: (OneCompartment(cl=4.0, v=30.0, **COMMON), dict(cl=4.0, v1=30.0)),
    2: (
        TwoCompartment(cl=5.0, v1=20.0, q=3.0, v2=50.0, **COMMON),
        dict(cl=5.0, v1=20.0, q2=3.0, v2=50.0),
    ),
    3: (
        ThreeCompartment(cl=5.0, v1=20.0, q2=3.0, v2=50.0, q3=1.0, v3=100.0, **COMMON),
        dict(cl=5.0, v1=20.0, q2=3.0, v2=50.0, q3=1.0, v3=100.0),
    ),
}
REGIMENS = [
    "100 mg IV bolus single",
    "100 mg IV infusion over 2 h single",
    "100 mg PO single",
    "50 mg PO QD x 5 days",
    "50 mg PO BID x 3 days",
    "100 mg PO BID 2 days on/5 days off x 2 weeks",
    "loading 200 mg IV bolus then 50 mg PO QD x 4 days",
    "20 mg/h IV infusion over 30 min q12h x 4",
    "50 mg IV bolus q12h x 3 then 30 mg PO q8h x 4",
]
TIMES = np.concatenate([np.linspace(0, 30, 241), np.linspace(30.5, 400, 150)])


def _check(c, ref, rel=1e-6):
    scale = np.max(np.abs(ref))
    big = np.abs(ref) > 1e-6 * scale
    assert np.max(np.abs(c[big] - ref[big]) / np.abs(ref[big]), initial=0.0) <= rel
    assert np.max(np.abs(c[~big] - ref[~big]), initial=0.0) <= 1e-9 * scale


def _doses(reg):
    t = reg.to_table()
    return list(zip(t["time"], t["amount"], t["route"], t["duration"], strict=True))


@pytest.mark.parametrize("n_cmt", [1, 2, 3])
@pytest.mark.parametrize("text", REGIMENS)
def test_closed_form_matches_ode(n_cmt, text):
    model, micro = MODELS[n_cmt]
    reg = Regimen.parse(text)
    sim = simulate(model, reg, TIMES, conc_unit="mg/L", amounts=True)
    K = rate_matrix(ka=COMMON["ka"], **micro)
    ref = solve(K, _doses(reg), TIMES, f=COMMON["f"], tlag=COMMON["tlag"])
    _check(sim.conc[0], ref[:, 1] / micro["v1"])
    _check(sim.amounts["central"][0], ref[:, 1])
    for p in range(2, n_cmt + 1):
        _check(sim.amounts[f"peripheral{p}"][0], ref[:, p])
    if "depot" in sim.amounts:
        _check(sim.amounts["depot"][0], ref[:, 0])


@pytest.mark.parametrize("n_cmt", [1, 2, 3])
@pytest.mark.parametrize(
    "text,route,amount,tau,duration",
    [
        ("100 mg PO QD ss", "extravascular", 100.0, 24.0, 0.0),
        ("100 mg IV bolus q12h ss", "iv_bolus", 100.0, 12.0, 0.0),
        ("50 mg IV infusion over 1 h q8h ss", "iv_infusion", 50.0, 8.0, 1.0),
    ],
)
def test_steady_state_matches_periodic_ode_solution(n_cmt, text, route, amount, tau, duration):
    model, micro = MODELS[n_cmt]
    K = rate_matrix(ka=COMMON["ka"], **micro)
    t = np.linspace(0.0, tau, 97)
    x0 = steady_state_start(
        K, amount, route, tau, f=COMMON["f"], duration=duration, tlag=COMMON["tlag"]
    )
    ref = solve(K, [(0.0, amount, route, duration)], t, f=COMMON["f"], tlag=COMMON["tlag"], x0=x0)
    sim = simulate(model, text, t, conc_unit="mg/L")
    _check(sim.conc[0], ref[:, 1] / micro["v1"])


def _gauss_integral(model, reg, a, b, n_pieces=48, order=40):
    """Integral of the concentration over [a, b] (Gauss-Legendre on small pieces whose
    edges include every dose time, lag-shifted dose time and infusion end: the kinks)."""
    x, w = np.polynomial.legendre.leggauss(order)
    tab = reg.to_table()
    kinks = np.concatenate(
        [tab["time"], tab["time"] + COMMON["tlag"], tab["time"] + tab["duration"]]
    )
    edges = np.unique(
        np.concatenate([np.linspace(a, b, n_pieces + 1), kinks[(kinks > a) & (kinks < b)]])
    )
    n_pieces = edges.size - 1
    mid, half = (edges[1:] + edges[:-1]) / 2, (edges[1:] - edges[:-1]) / 2
    nodes = (mid[:, None] + half[:, None] * x[None, :]).ravel()
    c = simulate(model, reg, nodes, conc_unit="mg/L").conc[0].reshape(n_pieces, order)
    return float(np.sum(c * w[None, :] * half[:, None]))


@pytest.mark.parametrize("n_cmt", [1, 2, 3])
@pytest.mark.parametrize(
    "text,dose_f",
    [
        ("100 mg PO QD ss", 100.0 * 0.6),
        ("100 mg IV bolus QD ss", 100.0),
        ("100 mg IV over 3 h QD ss", 100.0),
    ],
)
def test_steady_state_auc_tau_is_f_dose_over_cl(n_cmt, text, dose_f):
    model, micro = MODELS[n_cmt]
    # AUC over one interval at steady state = F * Dose / CL
    auc = _gauss_integral(model, Regimen.parse(text), 0.0, 24.0)
    assert auc == pytest.approx(dose_f / micro["cl"], rel=1e-9)


@pytest.mark.parametrize("n_cmt", [1, 2, 3])
def test_dose_n_tends_to_steady_state(n_cmt):
    model, _ = MODELS[n_cmt]
    # slowest rate of the 3-cmt model ~0.0078/h: after 60 days the gap is < 1e-9 relative
    many = simulate(
        model, "100 mg PO QD x 60 days", 59 * 24 + np.linspace(0, 24, 49), conc_unit="mg/L"
    ).conc[0]
    ss = simulate(model, "100 mg PO QD ss", np.linspace(0, 24, 49), conc_unit="mg/L").conc[0]
    assert np.max(np.abs(many - ss) / ss) < 1e-4
    few = simulate(
        model, "100 mg PO QD x 3 days", 2 * 24 + np.linspace(0, 24, 49), conc_unit="mg/L"
    ).conc[0]
    assert np.all(few < ss)  # accumulation approaches the steady state from below


@pytest.mark.parametrize("n_cmt", [1, 2, 3])
@pytest.mark.parametrize(
    "text,given",
    [
        ("100 mg PO QD x 3 days", 3 * 100.0 * 0.6),
        ("80 mg IV over 2 h single then at 24 h 50 mg IV bolus single", 130.0),
    ],
)
def test_mass_balance(n_cmt, text, given):
    model, micro = MODELS[n_cmt]
    reg = Regimen.parse(text)
    t_end = 96.0
    sim = simulate(model, reg, [t_end], conc_unit="mg/L", amounts=True)
    in_body = sum(v[0, 0] for v in sim.amounts.values())
    eliminated = micro["cl"] * _gauss_integral(model, reg, 0.0, t_end, n_pieces=192)
    # eliminated (CL x AUC) + still in the body = bioavailable dose
    assert in_body + eliminated == pytest.approx(given, rel=1e-9)


def test_one_compartment_bolus_by_hand():
    # C = D/V exp(-CL/V t) = 100/30 exp(-4/30 * 6) = 3.33333 * 0.449329 = 1.497763
    sim = simulate(
        OneCompartment(cl=4.0, v=30.0), "100 mg IV bolus single", [6.0], conc_unit="mg/L"
    )
    assert sim.conc[0, 0] == pytest.approx(100 / 30 * np.exp(-0.8), rel=1e-12)


def test_theoph_ssfol_response_matches_r():
    # R stats::SSfol example (stats-Ex.Rout.save, R 2.13): Dose 4.02, lKe -2.5, lKa 0.5,
    # lCl -3 at Theoph subject 1's times gives 0, 2.214486, 3.930988, 5.261945, 5.659813,
    # 5.084852, 4.587699, 3.916808, 3.318395, 2.579204, 0.943593.
    t = [0, 0.25, 0.57, 1.12, 2.02, 3.82, 5.10, 7.03, 9.05, 12.12, 24.37]
    ke, ka, cl = np.exp(-2.5), np.exp(0.5), np.exp(-3.0)
    model = OneCompartment(cl=cl, v=cl / ke, ka=ka)
    c = simulate(model, "4.02 mg PO single", t, conc_unit="mg/L").conc[0]
    expected = [
        0.0,
        2.214486,
        3.930988,
        5.261945,
        5.659813,
        5.084852,
        4.587699,
        3.916808,
        3.318395,
        2.579204,
        0.943593,
    ]
    np.testing.assert_allclose(c, expected, atol=5e-7)


def test_ka_equal_to_elimination_rate_is_handled():
    # ka == k: C = F D k t exp(-k t) / V (the limit of the Bateman function)
    k = 0.2
    c = simulate(
        OneCompartment(cl=2.0, v=10.0, ka=k), "100 mg PO single", [3.0], conc_unit="mg/L"
    ).conc[0, 0]
    assert c == pytest.approx(100 / 10 * k * 3.0 * np.exp(-k * 3.0), rel=1e-5)


def test_numba_kernel_equals_numpy():
    model, _ = MODELS[3]
    reg = Regimen.parse(
        "loading 200 mg IV bolus then 50 mg PO q8h x 10 then 30 mg IV over 1 h QD x 3"
    )
    t = np.linspace(0, 200, 801)
    a = simulate(
        model, reg, t, n_subjects=5, variability={"cl": 0.3, "ka": 0.3}, seed=3, method="numba"
    ).conc
    b = simulate(
        model, reg, t, n_subjects=5, variability={"cl": 0.3, "ka": 0.3}, seed=3, method="numpy"
    ).conc
    np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-14)


def test_unsorted_times_are_returned_in_the_given_order():
    model, _ = MODELS[2]
    t = np.array([10.0, 1.0, 5.0, 1.0])
    c = simulate(model, "100 mg PO single", t).conc[0]
    ref = simulate(model, "100 mg PO single", np.sort(t)).conc[0]
    assert c[0] == ref[3] and c[1] == ref[0] and c[2] == ref[2] and c[3] == c[1]


@settings(max_examples=30, deadline=None)
@given(
    times_a=st.lists(st.floats(0, 48), min_size=1, max_size=4),
    times_b=st.lists(st.floats(0, 48), min_size=1, max_size=4),
    amt=st.floats(0.1, 500),
    route=st.sampled_from(["IV", "PO"]),
)
def test_superposition_and_dose_linearity(times_a, times_b, amt, route):
    import pandas as pd

    model, _ = MODELS[2]
    t = np.linspace(0, 96, 97)
    ra = Regimen.from_table(
        pd.DataFrame({"time": times_a, "amount": amt, "route": route}), unit="mg"
    )
    rb = Regimen.from_table(
        pd.DataFrame({"time": times_b, "amount": 2 * amt, "route": "IV"}), unit="mg"
    )
    both = Regimen.from_table(pd.concat([ra.to_table(), rb.to_table()]), unit="mg")
    ca = simulate(model, ra, t).conc[0]
    cb = simulate(model, rb, t).conc[0]
    cab = simulate(model, both, t).conc[0]
    np.testing.assert_allclose(cab, ca + cb, rtol=1e-10, atol=1e-10 * cab.max())
    half = Regimen.from_table(ra.to_table().assign(amount=amt / 2), unit="mg")
    np.testing.assert_allclose(simulate(model, half, t).conc[0], ca / 2, rtol=1e-12, atol=1e-300)


def test_exponentials_of_two_compartments_by_hand():
    # k10 = 0.25, k12 = 0.15, k21 = 0.06: a = 0.46, b = 0.015,
    # alpha, beta = (0.46 +- sqrt(0.2116 - 0.06)) / 2 = (0.46 +- 0.389358) / 2
    P = {k: np.array([v]) for k, v in dict(cl=5.0, v1=20.0, q2=3.0, v2=50.0).items()}
    lam, coef, _ = exponentials(2, P, oral=False)
    d = np.sqrt(0.46**2 - 4 * 0.015)
    np.testing.assert_allclose(lam[0], [(0.46 + d) / 2, (0.46 - d) / 2], rtol=1e-12)
    alpha, beta = (0.46 + d) / 2, (0.46 - d) / 2
    # A1 = (k21 - alpha) / (V1 (beta - alpha)), A2 = (k21 - beta) / (V1 (alpha - beta))
    np.testing.assert_allclose(
        coef[0, 0],
        [(0.06 - alpha) / (20 * (beta - alpha)), (0.06 - beta) / (20 * (alpha - beta))],
        rtol=1e-12,
    )


def test_superpose_numpy_handles_padding():
    ev = build_events(
        [Regimen.parse("10 mg IV bolus single"), Regimen.parse("10 mg IV bolus q12h x 3")],
        n_subjects=2,
    )
    assert np.isinf(ev.time[0, 1:]).all()
    P = {"cl": np.array([2.0, 2.0]), "v1": np.array([10.0, 10.0])}
    model = OneCompartment(cl=2.0, v=10.0)
    conc, _ = predict(model, P, ev, np.array([0.0, 30.0]))
    lam, coef, const = exponentials(1, P, oral=False)
    direct = superpose_numpy(
        np.array([0.0, 30.0]), ev.time, ev.weight, ev.kind, ev.ii, lam, coef, const
    )
    np.testing.assert_array_equal(conc, direct)
    # subject 2 at 30 h: doses at 0, 12, 24 -> exp(-6) + exp(-3.6) + exp(-1.2)
    assert conc[1, 1] == pytest.approx(np.exp(-6) + np.exp(-3.6) + np.exp(-1.2), rel=1e-12)
