"""The main NCA parameters shown after a run (the browser page and ``POST /api/nca``):
the same codes and columns as ``kinetor nca`` prints, one row per group, analyte,
matrix, interval and parameter, plus the count of values not calculated and why.

>>> import pandas as pd
>>> s = pd.DataFrame({"analyte": ["A", "A"], "matrix": ["PLASMA"] * 2, "start": [0.0, 0.0],
...     "end": [24.0, float("inf")], "PPTESTCD": ["AUCINT", "CMAX"], "unit": ["h*ng/mL", "ng/mL"],
...     "n": [3, 3], "n_flagged": [0, 1], "statistic": ["mean"] * 2, "display": ["9", "4"]})
>>> main_summary(s, [], "h")[["interval", "PPTESTCD", "n_flagged"]].values.tolist()
[['0-24 h', 'AUCINT', 0], ['0 h to infinity', 'CMAX', 1]]
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from kinetor.nca.summary import MAIN_CODES

_STAT_COLUMNS = ("PPTESTCD", "unit", "n", "n_missing", "n_flagged", "statistic", "display", "mean")


def interval_label(start: float, end: float, time_unit: str = "") -> str:
    """``0-24 h`` or ``0 h to infinity`` (as the command line titles its tables)."""
    unit = f" {time_unit}" if time_unit else ""
    if math.isfinite(end):
        return f"{start:g}-{end:g}{unit}"
    return f"{start:g}{unit} to infinity"


def main_summary(summary: pd.DataFrame, groups, time_unit: str = "") -> pd.DataFrame:
    """The rows of ``summary`` (an NCA summary table) for :data:`MAIN_CODES`, with the
    grouping columns, matrix, interval (``start``, ``end`` and its label) and the counts
    ``n``, ``n_missing`` (not calculated) and ``n_flagged`` (failing an acceptance rule)."""
    shown = summary[summary["PPTESTCD"].isin(MAIN_CODES)].copy()
    by = [c for c in summary.columns if c in (*groups, "analyte") and c not in _STAT_COLUMNS]
    where = [c for c in ("matrix", "start", "end") if c in shown.columns]
    if {"start", "end"} <= set(shown.columns):
        shown["interval"] = [
            interval_label(float(a), float(b), time_unit)
            for a, b in zip(shown["start"], shown["end"], strict=True)
        ]
        where.append("interval")
        shown = shown.sort_values(["start", "end"], kind="stable")
    keep = [c for c in _STAT_COLUMNS if c in shown.columns]
    return shown[[*by, *where, *keep]].reset_index(drop=True)


def not_calculated(parameters: pd.DataFrame) -> dict[str, Any]:
    """Parameter values the NCA could not calculate (NaN): how many, and how many for
    each reason given in the ``exclude`` column; plus every value NaN or flagged."""
    reason = parameters["exclude"].astype(object).fillna("").astype(str)
    missing = ~pd.to_numeric(parameters["value"], errors="coerce").map(
        lambda v: math.isfinite(v) if pd.notna(v) else False
    )
    why = reason[missing].replace("", "not calculated (no reason given)")
    counts = why.value_counts(sort=True)
    return {
        "count": int(missing.sum()),
        "reasons": [{"reason": str(k), "n": int(v)} for k, v in counts.items()],
        "excluded_or_flagged": int((reason != "").sum()),
    }


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """``df`` as JSON-safe records: NaN as None, an infinite number as ``"inf"`` or
    ``"-inf"`` (strict JSON has neither)."""

    def clean(v: Any) -> Any:
        if isinstance(v, float):
            if math.isnan(v):
                return None
            if math.isinf(v):
                return "inf" if v > 0 else "-inf"
        return v

    return [{str(k): clean(v) for k, v in row.items()} for row in df.to_dict("records")]
