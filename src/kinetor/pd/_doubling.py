r"""Volume doubling time per group (re-exported by :mod:`kinetor.pd.response`).

Every group of the table is a row; ``n`` counts its animals, ``n_used`` those with a
growth rate (an animal with a volume of 0 and no ``volume_floor``, or fewer than 2
measurements in the window, has none: it is named in ``reason`` and left out of every
value). A tumour that does not grow (rate :math:`\le 0`) never doubles: its doubling time
is :math:`+\infty`, it takes part in the median of the animals (ranked last) and the
median is reported as ``inf`` when it falls on such animals.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.pd.volumes import ensure_volumes

__all__ = ["doubling_time"]

LN2 = float(np.log(2.0))

_FORMULA = (
    "doubling_time = ln 2 / mean(rate) (animals with a rate; NaN when mean(rate) <= 0); "
    "median_animal_doubling_time = median of ln 2 / rate per animal, inf for rate <= 0; "
    "rate = OLS slope of ln V on day"
)


def _group_reason(rows: pd.DataFrame, mean_rate: float, outside: list[str]) -> str:
    """Which animals of one group each value leaves out or counts as never doubling."""
    parts = []
    if outside:
        parts.append(
            f"no volume between start_day and end_day for animal(s) {', '.join(outside)}: "
            "left out of every value (n_used counts the animals with a rate)"
        )
    bad = rows[rows["reason"] != ""]
    if len(bad):
        named = ", ".join(
            f"animal {a} ({r})" for a, r in zip(bad["animal"], bad["reason"], strict=True)
        )
        parts.append(
            f"growth rate undefined for {named}: left out of mean_rate, doubling_time and "
            "the median (n_used counts the animals with a rate)"
        )
    flat = rows[(rows["reason"] == "") & ~(rows["rate"] > 0)]
    if len(flat):
        named = ", ".join(
            f"animal {a} (rate {r:.4g}/day)"
            for a, r in zip(flat["animal"], flat["rate"], strict=True)
        )
        parts.append(
            f"did not grow: {named}: doubling time inf (never doubles), ranked last in the "
            "median; their rates enter mean_rate"
        )
    if len(bad) == len(rows):
        parts.append("no animal with a growth rate")
    elif not mean_rate > 0:
        parts.append("the tumours did not grow (mean rate <= 0): doubling_time undefined")
    return "; ".join(parts)


def doubling_time(
    data,
    start_day: float | None = None,
    end_day: float | None = None,
    volume_floor: float | None = None,
) -> pd.DataFrame:
    r"""Per group volume doubling time ``ln 2 / mean rate`` (days) and the animals' median.

    Rates are :func:`kinetor.pd.response.growth_rates` (OLS slope of :math:`\ln V` on day
    per animal). ``doubling_time`` is :math:`\ln 2/\bar r` over the animals with a rate
    (NaN with the reason when :math:`\bar r \le 0`). ``median_animal_doubling_time`` is
    the median over the same animals of :math:`\ln 2/r`, with :math:`+\infty` for an animal
    whose tumour did not grow (:math:`r \le 0`: it never doubles), so a shrinking tumour
    ranks last instead of dropping out; it is ``inf`` when the median falls on such
    animals. Every group of the table is a row, ``n`` counts all its animals and
    ``n_used`` those with a rate; ``reason`` names the animals left out (no rate: a volume
    of 0 on the log scale without ``volume_floor``, fewer than 2 measurements) and those
    counted as never doubling.

    Returns
    -------
    DataFrame
        ``group, n, n_used, mean_rate, median_animal_doubling_time, doubling_time,
        formula, reason``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> d = np.array([0.0, 10.0])
    >>> df = pd.DataFrame({"animal": ["a", "a"], "group": "G", "day": d,
    ...                    "volume": [100.0, 400.0]})          # 2 doublings in 10 days
    >>> float(doubling_time(df)["doubling_time"].iloc[0])
    5.0
    """
    from kinetor.pd.response import growth_rates

    df = ensure_volumes(data)
    df = df[df["volume"].notna()]
    rates = growth_rates(df, start_day, end_day, volume_floor)
    all_animals = df.drop_duplicates("animal")[["animal", "group"]]
    rows = []
    for group in sorted(df["group"].unique()):
        r = rates[rates["group"] == group]
        ok = r[r["reason"] == ""]
        rate = ok["rate"].to_numpy(float)
        members = all_animals.loc[all_animals["group"] == group, "animal"]
        outside = sorted(set(members) - set(r["animal"]))
        with np.errstate(divide="ignore"):
            per_animal = np.where(rate > 0, LN2 / np.where(rate > 0, rate, 1.0), np.inf)
        mean_rate = float(rate.mean()) if rate.size else np.nan
        rows.append(
            {
                "group": group,
                "n": int(members.size),
                "n_used": int(rate.size),
                "mean_rate": mean_rate,
                "median_animal_doubling_time": (
                    float(np.median(per_animal)) if rate.size else np.nan
                ),
                "doubling_time": LN2 / mean_rate if mean_rate > 0 else np.nan,
                "formula": _FORMULA,
                "reason": _group_reason(r, mean_rate, outside),
            }
        )
    return pd.DataFrame(rows)
