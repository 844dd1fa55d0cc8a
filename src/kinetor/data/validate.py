"""Validation of a built ``Study``: every violation collected, none raised one at a time.

``validate_study`` returns a list of ``Problem`` (empty when the study is fine); readers
add the checks that need the raw file (non-numeric cells, unparseable times, unknown
units, conflicting subject covariates) and raise one ``DataError`` with everything.

Rules (docs/data.md):

==========================================  =============================================
check                                       where
==========================================  =============================================
time/conc/dose units of the right kind      ``units``
negative concentration                      ``conc`` (every row)
no time at all (actual and nominal NaN)     ``conc`` rows not excluded
duplicate time in a profile                 subject x analyte x matrix x time, rows not
                                            excluded; each row names the others
LLOQ <= 0                                   ``conc``
subject with concentrations and no dose     first included row of that subject
dose <= 0 or missing, missing dose time     ``doses``
route missing or not recognised             ``doses``
infusion without a duration                 ``doses`` (unless flagged, e.g. NONMEM
                                            modelled rate)
weight <= 0                                 ``subjects``
a subject listed twice with different       ``subjects``
species/sex/group
urine volume unit that is not a volume;     ``conc`` URINE rows not excluded (the
collection without end or volume, ending    checks urine NCA makes,
at or before its start, negative volume,    ``kinetor.data._urine_checks``)
overlapping another of its profile
==========================================  =============================================

Examples
--------
>>> import pandas as pd
>>> from kinetor.data import Study
>>> st = Study(pd.DataFrame({"subject": ["1", "1"], "time": [1.0, 1.0],
...                          "conc": [5.0, -2.0]}),
...            pd.DataFrame({"subject": ["1"], "time": [0.0], "dose": [1.0],
...                          "route": ["PO"]}),
...            units={"time": "h", "conc": "ng/mL", "dose": "mg/kg"})
>>> for p in validate_study(st):
...     print(p.row, p.column, p.message)
2 conc negative concentration -2
1 time duplicate time 1 in the profile of subject '1' (ANALYTE, PLASMA): also row(s) 2
2 time duplicate time 1 in the profile of subject '1' (ANALYTE, PLASMA): also row(s) 1
1 route route 'PO' is not one of iv_bolus, iv_infusion, extravascular
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data._factorize import factorize, row_codes, rows_equal, strictly_increasing
from kinetor.data._urine_checks import study_urine_problems
from kinetor.data.routes import ROUTES
from kinetor.errors import Problem, UnitError
from kinetor.units import parse_unit

__all__ = ["validate_study"]

_DIMS = {
    "time": ({"[time]"}, "a time unit such as 'h', 'min' or 'day'"),
    # tissue matrices (tumour, brain) are reported per gram: ng/g, nmol/g
    "conc": (
        {"[mass] / [length] ** 3", "[substance] / [length] ** 3", "", "[substance] / [mass]"},
        "a concentration unit such as 'ng/mL', 'nM' or (tissue) 'ng/g'",
    ),
    "dose": (
        {"[mass]", "", "[mass] / [length] ** 2", "[substance]", "[substance] / [mass]"},
        "a dose unit such as 'mg', 'mg/kg', 'mg/m2' or 'umol/kg'",
    ),
}


def _units(study) -> list[Problem]:
    out = []
    for what, (dims, hint) in _DIMS.items():
        text = study.units.get(what)
        try:
            dim = str(parse_unit(text).dimensionality) if text else None
        except UnitError:
            dim = None
        if dim is None or (dim not in dims and dim.replace("dimensionless", "") not in dims):
            out.append(
                Problem(
                    f"{what} unit {text!r}{f' ({dim})' if dim else ''} is not {hint}",
                    file=study.source,
                    fix=f"give --{what}-unit (Python: units={{'{what}': ...}}) with {hint}",
                )
            )
    return out


def _col(study, role: str, default: str) -> str:
    return study.roles.get(role, default)


def _conc(study, subject_codes=None) -> list[Problem]:
    c = study.conc
    if subject_codes is None:
        subject_codes = factorize(c["subject"].to_numpy(object))
    file = study.files.get("conc", study.source)
    rows = c["source_row"].to_numpy()
    out = []
    conc = c["conc"].to_numpy(float)
    for r, v in zip(rows[conc < 0], conc[conc < 0], strict=True):
        out.append(
            Problem(
                f"negative concentration {v:g}",
                file=file,
                row=int(r),
                column=_col(study, "conc", "conc"),
                fix="concentrations must be >= 0; correct the value or exclude the row",
            )
        )
    included = rows_equal(study._conc_codes("exclude"), "")  # filled: no missing cell
    t = c["time"].to_numpy(float)
    nominal = c["nominal_time"].to_numpy(float)
    t_any = np.where(np.isnan(t), nominal, t)
    no_time = included & np.isnan(t_any)
    for r in rows[no_time]:
        out.append(
            Problem(
                "no time for this sample",
                file=file,
                row=int(r),
                column=_col(study, "time", "time"),
                fix="give the sample time (or exclude the row)",
            )
        )
    bad_t = ~np.isnan(t_any) & ~np.isfinite(t_any)
    for r in rows[bad_t]:
        out.append(
            Problem(
                "time is not finite",
                file=file,
                row=int(r),
                column=_col(study, "time", "time"),
                fix="give a finite time",
            )
        )
    lloq = c["lloq"].to_numpy(float)
    for r, v in zip(rows[lloq <= 0], lloq[lloq <= 0], strict=True):
        out.append(
            Problem(
                f"LLOQ must be > 0, got {v:g}",
                file=file,
                row=int(r),
                column=_col(study, "lloq", "lloq"),
                fix="give the assay's lower limit of quantification",
            )
        )
    keys = ["subject", "analyte", "matrix"]
    timed = included & ~np.isnan(t_any)
    # one integer per (subject, analyte, matrix, time): factorized object arrays (fast),
    # the subject as its codes (integers compare faster than strings)
    if timed.all():  # the usual case: the Study's key codes (kept for the NCA)
        code = study._key_codes().astype(np.int64)
    else:
        cols = [subject_codes[0], *(c[k].to_numpy(object) for k in keys[1:])]
        code = row_codes([v[timed] for v in cols]).astype(np.int64)
    if strictly_increasing(code, t_any[timed]):  # the usual layout: no duplicate
        return out
    tc, tu = pd.factorize(t_any[timed])
    code = code * (len(tu) + 1) + tc
    dup_mask = pd.Series(code).duplicated(keep=False).to_numpy()
    if not dup_mask.any():
        return out
    # rows of one group together, groups in order of their first row: linear in the rows.
    # A group of up to `each` rows is reported on each row (naming the others), a larger
    # one once, at its first row, with its rows capped (3,000 copies of a row: one problem)
    each = 10
    idx = np.flatnonzero(timed)[dup_mask]
    group = pd.factorize(code[dup_mask])[0]
    order = np.argsort(group, kind="stable")
    starts = np.flatnonzero(np.r_[True, np.diff(group[order]) != 0])
    src = rows[idx[order]]
    ids = {k: c[k].to_numpy(object)[idx[order]] for k in keys}
    times = t_any[idx[order]]
    col = _col(study, "time", "time")
    fix = "keep one sample per time, or exclude the replicate"
    for a, b in zip(starts, [*starts[1:], len(order)], strict=True):
        what = (
            f"duplicate time {times[a]:g} in the profile of subject {ids['subject'][a]!r} "
            f"({ids['analyte'][a]}, {ids['matrix'][a]})"
        )
        members = src[a:b]
        if len(members) > each:  # one problem for the group, its rows capped
            shown = ", ".join(str(int(r)) for r in members[:each])
            out.append(
                Problem(
                    f"{what}: {len(members)} rows, row(s) {shown} and {len(members) - each} more",
                    file=file,
                    row=int(members[0]),
                    column=col,
                    fix="keep one sample per time, or exclude the replicates",
                )
            )
            continue
        for i, r in enumerate(members):
            others = ", ".join(str(int(o)) for j, o in enumerate(members) if j != i)
            out.append(
                Problem(f"{what}: also row(s) {others}", file=file, row=int(r), column=col, fix=fix)
            )
    return out


def _doses(study) -> list[Problem]:
    d = study.doses
    file = study.files.get("doses", study.source)
    rows = d["source_row"].to_numpy()
    flag = (
        (d["flag"].astype("string").fillna("") != "").to_numpy()
        if "flag" in d.columns
        else np.zeros(len(d), bool)
    )
    dose = d["dose"].to_numpy(float)
    t = d["time"].to_numpy(float)
    route = d["route"].astype(str).to_numpy()
    raw = d["route_raw"].astype("string").fillna("").to_numpy(dtype=object)
    dur = d["duration"].to_numpy(float)
    col = {
        k: _col(study, f"dose:{k}", _col(study, k, k))
        for k in ("dose", "time", "route", "duration")
    }
    out = []
    bad = ~(dose > 0)
    out += [
        Problem(
            f"dose must be > 0, got {v:g}",
            file=file,
            row=int(r),
            column=col["dose"],
            fix="give the administered dose (> 0)",
        )
        for r, v in zip(rows[bad], dose[bad], strict=True)
    ]
    out += [
        Problem(
            "dose has no time", file=file, row=int(r), column=col["time"], fix="give the dose time"
        )
        for r in rows[~np.isfinite(t)]
    ]
    bad = ~np.isin(route, ROUTES)
    for r, rt, rr in zip(rows[bad], route[bad], raw[bad], strict=True):
        what = (
            f"route {rt!r} is not one of {', '.join(ROUTES)}"
            if rt
            else f"unknown route {rr!r}"
            if rr
            else "dose has no route"
        )
        from_cmt = str(rr).startswith("CMT=")  # NONMEM routes read from the compartments
        out.append(
            Problem(
                what
                + (": the dose compartment is above the observations' one" if from_cmt else ""),
                file=file,
                row=int(r),
                column=col["route"],
                fix=(
                    "give the observations their CMT (the central compartment; a dose into "
                    "it is IV, into a lower-numbered one extravascular), or add a ROUTE "
                    "column (IV, PO...)"
                    if from_cmt
                    else "use IV, IV infusion, PO, SC, IP, IM... (docs/data.md, routes)"
                ),
            )
        )
    bad = (route == "iv_infusion") & ~(dur > 0) & ~flag
    out += [
        Problem(
            "infusion without a duration",
            file=file,
            row=int(r),
            column=col["duration"],
            fix="give the infusion duration (or its end time, or the rate)",
        )
        for r in rows[bad]
    ]
    with np.errstate(invalid="ignore"):
        bad = (route == "iv_bolus") & (dur > 0) & ~flag
    out += [
        Problem(
            f"an IV bolus with an infusion duration of {v:g}",
            file=file,
            row=int(r),
            column=col["duration"],
            fix="give the route 'IV infusion' for an infusion, or a duration of 0 for a bolus",
        )
        for r, v in zip(rows[bad], dur[bad], strict=True)
    ]
    return out


def _dosed(study, subject_codes=None) -> list[Problem]:
    c = study.conc
    codes, ids = (
        subject_codes if subject_codes is not None else factorize(c["subject"].to_numpy(object))
    )  # looked up once per subject
    dosed = pd.Index(study.doses["subject"].to_numpy(object)).unique()
    known = np.append(pd.Index(ids).isin(dosed), bool(pd.isna(dosed).any()))  # [-1]: NA
    bad = rows_equal(study._conc_codes("exclude"), "") & ~known[codes]
    if not bad.any():
        return []
    first = c[bad].drop_duplicates("subject")
    file = study.files.get("conc", study.source)
    return [
        Problem(
            f"subject {r.subject!r} has concentrations but no dose",
            file=file,
            row=int(r.source_row),
            column=_col(study, "subject", "subject"),
            fix="add the subject's dose (dose column or doses table), or exclude its rows",
        )
        for r in first.itertuples()
    ]


def _subjects(study) -> list[Problem]:
    s = study.subjects
    file = study.files.get("subjects", study.source)
    out = []
    w = s["weight"].to_numpy(float)
    first = _first_rows(study, file) if np.any(w <= 0) else {}  # rows only when needed
    for subj, v in zip(s["subject"][w <= 0], w[w <= 0], strict=True):
        out.append(
            Problem(
                f"weight of subject {subj!r} must be > 0, got {v:g}",
                file=file,
                row=first.get(subj),
                column=_col(study, "weight", "weight"),
                fix="give the body weight (> 0)",
            )
        )
    for col in ("species", "sex", "group"):
        cells = s[col]
        given = (  # a missing cell counts as given, as its text ("nan") would
            (cells != "").to_numpy(bool, na_value=True)
            if isinstance(cells.dtype, pd.StringDtype)
            else (cells.astype(str) != "").to_numpy(bool)
        )
        if not given.any():  # the usual case when the column is not in the data
            continue
        vals = s[["subject", col]].astype(str)
        vals = vals[given].drop_duplicates()
        for subj in vals.loc[vals["subject"].duplicated(), "subject"].unique():
            seen = sorted(vals.loc[vals["subject"] == subj, col])
            out.append(
                Problem(
                    f"subject {subj!r} has conflicting {col}: {seen}",
                    file=file,
                    column=_col(study, col, col),
                    fix=f"give one {col} per subject",
                )
            )
    return out


def _first_rows(study, file) -> dict:
    """The first source row of each subject when its covariates sit in the rows of the
    concentration or dose table (one wide file); empty for a separate subjects table."""
    parts = [
        t[["subject", "source_row"]]
        for key, t in (("conc", study.conc), ("doses", study.doses))
        if study.files.get(key) == file and "source_row" in t.columns and len(t)
    ]
    if not parts:
        return {}
    both = pd.concat(parts).dropna()
    return {
        k: int(v) for k, v in both.groupby("subject", observed=True)["source_row"].min().items()
    }


def validate_study(study) -> list[Problem]:
    """Check a ``Study`` and return every problem found (an empty list when it is fine)."""
    subject_codes = study._subject_codes()  # shared (kept by the Study)
    return [
        *_units(study),
        *_conc(study, subject_codes),
        *_doses(study),
        *_dosed(study, subject_codes),
        *_subjects(study),
        *study_urine_problems(study, rows_equal(study._conc_codes("exclude"), "")),
    ]


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as a table: file, row, column, problem, fix."""
    return pd.DataFrame(
        [p.as_dict() for p in problems], columns=["file", "row", "column", "problem", "fix"]
    )
