"""Study-reading options shared by the commands that read a study: ``--mw`` names checked
against the study's analytes, and ``--sheet`` numbers against the workbook's sheets.
``kinetor.cli._common`` re-exports them."""

from __future__ import annotations

from pathlib import Path


def read_with_weights(read, weights):
    """``read(weights)``: a study reader given the ``--mw`` weights (:func:`molecular_weights`).
    A ``NAME=G_PER_MOL`` whose NAME is no analyte of the study is a usage error listing the
    analytes, also when the read failed for want of a weight (a misspelt name)."""
    from kinetor.errors import DataError, KinetorError

    try:
        study = read(weights)
    except DataError as exc:
        if not isinstance(weights, dict):
            raise
        error = exc
    else:
        _analyte_names(weights, study.analytes)
        return study
    try:
        analytes = read(1.0).analytes  # any one weight for all: only to learn the names
    except KinetorError:
        raise error from None
    _analyte_names(weights, analytes)
    raise error


def _analyte_names(weights, analytes: list[str]) -> None:
    import typer

    unknown = [n for n in weights if n not in analytes] if isinstance(weights, dict) else []
    if unknown:
        raise typer.BadParameter(
            f"{', '.join(map(repr, unknown))} "
            + ("is not an analyte" if len(unknown) == 1 else "are not analytes")
            + f" of the study; its analytes are {', '.join(map(repr, analytes))}",
            param_hint="--mw",
        )


def sheet_choice(data: str, sheet: str | None) -> str | int | None:
    """``--sheet`` as read_study's ``sheet``: a 0-based number (digits) or a name. A number
    beyond the sheets of an .xlsx workbook is a ``DataError`` listing them (not "is not an
    Excel workbook")."""
    from kinetor.errors import DataError, Problem

    if sheet is None or not sheet.strip().isdigit():
        return sheet
    index, path = int(sheet), Path(data)
    if path.suffix.lower() not in (".xlsx", ".xlsm", ".xltx", ".xltm") or not path.is_file():
        return index
    try:
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        names = list(book.sheetnames)
        book.close()
    except Exception:  # not a workbook: read_study says so
        return index
    if index >= len(names):
        raise DataError(
            Problem(
                f"no sheet number {index} in the workbook: it has {len(names)} sheet(s), "
                f"numbered from 0",
                file=path.name,
                fix="use --sheet with a number from 0 to "
                f"{len(names) - 1} or a name: {', '.join(names)}",
            )
        )
    return index
