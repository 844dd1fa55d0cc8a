"""Number checks of the evidence tables: signs, whole counts, repeated rows, the doses of
an arm and the unit of every PK parameter.

Like the other checks, each appends :class:`~kinetor.errors.Problem` objects (file, row,
column, fix) to a list; the loaders raise them together.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.errors import Problem, UnitError

__all__: list[str] = []

# PK parameter -> units it may be published in (any unit of the same dimension is
# accepted: mL/min/kg as L/h/kg) or, for ratios and fractions, the exact words allowed
_PK_DIMENSIONS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("CL", "CL/F", "CLint/F", "Q/F"): ("L/h", "L/h/kg"),
    ("Vss", "V/F", "V1/F", "V2/F"): ("L", "L/kg"),
    ("t1/2", "tmax"): ("h",),
    ("Cmax", "Ctrough"): ("ng/mL", "nM"),
    ("AUC",): ("ng*h/mL", "nM*h"),
}
_PK_WORDS: dict[str, tuple[str, ...]] = {
    "F": ("%", "fraction"),
    "fu": ("fraction",),
    "Kp_tumor": ("ratio", "fraction"),
    "Kpuu_tumor": ("ratio", "fraction"),
    "tumor_accumulation_ss": ("ratio", "fraction"),
}
# parameters that can be 0 (a trough below quantification, tmax of an IV bolus)
_PK_ZERO_OK = ("tmax", "Ctrough")


def signs(
    out: pd.DataFrame,
    rules: dict[str, str],
    fname: str,
    problems: list[Problem],
) -> None:
    """Numbers (already converted, blank = NaN) against ``rules``: column -> ``'> 0'``,
    ``'>= 0'`` or ``'count'`` (a whole number >= 1)."""
    for col, rule in rules.items():
        for i, x in enumerate(out[col]):
            if np.isnan(x):
                continue
            ok = {"> 0": x > 0, ">= 0": x >= 0, "count": x >= 1 and float(x).is_integer()}[rule]
            if not ok:
                need = "a whole number >= 1" if rule == "count" else f"a number {rule}"
                problems.append(
                    Problem(
                        f"{x:g} is not {need}",
                        file=fname,
                        row=i + 2,
                        column=col,
                        fix=f"write {need} (or leave blank)",
                    )
                )


def duplicates(df: pd.DataFrame, keys: list[str], fname: str, problems: list[Problem]) -> None:
    """Rows repeating the ``keys`` of an earlier row."""
    first: dict[tuple, int] = {}
    for i, key in enumerate(df[keys].itertuples(index=False, name=None)):
        if key in first:
            shown = ", ".join(f"{k} {v!r}" for k, v in zip(keys, key, strict=True) if v)
            problems.append(
                Problem(
                    f"repeats row {first[key]} ({shown})",
                    file=fname,
                    row=i + 2,
                    column=keys[1],
                    fix="keep one row per " + ", ".join(keys),
                )
            )
        else:
            first[key] = i + 2


def check_dose(text: str, comps: list[str], fname: str, row: int, problems: list[Problem]) -> None:
    """``dose_mg_kg``: blank, or one number > 0 per compound joined by '+'."""
    if not text:
        return
    parts = [p.strip() for p in text.split("+")]
    for part in parts:
        try:
            x = float(part)
        except ValueError:
            x = float("nan")
        if not (np.isfinite(x) and x > 0):
            problems.append(
                Problem(
                    f"dose {part!r} is not a number > 0 (mg/kg)",
                    file=fname,
                    row=row,
                    column="dose_mg_kg",
                    fix="write the dose in mg/kg as a plain number (combinations: "
                    "one per compound joined by '+', e.g. 50+100), or leave blank",
                )
            )
    if len(parts) > 1 and len(parts) != len(comps):
        problems.append(
            Problem(
                f"{len(parts)} doses for {len(comps)} compounds",
                file=fname,
                row=row,
                column="dose_mg_kg",
                fix="give one dose per compound, in the order of compounds",
            )
        )


def _dimension(unit: str) -> str | None:
    from kinetor.units import dimension

    try:
        return dimension(unit)
    except UnitError:
        return None


def check_pk_units(out: pd.DataFrame, fname: str, problems: list[Problem]) -> None:
    """Each PK row's ``unit`` fits its parameter, and ``value``/``value_high`` are > 0
    (>= 0 for tmax and Ctrough)."""
    dims = {p: examples for names, examples in _PK_DIMENSIONS.items() for p in names}
    for i, row in enumerate(out.itertuples(index=False)):
        par, unit = row.parameter, row.unit
        fix = None
        if par in _PK_WORDS and unit and unit not in _PK_WORDS[par] and par != "fu":
            fix = f"write one of: {', '.join(_PK_WORDS[par])}"
        elif par in dims and unit and _dimension(unit) not in {_dimension(u) for u in dims[par]}:
            fix = f"write a unit like {' or '.join(dims[par])}, as published"
        if fix is not None:
            problems.append(
                Problem(
                    f"unit {unit!r} is not a unit of {par}",
                    file=fname,
                    row=i + 2,
                    column="unit",
                    fix=fix,
                )
            )
        for col in ("value", "value_high"):
            x = getattr(row, col)
            if np.isnan(x) or par == "fu":  # fu has its own (0, 1] check
                continue
            ok = x >= 0 if par in _PK_ZERO_OK else x > 0
            if not ok:
                need = ">= 0" if par in _PK_ZERO_OK else "> 0"
                problems.append(
                    Problem(
                        f"{par} {x:g} must be {need}",
                        file=fname,
                        row=i + 2,
                        column=col,
                        fix=f"write the {par} as published (a number {need})",
                    )
                )
