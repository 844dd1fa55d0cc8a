r"""Growth-rate, delay, best-response and body-weight metrics of xenograft studies.

All functions take the tidy table of :func:`kinetor.pd.volumes.read_volumes` and return
tidy DataFrames with the formula in a ``formula`` column and NaN plus a ``reason`` where a
value cannot be computed. Per-animal work is vectorised with grouped sums (no loop over
animals).

* :func:`growth_rates` -- per animal, least-squares slope of :math:`\ln V` on day.
* :func:`rate_based_tc` -- Hather et al. 2014 Cancer Inform 13(Suppl 4):65:
  :math:`T/C_{rate} = \exp[(\bar r_T - \bar r_C)\, \Delta t]` (mean per-animal rates,
  :math:`\Delta t` the study duration).
* :func:`doubling_time` -- :math:`\ln 2 / \bar r` per group and the animals' median
  (a tumour that does not grow counts as never doubling, ``inf``); in
  :mod:`kinetor.pd._doubling`.
* :func:`growth_delay` -- time to reach a volume, :math:`TGD = T - C` (group medians).
* :func:`best_response` / :func:`response_summary` -- mRECIST of Gao et al. 2015 Nat Med
  21:1318.
* :func:`body_weight_change` -- :math:`(BW_t - BW_0)/BW_0 \times 100`.

Examples
--------
>>> import numpy as np, pandas as pd
>>> days = np.array([0.0, 7.0, 14.0])
>>> df = pd.DataFrame({"animal": ["a"] * 3, "group": "G", "day": days,
...                    "volume": 100.0 * np.exp(0.1 * days)})
>>> float(growth_rates(df)["rate"].iloc[0].round(12))
0.1
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from kinetor.pd._checks import check_growth_delay_options
from kinetor.pd._delay import (
    delay_reasons,
    left_censored,
    left_censored_note,
    time_to_threshold,
)
from kinetor.pd._doubling import doubling_time
from kinetor.pd._rate_reasons import animals_without_rate, rate_reason
from kinetor.pd.tgi_metrics import check_control, start_day_of
from kinetor.pd.volumes import ensure_volumes

__all__ = [
    "best_response",
    "body_weight_change",
    "doubling_time",
    "growth_delay",
    "growth_rates",
    "rate_based_tc",
    "response_summary",
]

LN2 = float(np.log(2.0))


def growth_rates(
    data,
    start_day: float | None = None,
    end_day: float | None = None,
    volume_floor: float | None = None,
) -> pd.DataFrame:
    r"""Per-animal exponential growth rate: OLS slope of :math:`\ln V` against day.

    Parameters
    ----------
    data : DataFrame or path
        Tidy volumes.
    start_day, end_day : float, optional
        Window of days used (inclusive); default all.
    volume_floor : float, optional
        Volumes below it are set to it before taking logs (some analyses floor at a
        detection limit, e.g. 50 mm^3); without it a volume of 0 makes the rate NaN.

    Returns
    -------
    DataFrame
        ``animal, group, n_points, first_day, last_day, rate, rate_se, doubling_time,
        formula, reason`` (rate in 1/day, doubling time in days).
    """
    df = ensure_volumes(data)
    df = df[df["volume"].notna()].copy()
    if start_day is not None:
        df = df[df["day"] >= start_day]
    if end_day is not None:
        df = df[df["day"] <= end_day]
    v = df["volume"].to_numpy(dtype=float)
    if volume_floor is not None:
        v = np.maximum(v, volume_floor)
    zero = v <= 0
    df["_y"] = np.log(np.where(zero, np.nan, v))
    df["_zero"] = zero
    g = df.groupby("animal", sort=True)
    x_mean = g["day"].transform("mean")
    y_mean = g["_y"].transform("mean")
    df["_sxx"] = (df["day"] - x_mean) ** 2
    df["_sxy"] = (df["day"] - x_mean) * (df["_y"] - y_mean)
    s = g.agg(
        group=("group", "first"),
        n_points=("day", "count"),
        first_day=("day", "min"),
        last_day=("day", "max"),
        sxx=("_sxx", "sum"),
        sxy=("_sxy", "sum"),
        has_zero=("_zero", "any"),
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = s["sxy"] / s["sxx"]
        # residuals row by row (not Syy - b Sxy, which cancels to round-off noise)
        resid = (df["_y"] - y_mean) - df["animal"].map(rate) * (df["day"] - x_mean)
        sse = (resid**2).groupby(df["animal"]).sum()
        se = np.sqrt(sse / (s["n_points"] - 2) / s["sxx"])
    reason = np.where(
        s["has_zero"],
        "a volume of 0: give volume_floor to fit log volumes",
        np.where(s["n_points"] < 2, "fewer than 2 measurements", ""),
    )
    rate = rate.where(reason == "", np.nan)
    se = se.where((reason == "") & (s["n_points"] > 2), np.nan)
    out = s[["group", "n_points", "first_day", "last_day"]].copy()
    out["rate"] = rate
    out["rate_se"] = se
    with np.errstate(divide="ignore"):
        out["doubling_time"] = np.where(rate > 0, LN2 / rate, np.nan)
    out["formula"] = "ln V = a + rate x day (OLS per animal); doubling_time = ln 2 / rate"
    out["reason"] = reason
    return out.reset_index()


def rate_based_tc(
    data,
    control: str,
    start_day: float | None = None,
    end_day: float | None = None,
    duration: float | None = None,
    volume_floor: float | None = None,
) -> pd.DataFrame:
    r"""Rate-based T/C (Hather et al. 2014 Cancer Inform 13(Suppl 4):65).

    .. math::

        T/C_{rate} = \exp\left[(\bar r_T - \bar r_C)\, \Delta t\right]

    with :math:`\bar r` the group mean of the per-animal log-linear growth rates
    (:func:`growth_rates`) and :math:`\Delta t` the duration (default ``end_day -
    start_day`` of the window, i.e. the span of the data). Written with base-10 slopes as
    :math:`10^{(\bar\mu_T - \bar\mu_C)\Delta t}` in the third-party re-implementation the
    formula was checked against (the same number); status likely -- the paper's abstract
    was read, its full text was not (see docs/pd.md).

    An animal without a rate (a 0 volume and no ``volume_floor``, < 2 measurements) is not
    left out of its group's mean: that ``mean_rate`` and every T/C it enters are NaN, with
    the animal and the fix in ``reason``.

    Returns
    -------
    DataFrame
        ``group, control, method, n, mean_rate, se_rate, control_mean_rate, duration,
        tc_ratio, tc_pct, tgi_pct, formula, reason`` (``n``: the group's animals with a
        growth rate).
    """
    df = ensure_volumes(data)
    df = df[df["volume"].notna()]
    check_control(df, control)
    start = start_day_of(df, control, start_day)
    end = float(df["day"].max()) if end_day is None else float(end_day)
    dt = end - start if duration is None else float(duration)
    rates = growth_rates(df, start_day=start, end_day=end, volume_floor=volume_floor)
    ok = rates[rates["reason"] == ""]
    g = ok.groupby("group")["rate"]
    stat = pd.DataFrame(
        {"n": g.count(), "mean_rate": g.mean(), "se_rate": g.std() / np.sqrt(g.count())}
    )
    stat = stat.reindex(sorted(df["group"].unique()))
    # an animal without a rate (a volume of 0, one measurement) is never left out of its
    # group's mean silently: the group's value is NaN and the reason names the animal
    missing = animals_without_rate(rates)
    stat.loc[stat.index.isin(list(missing)), ["mean_rate", "se_rate"]] = np.nan
    rc = stat["mean_rate"].get(control, np.nan)
    out = stat.reset_index(names="group")
    out.insert(1, "control", control)
    out.insert(2, "method", "rate_based")
    out["n"] = out["n"].fillna(0).astype(int)
    out["control_mean_rate"] = rc
    out["duration"] = dt
    out["tc_ratio"] = np.exp((out["mean_rate"] - rc) * dt)
    out["tc_pct"] = out["tc_ratio"] * 100.0
    out["tgi_pct"] = 100.0 - out["tc_pct"]
    out["formula"] = (
        "T/C = exp((mean rate_T - mean rate_C) x duration); rate = OLS slope "
        "of ln V on day per animal (Hather 2014)"
    )
    out["reason"] = [
        rate_reason(grp, control, missing) if np.isnan(tc) else ""
        for grp, tc in zip(out["group"], out["tc_ratio"], strict=True)
    ]
    return out


def growth_delay(
    data,
    control: str,
    threshold: float,
    stat: Literal["median", "mean"] = "median",
    interpolation: Literal["log-linear", "linear"] = "log-linear",
) -> pd.DataFrame:
    """Tumour growth delay: time to reach ``threshold`` volume, treated minus control.

    Per animal the first crossing is interpolated between the two bracketing measurements
    (log-linear by default, i.e. exponential growth between them). An animal that never
    reaches the threshold is censored at infinity: the group median is then still defined
    while fewer than half are censored; the mean is not. An animal already at or above the
    threshold at its first measurement is left-censored (it crossed at an unknown earlier
    time): it ranks first, as a never-reached animal ranks last, so the median is defined
    while fewer than half of the group are censored on either side and the mean is not
    defined (NaN with the reason); it is not counted in ``n_reached``, is counted in
    ``n_left_censored`` and is named in ``reason``. ``threshold`` is a volume > 0
    (in the table's unit); ``stat`` and ``interpolation`` take the values listed (a
    ``DataError`` otherwise).

    Returns
    -------
    DataFrame
        ``group, control, method, threshold, n, n_reached, n_left_censored,
        time_to_threshold, control_time, tgd, formula, reason`` (``n``: all animals).
    """
    check_growth_delay_options(threshold, stat, interpolation)
    df = ensure_volumes(data)
    df = df[df["volume"].notna()]
    check_control(df, control)
    times = time_to_threshold(df, float(threshold), interpolation)
    left = left_censored(df, float(threshold)).reindex(times.index)
    grp = df.drop_duplicates("animal").set_index("animal")["group"].reindex(times.index)
    # left-censored: crossed before the first measurement, ranked first (-inf) as a
    # never-reached animal is ranked last (+inf): the median is defined while fewer than half
    # of a group are censored on either side; the mean is not defined with any censoring
    g = times.where(~left, -np.inf).groupby(grp)
    agg = g.median() if stat == "median" else g.mean()
    out = pd.DataFrame(
        {
            "n": times.groupby(grp).count(),
            "n_reached": g.apply(lambda s: int(np.isfinite(s).sum())),
            "n_left_censored": left.groupby(grp).sum().astype(int),
            "time_to_threshold": agg.where(np.isfinite(agg), np.nan),
            "_agg": agg,
        }
    )
    note = left_censored_note(left, grp, float(threshold)).reindex(out.index)
    ct = out["time_to_threshold"].get(control, np.nan)
    out = out.reset_index(names="group")
    out.insert(1, "control", control)
    out.insert(2, "method", f"time_to_{stat}")
    out.insert(3, "threshold", float(threshold))
    out["control_time"] = ct
    out["tgd"] = out["time_to_threshold"] - ct
    out["formula"] = (
        f"TGD = {stat}(time to V >= threshold)_T - {stat}(...)_C; "
        f"{interpolation} interpolation between bracketing days"
    )
    out["reason"] = delay_reasons(out, stat, float(threshold), ct, note)
    return out.drop(columns="_agg")


def best_response(data, start_day: float | None = None, min_day: float = 10.0) -> pd.DataFrame:
    r"""Per animal best response and mRECIST category (Gao et al. 2015 Nat Med 21:1318).

    :math:`\Delta V_t = 100 (V_t - V_0)/V_0`; *best response* = min :math:`\Delta V_t` over
    :math:`t - t_0 \ge` ``min_day``; *best average response* = min over the same days of the
    running mean of :math:`\Delta V` from :math:`t_0`. Categories (first match): CR if
    BR < -95 and BAR < -40; PR if BR < -50 and BAR < -20; SD if BR < 35 and BAR < 30;
    else PD. Thresholds as implemented in the Xeva package (bhklab/Xeva ``R/mRECIST.R``);
    status likely (the paper itself was not re-read).

    Returns
    -------
    DataFrame
        ``animal, group, baseline, best_response, best_response_day,
        best_avg_response, mrecist, formula, reason``.
    """
    df = ensure_volumes(data)
    df = df[df["volume"].notna()]
    start = float(df["day"].min()) if start_day is None else float(start_day)
    df = df[df["day"] >= start].sort_values(["animal", "day"]).copy()
    base = df.groupby("animal")["volume"].transform("first")
    base_day = df.groupby("animal")["day"].transform("first")
    with np.errstate(divide="ignore", invalid="ignore"):
        df["dv"] = 100.0 * (df["volume"] - base) / base
    df["avg"] = df.groupby("animal")["dv"].cumsum() / (df.groupby("animal").cumcount() + 1)
    late = df[(df["day"] - base_day) >= min_day]
    idx = late.groupby("animal")["dv"].idxmin()
    br = late.loc[idx.dropna(), ["animal", "dv", "day"]].set_index("animal")
    bar = late.groupby("animal")["avg"].min()
    first = df.groupby("animal").agg(
        group=("group", "first"), baseline=("volume", "first"), baseline_day=("day", "first")
    )
    out = first.copy()
    out["best_response"] = br["dv"]
    out["best_response_day"] = br["day"]
    out["best_avg_response"] = bar
    b, a = out["best_response"], out["best_avg_response"]
    cat = np.select(
        [(b < -95) & (a < -40), (b < -50) & (a < -20), (b < 35) & (a < 30)],
        ["CR", "PR", "SD"],
        "PD",
    )
    out["mrecist"] = np.where(b.isna() | a.isna(), "", cat)
    out["formula"] = (
        "dV = 100 (V_t - V_0)/V_0; BR = min dV, BAR = min running mean of dV, "
        f"over days >= {min_day:g} after baseline; CR BR<-95&BAR<-40, "
        "PR BR<-50&BAR<-20, SD BR<35&BAR<30, else PD"
    )
    out["reason"] = np.where(
        out["baseline"] <= 0,
        "baseline volume is 0",
        np.where(b.isna(), f"no measurement >= {min_day:g} days after baseline", ""),
    )
    return out.drop(columns="baseline_day").reset_index()


def response_summary(data, start_day: float | None = None, min_day: float = 10.0) -> pd.DataFrame:
    """Per group counts of mRECIST categories and regressions (from :func:`best_response`).

    ``n_regression`` counts animals whose best response is below baseline (< 0 %);
    ``orr`` = (CR + PR) / n.
    """
    br = best_response(data, start_day, min_day)
    ok = br[br["reason"] == ""]
    counts = pd.crosstab(ok["group"], ok["mrecist"]).reindex(
        columns=["CR", "PR", "SD", "PD"], fill_value=0
    )
    counts.columns = [c.lower() for c in counts.columns]
    out = counts.copy()
    out.insert(0, "n", counts.sum(axis=1))
    out["n_regression"] = (ok["best_response"] < 0).groupby(ok["group"]).sum()
    out["orr"] = (out["cr"] + out["pr"]) / out["n"]
    out["formula"] = br["formula"].iloc[0] if len(br) else ""
    return out.reset_index(names="group")


def body_weight_change(
    data, start_day: float | None = None, loss_threshold: float = 20.0
) -> pd.DataFrame:
    r"""Body-weight change per group and day, :math:`100 (BW_t - BW_0)/BW_0` per animal.

    ``data`` needs a ``weight`` column. Returns ``group, day, n, mean_pct, sem_pct,
    min_pct, n_loss_over`` (animals that lost more than ``loss_threshold`` %),
    ``formula``.
    """
    df = ensure_volumes(data, value="weight")
    df = df[df["weight"].notna()]
    start = float(df["day"].min()) if start_day is None else float(start_day)
    df = df[df["day"] >= start].sort_values(["animal", "day"]).copy()
    base = df.groupby("animal")["weight"].transform("first")
    df["pct"] = 100.0 * (df["weight"] - base) / base
    g = df.groupby(["group", "day"])["pct"]
    out = g.agg(n="count", mean_pct="mean", min_pct="min").reset_index()
    out["sem_pct"] = (g.std() / np.sqrt(g.count())).to_numpy()
    out["n_loss_over"] = (
        (df["pct"] < -loss_threshold).groupby([df["group"], df["day"]]).sum().to_numpy()
    )
    out["formula"] = (
        f"pct = 100 (BW_t - BW_0) / BW_0 per animal, BW_0 at the first day >= "
        f"{start:g}; n_loss_over counts pct < -{loss_threshold:g}"
    )
    return out[["group", "day", "n", "mean_pct", "sem_pct", "min_pct", "n_loss_over", "formula"]]
