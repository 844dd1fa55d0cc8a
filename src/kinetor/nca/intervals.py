"""Which interval each profile covers and which dose it belongs to.

Intervals are data (PKNCA style): ``start``, ``end`` (``inf`` allowed), ``kind``
(``"single"``, ``"tau"``, ``"partial"``) and optional key columns restricting a row. Each
interval gets the last dose at or before its start (``merge_asof``, vectorised over all
profiles), its origin (the start; the dose time for a partial area) and the data window.

Examples
--------
>>> import pandas as pd
>>> keys = pd.DataFrame({"subject": ["a"], "analyte": ["X"], "matrix": ["PLASMA"]})
>>> doses = pd.DataFrame({"subject": "a", "analyte": "", "time": [0.0, 12.0], "dose": 1.0,
...                       "route": "extravascular", "duration": 0.0, "source_row": [1, 2]})
>>> kd = doses_per_key(doses, keys, "<test>")
>>> default_intervals(keys, kd)[["start", "end", "kind"]].values.tolist()
[[0.0, 12.0, 'tau'], [12.0, 24.0, 'tau']]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data._buffers import equal_in_order
from kinetor.errors import DataError, Problem
from kinetor.nca._user_intervals import KINDS, dose_start_kinds, dose_start_notes, user_intervals

__all__ = [
    "KINDS",
    "assign_doses",
    "default_intervals",
    "dose_start_notes",
    "doses_per_key",
    "empty_interval_notes",
    "key_pairs",
    "multi_dose_notes",
    "single_dose_intervals",
    "user_intervals",
    "with_pairs",
]


def _problems(df, mask, source, column, message, fix):
    mask = np.asarray(mask, bool)
    return (
        [
            Problem(message(r), file=source, row=int(r.source_row), column=column, fix=fix)
            for r in df.loc[mask].itertuples()
        ]
        if mask.any()
        else []
    )


def _pair_codes(subject, analyte, pairs: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Position of each (subject, analyte) in the unique ``pairs`` (-1 when absent).

    Strings are factorised once (unsorted, fast) and the pairs compared as integers."""
    sa, aa = pairs
    s, _ = pd.factorize(np.concatenate([sa, np.asarray(subject, dtype=object)]))
    a, _ = pd.factorize(np.concatenate([aa, np.asarray(analyte, dtype=object)]))
    comb = s.astype(np.int64) * (int(a.max(initial=0)) + 2) + a
    return pd.Index(comb[: len(sa)]).get_indexer(comb[len(sa) :])


def doses_per_key(doses: pd.DataFrame, keys: pd.DataFrame, source: str) -> pd.DataFrame:
    """Doses for each (subject, analyte) pair ``_sa``: a dose naming an analyte applies to
    that analyte; any other dose applies to every analyte of the subject. Integer codes
    keep the joins fast (one profile key is one ``_sa`` and matrix)."""
    pairs = keys[["subject", "analyte"]].drop_duplicates()
    p_subj, p_an = pairs["subject"].to_numpy(object), pairs["analyte"].to_numpy(object)
    d_subj = doses["subject"].to_numpy(object)
    own = _pair_codes(d_subj, doses["analyte"].to_numpy(object), (p_subj, p_an))
    named = own >= 0
    # shared doses: one copy per analyte of the subject (integer merge on the subject)
    subj_codes, _ = pd.factorize(np.concatenate([p_subj, d_subj]))
    pair_subj = subj_codes[: len(p_subj)]
    dose_subj = subj_codes[len(p_subj) :]
    sh = pd.DataFrame({"_row": np.nonzero(~named)[0], "_subj": dose_subj[~named]}).merge(
        pd.DataFrame({"_subj": pair_subj, "_sa": np.arange(len(p_subj))}), on="_subj"
    )
    rows = np.concatenate([np.nonzero(named)[0], sh["_row"].to_numpy()]).astype(np.int64)
    sa = np.concatenate([own[named], sh["_sa"].to_numpy()]).astype(np.int64)
    out = doses.iloc[rows].reset_index(drop=True)
    out["analyte"] = p_an[sa]
    out["_sa"] = sa
    o = np.lexsort((out["time"].to_numpy(float), sa))
    out = out.iloc[o].reset_index(drop=True)
    sa, t = out["_sa"].to_numpy(), out["time"].to_numpy(float)
    n = len(sa)
    same_next = np.zeros(n, bool)
    same_next[:-1] = sa[1:] == sa[:-1]
    same_prev = np.zeros(n, bool)
    same_prev[1:] = same_next[:-1]
    t_next = np.full(n, np.nan)
    t_next[:-1] = t[1:]
    t_prev = np.full(n, np.nan)
    t_prev[1:] = t[:-1]
    dup = (same_next & (t_next == t)) | (same_prev & (t_prev == t))
    if dup.any():
        raise DataError(
            _problems(
                out,
                dup,
                source,
                "time",
                lambda r: (
                    f"two doses at time {r.time:g} for subject {r.subject}, analyte {r.analyte}"
                ),
                "give one dose per time and analyte (a dose entered twice: delete one; one "
                "administration recorded in parts: one record with the total dose); doses "
                "of two routes at one time (an IV loading dose with an oral dose) cannot be "
                "analysed by NCA: analyse a compartmental fit (kinetor fit) instead",
            )
        )
    out["next_time"] = np.where(same_next, t_next, np.nan)
    out["prev_time"] = np.where(same_prev, t_prev, np.nan)
    out["first"] = ~same_prev
    return out


def key_pairs(keys: pd.DataFrame, kdoses: pd.DataFrame) -> np.ndarray:
    """The ``_sa`` code of every profile key (-1 when the subject has no dose)."""
    pairs = kdoses[["subject", "analyte", "_sa"]].drop_duplicates("_sa")
    if pairs.empty:
        return np.full(len(keys), -1)
    at = _pair_codes(
        keys["subject"],
        keys["analyte"],
        (pairs["subject"].to_numpy(object), pairs["analyte"].to_numpy(object)),
    )
    return np.where(at >= 0, pairs["_sa"].to_numpy()[np.maximum(at, 0)], -1)


def default_intervals(keys: pd.DataFrame, kdoses: pd.DataFrame) -> pd.DataFrame:
    """One interval per profile key and dose: dose -> infinity for a single dose; each
    dosing interval [t_i, t_i+1] (the last one tau long, its data window open to the last
    sample: ``extend``) for multiple doses; 0 -> infinity for a key without doses."""
    sa = kdoses["_sa"].to_numpy()
    n = np.bincount(sa)[sa] if len(sa) else np.zeros(0, int)
    t = kdoses["time"].to_numpy(float)
    nxt = kdoses["next_time"].to_numpy(float)
    last_end = t + (t - kdoses["prev_time"].to_numpy(float))
    end = np.where(n == 1, np.inf, np.where(np.isnan(nxt), last_end, nxt))
    # Phoenix: the last dose's interval keeps its tau but its data run to the last sample
    # (the washout enters lambda_z)
    iv = pd.DataFrame(
        {
            "_sa": sa,
            "start": t,
            "end": end,
            "kind": np.where(n == 1, "single", "tau"),
            "extend": (n > 1) & np.isnan(nxt),
        }
    )
    keys = keys.assign(_sa=key_pairs(keys, kdoses))
    dosed = keys[keys["_sa"] >= 0].merge(iv, on="_sa")
    undosed = keys[keys["_sa"] < 0].assign(start=0.0, end=np.inf, kind="single")
    return pd.concat([dosed, undosed], ignore_index=True)


def with_pairs(iv: pd.DataFrame, kdoses: pd.DataFrame) -> pd.DataFrame:
    """Add the ``_sa`` code to user intervals."""
    return iv.assign(_sa=key_pairs(iv, kdoses)) if "_sa" not in iv.columns else iv


def assign_doses(iv: pd.DataFrame, kdoses: pd.DataFrame) -> pd.DataFrame:
    """Attach the last dose at or before each interval start (merge_asof, vectorised)."""
    iv = iv.sort_values("start", kind="stable").reset_index(drop=True)
    kd = kdoses.rename(columns={"time": "dose_time"}).sort_values("dose_time", kind="stable")
    eps = 1e-9 * max(1.0, float(np.nanmax(np.abs(iv["start"].to_numpy())) if len(iv) else 1.0))
    iv["_s"] = iv["start"] + eps
    if "ss" not in kd.columns:
        kd = kd.assign(ss=0)
    out = pd.merge_asof(
        iv,
        kd[
            [
                *("_sa", "dose_time", "dose", "route", "duration"),
                *("next_time", "prev_time", "first", "ss"),
            ]
        ],
        left_on="_s",
        right_on="dose_time",
        by="_sa",
        direction="backward",
    ).drop(columns="_s")
    out = dose_start_kinds(out, eps)  # a user interval's kind where it starts at no dose
    # total dose given in [start, end): cumulative dose before end minus before start
    sa_all, sa = kd["_sa"].to_numpy(), out["_sa"].to_numpy()
    if (
        len(sa_all)
        and sa_all.dtype.kind in "iu"
        and sa.dtype.kind in "iu"
        and sa_all.min() >= 0
        and len(np.unique(sa_all)) == len(sa_all)
    ):
        # one dose per (subject, analyte), the usual single-dose study: the cumulative
        # dose before a time is that dose when it was given by then, else 0
        at = np.full(int(sa_all.max()) + 1, -1)
        at[sa_all] = np.arange(len(sa_all))
        j = np.where((sa >= 0) & (sa < len(at)), at[np.clip(sa, 0, len(at) - 1)], -1)
        d_t = np.where(j >= 0, kd["dose_time"].to_numpy(float)[j], np.nan)
        d = np.nan_to_num(np.where(j >= 0, kd["dose"].to_numpy(float)[j], np.nan), nan=0.0)
        with np.errstate(invalid="ignore"):
            tot = [
                np.where(d_t <= out[col].to_numpy(float) - eps, d, 0.0) for col in ("start", "end")
            ]
        return _finish(out, tot)
    kd = kd.assign(
        _cum=kd.sort_values(["_sa", "dose_time"], kind="stable").groupby("_sa")["dose"].cumsum()
    )
    tot = []
    for col in ("start", "end"):
        q = out[["_sa", col]].assign(_k=out[col] - eps, _i=np.arange(len(out)))
        q = q.sort_values("_k", kind="stable")
        m = pd.merge_asof(
            q,
            kd[["_sa", "dose_time", "_cum"]],
            left_on="_k",
            right_on="dose_time",
            by="_sa",
            direction="backward",
        )
        tot.append(m.sort_values("_i")["_cum"].fillna(0.0).to_numpy(float))
    return _doses_inside(_finish(out, tot), kd, eps)


def _doses_inside(out: pd.DataFrame, kd: pd.DataFrame, eps: float) -> pd.DataFrame:
    """``multi_dose``: a ``tau`` or ``single`` interval holding a later dose before its
    end is no dosing interval (PKNCA): its parameters that need tau or the dose are NaN
    (engine). ``doses_inside`` lists the dose times in [start, end) of those intervals."""
    with np.errstate(invalid="ignore"):
        multi = (
            out["kind"].isin(("tau", "single")).to_numpy()
            & (out["next_time"].to_numpy(float) < out["end"].to_numpy(float) - eps)
            & ~out.get("no_dose_start", pd.Series(False, index=out.index)).to_numpy(bool)
        )
    out["multi_dose"] = multi
    out["doses_inside"] = ""
    if multi.any():
        q = out.loc[multi, ["_sa", "start", "end"]].assign(_i=np.flatnonzero(multi))
        j = q.merge(kd[["_sa", "dose_time"]], on="_sa")
        j = j[(j["dose_time"] >= j["start"] - eps) & (j["dose_time"] < j["end"] - eps)]
        listed = (
            j.sort_values("dose_time")
            .groupby("_i")["dose_time"]
            .agg(lambda s: ", ".join(f"{v:g}" for v in s))
        )
        out.loc[listed.index.to_numpy(), "doses_inside"] = listed.to_numpy(object)
    return out


def multi_dose_notes(meta: pd.DataFrame, tunit: str) -> list[str]:
    """One note per interval that holds several doses (``_doses_inside``), naming them."""
    if "multi_dose" not in meta.columns or not meta["multi_dose"].any():
        return []
    u = f" {tunit}" if tunit else ""
    notes = []
    m = meta[meta["multi_dose"].to_numpy(bool)]
    for (a, b, kind), g in m.groupby(["start", "end", "kind"], sort=True):
        who = [
            f"subject {s}, {an} (doses at {d}{u})"
            for s, an, d in zip(g["subject"], g["analyte"], g["doses_inside"], strict=True)
        ]
        listed = "; ".join(who[:10]) + (f" ... ({len(who)} in all)" if len(who) > 10 else "")
        notes.append(
            f"interval {a:g}-{b:g}{u} (kind '{kind}') holds several doses for {listed}: "
            "not one dosing interval, so the parameters that need tau or the dose are NaN; "
            f"for the area use --interval {a:g}-{b:g}:partial (kind 'partial') or give one "
            "interval per dose"
        )
    return notes


def single_dose_intervals(keys: pd.DataFrame, doses: pd.DataFrame) -> pd.DataFrame | None:
    """The default intervals with their doses (``assign_doses(default_intervals(keys,
    doses_per_key(doses, keys, ...)), ...)``) when every (subject, analyte) of ``keys``
    has exactly one dose naming it and nothing else is dosed: dose -> infinity per key,
    built from the pair codes without merges. None otherwise (the general path applies).

    The same table as the general path, up to the row order (one row per key here, in
    key order; callers sort by key)."""
    cols = ("dose_time", "dose", "route", "duration", "next_time", "prev_time", "first", "ss")
    if any(c in keys.columns for c in (*cols, "_sa", "start", "end", "kind", "extend", "tau")):
        return None
    m = keys["matrix"].to_numpy(object) if "matrix" in keys.columns else np.zeros(0, object)
    # the keys are distinct (subject, analyte, matrix): with one matrix their pairs are too
    one_matrix = "matrix" in keys.columns and (not len(m) or bool((m == m[0]).all()))
    pairs = keys[["subject", "analyte"]]
    if not one_matrix:
        pairs = pairs.drop_duplicates()
    p_subj, p_an = pairs["subject"].to_numpy(object), pairs["analyte"].to_numpy(object)
    d_subj, d_an = doses["subject"].to_numpy(object), doses["analyte"].to_numpy(object)
    # the doses name the pairs in their order (one dose each, the usual table)
    listed = equal_in_order((d_subj, p_subj), (d_an, p_an))
    own = np.arange(len(p_subj)) if listed else _pair_codes(d_subj, d_an, (p_subj, p_an))
    if len(own) != len(p_subj) or (own < 0).any():
        return None
    at = np.full(len(own), -1)
    at[own] = np.arange(len(own))
    if (at < 0).any():  # a pair with two doses (then one pair has none)
        return None
    ksa = (  # every key its own pair (one matrix): the pairs are the keys, in order
        np.arange(len(keys))
        if len(p_subj) == len(keys)
        else _pair_codes(keys["subject"], keys["analyte"], (p_subj, p_an))
    )
    j = at[ksa]  # the dose row of each key
    t = doses["time"].to_numpy(float)[j]
    out = keys.reset_index(drop=True).assign(
        _sa=ksa.astype(np.int64),
        start=t,
        end=np.inf,
        kind="single",
        extend=False,
        dose_time=t,
        dose=doses["dose"].to_numpy(float)[j],
        route=doses["route"].to_numpy()[j],
        duration=doses["duration"].to_numpy()[j],
        next_time=np.nan,
        prev_time=np.nan,
        first=True,
        ss=doses["ss"].to_numpy()[j] if "ss" in doses.columns else 0,
    )
    eps = 1e-9 * max(1.0, float(np.nanmax(np.abs(t))) if len(t) else 1.0)
    d = np.nan_to_num(out["dose"].to_numpy(float), nan=0.0)
    with np.errstate(invalid="ignore"):
        tot = [np.where(t <= out[c].to_numpy(float) - eps, d, 0.0) for c in ("start", "end")]
    return _finish(out, tot)


def _finish(out: pd.DataFrame, tot: list[np.ndarray]) -> pd.DataFrame:
    """The interval table's derived columns (total dose, route, origin, data window)."""
    out["totdose"] = tot[1] - tot[0]
    out["route"] = out["route"].fillna("unknown")
    out["first"] = out["first"].fillna(True).astype(bool)
    out["ss"] = out["ss"].fillna(0).astype(bool)
    out["duration"] = out["duration"].fillna(0.0)
    partial = (out["kind"] == "partial").to_numpy()
    dose_t = out["dose_time"].fillna(out["start"]).to_numpy()
    out["origin"] = np.where(partial, dose_t, out["start"])
    out["win_lo"] = out["origin"]
    extend = (
        out["extend"].fillna(False).to_numpy(bool)
        if "extend" in out.columns
        else np.zeros(len(out), bool)
    )
    # a partial area uses every sample from its origin on, whatever the later doses
    # (PKNCA aucint, Phoenix partial areas select samples by time): lambda_z extrapolates
    # only beyond the last sample
    nxt = out["next_time"].fillna(np.inf).to_numpy(float)
    out["win_hi"] = np.where(partial, np.inf, np.where(extend, nxt, out["end"]))
    out["extend"] = extend
    out["tau"] = np.where(out["kind"] == "tau", out["end"] - out["start"], np.nan)
    return out


def empty_interval_notes(meta: pd.DataFrame, has_rows: np.ndarray, tunit: str) -> list[str]:
    """One note per requested interval (start, end, kind) that holds no usable sample for
    some profiles, naming them: such an interval is not analysed, never silently."""
    m = meta[~np.asarray(has_rows, bool)]
    notes = []
    for (a, b, kind), g in m.groupby(["start", "end", "kind"], sort=True):
        who = [f"subject {s}, {an}" for s, an in zip(g["subject"], g["analyte"], strict=True)]
        hint = (
            "; for the AUC of an interval after the last sample (lambda_z extrapolation) "
            f"give it as a partial area: --interval {a:g}-{b:g}:partial (kind 'partial')"
            if kind == "tau"
            else ""
        )
        notes.append(
            f"interval {a:g}-{b:g} {tunit} ({kind}) has no usable sample for "
            f"{'; '.join(who[:10])}{' ...' if len(who) > 10 else ''}: not analysed{hint}"
        )
    return notes
