"""Piecewise-linear input time courses on a grid (numpy only).

A time course is given by values on a non-decreasing grid and is linear in between; a time
repeated in the grid marks a jump (first value = left limit, second = right limit).

Examples
--------
>>> import numpy as np
>>> grid = np.array([0.0, 1.0, 1.0, 2.0])      # jump at t = 1 from 1 to 5
>>> start, end = input_segments(grid, np.array([0.0, 1.0, 5.0, 5.0]), np.array([0.0, 1.0, 2.0]))
>>> start.tolist(), end.tolist()
([0.0, 5.0], [1.0, 5.0])
"""

from __future__ import annotations

import numpy as np

__all__ = ["input_segments"]


def input_segments(grid: np.ndarray, values: np.ndarray, points: np.ndarray):
    """Values of piecewise-linear inputs at the two ends of each segment between points.

    Parameters
    ----------
    grid : (n_g,) array
        Non-decreasing input times; a repeated time marks a jump.
    values : (..., n_g) array
        Input values on the grid.
    points : (n_bp,) array
        Strictly increasing breakpoints containing every grid time inside their range.

    Returns
    -------
    start, end : (..., n_bp - 1) arrays
        Right limit at ``points[k]`` and left limit at ``points[k + 1]``.
    """
    n_g = grid.shape[0]
    if n_g == 1:
        shape = (*values.shape[:-1], points.shape[0] - 1)
        v = np.broadcast_to(values[..., :1], shape)
        return v.copy(), v.copy()

    def at(x, side):
        idx = np.searchsorted(grid, x, side=side) - 1
        idx = np.clip(idx, 0, n_g - 2)
        g0, g1 = grid[idx], grid[idx + 1]
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(g1 > g0, (x - g0) / np.where(g1 > g0, g1 - g0, 1.0), 1.0)
        w = np.clip(w, 0.0, 1.0)
        return values[..., idx] * (1.0 - w) + values[..., idx + 1] * w

    return at(points[:-1], "right"), at(points[1:], "left")
