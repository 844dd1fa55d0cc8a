"""Tidy tumour-volume (and body-weight) tables: reading, validation, caliper volume, summary.

The canonical table has one row per animal and measurement day:

=========  =======  ===========================================================
column     dtype    meaning
=========  =======  ===========================================================
animal     str      animal id (unique across groups)
group      str      treatment group (e.g. ``Vehicle``)
day        float    study day (treatment start is usually day 0)
volume     float    tumour volume, mm^3 (a unit column converts); blank, NM = not measured
=========  =======  ===========================================================

Column names go through an alias table (``VOLUME_ALIASES``: ``Animal ID``, ``Mouse``,
``Treatment``, ``Study day``, ``Tumor Volume (mm3)``, ``TV``...) as the study reader's
do; a wide layout with one column per day (``Day 0``, ``D7``, ``14``) is melted to one
row per animal and day. ``NM``, ``N/M``, ``NA``, ``-`` and blanks mean "not measured":
left out, and named in a note (``attrs["kinetor_notes"]``).

Instead of ``volume`` a table may carry caliper ``length`` and ``width``; the volume is
then :math:`V = L W^2 / 2` (:func:`caliper_volume`). A body-weight column (``weight``) may
sit beside them. Every problem in the table is reported at once as a ``DataError`` with
file, row and column.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"animal": ["a", "a"], "group": "Vehicle", "day": [0, 7],
...                    "length": [10.0, 12.0], "width": [8.0, 9.0]})
>>> read_volumes(df)["volume"].tolist()
[320.0, 486.0]
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem
from kinetor.pd._caliper import caliper_volume, swapped_note

__all__ = ["caliper_volume", "ensure_volumes", "read_volumes", "volume_summary"]


# column aliases (compared after kinetor.data.aliases.normalise_name: lower case, a unit
# in brackets removed), as the study reader's alias table
VOLUME_ALIASES: dict[str, tuple[str, ...]] = {
    "animal": (
        *("animal", "animal_id", "animalid", "animal_no", "mouse", "mouse_id", "rat", "rat_id"),
        *("subject", "subject_id", "id", "tag", "ear_tag"),
    ),
    "group": ("group", "grp", "treatment", "treatment_group", "arm", "cohort", "dose_group"),
    "day": ("day", "days", "study_day", "day_of_study", "time_day", "dosing_day"),
    "volume": ("volume", "tumor_volume", "tumour_volume", "tv", "tumor_vol", "tumour_vol", "vol"),
    "length": ("length", "long_diameter", "diameter_long", "l"),
    "width": ("width", "short_diameter", "diameter_short", "w"),
    "weight": ("weight", "body_weight", "bodyweight", "bw"),
}
# cells that mean "not measured" (blank); ND (not detected) is not one of them
_NOT_MEASURED = ["", "nm", "n/m", "not measured", "na", "n/a", "-", "--", "."]
_EMPTY_FILE = (
    "the file is empty",
    "write a header row (animal, group, day, volume) and one row per measurement",
)
_DAY_HEADER = re.compile(r"^(?:day|d)?_?(\d+(?:\.\d+)?)$")


def _apply_aliases(df: pd.DataFrame, value: str = "volume") -> tuple[pd.DataFrame, str | None]:
    """The columns renamed to their roles, and the unit in ``value``'s header (``(mm3)``)."""
    from kinetor.data.aliases import normalise_name, split_header

    norm = {c: normalise_name(c) for c in df.columns}
    rename: dict[str, str] = {}
    for role, names in VOLUME_ALIASES.items():
        if role in df.columns:
            continue
        for alias in names:
            hit = [c for c in df.columns if norm[c] == alias and c not in rename]
            if hit:
                rename[hit[0]] = role
                break
    own = next((c for c, r in rename.items() if r == value), None)
    return df.rename(columns=rename), (split_header(own)[1] if own else None)


def _melt_wide(df: pd.DataFrame, value: str) -> pd.DataFrame:
    """A wide layout (one column per day: ``Day 0``, ``D7``, ``14``) to one row per animal
    and day."""
    from kinetor.data.aliases import normalise_name

    if "day" in df.columns or value in df.columns:
        return df
    days = {}
    for c in df.columns:
        m = _DAY_HEADER.match(normalise_name(c))
        if m:
            days[c] = float(m.group(1))
    if len(days) < 2:
        return df
    ids = [c for c in df.columns if c not in days]
    long = df.melt(id_vars=ids, value_vars=list(days), var_name="_col", value_name=value)
    long["day"] = long["_col"].map(days).map("{:g}".format)
    return long.drop(columns="_col")


def _numeric(
    df: pd.DataFrame,
    col: str,
    file: str,
    problems: list[Problem],
    allow_blank: bool,
    minimum: float | None,
) -> pd.Series:
    raw = df[col]
    rows = df["source_row"].to_numpy()
    text = raw.astype("string").str.strip().str.lower()
    not_measured = text.isin(_NOT_MEASURED).fillna(False).to_numpy(bool)
    raw = raw.where(~not_measured, "")
    num = pd.to_numeric(raw, errors="coerce").astype(float)
    blank = raw.isna() | raw.astype("string").str.strip().eq("").fillna(True)
    found = [
        (i, f"not a number: {raw.iloc[i]!r}", "write a plain number (no units in the cell)")
        for i in np.flatnonzero((num.isna() & ~blank).to_numpy())
    ]
    if not allow_blank:
        found += [(i, "empty value", f"every row needs a {col}") for i in np.flatnonzero(blank)]
    if minimum is not None:
        found += [
            (i, f"{col} {num.iloc[i]} is below {minimum}", f"{col} must be >= {minimum}")
            for i in np.flatnonzero((num < minimum).to_numpy())
        ]
    found += [
        (i, f"{col} is infinite", "write a finite number")
        for i in np.flatnonzero(np.isinf(num.to_numpy()))
    ]
    problems += [Problem(msg, file, int(rows[i]), col, fix) for i, msg, fix in found]
    return num


def read_volumes(
    data, value: str = "volume", file: str | None = None, unit: str | None = None
) -> pd.DataFrame:
    """Read and validate a tidy tumour-volume (or body-weight) table.

    Parameters
    ----------
    data : DataFrame or path
        Table with ``animal, group, day`` and ``value`` (or ``length`` and ``width`` when
        ``value="volume"``). CSV (comma, semicolon or tab; any encoding the study reader
        takes) and .xlsx files are read.
    value : str
        The measurement column (``"volume"``, ``"weight"``...).
    file : str, optional
        File name used in error messages (default: the path, or ``"<DataFrame>"``).
    unit : str, optional
        Unit of volumes whose unit the table does not give (default mm^3).

    Returns
    -------
    DataFrame
        ``animal, group, day, <value>`` (+ any other columns), sorted by group, animal,
        day; ``animal``/``group`` as strings; volumes in mm^3; rows keep ``source_row``
        (the file's row, header = row 1). ``attrs["kinetor_notes"]``: the notes (units
        converted, values not measured).

    Volumes are converted to mm^3 from the unit of their row's ``unit`` cell (columns
    ``unit``, ``volume_unit``...; a blank cell takes the next source), else the header's
    (``Volume (mL)``), else ``unit``; caliper diameters from the ``unit`` cell to mm.

    Raises
    ------
    DataError
        Listing every missing column, non-numeric or negative value, unit that is not a
        volume (or length), animal in two groups and duplicated (animal, day).
    """
    from kinetor.data._user_table import read_user_table

    notes: list[str] = []
    if isinstance(data, str | Path):
        raw = read_user_table(Path(data), empty=_EMPTY_FILE)
        df, rows, notes = raw.frame.copy(), raw.rows, list(raw.notes)
        file = file or raw.file
    else:
        df = pd.DataFrame(data).copy()
        file, rows = file or "<DataFrame>", np.arange(2, len(df) + 2)
    if df.empty:
        raise DataError(
            Problem(
                "the table has a header row but no data rows",
                file,
                1,
                fix="add one row per animal and day under the header",
            )
        )
    df = df.reset_index(drop=True)
    df.columns = [str(c).strip() for c in df.columns]
    df["source_row"] = rows
    df, header_unit = _apply_aliases(df, value)
    if unit is not None and header_unit:
        _same_unit(unit, header_unit, file, value)
    df = _melt_wide(df, value)
    need = ["animal", "group", "day"]
    if value == "volume" and "volume" not in df.columns and {"length", "width"} <= set(df.columns):
        problems: list[Problem] = []
        ln = _numeric(df, "length", file, problems, allow_blank=True, minimum=0.0)
        wd = _numeric(df, "width", file, problems, allow_blank=True, minimum=0.0)
        if problems:
            raise DataError(problems)
        mm, more = _unit_factors(df, "mm", None, file)
        more += swapped_note(ln, wd, df["source_row"], file)
        df["volume"], notes = caliper_volume(ln * mm, wd * mm), [*notes, *more]
    elif value == "volume" and "volume" in df.columns:
        if not (header_unit or unit or _has_unit_column(df)):
            notes.append(
                f"{file}: no volume unit given (header such as 'Volume (mm3)', a unit column "
                "or --volume-unit): volumes read as mm^3"
            )
        header_unit = header_unit or unit or "mm^3"
    missing = [c for c in [*need, value] if c not in df.columns]
    if missing:
        raise DataError(
            [
                Problem(
                    f"no '{c}' column",
                    file,
                    1,
                    c,
                    _missing_fix(df, c),
                )
                for c in missing
            ]
        )
    problems = []
    for col in ("animal", "group"):
        blank = df[col].isna() | df[col].astype("string").str.strip().eq("").fillna(True)
        for r in df["source_row"][blank.to_numpy()]:
            problems.append(Problem("empty value", file, int(r), col, f"every row needs {col}"))
    day = _numeric(df, "day", file, problems, allow_blank=False, minimum=None)
    val = _numeric(df, value, file, problems, allow_blank=True, minimum=0.0)
    df["animal"] = df["animal"].astype("string").str.strip()
    df["group"] = df["group"].astype("string").str.strip()
    problems += _group_and_day_problems(df, day, file)
    if problems:
        raise DataError(problems)
    if value == "volume" and header_unit:  # not a caliper table
        factor, more = _unit_factors(df, "mm^3", header_unit, file)
        val, notes = val * factor, [*notes, *more]
    df["day"] = day
    df[value] = val
    notes += _not_measured(df, value, file)
    out = df.sort_values(["group", "animal", "day"], kind="stable").reset_index(drop=True)
    out.attrs["kinetor_volumes"] = value
    out.attrs["kinetor_notes"] = notes
    out.attrs["kinetor_file"] = file
    return out


def _same_unit(unit: str, header_unit: str, file: str, value: str) -> None:
    """A DataError when ``unit`` (CLI ``--volume-unit``) is not the unit the header gives:
    the header's unit is used, so the option would be ignored without a word."""
    from kinetor.data._user_table import unit_factor
    from kinetor.errors import UnitError

    try:
        a, b = unit_factor(unit, "mm^3"), unit_factor(header_unit, "mm^3")
        same = abs(a / b - 1.0) < 1e-9
    except UnitError:
        same = False
    if not same:
        raise DataError(
            Problem(
                f"the header gives the {value} unit {header_unit!r} but unit={unit!r} "
                "(--volume-unit) says otherwise",
                file,
                1,
                value,
                f"leave out --volume-unit (unit=): it is for files that give no unit; or "
                f"correct the header if the volumes are in {unit}",
            )
        )


_UNIT_COLUMNS = ("unit", "units", "volume_unit", "vol_unit", "tv_unit", "tumor_volume_unit")


def _has_unit_column(df: pd.DataFrame) -> bool:
    from kinetor.data.aliases import normalise_name

    return any(normalise_name(c) in _UNIT_COLUMNS for c in df.columns)


def _unit_factors(df: pd.DataFrame, target: str, default: str | None, file: str):
    """Per row, the factor to ``target`` from the row's unit cell (else ``default``)."""
    from kinetor.data._user_table import unit_factors
    from kinetor.data.aliases import normalise_name

    col = next((c for c in df.columns if normalise_name(c) in _UNIT_COLUMNS), None)
    if col is None and default in (None, target):
        return np.ones(len(df)), []
    cells = df[col].fillna("").astype(str).to_numpy() if col else np.full(len(df), "")
    return unit_factors(
        cells,
        df["source_row"].to_numpy(),
        target,
        default=default or target,
        file=file,
        column=col or ("volume" if target == "mm^3" else "length"),
    )


def _group_and_day_problems(df: pd.DataFrame, day: pd.Series, file: str) -> list[Problem]:
    """An animal in several groups (its first row named), a second row for an animal and
    day (both rows named)."""
    rows = df["source_row"].to_numpy()
    problems = []
    per_animal = df.groupby("animal")["group"].nunique()
    for a in per_animal.index[per_animal > 1]:
        at = np.flatnonzero((df["animal"] == a).to_numpy())
        msg = f"animal {a!r} is in several groups: {sorted(df['group'][at].unique())}"
        problems.append(Problem(msg, file, int(rows[at[0]]), "group", "one group per animal"))
    key = df.assign(_day=day)[["animal", "_day"]]
    by = [key["animal"], key["_day"]]
    first = pd.Series(np.arange(len(df))).groupby(by, dropna=False).transform("first").to_numpy()
    for i in np.flatnonzero(key.duplicated(keep="first").to_numpy() & day.notna().to_numpy()):
        msg = f"animal {df['animal'][i]!r} has two rows for day {day[i]:g} (rows "
        msg += f"{int(rows[first[i]])} and {int(rows[i])})"
        fix = "keep one measurement per animal and day"
        problems.append(Problem(msg, file, int(rows[i]), "day", fix))
    return problems


def _missing_fix(df: pd.DataFrame, c: str) -> str:
    """The fix for a missing column; a time column (``time (h)``) is not taken as days."""
    if c != "day":
        return f"add a '{c}' column" + (" (or length and width)" if c == "volume" else "")
    from kinetor.data.aliases import normalise_name, split_header

    heads = {c: split_header(str(c)) for c in df.columns}
    timed = [c for c, (n, _) in heads.items() if normalise_name(n) in ("time", "hours", "hour")]
    if not timed:
        return "add a 'day' column (study day, treatment start usually day 0)"
    name, unit = heads[timed[0]]
    hours = (unit or name).strip().lower() in ("h", "hr", "hrs", "hour", "hours")
    return (
        f"give study days in a 'day' column: '{timed[0]}' is not read as days; convert it "
        f"({'day = hours/24' if hours else 'to days'}) and name the column 'day'"
    )


def _not_measured(df: pd.DataFrame, value: str, file: str) -> list[str]:
    """The note naming the values not measured (blank, NM...): left out, never silently."""
    nm = np.flatnonzero(df[value].isna().to_numpy())
    if not nm.size:
        return []
    where = [f"row {int(df['source_row'][i])} day {df['day'][i]:g}" for i in nm[:8]]
    return [
        f"{file}: {nm.size} {value}(s) not measured (blank, NM, NA or '-'; "
        f"{', '.join(where)}{', ...' if nm.size > 8 else ''}): left out of the summaries, "
        "metrics and fits (n counts the measured animals)"
    ]


def ensure_volumes(data, value: str = "volume") -> pd.DataFrame:
    """``data`` as returned by :func:`read_volumes` (read and validated unless it already is)."""
    if (
        isinstance(data, pd.DataFrame)
        and "source_row" in data.columns
        and data.attrs.get("kinetor_volumes") == value
    ):
        return data
    return read_volumes(data, value=value)


def volume_summary(data, value: str = "volume") -> pd.DataFrame:
    """Per group and day: n, mean, SD, SEM, geometric mean, median of ``value``.

    The geometric mean is NaN (not -inf) when a volume is 0.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"animal": ["a", "b"], "group": "G", "day": 0,
    ...                    "volume": [100.0, 400.0]})
    >>> volume_summary(df)[["n", "mean", "geo_mean"]].to_numpy().tolist()
    [[2.0, 250.0, 200.0]]
    """
    df = ensure_volumes(data, value)
    df = df[df[value].notna()]
    g = df.groupby(["group", "day"], sort=True)[value]
    out = g.agg(n="count", mean="mean", sd="std", median="median").reset_index()
    out["sem"] = out["sd"] / np.sqrt(out["n"])
    logs = np.log(df[value].where(df[value] > 0))
    out["geo_mean"] = np.exp(logs.groupby([df["group"], df["day"]]).mean()).to_numpy()
    has_zero = (df[value] <= 0).groupby([df["group"], df["day"]]).any().to_numpy()
    out.loc[has_zero, "geo_mean"] = np.nan
    out["n"] = out["n"].astype(float)
    return out[["group", "day", "n", "mean", "sd", "sem", "geo_mean", "median"]]
