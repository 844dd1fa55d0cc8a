"""Checks of the options of the tumour-response metrics (:mod:`kinetor.pd.response`).

Examples
--------
>>> check_growth_delay_options(-300, "median", "log-linear")
Traceback (most recent call last):
...
kinetor.errors.DataError: 1 problem in the data:
  threshold -300 is not a volume > 0 (fix: give the volume to reach, e.g. threshold=1000 (mm^3))
"""

from __future__ import annotations

import math

from kinetor.errors import DataError, Problem

__all__ = ["check_growth_delay_options"]


def check_growth_delay_options(threshold, stat, interpolation) -> None:
    """A DataError for a threshold that is not a volume > 0, or an unknown ``stat`` or
    ``interpolation`` of :func:`kinetor.pd.growth_delay`."""
    problems = []
    try:
        thr = float(threshold)
    except (TypeError, ValueError):
        thr = math.nan
    if isinstance(threshold, bool) or not (math.isfinite(thr) and thr > 0):
        problems.append(
            Problem(
                f"threshold {threshold!r} is not a volume > 0",
                fix="give the volume to reach, e.g. threshold=1000 (mm^3)",
            )
        )
    if stat not in ("median", "mean"):
        problems.append(Problem(f"unknown stat {stat!r}", fix="stat='median' or 'mean'"))
    if interpolation not in ("log-linear", "linear"):
        problems.append(
            Problem(
                f"unknown interpolation {interpolation!r}",
                fix="interpolation='log-linear' or 'linear'",
            )
        )
    if problems:
        raise DataError(problems)
