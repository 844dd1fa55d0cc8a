"""Clonogenic survival: plating efficiency, surviving fraction, the linear-quadratic model
and sensitiser enhancement ratios.

Franken NAP et al. (2006) Nat Protoc 1:2315, doi:10.1038/nprot.2006.339 (status likely:
PE = colonies / cells seeded in the untreated control; SF = colonies / (seeded x PE);
LQ model SF = exp(-alpha D - beta D^2)). Per group (cell line, drug pre-treatment...):

.. math::

    SF_2 = e^{-2\\alpha - 4\\beta}, \\quad
    D_{s} = \\frac{-\\alpha + \\sqrt{\\alpha^2 - 4\\beta\\ln s}}{2\\beta}, \\quad
    \\bar{D} = \\int_0^\\infty SF(D)\\,dD
            = \\sqrt{\\frac{\\pi}{4\\beta}}\\,\\mathrm{erfcx}\\!\\left(\\frac{\\alpha}{2\\sqrt{\\beta}}
              \\right)

(``D10 = D_{0.1}``; mean inactivation dose after Fertil et al. 1984 Radiat Res 99:73,
doi:10.2307/3576448). Each group's plating efficiency comes from its own 0 Gy wells, so a
drug's own toxicity is divided out. ``alpha`` and ``beta`` are fitted by least squares of
``-ln SF`` on ``D`` and ``D^2`` (no intercept) over replicate wells; CIs are t-based, and
derived quantities use the delta method on the log scale with the same t(n - 2) quantile.
The sensitiser enhancement ratio at a survival level ``s`` is ``D_s(control) /
D_s(treated)``; its interval is ``SER exp(+/- t SE(ln SER))`` with ``SE(ln SER)^2 =
(SE(D_c)/D_c)^2 + (SE(D_t)/D_t)^2`` (delta method, independent groups) and the t quantile
at the Welch-Satterthwaite degrees of freedom of that sum (each group's ``n - 2``; the
``dof`` column).

Examples
--------
>>> import numpy as np
>>> round(float(dose_at_survival(0.1, 0.2, 0.0)), 4)   # ln 10 / alpha
11.5129
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import erfcx

from kinetor.assays._tidy import require_numeric
from kinetor.errors import DataError, Problem

__all__ = ["clonogenic", "dose_at_survival", "mean_inactivation_dose"]


def dose_at_survival(s, alpha, beta):
    """Dose (Gy) at which the LQ curve reaches surviving fraction ``s``."""
    s, a, b = (np.asarray(v, float) for v in (s, alpha, beta))
    with np.errstate(divide="ignore", invalid="ignore"):
        quad = (-a + np.sqrt(a * a - 4 * b * np.log(s))) / (2 * b)
    return np.where(np.abs(b) > 1e-12, quad, -np.log(s) / a)


def mean_inactivation_dose(alpha, beta):
    """Area under the LQ survival curve from 0 to infinity (Gy); infinite when
    ``beta < 0`` (the curve bends upwards and the integral diverges)."""
    a, b = np.asarray(alpha, float), np.asarray(beta, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        val = np.sqrt(np.pi / (4 * b)) * erfcx(a / (2 * np.sqrt(b)))
    return np.where(b > 1e-12, val, np.where(b >= -1e-12, 1.0 / a, np.inf))


def _delta(fun, theta, cov):
    g = np.zeros(2)
    for j in range(2):
        h = 1e-6 * max(abs(theta[j]), 1e-4)
        up, dn = theta.copy(), theta.copy()
        up[j] += h
        dn[j] -= h
        g[j] = (fun(*up) - fun(*dn)) / (2 * h)
    return float(np.sqrt(max(g @ cov @ g, 0.0)))


def _validate(data, dose, seeded, colonies, group, source):
    require_numeric(
        data,
        [dose, seeded, colonies],
        [group] if group else [],
        source=source,
        nonnegative=[dose, seeded, colonies],
    )
    problems = []
    d = data.reset_index(drop=True)
    for i in np.flatnonzero(d[seeded].to_numpy(float) <= 0)[:20]:
        problems.append(
            Problem(
                "no cells seeded",
                file=source,
                row=int(i) + 2,
                column=seeded,
                fix="cells seeded must be > 0",
            )
        )
    for i in np.flatnonzero(d[colonies].to_numpy(float) > d[seeded].to_numpy(float))[:20]:
        problems.append(
            Problem(
                f"{d[colonies].iat[i]:g} colonies from {d[seeded].iat[i]:g} cells",
                file=source,
                row=int(i) + 2,
                column=colonies,
                fix="colonies cannot exceed cells seeded",
            )
        )
    if problems:
        raise DataError(problems)


def _whole_counts(data, colonies, source) -> list[Problem]:
    """Colony counts that are not whole numbers (checked for a file of dish counts; the
    Python API also takes expected or averaged counts)."""
    counts = pd.to_numeric(data[colonies], errors="coerce").to_numpy(float)
    bad = np.flatnonzero(np.isfinite(counts) & (counts != np.round(counts)))
    return [
        Problem(
            f"{counts[i]:g} colonies is not a whole number",
            file=source,
            row=int(i) + 2,
            column=colonies,
            fix="enter the colonies counted in the dish (a whole number)",
        )
        for i in bad[:20]
    ]


def _check_levels(levels, level) -> None:
    """Refuse a confidence level or a surviving-fraction level outside (0, 1): either
    would leave every interval or every enhancement ratio NaN."""
    problems = []
    try:
        ok = 0 < float(level) < 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        problems.append(
            Problem(
                f"level={level!r} is not a confidence level in (0, 1)",
                column="level",
                fix="give a fraction, e.g. level=0.95 (not 95)",
            )
        )
    try:
        sf = [float(v) for v in levels]
    except (TypeError, ValueError):
        sf = []
        problems.append(
            Problem(f"levels={levels!r} are not numbers", column="levels", fix="e.g. (0.5, 0.1)")
        )
    for v in sf:
        if not 0 < v < 1:
            problems.append(
                Problem(
                    f"surviving fraction level {v:g} is not in (0, 1): no dose gives it",
                    column="levels",
                    fix="give surviving fractions strictly between 0 and 1, e.g. (0.5, 0.1)",
                )
            )
    if problems:
        raise DataError(problems)


def clonogenic(
    data: pd.DataFrame,
    *,
    dose: str = "dose",
    seeded: str = "seeded",
    colonies: str = "colonies",
    group: str | None = "group",
    control: str | None = None,
    levels: Sequence[float] = (0.5, 0.1),
    level: float = 0.95,
    source: str = "<DataFrame>",
) -> dict[str, pd.DataFrame]:
    """Plating efficiency, surviving fractions, LQ fits and enhancement ratios.

    Parameters
    ----------
    data : DataFrame
        One row per dish or well: dose (Gy), cells seeded, colonies counted, group.
    control : str, optional
        Group the others are compared with for the sensitiser enhancement ratio.
    levels : sequence of float
        Surviving fractions at which the enhancement ratio is computed (each in (0, 1)).
    level : float
        Confidence level of the intervals, in (0, 1) (0.95, not 95).

    Returns
    -------
    dict of DataFrame
        ``points`` (per row: plating fraction, SF, ``used`` in the fit and ``note``),
        ``plating`` (PE per group), ``fits`` (alpha, beta, SF2, D10, mean inactivation
        dose with SE and CI, ``converged`` and ``note``), ``ser`` (per treated group and
        level, with CI and the ``dof`` of its t quantile).
    """
    _check_levels(levels, level)
    _validate(data, dose, seeded, colonies, group, source)
    d = data.reset_index(drop=True).copy()
    g = group or "_group"
    if not group:
        d[g] = "all"
    d["plating_fraction"] = d[colonies].astype(float) / d[seeded].astype(float)
    zero = d[d[dose] == 0]
    missing = sorted(set(d[g]) - set(zero[g]))
    if missing:
        raise DataError(
            Problem(
                f"groups without 0 Gy wells: {missing}",
                file=source,
                column=dose,
                fix="plate untreated (0 Gy) dishes per group",
            )
        )
    pe = zero.groupby(g)["plating_fraction"].agg(["mean", "std", "count"])
    bad_pe = pe.index[pe["mean"] <= 0].tolist()
    if bad_pe:
        raise DataError(
            Problem(
                f"plating efficiency 0 in {bad_pe}",
                file=source,
                column=colonies,
                fix="no colonies at 0 Gy: check the counts",
            )
        )
    d["surviving_fraction"] = d["plating_fraction"] / d[g].map(pe["mean"])
    d["used"] = (d["surviving_fraction"] > 0) & (d[dose] > 0)
    d["note"] = np.where(
        (d["surviving_fraction"] <= 0),
        "0 colonies: ln SF undefined, not in the LQ fit",
        np.where(d[dose] == 0, "defines PE (SF = 1 on average)", ""),
    )
    fits = []
    q = 0.5 + level / 2
    for name, sub in d.groupby(g, sort=True):
        u = sub[sub["used"]]
        x = np.column_stack([u[dose], u[dose] ** 2]).astype(float)
        y = -np.log(u["surviving_fraction"].to_numpy(float))
        row = {"group": name, "n": len(u), "n_doses": u[dose].nunique()}
        if row["n_doses"] < 2 or len(u) < 3:
            row.update(converged=False, note="needs >= 2 doses > 0 and >= 3 dishes for the LQ fit")
            fits.append(row)
            continue
        theta, *_ = np.linalg.lstsq(x, y, rcond=None)
        dof = len(u) - 2
        resid = y - x @ theta
        s2 = resid @ resid / dof if dof > 0 else np.nan
        cov = s2 * np.linalg.inv(x.T @ x)
        t = stats.t.ppf(q, dof) if dof > 0 else np.nan
        a, b = theta
        derived = {
            "SF2": lambda a, b: np.exp(-2 * a - 4 * b),
            "D10": lambda a, b: float(dose_at_survival(0.1, a, b)),
            "MID": lambda a, b: float(mean_inactivation_dose(a, b)),
        }
        row.update(
            alpha=a,
            alpha_se=np.sqrt(cov[0, 0]),
            beta=b,
            beta_se=np.sqrt(cov[1, 1]),
            alpha_ci_low=a - t * np.sqrt(cov[0, 0]),
            alpha_ci_high=a + t * np.sqrt(cov[0, 0]),
            beta_ci_low=b - t * np.sqrt(cov[1, 1]),
            beta_ci_high=b + t * np.sqrt(cov[1, 1]),
        )
        for k, f in derived.items():
            # positive quantities: delta-method interval on the log scale (never below 0)
            v = f(a, b)
            if np.isfinite(v) and v > 0:
                se_log = _delta(lambda a, b, f=f: float(np.log(f(a, b))), theta.copy(), cov)
                lo, hi = v * np.exp(-t * se_log), v * np.exp(t * se_log)
            else:
                lo = hi = np.nan
            row.update({k: v, f"{k}_ci_low": lo, f"{k}_ci_high": hi})
        row.update(
            converged=True,
            note="beta < 0: survival curve bends upwards (MID infinite)" if b < 0 else "",
            _cov=cov,
        )
        fits.append(row)
    fit_df = pd.DataFrame(fits)
    ser = _ser(fit_df, control, levels, q) if control is not None else pd.DataFrame()
    plating = pe.reset_index().rename(
        columns={g: "group", "mean": "plating_efficiency", "std": "pe_sd", "count": "n_dishes"}
    )
    if not group:
        d = d.drop(columns=g)
    return {
        "points": d,
        "plating": plating,
        "fits": fit_df.drop(columns="_cov", errors="ignore"),
        "ser": ser,
    }


def _ser(fits, control, levels, q):
    f = fits.set_index("group")
    if control not in f.index:
        raise DataError(
            Problem(
                f"control group {control!r} not found",
                column="group",
                fix=f"choose one of {', '.join(map(str, f.index))}",
            )
        )
    c = f.loc[control]
    rows = []
    for name, r in f.iterrows():
        if name == control:
            continue
        for s in levels:
            if not (c["converged"] and r["converged"]):
                rows.append(
                    {
                        "group": name,
                        "control": control,
                        "sf": s,
                        "ser": np.nan,
                        "note": "LQ fit missing",
                    }
                )
                continue
            dc = float(dose_at_survival(s, c["alpha"], c["beta"]))
            dt = float(dose_at_survival(s, r["alpha"], r["beta"]))
            sc = _delta(
                lambda a, b, s=s: float(dose_at_survival(s, a, b)),
                np.array([c["alpha"], c["beta"]]),
                c["_cov"],
            )
            st = _delta(
                lambda a, b, s=s: float(dose_at_survival(s, a, b)),
                np.array([r["alpha"], r["beta"]]),
                r["_cov"],
            )
            ser = dc / dt
            vc, vt = (sc / dc) ** 2, (st / dt) ** 2  # variances of ln D (delta method)
            se_log = np.sqrt(vc + vt)
            # t quantile as for SF2/D10/MID; two groups: Welch-Satterthwaite dof
            dof = (
                (vc + vt) ** 2 / (vc**2 / (c["n"] - 2) + vt**2 / (r["n"] - 2))
                if vc + vt > 0
                else float(min(c["n"], r["n"]) - 2)  # exact fits: a zero-width interval
            )
            tq = stats.t.ppf(q, dof)
            rows.append(
                {
                    "group": name,
                    "control": control,
                    "sf": s,
                    "dose_control": dc,
                    "dose_treated": dt,
                    "ser": ser,
                    "ser_ci_low": ser * np.exp(-tq * se_log),
                    "ser_ci_high": ser * np.exp(tq * se_log),
                    "dof": dof,
                    "note": "",
                }
            )
    return pd.DataFrame(rows)
