"""What is done with band volumes: normalised ratios and the linear range of a dilution.

:func:`normalise_bands` divides a target band by its loading control, total protein, or
the total protein of a phospho-target, lane by lane, optionally relative to a control
sample, and summarises each sample over its lanes (every lane of every blot) or over
blots (the mean of each blot's lanes first); a ratio built on a saturated band, on a
reference volume <= 0 or on a negative target volume (band below its background) is NaN
with the reason in ``note``, and left out of the summary. :func:`linear_range`
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
    summary: str = "lanes",
) -> pd.DataFrame:
    """Target volume / reference volume per lane (loading control, total protein, or total
    protein of a phospho-target), optionally relative to a control sample; replicate blots
    are summarised per sample.

    Parameters
    ----------
    target, reference : DataFrame
        Outputs of :func:`quantify_blot`, matched on ``lane`` and the blot: a
        ``replicate`` column in both tables, else the ``blot`` names (the same names in
        both tables; by order when the tables share no name; partly shared names, or a
        replicate column in one table only, are a ``DataError``).
    control : str, optional
        Sample whose ratio becomes 1.
    kind : str
        Label written in the table (``loading``, ``total_protein``, ``phospho/total``).
    summary : {"lanes", "blots"}
        What the per-sample mean, SD, SEM and n are taken over: every usable lane of every
        blot (``"lanes"``, the default; repeated lanes of one blot count separately), or
        the blots (``"blots"``: each blot's lanes of the sample averaged first, n = blots;
        needs a ``replicate`` or ``blot`` column in both tables).

    Returns
    -------
    per_lane : DataFrame
        With ``ratio``, ``relative`` and ``note``; the per-sample summary (mean, SD, SEM
        and n, saturated lanes excluded; ``n_of`` says whether n counts lanes or blots) is
        in ``per_lane.attrs["summary"]``. With a ``replicate`` column, ``relative`` is
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
    several = any(c in target.columns and c in reference.columns for c in ("replicate", "blot"))
    if summary not in ("lanes", "blots") or (summary == "blots" and not several):
        raise DataError(
            Problem(
                f"summary={summary!r}"
                + (
                    " needs a 'replicate' column or a 'blot' column in both tables to "
                    "tell the blots apart (without either the tables are one blot)"
                    if summary == "blots"
                    else ""
                ),
                column="summary",
                fix="summary='lanes' (every lane), or 'blots' with a replicate or blot "
                "column in both tables for several blots (--summary on the CLI)",
            )
        )
    target, reference, keys = _pairing_keys(target, reference)
    per_blot = "replicate" if "replicate" in keys else "_blot"
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
    below = m["volume"] < 0  # band below its background: no amount, left out of the mean
    with np.errstate(divide="ignore", invalid="ignore"):
        m["ratio"] = np.where(sat | bad_ref | below, np.nan, m["volume"] / m["volume_ref"])
    m["note"] = np.select(
        [m["saturated"], m["saturated_ref"], bad_ref, below],
        [
            "target band saturated",
            "reference band saturated",
            "reference volume <= 0",
            "target volume < 0 (band below its background): ratio left out",
        ],
        "",
    )
    m["normalisation"] = kind
    m["relative"] = np.nan
    if control is not None:
        groups = m.groupby(per_blot) if per_blot in m.columns else [(None, m)]
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
    per = m
    if summary == "blots":  # a blot's lanes of a sample first (NaN: no usable lane)
        per = m.groupby(["sample", per_blot], sort=False)[value].mean().reset_index()
    summ = per.groupby("sample", sort=False)[value].agg(["mean", "std", "count"]).reset_index()
    summ["sem"] = summ["std"] / np.sqrt(summ["count"])
    summ = summ.rename(
        columns={"mean": f"{value}_mean", "std": f"{value}_sd", "sem": f"{value}_sem", "count": "n"}
    )
    summ["n_of"] = summary
    out = m.drop(columns=[c for c in ("_merge", "_blot") if c in m.columns])
    out.attrs["summary"] = summ
    return out


def _pairing_keys(target: pd.DataFrame, reference: pd.DataFrame):
    """The columns pairing a target lane with its reference lane: ``replicate`` and
    ``lane`` (a replicate column in one table only is a DataError; a blot name given
    different replicates in the two tables too); without a replicate column, the blot and
    the lane (the blots matched by name when both tables name the same blots, by order
    when they share no name: the i-th target blot with the i-th reference blot; partly
    shared names are a DataError). A key that occurs twice in one table is a DataError."""
    has = {c: (c in target.columns, c in reference.columns) for c in ("replicate", "blot")}
    if any(has["replicate"]) and not all(has["replicate"]):
        where = "target" if has["replicate"][0] else "reference"
        raise DataError(
            Problem(
                f"a 'replicate' column in the {where} table only: the blots cannot be paired",
                column="replicate",
                fix="give both tables the replicate column (the same number for a target "
                "blot and its reference blot), or neither (blots paired by their names)",
            )
        )
    if all(has["replicate"]):
        keys = ["replicate", "lane"]
        if all(has["blot"]):
            pairs = [
                t[["blot", "replicate"]].drop_duplicates().groupby("blot")["replicate"]
                for t in (target, reference)
            ]
            reps = [{b: sorted(map(str, set(v))) for b, v in p} for p in pairs]
            bad = {b: (reps[0][b], reps[1][b]) for b in reps[0].keys() & reps[1].keys()}
            bad = {b: v for b, v in bad.items() if v[0] != v[1]}
            if bad:
                said = "; ".join(
                    f"blot {b!r}: replicate {', '.join(t)} in target, {', '.join(r)} in reference"
                    for b, (t, r) in sorted(bad.items(), key=str)
                )
                raise DataError(
                    Problem(
                        f"the replicate column disagrees with the blot names ({said}): a "
                        "target blot would be divided by another blot's reference",
                        column="replicate",
                        fix="give a blot the same replicate number in both tables, or drop "
                        "the replicate columns to pair the blots by name",
                    )
                )
    elif all(has["blot"]):
        tb, rb = list(dict.fromkeys(target["blot"])), list(dict.fromkeys(reference["blot"]))
        shared = set(tb) & set(rb)
        if shared and set(tb) != set(rb):
            raise DataError(
                Problem(
                    f"target blots {tb} and reference blots {rb} share only "
                    f"{sorted(shared, key=str)}: neither pairing by name nor by order is safe",
                    column="blot",
                    fix="name the blots alike in both tables (or with no shared name, to "
                    "pair them in order), or give both tables a replicate column",
                )
            )
        if not shared and len(tb) != len(rb):
            raise DataError(
                Problem(
                    f"{len(tb)} target blot(s) {tb} but {len(rb)} reference blot(s) {rb}",
                    column="blot",
                    fix="give one reference blot per target blot (in the same order), or "
                    "a replicate column in both tables",
                )
            )
        if shared:
            target, reference = (
                target.assign(_blot=target["blot"]),
                reference.assign(_blot=reference["blot"]),
            )
        else:
            target = target.assign(_blot=target["blot"].map({b: i for i, b in enumerate(tb)}))
            reference = reference.assign(
                _blot=reference["blot"].map({b: i for i, b in enumerate(rb)})
            )
        keys = ["_blot", "lane"]
    else:
        keys = ["lane"]
    for name, t in (("target", target), ("reference", reference)):
        dup = t.duplicated(keys, keep=False)
        if dup.any():
            shown = [c for c in keys if c != "_blot"] + (["blot"] if "_blot" in keys else [])
            rows = [int(i) for i in np.flatnonzero(dup.to_numpy())[:10]]
            raise DataError(
                Problem(
                    f"{name} table: {', '.join(shown)} repeated at rows {rows} (0-based): "
                    f"{t.loc[dup, shown].drop_duplicates().to_dict('records')[:5]}",
                    column="lane",
                    fix="one row per blot and lane; give several blots a replicate column or "
                    "a blot name each",
                )
            )
    return target, reference, keys


def linear_range(
    loads: Sequence[float], volumes: Sequence[float], *, tolerance: float = 0.15
) -> pd.DataFrame:
    """Linear range of a dilution series: a line through the origin fitted to the lowest
    three loads and held; loads are linear, from the lowest up, while each stays within
    ``tolerance`` (relative) of that line. ``in_range`` is true exactly for the loads up to
    ``max_linear_load`` (the first load off the line ends the range, whatever follows; if
    one of the lowest three is off, the range ends there and may be empty).

    Returns
    -------
    DataFrame
        Per load: ``load, volume, predicted, deviation, in_range``; ``attrs`` hold
        ``slope`` (of the held line), ``r2`` (of the in-range points about it) and
        ``max_linear_load`` (NaN when the lowest load is already off the line).

    Raises
    ------
    DataError
        Fewer than three loads, a load <= 0, a missing or non-finite value, or loads and
        volumes of different lengths.

    Examples
    --------
    >>> t = linear_range([1, 2, 4, 8, 16], [10, 20, 40, 60, 90])
    >>> t["in_range"].tolist(), t.attrs["max_linear_load"]
    ([True, True, True, False, False], 4.0)
    """
    x = np.asarray(loads, float).ravel()
    y = np.asarray(volumes, float).ravel()
    fix = "give one volume per load, numbers, at least three loads > 0 (--loads on the CLI)"
    if x.size != y.size:
        raise DataError(Problem(f"{x.size} loads for {y.size} volumes", column="volume", fix=fix))
    bad = [
        Problem(f"{name} {v[i]:g} at position {i} is not usable", column=name, fix=fix)
        for name, v, ok in (("load", x, x > 0), ("volume", y, np.isfinite(y)))
        for i in np.flatnonzero(~(ok & np.isfinite(v)))[:20]
    ]
    if not (isinstance(tolerance, int | float) and 0 <= tolerance < np.inf):
        bad.append(Problem(f"tolerance={tolerance!r}", column="tolerance", fix="e.g. 0.15"))
    if bad:
        raise DataError(bad)
    if x.size < 3:
        raise DataError(
            Problem(
                "a dilution series needs >= 3 loads > 0",
                column="load",
                fix="load at least three amounts",
            )
        )
    order = np.argsort(x, kind="stable")
    x, y = x[order], y[order]
    slope = float(np.sum(x[:3] * y[:3]) / np.sum(x[:3] ** 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        dev = y / (slope * x) - 1
    off = ~(np.abs(dev) <= tolerance)
    inr = np.arange(x.size) < (int(np.argmax(off)) if off.any() else x.size)
    fit = slope * x
    ss = np.sum((y[inr] - fit[inr]) ** 2)
    st = np.sum((y[inr] - y[inr].mean()) ** 2) if inr.any() else 0.0
    out = pd.DataFrame(
        {"load": x, "volume": y, "predicted": fit, "deviation": dev, "in_range": inr}
    )
    out.attrs.update(
        slope=slope,
        r2=float(1 - ss / st) if st > 0 else np.nan,
        max_linear_load=float(x[inr].max()) if inr.any() else np.nan,
    )
    return out
