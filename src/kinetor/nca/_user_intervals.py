"""The user's intervals table: checked row by row, and each row's kind per profile.

``user_intervals`` reads ``start``, ``end`` (``inf`` allowed) and an optional ``kind``
(``"single"``, ``"tau"``, ``"partial"``), reporting every bad row at once. A row without
a kind is a dosing interval (``tau``; ``single`` when it runs to infinity) only in the
profiles where it starts at a dose of the subject; elsewhere it is a partial area
(AUCINT), with a note (``dose_start_kinds``, ``dose_start_notes``). A ``tau`` or
``single`` kind given explicitly for an interval that does not start at a dose gives NaN
for that profile's parameters with the reason: Phoenix's dose-time point (C = 0, the
interval minimum, C0) belongs at a dose, never at an arbitrary start.

Examples
--------
>>> import pandas as pd
>>> keys = pd.DataFrame({"subject": ["a"], "analyte": ["X"], "matrix": ["PLASMA"]})
>>> iv = user_intervals(pd.DataFrame({"start": [0.0, 5.0], "end": [12.0, 12.0]}), keys)
>>> iv[["start", "kind", "_auto_kind"]].values.tolist()
[[0.0, 'tau', True], [5.0, 'tau', True]]
>>> out = iv.assign(_sa=0, dose_time=0.0)
>>> dose_start_kinds(out, 1e-9)[["start", "kind", "auto_partial"]].values.tolist()
[[0.0, 'tau', False], [5.0, 'partial', True]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = ["KINDS", "dose_start_kinds", "dose_start_notes", "user_intervals"]

KINDS = ("single", "tau", "partial")


def user_intervals(intervals: pd.DataFrame, keys: pd.DataFrame) -> pd.DataFrame:
    """The intervals table merged with the profile keys it applies to.

    Rows are numbered as in a CSV file (header = row 1); ``intervals.attrs["source"]``
    names the file. ``_auto_kind`` marks the rows given without a kind."""
    source = intervals.attrs.get("source")
    iv = intervals.copy()
    missing = [c for c in ("start", "end") if c not in iv.columns]
    if missing:
        raise DataError(
            [
                Problem(
                    f"the intervals table has no '{c}' column",
                    file=source,
                    column=c,
                    fix="give start and end (end may be inf)",
                )
                for c in missing
            ]
        )
    found: list[tuple[int, Problem]] = []

    def bad_rows(mask, column, message, fix):
        for i in np.flatnonzero(np.asarray(mask, bool)):
            label = iv.index[i]
            row = int(label) + 2 if isinstance(label, (int, np.integer)) else int(i) + 2
            found.append((row, Problem(message(i), file=source, row=row, column=column, fix=fix)))

    raw = {c: iv[c].to_numpy(object) for c in ("start", "end")}
    for c in ("start", "end"):
        iv[c] = pd.to_numeric(iv[c], errors="coerce").astype(float)
        bad_rows(
            iv[c].isna(),
            c,
            lambda i, c=c: f"interval {c} {raw[c][i]!r} is not a number",
            "write a number (end may be inf)",
        )
    start, end = iv["start"].to_numpy(float), iv["end"].to_numpy(float)
    given = np.zeros(len(iv), bool)
    kind = np.where(np.isinf(end), "single", "tau").astype(object)  # a row without a kind
    if "kind" in iv.columns:
        text = iv["kind"].astype(object).where(iv["kind"].notna(), "").astype(str).str.strip()
        given = (text != "").to_numpy()
        kind = np.where(given, text.str.lower().to_numpy(object), kind)
        bad_rows(
            given & ~np.isin(kind, KINDS),
            "kind",
            lambda i: f"interval kind {iv['kind'].iloc[i]!r}",
            f"kind one of {KINDS}, or empty (a dosing interval where the interval starts "
            "at a dose, a partial area elsewhere)",
        )
    with np.errstate(invalid="ignore"):
        both = ~np.isnan(start) & ~np.isnan(end)
        bad_rows(
            both & ~(end > start),
            "end",
            lambda i: f"interval {start[i]:g}-{end[i]:g}: the end is not after the start",
            "end must be after start",
        )
        # a dosing interval is tau long: one to infinity is kind "single" (AUCinf) or a
        # partial area (AUCINT to infinity)
        bad_rows(
            (kind == "tau") & np.isinf(end) & both & (end > start),
            "end",
            lambda i: f"a dosing interval (kind 'tau') from {start[i]:g} to infinity",
            "give the end of the dosing interval, or kind 'single' (AUCinf) or "
            "'partial' (AUCINT) for an area to infinity",
        )
    if found:
        raise DataError([p for _, p in sorted(found, key=lambda x: x[0])])
    iv["kind"] = kind.astype(str)
    iv["_auto_kind"] = ~given
    on = [c for c in keys.columns if c in iv.columns]
    if on:
        for c in on:
            iv[c] = iv[c].astype(keys[c].dtype)
        return keys.merge(iv, on=on)
    return keys.merge(iv, how="cross")


def dose_start_kinds(out: pd.DataFrame, eps: float) -> pd.DataFrame:
    """The kind of each user interval in each profile, once its dose is known
    (``dose_time``: the last dose at or before the start; ``_sa`` < 0: no dose at all).

    A row given without a kind that does not start at a dose becomes ``partial``
    (``auto_partial``); a ``tau`` or ``single`` kind given explicitly there is marked
    ``no_dose_start`` (its parameters are NaN with the reason, in the engine). A subject
    without any dose keeps its kind (no point is inserted at its start)."""
    if "_auto_kind" not in out.columns:
        return out
    auto = out["_auto_kind"].fillna(False).to_numpy(bool)
    dosed = out["_sa"].to_numpy() >= 0
    with np.errstate(invalid="ignore"):
        at_dose = np.abs(out["start"].to_numpy(float) - out["dose_time"].to_numpy(float)) <= eps
    off = dosed & ~at_dose
    kind = out["kind"].to_numpy(object)
    out["auto_partial"] = auto & off & (kind != "partial")
    out["kind"] = np.where(out["auto_partial"].to_numpy(bool), "partial", kind)
    out["no_dose_start"] = ~auto & off & np.isin(kind, ("tau", "single"))
    return out.drop(columns="_auto_kind")


def dose_start_notes(meta: pd.DataFrame, tunit: str) -> list[str]:
    """One note per interval analysed as a partial area because it does not start at a
    dose, and one per interval whose explicit ``tau``/``single`` kind was refused there,
    naming the subjects (10 at most)."""
    notes = []
    u = f" {tunit}" if tunit else ""
    for col in ("auto_partial", "no_dose_start"):
        if col not in meta.columns or not meta[col].any():
            continue
        m = meta[meta[col].to_numpy(bool)]
        for (a, b, kind), g in m.groupby(["start", "end", "kind"], sort=True):
            who = [f"subject {s}, {an}" for s, an in zip(g["subject"], g["analyte"], strict=True)]
            listed = "; ".join(who[:10]) + (f" ... ({len(who)} in all)" if len(who) > 10 else "")
            if col == "auto_partial":
                notes.append(
                    f"interval {a:g}-{b:g}{u} does not start at a dose of {listed}: analysed "
                    "as a partial area (AUCINT, AUMCINT; the dose before it is the origin); "
                    "a dosing interval (kind 'tau') starts at a dose"
                )
            else:
                notes.append(
                    f"interval {a:g}-{b:g}{u} (kind '{kind}') does not start at a dose of "
                    f"{listed}: its parameters are NaN (no dose at the interval start); "
                    f"for the area between two times use --interval {a:g}-{b:g}:partial "
                    "(kind 'partial')"
                )
    return notes
