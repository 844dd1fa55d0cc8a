"""The fitter base: closed-form least squares, groups, bounds, overflow, diagnostics."""

from typing import ClassVar

import numpy as np
import pytest
from scipy import stats

from kinetor.numerics import Fitter, diagnostics


class Line(Fitter):
    param_names = ("a", "b")
    bounds: ClassVar[dict] = {"a": (-np.inf, np.inf), "b": (-np.inf, np.inf)}

    def _predict(self, params, t, data):
        p = self.per_observation(params)
        return p["a"] + p["b"] * t


class Growth(Fitter):
    param_names = ("v0", "k")

    def _predict(self, params, t, data):
        p = self.per_observation(params)
        return p["v0"] * np.exp(p["k"] * t)

    def _initial(self, t, y, data):
        return {"v0": 1.0, "k": 1.0}


def test_ols_line_matches_the_closed_form_with_t_intervals():
    rng = np.random.default_rng(1)
    t = np.arange(12.0)
    y = 2.0 + 0.5 * t + rng.normal(0, 0.3, t.size)
    f = Line(method="wls", init={"a": 0.0, "b": 0.0}).fit(t, y)
    ols = stats.linregress(t, y)
    assert f.params_["b"].iloc[0] == pytest.approx(ols.slope, rel=1e-7)
    assert f.se_["b"].iloc[0] == pytest.approx(ols.stderr, rel=1e-6)
    q = stats.t.ppf(0.975, t.size - 2)
    assert f.ci_upper_["b"].iloc[0] == pytest.approx(ols.slope + q * ols.stderr, rel=1e-6)
    assert f.converged_.iloc[0], f.convergence_reason_.iloc[0]


def test_groups_equal_separate_fits():
    rng = np.random.default_rng(2)
    t = np.tile(np.arange(8.0), 3)
    g = np.repeat(["x", "y", "z"], 8)
    slope = np.repeat([0.1, 0.2, 0.3], 8)
    y = 5 * np.exp(slope * t) * np.exp(rng.normal(0, 0.05, t.size))
    both = Growth(error="log").fit(t, y, groups=g)
    for lab in ("x", "y", "z"):
        one = Growth(error="log").fit(t[g == lab], y[g == lab])
        np.testing.assert_allclose(both.params_.loc[lab], one.params_.iloc[0], rtol=1e-6)
    assert list(both.summary["group"].unique()) == ["x", "y", "z"]


def test_far_starts_do_not_overflow_and_are_bounded():
    # a start 1e3 x the truth: trial steps exp(k t) would overflow without the bounds and
    # the finite penalty; the fit recovers the truth
    t = np.linspace(0, 20, 15)
    y = 3 * np.exp(0.2 * t) * np.exp(np.random.default_rng(3).normal(0, 0.02, t.size))
    f = Growth(error="log", init={"v0": 3.0, "k": 200.0}).fit(t, y)
    assert f.params_["k"].iloc[0] == pytest.approx(0.2, rel=0.05)


def test_parameter_diagnostics_on_constructed_inputs():
    names = ["a", "b"]
    z = np.zeros((1, 2))
    ok = diagnostics.check_parameters(
        names,
        z,
        z.astype(bool),
        z.astype(bool),
        np.array([[0.1, 0.1]]),
        np.array([[10.0, 10.0]]),
        np.array([True, True]),
        np.array([10.0]),
    )
    assert ok == [[]]
    bad = diagnostics.check_parameters(
        names,
        np.array([[0.5, 0.0]]),
        z.astype(bool),
        np.array([[False, True]]),
        np.array([[0.0, np.nan]]),
        np.array([[500.0, np.nan]]),
        np.array([True, True]),
        np.array([1e9]),
    )
    text = "; ".join(bad[0])
    for part in (
        "b at its upper bound",
        "gradient not zero",
        "not finite for b",
        "standard error 0 for a",
        "relative SE above 200",
    ):
        assert part in text, part
    # singular covariance -> condition number not finite; near-collinear -> huge
    cov = np.array([[[1.0, 0.999999], [0.999999, 1.0]]])
    assert diagnostics.correlation_condition(cov)[0] > diagnostics.COND_MAX
    assert (
        "ill-conditioned"
        in diagnostics.check_parameters(
            names,
            z,
            z.astype(bool),
            z.astype(bool),
            np.array([[0.1, 0.1]]),
            np.array([[1.0, 1.0]]),
            np.array([True, True]),
            diagnostics.correlation_condition(cov),
        )[0][0]
    )


def test_residual_diagnostics_on_constructed_inputs():
    r = diagnostics.check_residuals(
        np.array([0.1, 0.1, 0.1]),
        np.ones(3),
        np.array([0.9, -0.5, 0.9]),
        np.array([10, 10, 10]),
        2,
        {"sigma_prop": np.array([0.1, 0.1, 5.0])},
        "proportional",
    )
    assert r[0] == [] and "worse than the mean" in r[1][0] and "exploded" in r[2][0]
    c = diagnostics.check_residuals(
        np.array([0.1]),
        np.ones(1),
        np.array([0.9]),
        np.array([10]),
        2,
        {"sigma_add": np.array([1e-9]), "sigma_prop": np.array([0.1])},
        "combined",
        median_pred=np.array([5.0]),
    )
    assert "sigma_add component vanished" in c[0][0]
