r"""Tumour growth inhibition (TGI) metrics on tidy tumour-volume tables.

Every function takes the table of :func:`kinetor.pd.volumes.read_volumes` (``animal,
group, day, volume``; a DataFrame or a CSV/Excel path), names the control group
explicitly, and returns a tidy DataFrame with one row per group, the formula written out
in a ``formula`` column and the option in ``method``. A metric that cannot be computed
for a group gives NaN and says why in ``reason`` (no exception).

Formulas (``docs/pd.md`` has the sources):

* ``tgi(formula="delta")`` (default):
  :math:`\%TGI = (1 - \Delta T / \Delta C) \times 100` with
  :math:`\Delta T = \bar T_d - \bar T_0`, :math:`\Delta C = \bar C_d - \bar C_0` (group
  means on day *d* and on the treatment-start day); > 100 % means regression.
* ``formula="tc_ratio"``: :math:`T/C\% = \bar T_d / \bar C_d \times 100`,
  TGI = 100 - T/C.
* ``formula="rtv"``: relative tumour volume per animal :math:`RTV = V_d / V_0`;
  :math:`T/C\% = \overline{RTV}_T / \overline{RTV}_C \times 100`.
* ``formula="geometric"``: :math:`T/C\% = GM(T_d) / GM(C_d) \times 100` (geometric means,
  the log-scale summary advocated by Demidenko 2010).
* Growth delay, rate-based T/C, doubling times, best response (mRECIST) and body-weight
  change: :mod:`kinetor.pd.response`.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({
...     "animal": ["c1", "c1", "c2", "c2", "t1", "t1", "t2", "t2"],
...     "group": ["Vehicle"] * 4 + ["Drug"] * 4,
...     "day": [0, 21] * 4,
...     "volume": [100.0, 1100.0, 120.0, 1320.0, 110.0, 310.0, 90.0, 290.0]})
>>> res = tgi(df, control="Vehicle", day=21)
>>> res[["group", "tgi_pct"]].to_numpy().tolist()   # dC = 1100, dT = 200
[['Drug', 81.81818181818181], ['Vehicle', 0.0]]
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem
from kinetor.pd.volumes import ensure_volumes

__all__ = ["TGI_FORMULAS", "tc_ratio", "tgi"]

TGI_FORMULAS = {
    "delta": "TGI% = (1 - (mean(T_d) - mean(T_0)) / (mean(C_d) - mean(C_0))) x 100; "
    "T/C% = dT/dC x 100",
    "tc_ratio": "T/C% = mean(T_d) / mean(C_d) x 100; TGI% = 100 - T/C%",
    "rtv": "RTV = V_d / V_0 per animal; T/C% = mean(RTV_T) / mean(RTV_C) x 100; TGI% = 100 - T/C%",
    "geometric": "T/C% = geomean(T_d) / geomean(C_d) x 100; TGI% = 100 - T/C%",
}
Formula = Literal["delta", "tc_ratio", "rtv", "geometric"]


def check_control(df: pd.DataFrame, control: str) -> None:
    """DataError when the control group is not in the table."""
    groups = sorted(df["group"].dropna().unique())
    if control not in groups:
        raise DataError(
            Problem(
                f"control group {control!r} is not in the data",
                column="group",
                fix=f"use one of {groups}",
            )
        )


def start_day_of(df: pd.DataFrame, control: str, start_day: float | None) -> float:
    """Treatment-start day: as given, else the control group's first measurement day."""
    if start_day is not None:
        return float(start_day)
    return float(df.loc[df["group"] == control, "day"].min())


def _stats_on(df: pd.DataFrame, day: float) -> pd.DataFrame:
    """Per group on one day: n, mean, geometric mean (NaN when a volume is 0)."""
    sub = df[df["day"] == day]
    g = sub.groupby("group")["volume"]
    logs = np.log(sub["volume"].where(sub["volume"] > 0))
    gm = np.exp(logs.groupby(sub["group"]).mean())
    gm[(sub["volume"] <= 0).groupby(sub["group"]).any()] = np.nan
    return pd.DataFrame({"n": g.count(), "mean": g.mean(), "gm": gm})


def _rtv_mean(df: pd.DataFrame, start: float, day: float) -> tuple[pd.Series, pd.Series]:
    """Per group mean of V_day / V_start over animals measured on both days, and per group
    the animals whose RTV is undefined (a volume of 0 on the start day)."""
    wide = df[df["day"].isin([start, day])].pivot(index="animal", columns="day", values="volume")
    if start not in wide.columns or day not in wide.columns:
        return pd.Series(dtype=float), pd.Series(dtype=object)
    wide = wide.dropna()
    grp = df.drop_duplicates("animal").set_index("animal")["group"].reindex(wide.index)
    with np.errstate(divide="ignore", invalid="ignore"):
        rtv = wide[day] / wide[start]
    bad = ~np.isfinite(rtv)
    names = pd.Series(wide.index[bad], index=wide.index[bad]).groupby(grp[bad]).agg(", ".join)
    return rtv.groupby(grp).mean(), names


def _measured(df: pd.DataFrame, day, name: str) -> None:
    """A DataError when ``day`` (given) is a day on which no animal of any group has a
    volume: the metric would be NaN for every group. A day measured in some groups only
    gives NaN with the reason for the others."""
    if day is None or (df["day"] == float(day)).any():
        return
    days = ", ".join(f"{d:g}" for d in sorted(df["day"].unique()))
    raise DataError(
        Problem(
            f"no volume was measured on day {float(day):g} ({name}=, --{name.replace('_', '-')})",
            df.attrs.get("kinetor_file"),
            column="day",
            fix=f"give a day the study measured: {days}",
        )
    )


def _unmatched_note(df: pd.DataFrame, group: str, control: str, start: float, day: float) -> str:
    """``delta`` note: the animals (group or control) measured on only one of the start day
    and the evaluation day, which the default formula still counts in that day's mean, and
    TGI on the animals measured on both days (empty when every animal is)."""
    sub = df[df["group"].isin([group, control]) & df["day"].isin([start, day])]
    wide = sub.pivot_table(index="animal", columns="day", values="volume", aggfunc="first")
    wide = wide.reindex(columns=[start, day])
    grp = sub.drop_duplicates("animal").set_index("animal")["group"].reindex(wide.index)
    texts = {
        start: f"the baseline (day {start:g}) mean includes animals missing on the "
        f"evaluation day {day:g}",
        day: f"the day {day:g} mean includes animals not measured on the baseline day {start:g}",
    }
    parts = []
    for have, lack in ((start, day), (day, start)):
        only = wide.index[wide[have].notna() & wide[lack].isna()]
        named = "; ".join(
            f"group {g}: {', '.join(map(str, only[(grp[only] == g).to_numpy()]))}"
            for g in dict.fromkeys([group, control])
            if (grp[only] == g).any()
        )
        if named:
            parts.append(f"{texts[have]} ({named})")
    if not parts:
        return ""
    both = wide.dropna()
    m = both.groupby(grp.reindex(both.index))
    dd = (m[day].mean() - m[start].mean()).reindex([group, control]).to_numpy(float)
    matched = (
        f"on the animals measured on both days TGI = {100.0 * (1 - dd[0] / dd[1]):.4g} %"
        if np.isfinite(dd).all() and dd[1] > 0
        else "no matched TGI (no animal measured on both days, or the control did not grow)"
    )
    return (
        "; ".join(parts)
        + ": the delta formula takes each day's mean over the animals measured that day; "
        + matched
    )


def _last_common_day(df: pd.DataFrame, group: str, control: str) -> float:
    days_g = set(df.loc[df["group"] == group, "day"])
    days_c = set(df.loc[df["group"] == control, "day"])
    common = days_g & days_c
    return float(max(common)) if common else np.nan


def tgi(
    data,
    control: str,
    day: float | None = None,
    start_day: float | None = None,
    formula: Formula = "delta",
) -> pd.DataFrame:
    """Tumour growth inhibition of every group against ``control``.

    Parameters
    ----------
    data : DataFrame or path
        Tidy volumes (``animal, group, day, volume``).
    control : str
        Name of the control (vehicle) group.
    day : float, optional
        Evaluation day; default the last day measured in both the group and the control.
        For ``delta`` and ``rtv`` it must come after ``start_day`` (a ``DataError``
        otherwise; a default day that does not gives NaN with a reason).
    start_day : float, optional
        Treatment-start (baseline) day; default the control group's first day.
    formula : {"delta", "tc_ratio", "rtv", "geometric"}
        Which definition (module docstring); recorded in ``method`` and ``formula``.

    Returns
    -------
    DataFrame
        One row per group (control included, where TGI is 0 by construction):
        ``group, control, method, start_day, day, n_start, n_day, mean_start, mean_day,
        control_mean_start, control_mean_day, treated_value, control_value, tc_pct,
        tgi_pct, regression, formula, reason, note``. ``treated_value``/``control_value``
        are the statistics the formula divides (dT and dC, means, mean RTVs or geometric
        means). ``delta`` takes each day's group mean over the animals measured that day:
        ``note`` names the animals (of the group or the control) measured on the start day
        but missing on the evaluation day, whose baseline volumes the start-day mean still
        includes (or the reverse), and gives TGI on the animals measured on both days.
    """
    if formula not in TGI_FORMULAS:
        raise DataError(
            Problem(f"unknown TGI formula {formula!r}", fix=f"use one of {sorted(TGI_FORMULAS)}")
        )
    df = ensure_volumes(data)
    df = df[df["volume"].notna()]
    check_control(df, control)
    start = start_day_of(df, control, start_day)
    grows = formula in ("delta", "rtv")  # a change from the start day to the day
    if grows and day is not None and not float(day) > start:
        raise DataError(
            Problem(
                f"day {day!r} is not after the start day {start:g}",
                fix="the evaluation day must come after start_day (treatment start)",
            )
        )
    _measured(df, day, "day")
    if grows and start_day is not None:
        _measured(df, start, "start_day")
    rows = []
    for group in sorted(df["group"].unique()):
        d = float(day) if day is not None else _last_common_day(df, group, control)
        base, at = _stats_on(df, start), _stats_on(df, d)
        reason = ""
        if grows and not d > start:
            reason = f"no day measured in both the group and the control after day {start:g}"
        elif group not in base.index or control not in base.index:
            reason = f"no measurement on the start day {start:g} for the group or the control"
        elif group not in at.index or control not in at.index:
            reason = f"no measurement on day {d:g} for the group or the control"
        r = {
            "group": group,
            "control": control,
            "method": formula,
            "start_day": start,
            "day": d,
            "n_start": base["n"].get(group, 0),
            "n_day": at["n"].get(group, 0),
            "mean_start": base["mean"].get(group, np.nan),
            "mean_day": at["mean"].get(group, np.nan),
            "control_mean_start": base["mean"].get(control, np.nan),
            "control_mean_day": at["mean"].get(control, np.nan),
        }
        tv = cv = np.nan
        if not reason:
            if formula == "delta":
                tv = r["mean_day"] - r["mean_start"]
                cv = r["control_mean_day"] - r["control_mean_start"]
            elif formula == "tc_ratio":
                tv, cv = r["mean_day"], r["control_mean_day"]
            elif formula == "rtv":
                rtv, undefined = _rtv_mean(df, start, d)
                tv, cv = rtv.get(group, np.nan), rtv.get(control, np.nan)
                zero = [f"{undefined[g]} of group {g}" for g in {group, control} if g in undefined]
                if zero:  # never a mean over the other animals only
                    tv = cv = np.nan
                    reason = (
                        f"RTV undefined (a volume of 0 on the start day {start:g}) for "
                        f"animal(s) {'; '.join(sorted(zero))}: use formula 'delta' or "
                        "'tc_ratio', which take group means"
                    )
                elif np.isnan(tv) or np.isnan(cv):
                    reason = "no animal measured on both the start day and the day"
            else:
                tv, cv = at["gm"].get(group, np.nan), at["gm"].get(control, np.nan)
                if np.isnan(tv) or np.isnan(cv):
                    reason = "a volume of 0: the geometric mean is undefined"
            if not reason and not cv > 0:
                reason = (
                    "the control did not grow (dC <= 0)"
                    if formula == "delta"
                    else "the control statistic is 0"
                )
        tc = tv / cv * 100.0 if not reason else np.nan
        delta = formula == "delta" and not reason and d > start
        note = _unmatched_note(df, group, control, start, d) if delta else ""
        r.update(
            treated_value=tv,
            control_value=cv,
            tc_pct=tc,
            tgi_pct=100.0 - tc if not reason else np.nan,
            regression=bool(r["mean_day"] < r["mean_start"]) if not reason else False,
            formula=TGI_FORMULAS[formula],
            reason=reason,
            note=note,
        )
        rows.append(r)
    out = pd.DataFrame(rows)
    out[["n_start", "n_day"]] = out[["n_start", "n_day"]].astype(int)
    return out


def tc_ratio(
    data, control: str, day: float | None = None, start_day: float | None = None
) -> pd.DataFrame:
    """T/C (%) of mean volumes on a day: ``tgi(..., formula="tc_ratio")``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"animal": ["c", "t"], "group": ["Vehicle", "Drug"],
    ...                    "day": 14, "volume": [800.0, 200.0]})
    >>> float(tc_ratio(df, "Vehicle", day=14).set_index("group").loc["Drug", "tc_pct"])
    25.0
    """
    return tgi(data, control, day=day, start_day=start_day, formula="tc_ratio")
