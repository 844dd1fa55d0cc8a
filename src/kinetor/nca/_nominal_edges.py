"""Dosing intervals whose edge sample was taken off its nominal time.

PKNCA and Phoenix select an interval's samples by actual time, and so does kinetor (the
values are never changed here). When a dosing interval (kind ``"tau"``) has no sample at
its end (start) by actual time, but the subject has a sample whose *nominal* time is that
end (start), taken at another actual time (a 24 h sample drawn at 24.014 h), CTROUGH
(CSTART) is not given and AUCTAU is extrapolated with lambda_z, or NaN where lambda_z is
not estimable. ``mark_nominal_edges`` finds those samples (meta columns
``nominal_end_actual`` and ``nominal_start_actual``: the sample's actual time, NaN where
none), ``nominal_edge_notes`` names them with the fix (``--time nominal``, ``time="nominal"``
in :func:`kinetor.nca.nca`, or correct the sample or dose times) and ``edge_reasons`` adds
the cause to the "no sample at the end/start" reasons of the parameter table.

A sample counts when its nominal time equals the edge, its actual time does not, and it
lies less than half the interval from the edge (nominal times given relative to each dose
never match that way). The start is checked after a repeated dose only (before a first
dose the start concentration is 0 whatever the predose sample).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["edge_reasons", "mark_nominal_edges", "nominal_edge_notes"]

_COLS = {"end": "nominal_end_actual", "start": "nominal_start_actual"}
_FIX = (
    "to select samples by nominal time give --time nominal (time='nominal' in "
    "kinetor.nca.nca), or correct the sample or dose times"
)


def _tol(x: np.ndarray) -> np.ndarray:
    return 1e-9 * np.maximum(1.0, np.abs(np.where(np.isfinite(x), x, 1.0)))


def mark_nominal_edges(rows, r_idx, r_pid, meta: pd.DataFrame, options) -> pd.DataFrame:
    """``meta`` with ``nominal_end_actual`` / ``nominal_start_actual`` where a dosing
    interval lacks its edge sample by actual time but has one by nominal time.

    ``r_idx``/``r_pid`` link every row of a profile's key to the profile (before the rows
    outside the interval are dropped). Unchanged when the analysis uses nominal times,
    is sparse, or the data have no nominal times."""
    if options.time != "actual" or options.sparse or "nominal_time" not in rows.columns:
        return meta
    if not len(r_idx) or not (meta["kind"].to_numpy() == "tau").any():
        return meta
    nom = pd.to_numeric(pd.Series(rows["nominal_time"]), errors="coerce").to_numpy(float)[r_idx]
    if np.isnan(nom).all():
        return meta
    t = rows["time"].to_numpy(float)[r_idx]
    n = len(meta)
    start, end = meta["start"].to_numpy(float), meta["end"].to_numpy(float)
    later = ~meta["first"].to_numpy(bool) | meta["ss"].to_numpy(bool)
    ok = {"end": meta["kind"].to_numpy() == "tau", "start": (meta["kind"] == "tau") & later}
    out = {}
    for which, edge in (("end", end), ("start", start)):
        e, half = edge[r_pid], (end - start)[r_pid] / 2
        with np.errstate(invalid="ignore"):
            at = np.abs(t - e) <= _tol(e)
            cand = np.asarray(ok[which])[r_pid] & (np.abs(nom - e) <= _tol(e)) & ~at
            cand &= np.abs(t - e) < half
        has = np.bincount(r_pid[at], minlength=n) > 0
        i = np.flatnonzero(cand & ~has[r_pid])
        if not len(i):
            continue
        i = i[np.lexsort((np.abs(t[i] - e[i]), r_pid[i]))]  # the nearest one per profile
        pids, first = np.unique(r_pid[i], return_index=True)
        col = np.full(n, np.nan)
        col[pids] = t[i[first]]
        out[_COLS[which]] = col
    return meta.assign(**out) if out else meta


def nominal_edge_notes(meta: pd.DataFrame, tunit: str) -> list[str]:
    """One note per dosing interval and edge naming the profiles whose edge sample was
    taken off its nominal time, what that costs and the fix."""
    u = f" {tunit}" if tunit else ""
    notes = []
    for which, col in _COLS.items():
        if col not in meta.columns:
            continue
        actual = meta[col].to_numpy(float)
        m = meta[np.isfinite(actual)]
        for (a, b), g in m.groupby(["start", "end"], sort=True):
            edge = b if which == "end" else a
            who = []
            for r in g.itertuples():
                t = getattr(r, col)
                out = t < r.win_lo or t > r.win_hi
                where = ", outside the interval" if out else ""
                who.append(f"subject {r.subject}, {r.analyte} (taken at {t:g}{u}{where})")
            listed = "; ".join(who[:10]) + (f" ... ({len(who)} in all)" if len(who) > 10 else "")
            cost = (
                "CTROUGH is not given and AUCTAU (with CAVG) is taken to the end by lambda_z "
                "extrapolation from the last sample, NaN where lambda_z is not estimable"
                if which == "end"
                else "CSTART (with AUCAPRED) is not given and the concentration at the start "
                "is imputed (the minimum observed in the interval, or C0 back-extrapolated)"
            )
            notes.append(
                f"dosing interval {a:g}-{b:g}{u}: no sample at its {which} ({edge:g}{u}) by "
                f"actual time, but a sample with nominal time {edge:g}{u} for {listed}: "
                f"{cost} (samples are selected by actual time, as in PKNCA and Phoenix); "
                f"{_FIX}"
            )
    return notes


def edge_reasons(run) -> None:
    """Add the cause to the engine's "no sample at the end/start ..." reasons of the
    profiles ``mark_nominal_edges`` marked (the values stay as computed)."""
    meta = run.meta
    for which, col in _COLS.items():
        if col not in meta.columns:
            continue
        hit = np.isfinite(meta[col].to_numpy(float))
        if not hit.any():
            continue
        head = f"no sample at the {which}"
        tail = (
            f"; a sample has the nominal {which} time but another actual time (see the "
            "notes: --time nominal selects samples by nominal time)"
        )
        for key, codes in list(run.reasons.items()):
            value = run.ctx.get(key)
            if value is None or np.shape(codes) != (run.P,) or np.shape(value) != (run.P,):
                continue
            nan = hit & np.isnan(value)
            if not nan.any():
                continue
            new = np.asarray(codes, np.int32)
            for c in np.unique(new[nan]):
                msg = run.why.messages[int(c)]
                if msg.startswith(head) and tail not in msg:
                    new = np.where(nan & (new == c), run.why.code(msg + tail), new)
            run.reasons[key] = new.astype(np.int32)
