"""The raw text table of a bioanalysis input (a CSV path or a DataFrame), with the file name
its problems name; an empty or header-only file is a ``DataError``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = ["raw_table"]


def raw_table(
    source, file: str | None, *, what: str, header_fix: str, rows_fix: str, as_text: bool = False
) -> tuple[pd.DataFrame, str]:
    """``(table, file)``: the CSV read as text (a DataFrame copied, or cast to text with
    ``as_text``); ``what`` names the file kind in "no such ... file"."""
    if isinstance(source, pd.DataFrame):
        raw = source.astype("string").fillna("") if as_text else source.copy()
        file = file or "<DataFrame>"
    else:
        path = Path(source)
        file = file or path.name
        if not path.is_file():
            raise DataError(
                Problem(f"no such {what} file: {path}", file=file, fix="check the path")
            )
        try:
            raw = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
        except pd.errors.EmptyDataError:
            raise DataError(
                Problem("empty file: no header and no rows", file=file, fix=header_fix)
            ) from None
    if len(raw) == 0:
        raise DataError(Problem("no data rows (only a header)", file=file, row=1, fix=rows_fix))
    return raw, file
