"""Reading and checking the evidence tables: columns, numbers, vocabularies, sources, schedules.

Every check appends :class:`~kinetor.errors.Problem` objects (file, row, column, fix) to a
list so that a loader raises one :class:`~kinetor.errors.DataError` naming every problem.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.errors import DataError, KinetorError, Problem
from kinetor.translate.evidence._tables import (
    _DOI,
    _PMID,
    _TEMPLATE,
    DATA_DIR,
    HOW_OBTAINED,
    STATUS,
    _Spec,
)

__all__ = ["parse_schedule"]


def _path(path: str | Path | None, spec: _Spec) -> Path:
    return Path(path) if path is not None else DATA_DIR / spec.file


def _read(path: Path, spec: _Spec) -> pd.DataFrame:
    """Read a table as text with the project's table reader (delimiter, encoding and a
    byte-order mark sniffed; nothing converted, nothing dropped) and check its columns;
    ``attrs["rows"]`` holds each row's line in the file."""
    from kinetor.data._user_table import read_user_table

    header = f"the header must contain: {', '.join(spec.columns)}"
    if not path.is_file():
        fix = f"pass the path of a {spec.file} file"
        raise DataError(Problem(f"evidence table not found: {path}", file=str(path), fix=fix))
    table = read_user_table(
        path,
        empty=("the file is empty (no header row)", header),
        no_rows=("the table has a header but no rows", "add one row per entry under it"),
    )
    df = table.frame.astype(str)
    missing = [c for c in spec.columns if c not in df.columns]
    known = set(spec.columns) | set(spec.optional)
    # columns the loader derives (an `evidence show --out` export): recomputed, not read
    ignored = [c for c in spec.derived if c in df.columns and c not in known]
    df = df.drop(columns=ignored)
    extra = [c for c in df.columns if c not in known]
    problems = [
        Problem("required column missing", file=path.name, column=c, fix=header) for c in missing
    ]
    problems += [
        Problem(
            "unknown column",
            file=path.name,
            column=c,
            fix=f"allowed columns: {', '.join(sorted(known))}",
        )
        for c in extra
    ]
    if problems:
        raise DataError(problems)
    for c in spec.optional:
        if c not in df.columns:
            df[c] = ""
    df = df.apply(lambda s: s.str.strip())
    df.attrs.update(ignored_columns=ignored, rows=[int(r) for r in table.rows])
    return df


def _numbers(
    df: pd.DataFrame, cols: Iterable[str], fname: str, problems: list[Problem]
) -> pd.DataFrame:
    """Blank -> NaN; anything else must be a finite number."""
    out = df.copy()
    for col in cols:
        vals = np.full(len(df), np.nan)
        for i, text in enumerate(df[col]):
            if text == "":
                continue
            try:
                x = float(text)
            except ValueError:
                x = np.nan
            if not np.isfinite(x):
                fix = "write a plain number or leave blank"
                problems.append(Problem(f"not a number: {text!r}", fname, i + 2, col, fix))
                continue
            vals[i] = x
        out[col] = vals
    return out


def _vocab(
    df: pd.DataFrame, col: str, allowed: Iterable[str], fname: str, problems: list[Problem]
) -> None:
    allowed = tuple(allowed)
    for i, v in enumerate(df[col]):
        if v not in allowed:
            fix = "use one of: " + ", ".join(a if a else "(blank)" for a in allowed)
            problems.append(Problem(f"unknown value {v!r}", fname, i + 2, col, fix))


def _provenance(df: pd.DataFrame, fname: str, problems: list[Problem], ids: bool = True) -> None:
    """Status/how_obtained vocabularies; identifiers on every row that is not unverified."""
    _vocab(df, "status", STATUS, fname, problems)
    _vocab(df, "how_obtained", HOW_OBTAINED, fname, problems)
    for i, row in enumerate(df.itertuples(index=False)):
        r = i + 2
        if row.how_obtained == "recalled" and row.status != "unverified":
            problems.append(
                Problem(
                    "a recalled number must have status 'unverified'",
                    file=fname,
                    row=r,
                    column="status",
                    fix="set status to unverified, or read the source",
                )
            )
        if not ids:
            continue
        doi, pmid = row.doi, row.pmid
        if doi and not _DOI.match(doi):
            problems.append(
                Problem(
                    f"malformed DOI {doi!r}",
                    file=fname,
                    row=r,
                    column="doi",
                    fix="write it as 10.xxxx/...",
                )
            )
        if pmid and not _PMID.match(pmid):
            problems.append(
                Problem(
                    f"malformed PMID {pmid!r}", file=fname, row=r, column="pmid", fix="digits only"
                )
            )
        if row.status != "unverified" and not (doi or pmid):
            problems.append(
                Problem(
                    f"a {row.status} row needs a DOI or PMID",
                    file=fname,
                    row=r,
                    column="doi",
                    fix="add the identifier, or mark the row unverified",
                )
            )


def _values(df: pd.DataFrame, fname: str, problems: list[Problem], kind_col: str) -> None:
    """``value`` required unless qualitative; ``value_high`` >= ``value``."""
    for i, row in enumerate(df.itertuples(index=False)):
        kind = getattr(row, kind_col)
        qualitative = kind == "qualitative"
        if np.isnan(row.value) and not qualitative:
            problems.append(
                Problem(
                    "value missing",
                    file=fname,
                    row=i + 2,
                    column="value",
                    fix=f"give the number, or set {kind_col} to qualitative "
                    "and say what was reported in note",
                )
            )
        if qualitative and not row.note:
            problems.append(
                Problem(
                    "a qualitative row must say what was reported",
                    file=fname,
                    row=i + 2,
                    column="note",
                    fix="quote or paraphrase the finding in note",
                )
            )
        if not np.isnan(row.value_high) and not (row.value_high >= row.value):
            problems.append(
                Problem(
                    f"value_high {row.value_high} is below value {row.value}",
                    file=fname,
                    row=i + 2,
                    column="value_high",
                    fix="value is the low end of a range, value_high the high",
                )
            )


def _begin(
    spec: _Spec, path: str | Path | None, ids: bool = True
) -> tuple[str, pd.DataFrame, pd.DataFrame, list[Problem]]:
    """Start a loader: read the table, convert its numbers and check its provenance.

    Returns the file name (for problems), the table as text, the table with ``spec``'s
    numeric columns as floats, and the problems found so far.
    """
    p = _path(path, spec)
    df = _read(p, spec)
    problems: list[Problem] = []
    out = _numbers(df, spec.numeric, p.name, problems)
    _provenance(df, p.name, problems, ids=ids)
    return p.name, df, out, problems


_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
HELDOUT_FROM = 2015  # the split rule: held out = published in 2015 or later


def split_rule_problems(path: str | Path, spec: _Spec) -> list[Problem]:
    """Rows of a studies table that break the split rule: ``authors_year`` without a
    publication year, or a split other than the year gives (held out = published
    ``HELDOUT_FROM`` or later, else fit). ``[]`` when the table cannot be read (the loader
    reports that) or has no ``authors_year``/``split`` column."""
    p = Path(path)
    try:
        df = _read(p, spec)
    except DataError:
        return []
    if not {"authors_year", "split"} <= set(df.columns):
        return []
    lines = df.attrs["rows"]  # each row's line in the file
    problems = []
    for i, (who, split) in enumerate(zip(df["authors_year"], df["split"], strict=True)):
        m = _YEAR.search(who)
        if m is None:
            problems.append(
                Problem(
                    f"authors_year {who!r} has no publication year: the split cannot be checked",
                    file=p.name,
                    row=lines[i],
                    column="authors_year",
                    fix="write the first author and the year, e.g. 'Raynaud et al. 2009 ...'",
                )
            )
            continue
        want = "heldout" if int(m.group()) >= HELDOUT_FROM else "fit"
        if split in ("fit", "heldout") and split != want:
            problems.append(
                Problem(
                    f"published {m.group()} but split {split!r}: held out = published "
                    f"{HELDOUT_FROM} or later, else fit",
                    file=p.name,
                    row=lines[i],
                    column="split",
                    fix=f"set split to {want} (or correct the year in authors_year)",
                )
            )
    return problems


def _raise(problems: list[Problem], df: pd.DataFrame | None = None) -> None:
    """Raise one error listing every problem, if there is any. The checks count a row as
    its position + 2; with the table ``df`` read, each becomes its line in the file
    (blank lines and ``#`` comments above it counted)."""
    lines = df.attrs.get("rows", []) if df is not None else []
    problems = [
        replace(p, row=lines[p.row - 2]) if p.row and 2 <= p.row < len(lines) + 2 else p
        for p in problems
    ]
    if problems:
        raise DataError(problems)


def _routes(df: pd.DataFrame, fname: str, problems: list[Problem]) -> None:
    """``route``: blank, or a route kinetor reads (PO, IV, IM, SC, IP, IV infusion...)."""
    from kinetor.data.routes import normalise_route

    for i, route in enumerate(df["route"]):
        if route and normalise_route(route) is None:
            fix = "write the route as published: PO, IV, IV infusion, SC, IP, IM... (or blank)"
            problems.append(Problem(f"unknown route {route!r}", fname, i + 2, "route", fix))


def _repeats(df: pd.DataFrame, fname: str, problems: list[Problem]) -> None:
    """Rows that repeat an earlier row cell for cell."""
    lines = df.attrs.get("rows") or range(2, len(df) + 2)  # each row's line in the file
    first: dict[tuple, int] = {}
    for i, key in enumerate(df.itertuples(index=False, name=None)):
        if key in first:
            fix = "remove the repeated row (rows of one source differ in a cell or the note)"
            message = f"repeats row {lines[first[key]]} exactly"
            problems.append(Problem(message, fname, i + 2, df.columns[0], fix))
        first.setdefault(key, i)


def _usable(out: pd.DataFrame) -> pd.DataFrame:
    """Add the boolean ``usable`` column (status is not unverified)."""
    out["usable"] = out["status"] != "unverified"
    return out


def parse_schedule(text: str) -> dict[str, object]:
    """Read an evidence schedule into ``{compound or '': Regimen}``.

    A single-agent schedule is a regimen (``"15 mg/kg PO QD x 21 days"``, compound key
    ``""``); a combination joins ``COMPOUND:REGIMEN`` parts with ``+``. A ``{dose}``
    template (dose not reported, only a dose ratio) is read with dose 1.

    Parameters
    ----------
    text : str

    Returns
    -------
    dict
        Compound (``""`` for a single-agent schedule) -> :class:`kinetor.pk.Regimen`.

    Raises
    ------
    kinetor.errors.ModelError
        The text (or one part of it) does not parse.

    Examples
    --------
    >>> parse_schedule("{dose} mg/kg PO BID 4 days on/3 days off x 1 cycles")[""].n_doses
    8
    """
    from kinetor.errors import ModelError
    from kinetor.pk import Regimen

    body = text.replace(_TEMPLATE, "1")
    if ":" not in body:
        return {"": Regimen.parse(body)}
    out: dict[str, object] = {}
    for part in body.split("+"):
        comp, sep, reg = part.partition(":")
        comp = comp.strip().lower()
        if not sep or not comp or not reg.strip():
            raise ModelError(
                f"cannot read {part.strip()!r}: write COMPOUND:REGIMEN parts joined by '+'"
            )
        if comp in out:
            raise ModelError(f"{comp} appears twice in {text!r}")
        out[comp] = Regimen.parse(reg.strip())
    return out


def _check_schedule(
    text: str,
    fname: str,
    row: int,
    col: str,
    problems: list[Problem],
    compounds: list[str] | None = None,
    dose_given: bool = False,
) -> None:
    if not text:
        return
    if _TEMPLATE in text and dose_given:
        problems.append(
            Problem(
                "a {dose} template next to a stated dose",
                file=fname,
                row=row,
                column=col,
                fix="write the dose into the schedule",
            )
        )
    try:
        regs = parse_schedule(text)
    except KinetorError as exc:
        first = str(exc).splitlines()[0]
        problems.append(
            Problem(
                f"schedule does not parse: {first}",
                file=fname,
                row=row,
                column=col,
                fix="use the kinetor.pk.Regimen grammar, e.g. "
                "'15 mg/kg PO QD x 21 days' (docs/pk.md)",
            )
        )
        return
    if compounds is not None and len(compounds) > 1 and set(regs) != set(compounds):
        problems.append(
            Problem(
                f"schedule names {sorted(regs)} but compounds lists {sorted(compounds)}",
                file=fname,
                row=row,
                column=col,
                fix="give one COMPOUND:REGIMEN part per compound",
            )
        )
