"""Checks of the numbers handed to the elementary ADME formulas (``fu_dialysis``,
``fu_undiluted``...): a value that would divide by zero, or make a ratio negative or
infinite, is a ``DataError`` naming the argument, never an ``inf``/``nan`` result or a
numpy ``RuntimeWarning``. A NaN (a missing value in an array) passes through as NaN.

>>> float(checked("c_plasma", 100.0, positive=True))
100.0
>>> try:
...     checked("c_plasma", [50.0, 0.0], positive=True)
... except DataError as e:
...     print(e.problems[0].message)
c_plasma = 0 (element 1): must be > 0
"""

from __future__ import annotations

import numpy as np

from kinetor.errors import DataError, Problem

__all__ = ["checked"]


def checked(name: str, value, *, positive: bool = False, fix: str = "") -> np.ndarray:
    """``value`` as a float array: finite and >= 0 (> 0 with ``positive``) where not NaN."""
    try:
        a = np.asarray(value, float)
    except (TypeError, ValueError):
        raise DataError(
            Problem(f"{name} = {value!r} is not a number", fix=fix or f"give {name} as a number")
        ) from None
    with np.errstate(invalid="ignore"):
        bad = np.isinf(a) | (a <= 0 if positive else a < 0)
    if bad.any():
        i = int(np.flatnonzero(bad.ravel())[0])
        x = a.ravel()[i]
        where = f" (element {i})" if a.ndim else ""
        need = "must be > 0" if positive else "must be >= 0"
        raise DataError(
            Problem(
                f"{name} = {x:g}{where}: {need}" + (" and finite" if np.isinf(x) else ""),
                fix=fix or None,
            )
        )
    return a
