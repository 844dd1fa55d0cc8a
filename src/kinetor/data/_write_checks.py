"""What the writers refuse: doses whose meaning a layout cannot hold (NONMEM resets,
steady state, modelled infusion rates), and samples ISO 8601 date-times would merge."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = ["below_lloq_note", "check_distinct_at_ns", "refuse_lost_doses", "several_doses"]


def _when(subject, hours: float, unit: str) -> str:
    return f"subject {subject!r} at {hours:g} {unit}"


def refuse_lost_doses(doses: pd.DataFrame, unit: str, target: str, file: str = "") -> None:
    """Refuse doses that ``target`` ("SEND/SDTM EX" or "a single CSV table") cannot hold:
    a NONMEM reset (``reset``/``until``: the doses before it stop acting), a steady-state
    dose (``ss`` != 0: the regimen before it) and a modelled infusion (an infusion whose
    duration is unknown, NONMEM ``RATE=-2``). Each problem names subject and time."""
    d = doses.reset_index(drop=True)
    problems = []
    t = d["time"].to_numpy(float)
    subj = d["subject"].astype(str).to_numpy()
    first = ~d["subject"].astype(str).duplicated().to_numpy()
    until = pd.to_numeric(d["until"], errors="coerce").to_numpy(float) if "until" in d else None
    reset = (
        d["reset"].astype(str).str.lower().isin(["true", "1"]).to_numpy() & ~first
        if "reset" in d
        else np.zeros(len(d), bool)
    )
    shown = set()
    if until is not None:
        for i in np.flatnonzero(np.isfinite(until)):
            shown.add((subj[i], float(until[i])))
    for i in np.flatnonzero(reset):
        shown.add((subj[i], float(t[i])))
    for s, at in sorted(shown):
        problems.append(
            Problem(
                f"{_when(s, at, unit)}: a NONMEM reset (EVID 3/4) ends the doses before it; "
                f"{target} cannot express a reset, the earlier doses would act on",
                file=file,
                column="reset",
                fix="write_csv(study, 'out/') to a folder keeps resets",
            )
        )
    ss = pd.to_numeric(d["ss"], errors="coerce").fillna(0).to_numpy(float) if "ss" in d else None
    if ss is not None:
        for i in np.flatnonzero(ss != 0):
            problems.append(
                Problem(
                    f"{_when(subj[i], t[i], unit)}: a steady-state dose (SS={ss[i]:g}, "
                    f"II={float(d['ii'].iloc[i]) if 'ii' in d else float('nan'):g}); {target} "
                    "would hold it as a single dose",
                    file=file,
                    column="ss",
                    fix="write_csv(study, 'out/') to a folder keeps ss and ii",
                )
            )
    dur = d["duration"].to_numpy(float) if "duration" in d else np.zeros(len(d))
    route = d["route"].astype(str).to_numpy()
    modelled = np.isin(route, ["iv_infusion", "extravascular"]) & ~np.isfinite(dur)
    for i in np.flatnonzero(modelled):
        problems.append(
            Problem(
                f"{_when(subj[i], t[i], unit)}: an input without a known duration (a "
                f"modelled rate, NONMEM RATE=-2); {target} cannot hold it and it would read "
                "back as another regimen",
                file=file,
                column="duration",
                fix="give the duration (NONMEM RATE = AMT/duration), or keep the NONMEM file",
            )
        )
    zero_order = (route == "extravascular") & np.isfinite(dur) & (dur > 0)
    for i in np.flatnonzero(zero_order):
        problems.append(
            Problem(
                f"{_when(subj[i], t[i], unit)}: a zero-order input of {dur[i]:g} {unit} into an "
                f"extravascular site; {target} would hold it as a first-order dose",
                file=file,
                column="duration",
                fix="write_csv(study, 'out/') to a folder keeps the duration, or keep the "
                "NONMEM file",
            )
        )
    if problems:
        raise DataError(problems)


def several_doses(doses: pd.DataFrame, file: str) -> None:
    """Refuse subjects with more than one dose (a single table holds one), named."""
    counts = doses["subject"].astype(str).value_counts(sort=False)
    many = counts[counts > 1]
    if len(many):
        names = ", ".join(f"{s!r} ({n} doses)" for s, n in list(many.items())[:10])
        raise DataError(
            Problem(
                f"{len(many)} subject(s) have several doses: {names}"
                f"{' ...' if len(many) > 10 else ''}; a single table holds one dose per subject",
                file=file,
                fix="write to a folder instead: write_csv(study, 'out/')",
            )
        )


def check_distinct_at_ns(c: pd.DataFrame, hours: np.ndarray) -> None:
    """Refuse samples that ISO 8601 date-times (1 ns resolution) would make duplicates."""
    ns = np.round(hours * 3600e9)
    key = pd.DataFrame(
        {
            "subject": c["subject"].astype(str),
            "analyte": c["analyte"].astype(str),
            "ns": ns,
            "t": hours,
        }
    )
    clash = key[
        np.isfinite(ns)
        & key.duplicated(["subject", "analyte", "ns"], keep=False)
        & ~key.duplicated(["subject", "analyte", "t"], keep=False)
    ]
    if len(clash):
        rows = ", ".join(str(i + 1) for i in clash.index[:10])
        raise DataError(
            Problem(
                f"samples of subject {clash['subject'].iloc[0]} at times that differ by less than "
                f"1 ns (rows {rows} of the concentration table) would be written as the same "
                "PCDTC date-time",
                column="time",
                fix="round the times to the precision they were recorded with, or write_csv",
            )
        )


def below_lloq_note(conc: pd.DataFrame, target: str, notes: list[str]) -> None:
    """Note the samples kept as observations below their LLOQ (a BLQ flag of 0, NONMEM
    CENS = 0): PC has no such flag, so read back they are BLQ (the number stays in PCORRES)."""
    if not {"conc", "lloq", "blq"} <= set(conc.columns):
        return
    v = pd.to_numeric(conc["conc"], errors="coerce").to_numpy(float)
    lloq = pd.to_numeric(conc["lloq"], errors="coerce").to_numpy(float)
    with np.errstate(invalid="ignore"):
        kept = ~conc["blq"].to_numpy(bool) & (v < lloq) & (v >= 0)
    if kept.any():
        who = ", ".join(
            f"{s} at {t:g}"
            for s, t in zip(conc["subject"][kept][:10], conc["time"][kept][:10], strict=True)
        )
        notes.append(
            f"{target} PC: {int(kept.sum())} sample(s) below their LLOQ kept as observations "
            f"by a BLQ flag of 0 ({who}): PC has no such flag, so read back they are BLQ "
            "(the number stays in PCORRES); write_csv to a folder keeps them"
        )
