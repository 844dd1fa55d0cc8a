"""Covariate design and initial estimates for ``popfit``."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.errors import DataError, ModelError, Problem
from kinetor.popfit._data import DEPOT, RATE, PopData
from kinetor.popfit.model import Covariate, PopModel

__all__ = ["covariate_design", "initial_estimates", "start_vector"]


def covariate_design(model: PopModel, data: PopData, weight_ref: float | None = None):
    """Fixed offsets (S, K), estimated-effect designs per parameter, beta names and inits.

    The names and initial values are in the order of the beta vector: parameter by
    parameter (the model's order), and within a parameter in the order the covariates
    were given, whatever the order of the covariate list.

    Continuous covariates are centred on their median (weight on ``weight_ref`` when
    given); categorical ones use the level of most subjects as the reference (ties: alphabetical).
    """
    S, K = data.n_subjects, len(model.params)
    offsets = np.zeros((S, K))
    # per parameter: (design column, name, initial value) of every estimated effect; the
    # beta vector, its names and its starts are laid out from these lists in parameter
    # order, the order in which Design.typical_log reads beta through Z
    cols: list[list[tuple[np.ndarray, str, float]]] = [[] for _ in range(K)]
    info: dict[str, str] = {}
    for cov in model.covariates:
        k = model.params.index(cov.param)
        x = data.covariates[cov.name]
        kind = cov.kind
        numeric = pd.to_numeric(x, errors="coerce")
        if kind == "auto":
            kind = "power" if numeric.notna().all() else "categorical"
        if kind in ("allometric", "power"):
            bad = ~(numeric > 0)
            if bad.any():
                raise DataError(
                    [
                        Problem(
                            f"subject {s}: covariate {cov.name!r} = {v!r} must be a positive number",
                            column=cov.name,
                            fix="correct the value or model it as categorical "
                            f"('{cov.param}~{cov.name}:cat')",
                        )
                        for s, v in x[bad].items()
                    ]
                )
            ref = (
                float(weight_ref)
                if (kind == "allometric" and weight_ref)
                else float(np.median(numeric))
            )
            z = np.log(numeric.to_numpy(float) / ref)
            info[cov.name] = f"{ref:g} (reference)"
            if kind == "allometric" and not cov.estimate:
                offsets[:, k] += cov.exponent * z
                continue
            init = cov.exponent if kind == "allometric" else 0.0
            cols[k].append((z, f"{cov.param}~{cov.name}", init))
        else:
            labels = x.astype(str)
            levels = labels.value_counts().index.tolist()
            if len(levels) < 2:
                raise DataError(
                    Problem(
                        f"categorical covariate {cov.name!r} has one level ({levels[0]!r}) only",
                        column=cov.name,
                        fix="drop the covariate",
                    )
                )
            ref = sorted(levels, key=lambda v: (-int((labels == v).sum()), v))[0]
            info[cov.name] = f"reference level {ref!r}"
            for lev in sorted(v for v in levels if v != ref):
                indicator = (labels == lev).to_numpy(float)
                cols[k].append((indicator, f"{cov.param}~{cov.name}[{lev}]", 0.0))
    Z = [np.column_stack([c[0] for c in ck]) if ck else np.zeros((S, 0)) for ck in cols]
    names = [c[1] for ck in cols for c in ck]
    inits = np.array([c[2] for ck in cols for c in ck], float)
    return offsets, Z, names, inits, info


def _trapezoids(data: PopData, t, y, ok, lam):
    """Per-subject AUC(0-last) by trapezoids; one that spans a dose (a later dose between
    two samples, e.g. the next period of a crossover on one time axis) is split there:
    the earlier sample's decline until the dose (exponential with ``lam`` where known,
    else linear to 0) plus a linear rise from 0 at the dose to the later sample."""
    ta, tb, ya, yb = t[:, :-1], t[:, 1:], y[:, :-1], y[:, 1:]
    dose = np.isfinite(data.ev_t) & ((data.ev_kind != RATE) | (data.ev_amt > 0))
    ev = np.where(dose, data.ev_t, np.nan)[:, None, :]
    inside = (ev > ta[:, :, None]) & (ev < tb[:, :, None])
    td = np.where(inside, ev, -np.inf).max(2)
    split = np.isfinite(td)
    k = np.broadcast_to(lam[:, None], ta.shape)
    with np.errstate(all="ignore"):
        gap = np.where(split, td - ta, 0.0)
        decline = np.where(np.isfinite(k) & (k > 0), ya * -np.expm1(-k * gap) / k, 0.5 * ya * gap)
        area = np.where(split, decline + 0.5 * yb * (tb - td), 0.5 * (ya + yb) * (tb - ta))
    return np.where(ok[:, 1:] & ok[:, :-1], area, 0.0).sum(1)


def _nanmean(a: np.ndarray) -> np.ndarray:
    """``np.nanmean(a, 1, keepdims=True)`` without its warning for a row of NaN (a subject
    with no quantified sample): NaN."""
    ok = ~np.isnan(a)
    with np.errstate(all="ignore"):
        return np.where(ok, a, 0.0).sum(1, keepdims=True) / ok.sum(1, keepdims=True)


def _terminal(data: PopData):
    """Per-subject AUC(0-last) + extrapolation and terminal slope (rough, for starts)."""
    t, y, ok = data.t, np.where(data.obs & ~data.blq, data.dv, 0.0), data.obs & ~data.blq
    n = ok.sum(1)
    lam = np.full(data.n_subjects, np.nan)
    for_k = np.argsort(~ok, axis=1, kind="stable")  # observed columns first
    idx = np.where(n[:, None] > np.arange(t.shape[1])[None, :], for_k, -1)
    last = np.take_along_axis(idx, np.clip(n[:, None] - np.arange(1, 4)[None, :], 0, None), axis=1)
    tt = np.take_along_axis(t, last, axis=1)
    yy = np.take_along_axis(np.where(y > 0, y, np.nan), last, axis=1)
    with np.errstate(all="ignore"):
        ly = np.log(yy)
        tm, lm = _nanmean(tt), _nanmean(ly)
        slope = np.nansum((tt - tm) * (ly - lm), 1) / np.nansum((tt - tm) ** 2, 1)
    lam = np.where((n >= 3) & np.isfinite(slope) & (slope < 0), -slope, np.nan)
    auc = _trapezoids(data, t, y, ok, lam)
    clast = np.take_along_axis(np.where(y > 0, y, np.nan), last[:, :1], axis=1)[:, 0]
    with np.errstate(all="ignore"):
        auc_inf = auc + np.where(np.isfinite(lam), clast / lam, 0.0)
    return auc_inf, lam


def initial_estimates(model: PopModel, data: PopData) -> dict[str, float]:
    """Typical values from per-subject AUC and terminal slopes (medians), for a start."""
    finite = np.isfinite(data.ev_t)
    bolus = np.where(finite & (data.ev_kind != RATE), data.ev_amt, 0.0).sum(1)
    # infusions are +rate at the start and -rate at the end: amount = -sum(rate * t)
    infused = -np.where(
        finite & (data.ev_kind == RATE), data.ev_amt * np.where(finite, data.ev_t, 0.0), 0.0
    ).sum(1)
    dose = bolus + infused
    auc, lam = _terminal(data)
    cl_i = np.full(auc.shape, np.nan)
    np.divide(dose * data.conc_factor, auc, out=cl_i, where=auc > 0)
    # sparse designs (one sample per animal) have no per-subject AUC or slope
    cl = float(np.median(cl_i[np.isfinite(cl_i)])) if np.isfinite(cl_i).any() else np.nan
    lz = float(np.median(lam[np.isfinite(lam)])) if np.isfinite(lam).any() else np.nan
    if not np.isfinite(cl) or cl <= 0:
        cl = 1.0
    if not np.isfinite(lz) or lz <= 0:
        lz = 0.1
    v = cl / lz
    init = {"cl": cl}
    if model.n_cmt == 1:
        init["v"] = v
    else:
        init.update(v1=v / 2.0, q=cl, v2=v / 2.0)
    if model.oral:
        init["ka"] = max(3.0 * lz, 0.3)
    if model.lag:
        # the first quantified sample: BLQ samples before absorption say nothing of it
        first = np.where(data.obs & ~data.blq, data.t, np.inf).min(1)
        first = first[np.isfinite(first)]
        tlag = max(0.5 * float(np.median(first)), 1e-2) if first.size else 1e-2
        # below every sample > 0 (time since the first extravascular dose before it):
        # a proportional model cannot start with such a sample at a prediction of 0
        depot = np.where(np.isfinite(data.ev_t) & (data.ev_kind == DEPOT), data.ev_t, np.inf)
        te = np.where(depot[:, None, :] < data.t[:, :, None], depot[:, None, :], np.inf).min(2)
        gap = np.where(data.obs & ~data.blq & (data.dv > 0), data.t - te, np.inf)
        gap = gap[np.isfinite(gap)]
        if gap.size and tlag >= gap.min():
            tlag = 0.5 * float(gap.min())
        init["tlag"] = float(tlag)
    return {k: float(v) for k, v in init.items()}


def describe(cov: Covariate) -> str:
    return f"{cov.param}~{cov.name} ({cov.kind})"


def start_vector(model, data, des, binit: np.ndarray, init: dict | None) -> np.ndarray:
    """The initial estimation vector: typical values from ``initial_estimates`` unless
    ``init`` gives them; variances 0.1 (``omega_<p>``) and 0.05 (``iov_<p>``); residual SDs
    10 % of the median observation (additive) and 0.2 (proportional)."""
    start = initial_estimates(model, data)
    init = {k.lower(): float(v) for k, v in (init or {}).items()}
    unknown = (
        set(init)
        - set(model.params)
        - set(model.sigma_names)
        - {f"omega_{p}" for p in model.eta}
        - {f"iov_{p}" for p in model.iov}
    )
    if unknown:
        raise ModelError(f"init has unknown names {sorted(unknown)}")
    bad = {k: v for k, v in init.items() if not (np.isfinite(v) and v > 0)}
    if bad:
        raise ModelError(
            f"init {bad}: initial values (typical values, omegas, SDs) must be > 0 "
            "(--init on the command line)"
        )
    start.update({k: v for k, v in init.items() if k in model.params})
    mu0 = np.log([start[p] for p in model.params])
    om0 = np.diag(
        [init.get(f"omega_{p}", 0.1) for p in model.eta]
        + [init.get(f"iov_{p}", 0.05) for p in model.iov]
    )
    ydv = data.dv[data.obs & ~data.blq]
    sd = {
        "add_sd": init.get("add_sd", 0.1 * float(np.median(np.abs(ydv))) + 1e-6),
        "prop_sd": init.get("prop_sd", 0.2),
    }
    return des.pack(mu0, binit, om0, np.array([sd[n] for n in model.sigma_names]))
