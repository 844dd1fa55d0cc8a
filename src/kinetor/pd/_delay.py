"""Per-animal time to a tumour volume, for :func:`kinetor.pd.response.growth_delay`.

An animal that never reaches the threshold is right-censored (time ``inf``); an animal
already at or above it at its first measurement is left-censored: its crossing happened
before it was first measured, at an unknown time, so it is not an event.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"animal": ["a", "a", "b", "b"], "day": [0.0, 10.0, 0.0, 10.0],
...                    "volume": [100.0, 400.0, 700.0, 900.0]})
>>> time_to_threshold(df, 200.0, "log-linear").tolist()   # a: 10 ln 2 / ln 4 = 5
[5.0, 0.0]
>>> left_censored(df, 200.0).tolist()
[False, True]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["delay_reasons", "left_censored", "left_censored_note", "time_to_threshold"]


def time_to_threshold(df: pd.DataFrame, threshold: float, interpolation: str) -> pd.Series:
    """Per animal first time the volume reaches ``threshold`` (inf when never; the first
    day when already reached at the first measurement, see :func:`left_censored`)."""
    df = df.sort_values(["animal", "day"])
    above = df["volume"] >= threshold
    prev_v = df.groupby("animal")["volume"].shift()
    prev_d = df.groupby("animal")["day"].shift()
    first = above & ~above.groupby(df["animal"]).cummax().groupby(df["animal"]).shift(
        fill_value=False
    )
    hit = df[first].copy()
    pv, pd_ = prev_v[first], prev_d[first]
    v, d = hit["volume"], hit["day"]
    if interpolation == "log-linear":
        with np.errstate(divide="ignore", invalid="ignore"):
            frac = (np.log(threshold) - np.log(pv)) / (np.log(v) - np.log(pv))
    else:
        frac = (threshold - pv) / (v - pv)
    t = np.where(pv.isna() | ~np.isfinite(frac), d, pd_ + frac * (d - pd_))
    times = pd.Series(t, index=hit["animal"].to_numpy())
    animals = df["animal"].unique()
    return times.reindex(animals).fillna(np.inf)


def left_censored(df: pd.DataFrame, threshold: float) -> pd.Series:
    """Per animal (in the order of :func:`time_to_threshold`): already at or above
    ``threshold`` at its first measurement."""
    first = df.sort_values(["animal", "day"]).groupby("animal", sort=False)["volume"].first()
    return first >= threshold


def left_censored_note(left: pd.Series, grp: pd.Series, threshold: float) -> pd.Series:
    """Per group: the left-censored animals, named."""
    names = left[left].index.to_series().astype(str).groupby(grp[left]).agg(", ".join)
    return names.map(
        lambda s: (
            f"left-censored (already >= {threshold:g} at the first measurement, ranked as "
            f"crossing before it): {s}"
        )
    )


def delay_reasons(
    out: pd.DataFrame, stat: str, threshold: float, control_time: float, note: pd.Series
) -> list[str]:
    """Per group row of ``growth_delay``: why its time is NaN (or the control's is), and the
    left-censored animals. ``out`` has ``n``, ``n_left_censored``, ``time_to_threshold`` and
    ``_agg`` (the statistic before censored values became NaN)."""
    thr = f"{threshold:g}"
    why_nan = np.select(
        [
            out["n_left_censored"] == out["n"],
            (stat == "mean") & (out["n_left_censored"] > 0),
            out["_agg"] == -np.inf,
        ],
        [
            f"no animal below {thr} at its first measurement",
            "mean not defined with left-censored animals: use the median",
            f"median time before the first measurement (half or more already >= {thr})",
        ],
        f"{stat} time not reached (too many animals stayed below)",
    )
    reason = np.where(
        out["time_to_threshold"].isna(),
        why_nan,
        np.where(np.isnan(control_time), "no control time to threshold (see the control row)", ""),
    )
    return [
        "; ".join(x for x in (r, n) if isinstance(x, str) and x)
        for r, n in zip(reason, note.to_numpy(), strict=True)
    ]
