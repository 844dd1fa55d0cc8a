"""Tumour growth models: closed forms, limiting behaviour, mass balance, and the compiled
integrator against scipy."""

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.linalg import expm

from kinetor.errors import ModelError
from kinetor.pd import (
    PACLITAXEL_A2780,
    ExponentialGrowth,
    ExponentialLinearGrowth,
    GompertzGrowth,
    LinearGrowth,
    LogisticGrowth,
    Simeoni,
)

T = np.array([0.0, 1.5, 7.0, 21.0])


@pytest.mark.parametrize(
    "model",
    [
        ExponentialGrowth(v0=100.0, kg=0.12),
        LinearGrowth(v0=100.0, kl=25.0),
        GompertzGrowth(v0=100.0, kg=0.1, vmax=3000.0),
        LogisticGrowth(v0=100.0, kg=0.3, vmax=2000.0),
        ExponentialLinearGrowth(v0=100.0, l0=0.2, l1=60.0, psi=np.inf),
    ],
)
def test_ode_matches_closed_form(model):
    np.testing.assert_allclose(model.simulate(T).volume, model.unperturbed(T), rtol=1e-7)


def test_closed_forms_by_hand():
    # Gompertz: V = Vmax exp(ln(V0/Vmax) e^{-kt}); V0 = 1, Vmax = e, k = 1, t = ln 2:
    # ln(1/e) * 1/2 = -1/2 -> e * e^{-1/2} = e^{1/2} = 1.6487212707
    g = GompertzGrowth(v0=1.0, kg=1.0, vmax=math.e).unperturbed([math.log(2.0)])
    assert g[0, 0] == pytest.approx(math.exp(0.5), rel=1e-14)
    # logistic: V = Vmax V0 / (V0 + (Vmax - V0) e^{-kt}); 2 / (1 + 1/3) = 1.5
    lg = LogisticGrowth(v0=1.0, kg=1.0, vmax=2.0).unperturbed([math.log(3.0)])
    assert lg[0, 0] == pytest.approx(1.5, rel=1e-14)
    # hard switch: Vth = l1/l0 = 2, tau = ln(2/0.1)/0.5 = 2 ln 20; 3 days later 2 + 3 = 5
    el = ExponentialLinearGrowth(v0=0.1, l0=0.5, l1=1.0, psi=np.inf)
    tau = 2.0 * math.log(20.0)
    np.testing.assert_allclose(
        el.unperturbed([tau / 2, tau + 3.0])[0], [0.1 * math.exp(0.5 * tau / 2), 5.0], rtol=1e-13
    )


def test_simeoni_unperturbed_is_exponential_for_small_w():
    # l0 w / l1 <= 0.273 * 0.016 / 0.814 = 0.0054: the psi = 20 term is ~1e-45 -> exponential
    p = PACLITAXEL_A2780
    m = Simeoni(v0=1e-3, l0=p["l0"], l1=p["l1"], k1=p["k1"], k2=p["k2"])
    t = np.array([0.0, 5.0, 10.0])
    np.testing.assert_allclose(m.simulate(t).volume[0], 1e-3 * np.exp(0.273 * t), rtol=1e-7)


def test_simeoni_unperturbed_is_linear_for_large_w():
    # w >= 10 g: (l0 w / l1)^-20 <= (3.35)^-20 = 3e-11 -> dw/dt = l1 (1 - 1.5e-12) = 0.814
    m = Simeoni.paclitaxel_a2780(v0=10.0)
    t = np.array([0.0, 4.0, 12.0])
    np.testing.assert_allclose(m.simulate(t).volume[0], 10.0 + 0.814 * t, rtol=1e-8)


def test_exponential_with_time_varying_kill_by_hand():
    # dV/dt = (kg - k2 c(t)) V with c linear on [0, 2, 5] = [0, 10, 0]:
    # int c = 10*2/2 + 10*3/2 = 25; V(5) = 100 exp(0.2*5 - 0.01*25) = 100 e^{0.75}
    m = ExponentialGrowth(v0=100.0, kg=0.2, k2=0.01)
    sim = m.simulate([5.0], grid=[0.0, 2.0, 5.0], conc=[0.0, 10.0, 0.0])
    assert sim.volume[0, 0] == pytest.approx(100.0 * math.exp(0.75), rel=1e-8)


def test_growth_drive_scales_the_rate():
    # g = 0.5 constant: V = 100 exp(0.5 * 0.2 * 10) = 100 e
    m = ExponentialGrowth(v0=100.0, kg=0.2)
    assert m.simulate([10.0], growth_drive=0.5).volume[0, 0] == pytest.approx(
        100 * math.e, rel=1e-8
    )


def test_simeoni_k1_zero_keeps_damaged_mass():
    # negligible growth (l0 = 1e-300) and k1 = 0: x1 = v0 e^{-k2 c t}, x2 = v0 - x1,
    # x3 = x4 = 0, and the total w = v0 is conserved
    m = Simeoni(v0=0.2, l0=1e-300, l1=1.0, k1=0.0, k2=0.01, n_transit=3)
    sim = m.simulate([0.0, 3.0, 10.0], conc=20.0)
    x1 = 0.2 * np.exp(-0.2 * np.array([0.0, 3.0, 10.0]))
    np.testing.assert_allclose(sim.states[0, 0], x1, rtol=1e-8)
    np.testing.assert_allclose(sim.states[0, 1], 0.2 - x1, rtol=1e-8, atol=1e-14)
    np.testing.assert_allclose(sim.states[0, 2:], 0.0, atol=1e-15)
    np.testing.assert_allclose(sim.volume[0], 0.2, rtol=1e-10)


def test_linear_system_against_matrix_exponential():
    # exponential growth + constant kill + 3 transit compartments is a linear ODE x' = A x
    kg, k2, c, k1 = 0.3, 0.02, 25.0, 0.8
    kap = k2 * c
    a = np.array([[kg - kap, 0, 0, 0], [kap, -k1, 0, 0], [0, k1, -k1, 0], [0, 0, k1, -k1]])
    m = ExponentialGrowth(v0=50.0, kg=kg, k2=k2, k1=k1, n_transit=3)
    t = np.array([1.0, 4.0, 9.0])
    sim = m.simulate(t, conc=c)
    for j, tj in enumerate(t):
        np.testing.assert_allclose(sim.states[0, :, j], expm(a * tj) @ [50.0, 0, 0, 0], rtol=1e-8)


def _simeoni_rhs(l0, l1, k1, k2, psi=20.0):
    def rhs(t, y, u):
        w = y.sum()
        g = l0 * y[0] / (1 + (l0 * w / l1) ** psi) ** (1 / psi)
        kill = k2 * u[0] * y[0]
        return np.array([u[1] * g - kill, kill - k1 * y[1], k1 * (y[1] - y[2]), k1 * (y[2] - y[3])])

    return rhs


def test_simeoni_against_scipy_with_pk_and_growth_drive(ref_solve):
    p = PACLITAXEL_A2780
    grid = np.linspace(0.0, 20.0, 401)
    # concentration: three weekly 1-day infusion-like pulses of 1000 ng/mL, decaying
    conc = sum(
        1000.0 * np.exp(-2.0 * np.clip(grid - d, 0, None)) * (grid >= d) for d in (2.0, 9.0, 16.0)
    )
    drive = 0.6 + 0.4 * np.cos(grid / 3.0) ** 2
    v0 = np.array([0.05, 0.3])
    m = Simeoni(v0=v0, l0=p["l0"], l1=p["l1"], k1=p["k1"], k2=p["k2"])
    t_out = np.array([0.0, 3.3, 10.0, 20.0])
    sim = m.simulate(t_out, grid=grid, conc=conc, growth_drive=drive, rtol=1e-10)
    rhs = _simeoni_rhs(p["l0"], p["l1"], p["k1"], p["k2"])
    for i in range(2):
        ref = ref_solve(rhs, [v0[i], 0, 0, 0], t_out, grid, np.stack([conc, drive]))
        np.testing.assert_allclose(sim.states[i], ref, rtol=1e-8, atol=1e-12)


GROWTH = {
    # law: (model class and growth kwargs, G(x1, w) for the reference right-hand side)
    "exponential": (lambda: ExponentialGrowth(v0=150.0, kg=0.25, **DRUG), lambda x1, w: 0.25 * x1),
    "linear": (lambda: LinearGrowth(v0=150.0, kl=60.0, **DRUG), lambda x1, w: 60.0 * x1 / w),
    "exponential_linear": (
        lambda: ExponentialLinearGrowth(v0=150.0, l0=0.25, l1=60.0, **DRUG),
        lambda x1, w: 0.25 * x1 / (1 + (0.25 * w / 60.0) ** 20) ** 0.05,
    ),
    "gompertz": (
        lambda: GompertzGrowth(v0=150.0, kg=0.25, vmax=2500.0, **DRUG),
        lambda x1, w: 0.25 * x1 * math.log(2500.0 / w),
    ),
    "logistic": (
        lambda: LogisticGrowth(v0=150.0, kg=0.25, vmax=2500.0, **DRUG),
        lambda x1, w: 0.25 * x1 * (1 - w / 2500.0),
    ),
}
DRUG = {"k2": 0.004, "k1": 0.5, "n_transit": 2}


@pytest.mark.parametrize("law", sorted(GROWTH))
def test_every_law_with_drug_drive_and_transit_against_scipy(law, ref_solve, pk):
    grid = np.linspace(0.0, 10.0, 201)
    conc = pk(grid, doses=(0.0, 3.0, 6.0))
    drive = 0.5 + 0.5 * np.exp(-grid / 4.0)
    make, g = GROWTH[law]

    def rhs(t, y, u):
        kill = 0.004 * u[0] * y[0]
        return np.array([u[1] * g(y[0], y.sum()) - kill, kill - 0.5 * y[1], 0.5 * (y[1] - y[2])])

    t_out = np.array([1.0, 5.0, 10.0])
    sim = make().simulate(t_out, grid=grid, conc=conc, growth_drive=drive, rtol=1e-10)
    ref = ref_solve(rhs, [150.0, 0.0, 0.0], t_out, grid, np.stack([conc, drive]))
    np.testing.assert_allclose(sim.states[0], ref, rtol=1e-8)


def test_kill_drive_variant():
    # kill by a dimensionless drive d = 0.5 with k2 = 0.4/day, no transit:
    # V = V0 exp((kg - 0.2) t) = 100 e^{-0.1 * 10}
    m = ExponentialGrowth(v0=100.0, kg=0.1, k2="0.4 1/day", kill_input="drive")
    sim = m.simulate([10.0], kill_drive=0.5)
    assert sim.volume[0, 0] == pytest.approx(100.0 * math.exp(-1.0), rel=1e-8)
    with pytest.raises(ModelError):
        m.simulate([1.0], conc=1.0)
    with pytest.raises(ModelError):
        ExponentialGrowth(v0=1.0, kg=0.1).simulate([1.0], kill_drive=1.0)


def test_vectorised_equals_one_by_one():
    v0 = np.array([80.0, 120.0, 200.0])
    kg = np.array([0.1, 0.2, 0.15])
    grid = np.linspace(0, 14, 29)
    conc = np.stack([np.full(29, c) for c in (0.0, 10.0, 30.0)])
    m = GompertzGrowth(v0=v0, kg=kg, vmax=4000.0, k2=0.003)
    sim = m.simulate([7.0, 14.0], grid=grid, conc=conc)
    for i in range(3):
        one = GompertzGrowth(v0=v0[i], kg=kg[i], vmax=4000.0, k2=0.003).simulate(
            [7.0, 14.0], grid=grid, conc=conc[i]
        )
        np.testing.assert_allclose(sim.volume[i], one.volume[0], rtol=1e-12)
    frame = sim.to_frame(animals=["a", "b", "c"])
    assert list(frame.columns) == ["animal", "time", "volume", "x1"]
    assert len(frame) == 6


def test_paclitaxel_record_and_units():
    assert PACLITAXEL_A2780["status"] in {"firm", "likely", "unverified"}
    m = Simeoni.paclitaxel_a2780()
    assert float(m.params["k2"]) == pytest.approx(6.29e-4)
    # the same k2 written per hour and per ug/mL converts back to (ng/mL)^-1 day^-1
    m2 = Simeoni(v0=0.05, l0="0.273 1/day", l1=0.814, k1=0.968, k2="0.629 mL/ug/day")
    assert float(m2.params["k2"]) == pytest.approx(6.29e-4)
    assert m2.replace(v0=0.1).params["v0"] == pytest.approx(0.1)
    assert m2.replace(v0=0.1).n_transit == 3


def test_invalid_tumour_inputs():
    with pytest.raises(ModelError):
        ExponentialGrowth(v0=0.0, kg=0.1)
    with pytest.raises(ModelError):
        ExponentialGrowth(v0=1.0, kg=0.1, n_transit=-1)
    with pytest.raises(ModelError):
        ExponentialGrowth(v0=1.0, kg=0.1).simulate([1.0], conc=-1.0)
    with pytest.raises(ModelError):
        ExponentialGrowth(v0=[1.0, 2.0], kg=[0.1, 0.2, 0.3])


@settings(max_examples=25, deadline=None)
@given(c=st.floats(0.0, 2000.0), k2=st.floats(0.0, 1e-3))
@example(c=85.0, k2=1e-9)
def test_more_drug_never_gives_a_bigger_tumour(c, k2):
    # within the integration's global error: with k2 = 1e-9 the drug changes the day-14
    # volume by about 6e-7, which the ODE error (rtol 1e-8 per step) can reverse; a
    # tolerance of 1e-9 failed on that case (hypothesis found it in a CI run)
    p = PACLITAXEL_A2780
    m = Simeoni(v0=0.1, l0=p["l0"], l1=p["l1"], k1=p["k1"], k2=k2)
    lo = m.simulate([14.0], conc=c).volume[0, 0]
    hi = m.simulate([14.0], conc=c * 1.5 + 1.0).volume[0, 0]
    assert hi <= lo * (1 + 1e-5)
    assert lo <= m.simulate([14.0]).volume[0, 0] * (1 + 1e-5)


def test_jump_in_the_kill_input():
    # c = 0 until day 2, then 20 (repeated grid time = jump): V(5) = V0 exp(0.2*5 - 0.01*20*3)
    m = ExponentialGrowth(v0=100.0, kg=0.2, k2=0.01)
    sim = m.simulate([2.0, 5.0], grid=[0.0, 2.0, 2.0, 5.0], conc=[0.0, 0.0, 20.0, 20.0])
    np.testing.assert_allclose(
        sim.volume[0], [100.0 * math.exp(0.4), 100.0 * math.exp(1.0 - 0.6)], rtol=1e-8
    )


def test_output_times_a_round_off_away_from_grid_times():
    # linspace(0, 6, 121)[14] = 0.7000000000000001 != 0.7: the zero-length segment is skipped
    grid = np.linspace(0.0, 6.0, 121)
    m = ExponentialGrowth(v0=1.0, kg=0.5, k2=0.1)
    sim = m.simulate([0.7, 2.2], grid=grid, conc=np.full(121, 2.0))
    np.testing.assert_allclose(sim.volume[0], np.exp(0.3 * np.array([0.7, 2.2])), rtol=1e-8)
