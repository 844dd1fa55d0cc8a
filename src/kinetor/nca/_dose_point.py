"""The point Phoenix inserts at the dose time: column 0 of the padded profiles.

Phoenix NCA computation rules ("data checking and pre-treatment"), when no sample exists
at the dose time: C = 0 for an extravascular or infusion first dose; at steady state (a
dosing interval after an earlier dose or declared steady state, and a partial area after a
repeated dose) the minimum observed during the dose's interval, from the dose time to the
dose time + tau; for an IV bolus C0 back-extrapolated from the first two samples. A sample
at the dose time is used as is; for an IV bolus at steady state that sample is most likely
the predose trough, and a note says so.

Examples
--------
>>> import numpy as np
>>> import pandas as pd
>>> meta = pd.DataFrame({"kind": ["tau"], "tau": [12.0], "first": [False], "ss": [False],
...     "route": ["extravascular"], "dose_time": [12.0], "next_time": [np.nan],
...     "start": [12.0], "end": [24.0], "subject": ["a"], "analyte": ["X"]})
>>> Tobs = np.array([[1.0, 12.0, 24.0]]); Cobs = np.array([[4.6, 1.3, 0.4]])
>>> t0, c0, notes = dose_time_point(Tobs, Cobs, np.array([3]), meta)
>>> float(c0[0])   # the minimum in [0, tau], not the 0.4 of the washout at 24 h
1.3
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.nca._kernels import back_extrapolate_c0

__all__ = ["dose_time_point", "zero_bolus_start"]


def _steady(meta: pd.DataFrame) -> np.ndarray:
    kind = meta["kind"].to_numpy()
    first = meta["first"].to_numpy(bool)
    declared = meta["ss"].to_numpy(bool) if "ss" in meta.columns else np.zeros(len(meta), bool)
    return ((kind == "tau") & (~first | declared)) | ((kind == "partial") & ~first)


def _dose_interval(meta: pd.DataFrame) -> np.ndarray:
    """Length of the dose's interval (from the profile's origin): tau for a dosing
    interval; for a partial area the time to the next dose, after the last dose the
    interval before it (as the last default dosing interval); inf when unknown."""
    n = len(meta)
    nan = np.full(n, np.nan)
    dose_t = meta["dose_time"].to_numpy(float) if "dose_time" in meta.columns else nan
    nxt = meta["next_time"].to_numpy(float) if "next_time" in meta.columns else nan
    prev = meta["prev_time"].to_numpy(float) if "prev_time" in meta.columns else nan
    span = np.where(np.isnan(nxt), dose_t - prev, nxt - dose_t)
    span = np.where(meta["kind"].to_numpy() == "tau", meta["tau"].to_numpy(float), span)
    return np.where(np.isnan(span), np.inf, span)


def dose_time_point(Tobs, Cobs, counts, meta, first_row=None, tunit: str = ""):
    """Time and concentration of column 0, and notes: ``(t0, c0, notes)``.

    ``Tobs``/``Cobs`` (P, N) are the observed samples (time from the origin), ``first_row``
    (P,) the source row of each profile's first sample (for the notes)."""
    route = meta["route"].to_numpy()
    first_obs_t = Tobs[:, 0]
    at_zero = first_obs_t == 0
    steady = _steady(meta)
    span = _dose_interval(meta)
    c0, empty = np.zeros(len(meta)), np.zeros(len(meta), bool)
    bolus = route == "iv_bolus"
    if steady.any():  # single-dose studies: nothing to search
        tol = 1e-9 * np.maximum(1.0, np.where(np.isfinite(span), np.abs(span), 1.0))
        with np.errstate(invalid="ignore"):
            in_dose = Tobs <= (span + tol)[:, None]
        obs = ~np.isnan(Cobs)  # concentrations are finite: inf marks "no sample"
        c_all = np.where(obs, Cobs, np.inf).min(axis=1, initial=np.inf)
        cmin = np.where(obs & in_dose, Cobs, np.inf).min(axis=1, initial=np.inf)
        # no sample in the dose's interval (a partial area long after the last dose):
        # the profile's minimum, with a note
        empty = steady & ~bolus & ~at_zero & (route != "unknown") & np.isinf(cmin)
        c0 = np.where(steady, np.where(np.isinf(cmin), c_all, cmin), 0.0)
    if bolus.any():
        c0 = np.where(bolus, back_extrapolate_c0(Tobs, Cobs, counts), c0)
    c0 = np.where(at_zero, Cobs[:, 0], c0)
    unknown = route == "unknown"
    t0 = np.where(unknown, first_obs_t, 0.0)
    c0 = np.where(unknown, Cobs[:, 0], c0)
    notes = _notes(meta, empty, "no sample", span, first_row, tunit)
    notes += _notes(meta, steady & bolus & at_zero, "trough", span, first_row, tunit)
    return t0, c0, notes


def zero_bolus_start(pid, t, c, meta, tunit: str = ""):
    """``(keep, notes)``: an IV bolus profile whose sample at the dose time is 0 (a BLQ
    sample the rule sets to 0) while a later one is > 0 leaves that sample out, so that
    C0 is back-extrapolated from the first two samples after it (Phoenix; PKNCA's ``c0``
    uses the dose-time value only when it is > 0), never C0 = 0 and a rising first
    segment. ``pid``, ``t`` (from the origin), ``c``: the samples in profile and time
    order."""
    keep = np.ones(len(pid), bool)
    if not len(pid):
        return keep, []
    first = np.ones(len(pid), bool)
    first[1:] = pid[1:] != pid[:-1]
    bolus = meta["route"].to_numpy()[pid] == "iv_bolus"
    has_pos = np.bincount(pid[c > 0], minlength=len(meta)) > 0
    drop = first & bolus & (t == 0) & ~(c > 0) & has_pos[pid]
    if not drop.any():
        return keep, []
    keep[drop] = False
    u = f" {tunit}" if tunit else ""
    m = meta.iloc[pid[drop]]
    who = [
        f"subject {s}, {a} (dose at {o:g}{u})"
        for s, a, o in zip(m["subject"], m["analyte"], m["origin"], strict=True)
    ]
    note = (
        f"IV bolus: the sample at the dose time is 0 (BLQ) for {_listed(who)}; C0 is "
        "back-extrapolated from the first two samples after it (PKNCA's c0 and Phoenix use "
        "the dose-time sample only when it is > 0), and that sample is left out of the areas"
    )
    return keep, [note]


def _notes(meta, mask, what: str, span, first_row, tunit: str) -> list[str]:
    """One note per interval (kind, start, end) naming its profiles (10 at most)."""
    if not mask.any():
        return []
    u = f" {tunit}" if tunit else ""
    origin = meta["origin"].to_numpy(float)
    rows = np.full(len(meta), -1) if first_row is None else first_row
    m = meta.assign(dp_origin=origin, dp_end=origin + span, dp_row=rows)
    notes = []
    for (kind, a, b), g in m[mask].groupby(["kind", "start", "end"], sort=True):
        head = f"{'dosing interval' if kind == 'tau' else 'partial area'} {a:g}-{b:g}{u}"
        if what == "no sample":
            who = [
                f"subject {r.subject}, {r.analyte} (dose at {r.dp_origin:g}{u}, interval "
                f"to {r.dp_end:g}{u})"
                for r in g.itertuples()
            ]
            notes.append(
                f"{head}: no sample between the dose and the end of the dose's interval for "
                f"{_listed(who)}; the concentration at the dose time is the minimum of the "
                "profile's later samples"
            )
            continue
        who = [
            f"subject {r.subject}, {r.analyte}"
            + (f" (row {int(r.dp_row)})" if r.dp_row > 0 else "")
            for r in g.itertuples()
        ]
        notes.append(
            f"{head}, IV bolus at steady state: C0 is the sample at the dose time for "
            f"{_listed(who)}, probably the predose trough of the previous dose; to "
            "back-extrapolate C0 from the first two samples after the dose instead, exclude "
            "that sample (give a reason in its 'exclude' column)"
        )
    return notes


def _listed(who: list[str]) -> str:
    return "; ".join(who[:10]) + (f" ... ({len(who)} in all)" if len(who) > 10 else "")
