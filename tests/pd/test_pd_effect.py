"""Effect compartment: closed forms by hand and a high-accuracy scipy reference."""

import math

import numpy as np
import pytest

from kinetor.errors import ModelError
from kinetor.pd import EffectCompartment, SigmoidEmax
from kinetor.pd.effect import effect_site


def test_constant_input_from_nonzero_start():
    # Ce = c + (Ce0 - c) e^{-k t}; k = 0.3, c = 5, Ce0 = 1, t = 2: 5 - 4 e^{-0.6}
    expected = 5.0 - 4.0 * math.exp(-0.6)
    out = effect_site([0.0, 2.0], [5.0, 5.0], ke0=0.3, ce0=1.0)
    assert out[-1] == pytest.approx(expected, rel=1e-14)


def test_linear_input_hand_value():
    # Cp = 2 + 3 t, k = 0.5, t = 4:
    # Ce = a (1 - e^{-kt}) + b (t - (1 - e^{-kt}) / k)
    #    = 2 * 0.8646647168 + 3 * (4 - 1.7293294335) = 1.7293294335 + 6.8120116996
    out = effect_site([0.0, 4.0], [2.0, 14.0], ke0=0.5)
    assert out[-1] == pytest.approx(8.5413411331, rel=1e-10)


def test_output_inside_a_segment_equals_the_closed_form():
    k = 0.5
    t_out = np.array([0.5, 1.0, 2.5, 4.0])
    out = effect_site([0.0, 4.0], [2.0, 14.0], ke0=k, t_out=t_out)
    e = np.exp(-k * t_out)
    np.testing.assert_allclose(out, 2 * (1 - e) + 3 * (t_out - (1 - e) / k), rtol=1e-13)


def test_jump_in_plasma_concentration():
    # Cp = 0 on [0, 1), 10 from t = 1 (repeated grid time = jump): Ce(3) = 10 (1 - e^{-2k})
    out = effect_site([0.0, 1.0, 1.0, 3.0], [0.0, 0.0, 10.0, 10.0], ke0=0.7, t_out=[1.0, 3.0])
    np.testing.assert_allclose(out, [0.0, 10.0 * (1 - math.exp(-1.4))], rtol=1e-14)


def test_small_ke0_keeps_precision():
    # Cp = t: Ce = t - (1 - e^{-kt})/k = k t^2/2 - k^2 t^3/6 + ...; k = 1e-7, t = 1
    k = 1e-7
    out = effect_site([0.0, 1.0], [0.0, 1.0], ke0=k)
    assert out[-1] == pytest.approx(k / 2 - k * k / 6, rel=1e-9)


def test_against_scipy_on_a_pk_course(ref_solve, pk):
    grid = np.linspace(0.0, 4.0, 161)
    cp = pk(grid)
    k = np.array([0.2, 1.5, 8.0])
    t_out = np.array([0.3, 1.0, 2.77, 4.0])
    out = effect_site(grid, cp, ke0=k, t_out=t_out)
    for i, ki in enumerate(k):
        ref = ref_solve(lambda t, y, u, ki=ki: ki * (u[0] - y), [0.0], t_out, grid, cp)
        np.testing.assert_allclose(out[i], ref[0], rtol=1e-9, atol=1e-10)


def test_linked_emax_and_units():
    m = EffectCompartment(ke0="30 1/day", response=SigmoidEmax(emax=100.0, ec50=1.0))
    assert float(m.params["ke0"]) == pytest.approx(1.25)  # 30 / 24 per hour
    out = m.predict([0.0, 100.0], cp=[1.0, 1.0])
    np.testing.assert_allclose(out, [0.0, 50.0], atol=1e-9)
    with pytest.raises(ModelError):
        EffectCompartment(ke0=1.0).predict([0.0, 1.0], [1.0, 1.0])


def test_bad_grid_and_t_out():
    with pytest.raises(ModelError):
        effect_site([1.0, 0.0], [0.0, 0.0], ke0=1.0)
    with pytest.raises(ModelError):
        effect_site([0.0, 1.0], [0.0, 0.0], ke0=1.0, t_out=[2.0])
    with pytest.raises(ModelError):
        effect_site([0.0, 1.0], [0.0, 0.0], ke0=0.0)
