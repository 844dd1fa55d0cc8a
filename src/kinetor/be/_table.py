"""Reading the tables of ``kinetor.be`` (``be`` and ``dose_proportionality``).

Files are read as the study reader reads its text and .xlsx files; rows are numbered as a
spreadsheet counts them (header = row 1, after any leading ``#`` comment lines). An empty
file, a header without rows and text in a numeric column are ``DataError``s naming the file
(and row and column); an empty cell, or one holding only ``.`` (SAS's missing value, as in
the EMA/replicateBE data sets), stays a missing value in a numeric column; in a design
column (subject, period, sequence, treatment) it is a ``DataError``. Text that other
readers take for a missing value (``NA``, ``NaN``, ``null``...) is refused in a numeric or
design column (a ``DataError`` naming the cell): only an empty cell or ``.`` is missing.

A metric that the model fits exactly (its log values constant, or set by the design:
``visit = period + 1``, a dose column, a power of the dose) leaves no variance for a CI:
:func:`fitted_exactly` finds it, and ``be``/``dose_proportionality`` give it NaN results
with a note instead of a verdict.

The default metrics leave out the design columns (``DESIGN_COLUMNS``), subject ids
(``SUBJECT_NAMES``: USUBJID, SUBJID, ID, subject_id, animal, animal_id; any case, spaces
and underscores aside) and common covariate columns
(``COVARIATE_COLUMNS``: weight, age, dose...), one list for ``be`` and
``dose_proportionality``.
"""

from __future__ import annotations

import re
from numbers import Real
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.errors import DataError, ModelError, Problem

# design roles of a BE table (never metrics)
DESIGN_COLUMNS = ("subject", "period", "sequence", "treatment")
# columns of numbers that describe a subject or a study arm, not an exposure (never a
# default metric; --metric NAME still analyses one)
COVARIATE_COLUMNS = (
    *("dose", "weight", "wt", "bw", "body_weight", "height", "ht", "bmi", "bsa", "age"),
    *("sex", "gender", "race", "group", "cohort", "site", "centre", "center"),
)
#: names read as the subject column of ``dose_proportionality`` when none is named (any
#: case, spaces and underscores aside: ``SUBJECT ID`` is ``subject_id``); never default
#: metrics. Several present must group the rows alike (the first in this order is used)
SUBJECT_NAMES = ("subject", "usubjid", "subjid", "id", "subject_id", "animal", "animal_id")
_NOT_METRICS = frozenset(DESIGN_COLUMNS + COVARIATE_COLUMNS)


def _id_key(name) -> str:
    """A column name without case, spaces and underscores (``SUBJECT ID`` -> ``subjectid``)."""
    return re.sub(r"[\s_]+", "", str(name)).lower()


_SUBJECT_KEYS = tuple(dict.fromkeys(_id_key(n) for n in SUBJECT_NAMES))

__all__ = [
    "COVARIATE_COLUMNS",
    "DESIGN_COLUMNS",
    "SUBJECT_NAMES",
    "blank_cells",
    "check_level",
    "default_metrics",
    "exact_note",
    "fitted_exactly",
    "incomplete_subjects",
    "left_out_columns",
    "numeric_column",
    "read_table",
    "subject_column",
]


#: Residual RMS (log scale) at or below this fraction of max(1, max |log value|) is the
#: rounding of double-precision arithmetic (~1e-15): the model fits the values exactly.
#: Values written to 10 significant digits leave ~1e-10 and are analysed.
EXACT_RMS = 1e-12


def fitted_exactly(y: np.ndarray, X: np.ndarray) -> bool:
    """Whether least squares on the columns of ``X`` fits ``y`` (log values) exactly, up to
    rounding (``EXACT_RMS``): nothing is left to estimate a variance from.

    >>> X = np.column_stack([np.ones(4), [0, 1, 0, 1]])
    >>> fitted_exactly(np.log([2.0, 3, 2, 3]), X), fitted_exactly(np.log([2.0, 3, 2, 4]), X)
    (True, False)
    """
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    rms = float(np.sqrt(np.mean((y - X @ beta) ** 2)))
    return rms <= EXACT_RMS * max(1.0, float(np.max(np.abs(y))))


def exact_note(metric: str, by: list[str], what: str) -> str:
    """The note for a metric that the terms ``by`` fit exactly (:func:`fitted_exactly`)."""
    return (
        f"{metric}: log({metric}) is fitted exactly by {' + '.join(by)} (a constant, or a "
        "column set by the design, such as visit = period + 1 or a dose): no variance is "
        "left for a CI, "
        f"so its {what} and verdict are NaN; leave it out of the metrics"
    )


def check_level(alpha, limits) -> tuple[float, float]:
    """``alpha`` in (0, 0.5) and ``limits`` a pair (lower < 1 < upper, finite), else a
    ``ModelError`` saying so; returns the limits as floats."""
    if isinstance(alpha, bool) or not isinstance(alpha, Real) or not 0 < alpha < 0.5:
        raise ModelError(
            f"alpha={alpha!r}: the one-sided level must lie in (0, 0.5) (0.05 gives a 90 % CI)"
        )
    try:
        lo, hi = (float(v) for v in limits)
    except (TypeError, ValueError):
        lo = hi = np.nan
    if not (0 < lo < 1 < hi < np.inf):
        raise ModelError(
            f"limits={limits!r}: give (lower, upper) with 0 < lower < 1 < upper, e.g. (0.80, 1.25)"
        )
    return lo, hi


def read_table(data, source: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The table and each row's line in the file (blank and comment lines skipped; read by
    :func:`kinetor.data._user_table.read_user_table`: comma, semicolon or tab text in any
    encoding the study reader takes, or .xlsx; a folder, an old .xls or a file that is no
    workbook is a ``DataError``). Columns of numbers become numbers as pandas' read_csv
    makes them (whole numbers int, a missing cell NaN); cp1252 text and a delimiter other
    than the comma are said in ``df.attrs["notes"]``."""
    if isinstance(data, pd.DataFrame):
        df, notes = data.reset_index(drop=True), []
        file_rows = np.arange(2, len(df) + 2)  # as a spreadsheet of the frame counts
    else:
        from kinetor.data._user_table import numbers_where_numeric, read_user_table

        path = Path(data)
        if not path.exists():
            raise DataError(Problem(f"no file {path}", file=source, fix="check the path"))
        raw = read_user_table(
            path,
            empty=("empty file: no header and no rows", _ROWS_FIX),
            no_rows=("no data rows (only a header)", "add the data rows under the header"),
        )
        df = numbers_where_numeric(raw.frame, na=("", "."))
        file_rows, notes = np.asarray(raw.rows, dtype=int), list(raw.notes)
    if df.empty and len(df.columns) == 0:
        raise DataError(Problem("empty table: no header and no rows", file=source, fix=_ROWS_FIX))
    if len(df) == 0:
        raise DataError(
            Problem(
                "no data rows (only a header)",
                file=source,
                row=1,
                fix="add the data rows under the header",
            )
        )
    df = df.copy()
    df.attrs["notes"] = notes
    return df, file_rows


_ROWS_FIX = "give a header row and one row per observation"


def _missing(raw: pd.Series) -> pd.Series:
    """Empty cells: NaN, blank text or a lone ``.`` (SAS's missing value)."""
    return raw.isna() | raw.astype(str).str.strip().isin(("", "."))


def _text_cells(raw: pd.Series, values: pd.Series) -> np.ndarray:
    """Positions of cells holding text that is not a number (an empty cell is missing)."""
    return np.flatnonzero((~_missing(raw) & values.isna()).to_numpy())


def _na_text(raw: pd.Series) -> pd.Series:
    """Cells holding text such as ``NA`` or ``NaN`` (read as missing by pandas' read_csv;
    here refused: only an empty cell or ``.`` is missing)."""
    from kinetor.data._user_table import PANDAS_NA

    na = PANDAS_NA - {""}
    return raw.map(lambda v: isinstance(v, str) and v.strip() in na).astype(bool)


def blank_cells(df: pd.DataFrame, columns, source: str, file_rows: np.ndarray) -> None:
    """An empty cell (or ``.``, or text such as ``NA``) in one of the design ``columns``
    present is a ``DataError`` naming each: the row cannot be placed (pandas would
    otherwise group it apart or give it the first level's dummy coding)."""
    problems = [
        Problem(
            f"empty {c} cell"
            if _missing(df[c]).iloc[i]
            else f"{c} cell {df[c].iloc[i]!r} (a missing-value marker)",
            file=source,
            row=int(file_rows[i]),
            column=str(c),
            fix=f"fill in the {c} of this row, or remove the row",
        )
        for c in columns
        if c in df.columns
        for i in np.flatnonzero((_missing(df[c]) | _na_text(df[c])).to_numpy())
    ]
    if problems:
        raise DataError(problems)


def numeric_column(df: pd.DataFrame, column: str, source: str, file_rows: np.ndarray) -> pd.Series:
    """``df[column]`` as numbers; text (``NA`` and ``NaN`` included) or an infinite number
    in it is a ``DataError`` naming every such row."""
    raw = df[column]
    values = pd.to_numeric(raw, errors="coerce")
    bad = np.union1d(_text_cells(raw, values), np.flatnonzero(np.isinf(values.to_numpy(float))))
    na_text = _na_text(raw).to_numpy()
    if bad.size:
        raise DataError(
            [
                Problem(
                    f"{raw.iloc[i]!r} is not read as a missing value"
                    if na_text[i]
                    else "not a finite number: "
                    + (repr(raw.iloc[i]) if isinstance(raw.iloc[i], str) else f"{raw.iloc[i]}"),
                    file=source,
                    row=int(file_rows[i]),
                    column=str(column),
                    fix="leave the cell empty (or write '.') for a missing value"
                    if na_text[i]
                    else "write a plain number, or leave the cell empty for a missing value",
                )
                for i in bad
            ]
        )
    return values.astype(float)


def _numbers(col: pd.Series) -> bool:
    """A column holding numbers (one with a stray text cell too, so that it is reported)."""
    return pd.api.types.is_numeric_dtype(col) or pd.to_numeric(col, errors="coerce").notna().any()


def _not_metric(name) -> bool:
    key = str(name).strip().lower()
    return key in _NOT_METRICS or _id_key(name) in _SUBJECT_KEYS or key.startswith("log")


def default_metrics(df: pd.DataFrame, skip) -> list[str]:
    """Columns holding numbers, except ``skip``, the design and covariate columns
    (``DESIGN_COLUMNS``, ``COVARIATE_COLUMNS``, any case) and names starting with ``log``
    (a column of numbers with a stray text cell is kept, so that the cell is reported)."""
    return [c for c in df.columns if c not in skip and not _not_metric(c) and _numbers(df[c])]


def left_out_columns(df: pd.DataFrame, skip) -> list[str]:
    """The columns holding numbers that ``default_metrics`` leaves out, other than
    ``skip``: for a note saying so."""
    return [c for c in df.columns if c not in skip and _not_metric(c) and _numbers(df[c])]


def subject_column(df: pd.DataFrame, subject, source: str, notes: list | None = None) -> str | None:
    """The subject column of ``df``: ``subject`` as named (the column of that name, else the
    one equal to it in any case), a ``DataError`` listing the columns when there is none;
    ``subject`` None: the column named ``subject``, ``USUBJID``, ``SUBJID``, ``ID``,
    ``subject_id``, ``animal`` or ``animal_id`` (``SUBJECT_NAMES``; any case, spaces and
    underscores aside), or None when there is none. Several such columns must group the
    rows alike (then the first in that order is used, said in ``notes``); columns that
    group them differently (site-local numbers beside USUBJID) are a ``DataError`` naming
    them: name one with ``--subject``.

    >>> subject_column(pd.DataFrame(columns=["USUBJID", "dose"]), None, "x.csv")
    'USUBJID'
    """

    def key(c) -> str:
        return str(c).strip().lower()

    if subject is None:
        found = [c for k in _SUBJECT_KEYS for c in df.columns if _id_key(c) == k]
        if len(found) > 1:
            ids = df[found].astype(str)
            n_groups = len(ids.drop_duplicates())
            counts = {c: int(ids[c].nunique()) for c in found}
            if any(n != n_groups for n in counts.values()):
                shown = ", ".join(f"{c!r} ({n} subjects)" for c, n in counts.items())
                raise DataError(
                    Problem(
                        f"columns {shown} could each be the subject column but group the "
                        f"rows differently ({n_groups} subjects when taken together)",
                        file=source,
                        column=", ".join(map(str, found)),
                        fix="name the subject column with --subject NAME (subject= in "
                        "Python), e.g. the study-wide id such as USUBJID",
                    )
                )
            if notes is not None:
                notes.append(
                    f"columns {', '.join(map(repr, found))} group the rows alike: "
                    f"{found[0]!r} read as the subject column"
                )
        return found[0] if found else None
    if subject in df.columns:
        return subject
    found = [c for c in df.columns if key(c) == key(subject)]
    if len(found) == 1:
        return found[0]
    raise DataError(
        Problem(
            f"no subject column {subject!r}"
            if not found
            else f"subject column {subject!r} matches {found} (case aside)",
            file=source,
            column=str(subject),
            fix="name the subject column exactly with --subject NAME (subject= in Python), "
            "or leave it out to use a column named subject, USUBJID, SUBJID, ID, subject_id, "
            f"animal or animal_id; columns present: {list(df.columns)}",
        )
    )


def incomplete_subjects(d: pd.DataFrame, metric: str, test: str, reference: str, periods) -> list:
    """A note per subject of a crossover or replicate design with rows of one treatment
    only in ``d`` (the rows of the other are absent): what the all-fixed-effects ANOVA does
    with it. One value is fitted exactly by its subject effect, so it changes neither the
    ratio, its CI nor the df, exactly as if the subject were left out; several values of one
    treatment stay in the within-subject variance and the period effects."""
    notes = []
    for subj, g in d.groupby("subject", sort=False):
        have = set(g["treatment"])
        if {test, reference} <= have:
            continue
        lacking, given = (test, reference) if test not in have else (reference, test)
        gone = [str(p) for p in periods if p not in set(g["period"])]
        where = f" (no row for period {', '.join(gone)})" if gone else ""
        effect = (
            f"its one {given} value is fitted exactly by its subject effect and changes "
            "neither the ratio, its CI nor the df: it is left out in effect (n_subjects "
            "counts it)"
            if len(g) == 1
            else f"its {len(g)} {given} values stay in the ANOVA (within-subject variance, "
            f"period effects) without a {test}-{reference} contrast of their own"
        )
        notes.append(f"{metric}: subject {subj} has no {lacking} row{where}: {effect}")
    return notes
