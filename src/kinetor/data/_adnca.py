"""ADaM ADNCA / ADPC (the admiral layout): one record per sample, optional dose records.

* ``USUBJID`` -> subject; ``AFRLT`` (actual, from the first dose) -> time, ``NFRLT`` ->
  nominal time, both in ``FRLTU``; ``ARRLT``/``NRRLT`` (from the reference dose) are kept
  as ``time_ref``/``nominal_time_ref`` (in the study time unit) and used only when ``AFRLT``/``NFRLT`` are absent;
* ``AVAL`` (``AVALU``) -> conc; BLQ text from ``AVALC`` or ``AVALCAT1``; ``ALLOQ`` -> lloq;
* ``PARAMCD`` -> analyte; ``PARCAT1`` -> matrix; ``ATPTREF`` -> profile;
* ``DTYPE`` (``COPY``, ``HALFLLOQ``: derived records) -> kept and excluded; ``ANL01FL`` not
  ``Y`` -> excluded; ``EVID`` 1 records -> doses, other non-zero ``EVID`` -> excluded;
* doses: the ``EVID = 1`` records when present (``DOSEA``, ``DOSEU``, ``ROUTE`` at ``AFRLT``),
  otherwise one dose per subject and reference dose at ``AFRLT - ARRLT`` (or
  ``NFRLT - NRRLT``, or 0 for a single profile) with ``DOSEA`` (else ``DOSEP``);
* subjects: ``SPECIES``, ``SEX``, group from ``ACTARM``/``ARM``/``TRT01A``/``TRTA``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data._build import (
    Parts,
    combine_exclude,
    finish_conc,
    join_reasons,
    rename_extras,
    subject_table,
)
from kinetor.data._checks import note_no_value
from kinetor.data._domain import _T
from kinetor.data._text import RawTable
from kinetor.data._units import resolve_unit
from kinetor.data.routes import normalise_route
from kinetor.data.values import classify_conc, parse_flags
from kinetor.errors import DataError, Problem

__all__ = ["read_adnca"]


def _time(t: _T, var: str, declared, problems, notes, target=None):
    """``var`` in the study time unit: AFRLT/NFRLT in FRLTU, ARRLT/NRRLT in RRLTU (else
    FRLTU)."""
    ucol = "RRLTU" if var in ("ARRLT", "NRRLT") and t.has("RRLTU") else "FRLTU"
    values = t.numbers(var, problems, var)
    return resolve_unit(
        values,
        what="time",
        column=t.names.get(var),
        file=t.file,
        rows=t.rows,
        row_units=t.text(ucol) if t.has(ucol) else None,
        unit_column=t.names.get(ucol),
        declared=declared,
        target=target,
        notes=notes,
        problems=problems,
    )


def _doses(
    t: _T, sel: np.ndarray, obs: np.ndarray, time, ref_time, units, problems, notes, analytes
):
    dose = (
        t.numbers("DOSEA", problems, "DOSEA")
        if t.has("DOSEA")
        else t.numbers("DOSEP", problems, "DOSEP")
    )
    dose, dose_unit = resolve_unit(
        dose,
        what="dose",
        column=t.names.get("DOSEA", t.names.get("DOSEP")),
        file=t.file,
        rows=t.rows,
        row_units=t.text("DOSEU") if t.has("DOSEU") else None,
        unit_column=t.names.get("DOSEU"),
        declared=(units or {}).get("dose"),
        notes=notes,
        problems=problems,
    )
    route_raw = t.text("ROUTE")
    subject = t.text("USUBJID")
    d = pd.DataFrame(
        {
            "subject": subject,
            "time": time,
            "dose": dose,
            "route_raw": route_raw,
            "source_row": t.rows,
        }
    )
    if sel.any():
        d = d[sel]
    else:
        d["time"] = np.round(ref_time, 9) if ref_time is not None else 0.0
        d = d[obs & ~np.isnan(dose)].drop_duplicates(["subject", "time"])
        n_ref = d.groupby("subject").size()
        if ref_time is None and (n_ref > 1).any():
            problems.append(
                Problem(
                    "several doses per subject but no ARRLT/NRRLT to place them in time",
                    file=t.file,
                    column=t.names.get("DOSEA", "DOSEA"),
                    fix="add EVID=1 dose records or ARRLT (time from the reference dose)",
                )
            )
        notes.append(f"{t.file}: doses derived from DOSEA on the sample records")
    d["route"] = d["route_raw"].map(
        {r: normalise_route(r) or "" for r in pd.unique(d["route_raw"])}
    )
    d["analyte"] = d["subject"].map(analytes).fillna("")
    return d.reset_index(drop=True), dose_unit


def read_adnca(raw: RawTable, *, units=None, mw=None) -> Parts:
    """Read an ADNCA/ADPC table into ``Parts`` (see module docstring)."""
    raw = raw.as_text()
    problems: list[Problem] = list(raw.problems)
    notes: list[str] = list(raw.notes)
    t = _T(raw)
    for var in ("USUBJID", "AVAL"):
        t.need(var, problems)
    if not (t.has("AFRLT") or t.has("NFRLT") or t.has("ARRLT") or t.has("NRRLT")):
        t.need("AFRLT", problems)
    if problems and not (t.has("USUBJID") and t.has("AVAL")):
        raise DataError(problems)
    n = len(raw.frame)
    evid = np.nan_to_num(t.numbers("EVID", problems, "EVID")) if t.has("EVID") else np.zeros(n)
    dose_rec = evid == 1
    obs = ~dose_rec
    declared_t = (units or {}).get("time")
    a_var = "AFRLT" if t.has("AFRLT") else ("ARRLT" if t.has("ARRLT") else None)
    n_var = "NFRLT" if t.has("NFRLT") else ("NRRLT" if t.has("NRRLT") else None)
    if a_var == "ARRLT" or n_var == "NRRLT":
        notes.append(f"{raw.file}: no AFRLT/NFRLT; times from the reference dose are used")
    actual, time_unit = (
        _time(t, a_var, declared_t, problems, notes) if a_var else (np.full(n, np.nan), None)
    )
    nominal = np.full(n, np.nan)
    if n_var:
        nominal, u = _time(t, n_var, declared_t, problems, notes, target=time_unit)
        time_unit = time_unit or u
    ref_time = None
    if a_var == "AFRLT" and t.has("ARRLT"):
        ref, _ = _time(t, "ARRLT", declared_t, problems, notes, target=time_unit)
        ref_time = actual - ref
    elif n_var == "NFRLT" and t.has("NRRLT"):
        ref, _ = _time(t, "NRRLT", declared_t, problems, notes, target=time_unit)
        ref_time = nominal - ref
    subject = t.text("USUBJID")
    analyte = t.text("PARAMCD") if t.has("PARAMCD") else t.text("PARAM")
    analyte = np.where(analyte == "", "ANALYTE", analyte)
    aval = t.text("AVAL")
    blq_text = t.text("AVALC") if t.has("AVALC") else t.text("AVALCAT1")
    text = pd.Series(np.where(aval != "", aval, blq_text))
    c = classify_conc(text)
    bad = (c["kind"] == "bad") & obs
    problems += [
        Problem(
            f"concentration is neither a finite number nor recognised BLQ text: {v!r}",
            file=t.file,
            row=int(r),
            column=t.names["AVAL"],
            fix="AVAL must be numeric; BLQ text goes in AVALC ('BLQ', '<0.5')",
        )
        for r, v in zip(t.rows[bad], text[bad], strict=True)
    ]
    combined = np.where(np.isnan(c["value"]), c["limit"], c["value"])
    conc_rows = t.text("AVALU") if t.has("AVALU") else None
    combined, conc_unit = resolve_unit(
        np.where(obs, combined, np.nan),
        what="conc",
        column=t.names["AVAL"],
        file=t.file,
        rows=t.rows,
        row_units=conc_rows,
        unit_column=t.names.get("AVALU"),
        declared=(units or {}).get("conc"),
        mw=mw,
        analytes=analyte,
        notes=notes,
        problems=problems,
    )
    lloq, _ = resolve_unit(
        t.numbers("ALLOQ", problems, "ALLOQ"),
        what="conc",
        column=t.names.get("ALLOQ"),
        file=t.file,
        rows=t.rows,
        row_units=conc_rows,
        unit_column=t.names.get("AVALU"),
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
    number = c["kind"] == "number"
    res = finish_conc(
        c["kind"],
        np.where(number, combined, np.nan),
        np.where(number, np.nan, combined),
        lloq,
        text,
    )
    dtype = t.text("DTYPE")
    r_dtype = np.where(dtype != "", "derived record (DTYPE=" + dtype + ")", "")
    r_anl = np.full(n, "", dtype=object)
    if t.has("ANL01FL"):
        r_anl = np.where(parse_flags(t.col("ANL01FL"))[0], "", "not flagged for analysis (ANL01FL)")
    r_evid = np.where((evid != 0) & obs, "EVID=" + pd.Series(evid).map("{:g}".format), "")
    exclude = combine_exclude(join_reasons(r_dtype, r_anl, r_evid), res["reason"])
    conc = pd.DataFrame(
        {
            "subject": subject,
            "time": actual,
            "nominal_time": nominal,
            "conc": res["conc"],
            "blq": res["blq"],
            "lloq": res["lloq"],
            "analyte": analyte,
            "matrix": t.text("PARCAT1", "PLASMA"),
            "exclude": exclude,
            "source_row": t.rows,
            "conc_reported": res["conc_reported"],
        }
    )
    if t.has("ATPTREF"):
        conc["profile"] = t.text("ATPTREF")
    for var, name in (("ARRLT", "time_ref"), ("NRRLT", "nominal_time_ref")):
        if t.has(var) and var not in (a_var, n_var):
            conc[name] = _time(t, var, declared_t, [], [], target=time_unit)[0]
    analytes = conc.drop_duplicates("subject").set_index("subject")["analyte"]
    doses, dose_unit = _doses(
        t, dose_rec, obs, actual if a_var else nominal, ref_time, units, problems, notes, analytes
    )
    group_var = next((v for v in ("ACTARM", "ARM", "TRT01A", "TRTA") if t.has(v)), None)
    cols = {"subject": subject, "species": t.text("SPECIES"), "sex": t.text("SEX")}
    if group_var:
        cols["group"] = t.text(group_var)
    subjects, probs, nts = subject_table(
        pd.DataFrame(cols),
        t.rows,
        t.file,
        {"species": "SPECIES", "sex": "SEX", "group": group_var or "ARM"},
    )
    problems += probs
    notes += nts
    t.used |= {t.names[v] for v in ("DOSEA", "DOSEP", "DOSEU", "ROUTE", "EVID") if t.has(v)}
    conc = pd.concat([conc, rename_extras(raw.frame, t.used).reset_index(drop=True)], axis=1)
    conc = conc[obs].reset_index(drop=True)
    note_no_value(conc, notes)
    roles = {
        k: t.names[v]
        for k, v in (
            ("subject", "USUBJID"),
            ("time", a_var),
            ("nominal_time", n_var),
            ("conc", "AVAL"),
            ("lloq", "ALLOQ"),
            ("analyte", "PARAMCD"),
            ("matrix", "PARCAT1"),
            ("dose:dose", "DOSEA"),
            ("dose:route", "ROUTE"),
            ("dose:time", a_var),
        )
        if v and t.has(v)
    }
    files = {"conc": raw.file, "doses": raw.file, "subjects": raw.file}
    return Parts(
        conc,
        doses,
        subjects,
        {"time": time_unit, "conc": conc_unit, "dose": dose_unit},
        roles,
        files,
        notes,
        problems,
    )
