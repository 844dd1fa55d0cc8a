"""Input checks of :func:`kinetor.pathway.scan` and :func:`kinetor.pathway.combination_grid`
(every problem listed before anything runs).

Examples
--------
>>> grid_axis("everolimus", [10, 1, 10, 0], "concs_a")
[0.0, 1.0, 10.0]
>>> grid_axis("everolimus", [], "concs_a")
Traceback (most recent call last):
...
kinetor.errors.DataError: 1 problem in the data:
  column 'concs_a': concs_a is empty (fix: give concentrations, e.g. concs_a=[1, 10])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from kinetor.errors import DataError, Problem
from kinetor.pathway._checks import conc_list
from kinetor.pathway._conditions import normalise_conditions as _normalise_conditions

__all__ = ["checked_conditions", "grid_axis"]


def grid_axis(drug: Any, concs: Any, name: str) -> list[float]:
    """0 and the distinct positive concentrations of ``concs``; an empty list is refused."""
    given = conc_list(drug, concs, name)
    if not given:
        raise DataError(
            Problem(
                f"{name} is empty", column=name, fix=f"give concentrations, e.g. {name}=[1, 10]"
            )
        )
    return [0.0, *sorted({x for x in given if x > 0})]


def checked_conditions(conditions: Any, base: Any) -> list[dict]:
    """The normalised conditions, with every problem in one DataError before anything
    runs: those of :func:`normalise_conditions` and each parameter name the model cannot
    set (unknown, or computed by the model such as ``growth``), by row and column."""
    frame = isinstance(conditions, pd.DataFrame)
    if not isinstance(conditions, pd.DataFrame | str | bytes | Mapping):
        conditions = list(conditions) if hasattr(conditions, "__iter__") else conditions
    try:
        items, problems = _normalise_conditions(conditions), []
    except DataError as exc:
        items, problems = [], list(exc.problems)
    # (label, file and row, column, name) of each parameter set; a param. column: its header
    loc = {"file": "<DataFrame>"}
    cols = map(str, conditions.columns if frame else ())
    named = [("", {**loc, "row": 1}, c, c[6:]) for c in cols if c[:6] == "param."]
    for i, rec in enumerate(conditions.to_dict("records") if frame else conditions):
        at = ("", {**loc, "row": i + 2}) if frame else (f"condition {i + 1}: ", {})
        given = rec.get("parameters") if isinstance(rec, Mapping) else None
        named += [(*at, "parameters", k) for k in (given if isinstance(given, Mapping) else ())]
        keys = rec if isinstance(rec, Mapping) and not frame else ()
        named += [(*at, str(k), str(k)[6:]) for k in keys if str(k)[:6] == "param."]
    fix = "name a settable parameter of mtor.ant (kinetor pathway export --antimony)"
    for label, at, column, name in named:
        for why in base.engine.parameter_problems([name]):
            problems.append(Problem(label + why, column=column, fix=fix, **at))
    if problems:
        raise DataError(problems)
    return items
