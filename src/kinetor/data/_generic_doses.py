"""The doses of a generic lab table: dose columns on the concentration rows (one record
per run of equal dose values of a subject) or a separate doses table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data._build import expand_addl, rename_extras
from kinetor.data._factorize import factorize
from kinetor.data._table_ctx import _Ctx, _require
from kinetor.data._text import RawTable
from kinetor.data.routes import infusion_note, iv_infusions, normalise_route
from kinetor.data.values import parse_numbers
from kinetor.errors import Problem

__all__ = ["doses_from_rows", "doses_from_table"]


def _dose_fields(ctx: _Ctx, time_role: str | None, time_unit: str | None) -> pd.DataFrame:
    cols, dose_unit = _dose_arrays(ctx, time_role, time_unit)
    cols.pop("_route_codes")
    d = _frame(cols)
    d.attrs["dose_unit"] = dose_unit
    return d


def _frame(cols: dict[str, np.ndarray]) -> pd.DataFrame:
    """Dose columns as a table; text kept as object (pandas would scan every cell to
    infer a str dtype)."""
    return pd.DataFrame(
        {
            k: pd.Series(v, dtype=object, copy=False) if v.dtype == object else v
            for k, v in cols.items()
        }
    )


def _iv_with_duration(d: pd.DataFrame, ctx: _Ctx) -> pd.DataFrame:
    """An IV dose with an infusion duration > 0 is an infusion: read as one, with a note
    naming the rows; a route that says bolus in words ("IV bolus", "IV push") with a
    duration > 0 contradicts itself (a problem). A zero or empty duration stays a bolus."""
    route, inf, bolus = iv_infusions(d["route"], d["route_raw"], d["duration"])
    col = ctx.roles.get("duration", "duration")
    for r in d[bolus].itertuples():
        ctx.problems.append(
            Problem(
                f"route {r.route_raw!r} is a bolus, but the dose has an infusion duration "
                f"of {r.duration:g}",
                file=ctx.file,
                row=int(r.source_row),
                column=col,
                fix="write IV infusion as the route for an infusion, or leave the duration "
                "empty (or 0) for a bolus",
            )
        )
    if inf.any():
        d = d.copy()
        d["route"] = pd.Series(route, d.index, dtype=object)
        ctx.notes.append(
            infusion_note(
                d["route_raw"].to_numpy(object)[inf],
                d["source_row"].to_numpy()[inf],
                f"column {col!r}",
            )
        )
    return d


def _dose_arrays(ctx: _Ctx, time_role: str | None, time_unit: str | None):
    """The dose columns of every row as arrays, and the dose unit."""
    n = len(ctx.f)
    dose, dose_unit = ctx.quantity("dose", "dose", "dose_unit", "dose")
    t = np.zeros(n)
    if time_role:
        t, _ = ctx.quantity(time_role, "dose time", "time_unit", "time", target=time_unit)
    dur = np.full(n, np.nan)
    if ctx.has("duration"):
        dur, _ = ctx.quantity(
            "duration", "infusion duration", "time_unit", "time", target=time_unit
        )
    route_raw = ctx.text("route")
    codes, uniq = ctx.codes("route")  # a few distinct routes: normalised once each
    routes = np.array([normalise_route(r) or "" for r in uniq] + [""], dtype=object)
    route = routes[codes]
    # an empty duration is 0 for a bolus or an oral dose, unknown for an infusion
    dur = np.where(np.isnan(dur) & (routes != "iv_infusion")[codes], 0.0, dur)
    return {
        "subject": ctx.text("subject"),
        "time": t,
        "dose": dose,
        "route": route,
        "duration": dur,
        "route_raw": route_raw,
        "source_row": ctx.rows,
        "_route_codes": codes,  # factorize of route_raw (not a column)
    }, dose_unit


def doses_from_rows(
    ctx: _Ctx, time_unit, analytes, subject_codes=None
) -> tuple[pd.DataFrame, str | None]:
    """One dose record per subject and time from the dose columns of the sample rows.

    ``subject_codes``: ``factorize`` of the subject cells (``ctx.text("subject")``),
    when the caller has it (the text is then compared once per subject)."""
    d, dose_unit = _dose_arrays(ctx, "dose_time" if ctx.has("dose_time") else None, time_unit)
    route_codes = d.pop("_route_codes")
    missing = parse_numbers(ctx.col("dose"))[1]
    if subject_codes is None:
        subject_codes = factorize(d["subject"])
    s_codes, s_ids = subject_codes
    if not ctx.has("dose_time") and ctx.has("time"):
        _scattered_doses(ctx, s_codes, s_ids, missing)
    keep = ~missing & np.array([u != "" for u in s_ids] + [True], bool)[s_codes]
    key = ["subject", "time", "dose", "route", "duration"]
    # the dose repeats on every sample row: keep each distinct record's first row. A
    # record's first row always differs from the row above it, so only those rows (one
    # per run of equal records: ~ one per subject) are factorized (one hash pass per
    # column over them, no row tuples). Runs are found on the subject and route codes
    # (equal codes, equal cells; a finer split only adds candidate rows)
    cols = {k: d[k] for k in key}
    runs = {**cols, "subject": s_codes, "route": route_codes}
    n = len(keep)
    change = np.ones(n, bool)
    if n > 1:
        same = keep[:-1].copy()  # a row after a dropped row starts a run
        for v in runs.values():
            same &= v[1:] == v[:-1]  # NaN != NaN: a run break, harmless
        change[1:] = ~same
    cand = np.flatnonzero(change & keep)
    # one candidate per subject (codes rising: the usual single-dose file): each is a
    # distinct record and no subject has two doses at one time
    one_each = bool((np.diff(s_codes[cand]) > 0).all())
    if one_each:
        first = cand
    else:
        code = np.zeros(len(cand), np.int64)
        for k in key:
            kc, ku = pd.factorize(cols[k][cand])
            code = pd.factorize(code * (len(ku) + 1) + kc + 1)[0].astype(np.int64)
        first = cand[np.sort(np.unique(code, return_index=True)[1])]
    # the table is built on those rows only (the rows of the file hold ~ one per sample)
    uniq = _frame({k: v[first] for k, v in d.items()})
    uniq.index = first
    if one_each:
        uniq["analyte"] = uniq["subject"].map(analytes)
        return _iv_with_duration(uniq.reset_index(drop=True), ctx), dose_unit
    clash = uniq[uniq.duplicated(["subject", "time"], keep=False)]
    if len(clash):
        d = _frame(d)[keep]
    for (subj, t), g in clash.groupby(["subject", "time"], sort=False):
        rows = d[(d["subject"] == subj) & (d["time"] == t)]
        desc = "; ".join(f"{r.dose:g} {r.route_raw} on row {r.source_row}" for r in g.itertuples())
        ctx.problems.append(
            Problem(
                f"subject {subj!r} has conflicting doses at time {t:g}: {desc}",
                file=ctx.file,
                row=int(rows["source_row"].iloc[0]),
                column=ctx.roles["dose"],
                fix="give one dose per subject and time (use a dose_time column or a doses "
                "table for several doses)",
            )
        )
    uniq = uniq.drop_duplicates(["subject", "time"]).copy()
    uniq["analyte"] = uniq["subject"].map(analytes)
    return _iv_with_duration(uniq.reset_index(drop=True), ctx), dose_unit


def _scattered_doses(ctx: _Ctx, s_codes, s_ids, missing: np.ndarray) -> None:
    """Without a dose_time column a dose column is one dose at time 0 per subject, given
    on every row or on its first row only. A subject with doses on some rows but not
    others, on rows of different sample times, would be read as one dose at 0 and lose the
    later ones: a problem naming the rows (never a guessed dose time)."""
    if not missing.any():  # a dose on every row (the usual layout): nothing to check
        return
    given = ~missing
    n_sub = len(s_ids)
    n_given = np.bincount(s_codes[given], minlength=n_sub + 1)
    n_empty = np.bincount(s_codes[missing], minlength=n_sub + 1)
    suspects = np.flatnonzero((n_given[:n_sub] > 1) & (n_empty[:n_sub] > 0))
    if not suspects.size:
        return
    t = parse_numbers(ctx.col("time"))[0]  # read only when a subject may have several doses
    for code in suspects:
        here = np.flatnonzero(given & (s_codes == code))
        times = np.unique(t[here])
        if len(times) < 2:
            continue
        rows = ctx.rows[here]
        shown = ", ".join(f"{r} ({x:g})" for r, x in zip(rows[:6], t[here][:6], strict=False))
        ctx.problems.append(
            Problem(
                f"subject {s_ids[code]!r} has doses on some sample rows only, at different "
                f"times (rows {shown}{' ...' if len(rows) > 6 else ''}): without a dose_time "
                "column a dose column is one dose at time 0, so the later doses would be lost",
                file=ctx.file,
                row=int(rows[0]),
                column=ctx.roles["dose"],
                fix="add a dose_time column (the time of each dose), or give the doses in a "
                "doses table (--doses)",
            )
        )


def doses_from_table(raw: RawTable, roles, units, problems, notes, time_unit, analytes):
    allowed = (
        "subject",
        "time",
        "dose_time",
        "dose",
        "route",
        "duration",
        "analyte",
        "ss",
        "ii",
        "addl",
        "route_raw",
        "dose_unit",
        "time_unit",
    )
    ctx = _Ctx(raw, roles, units, problems, notes, allowed, own_roles_only=True)
    _require(ctx, [["subject"], ["dose"]], "doses table")
    trole = "dose_time" if ctx.has("dose_time") else ("time" if ctx.has("time") else None)
    d = _dose_fields(ctx, trole, time_unit)
    dose_unit = d.attrs["dose_unit"]
    d = _iv_with_duration(d, ctx)
    if ctx.has("route_raw"):
        d["route_raw"] = ctx.text("route_raw")
    ana = ctx.text("analyte")
    d["analyte"] = np.where(ana == "", d["subject"].map(analytes).fillna("").to_numpy(), ana)
    for role, default in (("ss", 0), ("ii", 0.0), ("addl", 0)):
        d[role] = (
            np.nan_to_num(ctx.numbers(role, role.upper(), "write a number"), nan=default)
            if ctx.has(role)
            else default
        )
    bad = (d["addl"] > 0) & ~(d["ii"] > 0)
    for r in d.loc[bad, "source_row"]:
        problems.append(
            Problem(
                "ADDL > 0 without a positive II",
                file=raw.file,
                row=int(r),
                column=ctx.roles.get("ii", "ii"),
                fix="give the interval between doses in II",
            )
        )
    extras = rename_extras(raw.frame, set(ctx.roles.values())).reset_index(drop=True)
    d = pd.concat([d.reset_index(drop=True), extras], axis=1)
    return expand_addl(d[~bad]), dose_unit, {f"dose:{k}": v for k, v in ctx.roles.items()}
