"""Manual lambda_z selections (``lambda_z_range``, ``lambda_z_points``,
``lambda_z_exclude``): matched to the profiles' samples, every row checked.

A table row that names no profile, or a time at which its profile has no usable sample,
is an error (never a silent no-op); a range that holds fewer usable samples than the fit
needs gives NaN lambda_z with its reason, and a note names the subject, the window and
how many samples it holds (``range_notes``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = ["check_known", "point_flags", "range_columns", "range_notes"]


def point_flags(rows: pd.DataFrame, table, what: str = "lambda_z_exclude") -> np.ndarray:
    """True for rows whose (subject[, analyte, matrix], time) appears in ``table``; a
    table row that names no profile, or a time at which its profile has no usable sample,
    is an error (never a silent no-op)."""
    if table is None or len(table) == 0:
        return np.zeros(len(rows), bool)
    t = pd.DataFrame(table).copy()
    on = [c for c in ("subject", "analyte", "matrix") if c in t.columns]
    t["time"] = t["time"].astype(float)
    t = t[[*on, "time"]].drop_duplicates().reset_index(drop=True)
    probe = pd.DataFrame({c: rows[c].to_numpy(object) for c in on})
    probe["time"] = rows["time"].to_numpy(float)
    for c in on:
        t[c] = t[c].astype(str).str.strip()
        probe[c] = probe[c].astype(str)
    check_known(t, probe, on, what)
    hit = probe.merge(t.assign(_hit=True), on=[*on, "time"], how="left")["_hit"]
    found = t.merge(probe.drop_duplicates().assign(_found=True), on=[*on, "time"], how="left")
    missing = found["_found"].isna().to_numpy()
    if missing.any():
        where = _OPTION.get(what, f"{what}= in Python")
        problems = []
        for i in np.flatnonzero(missing):
            r = t.iloc[i]
            same = np.ones(len(probe), bool)
            for c in on:
                same &= probe[c].to_numpy(object) == r[c]
            times = ", ".join(f"{x:g}" for x in np.unique(probe["time"].to_numpy(float)[same]))
            ids = ", ".join(f"{c} {r[c]!r}" for c in on)
            problems.append(
                Problem(
                    f"{what}: {ids} has no usable sample at time {r['time']:g} "
                    f"(its times: {times})",
                    row=int(i) + 1,
                    column="time",
                    fix=f"give one of its sample times ({where})",
                )
            )
        raise DataError(problems)
    return hit.notna().to_numpy()


_OPTION = {  # where the user gives each manual lambda_z table
    "lambda_z_exclude": "--lambda-z-exclude SUBJECT:TIME, or lambda_z_exclude= in Python",
    "lambda_z_range": "--lambda-z-range SUBJECT:LOWER-UPPER, or lambda_z_range= in Python",
}


def check_known(table: pd.DataFrame, probe: pd.DataFrame, on: list[str], what: str):
    """Every row of a manual lambda_z table must name an analysed profile (no silent
    no-op on a typo or an unknown id)."""
    ids = [c for c in on if c in ("subject", "analyte", "matrix")]
    if not ids:
        return
    known = probe[ids].drop_duplicates().assign(_known=True)
    got = table[ids].reset_index(drop=True).merge(known, on=ids, how="left")["_known"]
    bad = got.isna().to_numpy()
    if bad.any():
        rows = table.reset_index(drop=True)[bad]
        raise DataError(
            [
                Problem(
                    f"{what}: no profile for " + ", ".join(f"{c} {r[c]!r}" for c in ids),
                    row=int(i) + 1,
                    column=ids[0],
                    fix="use a subject (and analyte/matrix) id as it appears in the data "
                    f"({_OPTION.get(what, what + '= in Python')})",
                )
                for i, r in rows.iterrows()
            ]
        )


def range_columns(meta: pd.DataFrame, lambda_z_range) -> pd.DataFrame:
    meta["lz_lower"] = np.nan
    meta["lz_upper"] = np.nan
    if lambda_z_range is not None and len(lambda_z_range):
        r = pd.DataFrame(lambda_z_range).copy()
        on = [c for c in ("subject", "analyte", "matrix", "start") if c in r.columns]
        probe = meta[on].copy()
        for c in on:  # ids compare as text: subject 1 given as an integer still matches
            if c == "start":
                r[c] = r[c].astype(float)
            else:
                r[c] = r[c].astype(str).str.strip()
                probe[c] = probe[c].astype(str)
        check_known(r, probe, on, "lambda_z_range")
        m = probe.merge(r[[*on, "lower", "upper"]].drop_duplicates(on), on=on, how="left")
        meta["lz_lower"] = m["lower"].astype(float).to_numpy()
        meta["lz_upper"] = m["upper"].astype(float).to_numpy()
    return meta


def range_notes(meta: pd.DataFrame, usable: np.ndarray, ranged: np.ndarray, n_min: int, tunit: str):
    """One note per ``lambda_z_range`` window holding fewer than ``n_min`` usable samples
    (``usable``: (P, M) samples in the window, > 0 and not excluded): lambda_z is then
    NaN with its reason, and the note names the subject, the window and the count."""
    n = np.asarray(usable, bool).sum(axis=1)
    few = np.asarray(ranged, bool) & (n < n_min)
    u = f" {tunit}" if tunit else ""
    return [
        f"lambda_z range {lo:g}-{hi:g}{u} of subject {s}, {an} (interval {a:g}-{b:g}{u}) "
        f"holds {k} usable sample(s) (> 0, not excluded), fewer than the {n_min} the fit "
        "needs: lambda_z and the parameters from it are NaN; widen the range"
        for s, an, a, b, lo, hi, k in zip(
            *(meta[c].to_numpy()[few] for c in ("subject", "analyte", "start", "end")),
            meta["lz_lower"].to_numpy(float)[few],
            meta["lz_upper"].to_numpy(float)[few],
            n[few],
            strict=True,
        )
    ]
