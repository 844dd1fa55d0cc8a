"""Parameter tables: the individual listing (wide) and the summary by group.

The summary shows, for every parameter, PKNCA's default statistic with 3 significant
figures (``PKNCA.set.summary`` defaults of the PKNCA R package):

* geometric mean (geometric CV%) for Cmax, Cmin, Clast, Ctrough, Cavg, AUCs, CL, V, MRT;
* median (min-max) for Tmax, Tlast, Tlag, Tfirst;
* arithmetic mean (SD) for half-life, lambda_z fit diagnostics and %-extrapolated AUC.

Examples
--------
>>> from kinetor.report._example import example_study
>>> _, params = example_study()
>>> listing = parameter_listing(params, codes=["CMAX", "TMAX"])
>>> list(listing.columns)
['subject', 'group', 'CMAX (ng/mL)', 'TMAX (h)', 'flags']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kinetor.report._common import format_sig, param_frame, param_groups
from kinetor.report.diagnostics import summary_statistic

__all__ = ["HALF_LIFE_CODES", "PARAMETER_ORDER", "order_codes", "parameter_listing",
           "summary_table"]

# Display order of the common PPTESTCDs; anything else follows alphabetically.
PARAMETER_ORDER = (
    "C0", "CMAX", "CMAXD", "TMAX", "TLAG", "TFIRST", "CMIN", "TMIN", "CLST", "TLST", "CTROUGH",
    "CAVG", "AUCLST", "AUCLSTD", "AUCALL", "AUCINT", "AUCTAU", "AUCIFO", "AUCIFOD", "AUCIFP",
    "AUCPEO", "AUCPEP", "AUCPBEO", "AUCPBEP", "AUMCLST", "AUMCIFO", "AUMCIFP", "LAMZ",
    "LAMZHL", "LAMZLL", "LAMZUL", "LAMZNPT", "R2", "R2ADJ", "CORRXY", "LAMZSPN", "CLSTP",
    "CLO", "CLP", "CLFO", "CLFP", "VZO", "VZP", "VZFO", "VZFP", "VSSO", "VSSP", "MRTIVLST",
    "MRTIVIFO", "MRTIVIFP", "MRTEVLST", "MRTEVIFO", "MRTEVIFP", "DEGFLUC", "SWING",
    "PTROUGHR", "FREL", "FAB",
)
HALF_LIFE_CODES = ("LAMZ", "LAMZHL", "LAMZLL", "LAMZUL", "LAMZNPT", "R2ADJ", "LAMZSPN",
                   "AUCPEO")
_STAT_COLUMNS = {"n", "n_missing", "n_total", "nmiss", "n_miss", "mean", "sd", "cv", "cv_pct",
                 "geomean", "geocv", "geocv_pct", "median", "min", "max", "unit", "se", "q1",
                 "q3", "statistic", "display"}
_PROFILE_LEVELS = ("analyte", "matrix")
_STAT_LABEL = {"geomean": "geo. mean (geo. CV%)", "median": "median (min\u2013max)",
               "mean": "mean (SD)"}


def order_codes(codes: Sequence[str]) -> list[str]:
    """Sort PPTESTCDs in report order (``PARAMETER_ORDER``, then alphabetically).

    Examples
    --------
    >>> order_codes(["LAMZHL", "ZZZ", "CMAX", "AUCLST"])
    ['CMAX', 'AUCLST', 'LAMZHL', 'ZZZ']
    """
    rank = {c: i for i, c in enumerate(PARAMETER_ORDER)}
    return sorted(dict.fromkeys(codes), key=lambda c: (rank.get(c, len(rank)), c))


def _units(df: pd.DataFrame) -> dict[str, str]:
    nonempty = df[df["unit"] != ""]
    return dict(zip(nonempty["PPTESTCD"], nonempty["unit"], strict=False))


def parameter_listing(parameters, codes: Sequence[str] | None = None,
                      group_by: Sequence[str] | None = None,
                      drop_empty: bool = True) -> pd.DataFrame:
    """Individual NCA parameters, one row per subject (and interval), one column per code.

    Parameters
    ----------
    parameters : DataFrame or result with ``.parameters``
        Long table ``subject, (groups), start, end, PPTESTCD, value, unit, exclude``.
    codes : sequence of str, optional
        Which PPTESTCDs (default: all, in ``PARAMETER_ORDER``).
    group_by : sequence of str, optional
        Grouping columns kept in the listing (default: the table's non-core columns).
    drop_empty : bool
        Leave out parameters with no value for anyone (their reasons stay in ``flags``).

    Returns
    -------
    DataFrame
        Key columns (``subject``, groups, ``analyte`` and ``start``/``end`` when there is
        more than one), then ``"CODE (unit)"`` value columns (numbers), then ``flags``:
        ``"reason [CODE, ...]"`` for every reason given (flagged values are kept).

    Examples
    --------
    >>> import pandas as pd
    >>> p = pd.DataFrame({"subject": ["1", "1", "2", "2"], "PPTESTCD": ["CMAX", "LAMZHL"] * 2,
    ...                   "value": [10.0, 2.5, 12.0, 3.0], "unit": ["ng/mL", "h"] * 2,
    ...                   "exclude": ["", "", "", "R2ADJ < 0.9"]})
    >>> parameter_listing(p).to_dict("records")[1]
    {'subject': '2', 'CMAX (ng/mL)': 12.0, 'LAMZHL (h)': 3.0, 'flags': 'R2ADJ < 0.9 [LAMZHL]'}
    """
    df = param_frame(parameters)
    if codes is not None:
        df = df[df["PPTESTCD"].isin(list(codes))]
    by = list(group_by) if group_by is not None else param_groups(df)
    key = ["subject"] if "subject" in df.columns else []
    key += [c for c in by if c not in key]
    for extra in (["analyte"], ["start", "end"]):
        if all(c in df.columns for c in extra) and len(df[extra].drop_duplicates()) > 1:
            key += extra
    if not key:
        df = df.assign(_row=0)
        key = ["_row"]
    wide = (df.groupby([*key, "PPTESTCD"], sort=False, dropna=False)["value"].first()
            .unstack("PPTESTCD"))
    present = order_codes([c for c in (codes or df["PPTESTCD"].unique()) if c in wide.columns
                           and not (drop_empty and wide[c].isna().all())])
    units = _units(df)
    wide = wide[present].rename(columns=lambda c: f"{c} ({units[c]})" if units.get(c) else c)
    flagged = df[df["exclude"] != ""]
    # one note per reason, naming every parameter it applies to: "reason [CODE, CODE]"
    per_reason = (flagged.groupby([*key, "exclude"], sort=False, dropna=False)["PPTESTCD"]
                  .agg(", ".join).reset_index())
    per_reason["_n"] = per_reason["exclude"] + " [" + per_reason["PPTESTCD"] + "]"
    notes = per_reason.groupby(key, sort=False, dropna=False)["_n"].agg("; ".join)
    wide["flags"] = notes.reindex(wide.index).fillna("").to_numpy() if len(notes) else ""
    wide.columns.name = None
    out = wide.reset_index()
    if key == ["_row"]:
        out = out.drop(columns="_row")
    if "subject" in out.columns:
        out = out.sort_values([*[k for k in key if k != "subject"], "subject"], kind="stable")
    return out.reset_index(drop=True)


def _cell(row: pd.Series, stat: str) -> str:
    def g(name: str) -> float:
        v = row.get(name, np.nan)
        return float(v) if v is not None and pd.notna(v) else np.nan

    n, n_missing = g("n"), g("n_missing")
    if n_missing > n:   # PKNCA: no statistic when more than half of the values are missing
        return "NC"
    if stat == "geomean":
        point = g("geomean")
        spread = g("geocv") if "geocv" in row.index else g("geocv_pct")
    elif stat == "median":
        point = g("median")
        lo, hi = g("min"), g("max")
        if np.isnan(point):
            return "NC"
        return f"{format_sig(point)} ({format_sig(lo)}\u2013{format_sig(hi)})"
    else:
        point, spread = g("mean"), g("sd")
    if np.isnan(point):
        return "NC"
    return f"{format_sig(point)} ({format_sig(spread)})" if not np.isnan(spread) else \
        format_sig(point)


def _statistic(rows: pd.DataFrame, code: str) -> str:
    """The summary's own ``statistic`` column (NCAResult.summary) wins over our default."""
    if "statistic" in rows.columns:
        text = " ".join(rows["statistic"].dropna().astype(str).str.lower().unique())
        for key, stat in (("geometric", "geomean"), ("median", "median"), ("mean", "mean")):
            if key in text:
                return stat
    return summary_statistic(code)


def summary_table(summary: pd.DataFrame, codes: Sequence[str] | None = None) -> pd.DataFrame:
    """Format an NCA summary by group with PKNCA's default statistic per parameter.

    Parameters
    ----------
    summary : DataFrame
        One row per group x PPTESTCD with columns among ``n, n_missing, mean, sd, cv,
        geomean, geocv (or geocv_pct), median, min, max, unit`` (``NCAResult.summary()``
        fits); every other column (except ``PPTESTCD``, ``start``, ``end``) is a grouping
        level, and levels with a single value are left out of the column labels. A
        statistic with more than half of its values missing is ``NC`` (PKNCA's rule). A
        ``statistic`` column ("geometric ...", "median ...", "mean ...") chooses the
        statistic; otherwise :func:`summary_statistic` does.
    codes : sequence of str, optional
        Which parameters (default: all, in ``PARAMETER_ORDER``).

    Returns
    -------
    DataFrame
        Two rows per parameter: ``n`` and the statistic (``"geo. mean (geo. CV%)"``,
        ``"median (min–max)"`` or ``"mean (SD)"``); columns ``Parameter``, ``Statistic``
        and one per group, cells as text with 3 significant figures; ``NC`` = not
        calculated.

    Examples
    --------
    >>> import pandas as pd
    >>> s = pd.DataFrame({"group": ["A", "A"], "PPTESTCD": ["CMAX", "TMAX"], "n": [3, 3],
    ...                   "geomean": [12.345, 1.0], "geocv": [25.06, 10.0],
    ...                   "median": [12.0, 1.0], "min": [10.0, 0.5], "max": [15.0, 2.0],
    ...                   "mean": [12.4, 1.1], "sd": [2.0, 0.6], "unit": ["ng/mL", "h"]})
    >>> summary_table(s).to_dict("records")
    ... # doctest: +NORMALIZE_WHITESPACE
    [{'Parameter': 'CMAX (ng/mL)', 'Statistic': 'n', 'A': '3'},
     {'Parameter': 'CMAX (ng/mL)', 'Statistic': 'geo. mean (geo. CV%)', 'A': '12.3 (25.1)'},
     {'Parameter': 'TMAX (h)', 'Statistic': 'n', 'A': '3'},
     {'Parameter': 'TMAX (h)', 'Statistic': 'median (min–max)', 'A': '1.00 (0.500–2.00)'}]
    """
    s = summary.rename(columns={"interval_start": "start", "interval_end": "end"}).copy()
    if "PPTESTCD" not in s.columns:
        from kinetor.errors import DataError, Problem

        raise DataError([Problem("the summary table has no 'PPTESTCD' column",
                                 column="PPTESTCD", fix="pass NCAResult.summary()")])
    if "unit" not in s.columns:
        s["unit"] = ""
    s["unit"] = s["unit"].astype("string").fillna("").astype(object)
    levels = [c for c in s.columns
              if c not in _STAT_COLUMNS and c not in ("PPTESTCD", "PPTEST", "start", "end")]
    # a level with one value (one analyte, one matrix) adds nothing to the column labels
    groups = [c for c in levels if s[c].nunique(dropna=False) > 1] or \
        [c for c in levels if c not in _PROFILE_LEVELS][:1]
    s["_group"] = s[groups].astype(str).agg(" / ".join, axis=1) if groups else "all"
    multi_interval = {"start", "end"} <= set(s.columns) and \
        len(s[["start", "end"]].drop_duplicates()) > 1
    wanted = order_codes([c for c in (codes or s["PPTESTCD"].unique())
                          if c in set(s["PPTESTCD"])])
    group_names = list(dict.fromkeys(s["_group"]))
    rows = []
    intervals = (s[["start", "end"]].drop_duplicates().itertuples(index=False)
                 if multi_interval else [None])
    for iv in list(intervals):
        part = s if iv is None else s[(s["start"] == iv[0]) & (s["end"] == iv[1])]
        for code in wanted:
            sub = part[part["PPTESTCD"] == code]
            if sub.empty:
                continue
            unit = next((u for u in sub["unit"] if u), "")
            label = f"{code} ({unit})" if unit else code
            if iv is not None:
                label += f" [{format_sig(float(iv[0]))}\u2013{format_sig(float(iv[1]))}]"
            stat = _statistic(sub, code)
            by_group = {r["_group"]: r for _, r in sub.iterrows()}
            n_row = {"Parameter": label, "Statistic": "n"}
            v_row = {"Parameter": label, "Statistic": _STAT_LABEL[stat]}
            for g in group_names:
                r = by_group.get(g)
                n = r.get("n", np.nan) if r is not None else np.nan
                n_row[g] = "" if pd.isna(n) else str(int(n))
                v_row[g] = _cell(r, stat) if r is not None else ""
            if "n" in s.columns:
                rows.append(n_row)
            rows.append(v_row)
    return pd.DataFrame(rows, columns=["Parameter", "Statistic", *group_names])
