"""``kinetor validate DATA``: read a study, print its summary or every problem found."""

from __future__ import annotations

from typing import Annotated

import typer

from kinetor.cli import _common


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)


def validate(
    data: str = typer.Argument(
        ...,
        help="Study file or folder: CSV/TSV/TXT, .xlsx, SEND/SDTM "
        "folder (pc, ex, dm), ADNCA, NONMEM, or a write_csv folder.",
    ),
    format: str | None = typer.Option(
        None,
        "--format",
        "-f",
        help="csv, sdtm, send, adnca, nonmem, kinetor (detected when omitted).",
    ),
    time_unit: str | None = typer.Option(None, "--time-unit", help="Time unit, e.g. h."),
    conc_unit: str | None = typer.Option(
        None, "--conc-unit", help="Concentration unit, e.g. ng/mL."
    ),
    dose_unit: str | None = typer.Option(None, "--dose-unit", help="Dose unit, e.g. mg/kg."),
    volume_unit: str | None = typer.Option(
        None, "--volume-unit", help="Unit of urine collection volumes, e.g. mL (as kinetor nca)."
    ),
    doses: str | None = typer.Option(None, "--doses", help="Separate doses table."),
    sheet: str | None = typer.Option(None, "--sheet", help="Excel sheet name."),
    mw: Annotated[list[str] | None, _common.mw_option()] = None,
    occasions: Annotated[bool, _common.occasions_option()] = False,
    lloq: float | None = typer.Option(
        None,
        "--lloq",
        help="LLOQ (concentration unit) of samples that give none; values below it become BLQ.",
    ),
    out: str | None = typer.Option(
        None,
        "--out",
        help="Write the canonical tables (conc.csv, doses.csv, subjects.csv) and summary.csv here.",
    ),
) -> None:
    """Check study data: print the study summary, or the table of every problem (exit 3).

    Warns about BLQ samples with no LLOQ (column, ``<x`` entry, ``--lloq``): figures cannot
    draw them at the LLOQ and a BLQ rule that substitutes the LLOQ cannot use them.
    """
    from kinetor.data import fill_lloq, read_study, write_csv
    from kinetor.data.advisories import study_warnings

    given = (("time", time_unit), ("conc", conc_unit), ("dose", dose_unit), ("volume", volume_unit))
    units = {k: v for k, v in given if v}
    weights = _common.molecular_weights(mw)
    sheet_id = int(sheet) if sheet is not None and sheet.isdigit() else sheet
    study = fill_lloq(
        read_study(
            data,
            format,
            units=units or None,
            doses=doses,
            sheet=sheet_id,
            mw=weights,
            occasions=occasions,
        ),
        lloq,
    )
    warnings = study_warnings(study)
    summary = study.summary()
    if out:
        folder = _common.out_dir(out)
        write_csv(study, folder)
        summary.to_csv(folder / "summary.csv", index=False)
    if _common.STATE["json"]:
        import json

        _common.emit_json(
            {
                "source": study.source,
                "units": study.units,
                "subjects": study.n_subjects,
                "samples": len(study.conc),
                "doses": len(study.doses),
                "notes": study.notes,
                "warnings": warnings,
                "summary": json.loads(summary.to_json(orient="records", double_precision=15)),
            }
        )
        return
    _common.info(
        f"OK {study.source}: {study.n_subjects} subjects, "
        f"{len(study.conc)} samples, {len(study.doses)} doses; units "
        + ", ".join(f"{k} {v}" for k, v in study.units.items())
    )
    for note in study.notes:
        _common.info(f"  note: {note}")
    for text in warnings:
        _common.info(f"  warning: {text}")
    _common.print_frame(summary, title="Study summary")
