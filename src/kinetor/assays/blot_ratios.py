"""What is done with band volumes: normalised ratios and the linear range of a dilution.

:func:`normalise_bands` divides a target band by its loading control, total protein, or
the total protein of a phospho-target, lane by lane, optionally relative to a control
sample; a ratio built on a saturated band is NaN with the reason. :func:`linear_range`
finds how far a dilution series stays proportional to the load. Both take the volumes
that :func:`kinetor.assays.western.quantify_blot` measures, and are importable from
:mod:`kinetor.assays.western`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = ["linear_range", "normalise_bands"]

#: what the reference band measures (written to the ``normalisation`` column)
KINDS = ("loading", "total_protein", "phospho/total")


def normalise_bands(
    target: pd.DataFrame,
    reference: pd.DataFrame,
    *,
    control: str | None = None,
    kind: str = "loading",
) -> pd.DataFrame:
    """Target volume / reference volume per lane (loading control, total protein, or total
    protein of a phospho-target), optionally relative to a control sample; replicate blots
    are summarised per sample.

    Parameters
    ----------
    target, reference : DataFrame
        Outputs of :func:`quantify_blot` (matched on ``blot`` order and ``lane``; pass
        one table per target with a ``replicate`` column for several blots).
    control : str, optional
        Sample whose ratio becomes 1.
    kind : str
        Label written in the table (``loading``, ``total_protein``, ``phospho/total``).

    Returns
    -------
    per_lane : DataFrame
        With ``ratio``, ``relative`` and ``note``; the per-sample summary (mean, SD, SEM
        and n over replicates and repeated lanes, saturated lanes excluded) is in
        ``per_lane.attrs["summary"]``. With a ``replicate`` column, ``relative`` is
        computed against the control within each replicate blot.
    """
    if kind not in KINDS:
        raise DataError(
            Problem(
                f"unknown normalisation kind {kind!r}",
                column="kind",
                fix=f"choose one of {', '.join(KINDS)}",
            )
        )
    keys = ["replicate", "lane"] if "replicate" in target.columns else ["lane"]
    m = target.merge(reference, on=keys, suffixes=("", "_ref"), how="outer", indicator=True)
    if (m["_merge"] != "both").any():
        bad = m.loc[m["_merge"] != "both", keys].to_dict("records")
        raise DataError(
            Problem(
                f"lanes without a partner in the other blot: {bad}",
                column="lane",
                fix="quantify the same lanes on both blots",
            )
        )
    sat = m["saturated"] | m["saturated_ref"]
    bad_ref = m["volume_ref"] <= 0
    with np.errstate(divide="ignore", invalid="ignore"):
        m["ratio"] = np.where(sat | bad_ref, np.nan, m["volume"] / m["volume_ref"])
    m["note"] = np.select(
        [m["saturated"], m["saturated_ref"], bad_ref],
        ["target band saturated", "reference band saturated", "reference volume <= 0"],
        "",
    )
    m["normalisation"] = kind
    m["relative"] = np.nan
    if control is not None:
        groups = m.groupby("replicate") if "replicate" in m.columns else [(None, m)]
        for _, g in groups:
            c = g.loc[g["sample"] == control, "ratio"].mean()
            if not np.isfinite(c):
                raise DataError(
                    Problem(
                        f"control sample {control!r} has no usable ratio",
                        column="sample",
                        fix="check its bands",
                    )
                )
            m.loc[g.index, "relative"] = g["ratio"] / c
    value = "relative" if control is not None else "ratio"
    summ = m.groupby("sample", sort=False)[value].agg(["mean", "std", "count"]).reset_index()
    summ["sem"] = summ["std"] / np.sqrt(summ["count"])
    summ = summ.rename(
        columns={"mean": f"{value}_mean", "std": f"{value}_sd", "sem": f"{value}_sem", "count": "n"}
    )
    out = m.drop(columns="_merge")
    out.attrs["summary"] = summ
    return out


def linear_range(
    loads: Sequence[float], volumes: Sequence[float], *, tolerance: float = 0.15
) -> pd.DataFrame:
    """Linear range of a dilution series: a line through the origin fitted to the lowest
    loads, extended while each higher load stays within ``tolerance`` of it.

    Returns
    -------
    DataFrame
        Per load: ``load, volume, predicted, deviation, in_range``; ``attrs`` hold
        ``slope``, ``r2`` (of the in-range points) and ``max_linear_load``.

    Examples
    --------
    >>> t = linear_range([1, 2, 4, 8, 16], [10, 20, 40, 60, 90])
    >>> t["in_range"].tolist(), t.attrs["max_linear_load"]
    ([True, True, True, False, False], 4.0)
    """
    x = np.asarray(loads, float)
    y = np.asarray(volumes, float)
    if x.size < 3 or np.any(x <= 0):
        raise DataError(
            Problem(
                "a dilution series needs >= 3 loads > 0",
                column="load",
                fix="load at least three amounts",
            )
        )
    order = np.argsort(x)
    x, y = x[order], y[order]
    k = 3
    while True:
        slope = float(np.sum(x[:k] * y[:k]) / np.sum(x[:k] ** 2))
        dev = y / (slope * x) - 1
        if k < x.size and abs(dev[k]) <= tolerance:
            k += 1
            continue
        break
    inr = np.arange(x.size) < k
    inr[:3] = np.abs(dev[:3]) <= tolerance
    fit = slope * x
    ss = np.sum((y[inr] - fit[inr]) ** 2)
    st = np.sum((y[inr] - y[inr].mean()) ** 2)
    out = pd.DataFrame(
        {"load": x, "volume": y, "predicted": fit, "deviation": dev, "in_range": inr}
    )
    out.attrs.update(
        slope=slope,
        r2=float(1 - ss / st) if st > 0 else np.nan,
        max_linear_load=float(x[inr].max()) if inr.any() else np.nan,
    )
    return out
