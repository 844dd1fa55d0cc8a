"""Parameter tables: the individual listing (wide) and the summary by group.

The summary table is :func:`kinetor.nca.summary.summary_table` (re-exported here): the
statistic, display order and text of every parameter come from
:mod:`kinetor.nca.registry`, the single source of NCA summaries.

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

import pandas as pd

from kinetor.nca.registry import order_codes
from kinetor.nca.summary import summary_table
from kinetor.report._common import param_frame, param_groups

__all__ = [
    "HALF_LIFE_CODES",
    "order_codes",
    "parameter_listing",
    "study_table",
    "summary_table",
    "with_units",
]

HALF_LIFE_CODES = ("LAMZ", "LAMZHL", "LAMZLL", "LAMZUL", "LAMZNPT", "R2ADJ", "LAMZSPN", "AUCPEO")


def _units(df: pd.DataFrame) -> dict[str, str]:
    nonempty = df[df["unit"] != ""]
    return dict(zip(nonempty["PPTESTCD"], nonempty["unit"], strict=False))


def parameter_listing(
    parameters,
    codes: Sequence[str] | None = None,
    group_by: Sequence[str] | None = None,
    drop_empty: bool = True,
) -> pd.DataFrame:
    """Individual NCA parameters, one row per subject (and interval), one column per code.

    Parameters
    ----------
    parameters : DataFrame or result with ``.parameters``
        Long table ``subject, (groups), start, end, PPTESTCD, value, unit, exclude``.
    codes : sequence of str, optional
        Which PPTESTCDs (default: all, in the registry's display order).
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
    wide = (
        df.groupby([*key, "PPTESTCD"], sort=False, dropna=False)["value"]
        .first()
        .unstack("PPTESTCD")
    )
    present = order_codes(
        [
            c
            for c in (codes or df["PPTESTCD"].unique())
            if c in wide.columns and not (drop_empty and wide[c].isna().all())
        ]
    )
    units = _units(df)
    wide = wide[present].rename(columns=lambda c: f"{c} ({units[c]})" if units.get(c) else c)
    flagged = df[df["exclude"] != ""]
    # one note per reason, naming every parameter it applies to: "reason [CODE, CODE]"
    per_reason = (
        flagged.groupby([*key, "exclude"], sort=False, dropna=False)["PPTESTCD"]
        .agg(", ".join)
        .reset_index()
    )
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


def with_units(df: pd.DataFrame, units: dict[str, str]) -> pd.DataFrame:
    """``df`` with ``"name (unit)"`` headers for the columns named in ``units`` (the way
    parameter tables write ``"CMAX (ng/mL)"``); an empty unit leaves the name as it is.

    >>> with_units(pd.DataFrame({"time": [1.0], "n": [3]}), {"time": "h"}).columns.tolist()
    ['time (h)', 'n']
    """
    return df.rename(columns={c: f"{c} ({u})" for c, u in units.items() if u and c in df})


def study_table(study) -> pd.DataFrame:
    """``study.summary()`` (groups in natural order) for a report, with units in the
    headers: ``tmin``/``tmax`` in the time unit, ``doses`` (the dose amounts given) in the
    dose unit."""
    t, d = study.units.get("time", ""), study.units.get("dose", "")
    return with_units(study.summary(), {"tmin": t, "tmax": t, "doses": d})
