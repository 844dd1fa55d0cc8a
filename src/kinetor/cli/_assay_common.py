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
