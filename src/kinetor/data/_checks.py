"""Checks of what a caller hands to the data layer: ``read_study``'s arguments, the
tables a ``Study`` is built from, and "is this a Study?" for the analyses.

Every check raises ``DataError`` naming the argument, row and column and the fix, never
the ``TypeError``/``ValueError``/``AttributeError`` of the code that would have failed
later. What is left out or unused (a sample without a value, a dose of a subject without
samples) is said in ``Study.notes``.

Examples
--------
>>> import pandas as pd
>>> try:
...     require_study(pd.DataFrame({"conc": [1.0]}), "nca")
... except DataError as e:
...     print(e.problems[0].message)
nca needs a kinetor Study, not a DataFrame
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = [
    "UNIT_KEYS",
    "check_call",
    "check_tables",
    "numeric_column",
    "require_study",
    "study_notes",
    "subject_seed",
]

# the units read_study takes: time, conc, dose (every study), body weight, urine volume
UNIT_KEYS = ("time", "conc", "dose", "weight", "volume")


# a reader's factorization of the conc subject ids, for the Study it is building
_SEED: ContextVar[tuple | None] = ContextVar("kinetor_subject_seed", default=None)


@contextmanager
def subject_seed(seed: tuple | None) -> Iterator[None]:
    """Hand ``seed`` (``(values, factorize(values))`` of the conc subject ids, as the
    reader computed them) to the ``Study`` built inside: its checks use it instead of
    hashing the ids again."""
    token = _SEED.set(seed)
    try:
        yield
    finally:
        _SEED.reset(token)


def require_study(obj, verb: str) -> None:
    """Raise ``DataError`` unless ``obj`` is a ``Study`` (``verb``: the function's name)."""
    from kinetor.data.study import Study

    if isinstance(obj, Study):
        return
    how = (
        f"kt.read_study({obj!r}) reads the file"
        if isinstance(obj, str | os.PathLike)
        else "kt.read_study(table, units={'time': 'h', 'conc': 'ng/mL', 'dose': 'mg/kg'}) "
        "reads a table, Study(conc, doses, units=...) builds one from canonical tables"
    )
    raise DataError(
        Problem(
            f"{verb} needs a kinetor Study, not a {type(obj).__name__}",
            fix=f"{how}; then {verb}(study, ...)",
        )
    )


def check_call(source, roles, sheet, units, doses=None) -> None:
    """``read_study``'s arguments: a readable source, known role names and unit keys, and
    a sheet for Excel files only: a typo or a misplaced option is an error, never
    silently ignored."""
    from pathlib import Path

    from kinetor.data._text import _EXCEL
    from kinetor.data.aliases import ALIASES

    sources = (str, os.PathLike, pd.DataFrame, dict, list, tuple)
    problems = [
        Problem(
            f"read_study cannot read a {type(value).__name__} ({what}={value!r:.60})",
            fix="give a file or folder path, a DataFrame, or (CDISC) a dict/list of files",
        )
        for what, value, ok in (
            ("source", source, sources),
            ("doses", doses, (str, os.PathLike, pd.DataFrame, type(None))),
        )
        if not isinstance(value, ok)
    ]
    if not isinstance(roles, Mapping | None) or not isinstance(units, Mapping | None):
        problems.append(
            Problem(
                "roles= and units= are dicts",
                fix="e.g. roles={'subject': 'Animal'}, units={'time': 'h', 'conc': 'ng/mL'}",
            )
        )
        raise DataError(problems)
    problems += [
        Problem(
            f"unknown role {role!r} (mapped to column {col!r})",
            column=str(col),
            fix=f"use one of: {', '.join(ALIASES)} (--map ROLE=COLUMN on the command line, "
            "roles={ROLE: COLUMN} in Python)",
        )
        for role, col in (roles or {}).items()
        if role not in ALIASES
    ]
    problems += [
        Problem(
            f"unknown unit key {key!r} in units= (unit {text!r})",
            fix=f"use the keys {', '.join(UNIT_KEYS)} (e.g. units={{'conc': 'ng/mL'}}; "
            "--time-unit, --conc-unit, --dose-unit... on the command line)",
        )
        for key, text in (units or {}).items()
        if key not in UNIT_KEYS
    ]
    if (
        sheet is not None
        and isinstance(source, str | Path)
        and Path(source).is_file()
        and Path(source).suffix.lower() not in _EXCEL | {".xls"}
    ):
        problems.append(
            Problem(
                f"a sheet ({sheet!r}) was given but {Path(source).name} is not an Excel workbook",
                file=str(source),
                fix="leave out --sheet (sheet= in Python): it applies to Excel .xlsx files only",
            )
        )
    if problems:
        raise DataError(problems)


def check_tables(study) -> None:
    """The tables and units a ``Study`` is built from are DataFrames and a dict; doses
    None (no dose table) becomes an empty dose table, with a note."""
    problems = [
        Problem(
            f"Study({name}=...) must be a pandas DataFrame, not a {type(value).__name__}",
            file=study.source,
            fix=f"pass a DataFrame (pd.DataFrame(...)){' or None' if none_ok else ''}, or "
            "read a file with kt.read_study(path)",
        )
        for name, value, none_ok in (
            ("conc", study.conc, False),
            ("doses", study.doses, True),
            ("subjects", study.subjects, True),
        )
        if not isinstance(value, pd.DataFrame) and not (none_ok and value is None)
    ]
    if not isinstance(study.units, Mapping):
        problems.append(
            Problem(
                f"units must be a dict, not a {type(study.units).__name__}",
                file=study.source,
                fix="e.g. units={'time': 'h', 'conc': 'ng/mL', 'dose': 'mg/kg'}",
            )
        )
    if problems:
        raise DataError(problems)
    if study.doses is None:
        study.doses = pd.DataFrame(
            {"subject": pd.Series(dtype=object), "time": [], "dose": [], "route": []}
        )
        study.notes.append(
            "doses: no dose table given: dose-based parameters (CL, V, dose-normalised "
            "values) are not computed"
        )


def numeric_column(df: pd.DataFrame, col: str, dtype: str, table: str) -> pd.Series:
    """``df[col]`` as numbers of ``dtype``; a cell that is not a number is a problem
    naming its row (``source_row``) and column."""
    try:
        return pd.to_numeric(df[col], errors="raise").astype(dtype)
    except (ValueError, TypeError):
        pass
    raw = df[col]
    num = pd.to_numeric(raw, errors="coerce")
    bad = (num.isna() & raw.notna()).to_numpy(bool)
    if dtype.startswith("int"):  # a count or flag: a missing cell is a problem too
        bad |= num.isna().to_numpy(bool) | (num.notna() & (num != num.round())).to_numpy(bool)
    at = np.arange(1, len(df) + 1)
    rows = pd.to_numeric(df["source_row"], errors="coerce").fillna(pd.Series(at, df.index))
    rows = at if col == "source_row" else rows.to_numpy()
    raise DataError(
        [
            Problem(
                f"{col} {raw.iloc[i]!r} is not a "
                + ("whole number" if dtype.startswith("int") else "number"),
                row=int(rows[i]),
                column=col,
                fix="write a number (a BLQ sample: conc NaN with blq=True; a sample without "
                "a value: NaN)"
                if col == "conc"
                else "write a number",
            )
            for i in np.flatnonzero(bad)
        ]
    )


def study_notes(study) -> None:
    """Say what an analysis will leave out: a sample without a concentration (not BLQ,
    not excluded) gets the reason "no concentration value" in ``exclude``, as the readers
    give it; a dose of a subject without samples is noted. Weights given in another unit
    (``units["weight"]``, a Study built in Python) are converted to kg, as the readers do."""
    _weights_in_kg(study)
    conc = study.conc
    c = conc["conc"].to_numpy(float)
    missing = np.isnan(c) & ~conc["blq"].to_numpy(bool)
    if missing.any():
        free = missing & (conc["exclude"] == "").to_numpy(bool, na_value=False)
        if free.any():
            study.conc = conc = conc.assign(
                exclude=conc["exclude"].mask(
                    pd.Series(free, index=conc.index), "no concentration value"
                )
            )
            note_no_value(conc, study.notes)
    d = study.doses
    if not len(d):
        return
    seed = _SEED.get()
    if seed is not None:
        study._seed_subject_codes(*seed)
    sampled = pd.Index(study._subject_codes()[1])  # kept by the Study for the analyses
    alone = ~pd.Index(d["subject"].to_numpy(object)).isin(sampled)
    if alone.any():
        who = pd.unique(d["subject"].to_numpy(object)[alone])
        note = (
            f"doses: subject(s) {', '.join(map(repr, who[:10]))}"
            f"{' ...' if len(who) > 10 else ''} have a dose but no concentration samples "
            f"(dose rows {_rows_text(d['source_row'].to_numpy()[alone])}): not analysed"
        )
        if note not in study.notes:  # a Study rebuilt by dataclasses.replace has it
            study.notes.append(note)


def note_no_value(conc: pd.DataFrame, notes: list[str]) -> None:
    """The note every reader gives for samples excluded as "no concentration value"."""
    gone = (conc["exclude"] == "no concentration value").to_numpy(bool, na_value=False)
    if gone.any():
        notes.append(
            f"conc: {int(gone.sum())} sample(s) without a concentration value are excluded "
            f"(rows {_rows_text(conc['source_row'].to_numpy()[gone])}; see the 'exclude' column)"
        )


def _rows_text(rows: np.ndarray) -> str:
    shown = ", ".join(str(int(r)) for r in rows[:10])
    return shown + (f" ... ({len(rows)} in all)" if len(rows) > 10 else "")


def _weights_in_kg(study) -> None:
    """Body weights are kept in kg (every analysis reads them so): a Study built with
    ``units={"weight": "g"}`` has them converted, with a note; a unit that is no mass is
    a ``DataError``."""
    unit = study.units.get("weight")
    if not unit or unit == "kg":
        return
    from kinetor.units import UnitError, convert

    try:
        factor = convert(1.0, unit, "kg")
    except UnitError:
        raise DataError(
            Problem(
                f"weight unit {unit!r} is not a mass",
                file=study.source,
                column="weight",
                fix="give units={'weight': 'kg'} (or g, lb)",
            )
        ) from None
    study.subjects = study.subjects.assign(weight=study.subjects["weight"] * factor)
    study.units = {**study.units, "weight": "kg"}
    note = f"subjects: weights converted from {unit} to kg"
    if note not in study.notes:
        study.notes.append(note)
