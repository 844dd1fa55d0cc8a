"""What every ``kinetor assay`` command shares: the ``--out`` option, reading a CSV or Excel
table with a clear error, and finishing (report.html, JSON or a printed table)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common

OUT = Annotated[Path, typer.Option("--out", "-o", help="Output directory.")]


def _read_table(path: Path):
    import pandas as pd

    from kinetor.errors import DataError, Problem

    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    try:
        if path.suffix.lower() in (".xlsx", ".xls"):
            return pd.read_excel(path)
        return pd.read_csv(path)
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(Problem(f"cannot read table: {exc}", file=path.name)) from exc


def _finish(d: Path, title: str, files: list[Path], table, cols: list[str], caption: str):
    report = _common.html_report(d, title)
    files = [*files, report]
    if _common.STATE["json"]:
        _common.emit_json(
            {"results": table.to_dict(orient="records"), "files": [str(p) for p in files]}
        )
        return
    _common.print_frame(table[[c for c in cols if c in table.columns]], title=caption)
    _common.info(f"wrote {len(files)} files to {d}")
