"""The biomarker table of :func:`kinetor.pd.fit_pd`: column names, header units, checks.

Column names are read as the exposure reader reads them (any case, a unit in brackets
after the name): ``animal`` (or ``subject``), ``time`` (or ``day``, in days), ``conc`` (or
``concentration``), ``value`` (or ``response``), ``lloq``, ``group``. The units of the
headers (``time (min)``, ``conc (nM)``, ``value (%)``) name the fitted parameters' units and
convert the exposure's times to the data's. A value that is not a number, or a missing
value without an LLOQ (a BLQ value is censored: give its ``lloq``), is a DataError naming
the row and column; exact repeats of a row are fitted, with a note.

Examples
--------
>>> import pandas as pd
>>> df, notes = prepare_biomarker(
...     pd.DataFrame({"Subject": ["a"], "Conc (nM)": [1.0], "Response": [2.0]}), "emax"
... )
>>> list(df.columns), df.attrs["kinetor_units"]
(['animal', 'conc', 'value'], {'conc': 'nM'})
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem
from kinetor.pd._checks import raw_text
from kinetor.pd._exposure import _column, _unit_problem

__all__ = ["DIRECT_MODELS", "biomarker_columns", "prepare_biomarker"]

DIRECT_MODELS = ("emax", "sigmoid_emax", "imax")
_NAMES = {
    "animal": ("animal", "subject"),
    "time": ("time", "day", "days"),
    "conc": ("conc", "concentration"),
    "value": ("value", "response"),
    "lloq": ("lloq",),
    "group": ("group",),
}


def biomarker_columns(data) -> pd.DataFrame:
    """``data`` with its columns renamed to the canonical names (see the module) and the
    units of their headers in ``attrs["kinetor_units"]`` (``time``, ``conc``, ``value``);
    a header unit that is not a time (``time``) or a concentration (``conc``) is a
    DataError."""
    from kinetor.data.aliases import normalise_name, split_header

    attrs = dict(getattr(data, "attrs", {}))
    df = pd.DataFrame(data).reset_index(drop=True)
    file = attrs.get("kinetor_file")
    units = dict(attrs.get("kinetor_units", {}))
    rename, problems = {}, []
    for name, aliases in _NAMES.items():
        col = _column(df, aliases, file)
        if col is None or col in rename:
            continue
        unit = split_header(str(col))[1]
        if name == "time" and unit is None and normalise_name(str(col)) in ("day", "days"):
            unit = "day"
        kind = {"time": "time", "conc": "concentration"}.get(name)
        bad = None if unit is None or kind is None else _unit_problem(unit, kind, file, 1, col)
        if bad is not None:
            problems.append(bad)
        if unit is not None and name in ("time", "conc", "value"):
            units[name] = unit
        rename[col] = name
    if problems:
        raise DataError(problems)
    df = df.rename(columns=rename)
    attrs["kinetor_units"] = units
    df.attrs = attrs
    return df


def prepare_biomarker(data, model: str, lloq=None) -> tuple[pd.DataFrame, list[str]]:
    """The biomarker table of ``model`` (canonical columns, ``animal`` added when absent)
    and notes; missing columns, an empty table and bad values are DataErrors."""
    df = biomarker_columns(data)
    file = df.attrs.get("kinetor_file")
    if "animal" not in df.columns:
        df["animal"] = "1"
    direct = model in DIRECT_MODELS
    need = ["value"] + (["conc"] if direct else ["time"])
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataError([Problem(f"no '{c}' column", file, 1, c) for c in missing])
    if df.empty:
        raise DataError(Problem("the data have no rows", file, fix="give one row per observation"))
    rows = df["source_row"].to_numpy() if "source_row" in df.columns else None
    problems: list[Problem] = _time_problems(df, rows, file) if "time" in df.columns else []
    problems += _value_problems(df, rows, file, lloq)
    if problems:
        problems.sort(key=lambda p: p.row or 0)
        raise DataError(problems)
    df["value"] = pd.to_numeric(df["value"], errors="coerce").astype(float)
    return df, _repeat_notes(df, rows)


def _where(rows, i: int) -> tuple[int | None, str]:
    """The file's row of position ``i`` (None: a DataFrame without one, said instead)."""
    if rows is None:
        return None, f" (row {i + 1} of the table)"
    return int(rows[i]), ""


def _time_problems(df: pd.DataFrame, rows, file) -> list[Problem]:
    num = pd.to_numeric(df["time"], errors="coerce").to_numpy(float)
    out = []
    for i in np.flatnonzero(~np.isfinite(num)):
        row, where = _where(rows, int(i))
        msg = f"time is not a finite number: {raw_text(df['time'].iloc[i])}{where}"
        out.append(Problem(msg, file, row, "time", "give the time of every row as a number"))
    return out


def _value_problems(df: pd.DataFrame, rows, file, lloq) -> list[Problem]:
    """Values that are text, infinite, or missing without an LLOQ (a BLQ value)."""
    raw = df["value"]
    num = pd.to_numeric(raw, errors="coerce").to_numpy(float)
    if lloq is None and "lloq" in df.columns:
        lq = pd.to_numeric(df["lloq"], errors="coerce").to_numpy(float)
    else:
        lq = np.broadcast_to(np.nan if lloq is None else np.asarray(lloq, float), num.shape)
    text_blank = raw.map(lambda v: isinstance(v, str) and not v.strip()).astype(bool)
    blank = (raw.isna() | text_blank).to_numpy(bool)
    out = []
    for i in np.flatnonzero(~np.isfinite(num)):
        row, where = _where(rows, int(i))
        if blank[i]:
            if np.isfinite(lq[i]):
                continue  # a BLQ value: censored at its LLOQ
            msg = f"value is missing{where}"
            fix = (
                "give the value; a value below the limit of quantification is censored: give "
                "its lloq (an lloq column, lloq=..., --lloq), or remove the row"
            )
        else:
            msg = f"value is not a finite number: {raw_text(raw.iloc[i])}{where}"
            fix = (
                "write a plain number (no units, a decimal point); for a value below the "
                "limit of quantification leave it empty and give its lloq"
            )
        out.append(Problem(msg, file, row, "value", fix))
    return out


def _repeat_notes(df: pd.DataFrame, rows) -> list[str]:
    """A note for rows that repeat an earlier row exactly (each is fitted)."""
    cols = [c for c in df.columns if c != "source_row"]
    dup = df[cols].duplicated(keep="first").to_numpy(bool)
    if not dup.any():
        return []
    idx = np.flatnonzero(dup)
    where = (
        ", ".join(str(int(rows[i])) for i in idx[:10])
        if rows is not None
        else ", ".join(str(i + 1) for i in idx[:10]) + " of the table"
    ) + (" ..." if idx.size > 10 else "")
    return [
        f"{idx.size} data row(s) repeat an earlier row exactly (rows {where}): each is fitted "
        "as a separate observation, which weighs that observation twice; remove the rows "
        "written twice by mistake"
    ]
