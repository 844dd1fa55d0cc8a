"""Direct-response models against hand-computed values and invariants."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kinetor.errors import ModelError, UnitError
from kinetor.pd import Emax, Imax, SigmoidEmax
from kinetor.pd.direct import hill_fraction


def test_sigmoid_emax_hand_values():
    m = SigmoidEmax(e0=10.0, emax=90.0, ec50=50.0, hill=2.0)
    # C = 0 -> E0 = 10; C = EC50 -> 10 + 90/2 = 55;
    # C = 150: 150^2 / (50^2 + 150^2) = 22500 / 25000 = 0.9 -> 10 + 81 = 91
    np.testing.assert_allclose(m.predict([0.0, 50.0, 150.0]), [10.0, 55.0, 91.0], rtol=1e-14)


def test_emax_is_hill_one():
    # 30 / (10 + 30) = 0.75 -> 75
    assert float(Emax(e0=0.0, emax=100.0, ec50=10.0).predict(30.0)) == pytest.approx(75.0)


def test_imax_hand_values():
    m = Imax(e0=100.0, imax=0.8, ic50=20.0, hill=1.0)
    # C = 60: I = 0.8 * 60 / 80 = 0.6 -> 100 (1 - 0.6) = 40
    assert float(m.predict(60.0)) == pytest.approx(40.0)


def test_per_animal_parameters_broadcast_over_rows():
    m = SigmoidEmax(e0=0.0, emax=1.0, ec50=[1.0, 2.0], hill=1.0)
    out = m.predict(np.array([[1.0, 3.0], [2.0, 6.0]]))
    # animal 1: 1/2, 3/4; animal 2: 2/4, 6/8
    np.testing.assert_allclose(out, [[0.5, 0.75], [0.5, 0.75]])
    with pytest.raises(ModelError):
        m.predict(np.array([1.0, 2.0]))


def test_units_at_the_boundary():
    m = SigmoidEmax(ec50="0.5 uM", conc_unit="nM")
    assert float(m.params["ec50"]) == pytest.approx(500.0)
    with pytest.raises(UnitError):
        SigmoidEmax(ec50="5 h")
    with pytest.raises(UnitError):  # mass <-> molar needs a molecular weight: never guessed
        SigmoidEmax(ec50="5 nM", conc_unit="ng/mL")


def test_bad_potency_is_a_model_error():
    with pytest.raises(ModelError):
        hill_fraction(1.0, 0.0)


def test_huge_concentration_does_not_overflow():
    assert float(hill_fraction(1e300, 1e-10, 5.0)) == 1.0


@given(c1=st.floats(0, 1e4), c2=st.floats(0, 1e4), hill=st.floats(0.3, 5.0))
def test_emax_monotone_and_bounded(c1, c2, hill):
    m = SigmoidEmax(e0=5.0, emax=20.0, ec50=10.0, hill=hill)
    lo, hi = sorted([c1, c2])
    e_lo, e_hi = m.predict(lo), m.predict(hi)
    assert 5.0 <= e_lo <= e_hi <= 25.0
