"""Input limits: named settings that refuse, before any allocation, what a short input could
otherwise turn into an unbounded amount of memory or time.

A regimen of a few words (``1 mg QD x 100000 weeks``), a NONMEM ``ADDL=100000000``,
``--n-subjects 10000000`` or ``--hours 1e9`` would each allocate gigabytes or run for hours.
Each limit is checked where the size becomes known and refused with a
:class:`~kinetor.errors.ModelError` that names the limit and how to raise it. The defaults
are far above any real preclinical or clinical study; raise one on purpose with an
environment variable ``KINETOR_LIMIT_<NAME>`` (e.g. ``KINETOR_LIMIT_SUBJECTS=1000000``) or
:func:`override` in Python.

========================  ==========  =====================================================
name                      default     what is counted
========================  ==========  =====================================================
``doses_per_subject``     100,000     doses one regimen or one subject expands to
``subjects``              100,000     simulated subjects / animals in one call
``simulated_hours``       87,660      length of a simulation (10 years)
``values``                50,000,000  numbers one simulation returns (subjects x times)
``report_figures``        100         figures in one report (per-subject figures beyond it
                                      are left out, and the report says so)
========================  ==========  =====================================================

Examples
--------
>>> get("subjects")
100000
>>> check("subjects", 10, "virtual subjects")
>>> with override(subjects=5):
...     check("subjects", 10, "virtual subjects")
Traceback (most recent call last):
...
kinetor.errors.ModelError: 10 virtual subjects is above the limit subjects = 5 (raise it on purpose with KINETOR_LIMIT_SUBJECTS=N or kinetor.limits.override(subjects=N))
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator

from kinetor.errors import ModelError

__all__ = ["DEFAULTS", "check", "get", "override"]

DEFAULTS: dict[str, int] = {
    "doses_per_subject": 100_000,
    "subjects": 100_000,
    "simulated_hours": 87_660,
    "values": 50_000_000,
    "report_figures": 100,
}
_OVERRIDES: dict[str, int] = {}


def get(name: str) -> int:
    """The limit in force: :func:`override`, else ``KINETOR_LIMIT_<NAME>``, else the
    default."""
    if name not in DEFAULTS:
        raise KeyError(f"no limit named {name!r}; limits: {', '.join(DEFAULTS)}")
    if name in _OVERRIDES:
        return _OVERRIDES[name]
    env = os.environ.get(f"KINETOR_LIMIT_{name.upper()}")
    if env:
        try:
            return int(float(env))
        except ValueError:
            raise ModelError(f"KINETOR_LIMIT_{name.upper()}={env!r} is not a number") from None
    return DEFAULTS[name]


def check(name: str, value: float, what: str) -> None:
    """Raise :class:`~kinetor.errors.ModelError` when ``value`` exceeds the limit ``name``
    (or is not a finite number)."""
    limit = get(name)
    if not math.isfinite(value) or value > limit:
        shown = f"{value:,.0f}" if math.isfinite(value) else str(value)
        raise ModelError(
            f"{shown} {what} is above the limit {name} = {limit:,} (raise it "
            f"on purpose with KINETOR_LIMIT_{name.upper()}=N or "
            f"kinetor.limits.override({name}=N))"
        )


@contextlib.contextmanager
def override(**limits: int) -> Iterator[None]:
    """Raise (or lower) limits inside a ``with`` block."""
    for name in limits:
        get(name)  # unknown names fail here
    saved = dict(_OVERRIDES)
    _OVERRIDES.update({k: int(v) for k, v in limits.items()})
    try:
        yield
    finally:
        _OVERRIDES.clear()
        _OVERRIDES.update(saved)
