"""A singular J'J: the reason names the parameters of its null space, not every parameter.

The models are built so that the unidentified direction is known by construction: a
parameter the prediction does not use (null vector e_c), and two parameters that enter
only as their sum (null vector (e_b - e_c)/sqrt 2, loading 0.71 on each).
"""

from typing import ClassVar

import numpy as np

from kinetor.numerics import Fitter

T = np.arange(10.0)
Y = 1.0 + 0.5 * T + np.array([0.1, -0.1, 0.05, 0.0, -0.05, 0.1, -0.1, 0.0, 0.05, -0.05])
FREE = {"a": (-np.inf, np.inf), "b": (-np.inf, np.inf), "c": (-np.inf, np.inf)}


class Unused(Fitter):
    param_names = ("a", "b", "c")
    bounds: ClassVar = FREE

    def _predict(self, params, t, data):
        p = self.per_observation(params)
        return p["a"] + p["b"] * t + 0.0 * p["c"]


class SumOnly(Fitter):
    param_names = ("a", "b", "c")
    bounds: ClassVar = FREE

    def _predict(self, params, t, data):
        p = self.per_observation(params)
        return p["a"] + (p["b"] + p["c"]) * t


def _reason(cls, **kw):
    f = cls(method="wls", init={"a": 0.0, "b": 1.0, "c": 0.5}, **kw).fit(T, Y)
    assert not f.converged_.iloc[0]
    return f.convergence_reason_.iloc[0]


def test_a_parameter_the_model_ignores_is_the_one_named():
    why = _reason(Unused)
    # it used to say "standard error not finite for a, b, c"
    assert "c not identified by these data" in why
    assert "hold it fixed" in why and "standard error not finite" not in why
    assert "for a" not in why and "a, b" not in why and "b, c" not in why


def test_two_parameters_seen_only_as_their_sum_are_both_named_and_a_is_not():
    why = _reason(SumOnly)
    assert "b, c not identified by these data" in why and "one of them" in why
    assert "a, b" not in why


def test_holding_the_named_parameter_fixed_gives_the_closed_form_standard_errors():
    # the advice works: with c fixed the fit is the straight line, SEs of OLS
    f = Unused(method="wls", init={"a": 0.0, "b": 1.0}, fixed={"c": 0.5}).fit(T, Y)
    x = np.column_stack([np.ones_like(T), T])
    beta, ssr = np.linalg.lstsq(x, Y, rcond=None)[:2]
    se = np.sqrt(np.diag(np.linalg.inv(x.T @ x)) * ssr[0] / (T.size - 2))
    np.testing.assert_allclose(f.params_.iloc[0][["a", "b"]].to_numpy(float), beta, rtol=1e-6)
    np.testing.assert_allclose(f.se_.iloc[0][["a", "b"]].to_numpy(float), se, rtol=1e-6)
    assert f.converged_.iloc[0], f.convergence_reason_.iloc[0]
