"""Rows of a long NCA parameter table for the ratio functions of
:mod:`kinetor.adme.metabolites`: selection of one ``PPTESTCD``, pairing of each analyte
row with the reference row of its group, unit conversion onto the reference's unit, and
the checks of the molecular weights.

A ``by=`` column missing from the table, or an empty ``unit`` cell on a row with a value,
is a ``DataError`` naming file, row and column (a unit is never guessed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.adme._inputs import parameter_values, source_rows
from kinetor.errors import DataError, Problem, UnitError


class UnitDataError(DataError, UnitError):
    """A unit conversion of table rows that failed: a ``DataError`` naming analyte, file,
    row and fix, still a ``UnitError`` for callers that catch one."""


__all__ = ["check_mw", "in_unit", "join_reasons", "join_text", "pair", "parameter_table"]

_VALUE_COLS = {
    "analyte",
    "pptestcd",
    "pptest",
    "value",
    "unit",
    "exclude",
    "pporres",
    "pporresu",
    "ppstresn",
    "ppstresu",
    "ppstresc",
    "note",
    "reason",
}


def parameter_table(
    params: pd.DataFrame, parameter: str, file: str = "<DataFrame>", by: list[str] | None = None
) -> tuple[pd.DataFrame, list[str]]:
    """Rows of one ``PPTESTCD`` from a long NCA table, with canonical column names.

    Returns the rows (columns ``analyte, PPTESTCD, value, unit, exclude`` plus group
    columns) and the group columns used (``by``, or every column that is not a value
    column).
    """
    df = params.copy()
    rename = {
        c: ("PPTESTCD" if str(c).lower() == "pptestcd" else str(c).lower())
        for c in df.columns
        if str(c).lower() in _VALUE_COLS
    }
    df = df.rename(columns=rename)
    missing = [c for c in ("analyte", "PPTESTCD", "value", "unit") if c not in df.columns]
    if missing:
        raise DataError(
            [
                Problem(
                    f"the parameter table has no '{c}' column",
                    file=file,
                    column=c,
                    fix="use the long NCA layout: group columns, analyte, PPTESTCD, value, unit",
                )
                for c in missing
            ]
        )
    if "exclude" not in df.columns:
        df["exclude"] = ""
    df["exclude"] = df["exclude"].astype("string").fillna("")
    df["source_row"] = source_rows(df)
    keys = (
        by
        if by is not None
        else [
            c
            for c in df.columns
            if c.lower() not in _VALUE_COLS and c not in ("PPTESTCD", "source_row")
        ]
    )
    absent = [k for k in keys if k not in df.columns]
    if absent:
        raise DataError(
            [
                Problem(
                    f"by= names a column the parameter table does not have: {k!r}",
                    file=file,
                    column=k,
                    fix=f"name group columns of the table: {', '.join(map(str, params.columns))}",
                )
                for k in absent
            ]
        )
    codes = df["PPTESTCD"].astype("string").fillna("").str.strip().str.upper()
    sel = df[codes == parameter.upper()].copy()
    if sel.empty:  # say what the table holds
        fix = f"PPTESTCD values present: {', '.join(sorted(set(codes) - {''}))}"
        raise DataError(Problem(f"no {parameter} rows", file, None, "PPTESTCD", fix))
    sel["value"] = parameter_values(sel["value"], sel["source_row"], sel["exclude"], file)
    sel["analyte"] = sel["analyte"].astype("string").fillna("")
    sel["unit"] = sel["unit"].astype("string").fillna("").str.strip()
    no_unit = (sel["unit"] == "").to_numpy() & np.isfinite(sel["value"].to_numpy(float))
    if no_unit.any():
        raise DataError(
            [
                Problem(
                    f"empty unit for the {parameter} of analyte {a!r}",
                    file=file,
                    row=int(r),
                    column="unit",
                    fix="write the unit of the value (e.g. h*ng/mL); units are never guessed",
                )
                for a, r in zip(
                    sel.loc[no_unit, "analyte"], sel.loc[no_unit, "source_row"], strict=True
                )
            ]
        )
    dup = sel.duplicated([*keys, "analyte"], keep=False)
    if dup.any():
        raise DataError(
            [
                Problem(
                    f"more than one {parameter} for analyte {a!r} in one group",
                    file=file,
                    row=int(r),
                    column="PPTESTCD",
                    fix=f"give group columns that make rows unique (by={keys})",
                )
                for a, r in zip(sel.loc[dup, "analyte"], sel.loc[dup, "source_row"], strict=True)
            ]
        )
    return sel, keys


def pair(sel: pd.DataFrame, keys: list[str], reference: str, others: list[str]) -> pd.DataFrame:
    """Each row of ``others`` with the ``reference`` row of its group (suffix ``_ref``;
    NaN where the group has no reference row)."""
    ref = sel[sel["analyte"] == reference]
    oth = sel[sel["analyte"].isin(others)]
    cols = [*keys, "value", "unit", "exclude", "source_row"]
    if keys:
        return oth[[*cols, "analyte"]].merge(ref[cols], on=keys, how="left", suffixes=("", "_ref"))
    return oth[[*cols, "analyte"]].merge(ref[cols], how="cross", suffixes=("", "_ref"))


def in_unit(
    values,
    unit_from: pd.Series,
    unit_to: pd.Series,
    mw,
    rows: pd.DataFrame | None = None,
    file: str = "<DataFrame>",
    mw_fix: str | None = None,
    lenient: bool = False,
) -> np.ndarray:
    """``values`` converted row by row from ``unit_from`` to ``unit_to``; a row whose
    ``unit_to`` is missing (no reference row in its group) is left as it is. ``rows``
    (columns ``analyte``, ``source_row``) names the rows of a failed conversion: a
    ``DataError`` naming analyte, file, row and the fix (``--mw NAME=G_PER_MOL`` where the
    molecular weight is missing; ``mw_fix`` replaces that fix where no weight can be
    given). ``lenient``: a row that cannot be converted is NaN instead."""
    from kinetor.units import convert

    out = np.asarray(values, float).copy()
    uf = unit_from.astype("string").fillna("").to_numpy(object)
    ut = unit_to.astype("string").fillna("").to_numpy(object)
    problems: list[Problem] = []
    for a, b in sorted({(a, b) for a, b in zip(uf, ut, strict=True) if a and b and a != b}):
        idx = (uf == a) & (ut == b)
        try:
            out[idx] = convert(out[idx], a, b, mw=mw)
        except UnitError as exc:
            if lenient:
                out[idx] = np.nan
                continue
            if rows is None:
                raise
            problems += _unit_problems(exc, a, b, rows[idx], file, mw_fix)
    if problems:
        problems.sort(key=lambda p: p.row or 0)
        raise UnitDataError(problems)
    return out


def _unit_problems(
    exc, a: str, b: str, rows: pd.DataFrame, file: str, mw_fix: str | None
) -> list[Problem]:
    needs_mw = "molecular weight" in str(exc)
    out = []
    for name, row in zip(rows["analyte"], rows["source_row"], strict=True):
        if needs_mw:
            msg = (
                f"the value of {name!r} is in {a!r}, the row it is compared with in {b!r}: "
                f"converting needs the molecular weight of {name!r}, which is not given"
            )
            fix = mw_fix or (
                f"give it (--mw {name}=G_PER_MOL on the command line, mw={{{name!r}: ...}})"
            )
        else:
            msg = f"the value of {name!r} in {a!r} cannot be compared with {b!r}: {exc}"
            fix = "write both in units of the same kind (e.g. h*ng/mL and h*nM)"
        out.append(Problem(msg, file=file, row=int(row), column="unit", fix=fix))
    return out


def check_mw(mw: dict[str, float], analytes: set[str], parameter: str, file: str) -> None:
    """Molecular weights > 0, each for an analyte of the table (else a ``DataError``)."""
    fix = "give MW in g/mol for analytes of the table (--mw NAME=G_PER_MOL, or mw= in Python)"
    problems = [
        Problem(f"molecular weight of {name!r} is {w!r}: not > 0", file=file, fix=fix)
        for name, w in mw.items()
        if not _positive(w)
    ]
    problems += [
        Problem(
            f"molecular weight given for {name!r}, which has no {parameter} rows; "
            f"analytes present: {', '.join(sorted(analytes))}",
            file=file,
            column="analyte",
            fix=fix,
        )
        for name in sorted(set(mw) - analytes)
    ]
    if problems:
        raise DataError(problems)


def _positive(value) -> bool:
    try:
        v = float(value)
    except (TypeError, ValueError):
        return False
    return bool(np.isfinite(v) and v > 0)


def join_text(a: np.ndarray, b: str) -> np.ndarray:
    a = np.asarray(a, dtype=object)
    return np.where(a == "", b, a + "; " + b)


def join_reasons(a: pd.Series, b: pd.Series) -> np.ndarray:
    a, b = a.to_numpy(object), b.to_numpy(object)
    return np.where(a == "", b, np.where(b == "", a, a + "; " + b))
