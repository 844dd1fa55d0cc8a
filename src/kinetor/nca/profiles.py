"""From a Study to padded profile arrays: doses, intervals, lambda_z selections, C0.

One *profile* is one subject x analyte x matrix x interval. Its samples are put in one
row of 2-D arrays (NaN-padded), with times measured from the interval's origin (the
interval start; for partial AUCs the dose before it). Column 0 holds the point Phoenix
inserts at the origin (:mod:`kinetor.nca._dose_point`): 0 for extravascular/infusion
single-dose profiles, the minimum observed in [dose, dose + tau] for dosing intervals (and
partial areas after a repeated dose), the back-extrapolated C0 for an IV bolus; a sample
at the origin is duplicated there instead. Everything here is vectorised over profiles (pandas merges
and numpy scatter), never a loop per subject.

The rows come from :func:`kinetor.nca.rows.usable_rows` (BLQ rule, exclusions, validation).

Examples
--------
>>> import pandas as pd
>>> from kinetor.data import Study
>>> conc = pd.DataFrame({"subject": ["a"] * 3, "time": [1.0, 2.0, 4.0],
...                      "conc": [4.0, 2.0, 1.0]})
>>> doses = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [1.0], "route": ["iv"]})
>>> st = Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"})
>>> prof = build_profiles(st, Options())
>>> prof.T[0].tolist(), prof.C[0].tolist()   # C0 back-extrapolated: 4 * 4/2 = 8
([0.0, 1.0, 2.0, 4.0], [8.0, 4.0, 2.0, 1.0])
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kinetor.data._factorize import first_rows, row_codes, strictly_increasing
from kinetor.data.routes import normalise_route
from kinetor.errors import DataError, Problem
from kinetor.nca._blq_intervals import per_interval_blq
from kinetor.nca._dose_point import dose_time_point, zero_bolus_start
from kinetor.nca._lz_tables import point_flags, range_columns, range_notes
from kinetor.nca._nominal_edges import mark_nominal_edges, nominal_edge_notes
from kinetor.nca.intervals import (
    assign_doses,
    default_intervals,
    dose_start_notes,
    doses_per_key,
    empty_interval_notes,
    multi_dose_notes,
    single_dose_intervals,
    user_intervals,
    with_pairs,
)
from kinetor.nca.options import Options
from kinetor.nca.rows import KEYS, row_problems, upper_is, usable_rows

__all__ = ["KEYS", "Profiles", "build_profiles", "expand_doses", "upper_is", "usable_rows"]


@dataclass
class Profiles:
    """Padded profiles: ``meta`` (one row per profile) and (P, M) arrays."""

    meta: pd.DataFrame
    T: np.ndarray
    C: np.ndarray
    obs: np.ndarray
    lz_ok: np.ndarray
    lz_pick: np.ndarray
    lz_manual: np.ndarray
    groups: list[str]
    notes: list[str] = field(default_factory=list)


def expand_doses(study) -> pd.DataFrame:
    """Doses with ``addl``/``ii`` expanded into one row per administration."""
    d = study.doses.copy()
    problems = []
    codes, uniques = pd.factorize(d["route"].astype(str))
    canon = [
        u if u in ("iv_bolus", "iv_infusion", "extravascular") else normalise_route(u)
        for u in uniques
    ]
    route = pd.Series(
        np.array(canon, dtype=object)[codes] if len(uniques) else [], index=d.index, dtype=object
    )
    bad = route.isna().to_numpy()
    problems += row_problems(
        d,
        bad,
        study.source,
        "route",
        lambda r: f"unknown route {r.route!r}",
        "use IV, IV infusion, PO, SC, IP... (see kinetor.data.ROUTES)",
    )
    problems += row_problems(
        d,
        d["time"].isna().to_numpy(),
        study.source,
        "time",
        lambda r: "dose without a time",
        "give the dose time",
    )
    amount = d["dose"].to_numpy(float)  # 0 is a vehicle dose: CL/V NaN with the reason
    problems += row_problems(
        d,
        ~(amount >= 0) | np.isinf(amount),
        study.source,
        "dose",
        lambda r: f"dose {r.dose} is not a finite number >= 0",
        "give the administered dose (0 for a vehicle), or remove the dose row",
    )
    if problems:
        raise DataError(problems)
    d["route"] = route.astype(str)
    n = 1 + np.where(d["ii"].to_numpy() > 0, d["addl"].to_numpy(), 0)
    if (n == 1).all():  # no additional doses: the rows as they are
        k = np.zeros(len(d), np.int64)
    else:
        d = d.loc[d.index.repeat(n)].copy()
        k = d.groupby(level=0).cumcount().to_numpy()
    d["time"] = d["time"].to_numpy() + k * d["ii"].to_numpy()
    return d[["subject", "analyte", "time", "dose", "route", "duration", "ss", "source_row"]]


def _rows_in_intervals(kid: np.ndarray, meta: pd.DataFrame):
    """(row index, profile id) pairs linking every row to each interval of its key."""
    mk = meta["_kid"].to_numpy()
    if (mk[1:] > mk[:-1]).all() or len(np.unique(mk)) == len(mk):  # one interval per key
        pid_of = np.full(int(max(kid.max(), mk.max())) + 1, -1)
        pid_of[mk] = meta["pid"].to_numpy()
        r_pid = pid_of[kid]
        r_idx = np.nonzero(r_pid >= 0)[0]
        return r_idx, r_pid[r_idx]
    j = pd.DataFrame({"_kid": kid, "_r": np.arange(len(kid))}).merge(
        meta[["_kid", "pid"]], on="_kid"
    )
    return j["_r"].to_numpy(), j["pid"].to_numpy()


def build_profiles(
    study,
    options: Options,
    intervals: pd.DataFrame | None = None,
    rows: pd.DataFrame | None = None,
    lambda_z_range=None,
    lambda_z_points=None,
    lambda_z_exclude=None,
    doses: pd.DataFrame | None = None,
) -> Profiles:
    """Padded profiles of a study (plasma-like matrices; urine goes to ``urine``).

    ``rows`` and ``doses`` replace the study's usable rows and expanded doses (the sparse
    design passes its composite profiles this way).
    """
    if rows is None:
        rows = usable_rows(study, options, keep_blq=True)
        rows = rows[~upper_is(rows["matrix"], "URINE")]
    groups = [g for g in study.groups if g in rows.columns]
    if "_kid" not in rows.columns:
        rows = rows.assign(_kid=row_codes([rows[c].to_numpy(object) for c in KEYS]))
    kid = rows["_kid"].to_numpy()
    first = first_rows(kid) if kid.dtype.kind in "iu" else np.zeros(0, np.int64)
    if len(first) and (kid[first] == np.arange(len(first))).all():
        # codes numbered in order of first appearance: each key's first row, no hashing
        keys = rows[[*KEYS, *groups, "_kid"]].iloc[first].reset_index(drop=True)
    else:
        keys = rows[[*KEYS, *groups, "_kid"]].drop_duplicates("_kid").reset_index(drop=True)
    # pandas' "string" dtype hashes ~10x slower than object in merges and sorts
    to_object = {c: object for c in KEYS if keys[c].dtype != object}
    if to_object:  # the usable rows' key columns are object already
        keys = keys.astype(to_object)
    if doses is None:
        doses = expand_doses(study)
    doses = doses.astype({"subject": object, "analyte": object})
    meta = single_dose_intervals(keys, doses) if intervals is None else None
    if meta is None:
        kdoses = doses_per_key(doses, keys, study.files.get("doses", study.source))
        iv = (
            default_intervals(keys, kdoses)
            if intervals is None
            else with_pairs(user_intervals(intervals, keys), kdoses)
        )
        meta = assign_doses(iv, kdoses)
    # profiles in the order their keys first appear in the data, intervals by time
    mk = meta["_kid"].to_numpy()
    if mk.dtype.kind in "iu" and (mk[1:] > mk[:-1]).all():  # one interval per key, in order
        meta = meta.reset_index(drop=True)
    else:
        meta = meta.sort_values(["_kid", "start", "end"], kind="stable").reset_index(drop=True)
    meta["pid"] = np.arange(len(meta))
    meta = range_columns(meta, lambda_z_range)
    excl_all = point_flags(rows, lambda_z_exclude, "lambda_z_exclude")
    pick_all = point_flags(rows, lambda_z_points, "lambda_z_points")
    r_idx, r_pid = _rows_in_intervals(rows["_kid"].to_numpy(), meta)
    # a dosing interval whose edge sample was taken off its nominal time: a note (values kept)
    meta = mark_nominal_edges(rows, r_idx, r_pid, meta, options)
    tt = rows["time"].to_numpy(float)[r_idx]
    inside = (tt >= meta["win_lo"].to_numpy(float)[r_pid]) & (
        tt <= meta["win_hi"].to_numpy(float)[r_pid]
    )
    pre = [] if inside.all() else _predose_note(rows, r_idx, inside, doses)
    if not inside.all():
        r_idx, r_pid = r_idx[inside], r_pid[inside]
    # the BLQ rule within each interval (PKNCA): a trough ends one interval, starts the next
    lost = np.zeros(len(meta), bool)  # intervals whose every sample the BLQ rule drops
    if not options.sparse and "blq" in rows.columns:
        keep, r_conc, blq_end = per_interval_blq(rows, meta, r_idx, r_pid, options.blq_rule)
        lost = np.bincount(r_pid, minlength=len(meta)) > 0
        r_idx, r_pid, r_conc = r_idx[keep], r_pid[keep], r_conc[keep]
        lost &= np.bincount(r_pid, minlength=len(meta)) == 0
    else:
        r_conc, blq_end = rows["conc"].to_numpy(float)[r_idx], np.zeros(len(meta), bool)
    meta["blq_at_end"] = blq_end
    if intervals is None:
        keep, notes = _drop_trough_only(rows, meta, r_idx, r_pid, study)
        r_idx, r_pid, r_conc = r_idx[keep], r_pid[keep], r_conc[keep]
        # a default interval left without samples by the BLQ rule is named, never dropped
        notes += empty_interval_notes(meta, ~lost, study.units.get("time", ""))
    else:  # a requested interval without samples is named, never dropped silently
        has = np.bincount(r_pid, minlength=len(meta)) > 0
        notes = empty_interval_notes(meta, has, study.units.get("time", ""))
    if not len(r_idx):
        raise DataError(
            [
                Problem(
                    "no usable concentration inside any interval (all BLQ, "
                    "excluded, or outside the intervals)" + "".join(f"; {n}" for n in notes),
                    file=study.source,
                    column="conc",
                    fix="check the BLQ rule, exclusions and interval start/end times",
                )
            ]
        )
    origin_all = meta["origin"].to_numpy(float)
    t = rows["time"].to_numpy(float)[r_idx] - origin_all[r_pid]
    kept = np.flatnonzero(np.bincount(r_pid, minlength=len(meta)))  # sorted, unique
    meta = meta.iloc[kept].reset_index(drop=True)
    remap = np.full(len(origin_all) + 1, -1)
    remap[kept] = np.arange(len(meta))
    meta["pid"] = np.arange(len(meta))
    pid = remap[r_pid]
    if not strictly_increasing(pid, t):  # rows in profile and time order: kept as they are
        order = np.lexsort((t, pid))
        pid, t, r_idx, r_conc = pid[order], t[order], r_idx[order], r_conc[order]
    c = r_conc
    # an IV bolus sample of 0 (BLQ) at the dose time gives way to the back-extrapolated C0
    keep, zero_notes = zero_bolus_start(pid, t, c, meta, study.units.get("time", ""))
    if not keep.all():
        pid, t, r_idx, c = pid[keep], t[keep], r_idx[keep], c[keep]
    P = len(meta)
    counts = np.bincount(pid, minlength=P)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos = np.arange(len(pid)) - starts[pid]
    N = int(counts.max()) if P else 0
    # the (P, N + 1) arrays filled in place: column 0 is the inserted point, the samples
    # follow (``Tobs``, ``Cobs``: views of columns 1...)
    T = np.full((P, N + 1), np.nan)
    C = np.full((P, N + 1), np.nan)
    Tobs, Cobs = T[:, 1:], C[:, 1:]
    Tobs[pid, pos] = t
    Cobs[pid, pos] = c
    lz_ok = np.zeros((P, N + 1), bool)
    lz_pick = np.zeros((P, N + 1), bool)
    lz_ok[:, 1:] = True
    if excl_all.any():
        lz_ok[pid, pos + 1] = ~excl_all[r_idx]
    if pick_all.any():
        lz_pick[pid, pos + 1] = pick_all[r_idx]
    first_row = np.zeros(P, np.int64)
    if "source_row" in rows.columns:  # the row of each profile's first sample, for notes
        at0 = pos == 0
        first_row[pid[at0]] = rows["source_row"].to_numpy()[r_idx[at0]]
    T[:, 0], C[:, 0], more = dose_time_point(
        Tobs, Cobs, counts, meta, first_row, study.units.get("time", "")
    )
    tunit = study.units.get("time", "")
    notes = [*pre, *notes, *zero_notes, *more, *dose_start_notes(meta, tunit)]
    notes += multi_dose_notes(meta, tunit) + nominal_edge_notes(meta, tunit)
    obs = ~np.isnan(T)
    obs[:, 0] = False
    lo, hi = meta["lz_lower"].to_numpy(), meta["lz_upper"].to_numpy()
    ranged = ~np.isnan(lo) & ~np.isnan(hi)
    # a manual selection stays manual even when it matches too few points (NaN + reason)
    lz_manual = ranged | lz_pick.any(axis=1)
    if ranged.any():
        tabs = T + meta["origin"].to_numpy()[:, None]
        with np.errstate(invalid="ignore"):
            in_range = (tabs >= lo[:, None] - 1e-9) & (tabs <= hi[:, None] + 1e-9)
        lz_pick = np.where(ranged[:, None], in_range & obs, lz_pick)
        usable = lz_pick & lz_ok & (np.nan_to_num(C) > 0)
        n_min = int(options.lambda_z_min_points)
        notes += range_notes(meta, usable, ranged, n_min, tunit)
    return Profiles(meta, T, C, obs, lz_ok, lz_pick, lz_manual, groups, notes)


def _predose_note(rows, r_idx, inside, doses) -> list[str]:
    """Quantifiable samples before their subject's first dose (in no interval) are left
    out of every profile, as ``fit`` leaves them out: one note names them."""
    out = np.setdiff1d(r_idx[~inside], r_idx[inside])
    t0 = rows["subject"].iloc[out].map(doses.groupby("subject")["time"].min()).to_numpy(float)
    with np.errstate(invalid="ignore"):
        hit = out[(rows["time"].to_numpy(float)[out] < t0) & (rows["conc"].to_numpy()[out] > 0)]
    src = rows["source_row"].to_numpy()[hit].tolist() if "source_row" in rows.columns else []
    where = f" (rows {', '.join(map(str, src[:8]))}{' ...' * (len(src) > 8)})" if src else ""
    return [
        f"{hit.size} pre-dose sample(s) with a concentration > 0 (before the subject's first "
        f"dose) excluded from the profiles{where}"
    ][: int(hit.size > 0)]


def _drop_trough_only(rows, meta, r_idx, r_pid, study):
    """Default dosing intervals with no sample strictly between the dose and the end of
    the interval (trough-only: samples at predose and at the end only) are not analysed;
    one note per skipped interval."""
    tau = (meta["kind"] == "tau").to_numpy()
    if not tau.any():
        return np.ones(len(r_idx), bool), []
    tt = rows["time"].to_numpy(float)[r_idx]
    lo = meta["start"].to_numpy(float)[r_pid]
    hi = meta["end"].to_numpy(float)[r_pid]
    eps = 1e-9 * np.maximum(1.0, np.where(np.isfinite(hi), np.abs(hi), 1.0))
    strictly = (tt > lo + eps) & (tt < hi - eps)
    n_in = np.bincount(r_pid[strictly], minlength=len(meta))
    skip = tau & (n_in == 0) & ~meta["extend"].to_numpy(bool)
    if not skip.any():
        return np.ones(len(r_idx), bool), []
    tunit = study.units.get("time", "")
    m = meta[skip]
    notes = [
        f"dosing interval {a:g}-{b:g} {tunit} of subject {s}, {an}: no sample between "
        "the dose and the end of the interval (trough only), not analysed"
        for s, an, a, b in zip(m["subject"], m["analyte"], m["start"], m["end"], strict=True)
    ]
    return ~skip[r_pid], notes
