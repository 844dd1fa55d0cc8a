"""Indirect response models I-IV: baselines, steady states and closed forms by hand,
and the compiled integrator against a scipy reference."""

import math

import numpy as np
import pytest

from kinetor.errors import ModelError
from kinetor.pd import (
    IndirectResponseI,
    IndirectResponseII,
    IndirectResponseIII,
    IndirectResponseIV,
)

MODELS = [
    (IndirectResponseI, {"imax": 0.9, "ic50": 5.0}),
    (IndirectResponseII, {"imax": 0.9, "ic50": 5.0}),
    (IndirectResponseIII, {"emax": 2.0, "ec50": 5.0}),
    (IndirectResponseIV, {"emax": 2.0, "ec50": 5.0}),
]


@pytest.mark.parametrize(("cls", "drug"), MODELS)
def test_no_drug_stays_at_baseline(cls, drug):
    m = cls(kin=10.0, kout=0.5, **drug)
    # R0 = kin / kout = 20, and dR/dt = 0 at C = 0 for every model
    np.testing.assert_allclose(m.simulate([0.0, 3.0, 48.0]), 20.0, rtol=1e-12)


def test_idr1_constant_conc_closed_form():
    # kin 10, kout 0.5 -> R0 = 20; I(5) = 0.9 * 5 / 10 = 0.45 -> Rss = 20 * 0.55 = 11
    # linear ODE: R(t) = Rss + (R0 - Rss) e^{-kout t}; R(2) = 11 + 9 e^{-1} = 14.310914...
    m = IndirectResponseI(kin=10.0, kout=0.5, imax=0.9, ic50=5.0)
    assert float(m.steady_state(5.0)) == pytest.approx(11.0)
    r = m.simulate([2.0, 200.0], conc=5.0)
    np.testing.assert_allclose(r[0], [11.0 + 9.0 * math.exp(-1.0), 11.0], rtol=1e-8)


@pytest.mark.parametrize(
    ("cls", "drug", "rss", "rate"),
    [
        # II: Rss = 20 / (1 - 0.45) = 36.3636..., approached at kout (1 - I) = 0.275
        (IndirectResponseII, {"imax": 0.9, "ic50": 5.0}, 20.0 / 0.55, 0.5 * 0.55),
        # III: S(5) = 2 * 5 / 10 = 1 -> Rss = 20 * 2 = 40, rate kout = 0.5
        (IndirectResponseIII, {"emax": 2.0, "ec50": 5.0}, 40.0, 0.5),
        # IV: Rss = 20 / 2 = 10, rate kout (1 + S) = 1.0
        (IndirectResponseIV, {"emax": 2.0, "ec50": 5.0}, 10.0, 1.0),
    ],
)
def test_constant_conc_closed_forms(cls, drug, rss, rate):
    m = cls(kin=10.0, kout=0.5, **drug)
    assert float(m.steady_state(5.0)) == pytest.approx(rss)
    t = np.array([0.5, 2.0, 7.0])
    np.testing.assert_allclose(
        m.simulate(t, conc=5.0)[0], rss + (20.0 - rss) * np.exp(-rate * t), rtol=1e-8
    )


@pytest.mark.parametrize(("cls", "drug"), MODELS)
def test_against_scipy_with_a_pk_course(cls, drug, ref_solve, pk):
    grid = np.linspace(0.0, 6.0, 121)
    conc = np.stack([pk(grid), 0.3 * pk(grid)])
    m = cls(kin=[10.0, 4.0], kout=[0.5, 2.0], hill=[1.0, 2.5], **drug)
    t_out = np.array([0.0, 0.7, 2.2, 6.0])
    out = m.simulate(t_out, grid=grid, conc=conc, rtol=1e-10)
    cap, c50 = list(drug.values())
    for i, (kin, kout, n) in enumerate([(10.0, 0.5, 1.0), (4.0, 2.0, 2.5)]):

        def rhs(t, y, u, kin=kin, kout=kout, n=n):
            e = cap * u[0] ** n / (c50**n + u[0] ** n)
            return {
                IndirectResponseI: kin * (1 - e) - kout * y,
                IndirectResponseII: kin - kout * (1 - e) * y,
                IndirectResponseIII: kin * (1 + e) - kout * y,
                IndirectResponseIV: kin - kout * (1 + e) * y,
            }[cls]

        ref = ref_solve(rhs, [kin / kout], t_out, grid, conc[i])
        np.testing.assert_allclose(out[i], ref[0], rtol=1e-8)


def test_initial_response_and_units():
    m = IndirectResponseI(kin=10.0, kout="12 1/day", imax=1.0, ic50=1.0)
    assert float(m.params["kout"]) == pytest.approx(0.5)
    # from R(0) = 5 with C = 0: R(t) = 20 - 15 e^{-0.5 t}
    r = m.simulate([2.0], r_init=5.0)
    assert float(r[0, 0]) == pytest.approx(20.0 - 15.0 * math.exp(-1.0), rel=1e-8)


def test_invalid_parameters():
    with pytest.raises(ModelError):
        IndirectResponseI(kin=1.0, kout=0.0, imax=0.5, ic50=1.0)
    with pytest.raises(ModelError):
        IndirectResponseII(kin=1.0, kout=1.0, imax=1.5, ic50=1.0)
    with pytest.raises(ModelError):
        IndirectResponseIII(kin=1.0, kout=1.0, imax=0.5, ic50=1.0)
    with pytest.raises(ModelError):  # grid does not cover the simulated span
        IndirectResponseI(kin=1.0, kout=1.0, imax=0.5, ic50=1.0).simulate(
            [5.0], grid=[0.0, 1.0], conc=[1.0, 1.0]
        )


def test_replace_keeps_the_model_and_units():
    m = IndirectResponseIII(kin=10.0, kout="2 1/day", emax=1.0, ec50=3.0, time_unit="h")
    m2 = m.replace(ec50=6.0)
    assert type(m2) is IndirectResponseIII
    assert float(m2.params["kout"]) == pytest.approx(2.0 / 24.0)
    # S(6) with EC50 6 = 1/2 -> Rss = R0 * 1.5 = (10 / (1/12)) * 1.5 = 180
    assert float(m2.steady_state(6.0)) == pytest.approx(180.0)
