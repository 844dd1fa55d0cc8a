"""Nominal sampling times derived from actual times and the protocol's schedule.

Mean profiles need nominal times (subjects sampled "at 1 h" are averaged together even
when their actual times differ by minutes). When the file has none, ``bin_nominal_times``
gives each sample the protocol time nearest to its actual time (on the study's time
scale, from the first dose), optionally only within a tolerance.

Examples
--------
>>> import pandas as pd
>>> from kinetor.data import Study
>>> conc = pd.DataFrame({"subject": ["a", "a", "b", "b"], "time": [0.27, 1.05, 0.24, 0.98],
...                      "conc": [1.0, 2.0, 1.5, 2.5]})
>>> doses = pd.DataFrame({"subject": ["a", "b"], "time": 0.0, "dose": 1.0, "route": "PO"})
>>> st = Study(conc, doses, units={"time": "h", "conc": "ng/mL", "dose": "mg"})
>>> bin_nominal_times(st, [0, 0.25, 0.5, 1]).conc["nominal_time"].tolist()
[0.25, 1.0, 0.25, 1.0]
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from kinetor.errors import DataError, KinetorError, Problem

__all__ = ["bin_nominal_times", "parse_time_list"]


def parse_time_list(text: str) -> list[float]:
    """``"0,0.25,0.5,1"`` -> ``[0.0, 0.25, 0.5, 1.0]`` (KinetorError naming a bad entry).

    Examples
    --------
    >>> parse_time_list("0, 0.5,1")
    [0.0, 0.5, 1.0]
    """
    out = []
    for part in str(text).split(","):
        part = part.strip()
        if not part:
            continue
        try:
            out.append(float(part))
        except ValueError:
            raise KinetorError(
                f"nominal time {part!r} is not a number: write e.g. --nominal-times 0,0.25,0.5,1,2"
            ) from None
    return out


def bin_nominal_times(study, nominal, tolerance: float | None = None):
    """A copy of ``study`` whose samples without a nominal time get the nearest protocol
    time (``nominal``, study time unit, from the first dose); nominal times in the file
    are kept.

    Without ``tolerance`` a sample goes to its nearest protocol time only inside that
    time's window: up to half the gap to each neighbouring protocol time (before the first
    one: half the first gap; after the last one: half the last gap). A sample outside every
    window is never put into a far nominal time: a ``DataError`` lists it (give protocol
    times covering it, e.g. those of the last dose of a multiple-dose study, or a
    tolerance). With ``tolerance`` a sample further than that from every protocol time
    keeps no nominal time. The number of binned (and unbinned) samples goes into
    ``Study.notes``.
    """
    grid = np.unique(np.asarray(list(nominal), dtype=float))
    if not grid.size or not np.isfinite(grid).all():
        raise KinetorError("nominal times: give a list of finite numbers, e.g. 0,0.5,1,2")
    if tolerance is not None and not float(tolerance) >= 0:  # inf: every sample binned
        raise KinetorError(
            f"nominal time tolerance {tolerance!r}: give a number >= 0 "
            "(--nominal-tolerance, or tolerance= in Python)"
        )
    conc = study.conc.copy()
    t = conc["time"].to_numpy(float)
    nom = (
        conc["nominal_time"].to_numpy(float).copy()
        if "nominal_time" in conc.columns
        else np.full(len(conc), np.nan)
    )
    todo = np.isnan(nom) & np.isfinite(t)
    idx = (
        np.clip(np.searchsorted(grid, t), 1, max(len(grid) - 1, 1))
        if len(grid) > 1
        else np.zeros(len(t), int)
    )
    if len(grid) > 1:
        lo, hi = grid[idx - 1], grid[idx]
        near = np.where(np.abs(t - lo) <= np.abs(hi - t), lo, hi)
    else:
        near = np.full(len(t), grid[0])
    unit = study.units.get("time", "")
    if tolerance is None:
        gap = np.diff(grid)
        first = grid[0] - (gap[0] / 2 if gap.size else 0.0)
        last = grid[-1] + (gap[-1] / 2 if gap.size else 0.0)
        outside = todo & ((t < first - 1e-9) | (t > last + 1e-9))
        if outside.any():
            _refuse(study, np.flatnonzero(outside), t, near, grid, (first, last), unit)
        ok = todo
    else:
        ok = todo & (np.abs(near - t) <= float(tolerance))
    nom[ok] = near[ok]
    conc["nominal_time"] = nom
    notes = list(study.notes)
    notes.append(
        f"nominal times: {int(ok.sum())} samples binned to the nearest protocol "
        f"time ({', '.join(f'{g:g}' for g in grid)} {unit})"
    )
    if (todo & ~ok).any():
        notes.append(
            f"nominal times: {int((todo & ~ok).sum())} samples further than "
            f"{tolerance:g} {unit} from every protocol time keep none"
        )
    return replace(study, conc=conc, notes=notes)


def _refuse(study, bad, t, near, grid, span, unit: str):
    """DataError naming the samples that lie outside every protocol time's window."""
    rows = (
        study.conc["source_row"].to_numpy()
        if "source_row" in study.conc.columns
        else np.full(len(t), np.nan)
    )
    fix = (
        "add protocol times covering them to --nominal-times (nominal= in Python): times "
        "from the first dose, for a multiple-dose study those after each sampled dose, here "
        f"up to {t[bad].max():g} {unit}; or give --nominal-tolerance (tolerance= in Python) "
        "to leave samples far from every protocol time without a nominal time"
    )
    problems = [
        Problem(
            f"time {t[i]:g} {unit} (subject {study.conc['subject'].iloc[i]!r}) is outside "
            f"every nominal time's window ({span[0]:g} to {span[1]:g} {unit}); the nearest, "
            f"{near[i]:g} {unit}, is {abs(t[i] - near[i]):g} {unit} away",
            file=study.source,
            row=int(rows[i]) if np.isfinite(float(rows[i])) else None,
            column="time",
            fix=fix,
        )
        for i in bad[:20]
    ]
    if len(bad) > 20:
        problems.append(
            Problem(
                f"... and {len(bad) - 20} more samples outside every nominal time's window",
                file=study.source,
                column="time",
                fix=fix,
            )
        )
    raise DataError(problems)
