"""Shared steps of every reader: concentrations from cells, ADDL expansion, the subject
table with conflict checks (``_subject_table``, re-exported here), and the final assembly
of a validated ``Study``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kinetor.data._below_lloq import note_below_lloq
from kinetor.data._buffers import same_memory
from kinetor.data._checks import subject_seed
from kinetor.data._factorize import factorize
from kinetor.data._subject_table import subject_table
from kinetor.data._text import cells_as_text, is_number_column
from kinetor.data.study import CONC_COLUMNS, DOSE_COLUMNS, SUBJECT_COLUMNS, Study
from kinetor.errors import DataError, Problem, UnitError
from kinetor.limits import get as get_limit
from kinetor.units import format_unit, parse_unit

__all__ = [
    "Parts",
    "assemble",
    "combine_exclude",
    "day_index",
    "expand_addl",
    "finish_conc",
    "join_reasons",
    "rename_extras",
    "subject_table",
]

CANONICAL = set(CONC_COLUMNS) | set(DOSE_COLUMNS) | set(SUBJECT_COLUMNS)


@dataclass
class Parts:
    """What a reader produced, before assembly into a ``Study``."""

    conc: pd.DataFrame
    doses: pd.DataFrame
    subjects: pd.DataFrame | None
    units: dict[str, str | None]
    roles: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # (the conc subject cells as an object array, ``factorize`` of them), when a reader
    # computed it: assembly and the Study reuse it while those cells are the same array
    subject_codes: tuple | None = None
    # the same for other conc text columns (name -> (cells, codes)): a role the file does
    # not give holds one default text, whose codes a reader knows without hashing
    column_codes: dict = field(default_factory=dict)


def join_reasons(*reasons) -> np.ndarray:
    """Join per-row reason arrays with ``"; "``, skipping empty ones."""
    n = max(len(r) for r in reasons if r is not None)
    out = np.empty(n, dtype=object)
    out.fill("")
    for r in reasons:
        if r is None:
            continue
        r = np.asarray(r, dtype=object)
        try:
            if not (r != "").any():  # the common case: no reason at all
                continue
        except TypeError:  # pd.NA cells: the general path below
            pass
        r = np.asarray(pd.Series(r, dtype=object).fillna("").astype(str), dtype=object)
        has = r != ""
        both = has & (out != "")
        out = np.where(both, out + "; " + r, np.where(has, r, out))
    return out


def finish_conc(
    kind: np.ndarray,
    value: np.ndarray,
    limit: np.ndarray,
    lloq: np.ndarray,
    text: pd.Series,
    blq_flag: np.ndarray | None = None,
    number: np.ndarray | None = None,
) -> dict[str, Any]:
    """Apply the BLQ recognition rules to classified cells (all in the conc unit).

    * BLQ text or a BLQ flag -> ``blq`` True, ``conc`` NaN; ``<0.5`` fills the LLOQ
      when no LLOQ is given;
    * a number below a given LLOQ (and >= 0) -> ``blq`` True, ``conc`` NaN, unless a BLQ
      flag column is given (``blq_flag`` not None): its 0 keeps the row an observation;
    * the number as measured is kept in ``conc_reported`` in every case;
    * ALQ text -> ``conc`` NaN and an exclusion reason; an empty cell -> NaN and the
      reason "no concentration value" (BLQ rows are never excluded here: the BLQ rule
      of the analysis decides).
    Negative numbers are left as they are so that validation reports them. ``number``:
    ``kind == "number"``, when the caller has it (text is compared on the other cells).
    """
    kind = np.asarray(kind, dtype=object)
    number = kind == "number" if number is None else number
    blq_text = np.zeros(len(kind), bool)
    blq_text[~number] = kind[~number] == "blq"
    lloq = np.where(np.isnan(lloq) & blq_text & np.isfinite(limit), limit, lloq)
    blq = blq_text
    below = number & np.isfinite(lloq) & (value < lloq) & (value >= 0)
    if blq_flag is not None:
        # a flag of 0 says "not BLQ": the number stays an observation (NONMEM/nlmixr2
        # CENS = 0); ``assemble`` notes the rows below their LLOQ
        blq = blq | blq_flag
    else:
        blq = blq | below
    conc = np.where(number & ~blq, value, np.nan)
    reported = np.where(number, value, np.nan)
    reason = np.empty(len(kind), dtype=object)
    reason.fill("")  # much faster than np.full for an object array
    other = ~number & ~blq_text  # the rare kinds: compared as text only on these rows
    alq = np.zeros(len(kind), bool)
    alq[other] = kind[other] == "alq"
    if alq.any():
        texts = cells_as_text(pd.Series(text).reset_index(drop=True)[alq])
        reason[alq] = ["above the upper limit of quantification (" + repr(t) + ")" for t in texts]
    missing = np.zeros(len(kind), bool)
    missing[other] = kind[other] == "missing"
    no_value = missing & ~blq
    reason[no_value] = "no concentration value"
    return {
        "conc": conc,
        "blq": blq,
        "lloq": lloq,
        "conc_reported": reported,
        "reason": reason,
        "any_reason": bool(alq.any() or no_value.any()),  # False: every reason ""
    }


def combine_exclude(other: np.ndarray | None, conc_reason: np.ndarray) -> np.ndarray:
    """Exclusion reasons of a sample: the file's own reasons (None: the file has no
    exclusion column), then the reader's; the reader's "no concentration value" is dropped
    when the file already gives a reason."""
    if other is None:
        return join_reasons(conc_reason)
    other = np.asarray(pd.Series(other, dtype=object).fillna("").astype(str), dtype=object)
    extra = np.where((conc_reason == "no concentration value") & (other != ""), "", conc_reason)
    return join_reasons(other, extra)


def day_index(day: np.ndarray) -> np.ndarray:
    """CDISC study days have no day 0 (day -1 is the day before day 1): map them onto a
    continuous count so that differences are in whole days."""
    day = np.asarray(day, dtype=float)
    return np.where(day < 0, day + 1, day)


def expand_addl(doses: pd.DataFrame) -> pd.DataFrame:
    """Expand ``addl`` additional doses every ``ii`` into explicit rows.

    Each added row copies its original (same ``source_row``); ``addl`` is 0 afterwards
    so nothing downstream adds them twice.

    >>> d = pd.DataFrame({"subject": ["1"], "time": [0.0], "dose": [5.0], "addl": [2],
    ...                   "ii": [12.0], "source_row": [2]})
    >>> expand_addl(d)[["time", "addl", "source_row"]].values.tolist()
    [[0.0, 0.0, 2.0], [12.0, 0.0, 2.0], [24.0, 0.0, 2.0]]
    """
    if "addl" not in doses.columns or len(doses) == 0:
        return doses
    addl = pd.to_numeric(doses["addl"], errors="coerce").fillna(0).astype(int).clip(lower=0)
    if not (addl > 0).any():
        return doses
    reps = (addl + 1).to_numpy()
    per_subject = pd.Series(reps).groupby(doses["subject"].to_numpy()).transform("sum")
    over = (per_subject > get_limit("doses_per_subject")).to_numpy()
    if over.any():  # refused before anything is allocated
        raise DataError(
            [
                Problem(
                    f"ADDL {int(addl.iloc[i]):,} makes {int(per_subject.iloc[i]):,} doses for "
                    f"subject {doses['subject'].iloc[i]}, above the limit doses_per_subject = "
                    f"{get_limit('doses_per_subject'):,}",
                    row=int(doses["source_row"].iloc[i]) if "source_row" in doses.columns else None,
                    column="ADDL",
                    fix="check ADDL (or raise the limit on purpose: "
                    "KINETOR_LIMIT_DOSES_PER_SUBJECT=N)",
                )
                for i in np.flatnonzero(over)[:20]
            ]
        )
    out = doses.loc[doses.index.repeat(reps)].copy()
    k = np.concatenate([np.arange(r) for r in reps])
    out["time"] = out["time"].to_numpy(float) + k * pd.to_numeric(out["ii"]).to_numpy(float)
    out["addl"] = 0
    return out.reset_index(drop=True)


def _shift_to_first_dose(parts: Parts) -> None:
    doses = parts.doses
    if len(doses) == 0:
        return
    if doses["time"].dtype.kind in "fiu":
        t = doses["time"].to_numpy(float)
        if not (np.isfinite(t) & (t != 0)).any():  # every dose at 0: nothing to shift
            return
    first = doses.groupby("subject")["time"].min()
    shift = first[np.isfinite(first) & (first != 0)]
    if shift.empty:
        return
    for table in (parts.conc, doses):
        off = table["subject"].map(shift).fillna(0.0).to_numpy(float)
        for col in ("time", "nominal_time"):
            if col in table.columns:
                table[col] = table[col].to_numpy(float) - off
        # the ends of urine collections move with their starts (or each collection would
        # look longer by the first dose's time); a text column of that name is a file's own
        for col in ("end_time", "nominal_end_time"):
            if col in table.columns and table[col].dtype.kind in "fiu":
                table[col] = table[col].to_numpy(float) - off
    parts.notes.append(
        f"time: measured from each subject's first dose ({len(shift)} subject(s) shifted)"
    )


def _apply_time_mode(conc: pd.DataFrame, mode: str, notes: list[str]) -> pd.DataFrame:
    actual = conc["time"].to_numpy(float) if "time" in conc.columns else np.full(len(conc), np.nan)
    nominal = (
        conc["nominal_time"].to_numpy(float)
        if "nominal_time" in conc.columns
        else np.full(len(conc), np.nan)
    )
    if mode == "nominal":
        conc["actual_time"] = actual
        conc["time"] = np.where(np.isnan(nominal), actual, nominal)
        n = int((np.isnan(nominal) & ~np.isnan(actual)).sum())
        if n:
            notes.append(f"time: {n} sample(s) without nominal time use their actual time")
    else:
        conc["time"] = np.where(np.isnan(actual), nominal, actual)
        n = int((np.isnan(actual) & ~np.isnan(nominal)).sum())
        if n:
            notes.append(f"time: {n} sample(s) without actual time use their nominal time")
    return conc


_STAND_IN = {"time": "h", "conc": "ng/mL", "dose": "mg"}  # never leaves assemble()


def _known(unit: str) -> bool:
    try:
        parse_unit(unit)
    except UnitError:
        return False
    return True


def _sort_key(p: Problem):
    return (p.file or "", -1 if p.row is None else p.row, p.column or "", p.message)


def _in_order(problems) -> list[Problem]:
    """The problems by file, row, column and message (the order they are reported in)."""
    return sorted(problems, key=_sort_key)


def assemble(
    parts: Parts, *, time: str = "actual", groups=None, source: str = "<DataFrame>", mw=None
) -> Study:
    """Shift times, build the ``Study``, validate it and raise one ``DataError`` for all."""
    from kinetor.data.validate import validate_study

    if time not in ("actual", "nominal"):
        raise DataError(Problem(f"time={time!r}", fix="use time='actual' or time='nominal'"))
    problems = list(parts.problems)
    _shift_to_first_dose(parts)
    conc = _apply_time_mode(parts.conc, time, parts.notes)
    note_below_lloq(conc, parts.notes)
    units = {k: format_unit(v) for k, v in parts.units.items() if v and _known(v)}
    if parts.subjects is not None:
        subj = conc["subject"].astype(str).to_numpy(object)
        seed = parts.subject_codes
        if seed is None or not same_memory(seed[0], subj):
            seed = parts.subject_codes = (subj, factorize(subj))  # one hash a run
        codes, first = seed[1]  # ids in order of first appearance
        ids = pd.unique(
            np.concatenate(
                [
                    first.astype(object) if (codes >= 0).all() else subj,
                    parts.doses["subject"].astype(str).to_numpy(object),
                ]
            )
        )
        known = pd.Index(parts.subjects["subject"].astype(str).to_numpy(object))
        ids = ids[(ids != "") & ~pd.Index(ids).isin(known)]
        missing = list(ids)
        if missing:
            parts.subjects = pd.concat(
                [parts.subjects, pd.DataFrame({"subject": missing})], ignore_index=True
            )
    mw_dict = (
        mw
        if isinstance(mw, dict)
        else (
            {a: float(mw) for a in pd.unique(conc["analyte"])}
            if mw is not None and "analyte" in conc.columns
            else {}
        )
    )
    # a missing unit is reported once; a stand-in unit lets validation find the rest
    missing = [u for u in ("time", "conc", "dose") if u not in units]
    told = " ".join(p.message for p in problems)
    for u in missing:
        if f"{u} unit" in told:
            continue
        if u == "dose" and len(parts.doses) == 0:
            problems.append(
                Problem(
                    "no doses in the data",
                    file=source,
                    fix="give the doses: a dose column, a doses table "
                    "(--doses FILE, doses=...), EX records or dose "
                    "records",
                )
            )
        else:
            problems.append(
                Problem(
                    f"no {u} unit given",
                    file=source,
                    fix=f"give --{u}-unit {_STAND_IN[u]} (Python: "
                    f"units={{'{u}': '{_STAND_IN[u]}'}}), or the unit "
                    "that applies",
                )
            )
    try:
        with subject_seed(parts.subject_codes):  # its checks hash no id column again
            study = Study(
                conc,
                parts.doses,
                subjects=parts.subjects,
                units={**{u: _STAND_IN[u] for u in missing}, **units},
                groups=list(groups) if groups else ["group"],
                source=source,
                roles=dict(parts.roles),
                mw=mw_dict,
                notes=list(parts.notes),
                files=dict(parts.files),
            )
    except DataError as exc:
        problems += [
            Problem(p.message, file=p.file or source, row=p.row, column=p.column, fix=p.fix)
            for p in exc.problems
        ]
        raise DataError(_in_order(problems)) from None
    except UnitError as exc:
        problems.append(Problem(str(exc), file=source, fix="pass units={...} with known units"))
        raise DataError(_in_order(problems)) from None
    if parts.subject_codes is not None:
        study._seed_subject_codes(*parts.subject_codes)
    for column, (values, result) in parts.column_codes.items():
        study._seed_codes(column, values, result)
    if groups:
        missing = [g for g in groups if g not in study.groups]
        problems += [
            Problem(
                f"group column {g!r} not found",
                file=source,
                column=g,
                fix="name a column of the file in groups=[...]",
            )
            for g in missing
        ]
    # one problem per cell: validation repeats nothing the reader already reported
    seen = {(p.file, p.row, p.column) for p in problems if p.row is not None}
    problems += [p for p in validate_study(study) if (p.file, p.row, p.column) not in seen]
    if problems:
        raise DataError(_in_order(set(problems)))
    return study


def rename_extras(
    frame: pd.DataFrame,
    used: set[str],
    taken: Iterable[str] = ("conc_reported", "profile", "actual_time"),
) -> pd.DataFrame:
    """Unmapped source columns, renamed ``orig_<name>`` where they collide with a
    canonical column name or a column the reader makes itself (``taken``)."""
    taken = set(taken)
    extra = pd.DataFrame(
        {
            c: cells_as_text(frame[c]) if is_number_column(frame[c]) else frame[c]
            for c in frame.columns
            if c not in used
        },
        index=frame.index,
    )
    return extra.rename(
        columns={c: f"orig_{c}" for c in extra.columns if c in CANONICAL or c in taken}
    )
