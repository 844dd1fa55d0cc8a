"""CDISC SDTM / SEND: PC (concentrations) + EX (exposure) + optional DM and BW.

Mapping (docs/data.md has the full table):

* PC: ``USUBJID`` (or ``POOLID``) -> subject; ``PCTESTCD`` -> analyte; ``PCSPEC`` -> matrix;
  ``PCSTRESN`` (else ``PCSTRESC``, else ``PCORRES``/``PCORRESU``) -> conc with ``PCSTRESU``;
  ``PCLLOQ`` -> lloq; ``PCSTAT = NOT DONE`` (+ ``PCREASND``) and ``PCEXCLFL``/``PCREASEX`` ->
  exclude; ``PCELTM`` (ISO 8601 duration from the reference dose) plus the time of that
  dose (``PCRFTDTC``, else the day of the profile ``PCNOMDY``) -> nominal time;
  ``PCDTC`` minus the subject's first ``EXSTDTC`` -> actual time; ``PCTPTREF`` -> profile.
* EX: ``EXDOSE``/``EXDOSU`` -> dose; ``EXROUTE`` -> route; ``EXTRT`` -> dose analyte;
  ``EXSTDTC`` -> time; infusion duration from ``EXDUR`` or ``EXENDTC - EXSTDTC``; a record
  spanning several days with ``EXDOSFRQ`` (QD, BID, ...) is expanded into single doses.
* DM: ``SPECIES``, ``SEX``; group from ``ARM``, else ``SETCD``, else ``ARMCD``.
* BW: ``BWSTRESN``/``BWSTRESU`` (baseline ``BWBLFL = Y``, else the earliest) -> weight (kg).
* POOLDEF (SEND pooled samples): a pool is dosed as its first member that has EX records.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data._build import (
    Parts,
    combine_exclude,
    day_index,
    expand_addl,
    finish_conc,
    join_reasons,
    rename_extras,
    subject_table,
)
from kinetor.data._text import RawTable
from kinetor.data._units import resolve_unit
from kinetor.data.routes import normalise_route
from kinetor.data.values import (
    classify_conc,
    is_missing,
    parse_datetimes,
    parse_durations,
    parse_flags,
    parse_numbers,
)
from kinetor.errors import DataError, Problem

__all__ = ["FREQUENCIES", "read_cdisc"]

# EXDOSFRQ -> interval (h), for EX records that span several doses
FREQUENCIES = {
    "QD": 24.0,
    "Q24H": 24.0,
    "BID": 12.0,
    "Q12H": 12.0,
    "TID": 8.0,
    "Q8H": 8.0,
    "QID": 6.0,
    "Q6H": 6.0,
    "QOD": 48.0,
    "Q2D": 48.0,
    "QW": 168.0,
    "Q2W": 336.0,
}
_HOUR = np.timedelta64(1, "h")


class _T:
    """Case-insensitive access to a CDISC table's variables."""

    def __init__(self, raw: RawTable):
        self.raw, self.f, self.rows, self.file = raw, raw.frame, raw.rows, raw.file
        self.names = {c.upper(): c for c in raw.frame.columns}
        self.used: set[str] = set()

    def has(self, var: str) -> bool:
        return var in self.names

    def col(self, var: str) -> pd.Series:
        self.used.add(self.names[var])
        return self.f[self.names[var]].astype(str)  # RawTable cells are stripped text

    def text(self, var: str, default: str = "") -> np.ndarray:
        if not self.has(var):
            return np.full(len(self.f), default, dtype=object)
        s = self.col(var)
        return np.where(is_missing(s), default, s).astype(object)

    def numbers(self, var: str, problems: list[Problem], what: str) -> np.ndarray:
        if not self.has(var):
            return np.full(len(self.f), np.nan)
        values, _, bad = parse_numbers(self.col(var))
        problems += [
            Problem(
                f"{what} is not a finite number: {v!r}",
                file=self.file,
                row=int(r),
                column=self.names[var],
                fix=f"write {var} as a number",
            )
            for r, v in zip(self.rows[bad], self.col(var)[bad], strict=True)
        ]
        return values

    def stamps(self, var: str, problems: list[Problem]):
        if not self.has(var):
            n = len(self.f)
            return pd.Series(pd.NaT, index=range(n)), np.zeros(n, bool)
        st, date_only, bad = parse_datetimes(self.col(var))
        problems += [
            Problem(
                f"not an ISO 8601 date-time: {v!r}",
                file=self.file,
                row=int(r),
                column=self.names[var],
                fix="write e.g. 2021-03-04T08:30",
            )
            for r, v in zip(self.rows[bad], self.col(var)[bad], strict=True)
        ]
        return st, date_only

    def need(self, var: str, problems: list[Problem]) -> bool:
        if self.has(var):
            return True
        problems.append(
            Problem(f"no {var} variable", file=self.file, column=var, fix=f"add the {var} column")
        )
        return False


def _lookup(key: pd.Series, table: pd.Series) -> pd.Series:
    """``table[key]`` row by row (missing -> NaN/NaT); safe for an empty table."""
    return table.reindex(key.to_numpy()).reset_index(drop=True)


def _hours(stamps: pd.Series, ref: pd.Series) -> np.ndarray:
    """Hours from ``ref`` to ``stamps`` (NaN where either is missing)."""
    a = pd.to_datetime(pd.Series(stamps)).to_numpy(dtype="datetime64[ns]")
    b = pd.to_datetime(pd.Series(ref)).to_numpy(dtype="datetime64[ns]")
    return ((a - b) / _HOUR).astype(float)


def _exposure(ex: _T, units, problems, notes):
    """EX -> (doses, dose unit, first full EXSTDTC per subject, first EXSTDY per subject)."""
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
    full = (start.notna() & ~start_date).to_numpy()
    all_full = pd.Series(full).groupby(key).transform("all").to_numpy()
    first_any = start.groupby(key).transform("min")
    t = _hours(start, first_any)
    day0 = pd.Series(stday).groupby(key).transform("min").to_numpy(float)
    t = np.where(np.isnan(t), 24.0 * (day_index(stday) - day_index(day0)), t)
    single = key.groupby(key).transform("size").to_numpy() == 1
    t = np.where(np.isnan(t) & single, 0.0, t)
    if (start.notna().to_numpy() & ~all_full).any():
        notes.append(
            f"{ex.file}: EXSTDTC without a clock time: dose times at day "
            f"resolution, and nominal sample times used for those subjects"
        )
    dur = np.full(len(key), np.nan)
    if ex.has("EXDUR"):
        dur, bad = parse_durations(ex.col("EXDUR"))
        problems += [
            Problem(
                f"EXDUR is not an ISO 8601 duration: {v!r}",
                file=ex.file,
                row=int(r),
                column=ex.names["EXDUR"],
                fix="write e.g. PT1H",
            )
            for r, v in zip(ex.rows[bad], ex.col("EXDUR")[bad], strict=True)
        ]
    span = np.where(end_date | start_date, np.nan, _hours(end, start))
    d = pd.DataFrame(
        {
            "subject": subject,
            "time": t,
            "dose": dose,
            "route": route,
            "duration": np.where(route == "iv_infusion", np.where(np.isnan(dur), span, dur), 0.0),
            "analyte": ex.text("EXTRT"),
            "route_raw": route_raw,
            "source_row": ex.rows,
        }
    )
    first_stamp = start[full & all_full].groupby(key[full & all_full]).min()
    first_day = pd.Series(stday).groupby(key).min()
    d = _repeat_by_frequency(ex, d, start, end, end_date, notes)
    return d, dose_unit, first_stamp, first_day


def _repeat_by_frequency(ex: _T, d, start, end, end_date, notes):
    if not ex.has("EXDOSFRQ"):
        return d
    frq = pd.Series(ex.text("EXDOSFRQ")).str.upper().to_numpy(dtype=object)
    ii = pd.Series(frq).map(FREQUENCIES).to_numpy(float)
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
    if unknown.any():
        notes.append(
            f"{ex.file}: EXDOSFRQ {sorted(set(frq[unknown]))} not expanded; one dose at EXSTDTC"
        )
    if not (addl > 0).any():
        return d
    out = expand_addl(d.assign(addl=addl, ii=np.nan_to_num(ii)))
    notes.append(f"{ex.file}: {int(addl.sum())} dose(s) added from EXDOSFRQ over EXSTDTC-EXENDTC")
    return out.drop(columns=["addl", "ii"])


def _concentrations(pc: _T, units, mw, problems, notes):
    n = len(pc.f)
    if not (pc.has("USUBJID") or pc.has("POOLID")):
        raise DataError(
            Problem(
                "no USUBJID (or POOLID) variable",
                file=pc.file,
                column="USUBJID",
                fix="add USUBJID to the PC file",
            )
        )
    subject = pc.text("USUBJID")
    if pc.has("POOLID"):
        subject = np.where(subject == "", pc.text("POOLID"), subject)
    problems += [
        Problem(
            "no USUBJID or POOLID",
            file=pc.file,
            row=int(r),
            column=pc.names.get("USUBJID", "POOLID"),
            fix="fill in USUBJID",
        )
        for r in pc.rows[subject == ""]
    ]
    analyte = pc.text("PCTESTCD", "") if pc.has("PCTESTCD") else pc.text("PCTEST", "")
    analyte = np.where(analyte == "", "ANALYTE", analyte)
    stresn, stresc, orres = pc.text("PCSTRESN"), pc.text("PCSTRESC"), pc.text("PCORRES")
    use_std = (stresn != "") | (stresc != "")
    text = pd.Series(np.where(stresn != "", stresn, np.where(stresc != "", stresc, orres)))
    unit_rows = np.where(use_std, pc.text("PCSTRESU"), pc.text("PCORRESU"))
    column = np.where(
        stresn != "",
        pc.names.get("PCSTRESN", "PCSTRESN"),
        np.where(
            stresc != "", pc.names.get("PCSTRESC", "PCSTRESC"), pc.names.get("PCORRES", "PCORRES")
        ),
    )
    c = classify_conc(text)
    bad = c["kind"] == "bad"
    problems += [
        Problem(
            f"concentration is neither a finite number nor recognised BLQ text: {v!r}",
            file=pc.file,
            row=int(r),
            column=col,
            fix="PCSTRESN must be numeric; BLQ text goes in PCSTRESC ('BLQ', '<LLOQ', '<0.5')",
        )
        for r, v, col in zip(pc.rows[bad], text[bad], column[bad], strict=True)
    ]
    combined = np.where(np.isnan(c["value"]), c["limit"], c["value"])
    unit_rows = np.where(c["limit_unit"] != "", c["limit_unit"], unit_rows)
    declared = (units or {}).get("conc")
    combined, conc_unit = resolve_unit(
        combined,
        what="conc",
        column=pc.names.get("PCSTRESN", "PCSTRESN"),
        file=pc.file,
        rows=pc.rows,
        row_units=unit_rows,
        unit_column=pc.names.get("PCSTRESU", "PCSTRESU"),
        declared=declared,
        mw=mw,
        analytes=analyte,
        notes=notes,
        problems=problems,
    )
    lloq, _ = resolve_unit(
        pc.numbers("PCLLOQ", problems, "PCLLOQ"),
        what="conc",
        column=pc.names.get("PCLLOQ"),
        file=pc.file,
        rows=pc.rows,
        row_units=unit_rows,
        unit_column=pc.names.get("PCSTRESU", "PCSTRESU"),
        header_unit=conc_unit,
        declared=declared,
        mw=mw,
        analytes=analyte,
        target=conc_unit,
        label="LLOQ",
        report_missing=False,
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
    not_done = pd.Series(pc.text("PCSTAT")).str.upper().to_numpy() == "NOT DONE"
    reasnd = pc.text("PCREASND")
    r_nd = np.where(not_done, np.where(reasnd != "", "not done: " + reasnd, "not done"), "")
    flag = parse_flags(pc.col("PCEXCLFL"))[0] if pc.has("PCEXCLFL") else np.zeros(n, bool)
    reasex = pc.text("PCREASEX")
    r_ex = np.where(reasex != "", reasex, np.where(flag, "excluded (PCEXCLFL=Y)", ""))
    exclude = combine_exclude(join_reasons(r_nd, r_ex), res["reason"])
    conc = pd.DataFrame(
        {
            "subject": subject,
            "conc": res["conc"],
            "blq": res["blq"],
            "lloq": res["lloq"],
            "analyte": analyte,
            "matrix": pc.text("PCSPEC", "PLASMA"),
            "exclude": exclude,
            "source_row": pc.rows,
            "conc_reported": res["conc_reported"],
        }
    )
    return conc, conc_unit


def _times(pc: _T, subject, first_stamp, first_day, problems, notes):
    """(actual, nominal) hours after the first dose."""
    eltm = np.full(len(pc.f), np.nan)
    if pc.has("PCELTM"):
        eltm, bad = parse_durations(pc.col("PCELTM"))
        problems += [
            Problem(
                f"PCELTM is not an ISO 8601 duration: {v!r}",
                file=pc.file,
                row=int(r),
                column=pc.names["PCELTM"],
                fix="write e.g. PT2H, PT30M, P1D, -PT0.5H",
            )
            for r, v in zip(pc.rows[bad], pc.col("PCELTM")[bad], strict=True)
        ]
    key = pd.Series(subject)
    # PCELTM counts from the reference dose: place that dose by PCRFTDTC (its date-time),
    # else by PCNOMDY (the day of the profile, SEND), else at the first dose
    offset = np.full(len(key), np.nan)
    if pc.has("PCRFTDTC"):
        ref, date_only = pc.stamps("PCRFTDTC", problems)
        offset = np.where(date_only, np.nan, _hours(ref, _lookup(key, first_stamp)))
    if pc.has("PCNOMDY"):
        nomdy = pc.numbers("PCNOMDY", problems, "PCNOMDY")
        d0 = _lookup(key, first_day).to_numpy(float)
        d0 = np.where(np.isnan(d0), 1.0, d0)
        by_day = 24.0 * (day_index(nomdy) - day_index(d0))
        offset = np.where(np.isnan(offset), by_day, offset)
    nominal = eltm + np.nan_to_num(offset)
    actual = np.full(len(key), np.nan)
    if pc.has("PCDTC"):
        stamp, date_only = pc.stamps("PCDTC", problems)
        actual = np.where(date_only, np.nan, _hours(stamp, _lookup(key, first_stamp)))
        if date_only.any():
            notes.append(
                f"{pc.file}: {int(date_only.sum())} PCDTC value(s) without a clock "
                f"time: nominal time used"
            )
    return actual, nominal


def _pool_doses(pooldef: _T, doses, first_stamp, first_day, notes):
    """SEND pools (POOLDEF): a pool is dosed as its first member with EX records."""
    members = pd.DataFrame({"pool": pooldef.text("POOLID"), "subject": pooldef.text("USUBJID")})
    members = members[members["subject"].isin(set(doses["subject"]))]
    first = members.drop_duplicates("pool")
    if first.empty:
        return doses, first_stamp, first_day
    pool_of = first.set_index("subject")["pool"]
    copied = doses[doses["subject"].isin(pool_of.index)].copy()
    copied["subject"] = copied["subject"].map(pool_of)
    notes.append(f"{pooldef.file}: {len(first)} pool(s) dosed as their first member")
    stamp = first_stamp[first_stamp.index.isin(pool_of.index)].rename(index=pool_of.to_dict())
    day = first_day[first_day.index.isin(pool_of.index)].rename(index=pool_of.to_dict())
    return (
        pd.concat([doses, copied], ignore_index=True),
        pd.concat([first_stamp, stamp]),
        pd.concat([first_day, day]),
    )


def _subjects(dm: _T | None, bw: _T | None, problems, notes):
    if dm is None:
        table = None
    else:
        cols = {"subject": dm.text("USUBJID"), "species": dm.text("SPECIES"), "sex": dm.text("SEX")}
        group_var = next((v for v in ("ARM", "SETCD", "ARMCD") if dm.has(v)), None)
        if group_var:
            cols["group"] = dm.text(group_var)
        names = {"species": "SPECIES", "sex": "SEX", "group": group_var or "ARM"}
        extras = rename_extras(dm.f, dm.used).reset_index(drop=True)
        frame = pd.concat([pd.DataFrame(cols), extras], axis=1)
        table, probs, nts = subject_table(frame, dm.rows, dm.file, names)
        problems += probs
        notes += nts
    if bw is not None:
        keep = np.ones(len(bw.f), bool)
        if bw.has("BWTESTCD"):
            keep = pd.Series(bw.text("BWTESTCD")).str.upper().isin(["BW", ""]).to_numpy()
        w, _ = resolve_unit(
            bw.numbers("BWSTRESN", problems, "BWSTRESN"),
            what="weight",
            column=bw.names.get("BWSTRESN"),
            file=bw.file,
            rows=bw.rows,
            row_units=bw.text("BWSTRESU") if bw.has("BWSTRESU") else None,
            unit_column=bw.names.get("BWSTRESU", "BWSTRESU"),
            target="kg",
            notes=notes,
            problems=problems,
        )
        base = parse_flags(bw.col("BWBLFL"))[0] if bw.has("BWBLFL") else np.zeros(len(w), bool)
        order = bw.numbers("BWDY", problems, "BWDY") if bw.has("BWDY") else np.arange(len(w))
        b = pd.DataFrame(
            {"subject": bw.text("USUBJID"), "weight": w, "_base": ~base, "_order": order}
        )[keep & ~np.isnan(w)]
        weight = b.sort_values(["_base", "_order"], kind="stable").drop_duplicates("subject")
        weight = weight.set_index("subject")["weight"]
        if table is None:
            table = pd.DataFrame({"subject": weight.index})
        table["weight"] = table["subject"].map(weight)
    return table


def read_cdisc(tables: dict[str, RawTable], *, units=None, mw=None) -> Parts:
    """Read PC (+ EX, DM, BW) ``RawTable``s into ``Parts``."""
    tables = {k: v.as_text() for k, v in tables.items()}
    problems: list[Problem] = []
    notes: list[str] = []
    pc = _T(tables["pc"])
    problems += pc.raw.problems
    notes += pc.raw.notes
    ex = _T(tables["ex"]) if "ex" in tables else None
    if ex is not None and not (ex.need("USUBJID", problems) and ex.need("EXDOSE", problems)):
        raise DataError(problems)
    conc, conc_unit = _concentrations(pc, units, mw, problems, notes)
    if ex is not None:
        doses, dose_unit, first_stamp, first_day = _exposure(ex, units, problems, notes)
    else:
        notes.append("no EX table: no doses")
        doses = pd.DataFrame(columns=["subject", "time", "dose", "route"])
        dose_unit = (units or {}).get("dose")
        first_stamp, first_day = pd.Series(dtype="datetime64[ns]"), pd.Series(dtype=float)
    if "pooldef" in tables and len(doses):
        doses, first_stamp, first_day = _pool_doses(
            _T(tables["pooldef"]), doses, first_stamp, first_day, notes
        )
    actual, nominal = _times(
        pc, conc["subject"].to_numpy(), first_stamp, first_day, problems, notes
    )
    conc.insert(1, "time", actual)
    conc.insert(2, "nominal_time", nominal)
    if pc.has("PCTPTREF"):
        conc["profile"] = pc.text("PCTPTREF")
    conc = pd.concat([conc, rename_extras(pc.f, pc.used).reset_index(drop=True)], axis=1)
    dm = _T(tables["dm"]) if "dm" in tables else None
    bw = _T(tables["bw"]) if "bw" in tables else None
    subjects = _subjects(dm, bw, problems, notes)
    wanted = [
        (pc, "subject", "USUBJID"),
        (pc, "time", "PCDTC"),
        (pc, "nominal_time", "PCELTM"),
        (pc, "conc", "PCSTRESN"),
        (pc, "lloq", "PCLLOQ"),
        (pc, "analyte", "PCTESTCD"),
        (pc, "matrix", "PCSPEC"),
        (pc, "exclude", "PCEXCLFL"),
        (ex, "dose:dose", "EXDOSE"),
        (ex, "dose:route", "EXROUTE"),
        (ex, "dose:time", "EXSTDTC"),
        (ex, "dose:duration", "EXENDTC"),
        (dm, "species", "SPECIES"),
        (dm, "sex", "SEX"),
        (dm, "group", "ARM"),
        (bw, "weight", "BWSTRESN"),
    ]
    roles = {role: t.names[var] for t, role, var in wanted if t is not None and t.has(var)}
    files = {
        "conc": pc.file,
        "doses": ex.file if ex else pc.file,
        "subjects": dm.file if dm else (bw.file if bw else pc.file),
    }
    return Parts(
        conc,
        doses,
        subjects,
        {"time": "h", "conc": conc_unit, "dose": dose_unit},
        roles,
        files,
        notes,
        problems,
    )
