"""CDISC SDTM / SEND: PC (concentrations) + EX (exposure) + optional DM and BW.

Mapping (docs/data.md has the full table):

* PC: ``USUBJID`` (or ``POOLID``) -> subject; ``PCTESTCD`` -> analyte; ``PCSPEC`` -> matrix;
  ``PCSTRESN`` (else ``PCSTRESC``, else ``PCORRES``/``PCORRESU``) -> conc with ``PCSTRESU``;
  ``PCLLOQ`` -> lloq; ``PCSTAT = NOT DONE`` (+ ``PCREASND``) and ``PCEXCLFL``/``PCREASEX`` ->
  exclude; ``PCELTM`` (ISO 8601 duration from the reference dose) plus the time of that
  dose (``PCRFTDTC``, else the day of the profile ``PCNOMDY``) -> nominal time;
  ``PCDTC`` minus the subject's first ``EXSTDTC`` -> actual time; ``PCTPTREF`` -> profile.
* EX (``_cdisc_ex``): ``EXDOSE``/``EXDOSU`` -> dose; ``EXROUTE`` -> route; ``EXTRT`` -> dose analyte;
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
    finish_conc,
    join_reasons,
    rename_extras,
    subject_table,
)
from kinetor.data._cdisc_ex import FREQUENCIES, exposure
from kinetor.data._cdisc_times import EX_STAMPS, PC_STAMPS, pc_times, read_zones
from kinetor.data._cdisc_urine import (
    attach_volumes,
    interval_times,
    nominal_ends,
    split_properties,
)
from kinetor.data._checks import note_no_value
from kinetor.data._domain import _T
from kinetor.data._text import RawTable
from kinetor.data._units import resolve_unit
from kinetor.data.values import (
    classify_conc,
    parse_flags,
    parse_numbers,
)
from kinetor.errors import DataError, Problem, UnitError
from kinetor.units import parse_unit

__all__ = ["FREQUENCIES", "read_cdisc"]


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
    if use_std.any() and pc.has("PCORRES"):
        # SDTM keeps the result as measured in PCORRES: the number of a BLQ/ALQ sample
        res["conc_reported"] = _reported(pc, res["conc_reported"], conc_unit, units, mw, analyte)
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


def _reported(pc: _T, reported, conc_unit, units, mw, analyte) -> np.ndarray:
    """``conc_reported`` filled from a numeric PCORRES (in PCORRESU) where it is NaN."""
    orres, _, _ = parse_numbers(pc.col("PCORRES"))
    orres, _ = resolve_unit(
        orres,
        what="conc",
        column=pc.names["PCORRES"],
        file=pc.file,
        rows=pc.rows,
        row_units=pc.text("PCORRESU") if pc.has("PCORRESU") else pc.text("PCSTRESU"),
        unit_column=pc.names.get("PCORRESU", pc.names.get("PCSTRESU", "PCSTRESU")),
        header_unit=conc_unit,
        declared=(units or {}).get("conc"),
        mw=mw,
        analytes=analyte,
        target=conc_unit,
        label="PCORRES",
        report_missing=False,
        notes=[],
        problems=[],
    )
    return np.where(np.isnan(reported), orres, reported)


def _pool_doses(pooldef: _T, doses, first, notes):
    """SEND pools (POOLDEF): a pool is dosed as its first member with EX records."""
    members = pd.DataFrame({"pool": pooldef.text("POOLID"), "subject": pooldef.text("USUBJID")})
    members = members[members["subject"].isin(set(doses["subject"]))]
    first_member = members.drop_duplicates("pool")
    if first_member.empty:
        return doses, first
    pool_of = first_member.set_index("subject")["pool"]
    copied = doses[doses["subject"].isin(pool_of.index)].copy()
    copied["subject"] = copied["subject"].map(pool_of)
    notes.append(f"{pooldef.file}: {len(first_member)} pool(s) dosed as their first member")
    pools = first[first.index.isin(pool_of.index)].rename(index=pool_of.to_dict())
    return pd.concat([doses, copied], ignore_index=True), pd.concat([first, pools])


def _subjects(dm: _T | None, bw: _T | None, units, problems, notes):
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
            declared=(units or {}).get("weight"),  # where BWSTRESU gives none
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


def _check_options(units, roles, doses, file: str) -> None:
    """Options SDTM/SEND data have no use for are refused, never ignored: a time unit other
    than hours (CDISC times are ISO 8601 date-times and durations, read in hours), column
    roles (the variables have fixed roles) and a separate doses table (EX holds the doses)."""
    text = (units or {}).get("time")
    try:
        hours = text is None or parse_unit(text) == parse_unit("h")
    except UnitError:
        hours = False
    unused = [
        (
            "--time-unit",
            f"time unit {text!r} given (--time-unit, units={{'time': ...}}), but CDISC times "
            "are ISO 8601 date-times and durations, always read in hours",
            "leave out --time-unit (units['time'] in Python); the study's times are in h",
        ),
        (
            "--map",
            f"column roles {dict(roles or {})} given (--map, roles=), but SDTM/SEND variables "
            "have fixed roles (docs/data.md, section 5)",
            "leave out --map (roles= in Python); rename a variable to its CDISC name instead",
        ),
        (
            "--doses",
            "a doses table given (--doses, doses=), but SDTM/SEND doses are the EX records",
            "leave out --doses (doses= in Python) and give the doses as ex.csv next to pc.csv",
        ),
    ]
    given = [not hours, bool(roles), doses is not None]
    problems = [
        Problem(msg, file=file, column=col, fix=fix)
        for (col, msg, fix), g in zip(unused, given, strict=True)
        if g
    ]
    if problems:
        raise DataError(problems)


def read_cdisc(
    tables: dict[str, RawTable], *, units=None, mw=None, roles=None, doses=None
) -> Parts:
    """Read PC (+ EX, DM, BW) ``RawTable``s into ``Parts`` (``roles`` and ``doses``: only
    to refuse them, see ``_check_options``)."""
    _check_options(units, roles, doses, tables["pc"].file)
    tables = {k: v.as_text() for k, v in tables.items()}
    problems: list[Problem] = []
    notes: list[str] = []
    pc = _T(tables["pc"])
    problems += pc.raw.problems
    notes += pc.raw.notes
    for key in ("ex", "dm", "bw"):  # the reading problems of the other domains too
        if key in tables:
            problems += tables[key].problems
            notes += tables[key].notes
    pc, vol = split_properties(pc, notes)
    ex = _T(tables["ex"]) if "ex" in tables else None
    if ex is not None and not (ex.need("USUBJID", problems) and ex.need("EXDOSE", problems)):
        raise DataError(problems)
    conc, conc_unit = _concentrations(pc, units, mw, problems, notes)
    zoned = [(pc, conc["subject"].to_numpy(), PC_STAMPS)]
    if vol is not None:
        zoned.append((vol, vol.text("USUBJID"), PC_STAMPS))
    read_zones(zoned + ([(ex, ex.text("USUBJID"), EX_STAMPS)] if ex else []), problems)
    if ex is not None:
        doses, dose_unit, first = exposure(ex, units, problems, notes)
    else:
        notes.append("no EX table: no doses")
        doses = pd.DataFrame(columns=["subject", "time", "dose", "route"])
        dose_unit = (units or {}).get("dose")
        first = pd.DataFrame(
            {
                "stamp": pd.Series(dtype="datetime64[ns]"),
                "date": pd.Series(dtype="datetime64[ns]"),
                "day": pd.Series(dtype=float),
            }
        )
    if "pooldef" in tables and len(doses):
        doses, first = _pool_doses(_T(tables["pooldef"]), doses, first, notes)
    actual, nominal = pc_times(pc, conc["subject"].to_numpy(), first, problems, notes)
    interval = interval_times(
        pc, conc["subject"].to_numpy(), first, actual, nominal, problems, notes
    )
    if interval is not None:
        conc["end_time"], nominal = interval
    conc.insert(1, "time", actual)
    conc.insert(2, "nominal_time", nominal)
    if interval is not None:
        nominal_ends(pc, conc)  # the planned end, and whether end_time is only that
    volume_unit = None
    if interval is not None or vol is not None:
        conc["volume"], volume_unit = attach_volumes(
            pc, vol, conc, units, conc_unit, problems, notes
        )
    if pc.has("PCTPTREF"):
        conc["profile"] = pc.text("PCTPTREF")
    conc = pd.concat([conc, rename_extras(pc.f, pc.used).reset_index(drop=True)], axis=1)
    note_no_value(conc, notes)
    dm = _T(tables["dm"]) if "dm" in tables else None
    bw = _T(tables["bw"]) if "bw" in tables else None
    subjects = _subjects(dm, bw, units, problems, notes)
    wanted = [
        (pc, "subject", "USUBJID"),
        (pc, "time", "PCDTC"),
        (pc, "nominal_time", "PCELTM"),
        (pc, "end_time", "PCENDTC"),
        (pc, "conc", "PCSTRESN"),
        (pc, "lloq", "PCLLOQ"),
        (pc, "analyte", "PCTESTCD"),
        (pc, "matrix", "PCSPEC"),
        (pc, "exclude", "PCEXCLFL"),
        (ex, "dose:dose", "EXDOSE"),
        (ex, "dose:route", "EXROUTE"),
        (ex, "dose:time", "EXSTDTC"),
        (ex, "dose:duration", "EXDUR"),
        (ex, "dose:duration", "EXENDTC"),
        (dm, "species", "SPECIES"),
        (dm, "sex", "SEX"),
        (dm, "group", "ARM"),
        (bw, "weight", "BWSTRESN"),
    ]
    roles = {role: t.names[var] for t, role, var in wanted if t is not None and t.has(var)}
    if vol is not None and vol.has("PCSTRESN"):
        roles["volume"] = vol.names["PCSTRESN"]
    files = {
        "conc": pc.file,
        "doses": ex.file if ex else pc.file,
        "subjects": dm.file if dm else (bw.file if bw else pc.file),
    }
    return Parts(
        conc,
        doses,
        subjects,
        {"time": "h", "conc": conc_unit, "dose": dose_unit, "volume": volume_unit},
        roles,
        files,
        notes,
        problems,
    )
