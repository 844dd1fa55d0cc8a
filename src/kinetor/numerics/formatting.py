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
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["format_g", "format_sig"]


def format_sig(value: Any, digits: int = 3) -> str:
    """Format a number with ``digits`` significant figures (PKNCA's ``signif = 3`` rule).

    Trailing zeros that are significant are kept (``2`` -> ``"2.00"``); integers of more
    than ``digits`` digits are rounded (``1234.5`` -> ``"1230"``); magnitudes beyond
    1e6 or below 1e-4 use scientific notation. NaN and None give an empty string;
    non-numbers are returned as ``str``.

    Examples
    --------
    >>> [format_sig(v) for v in (0.5, 99.96, 1e7, -0.000012345, 0)]
    ['0.500', '100', '1.00e+07', '-1.23e-05', '0']
    """
    if value is None or value is pd.NA:
        return ""
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if not isinstance(value, float | np.floating):
        return str(value)
    x = float(value)
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
    """``value`` as ``%.{digits}g`` text (no trailing zeros); NaN gives ``nan``, None an
    empty string and non-numbers ``str(value)``.

    Examples
    --------
    >>> [format_g(v) for v in (0.5, 99.96, 1e7, float("-inf"), None, "x")]
    ['0.5', '100', '1e+07', '-inf', '', 'x']
    """
    if value is None:
        return ""
    if isinstance(value, bool | np.bool_) or not isinstance(
        value, int | float | np.integer | np.floating
    ):
        return str(value)
    x = float(value)
    return nan if math.isnan(x) else f"{x:.{digits}g}"
