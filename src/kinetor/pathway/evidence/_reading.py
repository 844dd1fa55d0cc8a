"""Reading and checking the evidence CSV tables (files, schema, vocabulary, numbers):
every problem is collected with its file, row and column and the fix, then raised once by
:mod:`kinetor.pathway.evidence`."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from kinetor.errors import DataError, Problem


def _files(folder: Path, pattern: str) -> list[Path]:
    files = sorted(folder.glob(pattern))
    if not files:
        raise DataError(
            [
                Problem(
                    f"no {pattern} file in {folder}",
                    file=str(folder),
                    fix="add at least one table to the evidence folder",
                )
            ]
        )
    return files


def read_table(path: Path) -> pd.DataFrame:
    """A CSV table as text; a row with more fields than the header is a :class:`DataError`
    naming the file and the row (an unquoted comma), not a parser traceback."""
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        want, row, saw = (int(x) for x in found.groups()) if found else (0, 0, 0)
        raise DataError(
            [
                Problem(
                    f"a row has {saw} fields where the header has {want}" if found else str(exc),
                    file=path.name,
                    row=row or None,
                    fix='quote a value that contains a comma ("a, b") or remove the extra comma',
                )
            ]
        ) from None


def _read(path: Path, columns: tuple[str, ...], problems: list[Problem]) -> pd.DataFrame:
    df = read_table(path)
    missing = [c for c in columns if c not in df.columns]
    extra = [c for c in df.columns if c not in columns]
    if missing or extra:
        problems.append(
            Problem(
                f"columns differ from the schema: missing {missing}, unexpected {extra}",
                file=path.name,
                row=1,
                fix=f"use exactly: {', '.join(columns)}",
            )
        )
        return pd.DataFrame(columns=[*columns, "file", "row"])
    df = df[list(columns)].apply(lambda s: s.str.strip())
    df["file"] = path.name
    df["row"] = range(2, len(df) + 2)
    return df


def _check_vocab(
    df: pd.DataFrame,
    column: str,
    allowed: tuple[str, ...],
    problems: list[Problem],
    optional: bool = False,
) -> None:
    for file, row, value in zip(df["file"], df["row"], df[column], strict=True):
        if (value == "" and optional) or value in allowed:
            continue
        problems.append(
            Problem(
                f"{column} {value!r} is not allowed",
                file=file,
                row=row,
                column=column,
                fix=f"one of {', '.join(allowed)}",
            )
        )


def _to_numbers(
    df: pd.DataFrame, problems: list[Problem], numeric: tuple[str, ...]
) -> pd.DataFrame:
    out = df.copy()
    for column in numeric:
        values = []
        for file, row, text in zip(df["file"], df["row"], df[column], strict=True):
            try:
                number = float(text) if text != "" else math.nan
            except ValueError:
                number = math.nan
                problems.append(
                    Problem(
                        f"{column} {text!r} is not a number",
                        file=file,
                        row=row,
                        column=column,
                        fix="write a plain number or leave the cell empty",
                    )
                )
            values.append(number)
        out[column] = values
    return out
