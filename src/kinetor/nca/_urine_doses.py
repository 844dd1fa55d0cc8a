"""Urine over several doses: the dose of a collection period, % of dose, plasma AUC.

* The dose of a period [t1, t2) is the sum of the doses given in it (at or after t1,
  before t2); without one, the last dose before t1. A dose naming an analyte applies
  to that analyte only.
* ``fe_factors``: factor so that % of dose = factor * Ae / dose, per analyte; a molar
  amount with a mass dose (or the reverse) uses the analyte's molecular weight.
* ``auc_across_doses``: where a later dose falls inside (t1, t2), the plasma AUC(t1-t2)
  integrates every plasma sample in [t1, t2] across the doses with the study's AUC
  method, the concentrations at t1 and t2 interpolated between the samples around them
  (0 at the first dose of an extravascular or infusion dose; NaN with the reason
  otherwise).

Examples
--------
>>> import pandas as pd
>>> keys = pd.DataFrame({"subject": ["a", "a"], "analyte": ["X", "X"],
...                      "start": [0.0, 24.0], "end": [24.0, 48.0]})
>>> doses = pd.DataFrame({"subject": ["a", "a"], "analyte": [None, None],
...                       "time": [0.0, 24.0], "dose": [100.0, 50.0]})
>>> period_doses(keys, doses, "<x>").tolist()
[100.0, 50.0]
>>> period_doses(keys.assign(end=[48.0, 48.0]), doses, "<x>").tolist()  # both; the 2nd
[150.0, 50.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.nca import _kernels as K
from kinetor.nca._units import _per_body
from kinetor.units import Q, is_molar, parse_unit

__all__ = ["auc_across_doses", "fe_factors", "period_doses"]


def _pair_doses(keys: pd.DataFrame, doses: pd.DataFrame, source: str) -> pd.DataFrame:
    """Doses of each row of ``keys`` (subject, analyte, ...) with the row number ``_row``."""
    from kinetor.nca.intervals import doses_per_key

    pairs = keys[["subject", "analyte"]].astype(object)
    kd = doses_per_key(doses.astype({"subject": object, "analyte": object}), pairs, source)
    k = keys[["subject", "analyte"]].astype(object).assign(_row=np.arange(len(keys)))
    return k.merge(kd[["subject", "analyte", "time", "dose", *_opt(kd)]], on=["subject", "analyte"])


def _opt(d: pd.DataFrame) -> list[str]:
    return [c for c in ("route",) if c in d.columns]


def _eps(keys: pd.DataFrame) -> float:
    ends = pd.to_numeric(keys["end"], errors="coerce").to_numpy(float)
    big = float(np.nanmax(np.abs(ends))) if len(ends) and np.isfinite(ends).any() else 1.0
    return 1e-9 * max(1.0, big)


def period_doses(keys: pd.DataFrame, doses: pd.DataFrame, source: str) -> np.ndarray:
    """Sum of the doses given in [start, end) of each row (the last dose before start
    where none is given in it); NaN without a dose (or a sum of 0)."""
    m = _pair_doses(keys, doses, source)
    eps = _eps(keys)
    start = keys["start"].to_numpy(float)[m["_row"].to_numpy()]
    end = keys["end"].to_numpy(float)[m["_row"].to_numpy()]
    t = m["time"].to_numpy(float)
    inside = (t >= start - eps) & (t < end - eps)
    row, amount = m["_row"].to_numpy(), m["dose"].to_numpy(float)
    total = np.bincount(row[inside], amount[inside], minlength=len(keys))
    given = np.bincount(row[inside], minlength=len(keys)) > 0
    # none given in the period: the last dose before it (a later collection of one dose)
    before = m.assign(_amount=amount)[t < start - eps].sort_values("time", kind="stable")
    last = before.drop_duplicates("_row", keep="last").set_index("_row")["_amount"]
    total = np.where(given, total, last.reindex(np.arange(len(keys))).to_numpy(float))
    return np.where(total > 0, total, np.nan)


def fe_factors(study, amount_unit: str, analytes) -> tuple[np.ndarray, bool]:
    """Factor per row (NaN where none) so that percent = factor * Ae / dose, and whether
    the dose is per kg (then the dose is multiplied by the body weight)."""
    dq = Q(1.0, parse_unit(study.units["dose"]))
    per = _per_body(dq)
    denom = dq * Q(1.0, "kg") if per == "/kg" else dq
    out = {}
    for a in pd.unique(np.asarray(analytes, dtype=object)):
        aq = Q(1.0, parse_unit(amount_unit))
        if per == "/m^2":
            out[a] = np.nan
            continue
        if is_molar(dq.units) != is_molar(aq.units):
            mw = study.mw.get(str(a))
            if mw is None:
                out[a] = np.nan
                continue
            g_per_mol = Q(float(mw), "g/mol")
            aq = aq * g_per_mol if is_molar(aq.units) else aq / g_per_mol
        out[a] = float((aq / denom).to("percent").magnitude)
    return np.array([out[a] for a in analytes], float), per == "/kg"


def _plasma_by_pair(plasma_rows: pd.DataFrame) -> dict:
    """(subject, analyte) -> sorted times and concentrations of its first plasma matrix."""
    r = plasma_rows[["subject", "analyte", "matrix", "time", "conc"]].copy()
    r = r[np.isfinite(r["time"].to_numpy(float)) & np.isfinite(r["conc"].to_numpy(float))]
    first_matrix = r.drop_duplicates(["subject", "analyte"]).set_index(["subject", "analyte"])
    out = {}
    for (s, a), g in r.groupby(["subject", "analyte"], sort=False, observed=True):
        g = g[g["matrix"] == first_matrix.loc[(s, a), "matrix"]].sort_values("time", kind="stable")
        out[(str(s), str(a))] = (g["time"].to_numpy(float), g["conc"].to_numpy(float))
    return out


def _at(x, t, c, lg, eps):
    """Concentration at x between the samples around it (the segment's rule); None if none."""
    hit = np.nonzero(np.abs(t - x) <= eps)[0]
    if len(hit):
        return float(c[hit[0]])
    k = int(np.searchsorted(t, x)) - 1
    if k < 0 or k + 1 >= len(t):
        return None
    f = (x - t[k]) / (t[k + 1] - t[k])
    if lg[k]:
        return float(c[k] * np.exp(np.log(c[k + 1] / c[k]) * f))
    return float(c[k] + (c[k + 1] - c[k]) * f)


def auc_across_doses(keys, plasma_rows, doses, method: str, source: str):
    """Plasma AUC(start-end) of the rows with a later dose inside (start, end).

    Returns ``(across, auc, why)``: the rows concerned, their AUC (NaN where it cannot be
    computed) and the reason of a NaN."""
    n = len(keys)
    across, auc, why = np.zeros(n, bool), np.full(n, np.nan), np.full(n, "", dtype=object)
    if plasma_rows is None or not len(plasma_rows) or not n:
        return across, auc, why
    m = _pair_doses(keys, doses, source)
    eps = _eps(keys)
    row = m["_row"].to_numpy()
    t = m["time"].to_numpy(float)
    start, end = keys["start"].to_numpy(float), keys["end"].to_numpy(float)
    across[row[(t > start[row] + eps) & (t < end[row] - eps)]] = True
    if not across.any():
        return across, auc, why
    first = m.sort_values("time", kind="stable").drop_duplicates("_row").set_index("_row")
    samples = _plasma_by_pair(plasma_rows)
    for i in np.nonzero(across)[0]:
        s, a = str(keys["subject"].iloc[i]), str(keys["analyte"].iloc[i])
        tc = samples.get((s, a))
        if tc is None:
            why[i] = "no plasma concentrations for renal clearance"
            continue
        ts, cs = tc
        lg = K.log_segments(ts[None, :], cs[None, :], method)[0]
        t1, t2 = start[i], end[i]
        c1, c2 = _at(t1, ts, cs, lg, eps), _at(t2, ts, cs, lg, eps)
        route = str(first.loc[i, "route"]) if "route" in first.columns else ""
        if c1 is None and t1 <= first.loc[i, "time"] + eps and route != "iv_bolus":
            c1 = 0.0  # nothing given before: no drug at the first dose
        if c1 is None or c2 is None:
            when = f"{t1:g}" if c1 is None else f"{t2:g}"
            why[i] = (
                f"a later dose inside the collection period and no plasma sample around "
                f"t = {when} for the plasma AUC over the period"
            )
            continue
        inside = (ts > t1 + eps) & (ts < t2 - eps)
        tt = np.r_[t1, ts[inside], t2][None, :]
        cc = np.r_[c1, cs[inside], c2][None, :]
        seg, _ = K.segment_areas(tt, cc, K.log_segments(tt, cc, method))
        auc[i] = float(seg.sum())
    return across, auc, why
