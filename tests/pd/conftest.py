"""Shared helpers for the PD tests: a high-accuracy scipy reference integrator."""

from itertools import pairwise

import numpy as np
import pytest
from scipy.integrate import solve_ivp


def reference_solve(rhs, y0, t_out, grid, inputs):
    """Integrate ``rhs(t, y, u)`` with scipy DOP853 segment by segment over ``grid``.

    ``inputs`` (n_in, n_grid) are linear between grid points; stopping at every grid point
    keeps the reference free of kinks, so it is accurate to ~1e-12.
    """
    grid = np.asarray(grid, float)
    inputs = np.atleast_2d(np.asarray(inputs, float))
    stops = np.unique(np.concatenate([grid, t_out]))
    y = np.asarray(y0, float)
    out = {float(stops[0]): y.copy()}
    for ta, tb in pairwise(stops):

        def f(t, yy):
            u = np.array([np.interp(t, grid, row) for row in inputs])
            return rhs(t, yy, u)

        sol = solve_ivp(f, (ta, tb), y, method="DOP853", rtol=1e-12, atol=1e-14)
        y = sol.y[:, -1]
        out[float(tb)] = y.copy()
    return np.stack([out[float(t)] for t in t_out], axis=-1)


@pytest.fixture
def ref_solve():
    return reference_solve


def pk_course(t, doses=(0.0, 1.0, 2.0), ka=3.0, ke=0.7, scale=100.0):
    """A repeated-oral-dose shaped concentration course (Bateman sum) for driving models."""
    c = np.zeros_like(t)
    for d in doses:
        s = np.clip(t - d, 0.0, None)
        c += scale * ka / (ka - ke) * (np.exp(-ke * s) - np.exp(-ka * s))
    return c


@pytest.fixture
def pk():
    return pk_course
