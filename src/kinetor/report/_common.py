"""Shared helpers of the report package: number formatting, figures, input normalisation.

matplotlib is imported inside the functions that draw, never at module level, so that
``import kinetor.report`` stays light. Figures come from :func:`kinetor._figures.new_figure`
(re-exported here with the house colours, markers and dose marks): plain
``matplotlib.figure.Figure`` objects, not registered with pyplot, so a report that draws
hundreds of them keeps no global state and needs no ``plt.close``.

Examples
--------
>>> format_sig(1234.5), format_sig(0.012345), format_sig(2.0), format_sig(float("nan"))
('1230', '0.0123', '2.00', '')
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from kinetor._figures import MARKERS, colours, mark_doses, new_figure
from kinetor.numerics.formatting import format_sig, natural_key

# the figure factory, colours, markers and dose marks live in kinetor._figures
__all__ = ["MARKERS", "colours", "format_sig", "mark_doses", "natural_key", "new_figure"]

# Long-table columns that are not grouping levels.
PARAM_CORE = (
    "subject",
    "start",
    "end",
    "PPTESTCD",
    "PPTEST",
    "value",
    "unit",
    "exclude",
    "analyte",
    "matrix",
    "PPORRES",
    "PPORRESU",
    "PPSTRESN",
    "PPSTRESU",
    "flag",
    "phoenix",
    "pknca",
)


TimeCol = Literal["time", "nominal_time"]


def sample_masks(df: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Masks of a concentration table: measured and included, BLQ, measured but excluded."""
    excluded = df["exclude"].astype(str) != ""
    blq = df["blq"].astype(bool)
    measured = ~blq & df["conc"].notna()
    return measured & ~excluded, blq, measured & excluded


def _choose(conc: pd.DataFrame, column: str, value: str | None, source: str) -> str:
    values = sorted(conc[column].dropna().astype(str).unique().tolist())
    if value is not None:
        return value
    if len(values) > 1:
        from kinetor.errors import DataError, Problem

        raise DataError(
            [
                Problem(
                    f"the study has {len(values)} values of {column} {values}",
                    file=source,
                    column=column,
                    fix=f"pass {column}=... to choose one",
                )
            ]
        )
    return values[0] if values else ""


def study_frame(study, analyte: str | None, matrix: str | None = None) -> tuple[pd.DataFrame, str]:
    """Concentrations of one analyte (and matrix) joined with subjects, plus ``group_label``.

    ``analyte=None`` (``matrix=None``) is allowed when the study holds a single analyte
    (matrix); otherwise a ``DataError`` asks for one, so that plasma and tumour samples are
    never drawn as one profile.
    """
    conc = study.conc_with_subjects()
    analyte = _choose(conc, "analyte", analyte, study.source)
    conc = conc[conc["analyte"] == analyte]
    matrix = _choose(conc, "matrix", matrix, study.source)
    conc = conc[conc["matrix"] == matrix].copy()
    conc["group_label"] = group_labels(conc, study.groups)
    return conc, analyte


def group_labels(df: pd.DataFrame, groups: list[str]) -> pd.Series:
    """One text label per row from the group columns (``"all"`` when there are none)."""
    cols = [g for g in groups if g in df.columns]
    if not cols:
        return pd.Series("all", index=df.index, dtype="object")
    parts = df[cols].astype("string").fillna("")
    label = parts.iloc[:, 0].astype(str)
    for c in cols[1:]:
        label = label + " / " + parts[c].astype(str)
    return label.where(label.str.strip(" /") != "", "all").astype("object")


def plot_time(df: pd.DataFrame, which: str) -> tuple[np.ndarray, bool]:
    """Times to plot: ``which`` column, falling back to the other one row by row.

    Returns the times and whether any fallback was needed.
    """
    other = "nominal_time" if which == "time" else "time"
    t = df[which].to_numpy(dtype=float)
    missing = np.isnan(t)
    if missing.any():
        t = np.where(missing, df[other].to_numpy(dtype=float), t)
    return t, bool(missing.any() and (~np.isnan(t[missing])).any())


def time_label(study, which: str, fallback: bool = False) -> str:
    unit = study.units.get("time", "")
    name = "Nominal time" if which == "nominal_time" else "Time"
    note = " (actual where nominal missing)" if fallback and which == "nominal_time" else ""
    return f"{name} ({unit}){note}"


def conc_label(study, analyte: str) -> str:
    """Axis label; the readers' placeholder analyte name ("ANALYTE") is not shown."""
    unit = study.units.get("conc", "")
    shown = analyte and str(analyte) != "ANALYTE"
    return f"{analyte} concentration ({unit})" if shown else f"Concentration ({unit})"


def positive_ylim(ax, values) -> None:
    """Give a log axis finite limits even when nothing positive was drawn."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size == 0:
        ax.set_ylim(0.1, 10)


def param_frame(parameters) -> pd.DataFrame:
    """Normalise an NCA long table (or an object with ``.parameters``).

    Accepts ``interval_start``/``interval_end`` for ``start``/``end``, fills ``unit`` and
    ``exclude`` when absent and makes ``subject`` a string.
    """
    df = getattr(parameters, "parameters", parameters)
    if not isinstance(df, pd.DataFrame):
        raise TypeError("parameters must be a DataFrame or have a .parameters DataFrame")
    df = df.rename(columns={"interval_start": "start", "interval_end": "end"}).copy()
    for col in df.columns:  # kinetor.nca stores strings as Categoricals
        if isinstance(df[col].dtype, pd.CategoricalDtype):
            df[col] = df[col].astype(object)
    missing = [c for c in ("PPTESTCD", "value") if c not in df.columns]
    if missing:
        from kinetor.errors import DataError, Problem

        raise DataError(
            [
                Problem(
                    f"the NCA parameter table has no '{c}' column",
                    column=c,
                    fix="pass the long table (subject, start, end, PPTESTCD, value, unit, exclude)",
                )
                for c in missing
            ]
        )
    for col, default in (("unit", ""), ("exclude", ""), ("start", 0.0), ("end", np.inf)):
        if col not in df.columns:
            df[col] = default
    df["unit"] = df["unit"].astype("string").fillna("").astype(object)
    df["exclude"] = df["exclude"].astype("string").fillna("").astype(object)
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype(float)
    df["PPTESTCD"] = df["PPTESTCD"].astype(str)
    if "subject" in df.columns:
        df["subject"] = df["subject"].astype(str)
    return df


def param_groups(df: pd.DataFrame) -> list[str]:
    """Grouping columns of a long parameter table: everything that is not a core column."""
    return [c for c in df.columns if c not in PARAM_CORE and not c.startswith("_")]
