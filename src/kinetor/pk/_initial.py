"""Initial estimates for compartmental fits from quick non-compartmental numbers.

Computed here on purpose (kinetor.pk does not import kinetor.nca): terminal slope
lambda_z by log-linear regression on the last three positive points after Tmax, AUC to
infinity by the linear trapezoidal rule plus Clast/lambda_z, CL = dose/AUCinf (CL/F for
extravascular doses), V = CL/lambda_z, V1 from the first concentration for IV data, ka
by curve stripping (method of residuals: the slope of the log of the back-extrapolated
terminal line minus the observations before Tmax; Gibaldi & Perrier, *Pharmacokinetics*,
2nd ed., 1982, ch. 1), else from Tmax of a one-compartment oral model. A profile with no
quantified concentration gives default starts (never an error).

What ``fit_pk`` decides about the data before a fit lives here too: ``predose_rule``
(samples at or before the first dose), ``unfitted_reasons`` (subjects that cannot be
fitted at all: ``fit_pk`` reports them not converged, with NaN estimates, and fits the
others without them) and the table rows of samples shown but not fitted
(``unfitted_rows``, ``not_fitted_rows``).

>>> round(_terminal_slope(np.array([1.0, 2, 4, 8]), 10 * np.exp(-0.3 * np.array([1.0, 2, 4, 8]))), 6)
0.3
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem
from kinetor.numerics import errmodels as em
from kinetor.pk.models import PKModel

__all__ = [
    "initial_estimates",
    "not_fitted_rows",
    "predose_rule",
    "unfitted_reasons",
    "unfitted_rows",
]


def _terminal_slope(t: np.ndarray, y: np.ndarray) -> float:
    pos = y > 0
    t, y = t[pos], y[pos]
    if t.size < 2:
        return np.nan
    imax = int(np.argmax(y))
    tail = slice(max(imax + 1, t.size - 3), t.size)
    tt, yy = t[tail], y[tail]
    if tt.size < 2:
        tt, yy = t[-2:], y[-2:]
    slope = np.polyfit(tt, np.log(yy), 1)[0] if np.ptp(tt) > 0 else 0.0
    return float(-slope) if slope < 0 else np.nan


def _ka_by_stripping(t: np.ndarray, y: np.ndarray, lam: float, t_first: float) -> float:
    """ka from the residuals of the absorption phase (NaN when they do not allow it)."""
    pos = y > 0
    if pos.sum() < 3 or not np.isfinite(lam):
        return np.nan
    imax = int(np.argmax(np.where(pos, y, -np.inf)))
    tail = np.flatnonzero(pos)[-3:]
    if np.any(tail <= imax) or np.ptp(t[tail]) <= 0:
        return np.nan
    icept = float(np.mean(np.log(y[tail]) + lam * t[tail]))
    rise = np.arange(imax)
    resid = np.exp(icept - lam * t[rise]) - y[rise]
    ok = resid > 0
    if ok.sum() < 2 or np.ptp(t[rise][ok]) <= 0:
        return np.nan
    slope = np.polyfit(t[rise][ok] - t_first, np.log(resid[ok]), 1)[0]
    ka = -float(slope)
    return ka if ka > lam else np.nan


def initial_estimates(
    cls: type[PKModel], t, y, data, names, subjects=None
) -> list[dict[str, float]]:
    """Quick NCA-like starting values (see module docstring); a few candidates.

    ``subjects`` (indices into ``data``'s subjects) selects whose doses count (default
    all).
    """
    order = np.argsort(t, kind="stable")
    t, y = t[order], y[order]
    if np.unique(t).size < t.size:  # pooled data: mean concentration per time
        df = pd.DataFrame({"t": t, "y": y}).groupby("t", sort=True)["y"].mean()
        t, y = df.index.to_numpy(float), df.to_numpy(float)
    ok = np.isfinite(y)
    t, y = t[ok], np.maximum(y[ok], 0.0)
    sel = slice(None) if subjects is None or not len(subjects) else np.asarray(subjects)
    doses = np.asarray(data.doses, float).reshape(-1)
    dose = float(np.mean(doses[sel] if doses.size > 1 else doses)) * data.factor
    ev_t = np.asarray(data.events.time, float)[sel]
    t_first = float(np.min(ev_t[np.isfinite(ev_t)])) if np.isfinite(ev_t).any() else 0.0
    tt = np.concatenate([[t_first], t]) if t.size and t[0] > t_first else t
    yy = np.concatenate([[0.0], y]) if tt.size > t.size else y
    lam = _terminal_slope(t, y)
    if not np.isfinite(lam) or lam <= 0:
        lam = np.log(2) / max(np.ptp(tt) / 2.0 if tt.size else 1.0, 1e-3)
    pos = np.flatnonzero(y > 0)
    clast = y[pos[-1]] if pos.size else 0.0
    auc = float(np.sum(np.diff(tt) * (yy[1:] + yy[:-1]) / 2.0)) + clast / lam
    cl = dose / auc if auc > 0 else 1.0
    v = cl / lam
    tmax = float(t[np.argmax(y)] - t_first) if y.size else 1.0
    ka = _ka_by_stripping(t, y, lam, t_first)
    if not np.isfinite(ka):
        ka = _ka_from_tmax(lam, max(tmax, 1e-3))
    base = {
        "cl": cl,
        "ka": ka,
        "tlag": max(0.5 * float(t[pos[0]] - t_first), 1e-3) if pos.size else 0.1,
        "f": 0.5,
    }
    if data.first_route != "extravascular" and pos.size:
        c0 = y[pos[0]]
        v1 = dose / c0 if c0 > 0 else v / 3
    else:
        v1 = v / 3
    if cls.n_cmt == 1 and "vmax" not in cls.names:
        cands = [{**base, "v": v}, {**base, "v": v, "ka": ka * 3}]
    elif cls.n_cmt == 1:  # Michaelis-Menten
        km = (float(np.max(y)) / data.factor if y.size and np.max(y) > 0 else 1.0) / 2.0
        cands = [
            {**base, "v1": v, "km": km, "vmax": 2.0 * cl * km},
            {**base, "v1": v, "km": 10 * km, "vmax": 11.0 * cl * km},
        ]
    elif cls.n_cmt == 2:
        cands = [{**base, "v1": v1, "v2": max(v - v1, v1), "q": cl * f} for f in (1.0, 5.0)]
        cands += [{**c, "ka": c["ka"] * 3} for c in cands]
    else:
        cands = [
            {
                **base,
                "v1": v1,
                "v2": max(v - v1, v1) * 0.5,
                "v3": max(v - v1, v1),
                "q2": 3 * cl * f,
                "q3": 0.5 * cl * f,
            }
            for f in (1.0, 3.0)
        ]
    return [
        {k: float(c[k]) for k in names if k in c} | {k: 1.0 for k in names if k not in c}
        for c in cands
    ]


def unfitted_reasons(group, subject, blq, free, drop_blq: bool, pooled: bool = False) -> dict:
    """Subjects of ``group`` whose observations (``subject``, ``blq``: one entry per
    observation) cannot determine the ``free`` parameters, with the reason: no quantified
    concentration (every sample BLQ, or none after the first dose), or fewer observations
    than parameters (n < p; BLQ samples count only with M3, ``drop_blq=False``). n = p is
    fitted and reported by the residual-collapse check."""
    subject, blq = np.asarray(subject), np.asarray(blq, bool)
    out = {}
    for s in group:
        mine = subject == s
        n, n_q = int(mine.sum()), int((mine & ~blq).sum())
        n_used = n_q if drop_blq else n
        if n_q == 0:
            what = f"all {n} samples BLQ" if n else "no sample after the first dose"
            out[s] = f"not fitted: {what}, no concentration to fit"
        elif n_used < len(free):
            dropped = " (BLQ samples dropped)" if n_used < n else ""
            out[s] = (
                f"not fitted: {n_used} observation(s){dropped} cannot determine {len(free)} "
                f"parameters ({', '.join(free)}); hold some fixed (init= without estimate=, "
                "--init without --estimate)" + ("" if pooled else " or pool the subjects")
            )
    return out


def predose_rule(
    sub: pd.DataFrame,
    first_dose: pd.Series,
    rule: str,
    steady: frozenset | set = frozenset(),
    source: str | None = None,
) -> pd.DataFrame:
    """Flag samples at or before the subject's first dose; apply the pre-dose rule.

    ``steady``: subjects whose first dose is a steady-state dose (ss != 0). Their pre-dose
    concentration is the drug's own trough, which the model predicts: ``"baseline"`` would
    subtract it from every later sample, so it is refused for them (a ``DataError`` naming
    the subject and its first pre-dose row)."""
    sub = sub.copy()
    sub["predose"] = sub["t"].to_numpy(float) <= sub["subject"].map(first_dose).to_numpy(float)
    sub["baseline"] = 0.0
    if rule == "baseline":
        pre = sub[sub["predose"]]
        bad = pre[pre["subject"].isin(list(steady))].drop_duplicates("subject")
        if len(bad):
            raise DataError(
                [
                    Problem(
                        f"subject {s}: a pre-dose sample before a steady-state first dose is "
                        "the drug's own trough, which the model predicts, not an endogenous "
                        "baseline",
                        file=source,
                        row=int(r) if "source_row" in bad and pd.notna(r) else None,
                        column="conc",
                        fix="use predose='exclude' (--predose exclude) for this data; "
                        "'baseline' is for subjects not dosed before the first dose record",
                    )
                    for s, r in zip(
                        bad["subject"],
                        bad["source_row"] if "source_row" in bad else [None] * len(bad),
                        strict=True,
                    )
                ]
            )
        base = pre.groupby("subject")["conc"].mean()
        sub["baseline"] = np.where(
            sub["predose"], 0.0, sub["subject"].map(base).fillna(0.0).to_numpy(float)
        )
    return sub


def unfitted_rows(rows: pd.DataFrame, tf: float, predose: bool, exclude=None) -> pd.DataFrame:
    """Prediction-table rows of samples shown but not fitted (pre-dose, excluded, or of a
    subject that cannot be fitted)."""
    base = rows["baseline"].to_numpy(float) if "baseline" in rows else 0.0
    out = pd.DataFrame(
        {
            "subject": rows["subject"].to_numpy(),
            "time": rows["t"].to_numpy(float) * tf,
            "dv": rows["conc"].to_numpy(float) - base,
            "blq": rows["blq"].to_numpy(bool),
            "lloq": rows["lloq"].to_numpy(float),
            "predose": predose,
            "baseline": base,
        }
    )
    return out if exclude is None else out.assign(exclude=np.asarray(exclude, str))


def not_fitted_rows(why: dict, sub, names, fitter, tf: float, pooled: bool):
    """Parameter, statistics and prediction rows of the fits ``why`` says cannot be run:
    NaN estimates (a fixed parameter keeps its value), converged False and the reason."""
    err = ("sigma",) if fitter.method == "wls" else em.ERROR_MODELS[em.canonical(fitter.error)]
    add = fitter.error in ("additive", "combined")
    params, stats, preds = [], [], []
    for s, reason in why.items():
        rows = sub if pooled else sub[sub["subject"] == s]
        for p in (*names, *err):
            v = fitter.fixed.get(p, np.nan)
            v = float(v) if np.ndim(v) == 0 else np.nan
            unit = fitter.param_units.get("conc" if add and p in ("sigma_add", "sigma") else p, "")
            params.append((s, p, v, np.nan, np.nan, v, v, unit, p in fitter.fixed, False, reason))
        pre = rows["predose"].to_numpy(bool)
        nan = {"loglik": np.nan, "aic": np.nan, "bic": np.nan, "converged": False}
        stats.append({"subject": s, "n_obs": int((~pre).sum()), "n_predose": int(pre.sum())})
        stats[-1].update(nan | {"reason": reason})
        preds.append(unfitted_rows(rows, tf, predose=pre).assign(exclude=""))
    cols = ["subject", "parameter", "estimate", "se", "rse_pct", "ci_lower", "ci_upper"]
    params = pd.DataFrame(params, columns=[*cols, "unit", "fixed", "converged", "reason"])
    return params, stats, preds


def _ka_from_tmax(k: float, tmax: float) -> float:
    """ka > k with ln(ka/k)/(ka - k) = tmax (1-cmt oral), or a fallback."""
    from scipy.optimize import brentq

    g = lambda ka: np.log(ka / k) / (ka - k) - tmax  # noqa: E731
    lo, hi = k * (1 + 1e-6), k * 1e4
    if tmax < 1.0 / k and g(lo) > 0 > g(hi):
        return float(brentq(g, lo, hi))
    return max(3.0 / tmax, 2.0 * k)
