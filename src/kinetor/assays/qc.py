"""Plate normalisation and quality control: percent of control, Z'-factor, edge effects.

.. math::

    \\%\\,\\mathrm{of\\ vehicle} = 100\\,\\frac{x - \\bar{x}_{pos}}{\\bar{x}_{veh} - \\bar{x}_{pos}},
    \\qquad
    Z' = 1 - \\frac{3(\\sigma_{veh} + \\sigma_{pos})}{|\\bar{x}_{veh} - \\bar{x}_{pos}|}

Z' after Zhang, Chung & Oldenburg (1999) J Biomol Screen 4:67,
doi:10.1177/108705719900400206 (status likely: the formula; Z' >= 0.5 "excellent assay").

Examples
--------
>>> import pandas as pd
>>> d = pd.DataFrame({"plate": "p", "well": ["A01", "A02", "A03", "A04", "A05"],
...                   "row": "A", "column": [1, 2, 3, 4, 5],
...                   "role": ["vehicle", "vehicle", "positive", "positive", "sample"],
...                   "value": [100.0, 102.0, 10.0, 12.0, 56.0]})
>>> float(normalise(d)["response"].iloc[-1])
50.0
>>> round(float(z_prime(d)["z_prime"].iloc[0]), 3)
0.906
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from kinetor.errors import DataError, Problem

__all__ = ["edge_effect", "normalise", "z_prime"]


def _controls(data: pd.DataFrame) -> pd.DataFrame:
    g = data.groupby(["plate", "role"])["value"].agg(["mean", "std", "count"]).unstack("role")
    return g


def normalise(data: pd.DataFrame, *, source: str = "plate") -> pd.DataFrame:
    """Percent of vehicle per plate: vehicle = 100, positive control = 0.

    Without positive-control wells the zero is the instrument zero (``response = 100 x /
    mean(vehicle)``), recorded in the column ``normalisation``.

    Returns
    -------
    DataFrame
        The input plus ``response`` and ``normalisation``.
    """
    out = data.copy()
    ctl = _controls(data)
    problems = []
    resp = np.full(len(out), np.nan)
    method = np.full(len(out), "", dtype=object)
    for plate in out["plate"].unique():
        sel = (out["plate"] == plate).to_numpy()
        veh = (
            ctl.loc[plate].get(("mean", "vehicle"), np.nan)
            if ("mean", "vehicle") in ctl.columns
            else np.nan
        )
        pos = (
            ctl.loc[plate].get(("mean", "positive"), np.nan)
            if ("mean", "positive") in ctl.columns
            else np.nan
        )
        if not np.isfinite(veh):
            problems.append(
                Problem(
                    f"plate {plate!r} has no vehicle wells",
                    file=source,
                    column="role",
                    fix="mark vehicle-control wells in the map",
                )
            )
            continue
        low = pos if np.isfinite(pos) else 0.0
        if veh == low:
            problems.append(
                Problem(
                    f"plate {plate!r}: vehicle and positive controls have the same mean",
                    file=source,
                    column="value",
                    fix="check the control wells",
                )
            )
            continue
        resp[sel] = 100.0 * (out.loc[sel, "value"].to_numpy(float) - low) / (veh - low)
        method[sel] = "vehicle & positive" if np.isfinite(pos) else "vehicle only"
    if problems:
        raise DataError(problems)
    out["response"] = resp
    out["normalisation"] = method
    return out


def z_prime(data: pd.DataFrame) -> pd.DataFrame:
    """Z'-factor per plate from vehicle and positive-control wells.

    Returns
    -------
    DataFrame
        ``plate, n_vehicle, n_positive, mean_vehicle, sd_vehicle, mean_positive,
        sd_positive, z_prime, quality`` (``excellent`` >= 0.5, ``marginal`` 0-0.5,
        ``fail`` < 0, ``not computable`` without both controls).
    """
    rows = []
    for plate, d in data.groupby("plate", sort=False):
        v = d.loc[d["role"] == "vehicle", "value"].to_numpy(float)
        p = d.loc[d["role"] == "positive", "value"].to_numpy(float)
        if v.size >= 2 and p.size >= 2:
            z = 1 - 3 * (v.std(ddof=1) + p.std(ddof=1)) / abs(v.mean() - p.mean())
            q = "excellent" if z >= 0.5 else ("marginal" if z >= 0 else "fail")
        else:
            z, q = np.nan, "not computable (needs >= 2 vehicle and >= 2 positive wells)"
        rows.append(
            {
                "plate": plate,
                "n_vehicle": v.size,
                "n_positive": p.size,
                "mean_vehicle": v.mean() if v.size else np.nan,
                "sd_vehicle": v.std(ddof=1) if v.size > 1 else np.nan,
                "mean_positive": p.mean() if p.size else np.nan,
                "sd_positive": p.std(ddof=1) if p.size > 1 else np.nan,
                "z_prime": z,
                "quality": q,
            }
        )
    return pd.DataFrame(rows)


def edge_effect(data: pd.DataFrame, *, role: str = "vehicle", alpha: float = 0.05) -> pd.DataFrame:
    """Edge versus interior wells of one role (default vehicle) per plate (Welch t-test).

    Evaporation in the outer wells raises or lowers their signal; a drift shows as a
    ratio away from 1 with a small p-value.

    Returns
    -------
    DataFrame
        ``plate, role, n_edge, n_interior, mean_edge, mean_interior, edge_ratio, p_value,
        flag``.
    """
    rows = []
    for plate, d in data.groupby("plate", sort=False):
        nrow = 16 if (d["row"] > "H").any() or d["column"].max() > 12 else 8
        ncol = 24 if nrow == 16 else 12
        edge = d["row"].isin(["A", "ABCDEFGHIJKLMNOP"[nrow - 1]]) | d["column"].isin([1, ncol])
        sel = d["role"] == role
        e = d.loc[sel & edge, "value"].to_numpy(float)
        i = d.loc[sel & ~edge, "value"].to_numpy(float)
        if e.size >= 2 and i.size >= 2:
            p = float(stats.ttest_ind(e, i, equal_var=False).pvalue)
            ratio = e.mean() / i.mean()
            flag = "edge effect" if p < alpha else ""
        else:
            p, ratio = np.nan, np.nan
            flag = f"not testable (needs >= 2 {role} wells on the edge and inside)"
        rows.append(
            {
                "plate": plate,
                "role": role,
                "n_edge": e.size,
                "n_interior": i.size,
                "mean_edge": e.mean() if e.size else np.nan,
                "mean_interior": i.mean() if i.size else np.nan,
                "edge_ratio": ratio,
                "p_value": p,
                "flag": flag,
            }
        )
    return pd.DataFrame(rows)
