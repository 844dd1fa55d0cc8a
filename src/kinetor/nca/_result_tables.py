"""The study-report tables of an :class:`~kinetor.nca.result.NCAResult`.

The CDISC PP domain, the summary grid, the individual listing, the report protocol and
the Excel workbook; the result's methods of the same names delegate here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kinetor.data._write_ids import study_ids as _data_study_ids
from kinetor.nca.registry import PARAMETERS, order_codes
from kinetor.numerics.formatting import natural_key as _natural_key

if TYPE_CHECKING:
    from kinetor.nca.result import NCAResult

__all__ = ["listing", "study_ids", "summary_grid", "to_cdisc", "to_excel", "to_report"]


def _code_labels() -> dict[str, str]:
    label: dict[str, str] = {}
    for p in PARAMETERS.values():
        for code, lab in ((p.code, p.label), (p.ev_code, p.ev_label)):
            if code:
                label.setdefault(code, lab or p.label)
    return label


_LABEL = _code_labels()


def _iso_duration(value: float, unit: str) -> str:
    if not np.isfinite(value):
        return ""
    u = unit.strip().lower()
    letter = {
        "h": "H",
        "hr": "H",
        "hour": "H",
        "hours": "H",
        "min": "M",
        "minute": "M",
        "minutes": "M",
        "s": "S",
        "sec": "S",
    }.get(u)
    if letter:
        return f"PT{value:g}{letter}"
    if u in ("d", "day", "days"):
        return f"P{value:g}D"
    return ""


# one source of truth with the writers' STUDYID: kinetor.data._write_ids
study_ids = _data_study_ids


def to_cdisc(result: NCAResult, studyid: str | Mapping[str, str] = "") -> pd.DataFrame:
    """:meth:`NCAResult.to_cdisc <kinetor.nca.result.NCAResult.to_cdisc>`: the PP domain.

    ``studyid`` is one text for every record or a ``{subject: study}`` mapping (see
    :func:`study_ids`; a subject it does not name gets an empty STUDYID). ``PPFLAG`` is a
    kinetor extension, not an SDTM PP variable: the acceptance rules a kept value fails
    (the parameters' ``flag``, e.g. ``"R2ADJ < 0.9"``), empty otherwise; a submission moves
    it to SUPPPP (QNAM ``PPFLAG``) or drops it.
    """
    df = result.parameters.reset_index(drop=True)
    subjects = df["subject"].astype(str)
    if isinstance(studyid, Mapping):
        study: Any = subjects.map(lambda s: studyid.get(s, "")).to_numpy(object)
    else:
        study = studyid
    flag = df["flag"] if "flag" in df.columns else pd.Series("", index=df.index)
    tunit = result.units.get("time", "")
    value = df["value"].to_numpy(float)
    done = np.isfinite(value)
    text = np.array([format(v, ".8g") if ok else "" for v, ok in zip(value, done, strict=True)])
    pp = pd.DataFrame(
        {
            "STUDYID": study,
            "DOMAIN": "PP",
            "USUBJID": subjects.to_numpy(),
            "PPSEQ": df.groupby("subject", sort=False).cumcount().to_numpy() + 1,
            "PPGRPID": (
                df["analyte"].astype(str)
                + "_"
                + df["start"].map("{:g}".format)
                + "_"
                + df["end"].map("{:g}".format)
            ).to_numpy(),
            "PPTESTCD": df["PPTESTCD"].to_numpy(),
            "PPTEST": df["PPTESTCD"].map(_LABEL).to_numpy(),
            "PPCAT": df["analyte"].astype(str).to_numpy(),
            "PPSCAT": "NON-COMPARTMENTAL",
            "PPORRES": text,
            "PPORRESU": df["unit"].to_numpy(),
            "PPSTRESC": text,
            "PPSTRESN": np.where(done, value, np.nan),
            "PPSTRESU": df["unit"].to_numpy(),
            "PPSTAT": np.where(done, "", "NOT DONE"),
            "PPREASND": np.where(done, "", df["exclude"].to_numpy()),
            "PPSPEC": df["matrix"].astype(str).str.upper().to_numpy(),
            "PPSTINT": [_iso_duration(v, tunit) for v in df["start"].to_numpy(float)],
            "PPENINT": [_iso_duration(v, tunit) for v in df["end"].to_numpy(float)],
            "PPFLAG": flag.astype(object).fillna("").astype(str).to_numpy(),
        }
    )
    return pp


def summary_grid(
    result: NCAResult, codes: list[str] | None = None, exclude_flagged: bool = False
) -> pd.DataFrame:
    """:meth:`NCAResult.summary_grid <kinetor.nca.result.NCAResult.summary_grid>`."""
    s = result.summary(exclude_flagged=exclude_flagged)
    if codes is not None:
        s = s[s["PPTESTCD"].isin(codes)]
    stats = {
        "n": "N",
        "n_flagged": "N flagged",
        "mean": "Mean",
        "sd": "SD",
        "cv_pct": "CV%",
        "geomean": "Geometric mean",
        "geocv_pct": "Geometric CV%",
        "median": "Median",
        "min": "Min",
        "max": "Max",
    }
    grp = [g for g in result.groups if g in s.columns]
    s = s.assign(_group=s[grp].astype(str).agg(" ".join, axis=1) if grp else "all")
    rows = ["analyte", "matrix", "start", "end", "PPTESTCD", "unit"]
    # one grid row per (analyte, matrix, interval, parameter, unit) that exists, times the
    # statistics: a pivot over all levels would pair every code with every unit
    s = s.assign(_key=s.groupby(rows, sort=False, dropna=False).ngroup())
    long = s.melt(
        id_vars=["_key", "_group"], value_vars=list(stats), var_name="statistic", value_name="v"
    )
    long["_row"] = long["_key"] * len(stats) + long["statistic"].map(
        {k: i for i, k in enumerate(stats)}
    )
    keys = s.drop_duplicates("_key").set_index("_key")[rows]
    wide = long.pivot(index="_row", columns="_group", values="v")
    grid = pd.DataFrame(
        {
            **{c: np.repeat(keys[c].to_numpy(), len(stats)) for c in rows},
            "statistic": np.tile(list(stats.values()), len(keys)),
        },
        index=pd.Index(np.arange(len(keys) * len(stats)), name="_row"),
    ).join(wide)
    grid = grid.reset_index(drop=True)
    grid.columns.name = None
    groups = [c for c in grid.columns if c not in (*rows, "statistic")]
    groups = sorted(groups, key=_natural_key)
    return grid[[*rows, "statistic", *groups]]


def listing(result: NCAResult) -> pd.DataFrame:
    """:meth:`NCAResult.listing <kinetor.nca.result.NCAResult.listing>`."""
    w = result.to_wide()
    flags = [c for c in w.columns if c == "flag" or c.startswith("flag_")]
    keys = [c for c in ("subject", *result.groups) if c in w.columns]
    for extra in (["analyte"], ["start", "end"]):
        if all(c in w.columns for c in extra) and len(w[extra].drop_duplicates()) > 1:
            keys += extra
    values = [c for c in w.columns if c not in (*result.keys, *flags)]
    values = [c for c in order_codes(values) if w[c].notna().any()]
    units = dict(
        zip(
            result.parameters["PPTESTCD"].astype(str),
            result.parameters["unit"].astype(str),
            strict=True,
        )
    )
    out = w[[*keys, *values, *flags]]
    return out.rename(columns={c: f"{c} ({units[c]})" for c in values if units.get(c)})


def to_report(result: NCAResult, report: Any, exclude_flagged: bool = False) -> None:
    """:meth:`NCAResult.to_report <kinetor.nca.result.NCAResult.to_report>`."""
    reported = (
        result.parameters.loc[np.isfinite(result.parameters["value"].to_numpy(float)), "PPTESTCD"]
        .astype(str)
        .unique()
        .tolist()
    )
    how = (
        "values failing an acceptance rule left out (exclude_flagged); the 'n flagged' "
        "row of a parameter counts them"
        if exclude_flagged
        else "values failing an acceptance rule kept; the 'n flagged' row of a parameter "
        "counts them"
    )
    report.add_table(
        result.summary_table(reported, exclude_flagged),
        "Summary by group: geometric mean (geometric CV%) for "
        "concentrations, AUCs, CL, V and MRT; median (min\u2013max) for times "
        "and counts; mean (SD) for half-life, fit diagnostics and "
        f"percentages (PKNCA defaults); 3 significant figures; {how}",
    )
    report.add_table(
        result.listing(),
        "Individual NCA parameters; 'flag' names every "
        "acceptance rule a profile fails and flag_<RULE> says which (the "
        "values are kept)",
    )


def to_excel(
    result: NCAResult,
    path: Any,
    exclude_flagged: bool = False,
    studyid: str | Mapping[str, str] = "",
) -> Path:
    """:meth:`NCAResult.to_excel <kinetor.nca.result.NCAResult.to_excel>`; ``studyid``
    as in :func:`to_cdisc` (the CLI passes :func:`study_ids` of the study)."""
    path = Path(path)
    tables = result.tables(exclude_flagged)
    if studyid:
        tables["cdisc_pp"] = to_cdisc(result, studyid)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, df in tables.items():
            df = df.astype(
                {c: object for c in df.columns if isinstance(df[c].dtype, pd.CategoricalDtype)}
            )
            df.to_excel(writer, sheet_name=name[:31], index=False)
            _no_formulas(writer.sheets[name[:31]])
    return path


def _no_formulas(sheet) -> None:
    """Store every text cell as a string: openpyxl writes text starting with '=' as a
    formula, so a subject id such as '=HYPERLINK(...)' would run in Excel."""
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
