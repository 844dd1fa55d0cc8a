"""Array kernels of the NCA engine: every function works on all profiles at once.

Profiles are padded into 2-D arrays ``T`` (time after the interval's dose) and ``C``
(concentration), one row per profile, left-aligned and NaN-padded on the right. Column 0
is the point Phoenix inserts at the dose time (C0); when a sample exists at the dose time,
column 0 duplicates it and the zero-width segment adds no area. See docs/nca.md for the
formulas.

Examples
--------
>>> import numpy as np
>>> T = np.array([[0.0, 1.0, 2.0, 4.0]]); C = np.array([[0.0, 4.0, 2.0, 1.0]])
>>> use_log = log_segments(T, C, "lin-up/log-down")
>>> auc, aumc = segment_areas(T, C, use_log)
>>> [round(float(a), 6) for a in auc[0]]
[2.0, 2.88539, 2.88539]
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = [
    "area_to",
    "back_extrapolate_c0",
    "cum_rows",
    "fit_lambda_z",
    "log_segments",
    "moment_between",
    "segment_areas",
    "trapezoid",
]


def _quiet(func):
    """Padding (NaN) and undefined fits are expected inputs: the kernels return NaN or
    status codes for them, so numpy's floating-point warnings are switched off inside."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with np.errstate(all="ignore"):
            return func(*args, **kwargs)

    return wrapper


@_quiet
def trapezoid(t1, c1, t2, c2, use_log, log_ratio=None):
    """Area and first-moment area of segments [t1, t2] (arrays of any one shape).

    .. math::

        AUC_{lin} = \\frac{\\Delta t (C_1 + C_2)}{2},\\quad
        AUC_{log} = \\frac{\\Delta t (C_1 - C_2)}{\\ln(C_1/C_2)}

        AUMC_{lin} = \\frac{\\Delta t (t_1 C_1 + t_2 C_2)}{2},\\quad
        AUMC_{log} = \\frac{\\Delta t (t_2 C_2 - t_1 C_1)}{\\ln(C_2/C_1)}
                     - \\frac{\\Delta t^2 (C_2 - C_1)}{\\ln(C_2/C_1)^2}

    The log forms are evaluated stably for nearly equal concentrations:
    :math:`L = \\mathrm{log1p}((C_2 - C_1)/C_1)` (exact difference, no rounded ratio)
    where :math:`|C_2 - C_1| < C_1/2`, :math:`L = \\ln C_2 - \\ln C_1` elsewhere (a ratio
    below 1e-16 would round 1 + (C_2 - C_1)/C_1 to 0 and lose the segment),
    :math:`AUC = \\Delta t (C_2 - C_1)/L` and
    :math:`AUMC = t_1 AUC + C_1 \\Delta t^2 g(L)`,
    :math:`g(L) = (e^L (L - 1) + 1)/L^2 = \\sum_n L^n (n+1)/(n+2)!` (series for small L).
    ``log_ratio`` gives L = ln(C2/C1) directly where the caller knows it in log space
    (an extrapolated C2 that underflows to 0). ``use_log`` must only be true where both
    concentrations are > 0 (or L is given) and differ.
    """
    dt = t2 - t1
    lin = 0.5 * dt * (c1 + c2)
    lin_m = 0.5 * dt * (t1 * c1 + t2 * c2)
    d = c2 - c1
    L = np.where(np.abs(d) < 0.5 * c1, np.log1p(d / c1), np.log(c2) - np.log(c1))
    if log_ratio is not None:
        L = np.where(np.isnan(log_ratio), L, log_ratio)
    log_a = dt * (c2 - c1) / L
    series = 0.5 + L * (
        1 / 3 + L * (1 / 8 + L * (1 / 30 + L * (1 / 144 + L * (1 / 840 + L / 5760))))
    )
    direct = (np.expm1(L) * (L - 1.0) + L) / (L * L)
    g = np.where(np.abs(L) < 1e-2, series, direct)
    log_m = t1 * log_a + c1 * dt * dt * g
    return np.where(use_log, log_a, lin), np.where(use_log, log_m, lin_m)


@_quiet
def log_segments(T, C, method: str, t_peak=None):
    """Which segments (P, M-1) use the log trapezoid under ``method``.

    ``t_peak`` (P,) is the time from which ``"lin-log"`` uses logs (the engine passes the
    observed Tmax; default: the time of the first maximum of each row).
    """
    c1, c2 = C[:, :-1], C[:, 1:]
    with np.errstate(invalid="ignore"):
        both_pos = (c1 > 0) & (c2 > 0)
        if method == "linear":
            return np.zeros(c1.shape, bool)
        if method == "lin-up/log-down":
            return both_pos & (c2 < c1)
        if t_peak is None:
            filled = np.where(np.isnan(C), -np.inf, C)
            t_peak = T[np.arange(len(T)), np.argmax(filled, axis=1)]
        return both_pos & (c1 != c2) & (T[:, :-1] >= t_peak[:, None])


@_quiet
def segment_areas(T, C, use_log):
    """AUC and AUMC of every segment, 0 for padding: two (P, M-1) arrays."""
    auc, aumc = trapezoid(T[:, :-1], C[:, :-1], T[:, 1:], C[:, 1:], use_log)
    seg_ok = ~np.isnan(T[:, 1:])
    return np.where(seg_ok, auc, 0.0), np.where(seg_ok, aumc, 0.0)


@_quiet
def back_extrapolate_c0(T, C, n_obs):
    """IV bolus C0 by Phoenix's rule, from observed-only padded arrays (P, N).

    Log-linear regression through the first two observations back to t = 0 when both are
    > 0 and they decline; otherwise the first observed concentration > 0 (the first
    observation when none is > 0). A sample at t = 0 is C0.
    """
    ar = np.arange(len(T))
    t1, c1 = T[:, 0], C[:, 0]
    has2 = n_obs >= 2
    t2 = np.where(has2, T[ar, np.minimum(1, T.shape[1] - 1)], np.nan)
    c2 = np.where(has2, C[ar, np.minimum(1, T.shape[1] - 1)], np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        declining = has2 & (c1 > 0) & (c2 > 0) & (c2 < c1) & (t2 > t1)
        # exp(ln C1 - slope t1), slope = ln(C2/C1)/(t2 - t1), as C1 (C1/C2)^(t1/(t2 - t1)):
        # exact for exact ratios (8, 4 at 1, 2 h: 16.0, not 15.999999999999991)
        c0 = c1 * (c1 / c2) ** (t1 / (t2 - t1))
    # not declining (or a 0 among the first two): the first positive observation, as
    # Phoenix and NonCompart; never a 0 at the dose time while later samples are > 0
    pos = ~np.isnan(T) & (np.nan_to_num(C) > 0)
    c_pos = np.where(pos.any(axis=1), C[ar, np.argmax(pos, axis=1)], c1)
    return np.where(t1 == 0, c1, np.where(declining, c0, c_pos))


def cum_rows(a):
    """``np.cumsum(a, axis=1)``, the same additions in the same order, a column at a time
    (see ``_rev_cumsum``)."""
    out = np.empty_like(a)
    if a.shape[1]:
        out[:, 0] = a[:, 0]
    for j in range(1, a.shape[1]):
        np.add(out[:, j - 1], a[:, j], out=out[:, j])
    return out


def _rev_cumsum(a):
    """``np.cumsum(a[:, ::-1], axis=1)[:, ::-1]``: the running sums of each row from the
    right, the same additions in the same order, a column at a time (a dozen columns of
    10^4 rows: a few vector additions instead of a short loop per row)."""
    out = np.empty_like(a)
    if a.shape[1]:
        out[:, -1] = a[:, -1]
    for j in range(a.shape[1] - 2, -1, -1):
        np.add(out[:, j + 1], a[:, j], out=out[:, j])
    return out


@_quiet
def fit_lambda_z(T, C, cand, min_points: int = 3, tol: float = 1e-4, use_all=None):
    """Terminal log-linear regressions for all profiles and all candidate lengths at once.

    For each profile, the candidates ``cand`` (P, M) are the usable points (C > 0, after
    Tmax, not excluded). Every fit over the last ``n`` candidates (``n >= min_points``)
    is computed in closed form from reversed cumulative sums; the fit with the largest
    adjusted R2 wins, and among fits within ``tol`` of it the one with the most points
    (Phoenix "best fit"), fits with a slope >= 0 left out of that choice (PKNCA's
    ``half.life``: the best adjusted R2 is taken over every fit). Rows with
    ``use_all`` true use all their candidates (manual, whatever the slope).

    Returns a dict of (P,) arrays: ``lamz, intercept, r2, r2adj, corrxy, npt, lower,
    upper`` (NaN / 0 when no fit), ``status`` (0 ok, 1 too few points, 2 every fit flat or
    undefined, 3 no declining fit within ``tol`` of the best adjusted R2)
    and ``used`` (P, M) — the points of the chosen fit.
    """
    P, M = T.shape
    ar = np.arange(P)
    cand = cand & ~np.isnan(T) & (np.nan_to_num(C) > 0)
    n_cand = cand.sum(axis=1)
    last = M - 1 - np.argmax(cand[:, ::-1], axis=1)
    logc = np.log(np.where(cand, C, 1.0))
    # centre on the last point: the sums of squares then do not cancel catastrophically
    x0, y0 = T[ar, last], logc[ar, last]
    dx = np.where(cand, T - x0[:, None], 0.0)
    dy = np.where(cand, logc - y0[:, None], 0.0)
    del logc  # (P, M) intermediates are released as soon as they are used up
    n = _rev_cumsum(cand.astype(float))
    sx, sy = _rev_cumsum(dx), _rev_cumsum(dy)
    with np.errstate(divide="ignore", invalid="ignore"):
        sxx = _rev_cumsum(dx * dx) - sx * sx / n
        syy = _rev_cumsum(dy * dy) - sy * sy / n
        sxy = _rev_cumsum(dx * dy) - sx * sy / n
        del dx, dy
        r2 = sxy * sxy / (sxx * syy)
        r2adj = 1.0 - (1.0 - r2) * (n - 1.0) / (n - 2.0)
    ok_any = cand & (n >= min_points) & np.isfinite(r2adj) & (sxx > 0)
    # PKNCA's half.life: the best adjusted R2 over every fit; of the fits within ``tol`` of
    # it, those that decline (lambda_z > 0) compete, the one with the most points wins; a
    # rising fit with the best adjusted R2 and no declining fit within ``tol``: no lambda_z
    ok = ok_any & (sxy < 0)
    score = np.where(ok_any, r2adj, -np.inf)
    best = score.max(axis=1)
    tied = ok & ((best[:, None] - score) < tol)
    del score
    idx = np.argmax(tied, axis=1)  # first tied column = the fit with the most points
    if use_all is not None and np.any(use_all):
        first_cand = np.argmax(cand, axis=1)
        idx = np.where(use_all, first_cand, idx)
        found = np.where(use_all, ok_any[ar, first_cand], tied.any(axis=1))
    else:
        found = tied.any(axis=1)
    k = idx
    nn = n[ar, k]
    with np.errstate(divide="ignore", invalid="ignore"):
        b1 = sxy[ar, k] / sxx[ar, k]  # the slope of the chosen fit
    xbar = x0 + sx[ar, k] / nn
    ybar = y0 + sy[ar, k] / nn
    with np.errstate(invalid="ignore"):
        corr = sxy[ar, k] / np.sqrt(sxx[ar, k] * syy[ar, k])
    out = {
        "lamz": np.where(found, -b1, np.nan),
        "intercept": np.where(found, ybar - b1 * xbar, np.nan),
        # round-off of a perfect fit must not report R2 = 1.000000000000001
        "r2": np.where(found, np.minimum(r2[ar, k], 1.0), np.nan),
        "r2adj": np.where(found, np.minimum(r2adj[ar, k], 1.0), np.nan),
        "corrxy": np.where(found, np.clip(corr, -1.0, 1.0), np.nan),
        "npt": np.where(found, nn, 0.0),
        "lower": np.where(found, T[ar, k], np.nan),
        "upper": np.where(found, x0, np.nan),
    }
    rising = ok_any.any(axis=1)  # fits exist, none declining near the best: 3 (2: flat)
    status = np.where(found, 0, np.where(n_cand < min_points, 1, np.where(rising, 3, 2)))
    out["status"] = status
    cols = np.arange(M)[None, :]
    out["used"] = cand & found[:, None] & (cols >= k[:, None])
    return out


@_quiet
def area_to(tstar, T, C, auc_cum, aumc_cum, use_log, lamz, clast_pred, tlast):
    """AUC and AUMC from the dose (t = 0) to ``tstar`` (P,), Phoenix partial-area rules.

    Inside the data the concentration at ``tstar`` is interpolated by the segment's rule
    (log where the segment uses the log trapezoid, linear otherwise). Beyond the last
    sample, if that sample is > 0, ``C* = Clast_pred exp(-lambda_z (t* - Tlast))`` and the
    area from Tlast is a log trapezoid from the observed Clast (as NonCompart's
    ``IntAUC``); beyond a last sample of 0 the curve stays at 0.

    Returns ``(auc, aumc, status)``; status 0 ok, 1 before the dose / not a number,
    2 beyond Tlast without lambda_z.
    """
    P, M = T.shape
    ar = np.arange(P)
    n_valid = (~np.isnan(T)).sum(axis=1)
    last_valid = n_valid - 1
    with np.errstate(invalid="ignore"):
        k = (T <= tstar[:, None]).sum(axis=1) - 1
    bad = (k < 0) | np.isnan(tstar)
    k = np.clip(k, 0, M - 1)
    t1, c1 = T[ar, k], C[ar, k]
    inside = k < last_valid
    kk = np.minimum(k, M - 2)
    t2 = np.where(inside, T[ar, kk + 1], np.nan)
    c2 = np.where(inside, C[ar, kk + 1], np.nan)
    lg = inside & use_log[ar, kk] if M > 1 else np.zeros(P, bool)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        frac = (tstar - t1) / (t2 - t1)
        c_in = np.where(lg, c1 * np.exp(np.log(c2 / c1) * frac), c1 + (c2 - c1) * frac)
        beyond_pos = ~inside & (c1 > 0)
        # ln(C*/Clast) in log space: C* of a late t* underflows to 0, its area must not
        log_out_ratio = np.log(clast_pred) - lamz * (tstar - tlast) - np.log(c1)
        c_out = np.where(beyond_pos, clast_pred * np.exp(-lamz * (tstar - tlast)), 0.0)
    cstar = np.where(inside, c_in, c_out)
    with np.errstate(invalid="ignore"):
        log_out = beyond_pos & (log_out_ratio < 0)
    part_a, part_m = trapezoid(
        t1,
        c1,
        tstar,
        cstar,
        (lg | log_out) & (tstar > t1),
        np.where(log_out, log_out_ratio, np.nan),
    )
    # t* = infinity: the log trapezoid's limit, the lambda_z tail Clast/lambda_z (its
    # moment Clast (Tlast/lambda_z + 1/lambda_z^2)); after a last sample of 0, no area
    to_inf = np.isinf(tstar) & ~bad
    part_a = np.where(to_inf, np.where(beyond_pos, c1 / lamz, 0.0), part_a)
    part_m = np.where(to_inf, np.where(beyond_pos, c1 * (t1 / lamz + 1 / lamz**2), 0.0), part_m)
    at_point = tstar == t1
    part_a = np.where(at_point, 0.0, part_a)
    part_m = np.where(at_point, 0.0, part_m)
    auc = auc_cum[ar, k] + part_a
    aumc = aumc_cum[ar, k] + part_m
    no_lz = beyond_pos & ~at_point & ~np.isfinite(cstar)
    status = np.where(bad, 1, np.where(no_lz, 2, 0))
    auc = np.where(status == 0, auc, np.nan)
    aumc = np.where(status == 0, aumc, np.nan)
    return auc, aumc, status


@_quiet
def moment_between(lo, hi, m_lo, m_hi, T, C, aumc_cum, use_log):
    """AUMC over [lo, hi] (P,) from the moments to each end, ``m_lo`` and ``m_hi``
    (``area_to``), Phoenix partial-area rule.

    ``m_hi - m_lo`` is exact where ``lo`` is a sample time (or after the last sample), but
    not where ``lo`` splits a segment: the linear trapezoid on t C is not additive. There
    C(lo) is interpolated by the segment's rule and the segment's formula integrates from
    (lo, C(lo)) to the segment's end (or to ``hi`` inside the same segment, with C(hi)
    interpolated alike); the rest is ``m_hi`` minus the moment to that segment end.
    """
    P, M = T.shape
    if M < 2 or not np.any(lo > 0):  # every interval from the dose (t = 0, column 0)
        return m_hi - m_lo
    ar = np.arange(P)
    last_valid = (~np.isnan(T)).sum(axis=1) - 1
    k = (T <= lo[:, None]).sum(axis=1) - 1
    kk = np.clip(k, 0, M - 2)
    t1, c1, t2, c2 = T[ar, kk], C[ar, kk], T[ar, kk + 1], C[ar, kk + 1]
    split = (k >= 0) & (k < last_valid) & (lo > t1)  # strictly inside a data segment
    lg = split & use_log[ar, kk]

    def at(t):
        frac = (t - t1) / (t2 - t1)
        return np.where(lg, c1 * np.exp(np.log(c2 / c1) * frac), c1 + (c2 - c1) * frac)

    end_in = hi < t2
    e = np.where(end_in, hi, t2)
    _, first = trapezoid(lo, at(lo), e, np.where(end_in, at(hi), c2), lg)
    rest = np.where(end_in, 0.0, m_hi - aumc_cum[ar, kk + 1])
    return np.where(split, first + rest, m_hi - m_lo)
