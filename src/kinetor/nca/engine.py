"""The vectorised NCA engine: padded profiles in, every parameter for every profile out.

``compute`` runs on the (P, M) arrays of all profiles at once, in named stages: ``peak``
(Cmax, Tmax, Clast, Tlast, Tlag, C0), ``areas`` (AUC and AUMC to Tlast and to the last
sample), ``samples`` (Tfirst, counts, Cstart, Ceoi, total dose), ``lambda_z`` (the
terminal fit), ``dose_units`` (dose, CL and V unit factors, infusion, tau),
``interval_areas`` (AUCtau, Cmin, Ctrough, AUC above thresholds, partial areas),
``derived`` (the registry's calculators in dependency order, each on (P,) arrays) and
``flags``. Expected problems give NaN plus a reason code; acceptance rules set flag bits.
:mod:`kinetor.nca._long` turns that into the tidy result.

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
from kinetor.nca._engine_rules import multi_dose, no_dose_start
from kinetor.nca._nominal_edges import edge_reasons
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


def compute(prof, options, units_by_analyte) -> Computed:
    """All parameters for all profiles (see module docstring)."""
    # NaN/inf arithmetic on padding and on undefined fits is expected: results are
    # cleaned to NaN-with-reason below, so numpy's warnings carry no information here
    with np.errstate(all="ignore"):
        return _compute(prof, options, units_by_analyte)


def _compute(prof, options, units_by_analyte) -> Computed:
    """The engine's stages, in order (each reads what the ones before it set; reason
    messages are numbered in the order the stages first use them)."""
    run = _Run(prof, options)
    run.peak()  # Cmax, Tmax, Clast, Tlast, Tlag, C0
    run.areas()  # AUC and AUMC to Tlast and to the last sample
    run.samples()  # Tfirst, counts, Cstart, Ceoi, total dose
    run.lambda_z()  # terminal slope and its diagnostics
    run.dose_units(units_by_analyte)  # dose, CL / V unit factors, infusion, tau
    run.interval_areas()  # AUCtau, Cmin, Ctrough, AUC above thresholds, partial areas
    run.derived()  # the registry's calculators, in dependency order
    no_dose_start(run, units_by_analyte)  # tau/single given where no dose is: NaN + reason
    edge_reasons(run)  # an edge sample off its nominal time: the reasons say so
    return Computed(dict(run.ctx), run.reasons, run.flags(), run.why.messages, run.lz_used)


class _Run:
    """The arrays of one engine run: inputs, parameters set so far (``ctx``), their reason
    codes, and the intermediates later stages share (indices of Cmax and Clast...)."""

    def __init__(self, prof, options) -> None:
        self.prof, self.options = prof, options
        self.T, self.C, self.obs = prof.T, prof.C, prof.obs
        self.meta = prof.meta
        self.P, self.M = self.T.shape
        self.ar = np.arange(self.P)
        self.route = self.meta["route"].to_numpy()
        self.bolus = self.route == "iv_bolus"
        self.ctx, self.why = _Ctx(), Reasons()
        self.reasons: dict[str, np.ndarray] = {}
        # shared read-only arrays for the common "no reason" codes and all-NaN values (a
        # few MB less per run; nothing writes into the engine's arrays)
        self.no_reason = np.zeros(self.P, np.int32)
        self.nan_p = np.full(self.P, np.nan)
        self.no_reason.flags.writeable = self.nan_p.flags.writeable = False
        # intervals holding several doses (set by ``multi_dose``) and their reason codes
        self.multi = np.zeros(self.P, bool)
        self.multi_code = np.zeros(self.P, np.int32)

    def set(self, key, value, reason_mask=None, message="") -> None:
        """Set a parameter; where it is NaN under ``reason_mask``, ``message`` says why."""
        value = np.asarray(value, float)
        self.ctx[key] = value
        found = None
        if reason_mask is not None and message:
            found = np.where(reason_mask & np.isnan(value), self.why.code(message), 0)
        if found is not None and found.any():
            self.reasons[key] = found.astype(np.int32)
        elif value.shape == self.no_reason.shape:
            self.reasons[key] = self.no_reason  # shared, read-only
        else:
            self.reasons[key] = np.zeros(value.shape, np.int32)

    def peak(self) -> None:
        T, C, obs, ar, M = self.T, self.C, self.obs, self.ar, self.M
        # Cmax/Cmin of a dosing interval come from [0, tau] even when its data run further
        tau_all = self.meta["tau"].to_numpy(float)
        with np.errstate(invalid="ignore"):
            self.in_tau = ~(T > (tau_all + 1e-9 * np.maximum(1.0, np.abs(tau_all)))[:, None])
        imax = np.argmax(np.where(obs & self.in_tau, C, -np.inf), axis=1)
        self.tmax = T[ar, imax]
        self.pos = obs & (np.nan_to_num(C) > 0)
        has_pos = self.has_pos = self.pos.any(axis=1)
        ilast = self.ilast = M - 1 - np.argmax(self.pos[:, ::-1], axis=1)
        none, why = ~has_pos, "no concentration above 0"
        self.set("cmax", C[ar, imax])
        self.set("tmax", self.tmax)
        self.set("clst", np.where(has_pos, C[ar, ilast], np.nan), none, why)
        self.set("tlst", np.where(has_pos, T[ar, ilast], np.nan), none, why)
        first_pos = self.first_pos = np.argmax(self.pos, axis=1)
        before = T[ar, np.maximum(first_pos - 1, 0)]
        tlag = np.where(has_pos, np.where(first_pos >= 2, before, 0.0), np.nan)
        self.set("tlag", tlag, none, why)
        self.set("c0", np.where(self.bolus, C[:, 0], np.nan))

    def areas(self) -> None:
        T, C, ar, P, M = self.T, self.C, self.ar, self.P, self.M
        self.use_log = K.log_segments(T, C, self.options.auc_method, t_peak=self.tmax)
        seg_a, seg_m = K.segment_areas(T, C, self.use_log)
        self.zero = np.zeros((P, 1))
        self.auc_cum = np.hstack([self.zero, K.cum_rows(seg_a)])
        self.aumc_cum = np.hstack([self.zero, K.cum_rows(seg_m)])
        self.last_valid = (~np.isnan(T)).sum(axis=1) - 1
        has_pos, ilast = self.has_pos, self.ilast
        none, why = ~has_pos, "no concentration above 0"
        self.set("auclst", np.where(has_pos, self.auc_cum[ar, ilast], np.nan), none, why)
        self.set("aumclst", np.where(has_pos, self.aumc_cum[ar, ilast], np.nan), none, why)
        self.set("aucall", self.auc_cum[ar, self.last_valid])
        self.set("aumcall", self.aumc_cum[ar, self.last_valid])
        self.set("aucbe", seg_a[:, 0] if M > 1 else np.zeros(P))

    def samples(self) -> None:
        T, C, obs, ar, meta = self.T, self.C, self.obs, self.ar, self.meta
        has_pos = self.has_pos
        tfirst = np.where(has_pos, T[ar, self.first_pos], np.nan)
        self.set("tfirst", tfirst, ~has_pos, "no concentration above 0")
        self.set("nconc", obs.sum(axis=1))
        self.set("nconcms", self.pos.sum(axis=1))
        at0 = obs & (T == 0)
        start_obs = at0.any(axis=1)
        cstart = np.where(start_obs, C[ar, np.argmax(at0, axis=1)], np.nan)
        self.set("cstart", cstart, ~start_obs, "no sample at the start of the interval")
        dur = meta["duration"].to_numpy(float)
        at_eoi = obs & (np.abs(T - dur[:, None]) <= 1e-9 * np.maximum(1.0, np.abs(dur))[:, None])
        has_eoi = at_eoi.any(axis=1) & (self.route == "iv_infusion") & (dur > 0)
        ceoi = np.where(has_eoi, C[ar, np.argmax(at_eoi, axis=1)], np.nan)
        self.set("ceoi", ceoi, ~has_eoi, "no sample at the end of the infusion")
        total = "totdose" if "totdose" in meta.columns else "dose"
        self.set("totdose", meta[total].to_numpy(float))

    def lambda_z(self) -> None:
        T, prof, options, ctx, why = self.T, self.prof, self.options, self.ctx, self.why
        after = np.where(self.bolus[:, None], T >= self.tmax[:, None], T > self.tmax[:, None])
        auto = self.obs & prof.lz_ok & after
        manual = self.obs & prof.lz_ok & prof.lz_pick
        cand = np.where(prof.lz_manual[:, None], manual, auto)
        n_min = int(options.lambda_z_min_points)
        tol = float(options.lambda_z_tolerance)
        fit = K.fit_lambda_z(T, self.C, cand, n_min, tol, use_all=prof.lz_manual)
        st = fit["status"]
        few = why.code(f"fewer than {n_min} usable points after Tmax for lambda_z")
        few_manual = why.code(f"fewer than {n_min} usable points in the manual lambda_z selection")
        flat = why.code("no declining terminal phase for lambda_z (all fits flat or undefined)")
        lz_reason = np.where(
            st == 1, np.where(prof.lz_manual, few_manual, few), np.where(st == 2, flat, 0)
        )
        lamz = fit["lamz"]
        nonpos = ((st == 0) & ~(lamz > 0)) | (st == 3)
        lz_reason = np.where(
            nonpos, why.code("lambda_z <= 0: the terminal phase does not decline"), lz_reason
        ).astype(np.int32)
        ctx["lamz"] = np.where(nonpos, np.nan, lamz)
        self.reasons["lamz"] = lz_reason
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
            self.reasons[key] = np.where(st == 0, 0, lz_reason).astype(np.int32)
        self.lz_used = fit["used"]

    def dose_units(self, units_by_analyte) -> None:
        meta, ctx, why, reasons, P = self.meta, self.ctx, self.why, self.reasons, self.P
        dose = meta["dose"].to_numpy(float)
        no_dose = "no dose record at or before the interval start"
        self.set("dose", np.where(dose > 0, dose, np.nan), ~(dose > 0), no_dose)
        zero = ~np.isnan(dose) & ~(dose > 0)
        reasons["dose"] = np.where(zero, why.code("dose is 0"), reasons["dose"]).astype(np.int32)
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
        infusion = self.route == "iv_infusion"
        no_dur = infusion & ~(dur > 0)
        self.set(
            "half_duration",
            np.where(infusion, np.where(no_dur, np.nan, dur / 2.0), 0.0),
            no_dur,
            "IV infusion without a duration (give the dose's duration)",
        )
        self.set("tau", meta["tau"].to_numpy(float))
        tunit = next((u.units.get("time", "") for u in units_by_analyte.values()), "")
        multi_dose(self, f" {tunit}" if tunit else "")

    def _area_to(self, t):
        ctx = self.ctx
        if np.isnan(t).all():  # no such time (tau of single doses): status 1, no area
            return self.nan_p, self.nan_p, np.ones(len(t), dtype=int)
        return K.area_to(
            t,
            self.T,
            self.C,
            self.auc_cum,
            self.aumc_cum,
            self.use_log,
            ctx["lamz"],
            self.clstp,
            ctx["tlst"],
        )

    def interval_areas(self) -> None:
        T, C, obs, ar, ctx, meta = self.T, self.C, self.obs, self.ar, self.ctx, self.meta
        self.clstp = clstp = np.exp(ctx["intercept"] - ctx["lamz"] * ctx["tlst"])
        tau = ctx["tau"]
        a_tau, m_tau, s_tau = self._area_to(tau)
        no_lz = "no sample at the end of the interval and lambda_z not estimable"
        self.set("auctau", a_tau, s_tau == 2, no_lz)
        self.set("aumctau", m_tau, s_tau == 2, no_lz)
        imin = np.argmin(np.where(obs & self.in_tau, C, np.inf), axis=1)
        self.set("cmin", C[ar, imin])
        self.set("tmin", T[ar, imin])
        at_end = obs & (np.abs(T - tau[:, None]) <= 1e-9 * np.maximum(1.0, np.abs(tau))[:, None])
        has_end = at_end.any(axis=1)
        self.set(
            "ctrough",
            np.where(has_end, C[ar, np.argmax(at_end, axis=1)], np.nan),
            ~has_end,
            "no sample at the end of the dosing interval",
        )
        blq_end = ~has_end & (
            meta["blq_at_end"].to_numpy(bool) if "blq_at_end" in meta.columns else False
        )
        if blq_end.any():  # a BLQ sample is there: the rule dropped it
            code = self.why.code(
                "the sample at the end of the dosing interval is BLQ and the BLQ rule "
                f"({self.options.blq_rule}) drops it"
            )
            self.reasons["ctrough"] = np.where(blq_end, code, self.reasons["ctrough"]).astype(
                np.int32
            )
        # AUC above a threshold (PKNCA aucabove.*.all): the study's rule on max(C - c, 0)
        # from the interval start to the last sample
        for key, thr, msg in (
            ("aucapred", ctx["cstart"], "no sample at the start of the interval (predose)"),
            ("aucatrgh", ctx["ctrough"], "no sample at the end of the dosing interval (trough)"),
        ):
            # a threshold of 0 leaves C as it is (C >= 0): AUCALL, already integrated;
            # only profiles with a threshold > 0 are integrated again (rows independent)
            above = np.where(thr == 0, self.auc_cum[ar, self.last_valid], np.nan)
            sub = np.flatnonzero(~(thr == 0) & ~np.isnan(thr))
            if len(sub):
                Cs = C[sub]
                Ca = np.where(np.isnan(Cs), np.nan, np.maximum(Cs - thr[sub, None], 0.0))
                lg = K.log_segments(T[sub], Ca, self.options.auc_method, t_peak=self.tmax[sub])
                sa, _ = K.segment_areas(T[sub], Ca, lg)
                above[sub] = np.hstack([self.zero[sub], np.cumsum(sa, axis=1)])[
                    np.arange(len(sub)), self.last_valid[sub]
                ]
            self.set(key, np.where(np.isnan(thr), np.nan, above), np.isnan(thr), msg)
        if blq_end.any():  # the trough threshold is missing for the same reason
            self.reasons["aucatrgh"] = np.where(
                blq_end, self.reasons["ctrough"], self.reasons["aucatrgh"]
            ).astype(np.int32)
        origin = meta["origin"].to_numpy(float)
        lo = meta["start"].to_numpy(float) - origin
        hi = meta["end"].to_numpy(float) - origin
        a_lo, m_lo, s_lo = self._area_to(lo)
        a_hi, m_hi, s_hi = self._area_to(hi)
        # Phoenix: an interval wholly after Tlast (the last sample > 0) integrates the
        # lambda_z line between the predicted concentrations at its two ends
        lz, tlst = ctx["lamz"], ctx["tlst"]
        after_tlast = (lo > tlst) & (T[ar, self.last_valid] == tlst)
        c_lo = clstp * np.exp(-lz * (lo - tlst))
        c_hi = np.where(np.isinf(hi), 0.0, clstp * np.exp(-lz * (hi - tlst)))
        a_int = np.where(after_tlast, (c_lo - c_hi) / lz, a_hi - a_lo)
        no_tail = "interval ends after Tlast and lambda_z is not estimable"
        self.set("aucint", a_int, (s_lo == 2) | (s_hi == 2) | np.isnan(a_int), no_tail)
        # first moment: integral of t C*(t) = C*(t) (t/lambda + 1/lambda^2) over [a, b]
        m_tail = c_lo * (lo / lz + 1 / lz**2) - np.where(
            np.isinf(hi), 0.0, c_hi * (hi / lz + 1 / lz**2)
        )
        # inside the data: from C interpolated at a (the t C trapezoid is not additive)
        m_in = K.moment_between(lo, hi, m_lo, m_hi, T, C, self.aumc_cum, self.use_log)
        m_int = np.where(after_tlast, m_tail, m_in)
        self.set("aumcint", m_int, (s_lo == 2) | (s_hi == 2) | np.isnan(m_int), no_tail)
        for key in ("auctau", "aumctau", "ctrough", "aucatrgh"):  # several doses inside
            self.reasons[key] = np.where(
                self.multi & np.isnan(ctx[key]), self.multi_code, self.reasons[key]
            ).astype(np.int32)

    def derived(self) -> None:
        ctx, reasons, P = self.ctx, self.reasons, self.P
        generic = self.why.code("not computable (a zero or missing input)")
        for key in _ORDER:
            p = PARAMETERS[key]
            if p.calc is None:
                if key not in ctx:
                    self.set(key, self.nan_p)
                continue
            value = np.asarray(p.calc(ctx), float)
            value = np.where(np.isfinite(value), value, np.nan)
            code = np.zeros(P, np.int32)
            nan = np.isnan(value)
            ctx[key] = value
            if not nan.any():  # a value everywhere: no reason to give
                reasons[key] = self.no_reason
                continue
            for dep in p.depends:
                inherit = nan & (code == 0) & np.isnan(ctx[dep]) & (reasons[dep] != 0)
                code = np.where(inherit, reasons[dep], code)
            reasons[key] = np.where(nan & (code == 0), generic, code).astype(np.int32)

    def flags(self) -> np.ndarray:
        """Acceptance-rule bits (1 R2ADJ, 2 LAMZSPN, 4 AUCPEO, 8 AUCPEP); a dosing
        interval carries the lambda_z rules only."""
        ctx, options = self.ctx, self.options
        flags = np.zeros(self.P, np.int64)
        flags |= np.where(ctx["r2adj"] < options.min_r2adj, 1, 0)
        flags |= np.where(ctx["lamzspn"] < options.min_span_ratio, 2, 0)
        flags |= np.where(ctx["aucpeo"] > options.max_aucpext, 4, 0)
        flags |= np.where(ctx["aucpep"] > options.max_aucpext, 8, 0)
        return np.where(self.meta["kind"].to_numpy() == "tau", flags & 3, flags)
