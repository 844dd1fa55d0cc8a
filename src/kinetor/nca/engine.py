"""The vectorised NCA engine: padded profiles in, every parameter for every profile out.

``compute`` runs the primary kernels (Cmax, Tlast, trapezoids, lambda_z, partial areas)
on the (P, M) arrays of all profiles at once, then evaluates the registry's calculators in
dependency order, each on (P,) arrays. Expected problems give NaN plus a reason code;
acceptance rules set flag bits. :mod:`kinetor.nca._long` turns that into the tidy result.

Examples
--------
>>> import pandas as pd
>>> from kinetor.data import Study
>>> from kinetor.nca.options import Options
>>> from kinetor.nca.profiles import build_profiles
>>> from kinetor.nca._units import output_units
>>> conc = pd.DataFrame({"subject": "a", "time": [0.0, 1, 2, 4, 8],
...                      "conc": [0.0, 4, 3, 1.5, 0.375]})
>>> doses = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [10.0], "route": ["po"]})
>>> st = Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"})
>>> prof = build_profiles(st, Options())
>>> out = compute(prof, Options(), {"ANALYTE": output_units(st.units)})
>>> round(float(out.values["lamz"][0]), 6)   # ln(2)/2 from the last three points
0.346574
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kinetor.nca import _kernels as K
from kinetor.nca.registry import PARAMETERS, order

__all__ = ["Computed", "compute"]

_ORDER = order()


class _Ctx(dict):
    __getattr__ = dict.__getitem__


class Reasons:
    """Reason messages interned as small integers (0 = no reason)."""

    def __init__(self) -> None:
        self.messages = [""]
        self._index: dict[str, int] = {"": 0}

    def code(self, message: str) -> int:
        if message not in self._index:
            self._index[message] = len(self.messages)
            self.messages.append(message)
        return self._index[message]


@dataclass
class Computed:
    values: dict[str, np.ndarray]
    reasons: dict[str, np.ndarray]
    flags: np.ndarray
    messages: list[str]
    lz_used: np.ndarray


def _set(ctx, why, reasons, key, value, reason_mask=None, message=""):
    value = np.asarray(value, float)
    ctx[key] = value
    code = np.zeros(value.shape, np.int32)
    if reason_mask is not None and message:
        code = np.where(reason_mask & np.isnan(value), why.code(message), 0).astype(np.int32)
    reasons[key] = code


def compute(prof, options, units_by_analyte) -> Computed:
    """All parameters for all profiles (see module docstring)."""
    # NaN/inf arithmetic on padding and on undefined fits is expected: results are
    # cleaned to NaN-with-reason below, so numpy's warnings carry no information here
    with np.errstate(all="ignore"):
        return _compute(prof, options, units_by_analyte)


def _compute(prof, options, units_by_analyte) -> Computed:
    T, C, obs = prof.T, prof.C, prof.obs
    meta = prof.meta
    P, M = T.shape
    ar = np.arange(P)
    route = meta["route"].to_numpy()
    kind = meta["kind"].to_numpy()
    bolus = route == "iv_bolus"
    ctx, why = _Ctx(), Reasons()
    reasons: dict[str, np.ndarray] = {}

    # --- observed quantities -----------------------------------------------------------
    # Cmax/Cmin of a dosing interval come from [0, tau] even when its data run further
    tau_all = meta["tau"].to_numpy(float)
    with np.errstate(invalid="ignore"):
        in_tau = ~(T > (tau_all + 1e-9 * np.maximum(1.0, np.abs(tau_all)))[:, None])
    imax = np.argmax(np.where(obs & in_tau, C, -np.inf), axis=1)
    cmax, tmax = C[ar, imax], T[ar, imax]
    pos = obs & (np.nan_to_num(C) > 0)
    has_pos = pos.any(axis=1)
    ilast = M - 1 - np.argmax(pos[:, ::-1], axis=1)
    none_pos = ~has_pos
    _set(ctx, why, reasons, "cmax", cmax)
    _set(ctx, why, reasons, "tmax", tmax)
    _set(
        ctx,
        why,
        reasons,
        "clst",
        np.where(has_pos, C[ar, ilast], np.nan),
        none_pos,
        "no concentration above 0",
    )
    _set(
        ctx,
        why,
        reasons,
        "tlst",
        np.where(has_pos, T[ar, ilast], np.nan),
        none_pos,
        "no concentration above 0",
    )
    first_pos = np.argmax(pos, axis=1)
    _set(
        ctx,
        why,
        reasons,
        "tlag",
        np.where(
            has_pos, np.where(first_pos >= 2, T[ar, np.maximum(first_pos - 1, 0)], 0.0), np.nan
        ),
        none_pos,
        "no concentration above 0",
    )
    _set(ctx, why, reasons, "c0", np.where(bolus, C[:, 0], np.nan))

    # --- trapezoids ------------------------------------------------------------------------
    use_log = K.log_segments(T, C, options.auc_method, t_peak=tmax)
    seg_a, seg_m = K.segment_areas(T, C, use_log)
    zero = np.zeros((P, 1))
    auc_cum = np.hstack([zero, np.cumsum(seg_a, axis=1)])
    aumc_cum = np.hstack([zero, np.cumsum(seg_m, axis=1)])
    last_valid = (~np.isnan(T)).sum(axis=1) - 1
    _set(
        ctx,
        why,
        reasons,
        "auclst",
        np.where(has_pos, auc_cum[ar, ilast], np.nan),
        none_pos,
        "no concentration above 0",
    )
    _set(
        ctx,
        why,
        reasons,
        "aumclst",
        np.where(has_pos, aumc_cum[ar, ilast], np.nan),
        none_pos,
        "no concentration above 0",
    )
    _set(ctx, why, reasons, "aucall", auc_cum[ar, last_valid])
    _set(ctx, why, reasons, "aumcall", aumc_cum[ar, last_valid])
    _set(ctx, why, reasons, "aucbe", seg_a[:, 0] if M > 1 else np.zeros(P))
    _set(
        ctx,
        why,
        reasons,
        "tfirst",
        np.where(has_pos, T[ar, first_pos], np.nan),
        none_pos,
        "no concentration above 0",
    )
    _set(ctx, why, reasons, "nconc", obs.sum(axis=1))
    _set(ctx, why, reasons, "nconcms", pos.sum(axis=1))
    at0 = obs & (T == 0)
    start_obs = at0.any(axis=1)
    _set(
        ctx,
        why,
        reasons,
        "cstart",
        np.where(start_obs, C[ar, np.argmax(at0, axis=1)], np.nan),
        ~start_obs,
        "no sample at the start of the interval",
    )
    dur_all = meta["duration"].to_numpy(float)
    at_eoi = obs & (
        np.abs(T - dur_all[:, None]) <= 1e-9 * np.maximum(1.0, np.abs(dur_all))[:, None]
    )
    has_eoi = at_eoi.any(axis=1) & (route == "iv_infusion") & (dur_all > 0)
    _set(
        ctx,
        why,
        reasons,
        "ceoi",
        np.where(has_eoi, C[ar, np.argmax(at_eoi, axis=1)], np.nan),
        ~has_eoi,
        "no sample at the end of the infusion",
    )
    _set(
        ctx,
        why,
        reasons,
        "totdose",
        meta["totdose"].to_numpy(float)
        if "totdose" in meta.columns
        else meta["dose"].to_numpy(float),
    )

    # --- lambda_z --------------------------------------------------------------------------
    after = np.where(bolus[:, None], T >= tmax[:, None], T > tmax[:, None])
    auto = obs & prof.lz_ok & after
    manual = obs & prof.lz_ok & prof.lz_pick
    cand = np.where(prof.lz_manual[:, None], manual, auto)
    fit = K.fit_lambda_z(
        T,
        C,
        cand,
        int(options.lambda_z_min_points),
        float(options.lambda_z_tolerance),
        use_all=prof.lz_manual,
    )
    n_min = int(options.lambda_z_min_points)
    st = fit["status"]
    few = why.code(f"fewer than {n_min} usable points after Tmax for lambda_z")
    few_manual = why.code(f"fewer than {n_min} usable points in the manual lambda_z selection")
    flat = why.code("no declining terminal phase for lambda_z (all fits flat or undefined)")
    lz_reason = np.where(
        st == 1, np.where(prof.lz_manual, few_manual, few), np.where(st == 2, flat, 0)
    )
    lamz = fit["lamz"]
    nonpos = (st == 0) & ~(lamz > 0)
    lz_reason = np.where(
        nonpos, why.code("lambda_z <= 0: the terminal phase does not decline"), lz_reason
    ).astype(np.int32)
    ctx["lamz"] = np.where(nonpos, np.nan, lamz)
    reasons["lamz"] = lz_reason
    for key, src in (
        ("r2", "r2"),
        ("r2adj", "r2adj"),
        ("corrxy", "corrxy"),
        ("lamznpt", "npt"),
        ("lamzll", "lower"),
        ("lamzul", "upper"),
        ("intercept", "intercept"),
    ):
        ctx[key] = np.where(st == 0, fit[src], np.nan)
        reasons[key] = np.where(st == 0, 0, lz_reason).astype(np.int32)

    # --- dose, units, interval ------------------------------------------------------------
    dose = meta["dose"].to_numpy(float)
    nodose = np.isnan(dose)
    _set(
        ctx,
        why,
        reasons,
        "dose",
        np.where(dose > 0, dose, np.nan),
        ~(dose > 0),
        "no dose record at or before the interval start",
    )
    reasons["dose"] = np.where(
        ~nodose & ~(dose > 0), why.code("dose is 0"), reasons["dose"]
    ).astype(np.int32)
    analyte = meta["analyte"].to_numpy()
    clf, vf, unit_reason = np.full(P, np.nan), np.full(P, np.nan), np.zeros(P, np.int32)
    for name, u in units_by_analyte.items():
        sel = analyte == name
        clf[sel], vf[sel] = u.cl_factor, u.v_factor
        if u.problem:
            unit_reason[sel] = why.code(u.problem)
    ctx["cl_factor"], ctx["v_factor"] = clf, vf
    reasons["cl_factor"] = reasons["v_factor"] = unit_reason
    dur = meta["duration"].to_numpy(float)
    infusion = route == "iv_infusion"
    no_dur = infusion & ~(dur > 0)
    _set(
        ctx,
        why,
        reasons,
        "half_duration",
        np.where(infusion, np.where(no_dur, np.nan, dur / 2.0), 0.0),
        no_dur,
        "IV infusion without a duration (give the dose's duration)",
    )
    _set(ctx, why, reasons, "tau", meta["tau"].to_numpy(float))

    # --- dosing-interval and partial areas ------------------------------------------------
    clstp = np.exp(ctx["intercept"] - ctx["lamz"] * ctx["tlst"])
    tau = ctx["tau"]
    a_tau, m_tau, s_tau = K.area_to(
        tau, T, C, auc_cum, aumc_cum, use_log, ctx["lamz"], clstp, ctx["tlst"]
    )
    no_lz = "no sample at the end of the interval and lambda_z not estimable"
    _set(ctx, why, reasons, "auctau", a_tau, s_tau == 2, no_lz)
    _set(ctx, why, reasons, "aumctau", m_tau, s_tau == 2, no_lz)
    imin = np.argmin(np.where(obs & in_tau, C, np.inf), axis=1)
    _set(ctx, why, reasons, "cmin", C[ar, imin])
    _set(ctx, why, reasons, "tmin", T[ar, imin])
    at_end = obs & (np.abs(T - tau[:, None]) <= 1e-9 * np.maximum(1.0, np.abs(tau))[:, None])
    has_end = at_end.any(axis=1)
    _set(
        ctx,
        why,
        reasons,
        "ctrough",
        np.where(has_end, C[ar, np.argmax(at_end, axis=1)], np.nan),
        ~has_end,
        "no sample at the end of the dosing interval",
    )
    # AUC above a threshold (PKNCA aucabove.*.all): the study's rule on max(C - c, 0)
    # from the interval start to the last sample
    for key, thr, msg in (
        ("aucapred", ctx["cstart"], "no sample at the start of the interval (predose)"),
        ("aucatrgh", ctx["ctrough"], "no sample at the end of the dosing interval (trough)"),
    ):
        Ca = np.where(np.isnan(C), np.nan, np.maximum(C - thr[:, None], 0.0))
        lg = K.log_segments(T, Ca, options.auc_method, t_peak=tmax)
        sa, _ = K.segment_areas(T, Ca, lg)
        above = np.hstack([zero, np.cumsum(sa, axis=1)])[ar, last_valid]
        _set(ctx, why, reasons, key, np.where(np.isnan(thr), np.nan, above), np.isnan(thr), msg)
    origin = meta["origin"].to_numpy(float)
    lo = meta["start"].to_numpy(float) - origin
    hi = meta["end"].to_numpy(float) - origin
    a_lo, m_lo, s_lo = K.area_to(
        lo, T, C, auc_cum, aumc_cum, use_log, ctx["lamz"], clstp, ctx["tlst"]
    )
    a_hi, m_hi, s_hi = K.area_to(
        hi, T, C, auc_cum, aumc_cum, use_log, ctx["lamz"], clstp, ctx["tlst"]
    )
    # Phoenix: an interval wholly after Tlast (the last sample > 0) integrates the
    # lambda_z line between the predicted concentrations at its two ends
    last_t = T[ar, last_valid]
    after_tlast = (lo > ctx["tlst"]) & (last_t == ctx["tlst"])
    c_lo = clstp * np.exp(-ctx["lamz"] * (lo - ctx["tlst"]))
    c_hi = np.where(np.isinf(hi), 0.0, clstp * np.exp(-ctx["lamz"] * (hi - ctx["tlst"])))
    a_int = np.where(after_tlast, (c_lo - c_hi) / ctx["lamz"], a_hi - a_lo)
    _set(
        ctx,
        why,
        reasons,
        "aucint",
        a_int,
        (s_lo == 2) | (s_hi == 2) | np.isnan(a_int),
        "interval ends after Tlast and lambda_z is not estimable",
    )
    # first moment: integral of t C*(t) = C*(t) (t/lambda + 1/lambda^2) over [a, b]
    lz = ctx["lamz"]
    m_tail = c_lo * (lo / lz + 1 / lz**2) - np.where(
        np.isinf(hi), 0.0, c_hi * (hi / lz + 1 / lz**2)
    )
    m_int = np.where(after_tlast, m_tail, m_hi - m_lo)
    _set(
        ctx,
        why,
        reasons,
        "aumcint",
        m_int,
        (s_lo == 2) | (s_hi == 2) | np.isnan(m_int),
        "interval ends after Tlast and lambda_z is not estimable",
    )

    # --- derived parameters, in dependency order ------------------------------------------
    generic = why.code("not computable (a zero or missing input)")
    for key in _ORDER:
        p = PARAMETERS[key]
        if p.calc is None:
            if key not in ctx:
                _set(ctx, why, reasons, key, np.full(P, np.nan))
            continue
        value = np.asarray(p.calc(ctx), float)
        value = np.where(np.isfinite(value), value, np.nan)
        code = np.zeros(P, np.int32)
        nan = np.isnan(value)
        for dep in p.depends:
            inherit = nan & (code == 0) & np.isnan(ctx[dep]) & (reasons[dep] != 0)
            code = np.where(inherit, reasons[dep], code)
        ctx[key] = value
        reasons[key] = np.where(nan & (code == 0), generic, code).astype(np.int32)

    flags = np.zeros(P, np.int64)
    flags |= np.where(ctx["r2adj"] < options.min_r2adj, 1, 0)
    flags |= np.where(ctx["lamzspn"] < options.min_span_ratio, 2, 0)
    flags |= np.where(ctx["aucpeo"] > options.max_aucpext, 4, 0)
    flags |= np.where(ctx["aucpep"] > options.max_aucpext, 8, 0)
    flags = np.where(kind == "tau", flags & 3, flags)
    return Computed(dict(ctx), reasons, flags, why.messages, fit["used"])
