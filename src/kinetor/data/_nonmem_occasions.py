"""NONMEM resets that restart TIME, read as occasions (``read_study(..., occasions=True)``).

In NONMEM an ``EVID`` 3 or 4 record resets the compartments, and a data set may restart
``TIME`` there: the periods of a crossover in one subject's records. kinetor keeps one time
axis per subject, so by default such a reset is refused (with the row). With
``occasions=True`` each restart begins a new occasion of the subject: its records are read
as subject ``"<ID>/<k>"`` (k = 1, 2, ... in file order, every occasion of a subject that has
more than one is labelled), with the original ``ID`` in the column ``nonmem_id`` and ``k`` in
``occasion``. A reset that does not restart time stays a reset dose of the same subject.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd

from kinetor.data._domain import _T
from kinetor.data._text import RawTable
from kinetor.data.values import is_missing
from kinetor.errors import Problem

__all__ = ["commented_records", "resets_refused", "split_occasions"]


def commented_records(t: _T) -> np.ndarray:
    """Records commented out by a ``C`` column (set, not empty, ``.`` or 0)."""
    if not t.has("C"):
        return np.zeros(len(t.f), bool)
    cv = t.col("C")
    return ~(is_missing(cv) | cv.isin(["0", "0.0"]).to_numpy())


def split_occasions(raw: RawTable) -> RawTable:
    """``raw`` (text cells, NONMEM columns) with subjects split at time-restarting resets."""
    t = _T(raw)
    if not (t.has("ID") and t.has("TIME")):
        return raw  # the reader names the missing columns
    f = raw.frame
    ignored: list[Problem] = []  # unreadable numbers are reported by the reader itself
    subject = t.col("ID").to_numpy()
    time = t.numbers("TIME", ignored, "TIME")
    evid = t.numbers("EVID", ignored, "EVID") if t.has("EVID") else np.zeros(len(f))
    commented = commented_records(t)
    occasion = np.ones(len(f), dtype=np.int64)
    state: dict[str, tuple[int, float]] = {}  # subject -> (occasion, latest time seen)
    for i, (s, tm, e) in enumerate(zip(subject, time, evid, strict=True)):
        occ, latest = state.get(s, (1, -np.inf))
        live = not commented[i] and np.isfinite(tm)
        if live and e in (3.0, 4.0) and tm < latest:
            occ, latest = occ + 1, -np.inf
        if live:
            latest = max(latest, tm)
        state[s] = (occ, latest)
        occasion[i] = occ
    split = {s for s, (occ, _) in state.items() if occ > 1}
    if not split:
        return raw
    many = np.isin(subject, list(split))
    new_id = np.where(many, [f"{s}/{k}" for s, k in zip(subject, occasion, strict=True)], subject)
    frame = f.copy()
    frame[t.names["ID"]] = new_id
    frame["nonmem_id"] = subject
    frame["occasion"] = occasion.astype(str)
    n_occ = sum(state[s][0] for s in split)
    note = (
        f"{raw.file}: {len(split)} subject(s) with resets (EVID 3/4) that restart TIME read "
        f"as {n_occ} occasions '<ID>/<k>' (original ID in nonmem_id, k in occasion)"
    )
    return replace(raw, frame=frame, notes=[*raw.notes, note], codes={})


def resets_refused(t, subject, time, evid, commented) -> list[Problem]:
    """EVID 3/4 records whose TIME goes back: the reset restarts time (refused without
    ``occasions=True``). ``t`` is the reader's column accessor."""
    keep = ~commented & ~np.isnan(time)
    seen = pd.Series(np.where(keep, time, -np.inf)).groupby(subject).cummax()
    before = seen.groupby(subject).shift(1).fillna(-np.inf).to_numpy(float)
    bad = np.isin(evid, [3, 4]) & keep & (time < before)
    return [
        Problem(
            f"a reset (EVID {e:g}) restarts time at TIME {v:g}, before earlier records "
            f"of subject {s} (up to {b:g})",
            file=t.file,
            row=int(r),
            column=t.names["TIME"],
            fix="read each period as an occasion (--occasions; occasions=True in Python), "
            "give the periods as separate subjects (ID) or continue TIME across the reset",
        )
        for r, e, v, s, b in zip(
            t.rows[bad], evid[bad], time[bad], subject[bad], before[bad], strict=True
        )
    ]
