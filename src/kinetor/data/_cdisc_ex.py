"""CDISC EX (exposure) records -> the doses of a study.

``EXDOSE``/``EXDOSU`` -> dose; ``EXROUTE`` -> route; ``EXTRT`` -> dose analyte;
``EXSTDTC`` -> time from the subject's first dose (study days where there is no clock
time); the infusion duration from ``EXDUR`` or ``EXENDTC - EXSTDTC``; a record spanning
several days with ``EXDOSFRQ`` (QD, BID, ...) is expanded into single doses.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from kinetor.data._build import day_index, expand_addl
from kinetor.data._domain import _T, _hours
from kinetor.data._units import resolve_unit
from kinetor.data.routes import infusion_note, iv_infusions, normalise_route
from kinetor.data.values import parse_durations
from kinetor.errors import Problem

__all__ = ["FREQUENCIES", "exposure", "frequency_hours"]


# EXDOSFRQ -> interval (h), for EX records that span several doses: the CDISC FREQ terms
# with a regular interval; QnH, QnD, QnW and EVERY n WEEKS are read for any n
FREQUENCIES = {
    "QH": 1.0,
    "QD": 24.0,
    "QAM": 24.0,
    "QPM": 24.0,
    "QHS": 24.0,
    "BID": 12.0,
    "TID": 8.0,
    "QID": 6.0,
    "QOD": 48.0,
    "QW": 168.0,
    "EVERY WEEK": 168.0,
}
_EVERY = re.compile(r"^(?:Q(?P<n>\d+)(?P<u>[HDW])|EVERY (?P<w>\d+) WEEKS)$")
_SUPPORTED = (
    "QD, BID, TID, QID, QOD, QAM, QPM, QHS, QH, QnH, QnD, QW, QnW, EVERY WEEK, EVERY n WEEKS"
)


def frequency_hours(code: str) -> float:
    """Hours between doses of a CDISC FREQ term; NaN when it has no regular interval.

    >>> frequency_hours("Q3D"), frequency_hours("EVERY 2 WEEKS"), frequency_hours("PRN")
    (72.0, 336.0, nan)
    """
    code = " ".join(str(code).upper().split())
    if code in FREQUENCIES:
        return FREQUENCIES[code]
    m = _EVERY.match(code)
    if m is None or int(m["n"] or m["w"]) == 0:
        return float("nan")
    if m["w"]:
        return 168.0 * int(m["w"])
    return {"H": 1.0, "D": 24.0, "W": 168.0}[m["u"]] * int(m["n"])


def exposure(ex: _T, units, problems, notes):
    """EX -> (doses, dose unit, first dose per subject).

    The first dose table is indexed by subject: ``stamp`` (its EXSTDTC when it has a clock
    time), ``date`` (the first EXSTDTC date) and ``day`` (the first EXSTDY).
    """
    subject = ex.text("USUBJID")
    dose = ex.numbers("EXDOSE", problems, "EXDOSE")
    dose, dose_unit = resolve_unit(
        dose,
        what="dose",
        column=ex.names.get("EXDOSE"),
        file=ex.file,
        rows=ex.rows,
        row_units=ex.text("EXDOSU") if ex.has("EXDOSU") else None,
        unit_column=ex.names.get("EXDOSU"),
        declared=(units or {}).get("dose"),
        notes=notes,
        problems=problems,
    )
    route_raw = ex.text("EXROUTE")
    route = (
        pd.Series(route_raw)
        .map({r: normalise_route(r) or "" for r in pd.unique(route_raw)})
        .to_numpy(dtype=object)
    )
    start, start_date = ex.stamps("EXSTDTC", problems)
    end, end_date = ex.stamps("EXENDTC", problems)
    stday = ex.numbers("EXSTDY", problems, "EXSTDY")
    key = pd.Series(subject)
    t, first_stamp = _dose_times(ex, key, start, start_date, notes)
    day0 = pd.Series(stday).groupby(key).transform("min").to_numpy(float)
    t = np.where(np.isnan(t), 24.0 * (day_index(stday) - day_index(day0)), t)
    single = key.groupby(key).transform("size").to_numpy() == 1
    t = np.where(np.isnan(t) & single, 0.0, t)
    dur = np.full(len(key), np.nan)
    if ex.has("EXDUR"):
        dur, bad = parse_durations(ex.col("EXDUR"))
        problems += [
            Problem(
                f"EXDUR is not an ISO 8601 duration: {v!r}",
                file=ex.file,
                row=int(r),
                column=ex.names["EXDUR"],
                fix="write e.g. PT1H or PT1H30M (a decimal only in the last part: PT1.5H)",
            )
            for r, v in zip(ex.rows[bad], ex.col("EXDUR")[bad], strict=True)
        ]
    span = np.where(end_date | start_date, np.nan, _hours(end, start))
    dur, span = _negative_durations(ex, dur, span, start, end, problems)
    iv = (route == "iv_infusion") | (route == "iv_bolus")
    duration = np.where(iv, np.where(np.isnan(dur), span, dur), 0.0)
    # INTRAVENOUS with EXDUR or an EXSTDTC-EXENDTC span > 0 is an infusion; a route that
    # says bolus keeps duration 0 (a bolus recorded with a start and an end stamp)
    route, converted, says = iv_infusions(route, route_raw, duration)
    duration = np.where(says | ((route != "iv_infusion") & np.isnan(duration)), 0.0, duration)
    if converted.any():
        rows = np.asarray(ex.rows)
        notes.append(infusion_note(np.asarray(route_raw)[converted], rows[converted], ex.file))
    d = pd.DataFrame(
        {
            "subject": subject,
            "time": t,
            "dose": dose,
            "route": route,
            "duration": duration,
            "analyte": ex.text("EXTRT"),
            "route_raw": route_raw,
            "source_row": ex.rows,
        }
    )
    first = pd.DataFrame(
        {
            "stamp": first_stamp,
            "date": start.dt.normalize().groupby(key).min(),
            "day": pd.Series(stday).groupby(key).min(),
        }
    )
    d = _repeat_by_frequency(ex, d, start, end, end_date, problems, notes)
    problems += _same_time(ex, d)
    return d, dose_unit, first


def _same_time(ex: _T, d: pd.DataFrame) -> list[Problem]:
    """EX records of one subject, treatment (``EXTRT``; an empty one stands for every
    treatment) and route at the same time: a study has one administration per time,
    treatment and route, so each such record is a problem (once, at its first such time)
    naming the other rows. Records of different routes at one time (an IV loading dose
    with an oral dose) are two administrations, read as the generic doses table reads them.
    IV routes compare by kind (``INTRAVENOUS`` and ``INTRAVENOUS BOLUS`` are one route);
    other routes by the term written (``ORAL`` and ``SUBCUTANEOUS`` are two)."""
    d = d[np.isfinite(d["time"].to_numpy(float))].reset_index(drop=True)
    raw = d["route_raw"].astype(str).str.strip().str.upper()
    # IV records compare by kind (INTRAVENOUS = INTRAVENOUS BOLUS); extravascular ones by
    # the term written (ORAL and SUBCUTANEOUS at one time are two administrations)
    iv = d["route"].isin(["iv_bolus", "iv_infusion"]).to_numpy()
    d["way"] = np.where(iv, d["route"], d["route"].astype(str) + ":" + raw)
    at = [d["subject"], d["time"], d["way"]]
    same = d.groupby([*at, d["analyte"]])["time"].transform("size").to_numpy() > 1
    blank = (d["analyte"] == "").groupby(at).transform("any").to_numpy()
    clash = d[same | (blank & (d.groupby(at)["time"].transform("size").to_numpy() > 1))]
    var = "EXSTDTC" if ex.has("EXSTDTC") or not ex.has("EXSTDY") else "EXSTDY"
    out, told = [], set()
    for (subj, t, _), g in clash.groupby(["subject", "time", "way"], sort=True):
        rows = list(dict.fromkeys(int(r) for r in g["source_row"]))
        treat = ", ".join(map(repr, dict.fromkeys(g["analyte"])))
        route = ", ".join(map(repr, dict.fromkeys(g["route_raw"])))
        for r in (r for r in rows if r not in told):
            told.add(r)
            others = ", ".join(str(o) for o in rows if o != r)
            out.append(
                Problem(
                    f"{len(rows)} EX records at {t:g} h after the first dose for subject "
                    f"{subj!r} with one route (EXROUTE {route}) and treatment (EXTRT "
                    f"{treat}): also row(s) {others}",
                    file=ex.file,
                    row=r,
                    column=ex.names.get(var, var),
                    fix="give one EX record per administration: delete a record entered "
                    "twice; for one administration recorded in parts give one record with "
                    "the total EXDOSE; correct the EXSTDTC of a record given at another "
                    "time; or give each record the EXTRT it is of",
                )
            )
    return out


def _negative_durations(ex: _T, dur, span, start, end, problems):
    """A negative EXDUR, or an EXENDTC before EXSTDTC, is a problem; both become NaN."""
    with np.errstate(invalid="ignore"):
        neg_dur = (dur < 0) & ex.has("EXDUR")
        before = ((end.dt.normalize() < start.dt.normalize()).to_numpy() | (span < 0)) & ex.has(
            "EXENDTC"
        )
    problems += [
        Problem(
            f"EXDUR {v!r} is negative",
            file=ex.file,
            row=int(r),
            column=ex.names["EXDUR"],
            fix="give the duration of the administration (>= 0), e.g. PT1H",
        )
        for r, v in zip(ex.rows[neg_dur], ex.text("EXDUR")[neg_dur], strict=True)
    ]
    problems += [
        Problem(
            f"EXENDTC {b!r} is before EXSTDTC {a!r}",
            file=ex.file,
            row=int(r),
            column=ex.names["EXENDTC"],
            fix="correct the start or end date-time (EXENDTC is the end of the administration)",
        )
        for r, a, b in zip(
            ex.rows[before], ex.text("EXSTDTC")[before], ex.text("EXENDTC")[before], strict=True
        )
    ]
    return np.where(neg_dur, np.nan, dur), np.where(before, np.nan, span)


def _dose_times(ex: _T, key, start, start_date, notes):
    """Dose hours after the first dose, and the first dose's date-time per subject.

    The first dose (earliest date) with a clock time anchors the subject: full stamps
    count from it; a date-only dose sits at day resolution at the anchor's clock time
    (24, 48 ... h). A subject whose first dose has no clock time has no anchor: all its
    doses at day resolution from the first date, its samples at nominal times.
    """
    full = (start.notna() & ~start_date).to_numpy()
    day = start.dt.normalize()
    first_day = day.groupby(key).transform("min")
    on_first = (day == first_day).to_numpy() & full
    first_stamp = start[on_first].groupby(key[on_first]).min()
    anchor = pd.Series(pd.to_datetime(first_stamp.reindex(key).to_numpy()), index=key.index)
    days = (day - first_day).dt.days.to_numpy(float)
    t = np.where(full, _hours(start, anchor), 24.0 * days)
    partial = start.notna().to_numpy() & ~full
    anchored = anchor.notna().to_numpy()
    if (partial & anchored).any():
        rows = ", ".join(str(r) for r in ex.rows[partial & anchored])
        notes.append(
            f"{ex.file}: EXSTDTC without a clock time in row(s) {rows}: those doses placed "
            f"at day resolution, at the clock time of the subject's first dose"
        )
    unanchored = start.notna().to_numpy() & ~anchored
    if unanchored.any():
        t = np.where(unanchored, 24.0 * days, t)
        rows = ", ".join(str(r) for r in ex.rows[unanchored & partial])
        notes.append(
            f"{ex.file}: the first dose of subject(s) "
            f"{sorted(set(key[unanchored]))} has no clock time (EXSTDTC row(s) {rows}): "
            f"all their doses at day resolution (24 h x days from the first dose date) and "
            f"their samples at nominal times (PCELTM)"
        )
    return t, first_stamp


def _repeat_by_frequency(ex: _T, d, start, end, end_date, problems, notes):
    if not ex.has("EXDOSFRQ"):
        return d
    frq = pd.Series(ex.text("EXDOSFRQ")).str.upper().str.split().str.join(" ")
    frq = frq.to_numpy(dtype=object)
    ii = pd.Series(frq).map({f: frequency_hours(f) for f in pd.unique(frq)}).to_numpy(float)
    # a date-only end means "the last dose that day", at the start's clock time
    clock = start - start.dt.normalize()
    end_eff = end.where(~end_date, end + clock)
    span = _hours(end_eff, start)
    nonrep = d["route"].to_numpy() == "iv_infusion"
    addl = np.where(
        np.isfinite(ii) & (span > 0) & ~nonrep,
        np.floor(np.nan_to_num(span) / np.where(np.isfinite(ii), ii, 1.0) + 1e-9),
        0,
    ).astype(int)
    unknown = ~np.isfinite(ii) & (span > 0) & ~np.isin(frq, ["", "ONCE"])
    problems += [
        Problem(
            f"EXDOSFRQ {f!r} has no regular dosing interval: the doses between EXSTDTC "
            f"and EXENDTC cannot be placed",
            file=ex.file,
            row=int(r),
            column=ex.names["EXDOSFRQ"],
            fix=f"use one of {_SUPPORTED}, or give one EX record per dose",
        )
        for r, f in zip(ex.rows[unknown], frq[unknown], strict=True)
    ]
    if not (addl > 0).any():
        return d
    out = expand_addl(d.assign(addl=addl, ii=np.nan_to_num(ii)))
    notes.append(f"{ex.file}: {int(addl.sum())} dose(s) added from EXDOSFRQ over EXSTDTC-EXENDTC")
    return out.drop(columns=["addl", "ii"])
