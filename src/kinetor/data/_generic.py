"""Generic lab tables (CSV, TSV, Excel, DataFrame): one row per sample, columns found
through the alias table (``kinetor.data.aliases``); doses on every row or in a doses
table; subject covariates on the rows or in a subjects table."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data._build import (
    Parts,
    combine_exclude,
    expand_addl,
    finish_conc,
    rename_extras,
    subject_table,
)
from kinetor.data._factorize import factorize, first_rows
from kinetor.data._text import RawTable, cells_as_text
from kinetor.data._units import resolve_unit
from kinetor.data.aliases import guess_roles
from kinetor.data.routes import normalise_route
from kinetor.data.values import classify_conc, parse_flags, parse_numbers
from kinetor.errors import DataError, Problem

__all__ = ["read_generic"]

_UNIT_COLS = ("conc_unit", "time_unit", "dose_unit", "weight_unit")


class _Ctx:
    """The table being read, its roles and where problems go."""

    def __init__(
        self,
        raw: RawTable,
        roles,
        units,
        problems,
        notes,
        allowed=None,
        own_roles_only: bool = False,
    ):
        self.raw, self.f, self.rows, self.file = raw, raw.frame, raw.rows, raw.file
        if own_roles_only:  # a doses/subjects table: overrides that name its columns
            roles = {k: v for k, v in (roles or {}).items() if v in raw.frame.columns}
        self.roles, self.hunits, errs = guess_roles(raw.frame.columns, roles, allowed)
        problems += [Problem(p.message, file=raw.file, column=p.column, fix=p.fix) for p in errs]
        problems += raw.problems
        notes += raw.notes
        self.declared = units or {}
        self.problems, self.notes = problems, notes

    def has(self, role: str) -> bool:
        return role in self.roles

    def col(self, role: str) -> pd.Series:
        return self.f[self.roles[role]]

    def text(self, role: str, default: str = "") -> np.ndarray:
        if not self.has(role):
            out = np.empty(len(self.f), dtype=object)
            out.fill(default)  # much faster than np.full for an object array
            return out
        s = self.raw.text(self.roles[role]).to_numpy(dtype=object)  # stripped text
        if default == "":  # nothing to fill in
            return s.copy()
        empty = s == ""
        return np.where(empty, default, s).astype(object) if empty.any() else s.copy()

    def cells(self, role: str, mask: np.ndarray) -> list[str]:
        """The cells of ``role`` on the rows of ``mask``, as written (for messages)."""
        return cells_as_text(self.col(role)[mask]).tolist()

    def unit_col(self, role: str):
        return self.text(role) if self.has(role) else None

    def numbers(self, role: str, what: str, fix: str) -> np.ndarray:
        values, _, bad = parse_numbers(self.col(role))
        for r, v in zip(self.rows[bad], self.cells(role, bad), strict=True):
            self.problems.append(
                Problem(
                    f"{what} is not a finite number: {v!r}",
                    file=self.file,
                    row=int(r),
                    column=self.roles[role],
                    fix=fix,
                )
            )
        return values

    def quantity(self, role: str, what: str, unit_role: str, unit_name: str, **kw):
        """Numbers of a role converted to one unit: ``(values, unit)``."""
        values = self.numbers(role, what, f"write the {what} as a number")
        return resolve_unit(
            values,
            what=unit_name,
            column=self.roles[role],
            file=self.file,
            rows=self.rows,
            row_units=self.unit_col(unit_role),
            unit_column=self.roles.get(unit_role),
            header_unit=self.hunits.get(role),
            declared=self.declared.get(unit_name),
            notes=self.notes,
            problems=self.problems,
            **kw,
        )


def _require(ctx: _Ctx, needed: list[list[str]], what: str) -> None:
    missing = [alts for alts in needed if not any(ctx.has(r) for r in alts)]
    if missing:
        raise DataError(
            [
                Problem(
                    f"no {' or '.join(alts)} column found in the {what}",
                    file=ctx.file,
                    column=alts[0],
                    fix=f"name a column '{alts[0]}' or map one with --map "
                    f"{alts[0]}=YourColumn (Python: roles={{'{alts[0]}': 'YourColumn'}}); columns "
                    f"are: {', '.join(ctx.f.columns)}",
                )
                for alts in missing
            ]
            + ctx.problems
        )


def _conc_table(ctx: _Ctx, mw) -> tuple[pd.DataFrame, dict[str, str | None]]:
    n = len(ctx.f)
    subject = ctx.text("subject")
    for r in ctx.rows[subject == ""]:
        ctx.problems.append(
            Problem(
                "missing subject id",
                file=ctx.file,
                row=int(r),
                column=ctx.roles["subject"],
                fix="fill in the subject id",
            )
        )
    analyte = ctx.text("analyte", "ANALYTE")
    units: dict[str, str | None] = {}
    nan = np.full(n, np.nan)
    tcol = "time" if ctx.has("time") else "nominal_time"
    t, units["time"] = ctx.quantity(tcol, "time", "time_unit", "time")
    nominal = nan
    if ctx.has("time") and ctx.has("nominal_time"):
        nominal, _ = ctx.quantity(
            "nominal_time", "nominal time", "time_unit", "time", target=units["time"]
        )
    elif tcol == "nominal_time":
        nominal, t = t, nan
    extra: dict[str, np.ndarray] = {}
    if ctx.has("end_time"):  # urine collections: end of the collection interval
        extra["end_time"], _ = ctx.quantity(
            "end_time", "collection end time", "time_unit", "time", target=units["time"]
        )
    if ctx.has("volume"):  # urine collections: collected volume (unit kept as given)
        extra["volume"] = ctx.numbers("volume", "collection volume", "write the volume as a number")
        units["volume"] = ctx.hunits.get("volume") or ctx.declared.get("volume")
    c = classify_conc(ctx.col("conc"))
    is_number = c["kind"] == "number"
    bad = np.zeros(n, bool)
    bad[~is_number] = c["kind"][~is_number] == "bad"
    for r, v in zip(ctx.rows[bad], ctx.cells("conc", bad), strict=True):
        ctx.problems.append(
            Problem(
                f"concentration is neither a finite number nor recognised BLQ text: {v!r}",
                file=ctx.file,
                row=int(r),
                column=ctx.roles["conc"],
                fix="write a number, or BLQ text such as 'BLQ', '<LLOQ', '<0.5', 'ND'",
            )
        )
    combined = np.where(np.isnan(c["value"]), c["limit"], c["value"])
    row_units = ctx.unit_col("conc_unit")
    if (c["limit_unit"] != "").any():
        base = row_units if row_units is not None else np.full(n, "", dtype=object)
        row_units = np.where(c["limit_unit"] != "", c["limit_unit"], base)
    combined, units["conc"] = resolve_unit(
        combined,
        what="conc",
        column=ctx.roles["conc"],
        file=ctx.file,
        rows=ctx.rows,
        row_units=row_units,
        unit_column=ctx.roles.get("conc_unit"),
        header_unit=ctx.hunits.get("conc"),
        declared=ctx.declared.get("conc"),
        mw=mw,
        analytes=analyte,
        notes=ctx.notes,
        problems=ctx.problems,
    )
    value = np.where(is_number, combined, np.nan)
    limit = np.where(~is_number, combined, np.nan)
    lloq = nan
    if ctx.has("lloq"):
        lloq_raw = ctx.numbers("lloq", "LLOQ", "write the LLOQ as a number")
        lloq, _ = resolve_unit(
            lloq_raw,
            what="conc",
            column=ctx.roles["lloq"],
            file=ctx.file,
            rows=ctx.rows,
            row_units=ctx.unit_col("conc_unit"),
            unit_column=ctx.roles.get("conc_unit"),
            header_unit=ctx.hunits.get("lloq") or units["conc"],
            declared=ctx.declared.get("conc"),
            target=units["conc"],
            label="LLOQ",
            report_missing=False,
            mw=mw,
            analytes=analyte,
            notes=ctx.notes,
            problems=ctx.problems,
        )
    flag = None
    if ctx.has("blq"):
        flag, bad = parse_flags(ctx.col("blq"))
        for r, v in zip(ctx.rows[bad], ctx.cells("blq", bad), strict=True):
            ctx.problems.append(
                Problem(
                    f"BLQ flag is not yes/no: {v!r}",
                    file=ctx.file,
                    row=int(r),
                    column=ctx.roles["blq"],
                    fix="use Y/N, 1/0 or TRUE/FALSE",
                )
            )
    res = finish_conc(c["kind"], value, limit, lloq, ctx.col("conc"), flag)
    conc = pd.DataFrame(
        {
            "subject": subject,
            "time": t,
            "nominal_time": nominal,
            "conc": res["conc"],
            "blq": res["blq"],
            "lloq": res["lloq"],
            "analyte": analyte,
            "matrix": ctx.text("matrix", "PLASMA"),
            "exclude": combine_exclude(
                ctx.text("exclude") if ctx.has("exclude") else None, res["reason"]
            ),
            "source_row": ctx.rows,
            "conc_reported": res["conc_reported"],
            **extra,
        }
    )
    return conc, units


def _dose_fields(ctx: _Ctx, time_role: str | None, time_unit: str | None) -> pd.DataFrame:
    cols, dose_unit = _dose_arrays(ctx, time_role, time_unit)
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
    codes, uniq = factorize(route_raw)  # a few distinct routes: normalised once each
    route = np.array([normalise_route(r) or "" for r in uniq] + [""], dtype=object)[codes]
    # an empty duration is 0 for a bolus or an oral dose, unknown for an infusion
    dur = np.where(np.isnan(dur) & (route != "iv_infusion"), 0.0, dur)
    return {
        "subject": ctx.text("subject"),
        "time": t,
        "dose": dose,
        "route": route,
        "duration": dur,
        "route_raw": route_raw,
        "source_row": ctx.rows,
    }, dose_unit


def _doses_from_rows(ctx: _Ctx, time_unit, analytes) -> tuple[pd.DataFrame, str | None]:
    d, dose_unit = _dose_arrays(ctx, "dose_time" if ctx.has("dose_time") else None, time_unit)
    missing = parse_numbers(ctx.col("dose"))[1]
    keep = ~missing & (d["subject"] != "")
    key = ["subject", "time", "dose", "route", "duration"]
    # the dose repeats on every sample row: keep each distinct record's first row. A
    # record's first row always differs from the row above it, so only those rows (one
    # per run of equal records: ~ one per subject) are factorized (one hash pass per
    # column over them, no row tuples)
    cols = {k: d[k] for k in key}
    n = len(keep)
    change = np.ones(n, bool)
    if n > 1:
        same = keep[:-1].copy()  # a row after a dropped row starts a run
        for v in cols.values():
            same &= v[1:] == v[:-1]  # NaN != NaN: a run break, harmless
        change[1:] = ~same
    cand = np.flatnonzero(change & keep)
    code = np.zeros(len(cand), np.int64)
    for k in key:
        kc, ku = pd.factorize(cols[k][cand])
        code = pd.factorize(code * (len(ku) + 1) + kc + 1)[0].astype(np.int64)
    first = cand[np.sort(np.unique(code, return_index=True)[1])]
    # the table is built on those rows only (the rows of the file hold ~ one per sample)
    uniq = _frame({k: v[first] for k, v in d.items()})
    uniq.index = first
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
    return uniq.reset_index(drop=True), dose_unit


def _doses_from_table(raw: RawTable, roles, units, problems, notes, time_unit, analytes):
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


def _subjects(ctx: _Ctx, groups, extra_raw: RawTable | None, roles, units, problems, notes):
    cols = {"subject": ctx.text("subject")}
    names = {}
    for role in ("species", "sex", "group"):
        if ctx.has(role):
            cols[role] = ctx.text(role)
            names[role] = ctx.roles[role]
    if ctx.has("weight"):
        unit_known = (
            ctx.has("weight_unit") or ctx.hunits.get("weight") or ctx.declared.get("weight")
        )
        if unit_known:
            w, _ = ctx.quantity("weight", "weight", "weight_unit", "weight", target="kg")
            cols["weight"] = w
            names["weight"] = ctx.roles["weight"]
        else:
            notes.append(
                f"weight: column {ctx.roles['weight']!r} has no unit, so it is "
                f"kept as a covariate; write 'Weight (kg)' or pass "
                f"units={{'weight': 'kg'}} to use it as body weight"
            )
            del ctx.roles["weight"]
    for g in groups or []:
        if g in ctx.f.columns and g not in cols:
            cols[g] = ctx.raw.text(g).to_numpy(dtype=object)
    table, probs, nts = subject_table(pd.DataFrame(cols), ctx.rows, ctx.file, names)
    problems += probs
    notes += nts
    if extra_raw is not None:
        sctx = _Ctx(extra_raw, roles, units, problems, notes, own_roles_only=True)
        _require(sctx, [["subject"]], "subjects table")
        more = _subjects_file(sctx, problems, notes)
        more = more.replace("", np.nan).set_index("subject")
        table = more.combine_first(table.set_index("subject")).reset_index()
    return table


def _subjects_file(sctx: _Ctx, problems, notes):
    """A subjects table read on its own (one row per subject, covariates kept)."""
    used = {
        sctx.roles[r]
        for r in ("subject", "species", "sex", "group", "weight", "weight_unit")
        if sctx.has(r)
    }
    cols = {"subject": sctx.text("subject")}
    for role in ("species", "sex", "group"):
        if sctx.has(role):
            cols[role] = sctx.text(role)
    if sctx.has("weight") and (
        sctx.has("weight_unit") or sctx.hunits.get("weight") or sctx.declared.get("weight")
    ):
        cols["weight"], _ = sctx.quantity("weight", "weight", "weight_unit", "weight", target="kg")
    elif sctx.has("weight"):
        used.discard(sctx.roles["weight"])
    frame = pd.DataFrame(cols)
    extras = rename_extras(sctx.f, used)
    frame = pd.concat([frame, extras.reset_index(drop=True)], axis=1)
    table, probs, nts = subject_table(
        frame, sctx.rows, sctx.file, {r: sctx.roles[r] for r in cols if r in sctx.roles}
    )
    problems += probs
    notes += nts
    return table


_CONC_ROLES = (
    "subject",
    "time",
    "nominal_time",
    "end_time",
    "volume",
    "conc",
    "dose",
    "dose_time",
    "route",
    "duration",
    "group",
    "analyte",
    "matrix",
    "lloq",
    "blq",
    "exclude",
    "species",
    "sex",
    "weight",
    *_UNIT_COLS,
)
_ROW_DOSE_ROLES = ("dose", "route", "dose_time", "duration", "dose_unit")


def read_generic(
    raw: RawTable,
    *,
    roles=None,
    units=None,
    groups=None,
    mw=None,
    doses: RawTable | None = None,
    subjects: RawTable | None = None,
) -> Parts:
    """Read a generic lab table into ``Parts`` (see module docstring)."""
    problems: list[Problem] = []
    notes: list[str] = []
    ctx = _Ctx(raw, roles, units, problems, notes, allowed=_CONC_ROLES)
    _require(ctx, [["subject"], ["conc"], ["time", "nominal_time"]], "concentration table")
    conc, unit = _conc_table(ctx, mw)
    # each subject's first row (drop_duplicates without hashing every row)
    first = first_rows(factorize(conc["subject"].to_numpy(object))[0])
    analytes = conc.iloc[first].set_index("subject")["analyte"]
    files = {"conc": raw.file, "doses": raw.file, "subjects": raw.file}
    dose_roles: dict[str, str] = {}
    if doses is not None:
        if ctx.has("dose"):
            notes.append(
                f"dose: the doses table {doses.file} is used; the dose column "
                f"{ctx.roles['dose']!r} of {raw.file} is kept as a covariate"
            )
        for r in _ROW_DOSE_ROLES:
            ctx.roles.pop(r, None)
        dtab, unit["dose"], dose_roles = _doses_from_table(
            doses, roles, units, problems, notes, unit["time"], analytes
        )
        files["doses"] = doses.file
    elif ctx.has("dose"):
        dtab, unit["dose"] = _doses_from_rows(ctx, unit["time"], analytes)
    else:
        dtab = pd.DataFrame(columns=["subject", "time", "dose", "route"])
        unit["dose"] = (units or {}).get("dose")
    subj = _subjects(ctx, groups, subjects, roles, units, problems, notes)
    if subjects is not None:
        files["subjects"] = subjects.file
    used = set(ctx.roles.values()) | {g for g in (groups or []) if g in subj.columns}
    extras = rename_extras(raw.frame, used)
    conc = pd.concat([conc, extras.reset_index(drop=True)], axis=1)
    return Parts(conc, dtab, subj, unit, {**ctx.roles, **dose_roles}, files, notes, problems)
