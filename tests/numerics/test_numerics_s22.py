"""Shared numerics (s22): non-finite predictions at the estimate, WLS Pearson residuals,
CIs at a bound, the hidden search box, input checks of the fitter, the ODE interface,
batched LM without weights, parameter values and number formatting.

Every expected value is computed by hand or independently inside the test.
"""

from __future__ import annotations

from typing import ClassVar

import numba
import numpy as np
import pandas as pd
import pytest

from kinetor.errors import DataError, ModelError
from kinetor.numerics import Fitter
from kinetor.numerics.formatting import format_g
from kinetor.numerics.lm import levenberg_marquardt
from kinetor.numerics.ode import RHS_SIGNATURE, integrate
from kinetor.numerics.params import quantity_value

T = np.array([0.25, 0.5, 1, 2, 3, 4, 6, 8, 12.0])
NOISE = np.array([0.05, -0.03, 0.02, -0.04, 0.01, 0.03, -0.02, 0.04, -0.01])
Y = 10 * np.exp(-0.3 * T) * (1 + NOISE)


class Exp(Fitter):
    param_names = ("a", "k")

    def _predict(self, params, t, data):
        p = self.per_observation(params)
        return p["a"] * np.exp(-p["k"] * t)


class NaNAt3(Exp):
    def _predict(self, params, t, data):
        return np.where(t == 3, np.nan, super()._predict(params, t, data))


class Capped(Exp):
    bounds: ClassVar[dict] = {"a": (0.0, 5.0), "k": (0.0, np.inf)}


# -- A1 -----------------------------------------------------------------------------
def test_nonfinite_prediction_at_estimate_is_reported():
    f = NaNAt3(init={"a": 9.0, "k": 0.25}).fit(T, Y)
    assert not f.converged_.iloc[0]
    assert f.convergence_reason_.iloc[0] == (
        "model prediction not finite at the estimate (1 of 9 points, e.g. t=3)"
    )
    assert np.isnan(f.loglik_.iloc[0]) and np.isnan(f.aic_.iloc[0])
    assert f.se_.isna().all().all() and f.ci_lower_.isna().all().all()
    pred = f.gof_["pred"].to_numpy()
    assert np.isnan(pred[4]) and np.isnan(f.gof_["wres"].to_numpy()[4])
    # the other points: the model at the reported estimate (hand formula)
    a, k = f.params_.iloc[0]
    keep = T != 3
    np.testing.assert_allclose(pred[keep], a * np.exp(-k * T[keep]), rtol=1e-12)


# -- A2 -----------------------------------------------------------------------------
def test_wls_wres_use_the_reported_sigma():
    f = Exp(init={"a": 9.0, "k": 0.25}, method="wls", weighting="1/y2").fit(T, Y)
    a, k = f.params_.iloc[0]
    pred = a * np.exp(-k * T)
    ssr_w = np.sum(((Y - pred) / Y) ** 2)
    s = np.sqrt(ssr_w / (T.size - 2))  # R: summary(nls)$sigma, n - p df
    assert f.sigma_.iloc[0] == pytest.approx(s, rel=1e-9)
    # R: residuals(nls, type = "pearson") = sqrt(w) (y - f) / sigma
    np.testing.assert_allclose(f.gof_["wres"], (Y - pred) / Y / s, rtol=1e-9)


# -- A3 -----------------------------------------------------------------------------
def test_estimate_at_declared_bound_has_no_ci():
    y = 10 * np.exp(-0.3 * T) + np.array([0.2, -0.1, 0.3, -0.2, 0.1, 0.0, -0.1, 0.1, 0.0])
    f = Capped(init={"a": 4.0, "k": 0.3}).fit(T, y)
    assert f.params_.at[0, "a"] == pytest.approx(5.0, rel=1e-6)
    assert np.isnan(f.ci_lower_.at[0, "a"]) and np.isnan(f.ci_upper_.at[0, "a"])
    assert np.isfinite(f.se_.at[0, "a"]) and f.se_.at[0, "a"] > 0
    assert np.isfinite(f.ci_lower_.at[0, "k"])
    assert "a at its upper bound; its CI is not given" in f.convergence_reason_.iloc[0]


# -- B4 -----------------------------------------------------------------------------
def test_hidden_search_box_is_named():
    y = 1e-3 * np.exp(-0.3 * T) * (1 + NOISE)
    f = Exp(init={"a": 1e4, "k": 0.3}).fit(t=T, y=y)
    # a cannot go below init / 1e6 = 1e4 / 1e6 = 0.01
    assert f.params_.at[0, "a"] == pytest.approx(0.01, rel=1e-6)
    why = f.convergence_reason_.iloc[0]
    assert "a at the lower end of its search box around the start" in why
    assert "init/1e6 .. init*1e6 = 0.01 .. 1e+10" in why and "give a new init" in why
    assert np.isnan(f.ci_lower_.at[0, "a"])


# -- B3 -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kw", "fit_kw", "text"),
    [
        ({}, {"t": T, "y": Y[:5]}, "t has 9 values but y has 5"),
        ({}, {"t": T, "y": Y, "groups": [0, 1]}, "groups has 2 values but y has 9"),
        ({"init": {"a": -1.0, "k": 0.25}}, {}, "init value of a = -1.0 is negative"),
        ({"init": {"a": np.nan, "k": 0.25}}, {}, "init value of a is nan"),
        ({"fixed": {"k": -0.3}}, {}, "fixed value of k = -0.3 is negative"),
        ({"ci_level": 95}, {}, "give e.g. 0.95"),
        ({"ci_level": 1.5}, {}, "give e.g. 0.95"),
        ({"ci_level": 0}, {}, "give e.g. 0.95"),
    ],
)
def test_fitter_input_checks(kw, fit_kw, text):
    kw = {"init": {"a": 9.0, "k": 0.25}, **kw}
    with pytest.raises((DataError, ModelError), match=text.replace(".", r"\.")):
        Exp(**kw).fit(**({"t": T, "y": Y} | fit_kw))


# -- B1, B2 ---------------------------------------------------------------------------
@numba.njit(RHS_SIGNATURE)
def _decay(t, y, p, u, dydt):  # pragma: no cover
    dydt[0] = -p[0] * y[0]


def _run(times, et, ec, ea, ety):
    return integrate(
        _decay,
        np.zeros((1, 1)),
        np.array([[0.2]]),
        np.array(times, float),
        np.array([et], float),
        np.array([ec], np.int64),
        np.array([ea], float),
        np.array([ety], np.int64),
        rtol=1e-10,
        atol=1e-12,
    )[0, :, 0]


def test_ode_unsorted_output_times_refused():
    with pytest.raises(ModelError, match="non-decreasing"):
        _run([0.0, 2.0, 1.0], [0.0], [0], [100.0], [0])


def test_ode_unsorted_events_sorted_with_their_columns():
    # 50 at t=1 then 100 at t=0, given out of order: y(2) = 100 e^-0.4 + 50 e^-0.2
    out = _run([0.0, 2.0], [1.0, 0.0], [0, 0], [50.0, 100.0], [0, 0])
    np.testing.assert_allclose(out, [100.0, 100 * np.exp(-0.4) + 50 * np.exp(-0.2)], rtol=1e-8)


def test_ode_bad_compartment_and_type_refused():
    with pytest.raises(ModelError, match="compartment 3 is out of range"):
        _run([0.0, 1.0], [0.0], [3], [100.0], [0])
    with pytest.raises(ModelError, match=r"unknown event type 7: use 0 .* or 1"):
        _run([0.0, 1.0], [0.0], [0], [100.0], [7])


# -- B5 -----------------------------------------------------------------------------
def test_lm_all_zero_weights_not_converged():
    def line(p, x):
        return p[:, :1] + p[:, 1:2] * x, np.stack([np.ones_like(x), x], axis=-1)

    x = np.array([[0.0, 1.0, 2.0], [0.0, 1.0, 2.0]])
    y = np.array([[1.0, 3.0, 5.0], [1.0, 3.0, 5.0]])
    w = np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
    res = levenberg_marquardt(line, x, y, np.zeros((2, 2)), weights=w)
    assert res.converged.tolist() == [True, False]
    np.testing.assert_allclose(res.params[0], [1.0, 2.0], atol=1e-8)  # y = 1 + 2x
    assert "no observation with a positive weight" in res.reason[1]


# -- B6 -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (np.nan, "h", "not a number"),
        ("nan", "", "not a number"),
        (True, "h", "True/False"),
        (False, "", "True/False"),
        ("140 %", "", "at most 100 %"),
    ],
)
def test_quantity_value_refusals(value, unit, text):
    with pytest.raises(ModelError, match=text):
        quantity_value(value, unit, "p")


def test_quantity_value_fraction_100_percent_kept():
    assert quantity_value("100 %", "", "f") == (1.0, False)


# -- B7 -----------------------------------------------------------------------------
def test_format_g_negative_zero_and_na():
    assert format_g(-0.0) == "0"
    assert format_g(np.float64(-0.0)) == "0"
    assert format_g(pd.NA) == "NaN"
    assert format_g(-1e-300) == "-1e-300"
