"""NONMEM resets in a study's dose table: when each dose stops acting.

A reset (``EVID 3``; ``EVID 4``, a reset and a dose; a dose with ``SS = 1``) empties every
compartment of its individual at its ``TIME``: the doses of the records before it act
before that time only, and additional doses (``ADDL``) at or after it are not given
(NONMEM Users Guide Part V, the data items EVID, SS and ADDL; Bauer 2019, CPT
Pharmacometrics Syst Pharmacol 8:525, doi:10.1002/psp4.12404). The NONMEM reader writes the
time in the dose table's ``until`` column (``inf``: no reset after the dose); a table built
in Python may instead flag its reset doses in a ``reset`` column (EVID 4), from which
:func:`dose_until` derives the same times.

>>> import pandas as pd
>>> d = pd.DataFrame({"subject": ["1", "1", "2"], "time": [0.0, 24.0, 0.0],
...                   "reset": [False, True, False]})
>>> dose_until(d).tolist()
[24.0, inf, inf]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["dose_until", "record_until", "with_resets"]


def record_until(subject, time, reset, dose) -> np.ndarray:
    """For each record (in file order), the ``TIME`` of the first reset of its subject
    after it in record order (``inf`` if none): the time its dose stops acting.

    ``reset`` and ``dose`` flag the reset and dose records; a reset record that is also a
    dose (EVID 4, SS = 1) ends the doses before it, not itself.
    """
    subject = np.asarray(subject, dtype=object)
    time = np.asarray(time, dtype=float)
    until = np.full(time.size, np.inf)
    running: dict[object, list[int]] = {}
    for i in range(time.size):
        if reset[i]:
            for j in running.pop(subject[i], []):
                until[j] = time[i]
        if dose[i]:
            running.setdefault(subject[i], []).append(i)
    return until


def _drop_additional_after_reset(doses: pd.DataFrame, file: str, notes: list[str]) -> pd.DataFrame:
    """Doses expanded from ``ADDL`` (rows after the first of their ``source_row``) at or
    after their ``until`` are not given: left out, with a note."""
    if "until" not in doses.columns or doses.empty:
        return doses
    added = doses["source_row"].duplicated().to_numpy()
    gone = added & (doses["time"].to_numpy(float) >= doses["until"].to_numpy(float))
    if not gone.any():
        return doses
    rows = sorted({int(r) for r in doses.loc[gone, "source_row"]})
    notes.append(
        f"{file}: {int(gone.sum())} additional dose(s) (ADDL) at or after a reset of their "
        f"subject are not given (NONMEM), from row(s) {', '.join(map(str, rows))}"
    )
    return doses[~gone].reset_index(drop=True)


def dose_until(doses: pd.DataFrame) -> np.ndarray:
    """When each dose row stops acting: its ``until`` (NaN read as no reset), else derived
    from ``reset`` flags (a reset dose at u ends the earlier doses of its subject at u),
    else ``inf`` everywhere."""
    n = len(doses)
    if "until" in doses.columns:
        u = pd.to_numeric(doses["until"], errors="coerce").to_numpy(float)
        return np.where(np.isnan(u), np.inf, u)
    until = np.full(n, np.inf)
    if "reset" not in doses.columns:
        return until
    reset = _flags(doses["reset"])
    t = doses["time"].to_numpy(float)
    subject = doses["subject"].astype(str).to_numpy()
    for s, u in zip(subject[reset], t[reset], strict=True):
        own = (subject == s) & (t < u)
        until[own] = np.minimum(until[own], u)
    return until


def with_resets(doses, evid, commented, subject, time, dose_rec, t, notes) -> pd.DataFrame:
    """The NONMEM reader's dose table with ``until`` (only when some dose is ended by a
    reset): resets are ``EVID`` 3/4 records and doses with ``SS = 1`` that are not
    commented out (``commented``); ``t`` is the reader's table (its ``rows`` and ``file``)."""
    rows = np.asarray(t.rows)
    ss1 = doses.loc[doses["ss"] == 1, "source_row"].to_numpy() if len(doses) else []
    reset = ~np.asarray(commented, bool) & (
        np.isin(evid, [3, 4]) | (np.asarray(dose_rec, bool) & np.isin(rows, ss1))
    )
    until = record_until(subject, time, reset, dose_rec)
    if not np.isfinite(until).any():
        return doses
    by_row = dict(zip(rows.tolist(), until.tolist(), strict=True))
    out = doses.assign(until=doses["source_row"].map(by_row).astype(float))
    return _drop_additional_after_reset(out, t.file, notes)


def _flags(col: pd.Series) -> np.ndarray:
    """``reset`` as booleans: True/False, 1/0 or their text (a table written by
    ``write_csv`` and read back has the words; any non-empty text would be truthy)."""
    if col.dtype == bool:
        return col.to_numpy()
    text = col.astype("string").fillna("").str.strip().str.lower()
    return text.isin(["true", "1", "1.0", "yes"]).to_numpy(bool)
