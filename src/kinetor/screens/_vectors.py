"""One checked 1-D vector of numbers for the screen statistics (``bh_fdr``, ``gini``): not
numbers, not 1-D, or values outside their range are one ``DataError`` naming positions."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from kinetor.errors import DataError, Problem


def checked_vector(
    values,
    name: str,
    *,
    valid: Callable[[np.ndarray], np.ndarray],
    what: str,
    fix: str,
) -> np.ndarray:
    """``values`` as a 1-D float array whose entries satisfy ``valid`` (a boolean mask);
    ``what`` describes a valid value ('in [0, 1]'), ``fix`` how to get one."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(
            Problem(f"the values of {name} are not all numbers", column=name, fix=fix)
        ) from None
    if arr.ndim != 1:
        raise DataError(
            Problem(
                f"{name} has shape {arr.shape}: one list of values is needed",
                column=name,
                fix="pass a 1-D array (ravel it, and reshape the result)",
            )
        )
    bad = np.flatnonzero(~valid(arr))
    if bad.size:
        raise DataError(
            [
                Problem(f"value {arr[i]:.10g} (position {i}) is not {what}", column=name, fix=fix)
                for i in bad[:20]
            ]
        )
    return arr
