"""Caliper tumour volume :math:`V = L W^2 / 2` (used by :mod:`kinetor.pd.volumes`)."""

from __future__ import annotations

import numpy as np

from kinetor.errors import DataError, Problem

__all__ = ["caliper_volume", "swapped_note"]


def caliper_volume(length, width) -> np.ndarray:
    r"""Tumour volume from caliper diameters, :math:`V = L \times W^2 / 2`.

    ``length`` is the longer and ``width`` the shorter diameter: where ``width`` is the
    longer of the two they are swapped, so that :math:`L \ge W` always
    (:func:`read_volumes` names those rows in a note). Source: the ellipsoid approximation
    standard in xenograft studies (Tomayko & Reynolds 1989 Cancer Chemother Pharmacol
    24:148; status: likely); the Xeva package also sorts the two diameters.

    ``length`` and ``width`` are two numbers or two lists of the same length (mm); NaN
    (not measured) gives NaN. Text, a negative or infinite diameter, or lists of two
    lengths raise a ``DataError`` listing each bad value (``row`` = position, from 1).

    >>> float(caliper_volume(10.0, 8.0)), float(caliper_volume(8.0, 10.0))
    (320.0, 320.0)
    """
    ln, wd = _diameters(length, "length"), _diameters(width, "width")
    if ln.shape != wd.shape:
        raise DataError(
            Problem(
                f"{ln.size} length(s) but {wd.size} width(s)",
                column="width",
                fix="give one width per length",
            )
        )
    long, short = np.maximum(ln, wd), np.minimum(ln, wd)  # NaN in either gives NaN
    return long * short**2 / 2.0


def _diameters(values, name: str) -> np.ndarray:
    """``values`` as floats; a DataError for text, negative or infinite diameters."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(
            Problem(
                f"{name} holds text: {values!r}",
                column=name,
                fix="give plain numbers in mm (no unit in the value)",
            )
        ) from None
    flat = arr.reshape(-1)
    bad = np.flatnonzero(np.isinf(flat) | (flat < 0))
    if bad.size:
        raise DataError(
            [
                Problem(
                    f"{name} {flat[i]:g} is not a diameter",
                    row=int(i) + 1 if arr.ndim else None,
                    column=name,
                    fix="caliper diameters are finite numbers >= 0 (mm)",
                )
                for i in bad
            ]
        )
    return arr


def swapped_note(length, width, rows, file: str) -> list[str]:
    """The note naming the rows whose width is longer than their length (swapped)."""
    ln, wd = np.asarray(length, float), np.asarray(width, float)
    at = np.flatnonzero(wd > ln)
    if not at.size:
        return []
    from kinetor.data._user_table import row_list

    return [
        f"{file}: width longer than length ({row_list(np.asarray(rows)[at])}): the longer "
        "diameter taken as the length, V = L x W^2 / 2 with L >= W"
    ]
