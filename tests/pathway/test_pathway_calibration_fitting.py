"""The least-squares machinery of the evidence calibration on closed forms: the stated
convergence criterion, the identifiable subset and its Fisher standard errors, the
forward Jacobian and the 95 % profile interval."""

import math

import numpy as np
import pytest

from kinetor.pathway.calibration._fitting import (
    PROFILE_DELTA,
    forward_jacobian,
    independent_subset,
    least_squares_fit,
    profile_interval,
)


def _rosenbrock(x):
    return np.array([10.0 * (x[1] - x[0] ** 2), 1.0 - x[0]])


def test_a_fit_that_meets_the_criterion_says_which():
    fit = least_squares_fit(_rosenbrock, [-1.2, 1.0], [-5.0, -5.0], [5.0, 5.0], 500)
    assert fit["converged"] and fit["status"] in (1, 2, 3, 4)
    assert "criterion met" in fit["reason"]
    # the Rosenbrock minimum is (1, 1) with zero cost
    assert fit["x"] == pytest.approx([1.0, 1.0], abs=1e-4)
    assert fit["cost"] < 1e-8


def test_a_fit_stopped_by_its_budget_is_not_converged():
    fit = least_squares_fit(_rosenbrock, [-1.2, 1.0], [-5.0, -5.0], [5.0, 5.0], 2)
    assert not fit["converged"] and fit["status"] == 0
    assert "max_nfev" in fit["reason"]


def test_forward_jacobian_of_a_linear_map_is_its_matrix():
    a = np.array([[1.0, -2.0], [0.5, 3.0], [0.0, 1.0]])
    r0, jac = forward_jacobian(lambda x: a @ x, np.array([0.2, 0.9]), [-1, -1], [1, 1])
    assert r0 == pytest.approx(a @ [0.2, 0.9])
    # forward steps (0.2 + 0.05 and 0.9 + 0.05 stay below the bound 1): exact columns
    assert jac == pytest.approx(a)
    _, jac_b = forward_jacobian(lambda x: a @ x, np.array([0.2, 0.99]), [-1, -1], [1, 1])
    assert jac_b == pytest.approx(a)  # backward step at the upper bound, same slope


def test_collinear_column_leaves_the_subset_and_standard_errors_are_fisher():
    # column 2 = 3 x column 0: not identifiable; columns 0 and 1 orthogonal with norms
    # 2 and 4, so SE = 1/2 and 1/4 (Fisher information J^T J diagonal)
    jac = np.array([[2.0, 0.0, 6.0], [0.0, 4.0, 0.0]])
    subset, se = independent_subset(jac)
    assert len(subset) == 2 and 1 in subset
    assert sorted(np.isinf(se)) == [False, False, True]
    assert se[1] == pytest.approx(0.25)
    kept = next(k for k in (0, 2) if k in subset)
    assert se[kept] == pytest.approx(0.5 if kept == 0 else 1 / 6)


def test_an_uninformed_jacobian_has_no_subset():
    subset, se = independent_subset(np.zeros((3, 2)))
    assert subset == [] and np.isinf(se).all()


def test_profile_interval_of_a_quadratic_and_an_open_end():
    grid = np.linspace(-3.0, 3.0, 61)
    low, high = profile_interval(grid, 0.5 * (grid - 1.0) ** 2, 1.0, 0.0)
    half = math.sqrt(2 * PROFILE_DELTA)  # 1.96: the chi-square(1) 95 % quantile's root
    assert low == pytest.approx(1.0 - half, abs=0.01)
    assert high == pytest.approx(1.0 + half, abs=0.01)
    # flat on the left: that end is open
    flat = np.where(grid < 1.0, 0.0, 0.5 * (grid - 1.0) ** 2)
    low, high = profile_interval(grid, flat, 1.0, 0.0)
    assert math.isnan(low) and high == pytest.approx(1.0 + half, abs=0.01)
