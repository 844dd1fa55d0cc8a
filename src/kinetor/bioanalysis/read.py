"""Read and validate an analytical run table (one row per injection).

Columns (case-insensitive; extra columns are kept):

================  ==========================================================================
column            meaning
================  ==========================================================================
sample_id         injection / sample name (unique within the run)
sample_type       ``blank`` (no analyte, no IS), ``zero`` (IS only), ``standard``, ``qc``,
                  ``unknown`` (aliases: std/cal/calibrator, quality_control, sample/study)
nominal_conc      nominal concentration of standards and QCs (QCs: of the undiluted QC); a
                  unit in its header (``Nominal Concentration (ng/mL)``) is the run's unit
analyte_area      analyte peak area          } either both, or ``area_ratio``;
is_area           internal standard peak area } ``area_ratio`` wins where both are given
area_ratio        analyte / IS peak-area ratio
dilution          dilution factor applied before analysis (>= 1; default 1)
qc_level          optional QC level label (LQC, MQC, HQC); else derived from nominal_conc
analyte, matrix   optional (one calibration per analyte when standards carry names)
subject, time     required for unknowns (``nominal_time`` may replace ``time``; it is
                  kept as ``nominal_time``, as the study reader keeps it)
exclude           optional reason to leave the injection out (kept in the outputs)
injection_order   optional order of injection (unique numbers; enables the carry-over check)
================  ==========================================================================

Headers go through an alias table (``RUN_ALIASES``: ``Sample Name``, ``Sample Type``,
``Nominal Concentration (ng/mL)``, ``Area``, ``IS Area``, ``Dilution Factor``...) as the
study reader's do. Two columns of one role (``Nominal Concentration (ng/mL)`` and
``nominal_conc``) are a ``DataError`` naming both, except for ``sample_id`` (first match). Every problem in the file is reported at once as a ``DataError`` (file,
row as a spreadsheet counts it with the header on row 1, column, fix).

Examples
--------
>>> import pandas as pd
>>> run = pd.DataFrame({"sample_id": ["b1", "s1"], "sample_type": ["blank", "STD"],
...                     "nominal_conc": [None, 1.0], "area_ratio": [None, 0.01]})
>>> read_run(run, min_levels=1)["sample_type"].tolist()
['blank', 'standard']
"""

from __future__ import annotations

from numbers import Integral
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.bioanalysis._run_aliases import RUN_ALIASES, _apply_aliases
from kinetor.bioanalysis._tables import sheet_table, source_rows
from kinetor.errors import DataError, KinetorError, Problem

__all__ = ["RUN_ALIASES", "SAMPLE_TYPES", "read_run"]

SAMPLE_TYPES: tuple[str, ...] = ("blank", "zero", "standard", "qc", "unknown")
_TYPE_ALIASES = {
    alias: kind
    for kind, aliases in {
        "blank": ("blank", "double_blank"),
        "zero": ("zero", "zero_standard"),
        "standard": ("standard", "std", "cal", "calibrator", "calibration", "calibration_standard"),
        "qc": ("qc", "quality_control"),
        "unknown": ("unknown", "sample", "study", "study_sample"),
    }.items()
    for alias in aliases
}
_NUMERIC = (
    "nominal_conc",
    "analyte_area",
    "is_area",
    "area_ratio",
    "dilution",
    "time",
    "nominal_time",
    "injection_order",
)
_NEEDS_RESPONSE = ("standard", "qc", "unknown")
_EMPTY = ("na", "nan", "n/a", "none", "null")


def _text(series: pd.Series) -> pd.Series:
    return series.astype("string").fillna("").str.strip()


def read_run(
    source: str | Path | pd.DataFrame,
    file: str | None = None,
    min_levels: int = 6,
    sheet: str | int | None = None,
) -> pd.DataFrame:
    """Read a run table (CSV or .xlsx path, or DataFrame) and validate it.

    Parameters
    ----------
    source : path or DataFrame
    file : str, optional
        Name used in messages (defaults to the file name, or ``"<DataFrame>"``).
    min_levels : int
        Fewest distinct non-zero standard levels a curve may be built from (M10: 6), >= 1.
    sheet : str or int, optional
        The sheet of an .xlsx workbook (name, or 0-based number); default the first.
        Missing columns name the sheet read and list the workbook's sheets.

    Returns
    -------
    DataFrame
        Canonical columns: ``sample_id, sample_type, nominal_conc, analyte_area, is_area,
        area_ratio, dilution, qc_level, analyte, matrix, subject, exclude, time,
        nominal_time, injection_order, source_row`` plus any extra input columns.

    Raises
    ------
    DataError
        Listing every bad row; a path that is no file.
    KinetorError
        ``min_levels`` not a whole number >= 1.
    """
    if isinstance(min_levels, bool) or not isinstance(min_levels, Integral) or min_levels < 1:
        raise KinetorError(f"min_levels={min_levels!r}: a whole number >= 1 (ICH M10: 6)")
    raw, file, sheets = _run_table(source, file, sheet)
    rows = source_rows(raw)  # each row's line in the file (header: 1)
    header = [str(c).strip() for c in raw.columns]
    raw.columns = [c.lower() for c in header]
    raw = _apply_aliases(raw, header, file)
    conc_header = dict(zip(raw.columns, header, strict=True)).get("nominal_conc", "")
    problems: list[Problem] = []

    def bad(i: int | None, col: str | None, msg: str, fix: str) -> None:
        problems.append(
            Problem(msg, file=file, row=None if i is None else int(rows[i]), column=col, fix=fix)
        )

    other = ", or choose the sheet with the data (--sheet NAME, sheet= in Python)" * bool(sheets)
    for col in ("sample_id", "sample_type"):
        if col not in raw.columns:
            bad(None, col, f"no '{col}' column{sheets}", f"add a '{col}' column{other}")
    has_ratio = "area_ratio" in raw.columns
    has_areas = "analyte_area" in raw.columns and "is_area" in raw.columns
    if not (has_ratio or has_areas):
        bad(
            None,
            "area_ratio",
            f"no response: neither 'area_ratio' nor both 'analyte_area' and 'is_area' "
            f"columns{sheets}",
            "add 'area_ratio', or 'analyte_area' "
            f"and 'is_area' (peak areas of analyte and internal standard){other}",
        )
    if problems:
        raise DataError(problems)

    df = pd.DataFrame(index=raw.index)
    df["sample_id"] = _text(raw["sample_id"])
    stype = _text(raw["sample_type"]).str.lower().str.replace(r"[\s\-]+", "_", regex=True)
    df["sample_type"] = stype.map(_TYPE_ALIASES)
    for i in np.flatnonzero(df["sample_type"].isna().to_numpy()):
        bad(
            i,
            "sample_type",
            f"unknown sample type {raw['sample_type'].iloc[i]!r}",
            f"use one of {', '.join(SAMPLE_TYPES)}",
        )
    for col in _NUMERIC:
        if col not in raw.columns:
            df[col] = np.nan
            continue
        text = _text(raw[col])
        text = text.where(~text.str.lower().isin(_EMPTY), "")
        values = pd.to_numeric(text.where(text != ""), errors="coerce").astype(float)
        for i in np.flatnonzero(((text != "") & ~np.isfinite(values)).to_numpy()):
            bad(
                i,
                col,
                f"not a {'finite ' * bool(np.isinf(values.iloc[i]))}number: {text.iloc[i]!r}",
                "write a plain finite number "
                "(no units, no '<LLOQ' text); leave the cell empty if not measured",
            )
        df[col] = values.where(~np.isinf(values))  # reported above: not judged again
    for col in ("qc_level", "analyte", "matrix", "subject", "exclude"):
        df[col] = _text(raw[col]) if col in raw.columns else ""
    df["matrix"] = df["matrix"].where(df["matrix"] != "", "PLASMA")
    st = df["sample_type"].fillna("")
    needs = st.isin(_NEEDS_RESPONSE).to_numpy()

    fix = "peak areas and ratios are >= 0: check the integration export"
    for col in ("analyte_area", "is_area", "area_ratio"):
        for i in np.flatnonzero((df[col] < 0).to_numpy()):
            bad(i, col, f"negative peak area/ratio {df[col].iloc[i]:g}", fix)
    ratio = df["area_ratio"].copy()
    if has_areas:
        with np.errstate(divide="ignore", invalid="ignore"):
            from_areas = df["analyte_area"] / df["is_area"]
        use_areas = ratio.isna()
        zero_is = use_areas & needs & (df["is_area"] == 0)
        fix = "re-integrate the IS peak or exclude the injection from the file"
        for i in np.flatnonzero(zero_is.to_numpy()):
            bad(i, "is_area", "internal standard area is 0: no area ratio", fix)
        ratio = ratio.where(~use_areas, from_areas.where(df["is_area"] > 0))
    df["area_ratio"] = ratio
    missing_resp = (
        needs
        & df["area_ratio"].isna().to_numpy()
        & ~_any_reported(problems, rows, ("analyte_area", "is_area", "area_ratio"))
    )
    for i in np.flatnonzero(missing_resp):
        bad(
            i,
            "area_ratio" if has_ratio else "analyte_area",
            f"no response for a {st.iloc[i]} sample",
            "give the peak areas (or the area ratio), or remove the row",
        )
    is_cal = st.isin(("standard", "qc")).to_numpy()
    nom = df["nominal_conc"].to_numpy()
    if is_cal.any() and "nominal_conc" not in raw.columns:
        bad(
            None,
            "nominal_conc",
            "no 'nominal_conc' column for standards and QCs",
            "add the nominal concentrations",
        )
    else:
        for i in np.flatnonzero(
            is_cal & np.isnan(nom) & ~_any_reported(problems, rows, ("nominal_conc",))
        ):
            msg = f"a {st.iloc[i]} needs a nominal concentration"
            bad(i, "nominal_conc", msg, "fill in nominal_conc")
        for i in np.flatnonzero(is_cal & (nom == 0) & (st == "standard").to_numpy()):
            bad(
                i,
                "sample_type",
                "a standard with nominal concentration 0",
                "set sample_type to 'zero' (matrix + IS, no analyte)",
            )
        for i in np.flatnonzero(
            is_cal & (nom < 0) | (is_cal & (nom == 0) & (st == "qc").to_numpy())
        ):
            bad(
                i,
                "nominal_conc",
                f"nominal concentration {nom[i]:g} is not > 0",
                "nominal concentrations of standards and QCs are > 0",
            )
    dil = df["dilution"].fillna(1.0)
    fix = "write the dilution factor (10 for a 1:10 dilution), not the fraction"
    for i in np.flatnonzero((dil < 1).to_numpy()):
        bad(i, "dilution", f"dilution factor {dil.iloc[i]:g} < 1", fix)
    df["dilution"] = dil
    unk = (st == "unknown").to_numpy()
    if unk.any():
        for i in np.flatnonzero(unk & (df["subject"] == "").to_numpy()):
            bad(i, "subject", "an unknown sample without a subject", "fill in subject")
        no_time = unk & df["time"].isna().to_numpy() & df["nominal_time"].isna().to_numpy()
        for i in np.flatnonzero(no_time & ~_any_reported(problems, rows, ("time", "nominal_time"))):
            fix = "fill in time (or nominal_time) after dose"
            bad(i, "time", "an unknown sample without a time", fix)
    for i in np.flatnonzero((df["sample_id"] == "").to_numpy()):
        bad(i, "sample_id", "empty sample_id", "name every injection")
    order = df["injection_order"]
    fix = "number the injections in the order they were made, each once"
    for i in np.flatnonzero((order.duplicated(keep="first") & order.notna()).to_numpy()):
        bad(i, "injection_order", f"injection_order {order.iloc[i]:g} given twice", fix)
    dup = df["sample_id"].duplicated(keep="first") & (df["sample_id"] != "")
    fix = "give every injection its own sample_id (e.g. suffix _r1, _r2)"
    for i in np.flatnonzero(dup.to_numpy()):
        bad(i, "sample_id", f"duplicate sample_id {df['sample_id'].iloc[i]!r}", fix)
    _check_standards(df, st, file, problems, min_levels)
    if problems:  # file-level problems first, then in row order
        raise DataError(sorted(problems, key=lambda p: (p.row is not None, p.row or 0)))
    df["source_row"] = rows
    extra = [c for c in raw.columns if c not in df.columns]
    for c in extra:
        df[c] = raw[c]
    df = df.reset_index(drop=True)
    # "Nominal Concentration (ng/mL)": the unit as written, judged by analyse_run
    from kinetor.data.aliases import split_header

    unit = split_header(conc_header)[1] if conc_header else None
    df.attrs.update(source=file, validated=True, conc_unit_header=(unit or "", conc_header))
    return df


def _run_table(source, file: str | None, sheet) -> tuple[pd.DataFrame, str, str]:
    """The run table as text, the name its problems give the file, and for a workbook
    what they say of its sheets (:func:`~kinetor.bioanalysis._tables.sheet_table`)."""
    return sheet_table(
        source,
        file,
        sheet,
        what="run",
        header_fix="give a header row and one row per injection",
        rows_fix="add one row per injection under the header",
    )


def _any_reported(problems: list[Problem], rows: np.ndarray, cols: tuple[str, ...]) -> np.ndarray:
    """Rows that already carry a problem in one of ``cols`` (to avoid saying it twice)."""
    hit = {p.row for p in problems if p.column in cols}
    return np.isin(rows, list(hit))


def _check_standards(
    df: pd.DataFrame, st: pd.Series, file: str, problems: list[Problem], min_levels: int
) -> None:
    std = df[(st == "standard") & (df["nominal_conc"] > 0)]
    keys = sorted(set(df.loc[st.isin(("standard", "qc")), "analyte"]))
    if not keys:
        keys = [""]
    for key in keys:
        sub = std[std["analyte"] == key] if key or len(keys) > 1 else std
        label = f" for analyte {key!r}" if key else ""
        n = int(sub["nominal_conc"].nunique())
        if n == 0:
            problems.append(
                Problem(
                    f"no calibration standards{label}",
                    file=file,
                    column="sample_type",
                    fix="add non-zero standards (sample_type 'standard')",
                )
            )
        elif n < min_levels:
            problems.append(
                Problem(
                    f"only {n} non-zero standard level(s){label}: a curve needs at least "
                    f"{min_levels} (ICH M10)",
                    file=file,
                    column="nominal_conc",
                    fix=f"run at least {min_levels} non-zero concentration levels",
                )
            )
