"""The PK Python API on careless input: ``fit_pk`` of a DataFrame, times
that are text, a zero dosing interval, and the oral one-compartment model at ka == k
(expected values from the closed-form limit C = F D ka t e^{-kt} / V, by hand)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import kinetor as kt
from kinetor import pk
from kinetor.errors import DataError, ModelError
from kinetor.pk.regimen import Regimen, RegimenError


def test_fit_pk_of_a_dataframe_says_it_needs_a_study():
    c = pd.DataFrame({"subject": "a", "time": [1.0, 2], "conc": [2.0, 1]})
    with pytest.raises(DataError, match="fit_pk needs a kinetor Study") as exc:
        kt.fit_pk(c, "1cmt")
    assert "read_study" in exc.value.problems[0].fix


@pytest.mark.parametrize("times", [["a"], "0 1 2", [0, None], [{}]])
def test_times_that_are_not_numbers(times):
    m = pk.OneCompartment(cl="2 L/h", v="10 L")
    with pytest.raises(ModelError, match="times must be finite numbers"):
        kt.simulate(m, "100 mg IV", times)


@pytest.mark.parametrize("text", ["100 mg PO Q0H x 3", "100 mg PO every 0 h x 3"])
def test_a_zero_dosing_interval_is_refused(text):
    with pytest.raises(RegimenError, match="dosing interval must be > 0"):
        Regimen.parse(text)


@pytest.mark.parametrize("ka", ["0.2 1/h", "0.20000000001 1/h"])
@pytest.mark.parametrize("method", ["auto", "numba"])
def test_oral_one_compartment_at_ka_equal_k(ka, method):
    t = np.array([0.01, 1.0, 5.0, 10.0, 50.0])
    m = pk.OneCompartmentOral(cl="2 L/h", v="10 L", ka=ka, f=1)
    got = kt.simulate(m, "100 mg PO", t, method=method).conc[0]
    k = 0.2  # CL/V
    exact = 100 * k / 10 * t * np.exp(-k * t) * 1000  # mg/L -> ng/mL
    np.testing.assert_allclose(got, exact, rtol=1e-8)
    # 1 h: 1637.46151 (the nudged form gave 1637.46298)
    assert got[1] == pytest.approx(1637.4615061559637, rel=1e-9)


def test_oral_multiple_doses_at_ka_equal_k_superpose():
    t = np.array([30.0])
    m = pk.OneCompartmentOral(cl="2 L/h", v="10 L", ka="0.2 1/h", f=1)
    got = kt.simulate(m, "100 mg PO QD x 2", t).conc[0, 0]
    exact = sum(100 * 0.2 / 10 * (30 - d) * np.exp(-0.2 * (30 - d)) * 1000 for d in (0, 24))
    assert got == pytest.approx(exact, rel=1e-8)
