"""The conditions of a scan (:func:`kinetor.pathway.scan`), read and checked.

A condition is a DataFrame row or a dict:

* ``lesions``: names (a list, or ``"PTEN_loss;KRAS_mut"``; an empty name among them,
  ``"PTEN_loss;;"``, is a problem); empty, ``NaN`` (an empty CSV cell), ``"parental"`` or
  ``"none"`` mean none (the scan's network's lesions are used);
* drugs: ``drugs`` (``[(drug, input), ...]`` or ``{drug: input}``) or columns
  ``drug``/``conc_nM``, ``drug2``/``conc2_nM``, ... (each drug column needs its
  concentration column and the reverse; an empty or ``"none"`` drug cell is no drug;
  two drugs of one mechanism slot, e.g. everolimus and its alias RAD001, are a problem
  of the later column);
* ``context`` (a mapping) and/or one column per context input (``growth_factor``, ...);
* ``parameters`` (a mapping) and/or ``param.<name>`` columns; an empty (``NaN``) context
  or parameter cell keeps the network's value.

A DataFrame may carry other columns (labels): they are copied to the result. A column
that looks like one of the above but is not (``conc``, ``lesion``, ``Drug``...) and an
unknown key of a dict are refused. Every problem is listed in one
:class:`~kinetor.errors.DataError` with its row (a DataFrame's header = row 1) and column.

Examples
--------
>>> import pandas as pd
>>> normalise_conditions(pd.DataFrame({"drug": ["everolimus"], "conc_nM": [10]}))
[{'lesions': (), 'drugs': [('everolimus', 10.0)], 'context': {}, 'parameters': {}}]
>>> normalise_conditions([{"drug": "everolimus", "conc": 1}])
Traceback (most recent call last):
...
kinetor.errors.DataError: 2 problems in the data:
  column 'drug': condition 1: 'drug' has no 'conc_nM' column (fix: ...)
  column 'conc': condition 1: unknown key 'conc' (fix: ...)
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import partial
from typing import Any

import pandas as pd

from kinetor.errors import DataError, KinetorError, ModelError, Problem
from kinetor.pathway._checks import drug_pairs, parameter_values
from kinetor.pathway._run_notes import one_per_slot
from kinetor.pathway._run_notes import strict_lesion_names as lesion_names
from kinetor.pathway.drugs import resolve_drug
from kinetor.pathway.lesions import CONTEXTS, context_parameters

__all__ = ["normalise_conditions"]

_KEYS = ("lesions", "drugs", "context", "parameters")
_CONC = re.compile(r"conc(.*)_nM")
_LOOKALIKE = ("conc", "lesion", "param", "drug", "context", "dose")
_FIX = (
    "use lesions, drugs, context, parameters, a context input "
    f"({', '.join(CONTEXTS)}), param.<name>, or drug/conc_nM pairs (drug2/conc2_nM, ...)"
)


def _missing(value: Any) -> bool:
    """An empty cell: None, NaN or blank text."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    return isinstance(value, str) and not value.strip()


def _key_problem(key: Any, keys: Any) -> str | None:
    """Why ``key`` (of ``keys``) is not a condition key (None: it is one)."""
    k = str(key)
    if k in _KEYS or k in CONTEXTS or (k.startswith("param.") and len(k) > 6):
        return None
    if k.startswith("drug"):
        conc = f"conc{k[4:]}_nM"
        return None if conc in keys else f"'{k}' has no '{conc}' column"
    m = _CONC.fullmatch(k)
    if m:
        drug = f"drug{m.group(1)}"
        return None if drug in keys else f"'{k}' has no '{drug}' column"
    return f"unknown key {k!r}"


def normalise_conditions(conditions: Any) -> list[dict[str, Any]]:
    """Each condition as ``{"lesions": tuple, "drugs": [(drug, input), ...],
    "context": dict, "parameters": dict}``, checked (module docstring)."""
    problems: list[Problem] = []
    if isinstance(conditions, pd.DataFrame):
        cols = [str(c) for c in conditions.columns]
        for c in cols:
            why = _key_problem(c, cols)
            if why is None:
                continue
            if why.startswith("unknown") and not c.lower().startswith(_LOOKALIKE):
                continue  # a label column: copied to the result
            problems.append(Problem(f"{why}", file="<DataFrame>", row=1, column=c, fix=_FIX))
        if problems:
            raise DataError(problems)
        records = conditions.to_dict("records")
        where = [{"file": "<DataFrame>", "row": i + 2} for i in range(len(records))]
        label = [""] * len(records)
    else:
        if isinstance(conditions, str | bytes | Mapping) or not hasattr(conditions, "__iter__"):
            raise ModelError(
                f"conditions must be a DataFrame or a list of dicts, got {conditions!r}; "
                "e.g. [{'drugs': {'everolimus': 10}, 'lesions': ['PTEN_loss']}]"
            )
        records = []
        for i, c in enumerate(conditions):
            if not isinstance(c, Mapping):
                problems.append(Problem(f"condition {i + 1} is not a dict: {c!r}", fix=_FIX))
                continue
            rec = dict(c)
            for k in rec:
                why = _key_problem(k, rec)
                if why is not None:
                    problems.append(Problem(f"condition {i + 1}: {why}", column=str(k), fix=_FIX))
            records.append(rec)
        if problems:
            raise DataError(problems)
        where = [{} for _ in records]
        label = [f"condition {i + 1}: " for i in range(len(records))]
    seen: dict[Any, Any] = {}
    out = []
    for rec, loc, lab in zip(records, where, label, strict=True):
        bad = partial(_add, problems, lab, loc)
        out.append(
            {
                "lesions": _lesions(rec.get("lesions"), seen, bad),
                "drugs": _drugs(rec, seen, bad),
                "context": _context(rec, bad),
                "parameters": _parameters(rec, bad),
            }
        )
    if problems:
        raise DataError(problems)
    return out


def _add(
    problems: list[Problem], label: str, where: dict, column: str, message: str, fix=None
) -> None:
    """Add a problem of one condition (bound per condition with ``functools.partial``)."""
    problems.append(Problem(label + message, column=column, fix=fix, **where))


def _lesions(value: Any, seen: dict, bad) -> tuple[str, ...]:
    if _missing(value) or (isinstance(value, str) and value.strip() in ("parental", "none")):
        return ()
    key = ("lesions", value) if isinstance(value, str) else None
    if key in seen:
        return seen[key]
    try:
        names = lesion_names(value)
    except ModelError as exc:
        bad("lesions", str(exc))
        return ()
    if key is not None:
        seen[key] = names
    return names


def _drug_ok(name: Any, column: str, seen: dict, bad) -> bool:
    key = ("drug", name)
    if key not in seen:
        try:
            resolve_drug(name)
            seen[key] = True
        except KinetorError as exc:
            seen[key] = False
            bad(column, str(exc))
            return False
    return seen[key]


def _drugs(rec: dict, seen: dict, bad) -> list[tuple[Any, Any]]:
    drug_cols = sorted(k for k in rec if str(k).startswith("drug") and k != "drugs")
    given = rec.get("drugs")
    if not _missing(given):
        if drug_cols:
            bad("drugs", "drugs given twice: in 'drugs' and in drug/conc_nM columns")
        try:
            pairs = drug_pairs(given)
            one_per_slot(pairs)
            return pairs
        except KinetorError as exc:
            bad("drugs", str(exc))
            return []
    out: list[tuple[Any, Any]] = []
    for key in drug_cols:
        ckey = f"conc{key[4:]}_nM"
        name, raw = rec[key], rec.get(ckey)
        try:
            conc = float(raw)
        except (TypeError, ValueError):
            conc = math.nan
        if _missing(name) or (isinstance(name, str) and name.strip().lower() == "none"):
            if not _missing(raw) and conc != 0:
                bad(ckey, f"{ckey} = {raw!r} but no drug in '{key}'", f"name the drug in {key}")
            continue
        if not isinstance(name, str):
            bad(key, f"drug {name!r} is not a name", "a compound-library name")
            continue
        if not _drug_ok(name, key, seen, bad):
            continue
        if not (math.isfinite(conc) and conc >= 0):
            bad(ckey, f"{name}: concentration {raw!r} is not a number >= 0", "a number in nM")
            continue
        try:  # two drugs in one mechanism slot (everolimus and RAD001): this column's
            one_per_slot([*out, (name, conc)])
        except KinetorError as exc:
            bad(key, str(exc), f"give one drug per mechanism; drop {key}")
            continue
        out.append((name, conc))
    return out


def _context(rec: dict, bad) -> dict[str, Any]:
    ctx = rec.get("context")
    if _missing(ctx):
        ctx = {}
    elif not isinstance(ctx, Mapping):
        bad("context", f"context {ctx!r} is not a mapping", "e.g. {'growth_factor': 0.1}")
        return {}
    out = dict(ctx)
    for column, part in (("context", ctx), *((k, {k: rec[k]}) for k in CONTEXTS if k in rec)):
        if not part:
            continue
        if column != "context" and _missing(rec[column]):
            continue  # an empty cell keeps the network's level
        try:
            context_parameters(part)
        except ModelError as exc:
            bad(column, str(exc))
        out.update(part)
    return out


def _parameters(rec: dict, bad) -> dict[str, float]:
    given = rec.get("parameters")
    if _missing(given):
        given = {}
    elif not isinstance(given, Mapping):
        bad("parameters", f"parameters {given!r} is not a mapping", "e.g. {'PTEN_tot': 0.5}")
        return {}
    parts = [("parameters", given)]
    parts += [(str(k), {str(k)[6:]: v}) for k, v in rec.items() if str(k).startswith("param.")]
    out: dict[str, float] = {}
    for column, part in parts:
        if not part:
            continue
        if column != "parameters" and _missing(rec[column]):
            continue  # an empty cell keeps the network's value
        try:
            out.update(parameter_values(part))
        except ModelError as exc:
            bad(column, str(exc))
    return out
