"""``kinetor bioanalysis``: calibration, run acceptance and unknown concentrations
(``kinetor bioanalysis RUN.csv``, also ``kinetor bioanalysis run RUN.csv``), and incurred
sample reanalysis (``kinetor bioanalysis isr FILE``)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from typer.core import TyperGroup

from kinetor.cli import _common

_OUT = Path("bioanalysis_out")
_SHEET = Annotated[
    str | None,
    typer.Option(
        "--sheet",
        help="Sheet of an .xlsx workbook: its name or 0-based number (default: the first).",
    ),
]


class _RunByDefault(TyperGroup):
    """A group whose first argument, when it is no subcommand (a run file, an option), goes
    to ``run``: ``kinetor bioanalysis RUN.csv`` stays what it always was."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["run", *args]
        return super().parse_args(ctx, args)


bioanalysis_app = typer.Typer(
    cls=_RunByDefault,
    help="Bioanalysis: calibration and run acceptance (RUN.csv, or run RUN.csv), incurred "
    "sample reanalysis (isr FILE).",
    no_args_is_help=True,
)


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
            "column or the unit in the nominal_conc header ('Nominal Concentration "
            "(ng/mL)'), which it must agree with; never guessed.",
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
    sheet: _SHEET = None,
) -> None:
    """Calibration, run acceptance (ICH M10 / FDA BMV 2018) and unknown concentrations.

    Fit the calibration curve, judge standards and QCs and turn the unknowns into a study
    concentration table (concentrations.csv). `kinetor bioanalysis RUN.csv` runs this too.
    """
    from kinetor.bioanalysis import Criteria, analyse_run
    from kinetor.bioanalysis.calibration import MODELS, WEIGHTINGS, normalise_weighting
    from kinetor.errors import KinetorError

    if model not in MODELS:
        raise typer.BadParameter(
            f"unknown model {model!r}: choose one of {', '.join(MODELS)}", param_hint="--model"
        )
    try:  # a usage error (exit 2), as --model
        normalise_weighting(weighting)
    except KinetorError:
        raise typer.BadParameter(
            f"unknown weighting {weighting!r}: choose one of {', '.join(WEIGHTINGS)}",
            param_hint="--weighting",
        ) from None
    if conc_unit is not None:
        from kinetor.bioanalysis.run import check_conc_unit
        from kinetor.errors import UnitError

        try:
            check_conc_unit(conc_unit)
        except UnitError as exc:
            raise typer.BadParameter(str(exc), param_hint="--conc-unit") from None
    run = run_file
    if sheet is not None:  # the sheet read here; analyse_run takes the validated table
        from kinetor.bioanalysis.read import read_run

        criteria = Criteria(refit=refit)
        choice = _common.sheet_choice(str(run_file), sheet)
        run = read_run(run_file, min_levels=criteria.min_standard_levels, sheet=choice)
    res = analyse_run(
        run,
        model=model,
        weighting=weighting,
        criteria=Criteria(refit=refit),
        conc_unit=conc_unit,
    )
    if not res.conc_unit:
        from kinetor.errors import DataError, Problem

        raise DataError(
            Problem(
                "no concentration unit: none in the nominal_conc header, no conc_unit "
                "column and no --conc-unit",
                file=run_file.name,
                column="conc_unit",
                fix="give --conc-unit (e.g. ng/mL) or add a conc_unit column; units are "
                "never guessed",
            )
        )
    written = res.write(_common.out_dir(out), plot=plot)
    written.append(_common.html_report(out, "kinetor bioanalysis: calibration and acceptance"))
    _reading_notes(run_file, sheet)
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
                "r",
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


def isr(
    isr_file: Annotated[
        Path,
        typer.Argument(
            help="ISR table CSV: sample_id, original, repeat (optional conc_unit, or units "
            "in the headers, e.g. 'Original (ng/mL)')."
        ),
    ],
    method: Annotated[
        str,
        typer.Option(
            "--method", help="chromatographic (|%diff| <= 20 %) or ligand-binding (<= 30 %)."
        ),
    ] = "chromatographic",
    n_study: Annotated[
        int | None,
        typer.Option(
            "--n-study",
            min=1,
            help="Number of study samples: reports the repeats M10 asks for (10 % of the "
            "first 1000 + 5 % above) and whether the table has enough.",
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output directory for isr.csv and the report.")
    ] = _OUT,
    sheet: _SHEET = None,
) -> None:
    """Incurred sample reanalysis (ICH M10 section 5).

    % difference of each repeat from the mean of repeat and original; the ISR passes when
    >= 2/3 of the repeats are within the limit. Writes isr.csv, isr_summary.csv and
    report.html.
    """
    from kinetor.bioanalysis.reanalysis import ISR_LIMITS, read_isr
    from kinetor.bioanalysis.reanalysis import isr as run_isr

    method = _common.choice(method, tuple(ISR_LIMITS), "--method")
    _common.refuse_file_out(out)
    table = read_isr(isr_file, sheet=_common.sheet_choice(str(isr_file), sheet))
    if n_study is not None and n_study < len(table):
        raise typer.BadParameter(
            f"{n_study} study samples, but the table has {len(table)} repeats: give the "
            "study's total sample count",
            param_hint="--n-study",
        )
    res = run_isr(table, method=method, n_study=n_study, file=isr_file.name)
    _reading_notes(isr_file, sheet)
    d = _common.out_dir(out)
    written = res.write(d)
    written.append(_common.html_report(d, "kinetor bioanalysis isr: incurred sample reanalysis"))
    s = res.summary.iloc[0]
    if _common.STATE["json"]:
        _common.emit_json(
            {
                "passed": res.passed,
                "summary": res.summary.to_dict(orient="records"),
                "samples": res.samples.to_dict(orient="records"),
                "files": [str(p) for p in written],
            }
        )
        return
    _common.print_frame(
        res.samples[["sample_id", "original", "repeat", "unit", "mean", "diff_pct", "pass"]],
        title=f"Incurred sample reanalysis (|%diff| <= {s['limit_pct']:g} %)",
    )
    _common.print_frame(res.summary.drop(columns="source"), title="ISR summary")
    verdict = "PASSED" if res.passed else "FAILED"
    enough = ""
    if n_study is not None:
        enough = f"; {int(s['n_required'])} repeats required for {n_study} study samples: " + (
            "enough" if s["enough_repeats"] else "too few"
        )
    _common.info(
        f"ISR {verdict}: {int(s['n_pass'])} of {int(s['n_repeats'])} repeats within "
        f"{s['limit_pct']:g} % (2/3 needed){enough}; wrote {len(written)} files to {out}"
    )


def _reading_notes(path: Path, sheet: str | None = None) -> None:
    """How a table that was read without error was read (cp1252 text, a semicolon
    delimiter, a decimal comma): one note each, as the other commands say it."""
    from kinetor.data._text import read_raw

    for note in read_raw(path, _common.sheet_choice(str(path), sheet)).notes:
        _common.info(f"  note: {note}")


bioanalysis_app.command("run")(bioanalysis)
bioanalysis_app.command("isr")(isr)


def register(app: typer.Typer) -> None:
    app.add_typer(bioanalysis_app, name="bioanalysis")
