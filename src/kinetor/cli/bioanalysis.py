"""``kinetor bioanalysis``: calibration, run acceptance and unknown concentrations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common

_OUT = Path("bioanalysis_out")


def bioanalysis(
    run_file: Annotated[
        Path,
        typer.Argument(
            help="Run table CSV (sample_id, sample_type, nominal_conc, analyte_area + is_area "
            "or area_ratio, dilution, subject/time for unknowns)."
        ),
    ],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output directory for the CSV tables and the plot.")
    ] = _OUT,
    model: Annotated[str, typer.Option("--model", help="linear or quadratic.")] = "linear",
    weighting: Annotated[str, typer.Option("--weighting", help="1, 1/x or 1/x^2.")] = "1/x^2",
    conc_unit: Annotated[
        str | None,
        typer.Option(
            "--conc-unit",
            help="Unit of nominal_conc (e.g. ng/mL); else the file's conc_unit "
            "column; never guessed.",
        ),
    ] = None,
    refit: Annotated[
        bool,
        typer.Option(
            "--refit/--no-refit",
            help="Reject failing standards one at a time and refit "
            "(ICH M10), or judge the first fit only.",
        ),
    ] = True,
    plot: Annotated[
        bool, typer.Option("--plot/--no-plot", help="Write the calibration PNG.")
    ] = True,
) -> None:
    """Fit the calibration curve, judge standards and QCs (ICH M10 / FDA BMV 2018) and
    turn the unknowns into a study concentration table (concentrations.csv)."""
    from kinetor.bioanalysis import Criteria, analyse_run

    if model not in ("linear", "quadratic"):
        raise typer.BadParameter("choose linear or quadratic", param_hint="--model")
    if conc_unit is not None:
        from kinetor.bioanalysis.run import check_conc_unit
        from kinetor.errors import UnitError

        try:
            check_conc_unit(conc_unit)
        except UnitError as exc:
            raise typer.BadParameter(str(exc), param_hint="--conc-unit") from None
    res = analyse_run(
        run_file,
        model=model,
        weighting=weighting,
        criteria=Criteria(refit=refit),
        conc_unit=conc_unit,
    )
    if not res.conc_unit:
        from kinetor.errors import DataError, Problem

        raise DataError(
            Problem(
                "no concentration unit: no conc_unit column and no --conc-unit",
                file=run_file.name,
                column="conc_unit",
                fix="give --conc-unit (e.g. ng/mL) or add a conc_unit column; units are "
                "never guessed",
            )
        )
    written = res.write(_common.out_dir(out), plot=plot)
    written.append(_common.html_report(out, "kinetor bioanalysis: calibration and acceptance"))
    if _common.STATE["json"]:
        _common.emit_json(
            {
                "accepted": res.accepted,
                "calibration": res.calibration.to_dict(orient="records"),
                "acceptance": res.acceptance.to_dict(orient="records"),
                "files": [str(p) for p in written],
            }
        )
        return
    _common.print_frame(
        res.calibration[
            [
                "analyte",
                "model",
                "weighting",
                "intercept",
                "slope",
                "quadratic",
                "r2",
                "n_used",
                "n_rejected",
                "lloq",
                "uloq",
            ]
        ],
        title="Calibration",
    )
    _common.print_frame(
        res.acceptance[
            ["analyte", "criterion", "value", "threshold", "passed", "required", "note"]
        ],
        title="Acceptance",
    )
    verdict = "ACCEPTED" if res.accepted else "REJECTED"
    conc = res.concentrations
    _common.info(
        f"run {verdict}: {len(conc)} unknowns ({int(conc['blq'].sum())} BLQ, "
        f"{int((conc['exclude'] != '').sum())} excluded); wrote {len(written)} "
        f"files to {out}"
    )


def register(app: typer.Typer) -> None:
    app.command("bioanalysis")(bioanalysis)
