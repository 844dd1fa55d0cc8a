"""What every ``kinetor assay`` command shares: the ``--out`` option, reading a CSV, TSV or
Excel table with a clear error, and finishing (report.html, JSON or a printed table)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common

OUT = Annotated[Path, typer.Option("--out", "-o", help="Output directory.")]


def _read_table(path: Path):
    """A CSV/TSV/Excel table as pandas reads CSV (numbers as numbers, 'NA' cells missing),
    read by kinetor's table reader first: a folder, an old .xls, a fake workbook or a
    binary file is a DataError naming the file; the delimiter (',', ';', tab) and the
    encoding (UTF-8, cp1252) are sniffed, with a note."""
    import io

    import pandas as pd

    from kinetor.data._text import read_raw

    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    raw = read_raw(path)
    for note in raw.notes:
        _common.info(note)
    return pd.read_csv(io.StringIO(raw.frame.to_csv(index=False)))


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


def check_compare(spec: str, unit: str, unit_option: str) -> None:
    """Reject a malformed --compare-network or a missing/non-concentration --unit before
    anything is written (the network is never given a guessed unit)."""
    from kinetor.errors import UnitError
    from kinetor.units import dimension

    drug, _, line = spec.partition(":")
    if not drug or not line:
        raise typer.BadParameter("write DRUG:CELL_LINE", param_hint="--compare-network")
    if not unit:
        raise typer.BadParameter(
            f"--compare-network needs the dose unit of the file (e.g. {unit_option} nM, uM or ng/mL)",
            param_hint=unit_option,
        )
    try:
        dim = dimension(unit)
    except UnitError as exc:
        raise typer.BadParameter(
            f"{exc}; use e.g. nM, uM or ng/mL", param_hint=unit_option
        ) from None
    if dim not in ("[substance] / [length] ** 3", "[mass] / [length] ** 3"):
        raise typer.BadParameter(
            f"{unit!r} is not a concentration ({dim}); use e.g. nM, uM or ng/mL",
            param_hint=unit_option,
        )
