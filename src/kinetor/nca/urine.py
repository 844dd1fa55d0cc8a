"""Urine NCA (Phoenix model 210 quantities): amounts excreted, excretion rates, renal CL.

Urine rows are samples with ``matrix == "URINE"``; each needs the collection start
(``time``), its end (an ``end_time`` column, or ``duration``), the concentration and the
collected ``volume`` (unit in ``Study.units["volume"]``). Per collection interval:

.. math::

    Ae_i = C_i V_i,\\quad \\text{rate}_i = \\frac{Ae_i}{t_{2,i} - t_{1,i}},\\quad
    \\text{midpoint}_i = \\frac{t_{1,i} + t_{2,i}}{2}

and per subject: ``RCAMINT`` = :math:`\\sum Ae_i` (amount recovered), ``RCPCINT`` =
:math:`100 \\sum Ae_i / D` (% of dose), ``VOLPK`` (total volume), ``ERMAX``/``ERTMAX``
(maximum rate and its midpoint), ``ERLST``/``ERTLST`` (last non-zero rate and its
midpoint), ``AURCLST`` (area under the rate-midpoint curve to the last non-zero rate, a
zero rate at the dose time, the study's AUC method), lambda_z from the rates after the
maximum (best fit, as for plasma), and ``RENALCL`` = :math:`Ae(0-t)/AUC(0-t)` with the
plasma AUC of the same subject and analyte from the dose to the end of the last
collection (AUCINT rules; across the doses where a later dose falls inside, see
:mod:`kinetor.nca._urine_doses`, which also gives the dose of each collection period).

Examples
--------
>>> import pandas as pd
>>> u = pd.DataFrame({"subject": "a", "time": [0.0, 4.0], "end_time": [4.0, 12.0],
...                   "conc": [50.0, 10.0], "volume": [0.2, 0.4]})
>>> iv = collection_intervals(u)
>>> iv[["mid", "ae", "rate"]].to_dict("list")   # Ae = C V; rate = Ae / (t2 - t1)
{'mid': [2.0, 8.0], 'ae': [10.0, 4.0], 'rate': [2.5, 0.5]}
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.data._urine_checks import (
    collection_ends,
    collection_problems,
    predose_collections,
    predose_notes,
    volume_unit_problem,
    zero_volume,
    zero_volume_text,
)
from kinetor.errors import DataError, Problem
from kinetor.nca import _kernels as K
from kinetor.nca._urine_doses import auc_across_doses, fe_factors, period_doses
from kinetor.units import Q, parse_unit

__all__ = ["collection_intervals", "urine_table"]


def collection_intervals(
    rows: pd.DataFrame, source: str = "<DataFrame>", names: dict | None = None, overlaps=True
) -> pd.DataFrame:
    """One row per urine collection: start, end, midpoint, volume, Ae and rate.

    Raises ``DataError`` with every malformed collection (``kinetor.data._urine_checks``,
    the checks ``validate_study`` makes): no end or volume, an end at or before the
    start, a negative volume, two collections of one profile that overlap (with
    ``overlaps``: nominal starts are not compared with actual ends)."""
    problems = collection_problems(rows, file=source, names=names, overlaps=overlaps)
    if problems:
        raise DataError(problems)
    r = rows.copy()
    r["end_time"] = collection_ends(rows)
    r["volume"] = pd.to_numeric(r["volume"], errors="coerce") if len(r) else np.nan
    r["mid"] = (r["time"] + r["end_time"]) / 2.0
    r["ae"] = r["conc"] * r["volume"]
    r["rate"] = r["ae"] / (r["end_time"] - r["time"])
    return r.sort_values(
        ["subject", "analyte", "time"] if "analyte" in r.columns else ["subject", "time"]
    ).reset_index(drop=True)


def urine_table(
    rows,
    study,
    options,
    units_by_analyte,
    groups,
    plasma_rows=None,
    doses=None,
    intervals=None,
    notes: list[str] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Urine parameters (long, like the plasma table) and the collection intervals.

    With ``intervals`` (the ``nca`` intervals table), every finite interval [a, b] also
    gets RCAMINT, RCPCINT, VOLPK and RENALCL over the collections wholly inside it; a
    collection that straddles a boundary makes them NaN with the reason. Collections
    that start before the subject's first dose are left out; ``notes`` (a list) gets
    what was left out and the collections of volume 0 with a concentration > 0."""
    from kinetor.nca.profiles import expand_doses

    names = {r: study.roles.get(r, r) for r in ("end_time", "volume")}
    has_volumes = "volume" in rows.columns and bool(
        np.isfinite(pd.to_numeric(rows["volume"], errors="coerce").to_numpy(float)).any()
    )
    unit = volume_unit_problem(
        study.units.get("volume"),
        file=study.source,
        column=names["volume"],
        has_volumes=has_volumes,
    )
    try:
        iv = collection_intervals(rows, study.source, names, options.time == "actual")
    except DataError as exc:
        raise DataError([*([unit] if unit else []), *exc.problems]) from None
    if unit:
        raise DataError([unit])
    # conc x volume in the amount unit (ng/mL x L = 1000 ng: the factor is not 1)
    scale = iv["analyte"].astype(str).map({a: u.amount_factor for a, u in units_by_analyte.items()})
    iv["ae"] *= scale.to_numpy(float)
    iv["rate"] *= scale.to_numpy(float)
    d = expand_doses(study) if doses is None else doses
    # a collection that starts before the first dose is left out, as a pre-dose plasma
    # sample (Phoenix checks the lower time of a urine collection against the dose time)
    pre = predose_collections(iv["subject"], iv["time"], d)
    said = predose_notes(iv, pre, iv["end_time"].to_numpy(float), d)
    iv = iv[~pre].reset_index(drop=True) if pre.any() else iv
    zero = zero_volume(iv)
    said += [zero_volume_text(iv, zero)] if zero.any() else []
    if notes is not None:
        notes += said
    if not len(iv):
        return _none_left(groups, iv, said, plasma_rows, study.source)
    first = d.sort_values("time").drop_duplicates("subject").set_index("subject")
    iv["origin"] = iv["subject"].map(first["time"]).fillna(0.0).to_numpy(float)
    key = ["subject", *groups, "analyte", "matrix"]
    g = iv.groupby(key, sort=True, observed=True)
    agg = g.agg(
        start=("origin", "first"), end=("end_time", "max"), ae=("ae", "sum"), vol=("volume", "sum")
    ).reset_index()
    # padded (midpoint, rate) arrays with Phoenix's zero rate at the dose time
    kid = g.ngroup().to_numpy()
    pos = g.cumcount().to_numpy() + 1
    P, N = len(agg), int(pos.max()) + 1
    T = np.full((P, N), np.nan)
    R = np.full((P, N), np.nan)
    T[:, 0], R[:, 0] = 0.0, 0.0
    T[kid, pos] = iv["mid"].to_numpy() - iv["origin"].to_numpy()
    R[kid, pos] = iv["rate"].to_numpy()
    obs = ~np.isnan(T)
    obs[:, 0] = False
    ar = np.arange(P)
    with np.errstate(all="ignore"):
        imax = np.argmax(np.where(obs, R, -np.inf), axis=1)
        posr = obs & (np.nan_to_num(R) > 0)
        has = posr.any(axis=1)
        ilast = N - 1 - np.argmax(posr[:, ::-1], axis=1)
        use_log = K.log_segments(T, R, options.auc_method, t_peak=T[ar, imax])
        seg, _ = K.segment_areas(T, R, use_log)
        cum = np.hstack([np.zeros((P, 1)), np.cumsum(seg, axis=1)])
        after = obs & (T > T[ar, imax][:, None])
        fit = K.fit_lambda_z(
            T, R, after, int(options.lambda_z_min_points), float(options.lambda_z_tolerance)
        )
        lamz = np.where(fit["lamz"] > 0, fit["lamz"], np.nan)
    vals = {
        "ae": agg["ae"].to_numpy(float),
        "urine_vol": agg["vol"].to_numpy(float),
        "ermax": R[ar, imax],
        "ertmax": T[ar, imax],
        "erlst": np.where(has, R[ar, ilast], np.nan),
        "ertlst": np.where(has, T[ar, ilast], np.nan),
        "aurclst": np.where(has, cum[ar, ilast], np.nan),
        "urine_lamz": lamz,
        "urine_lamzhl": np.log(2.0) / lamz,
        "urine_lamznpt": np.where(fit["status"] == 0, fit["npt"], np.nan),
        "urine_r2adj": fit["r2adj"],
    }
    reasons = {k: np.where(np.isnan(v), "no excretion rate above 0", "") for k, v in vals.items()}
    lz_why = np.where(
        fit["status"] == 1,
        "fewer than 3 rates after the maximum",
        "no declining terminal phase for lambda_z",
    )
    for k in ("urine_lamz", "urine_lamzhl", "urine_lamznpt", "urine_r2adj"):
        reasons[k] = np.where(np.isnan(vals[k]) | (fit["status"] != 0), lz_why, "")
    amount_unit = units_by_analyte[str(agg["analyte"].iloc[0])].units["amount"]
    factor, per_kg = fe_factors(study, amount_unit, agg["analyte"])
    dose = period_doses(agg, d, study.source)  # the doses given during the collections
    if per_kg:
        wt = agg["subject"].map(study.subjects.set_index("subject")["weight"]).to_numpy(float)
        dose = dose * wt
    vals["fe"] = factor * vals["ae"] / dose
    reasons["fe"] = np.where(
        np.isnan(vals["fe"]),
        "no dose (or body weight for a per-kg "
        "dose, or molecular weight) to express Ae as % of dose",
        "",
    )
    vals["clr"], reasons["clr"] = _renal_cl(
        agg, vals["ae"], study, options, plasma_rows, amount_unit, units_by_analyte, d
    )
    order = (  # the parameters in the order of the table
        "ae fe urine_vol ermax ertmax erlst ertlst aurclst urine_lamz urine_lamzhl "
        "urine_lamznpt urine_r2adj clr"
    ).split()
    table = _long(agg, key, order, vals, reasons, units_by_analyte)
    if intervals is not None:
        part = _over_intervals(
            iv,
            agg,
            key,
            intervals,
            study,
            options,
            plasma_rows,
            amount_unit,
            units_by_analyte,
            d,
        )
        if len(part):
            table = pd.concat([table, part], ignore_index=True).sort_values(
                [*key, "start", "end"], kind="stable"
            )
    cols = ["subject", *groups, *"analyte matrix start end mid volume conc ae rate".split()]
    intervals = iv.rename(columns={"time": "start", "end_time": "end"})[
        [c for c in cols if c in iv.columns or c in ("start", "end")]
    ]
    return table.reset_index(drop=True), intervals


def _none_left(groups, iv, said, plasma_rows, source) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every collection left out: no urine parameter, an empty collection table (a
    ``DataError`` when there is no plasma either: nothing would be analysed)."""
    if plasma_rows is None or not len(plasma_rows):
        raise DataError(
            [
                Problem(
                    "no urine collection left to analyse: " + "; ".join(said),
                    file=source,
                    column="time",
                    fix="urine NCA counts the collections from the subject's first dose on; "
                    "check the collection times and the dose times",
                )
            ]
        )
    key = ["subject", *groups, "analyte", "matrix"]
    cols = [*key, "start", "end", "PPTESTCD", "value", "unit", "exclude"]
    table = pd.DataFrame(
        {c: pd.Series(dtype=float if c in ("start", "end", "value") else object) for c in cols}
    )
    iv = iv.rename(columns={"time": "start", "end_time": "end"})
    return table, iv[[c for c in (*key, "start", "end", "volume", "conc") if c in iv.columns]]


def _long(agg, key, order, vals, reasons, units_by_analyte) -> pd.DataFrame:
    from kinetor.nca.registry import PARAMETERS

    out: list[pd.DataFrame] = []
    for k in order:
        p = PARAMETERS[k]
        frame = agg[[*key, "start", "end"]].copy()
        frame["PPTESTCD"] = p.code
        frame["value"] = vals[k]
        frame["unit"] = [units_by_analyte[str(a)].units.get(p.unit, "") for a in agg["analyte"]]
        frame["exclude"] = np.where(np.isnan(vals[k]), reasons[k], "")
        out.append(frame.assign(_order=len(out)))
    return (
        pd.concat(out, ignore_index=True)
        .sort_values([*key, "_order"], kind="stable")
        .drop(columns="_order")
    )


def _over_intervals(
    iv,
    agg,
    key,
    intervals,
    study,
    options,
    plasma_rows,
    amount_unit,
    units_by_analyte,
    doses,
) -> pd.DataFrame:
    """Ae, fe, volume and renal CL over each finite user interval (study time scale)."""
    from kinetor.nca.intervals import user_intervals

    user = pd.DataFrame(intervals)
    user = (
        user[np.isfinite(pd.to_numeric(user["end"], errors="coerce"))]
        if "end" in user.columns
        else user
    )
    if not len(user):
        return pd.DataFrame()
    ki = user_intervals(user, agg[key].drop_duplicates())
    ki = ki[[*key, "start", "end"]].drop_duplicates().reset_index(drop=True)
    ki["_iid"] = np.arange(len(ki))
    m = ki.merge(iv[[*key, "time", "end_time", "ae", "volume"]], on=key)
    eps = 1e-9 * max(1.0, float(np.nanmax(np.abs(m["end_time"]))) if len(m) else 1.0)
    inside = ((m["time"] >= m["start"] - eps) & (m["end_time"] <= m["end"] + eps)).to_numpy()
    overlap = ((m["time"] < m["end"] - eps) & (m["end_time"] > m["start"] + eps)).to_numpy()
    m["_ae"] = np.where(inside, m["ae"], 0.0)
    m["_vol"] = np.where(inside, m["volume"], 0.0)
    m["_in"] = inside
    m["_cut"] = overlap & ~inside
    m["_len"] = np.where(inside, m["end_time"] - m["time"], 0.0)
    g = m.groupby("_iid").agg(
        ae=("_ae", "sum"),
        vol=("_vol", "sum"),
        n=("_in", "sum"),
        cut=("_cut", "any"),
        span=("_len", "sum"),
    )
    g = g.reindex(ki["_iid"]).fillna({"ae": 0.0, "vol": 0.0, "n": 0, "cut": False, "span": 0.0})
    # renal CL needs Ae and the plasma AUC over one period: the collections must fill it
    gap = (ki["end"] - ki["start"]).to_numpy(float) - g["span"].to_numpy(float) > eps
    cut = g["cut"].to_numpy(bool)
    empty = g["n"].to_numpy() == 0
    bad = cut | empty
    why = np.where(
        cut,
        "a urine collection straddles the interval boundary (choose "
        "boundaries at collection start/end times)",
        np.where(empty, "no urine collection inside the interval", ""),
    )
    ae = np.where(bad, np.nan, g["ae"].to_numpy(float))
    vals = {"ae": ae, "urine_vol": np.where(bad, np.nan, g["vol"].to_numpy(float))}
    reasons = {"ae": why, "urine_vol": why}
    factor, per_kg = fe_factors(study, amount_unit, ki["analyte"])
    dose = period_doses(ki, doses, study.source)
    if per_kg:
        dose = dose * ki["subject"].map(study.subjects.set_index("subject")["weight"]).to_numpy(
            float
        )
    vals["fe"] = factor * ae / dose
    reasons["fe"] = np.where(
        bad,
        why,
        "no dose (or body weight for a per-kg dose, or "
        "molecular weight) to express Ae as % of dose",
    )
    clr, clr_why = _renal_cl(
        ki, ae, study, options, plasma_rows, amount_unit, units_by_analyte, doses
    )
    partial = gap & ~bad
    clr = np.where(partial, np.nan, clr)
    clr_why = np.where(
        partial,
        "the urine collections inside cover only part of the interval: renal clearance "
        "needs Ae and the plasma AUC over the same period (choose the interval at "
        "collection start/end times)",
        clr_why,
    )
    vals["clr"], reasons["clr"] = clr, np.where(bad, why, clr_why)
    return _long(ki, key, ["ae", "fe", "urine_vol", "clr"], vals, reasons, units_by_analyte)


def _renal_cl(agg, ae, study, options, plasma_rows, amount_unit, units_by_analyte, doses):
    """Ae(t1-t2) / plasma AUC(t1-t2): AUCINT rules within one dose, the samples across the
    doses where a later dose falls inside (t1, t2) (``auc_across_doses``)."""
    nan = np.full(len(agg), np.nan)
    if plasma_rows is None or not len(plasma_rows):
        return nan, np.full(len(agg), "no plasma concentrations for renal clearance")
    from kinetor.nca.engine import compute
    from kinetor.nca.profiles import build_profiles

    ivs = agg[["subject", "analyte", "start", "end"]].assign(kind="partial")
    try:
        prof = build_profiles(study, options.with_(sparse=False), ivs, rows=plasma_rows)
    except DataError:  # no plasma sample in any collection period
        return nan, np.full(len(agg), "no plasma concentrations for renal clearance")
    comp = compute(prof, options, units_by_analyte)
    auc = pd.Series(
        comp.values["aucint"],
        index=pd.MultiIndex.from_frame(
            prof.meta[["subject", "analyte", "start", "end"]].astype(
                {"subject": str, "analyte": str}
            )
        ),
    )
    idx = pd.MultiIndex.from_frame(
        agg[["subject", "analyte", "start", "end"]].astype({"subject": str, "analyte": str})
    )
    auc = auc[~auc.index.duplicated()].reindex(idx).to_numpy(float)
    across, auc_x, why_x = auc_across_doses(
        agg, plasma_rows, doses, options.auc_method, study.source
    )
    auc = np.where(across, auc_x, auc)
    t = study.units["time"]
    # (amount) / (conc * time) -> L/time
    f = Q(1.0, parse_unit(amount_unit)) / (
        Q(1.0, parse_unit(study.units["conc"])) * Q(1.0, parse_unit(t))
    )
    factor = float(f.to(parse_unit(f"L/{t}")).magnitude)
    clr = ae / auc * factor
    why = np.where(across & (why_x != ""), why_x, "no plasma AUC over the urine collection period")
    return clr, np.where(np.isnan(clr), why, "")
