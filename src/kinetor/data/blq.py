"""BLQ (below the limit of quantification) rules.

A rule decides, for every BLQ sample of a profile, whether it enters the analysis as 0,
as LLOQ/2, or not at all. The row is never removed: ``apply_blq_rule`` adds the column
``conc_used`` (the value the analysis uses, NaN when not used) and appends the reason to
``exclude`` for samples the rule drops. The position of a BLQ sample is judged within its
profile (subject x analyte x matrix, plus any extra ``by`` columns) in time order:

* *first*: before the first measurable concentration;
* *middle*: between the first and last measurable concentrations;
* *last*: after the last measurable concentration.

Named rules (see docs/data.md for sources):

==========================  ======================================================  =========
rule                        first / middle / last                                   source
==========================  ======================================================  =========
``"pknca"`` (default)       0 / dropped / 0                                         PKNCA ``conc.blq`` default
``"zero"``                  0 / 0 / 0                                               common
``"missing"``               dropped / dropped / dropped                             common
``"zero-before-tmax"``      0 before Tmax, dropped after Tmax                       Phoenix BQL rule option
``"half-lloq"``             LLOQ/2 everywhere (admiral ``DTYPE = "HALFLLOQ"``)      admiral
``"half-lloq-first-zero"``  0 / LLOQ/2 / LLOQ/2                                     common
==========================  ======================================================  =========

PKNCA's rule shapes (``conc.blq``) are also accepted, as a dict or as the equivalent
string: ``{"first": F, "middle": M, "last": L}`` or ``{"before_tmax": B, "after_tmax": A}``
(Tmax of the measured concentrations), each action ``"keep"`` (enter as 0, as PKNCA keeps
a BLQ value of 0), ``"drop"`` or a number (the concentration used), e.g.
``"first=keep,middle=drop,last=keep"`` (= ``"pknca"``) or ``"before_tmax=keep,
after_tmax=0.05"``. ``blq_shape`` parses and checks one.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"subject": ["a"] * 5, "time": [0, 1, 2, 4, 8],
...                    "conc": [None, 5.0, None, 2.0, None],
...                    "blq": [True, False, True, False, True], "lloq": 0.5,
...                    "analyte": "X", "matrix": "PLASMA", "exclude": ""})
>>> apply_blq_rule(df, "pknca")["conc_used"].tolist()
[0.0, 5.0, nan, 2.0, 0.0]
>>> apply_blq_rule(df, "half-lloq")["conc_used"].tolist()
[0.25, 5.0, 0.25, 2.0, 0.25]
>>> apply_blq_rule(df, {"first": "drop", "middle": 0.1, "last": "keep"})["conc_used"].tolist()
[nan, 5.0, 0.1, 2.0, 0.0]
>>> apply_blq_rule(df, "before_tmax=keep,after_tmax=drop")["conc_used"].tolist()
[0.0, 5.0, nan, 2.0, nan]
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

__all__ = ["BLQ_RULES", "BLQRule", "apply_blq_rule", "blq_shape", "fill_lloq"]

BLQRule = Literal[
    "pknca", "zero", "missing", "zero-before-tmax", "half-lloq", "half-lloq-first-zero"
]
BLQ_RULES: tuple[str, ...] = (
    "pknca",
    "zero",
    "missing",
    "zero-before-tmax",
    "half-lloq",
    "half-lloq-first-zero",
)
PROFILE_KEYS = ["subject", "analyte", "matrix"]


_SHAPES = (("first", "middle", "last"), ("before_tmax", "after_tmax"))


def blq_shape(rule) -> dict[str, str | float] | None:
    """A PKNCA-shaped BLQ rule as ``{position: "keep" | "drop" | number}`` (None for a
    named rule).

    Accepts a dict or a string ``"first=keep,middle=drop,last=0.5"``; positions are
    first/middle/last (all three) or before_tmax/after_tmax (both). Raises
    ``KinetorError`` naming what is wrong.

    Examples
    --------
    >>> blq_shape("first=keep, middle=drop, last=0.5")
    {'first': 'keep', 'middle': 'drop', 'last': 0.5}
    >>> blq_shape("pknca") is None
    True
    """
    from kinetor.errors import KinetorError

    if isinstance(rule, str):
        if rule in BLQ_RULES:
            return None
        if "=" not in rule:
            raise KinetorError(
                f"unknown BLQ rule {rule!r}: choose one of "
                f"{', '.join(BLQ_RULES)} or a shape such as "
                "'first=keep,middle=drop,last=keep'"
            )
        pairs = [part.split("=", 1) for part in rule.split(",") if part.strip()]
        if any(len(p) != 2 for p in pairs):
            raise KinetorError(
                f"BLQ rule {rule!r}: write position=action pairs separated by commas"
            )
        rule = {k.strip().replace(".", "_"): v.strip() for k, v in pairs}
    if not isinstance(rule, dict):
        raise KinetorError(f"BLQ rule {rule!r}: give a name or a dict of positions")
    out: dict[str, str | float] = {}
    for key, action in rule.items():
        key = str(key).replace(".", "_")
        if isinstance(action, str) and action.strip().lower() in ("keep", "drop"):
            out[key] = action.strip().lower()
            continue
        try:
            number = float(action)
        except (TypeError, ValueError):
            number = float("nan")
        if not np.isfinite(number) or number < 0:
            raise KinetorError(
                f"BLQ rule position {key!r}: action {action!r} is not "
                "'keep', 'drop' or a concentration >= 0"
            )
        out[key] = number
    if set(out) not in ({*_SHAPES[0]}, {*_SHAPES[1]}):
        raise KinetorError(
            f"BLQ rule positions {sorted(out)}: give first, middle and last, "
            "or before_tmax and after_tmax"
        )
    return out


def _action(where, action, used, drop):
    if action == "drop":
        return used, drop | where
    value = 0.0 if action == "keep" else float(action)
    return np.where(where, value, used), drop


def _append_reason(exclude: pd.Series, mask: np.ndarray, reason: str) -> pd.Series:
    out = exclude.astype("string").fillna("").copy()
    sel = mask & (out == "").to_numpy()
    out[sel] = reason
    both = mask & ~(out == "").to_numpy() & ~sel
    out[both] = out[both] + "; " + reason
    return out


def apply_blq_rule(
    conc: pd.DataFrame,
    rule: BLQRule | str = "pknca",
    by: list[str] | None = None,
    time_col: str = "time",
) -> pd.DataFrame:
    """Apply a named BLQ rule; return a copy with ``conc_used`` and updated ``exclude``.

    Parameters
    ----------
    conc : DataFrame
        Canonical concentration table (``Study.conc``).
    rule : str
        One of ``BLQ_RULES``.
    by : list of str, optional
        Extra columns that split profiles (e.g. an interval or period id).
    time_col : str
        ``"time"`` (actual) or ``"nominal_time"``.
    """
    shape = blq_shape(rule)
    keys = [k for k in PROFILE_KEYS + list(by or []) if k in conc.columns]
    flat = conc.reset_index(drop=True)
    order = flat.sort_values([*keys, time_col], kind="stable").index.to_numpy()
    d = flat.iloc[order]
    blq = d["blq"].to_numpy(bool)
    usable = (d["exclude"].astype("string").fillna("") == "").to_numpy()
    measured = (~blq) & usable & d["conc"].notna().to_numpy()
    grp = d.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    pos = np.arange(len(d))
    # index of first / last measured sample in each profile
    big = len(d) + 1
    first = pd.Series(np.where(measured, pos, big)).groupby(grp).transform("min").to_numpy()
    last = pd.Series(np.where(measured, pos, -1)).groupby(grp).transform("max").to_numpy()
    cvals = d["conc"].to_numpy(float)
    cmax = pd.Series(np.where(measured, cvals, -np.inf)).groupby(grp).transform("max").to_numpy()
    # position of the first occurrence of Cmax in the profile
    is_max = measured & (cvals == cmax)
    tmax_pos = pd.Series(np.where(is_max, pos, big)).groupby(grp).transform("min").to_numpy()
    where_first = blq & (pos < first)
    where_last = blq & (pos > last) & (last >= 0)
    where_mid = blq & ~where_first & ~where_last
    lloq = d["lloq"].to_numpy(float)
    used = np.where(measured, cvals, np.nan)
    if shape is not None:
        drop = np.zeros(len(d), bool)
        parts: tuple[tuple[str, np.ndarray], ...]
        if "first" in shape:
            parts = (("first", where_first), ("middle", where_mid), ("last", where_last))
        else:
            before = blq & (pos < tmax_pos)
            parts = (("before_tmax", before), ("after_tmax", blq & ~before))
        for name, where in parts:
            used, drop = _action(where, shape[name], used, drop)
        rule = ",".join(
            f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in shape.items()
        )
    elif rule == "pknca":
        used = np.where(where_first | where_last, 0.0, used)
        drop = where_mid
    elif rule == "zero":
        used = np.where(blq, 0.0, used)
        drop = np.zeros(len(d), bool)
    elif rule == "missing":
        drop = blq
    elif rule == "zero-before-tmax":
        before = blq & (pos < tmax_pos)
        used = np.where(before, 0.0, used)
        drop = blq & ~before
    elif rule == "half-lloq":
        used = np.where(blq, lloq / 2.0, used)
        drop = blq & np.isnan(lloq)
    else:  # half-lloq-first-zero
        used = np.where(where_first, 0.0, np.where(blq, lloq / 2.0, used))
        drop = blq & ~where_first & np.isnan(lloq)
    drop = drop & usable
    used = np.where(usable & ~drop, used, np.nan)
    # back to the caller's row order (positional: the index may have duplicate labels)
    used_out = np.empty(len(d))
    used_out[order] = used
    drop_out = np.empty(len(d), bool)
    drop_out[order] = drop
    out = conc.copy()
    out["conc_used"] = used_out
    out["exclude"] = _append_reason(
        flat["exclude"], drop_out, f"BLQ dropped by rule '{rule}'"
    ).to_numpy()
    return out


def fill_lloq(study, lloq: float | None = None):
    """A copy of ``study`` whose samples all carry an LLOQ where one is known.

    Sources, in order: the ``lloq`` column (or a ``"<x"`` entry) of the row itself; the
    global ``lloq`` (in the study's concentration unit; measured values below it become
    BLQ, their number kept in ``conc_reported``); otherwise the one LLOQ the other rows of
    the same analyte (and matrix) carry, e.g. from their ``"<0.5"`` entries. Every filled
    or reclassified row is said in ``Study.notes``; an analyte with several LLOQs and no
    global one is left as it is (with a note).

    Examples
    --------
    >>> import pandas as pd
    >>> from kinetor.data import Study
    >>> conc = pd.DataFrame({"subject": "a", "time": [1.0, 2, 4, 8],
    ...                      "conc": [5.0, 2, None, None], "blq": [False, False, True, True],
    ...                      "lloq": [None, None, 0.5, None]})
    >>> doses = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [1.0], "route": ["PO"]})
    >>> st = fill_lloq(Study(conc, doses, units={"time": "h", "conc": "ng/mL", "dose": "mg"}))
    >>> st.conc["lloq"].tolist()
    [0.5, 0.5, 0.5, 0.5]
    >>> st.notes[-1]
    "LLOQ of ANALYTE (PLASMA): 0.5 ng/mL given to 3 samples without one (from the analyte's other samples)"
    """
    from dataclasses import replace

    conc = study.conc.copy()
    notes = list(study.notes)
    unit = study.units.get("conc", "")
    lq = conc["lloq"].to_numpy(float).copy()
    blq = conc["blq"].to_numpy(bool).copy()
    value = conc["conc"].to_numpy(float).copy()
    if lloq is not None:
        lloq = float(lloq)
        if not (np.isfinite(lloq) and lloq > 0):
            from kinetor.errors import KinetorError

            raise KinetorError(f"lloq={lloq!r}: give a concentration > 0")
        missing = np.isnan(lq)
        lq[missing] = lloq
        if missing.any():
            notes.append(
                f"LLOQ {lloq:g} {unit} (global) given to {int(missing.sum())} samples without one"
            )
        below = missing & ~blq & (value < lloq) & (value >= 0)
        if below.any():
            if "conc_reported" not in conc.columns:
                conc["conc_reported"] = conc["conc"].to_numpy(float)
            blq |= below
            value[below] = np.nan
            notes.append(
                f"{int(below.sum())} measured values below the LLOQ {lloq:g} "
                f"{unit} are BLQ (the numbers are kept in conc_reported)"
            )
    else:
        keys = [k for k in ("analyte", "matrix") if k in conc.columns]
        for key, idx in conc.groupby(keys, sort=True, observed=True).indices.items():
            vals = np.unique(lq[idx][np.isfinite(lq[idx])])
            missing = idx[np.isnan(lq[idx])]
            if not len(missing) or not len(vals):
                continue
            key = key if isinstance(key, tuple) else (key,)
            name = str(key[0]) + (f" ({key[1]})" if len(key) > 1 else "")
            if len(vals) > 1:
                listed = ", ".join(f"{v:g}" for v in vals)
                notes.append(
                    f"LLOQ of {name}: several values ({listed}); {len(missing)} "
                    "samples without one keep none"
                )
                continue
            lq[missing] = vals[0]
            notes.append(
                f"LLOQ of {name}: {vals[0]:g} {unit} given to {len(missing)} "
                "samples without one (from the analyte's other samples)"
            )
    conc["lloq"] = lq
    conc["blq"] = blq
    conc["conc"] = value
    return replace(study, conc=conc, notes=notes)
