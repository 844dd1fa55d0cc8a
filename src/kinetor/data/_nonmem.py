"""NONMEM-style event records: ``ID TIME DV AMT EVID MDV CMT RATE SS II ADDL`` (any case).

* ``EVID`` 0 -> sample; 1 -> dose; 4 -> reset and dose (``reset`` True on the dose); 2
  (other) and 3 (reset) -> kept in the sample table, excluded (a dose item ``AMT RATE SS
  II ADDL`` not 0 on them is a problem); a 3/4 record whose TIME is before earlier records
  of its subject (time restarted) is a problem. Without
  ``EVID``: ``AMT > 0`` is a dose, ``MDV = 1`` without a dose is "other", anything else a sample.
* ``MDV = 1`` on a sample -> excluded ("MDV=1"), unless it is flagged BLQ.
* BLQ: ``BLQ = 1`` or ``CENS = 1`` (then ``DV`` holds the LLOQ, the rxode2/nlmixr2
  convention, used as LLOQ when there is no ``LLOQ`` column), BLQ text in ``DV``, or
  ``DV`` below ``LLOQ``; ``CENS = -1`` (above the ULOQ) -> ``conc`` NaN (``DV`` kept in
  ``conc_reported``) and excluded.
* Route: a ``ROUTE`` column when present; otherwise from ``CMT`` (default rule: a dose into
  the subject's observation compartment is ``iv_bolus``, into a lower-numbered compartment
  (the depot, CMT 1 with observations in CMT 2) ``extravascular``).
* ``RATE > 0`` -> infusion of duration ``AMT / RATE``; ``RATE = -1/-2`` (modelled rate or
  duration) -> infusion with unknown duration, flagged "modelled rate"; ``SS`` and ``II``
  kept; ``ADDL`` expanded into explicit doses (same ``source_row``).
* ``C`` column set (not empty, ``.`` or 0) -> the record is commented out: kept, excluded.
* Analyte: an analyte column, else ``DVID``, else the observation compartment when there
  are several, else ``ANALYTE``. Other columns go through the alias table (species, sex,
  weight with a unit, group, unit columns) or stay as covariates.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data._build import (
    Parts,
    combine_exclude,
    expand_addl,
    finish_conc,
    join_reasons,
    rename_extras,
)
from kinetor.data._checks import note_no_value
from kinetor.data._domain import _T
from kinetor.data._generic import _subjects
from kinetor.data._nonmem_checks import dose_field_problems, id_block_problems, time_order_problems
from kinetor.data._nonmem_occasions import commented_records, resets_refused, split_occasions
from kinetor.data._resets import with_resets
from kinetor.data._table_ctx import _Ctx
from kinetor.data._text import RawTable
from kinetor.data._units import resolve_unit
from kinetor.data.routes import normalise_route
from kinetor.data.values import classify_conc
from kinetor.errors import DataError, Problem

__all__ = ["NONMEM_COLUMNS", "read_nonmem"]

NONMEM_COLUMNS = (
    "ID",
    "TIME",
    "DV",
    "AMT",
    "EVID",
    "MDV",
    "CMT",
    "RATE",
    "SS",
    "II",
    "ADDL",
    "BLQ",
    "CENS",
    "LIMIT",
    "LLOQ",
    "DVID",
    "ROUTE",
    "C",
)
_EXTRA_ROLES = (
    "species",
    "sex",
    "weight",
    "group",
    "analyte",
    "matrix",
    "conc_unit",
    "time_unit",
    "dose_unit",
    "weight_unit",
)


def _num(t: _T, var: str, problems, default: float) -> np.ndarray:
    if not t.has(var):
        return np.full(len(t.f), default)
    v = t.numbers(var, problems, var)
    return np.where(np.isnan(v), default, v)


def _routes(t: _T, evid, cmt, dose_rec, subject, notes):
    """Route per record: ROUTE column, else the CMT rule."""
    if t.has("ROUTE"):
        raw = t.text("ROUTE")
        return pd.Series(raw).map({r: normalise_route(r) or "" for r in pd.unique(raw)}).to_numpy(
            dtype=object
        ), raw
    n = len(evid)
    if not t.has("CMT"):
        notes.append(f"{t.file}: no ROUTE and no CMT column: dose routes unknown")
        return np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    obs = (evid == 0) & ~np.isnan(cmt)
    counts = pd.DataFrame({"s": subject[obs], "c": cmt[obs]}).value_counts().reset_index()
    overall = counts.groupby("c")["count"].sum().idxmax() if len(counts) else np.nan
    per = counts.drop_duplicates("s").set_index("s")["c"]  # most frequent CMT per subject
    obs_cmt = pd.Series(subject).map(per).fillna(overall).to_numpy(float)
    route = np.where(cmt == obs_cmt, "iv_bolus", np.where(cmt < obs_cmt, "extravascular", ""))
    raw = np.full(n, "", dtype=object)
    raw[dose_rec] = [
        f"CMT={c:g} (observations in CMT={o:g})"
        for c, o in zip(cmt[dose_rec], obs_cmt[dose_rec], strict=True)
    ]
    if dose_rec.any():
        notes.append(
            f"{t.file}: routes from CMT (dose into the observation compartment = "
            f"iv_bolus, into a lower-numbered compartment = extravascular)"
        )
    return route.astype(object), raw


def read_nonmem(
    raw: RawTable, *, units=None, roles=None, mw=None, groups=None, occasions=False
) -> Parts:
    """Read a NONMEM-style data set into ``Parts`` (see module docstring); ``occasions``:
    see :mod:`kinetor.data._nonmem_occasions`."""
    raw = raw.as_text()
    if occasions:
        raw = split_occasions(raw)
    problems: list[Problem] = list(raw.problems)
    notes: list[str] = list(raw.notes)
    t = _T(raw)
    for var in ("ID", "TIME", "DV"):
        t.need(var, problems)
    if problems and not all(t.has(v) for v in ("ID", "TIME", "DV")):
        raise DataError(problems)
    extra_roles = {k: v for k, v in (roles or {}).items() if k in _EXTRA_ROLES}
    ctx = _Ctx(
        RawTable(raw.frame, raw.rows, raw.file),
        extra_roles,
        units,
        problems,
        [],
        allowed=_EXTRA_ROLES,
    )
    ctx.roles["subject"] = t.names["ID"]
    n = len(raw.frame)
    subject = t.text("ID")
    amt = _num(t, "AMT", problems, 0.0)
    mdv = _num(t, "MDV", problems, 0.0)
    if t.has("EVID"):
        evid = _num(t, "EVID", problems, 0.0)
        bad = ~np.isin(evid, [0, 1, 2, 3, 4])
        problems += [
            Problem(
                f"EVID must be 0-4, got {v:g}",
                file=t.file,
                row=int(r),
                column=t.names["EVID"],
                fix="use 0 (sample), 1 (dose), 2, 3, 4",
            )
            for r, v in zip(t.rows[bad], evid[bad], strict=True)
        ]
    else:
        evid = np.where(amt > 0, 1.0, np.where(mdv == 1, 2.0, 0.0))
    commented = commented_records(t)
    dose_rec = np.isin(evid, [1, 4]) & ~commented
    time, time_unit = resolve_unit(
        t.numbers("TIME", problems, "TIME"),
        what="time",
        column=t.names["TIME"],
        file=t.file,
        rows=t.rows,
        row_units=ctx.unit_col("time_unit"),
        unit_column=ctx.roles.get("time_unit"),
        declared=(units or {}).get("time"),
        notes=notes,
        problems=problems,
    )
    problems += resets_refused(t, subject, time, evid, commented)
    problems += id_block_problems(t, subject, commented)
    problems += time_order_problems(t, subject, time, evid, commented)
    cmt = _num(t, "CMT", problems, np.nan)
    # analyte
    if ctx.has("analyte"):
        analyte = ctx.text("analyte", "ANALYTE")
    elif t.has("DVID"):
        analyte = np.array(["DVID " + v if v else "ANALYTE" for v in t.text("DVID")], dtype=object)
    elif len(pd.unique(cmt[(evid == 0) & ~np.isnan(cmt)])) > 1:
        analyte = np.array([f"CMT {c:g}" for c in cmt], dtype=object)
    else:
        analyte = np.full(n, "ANALYTE", dtype=object)
    # samples
    dv = t.col("DV")
    c = classify_conc(dv)
    sample = (evid == 0) & ~commented
    bad = (c["kind"] == "bad") & sample
    problems += [
        Problem(
            f"DV is neither a finite number nor recognised BLQ text: {v!r}",
            file=t.file,
            row=int(r),
            column=t.names["DV"],
            fix="write DV as a number",
        )
        for r, v in zip(t.rows[bad], dv[bad], strict=True)
    ]
    combined = np.where(np.isnan(c["value"]), c["limit"], c["value"])
    combined, conc_unit = resolve_unit(
        np.where(evid == 0, combined, np.nan),  # a commented record keeps its DV
        what="conc",
        column=t.names["DV"],
        file=t.file,
        rows=t.rows,
        row_units=ctx.unit_col("conc_unit"),
        unit_column=ctx.roles.get("conc_unit"),
        declared=(units or {}).get("conc"),
        mw=mw,
        analytes=analyte,
        notes=notes,
        problems=problems,
    )
    lloq_raw = _num(t, "LLOQ", problems, np.nan)
    cens = _num(t, "CENS", problems, 0.0)
    flag = (_num(t, "BLQ", problems, 0.0) == 1) | (cens == 1)
    if not (t.has("BLQ") or t.has("CENS")):
        flag = None  # no flag column: a value below its LLOQ is BLQ (the documented rule)
    number = c["kind"] == "number"
    lloq_raw = np.where(
        np.isnan(lloq_raw) & (cens == 1) & ~t.has("LLOQ"),
        np.where(number, c["value"], np.nan),
        lloq_raw,
    )
    lloq, _ = resolve_unit(
        lloq_raw,
        what="conc",
        column=t.names.get("LLOQ", "CENS"),
        file=t.file,
        rows=t.rows,
        row_units=ctx.unit_col("conc_unit"),
        unit_column=ctx.roles.get("conc_unit"),
        header_unit=conc_unit,
        declared=(units or {}).get("conc"),
        target=conc_unit,
        label="LLOQ",
        report_missing=False,
        mw=mw,
        analytes=analyte,
        notes=notes,
        problems=problems,
    )
    res = finish_conc(
        c["kind"],
        np.where(number, combined, np.nan),
        np.where(number, np.nan, combined),
        lloq,
        dv,
        flag,
    )
    reasons = join_reasons(
        np.where(commented, "commented out (C column)", ""),
        np.where(
            ~commented & (evid != 0) & ~dose_rec,
            np.where(
                evid == 2,
                "EVID=2 (other event)",
                np.where(
                    evid == 3,
                    "EVID=3 (reset)",
                    "EVID=" + pd.Series(evid).map("{:g}".format).to_numpy(dtype=object),
                ),
            ),
            "",
        ),
        np.where(sample & (mdv == 1) & ~res["blq"], "MDV=1", ""),
        np.where(sample & (cens == -1), "above the upper limit of quantification (CENS=-1)", ""),
    )
    exclude = combine_exclude(reasons, np.where(sample, res["reason"], ""))
    conc = pd.DataFrame(
        {
            "subject": subject,
            "time": time,
            "nominal_time": np.nan,
            "conc": np.where(sample & (cens != -1), res["conc"], np.nan),
            "blq": res["blq"] & sample,
            "lloq": res["lloq"],
            "analyte": analyte,
            "matrix": ctx.text("matrix", "PLASMA"),
            "exclude": exclude,
            "source_row": t.rows,
            "conc_reported": np.where(evid == 0, res["conc_reported"], np.nan),
        }
    )
    t.used |= {t.names[v] for v in NONMEM_COLUMNS if t.has(v)} - {t.names.get("DV")}
    used = t.used | set(ctx.roles.values())
    if ctx.has("weight") and not (
        ctx.has("weight_unit") or ctx.hunits.get("weight") or ctx.declared.get("weight")
    ):  # a weight without a unit is not body weight: it stays a covariate column (WT)
        used -= {ctx.roles["weight"]}
    conc = pd.concat([conc, rename_extras(raw.frame, used).reset_index(drop=True)], axis=1)
    conc = conc[~dose_rec].reset_index(drop=True)
    note_no_value(conc, notes)
    doses, dose_unit = _doses(
        t, ctx, dose_rec, evid, subject, time, amt, cmt, analyte, units, problems, notes
    )
    doses = with_resets(doses, evid, commented, subject, time, dose_rec, t, notes)
    subj = _subjects(ctx, groups, None, roles, units, problems, notes)
    roles_out = {
        "subject": t.names["ID"],
        "time": t.names["TIME"],
        "conc": t.names["DV"],
        "dose:dose": t.names.get("AMT", "AMT"),
        "dose:time": t.names["TIME"],
        "dose:route": t.names.get("ROUTE", t.names.get("CMT", "CMT")),
        "dose:duration": t.names.get("RATE", "RATE"),
        **ctx.roles,
    }
    if t.has("LLOQ"):
        roles_out["lloq"] = t.names["LLOQ"]
    files = {"conc": raw.file, "doses": raw.file, "subjects": raw.file}
    return Parts(
        conc,
        doses,
        subj,
        {"time": time_unit, "conc": conc_unit, "dose": dose_unit},
        roles_out,
        files,
        notes,
        problems,
    )


def _doses(t, ctx, dose_rec, evid, subject, time, amt, cmt, analyte, units, problems, notes):
    amt_conv, dose_unit = resolve_unit(
        np.where(dose_rec, amt, np.nan),
        what="dose",
        column=t.names.get("AMT", "AMT"),
        file=t.file,
        rows=t.rows,
        row_units=ctx.unit_col("dose_unit"),
        unit_column=ctx.roles.get("dose_unit"),
        declared=(units or {}).get("dose"),
        notes=notes,
        problems=problems,
    )
    route, route_raw = _routes(t, evid, cmt, dose_rec, subject, notes)
    rate = _num(t, "RATE", problems, 0.0)
    intravascular = np.isin(route, ["iv_bolus", "iv_infusion"])
    infused = (rate != 0) & intravascular
    route = np.where(infused, "iv_infusion", route)
    with np.errstate(divide="ignore", invalid="ignore"):
        duration = np.where(rate > 0, amt / rate, np.where(rate < 0, np.nan, 0.0))
    flag = np.where(
        rate == -1,
        "modelled rate (RATE=-1)",
        np.where(rate == -2, "modelled duration (RATE=-2)", ""),
    )
    if ((rate > 0) & ~intravascular & dose_rec).any():
        notes.append(
            f"{t.file}: RATE > 0 on extravascular doses: zero-order input, duration AMT/RATE kept"
        )
    ii = _num(t, "II", problems, 0.0)
    addl = _num(t, "ADDL", problems, 0.0)
    ss = _num(t, "SS", problems, 0.0)
    problems += dose_field_problems(t, dose_rec, ss, ii, addl, evid, amt, rate)
    bad = dose_rec & (addl > 0) & ~(ii > 0)
    problems += [
        Problem(
            "ADDL > 0 without a positive II",
            file=t.file,
            row=int(r),
            column=t.names.get("II", "II"),
            fix="give the dosing interval in II",
        )
        for r in t.rows[bad]
    ]
    single = pd.unique(analyte[evid == 0])
    d = pd.DataFrame(
        {
            "subject": subject,
            "time": time,
            "dose": amt_conv,
            "route": route,
            "duration": duration,
            "analyte": single[0] if len(single) == 1 else "",
            "ss": ss.astype(int),
            "ii": ii,
            "addl": np.where(bad | (addl < 0) | (addl % 1 != 0), 0, addl).astype(int),
            "route_raw": route_raw,
            "source_row": t.rows,
            "reset": evid == 4,
            "flag": flag,
        }
    )[dose_rec]
    return expand_addl(d), dose_unit
