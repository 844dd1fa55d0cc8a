"""Checks of the network's Python arguments: parameter overrides, durations, output
times, drug pairs and concentration lists.

Each raises a :class:`~kinetor.errors.ModelError` (an argument) or a
:class:`~kinetor.errors.DataError` (values in a list, with their position) that names
the argument and the fix, instead of a numpy/libroadrunner error from deep inside. They
are O(number of values) and vectorised where a list can be long (output times).

Examples
--------
>>> duration_h("30 min", "t_end"), duration_h(2, "t"), duration_h("24", "t_end")
(0.5, 2.0, 24.0)
>>> parameter_values({"PTEN_tot": -1})
Traceback (most recent call last):
...
kinetor.errors.ModelError: parameter PTEN_tot = -1 must be >= 0 (every model parameter is a rate constant, total, weight, fraction, potency or concentration): give a finite number >= 0
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from kinetor.errors import DataError, ModelError, Problem

__all__ = ["conc_list", "drug_pairs", "duration_h", "output_times", "parameter_values"]

_NUMBER = (int, float, np.integer, np.floating)


def parameter_values(parameters: Mapping[str, Any] | None) -> dict[str, float]:
    """``{name: float}`` of the overrides; each must be a finite number >= 0 (every
    parameter of ``mtor.ant`` is a rate constant, total, weight, fraction, potency or
    concentration)."""
    if parameters is None:
        return {}
    if not isinstance(parameters, Mapping):
        raise ModelError(
            f"parameters must be a mapping {{name: value}}, got {parameters!r}; "
            "e.g. parameters={'PTEN_tot': 0.5}"
        )
    out: dict[str, float] = {}
    bad = []
    for key, value in parameters.items():
        try:
            v = float(value)
        except (TypeError, ValueError):
            bad.append(f"parameter {key} = {value!r} is not a number")
            continue
        if isinstance(value, bool) or not math.isfinite(v):
            bad.append(f"parameter {key} = {value!r} is not a finite number")
        elif v < 0:
            bad.append(
                f"parameter {key} = {value!r} must be >= 0 (every model parameter is a "
                "rate constant, total, weight, fraction, potency or concentration)"
            )
        out[str(key)] = v
    if bad:
        raise ModelError("; ".join(bad) + ": give a finite number >= 0")
    return out


def duration_h(value: Any, name: str) -> float:
    """A duration in hours, > 0: a number (hours), a numeric string (read as the number,
    hours) or a duration text (``"30 min"``, ``"3 days"``)."""
    if isinstance(value, _NUMBER) and not isinstance(value, bool):
        h = float(value)
    elif isinstance(value, str) or _is_quantity(value):
        from kinetor.pathway._inputs import hours

        h = hours(value)
    else:
        raise ModelError(
            f"{name} must be one duration (a number of hours or a text such as "
            f"'2 h' or '30 min'), got {value!r}"
        )
    if not (math.isfinite(h) and h > 0):
        raise ModelError(f"{name} must be > 0 h, got {value!r}")
    return h


def _is_quantity(value: Any) -> bool:
    import pint

    return isinstance(value, pint.Quantity)


def output_times(times: Any, t_end: float | None) -> np.ndarray:
    """The output grid for ``times`` (h): finite, >= 0, strictly increasing, not beyond
    ``t_end`` (when given), the last > 0; 0 is put in front when missing (the drugs are
    added at time 0, the reference row). Checked in vectorised form."""
    if isinstance(times, str | bytes) or not hasattr(times, "__len__"):
        raise ModelError(f"times must be a list of output times in h, got {times!r}")
    try:
        grid = np.asarray(times, dtype=float)
    except (TypeError, ValueError):
        raise ModelError(
            f"times must be numbers of hours, got {list(times)!r}; e.g. times=[0.5, 1, 2]"
        ) from None
    if grid.ndim != 1 or grid.size == 0:
        raise ModelError(f"times must be a non-empty list of output times in h, got {times!r}")
    fin = np.isfinite(grid)
    if not fin.all():
        raise ModelError(f"times must be finite numbers of hours, got {grid[~fin][0]:g}")
    if grid[0] < 0:
        raise ModelError(f"times must be >= 0 h (the drugs start at 0 h), got {grid[0]:g}")
    if grid.size > 1 and not (np.diff(grid) > 0).all():
        i = int(np.argmin(np.diff(grid) > 0)) + 1
        raise ModelError(
            f"times must increase strictly: {grid[i]:g} comes after {grid[i - 1]:g}; "
            "sort them and drop repeats"
        )
    if t_end is not None and grid[-1] > t_end:
        raise ModelError(
            f"times go to {grid[-1]:g} h, beyond t_end = {t_end:g} h: raise t_end or "
            "leave it out (it then defaults to the last time)"
        )
    if not grid[-1] > 0:
        raise ModelError("times must reach beyond 0 h (the drugs are added at 0 h)")
    if grid[0] > 0:
        grid = np.insert(grid, 0, 0.0)
    return grid


def drug_pairs(pairs: Any) -> list[tuple[Any, Any]]:
    """``[(drug, input), ...]`` from pairs or a mapping ``{drug: input}``."""
    if pairs is None:
        return []
    if isinstance(pairs, Mapping):
        return list(pairs.items())
    if isinstance(pairs, str) or not hasattr(pairs, "__iter__"):
        raise ModelError(
            f"drugs must be (drug, input) pairs or a mapping {{drug: input}}, got {pairs!r}; "
            "e.g. [('everolimus', '10 nM')]"
        )
    out = list(pairs)
    for p in out:
        if isinstance(p, str) or not (isinstance(p, tuple | list) and len(p) == 2):
            raise ModelError(
                f"each drug must be a (drug, input) pair, got {p!r}; e.g. "
                "('everolimus', '10 nM') or {'everolimus': 10} (a number is nM)"
            )
    return out


def conc_list(drug: Any, concs: Any, name: str) -> list[float]:
    """Free concentrations (nM) of ``drug`` from a list of numbers (nM) or texts with a
    unit (``"1 uM"``); each finite and >= 0, else one DataError listing every bad one."""
    from kinetor.errors import KinetorError
    from kinetor.pathway._inputs import MAX_CONC_NM, _nanomolar, shown

    if concs is None or isinstance(concs, str | bytes | Mapping) or not hasattr(concs, "__iter__"):
        raise ModelError(
            f"{name} must be a list of concentrations (numbers in nM or texts such as "
            f"'1 uM'), got {concs!r}; e.g. {name}=[1, 10, 100]"
        )
    out, problems = [], []
    for i, value in enumerate(concs):
        try:
            c = _nanomolar(value, drug)
        except (KinetorError, TypeError, ValueError) as exc:
            problems.append(Problem(f"{shown(value)}: {exc}", row=i + 1, column=name))
            continue
        if not (math.isfinite(c) and 0 <= c <= MAX_CONC_NM):
            problems.append(
                Problem(
                    f"{drug.name}: concentration {shown(value)} must be a finite number "
                    f"from 0 to {MAX_CONC_NM:g} nM (1 M)",
                    row=i + 1,
                    column=name,
                    fix=f"give concentrations from 0 to {MAX_CONC_NM:g} nM (nM, or with a unit)",
                )
            )
        out.append(c)
    if problems:
        raise DataError(problems)
    return out
