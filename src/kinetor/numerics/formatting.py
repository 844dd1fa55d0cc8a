"""Number formatting shared by every table, report and message: significant figures.

Two display rules, one module:

* :func:`format_sig`, for tables (NCA summary, HTML report, CLI tables): PKNCA's
  ``signif = 3`` rule, significant trailing zeros kept, NaN as an empty cell;
* :func:`format_g`, for numbers inside sentences (CLI status lines, the demo summary, web
  tables, fit labels): the compact ``%g`` text, no trailing zeros, NaN spelled out.

Examples
--------
>>> format_sig(1234.5), format_sig(0.012345), format_sig(2.0), format_sig(float("nan"))
('1230', '0.0123', '2.00', '')
>>> format_g(2.0), format_g(1234.5), format_g(float("nan")), format_g(0.000123456, 4)
('2', '1.23e+03', 'NaN', '0.0001235')
"""

from __future__ import annotations

import math
import re
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["format_g", "format_sig", "natural_key"]


def format_sig(value: Any, digits: int = 3) -> str:
    """Format a number with ``digits`` significant figures (PKNCA's ``signif = 3`` rule).

    Trailing zeros that are significant are kept (``2`` -> ``"2.00"``); numbers of more
    than ``digits`` digits are rounded (``1234.5`` -> ``"1230"``); magnitudes from 1e6
    or below 1e-4 use scientific notation. Integers (Python or numpy) follow the same
    rule as floats: a count or an id is not a measurement, so tables show those columns
    as they are (:func:`kinetor.report._html.format_value`). NaN and None give an empty
    string; non-numbers are returned as ``str``.

    Examples
    --------
    >>> [format_sig(v) for v in (0.5, 99.96, 1e7, -0.000012345, 0)]
    ['0.500', '100', '1.00e+07', '-1.23e-05', '0']
    >>> [format_sig(v) for v in (2, 12345678, np.int64(1234))]
    ['2.00', '1.23e+07', '1230']
    """
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if not isinstance(value, int | float | np.integer | np.floating):
        return str(value)
    try:
        x = float(value)
    except OverflowError:  # an integer beyond the float range keeps its magnitude
        from decimal import Decimal

        return format(Decimal(int(value)), f".{digits - 1}e")
    if math.isnan(x):
        return ""
    if math.isinf(x):
        return "Inf" if x > 0 else "-Inf"
    if x == 0:
        return "0"
    # Round first: 99.96 becomes 100 and then needs one decimal fewer.
    mag = math.floor(math.log10(abs(x)))
    x = round(x, digits - 1 - mag)
    if x == 0:
        return "0"
    mag = math.floor(math.log10(abs(x)))
    if mag >= 6 or mag < -4:
        return f"{x:.{digits - 1}e}"
    decimals = max(digits - 1 - mag, 0)
    return f"{x:.{decimals}f}"


def format_g(value: Any, digits: int = 3, nan: str = "NaN") -> str:
    """``value`` as ``%.{digits}g`` text (no trailing zeros); NaN and ``pd.NA`` give
    ``nan``, zero (``-0.0`` too) ``"0"``, None an empty string and non-numbers
    ``str(value)``.

    Examples
    --------
    >>> [format_g(v) for v in (0.5, 99.96, 1e7, float("-inf"), None, "x")]
    ['0.5', '100', '1e+07', '-inf', '', 'x']
    """
    if value is None:
        return ""
    if value is pd.NA:
        return nan
    if isinstance(value, bool | np.bool_) or not isinstance(
        value, int | float | np.integer | np.floating
    ):
        return str(value)
    x = float(value)
    if x == 0:  # -0.0 too, as format_sig
        return "0"
    return nan if math.isnan(x) else f"{x:.{digits}g}"


def natural_key(text: Any) -> tuple:
    """Sort key that orders numbers inside text by value ("PO 3.75" before "PO 15").

    Examples
    --------
    >>> sorted(["PO 15 mg/kg", "PO 3.75 mg/kg", "IV 2 mg/kg"], key=natural_key)
    ['IV 2 mg/kg', 'PO 3.75 mg/kg', 'PO 15 mg/kg']
    """
    parts = re.split(r"(\d+(?:\.\d+)?)", str(text))
    return tuple(
        (0, float(p), "") if i % 2 else (1, 0.0, p.lower()) for i, p in enumerate(parts) if p
    )
