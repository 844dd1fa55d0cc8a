"""NCA summaries: descriptive statistics of the long parameter table, and the study-report
table of one statistic per parameter and group.

Every rule comes from :mod:`kinetor.nca.registry`: which statistic a parameter is
summarised by (:func:`~kinetor.nca.registry.summary_statistic`), its name
(:data:`~kinetor.nca.registry.STATISTIC_LABEL`), the display order
(:func:`~kinetor.nca.registry.order_codes`) and the cell text
(:func:`~kinetor.nca.registry.format_summary`). ``NCAResult.summary()``, the CLI's
``nca_summary.csv`` and the HTML report all go through :func:`summarise` and
:func:`summary_table`, so a parameter is summarised the same way everywhere.

One column vocabulary: ``<groups>, analyte, matrix, start, end, PPTESTCD, unit, n,
n_missing, n_flagged, mean, sd, cv_pct, geomean, geocv_pct, median, min, max, statistic,
display``.

Examples
--------
>>> import pandas as pd
>>> p = pd.DataFrame({"subject": ["1", "2"], "group": "A", "PPTESTCD": "CMAX",
...                   "value": [10.0, 40.0], "unit": "ng/mL", "exclude": "", "flag": ""})
>>> s = summarise(p, by=["group"])
>>> round(float(s["geomean"][0]), 10), float(s["mean"][0]), int(s["n"][0]), s["display"][0]
(20.0, 25.0, 2, '20.0 (127)')
>>> summary_table(s).to_dict("records")   # doctest: +NORMALIZE_WHITESPACE
[{'Parameter': 'CMAX (ng/mL)', 'Statistic': 'n', 'A': '2'},
 {'Parameter': 'CMAX (ng/mL)', 'Statistic': 'geometric mean (geometric CV%)',
  'A': '20.0 (127)'}]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kinetor.nca.registry import STATISTIC_LABEL, format_summary, order_codes, summary_statistic
from kinetor.numerics.formatting import natural_key as _natural_key

__all__ = ["MAIN_CODES", "SUMMARY_COLUMNS", "summarise", "summary_table"]

#: The main parameters ``kinetor nca`` prints and the browser app shows after a run
#: (single dose, steady state and partial AUCs, sparse designs, urine).
MAIN_CODES = (
    *("CMAX", "TMAX", "AUCLST", "AUCIFO", "LAMZHL", "LAMZNPT", "CLFO", "CLO", "VZFO", "VZO"),
    *("AUCTAU", "CAVG", "CTROUGH", "AUCINT", "SPARSEAL", "AUCLSTSE", "RCAMINT"),
    *("RCPCINT", "RENALCL"),
)

SUMMARY_COLUMNS = (
    "PPTESTCD",
    "unit",
    "n",
    "n_missing",
    "n_flagged",
    "mean",
    "sd",
    "cv_pct",
    "geomean",
    "geocv_pct",
    "median",
    "min",
    "max",
    "statistic",
    "display",
)
_PROFILE_LEVELS = ("analyte", "matrix")


def _rank(values) -> np.ndarray:
    codes, uniq = pd.factorize(np.asarray(values, dtype=object), use_na_sentinel=False)
    order = sorted(range(len(uniq)), key=lambda i: _natural_key(uniq[i]))
    rank = np.empty(len(uniq), np.int64)
    rank[order] = np.arange(len(uniq))
    return rank[codes]


def summarise(
    parameters: pd.DataFrame,
    by: Sequence[str] | None = None,
    groups: Sequence[str] = (),
    exclude_flagged: bool = False,
    max_missing: float = 0.5,
) -> pd.DataFrame:
    """Descriptive statistics per group, analyte, interval and parameter.

    ``n`` counts the values used, ``n_missing`` the NaN ones, ``n_flagged`` the values
    failing an acceptance rule (the ``flag`` column). Flagged values are kept in the
    statistics unless ``exclude_flagged`` (CLI ``--exclude-flagged``), as in Phoenix and
    PKNCA. The geometric statistics need every value > 0 (NaN otherwise):

    .. math:: \\mathrm{GM} = e^{\\overline{\\ln x}}, \\quad
              \\mathrm{geoCV\\%} = 100 \\sqrt{e^{s_{\\ln}^2} - 1}

    ``statistic`` and ``display`` are the registry's statistic for the parameter and its
    text (``NC`` when more than ``max_missing`` of the values are missing; ``NC (a value
    <= 0)`` for a geometric statistic with a value <= 0, undefined on the log scale). Rows are in
    natural group order, then interval, then the registry's display order.
    """
    df = parameters
    if by is None:
        by = [*groups, *[c for c in ("analyte", "matrix", "start", "end") if c in df.columns]]
    by = list(by)
    unit = df["unit"] if "unit" in df.columns else pd.Series("", index=df.index)
    v = df["value"].to_numpy(float).copy()
    if "flag" in df.columns:
        flagged = df["flag"].astype(object).fillna("").to_numpy(object) != ""
    else:  # a plain table: a kept value with an exclusion text fails an acceptance rule
        reason = df["exclude"] if "exclude" in df.columns else pd.Series("", index=df.index)
        flagged = (reason.astype(object).fillna("").to_numpy(object) != "") & ~np.isnan(v)
    if exclude_flagged:
        v[flagged] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        logv = np.where(v > 0, np.log(v), np.nan)
    work = df[[*by, "PPTESTCD"]].assign(
        unit=unit.to_numpy(), v=v, logv=logv, flagged=flagged, nonpos=np.nan_to_num(v, nan=1.0) <= 0
    )
    g = work.groupby([*by, "PPTESTCD", "unit"], sort=False, dropna=False, observed=True)
    out = g.agg(
        n=("v", "count"),
        n_total=("v", "size"),
        mean=("v", "mean"),
        sd=("v", "std"),
        median=("v", "median"),
        min=("v", "min"),
        max=("v", "max"),
        lmean=("logv", "mean"),
        lsd=("logv", "std"),
        nonpos=("nonpos", "sum"),
        n_flagged=("flagged", "sum"),
    ).reset_index()
    out["n_missing"] = out["n_total"] - out["n"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["cv_pct"] = 100.0 * out["sd"] / out["mean"]
    ok_geo = out["nonpos"] == 0
    out["geomean"] = np.where(ok_geo, np.exp(out["lmean"]), np.nan)
    out["geocv_pct"] = np.where(ok_geo, 100.0 * np.sqrt(np.expm1(out["lsd"] ** 2)), np.nan)
    codes = out["PPTESTCD"].astype(str)
    out["statistic"] = [STATISTIC_LABEL[summary_statistic(c)] for c in codes]
    out["display"] = [
        format_summary(
            r.PPTESTCD,
            n=r.n,
            n_total=r.n_total,
            mean=r.mean,
            sd=r.sd,
            geomean=r.geomean,
            geocv=r.geocv_pct,
            median=r.median,
            min=r.min,
            max=r.max,
            max_missing=max_missing,
        )
        for r in out.assign(PPTESTCD=codes).itertuples()
    ]
    rank = {c: i for i, c in enumerate(order_codes(pd.unique(codes)))}
    keys = [codes.map(rank).to_numpy()]
    if "start" in out.columns:
        keys.append(out["start"].to_numpy(float))
    keys += [_rank(out[c].to_numpy(object)) for c in reversed(by) if c in groups]
    out = out.iloc[np.lexsort(tuple(keys))].reset_index(drop=True)
    return out[[*by, *SUMMARY_COLUMNS]]


def summary_table(summary: pd.DataFrame, codes: Sequence[str] | None = None) -> pd.DataFrame:
    """The summary as a study-report table: two rows per parameter (``n`` and its
    statistic), one column per group; cells as text (see :func:`summarise`). A parameter
    with a value that fails an acceptance rule in any group gets a third row, ``n flagged``
    (the summary's ``n_flagged``: kept in the statistic, or left out of it with
    ``exclude_flagged``), between the two.

    ``summary`` has the :func:`summarise` columns (a ``display`` column is used as it is;
    without one the cell is made from the statistics by the registry's rule). Every
    column that is not a statistic, ``PPTESTCD``, ``start`` or ``end`` is a grouping
    level; levels with one value are left out of the column labels. Several intervals
    label each parameter with its interval.
    """
    s = summary.rename(
        columns={
            "interval_start": "start",
            "interval_end": "end",
            "cv": "cv_pct",
            "geocv": "geocv_pct",
        }
    ).copy()
    if "PPTESTCD" not in s.columns:
        from kinetor.errors import DataError, Problem

        raise DataError(
            [
                Problem(
                    "the summary table has no 'PPTESTCD' column",
                    column="PPTESTCD",
                    fix="pass NCAResult.summary()",
                )
            ]
        )
    s["PPTESTCD"] = s["PPTESTCD"].astype(str)
    s["unit"] = s["unit"].astype(object).fillna("").astype(str) if "unit" in s.columns else ""
    if "display" not in s.columns:
        stats = ("n", "n_missing", "mean", "sd", "geomean", "geocv_pct", "median", "min", "max")
        get = {
            c: (s[c].to_numpy(float) if c in s.columns else np.full(len(s), np.nan)) for c in stats
        }
        s["display"] = [
            format_summary(
                code,
                n=get["n"][i],
                n_total=get["n"][i] + np.nan_to_num(get["n_missing"][i]),
                mean=get["mean"][i],
                sd=get["sd"][i],
                geomean=get["geomean"][i],
                geocv=get["geocv_pct"][i],
                median=get["median"][i],
                min=get["min"][i],
                max=get["max"][i],
            )
            for i, code in enumerate(s["PPTESTCD"])
        ]
    levels = [
        c for c in s.columns if c not in (*SUMMARY_COLUMNS, "PPTEST", "start", "end", "n_total")
    ]
    groups = [c for c in levels if s[c].nunique(dropna=False) > 1] or [
        c for c in levels if c not in _PROFILE_LEVELS
    ][:1]
    s["_group"] = s[groups].astype(str).agg(" / ".join, axis=1) if groups else "all"
    group_names = sorted(dict.fromkeys(s["_group"]), key=_natural_key)
    intervals = [None]
    if {"start", "end"} <= set(s.columns) and len(s[["start", "end"]].drop_duplicates()) > 1:
        intervals = list(
            s[["start", "end"]]
            .drop_duplicates()
            .sort_values("start")
            .itertuples(index=False, name=None)
        )
    wanted = order_codes(
        c for c in (codes if codes is not None else s["PPTESTCD"]) if c in set(s["PPTESTCD"])
    )
    from kinetor.numerics.formatting import format_sig

    rows = []
    for iv in intervals:
        part = s if iv is None else s[(s["start"] == iv[0]) & (s["end"] == iv[1])]
        for code in wanted:
            sub = part[part["PPTESTCD"] == code]
            if sub.empty:
                continue
            unit = next((u for u in sub["unit"] if u), "")
            label = f"{code} ({unit})" if unit else code
            if iv is not None:
                label += f" [{format_sig(float(iv[0]))}\u2013{format_sig(float(iv[1]))}]"
            by_group = {r["_group"]: r for _, r in sub.iterrows()}
            n_row = {"Parameter": label, "Statistic": "n"}
            f_row = {"Parameter": label, "Statistic": "n flagged"}
            v_row = {"Parameter": label, "Statistic": STATISTIC_LABEL[summary_statistic(code)]}
            for gname in group_names:
                r = by_group.get(gname)
                n, nf = (np.nan, np.nan) if r is None else (r.get("n"), r.get("n_flagged"))
                n_row[gname] = "" if pd.isna(n) else str(int(n))
                f_row[gname] = "" if pd.isna(nf) else str(int(nf))
                v_row[gname] = str(r["display"]) if r is not None else ""
            if "n" in s.columns:
                rows.append(n_row)
            if "n_flagged" in s.columns and (pd.to_numeric(sub["n_flagged"]).fillna(0) > 0).any():
                rows.append(f_row)
            rows.append(v_row)
    return pd.DataFrame(rows, columns=["Parameter", "Statistic", *group_names])
