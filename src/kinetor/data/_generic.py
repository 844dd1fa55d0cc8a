"""Generic lab tables (CSV, TSV, Excel, DataFrame): one row per sample, columns found
through the alias table (``kinetor.data.aliases``); doses on every row or in a doses
table (``_generic_doses``); subject covariates on the rows or in a subjects table. Columns
are read by role through ``_table_ctx._Ctx``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data._build import (
    Parts,
    combine_exclude,
    finish_conc,
    rename_extras,
    subject_table,
)
from kinetor.data._checks import note_no_value
from kinetor.data._factorize import factorize, first_rows
from kinetor.data._generic_doses import doses_from_rows, doses_from_table
from kinetor.data._table_ctx import _Ctx, _require
from kinetor.data._text import RawTable
from kinetor.data._units import resolve_unit
from kinetor.data._urine_checks import urine_mask, volume_unit_problem
from kinetor.data.values import classify_conc, parse_flags
from kinetor.errors import Problem

__all__ = ["read_generic"]

_UNIT_COLS = ("conc_unit", "time_unit", "dose_unit", "weight_unit")
# the dtype pandas gives a column of str cells (``str`` in pandas 3, object before)
_TEXT_DTYPE = pd.Series(np.array(["a"], dtype=object)).dtype


def _text_column(cells: np.ndarray) -> pd.Series:
    """A column known to hold str cells only, as the dtype pandas would infer for it,
    without the scan that infers it (the cells are not copied)."""
    return pd.Series(cells, dtype=_TEXT_DTYPE, copy=False)


def _conc_table(ctx: _Ctx, mw) -> tuple[pd.DataFrame, dict[str, str | None], bool]:
    """The conc table, its units, and whether the reader gave any row an exclusion
    reason (an ALQ or an empty cell)."""
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
    is_number = c["number"]
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
    if not is_number.all() and (c["limit_unit"] != "").any():
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
            # an LLOQ without its own unit is in its row's concentration unit as written
            header_unit=ctx.hunits.get("lloq") or ctx.hunits.get("conc"),
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
    res = finish_conc(c["kind"], value, limit, lloq, ctx.col("conc"), flag, is_number)
    if "conc_reported" in ctx.f.columns and "conc_reported" not in ctx.roles.values():
        # the numbers as reported of BLQ/ALQ samples (write_csv writes them)
        ctx.roles["conc_reported"] = "conc_reported"
        reported, _ = resolve_unit(
            ctx.numbers("conc_reported", "conc_reported", "write a number or leave it empty"),
            what="conc",
            column="conc_reported",
            file=ctx.file,
            rows=ctx.rows,
            row_units=ctx.unit_col("conc_unit"),
            unit_column=ctx.roles.get("conc_unit"),
            header_unit=ctx.hunits.get("conc"),
            declared=ctx.declared.get("conc"),
            target=units["conc"],
            label="conc_reported",
            report_missing=False,
            mw=mw,
            analytes=analyte,
            notes=ctx.notes,
            problems=ctx.problems,
        )
        res["conc_reported"] = np.where(np.isnan(reported), res["conc_reported"], reported)
    # a default (a role the file does not give) and the exclusion reasons are str cells
    exclude = combine_exclude(ctx.text("exclude") if ctx.has("exclude") else None, res["reason"])
    matrix = ctx.text("matrix", "PLASMA")
    if units.get("volume") and ctx.has("matrix") and urine_mask(factorize(matrix)).any():
        wrong = volume_unit_problem(units["volume"], file=ctx.file, column=ctx.roles["volume"])
        if wrong:  # reported here, naming the column; a stand-in spares a second report
            ctx.problems.append(wrong)
            units["volume"] = "mL"
    conc = pd.DataFrame(
        {
            "subject": subject,
            "time": t,
            "nominal_time": nominal,
            "conc": res["conc"],
            "blq": res["blq"],
            "lloq": res["lloq"],
            "analyte": analyte if ctx.has("analyte") else _text_column(analyte),
            "matrix": matrix if ctx.has("matrix") else _text_column(matrix),
            "exclude": _text_column(exclude),
            "source_row": ctx.rows,
            "conc_reported": res["conc_reported"],
            **extra,
        },
        copy=False,  # the arrays are this function's own
    )
    if res["any_reason"]:  # said, not only written in the exclude column
        note_no_value(conc, ctx.notes)
    return conc, units, bool(res["any_reason"])


def _subjects(
    ctx: _Ctx, groups, extra_raw: RawTable | None, roles, units, problems, notes, codes=None
):
    """``codes``: ``factorize`` of the subject column's text, when already known."""
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
    frame = (  # only the ids, their codes known: the cells as they are (no dtype scan)
        pd.DataFrame({"subject": pd.Series(cols["subject"], dtype=object, copy=False)})
        if len(cols) == 1 and codes is not None
        else pd.DataFrame(cols)
    )
    table, probs, nts = subject_table(frame, ctx.rows, ctx.file, names, codes=codes)
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
    conc, unit, conc_reasons = _conc_table(ctx, mw)
    # each subject's first row (drop_duplicates without hashing every row)
    subject = conc["subject"].to_numpy(object)
    # the same text as the subject role's cells: their codes (kept for assembly, Study)
    subject_codes = (subject, ctx.codes("subject"))
    first = first_rows(subject_codes[1][0])
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
        dtab, unit["dose"], dose_roles = doses_from_table(
            doses, roles, units, problems, notes, unit["time"], analytes
        )
        files["doses"] = doses.file
    elif ctx.has("dose"):
        dtab, unit["dose"] = doses_from_rows(ctx, unit["time"], analytes, subject_codes[1])
    else:
        dtab = pd.DataFrame(columns=["subject", "time", "dose", "route"])
        unit["dose"] = (units or {}).get("dose")
    # the subject cells of conc are the same text: their codes serve the subject table
    subj = _subjects(ctx, groups, subjects, roles, units, problems, notes, subject_codes[1])
    if subjects is not None:
        files["subjects"] = subjects.file
    used = set(ctx.roles.values()) | {g for g in (groups or []) if g in subj.columns}
    # a "profile" column (as write_csv writes it) keeps its name: the reader makes none
    extras = rename_extras(raw.frame, used, taken=conc.columns)
    conc = pd.concat([conc, extras.reset_index(drop=True)], axis=1)
    parts = Parts(conc, dtab, subj, unit, {**ctx.roles, **dose_roles}, files, notes, problems)
    parts.subject_codes = subject_codes
    # no exclusion column and no reason of the reader's: "" on every row
    exclude = "" if not ctx.has("exclude") and not conc_reasons else None
    for col, default in (("analyte", "ANALYTE"), ("matrix", "PLASMA"), ("exclude", exclude)):
        if not ctx.has(col) and default is not None and len(conc):  # codes all 0
            codes = (np.zeros(len(conc), np.intp), np.array([default], dtype=object))
            parts.column_codes[col] = (conc[col].to_numpy(object), codes)
    return parts
