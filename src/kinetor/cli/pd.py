"""``kinetor tgi`` (tumour growth inhibition tables and plot) and ``kinetor pd fit``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common

_FORMULAS = ("delta", "tc_ratio", "rtv", "geometric")
_VOLUME_UNIT = typer.Option(
    "--volume-unit",
    help="Unit of the volumes when the file gives none (no unit column, no unit in the "
    "header); default mm^3. Volumes are converted to mm^3.",
)
_IDS = ("animal", "subject", "id", "group", "arm")
_ERRORS = ("additive", "proportional", "combined", "log", "exponential")


def tgi(
    volumes: Annotated[
        Path,
        typer.Argument(
            help="Tidy tumour volumes (CSV/Excel): animal, group, day, volume "
            "(or length and width: V = L x W^2 / 2)."
        ),
    ],
    control: Annotated[
        str, typer.Option("--control", "-c", help="Name of the control (vehicle) group.")
    ],
    day: Annotated[
        float | None,
        typer.Option("--day", help="Evaluation day (default: last day shared with the control)."),
    ] = None,
    start_day: Annotated[
        float | None,
        typer.Option("--start-day", help="Treatment-start day (default: control's first day)."),
    ] = None,
    formula: Annotated[
        str,
        typer.Option(
            "--formula", help="delta (default, (1 - dT/dC) x 100), tc_ratio, rtv or geometric."
        ),
    ] = "delta",
    log: Annotated[
        bool, typer.Option("--log/--linear", help="Log-scale y axis in the plot.")
    ] = False,
    volume_floor: Annotated[
        float | None,
        typer.Option(
            "--volume-floor",
            help="Rate-based T/C: volumes below it (e.g. a detection limit) are set to it "
            "before taking logs; without it a volume of 0 leaves the group's T/C undefined.",
        ),
    ] = None,
    volume_unit: Annotated[str | None, _VOLUME_UNIT] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path("tgi_out"),
) -> None:
    """Tumour growth inhibition per group (tables and a mean +/- SEM plot).

    Writes tgi.csv, rate_based_tc.csv, volume_summary.csv and tumour_volumes.png.
    """
    from kinetor._figures import save_figure
    from kinetor.pd import rate_based_tc, read_volumes, volume_summary
    from kinetor.pd import tgi as tgi_
    from kinetor.pd.plots import plot_volumes

    if formula not in _FORMULAS:
        raise typer.BadParameter(f"choose one of {', '.join(_FORMULAS)}", param_hint="--formula")
    if day is not None and start_day is not None and not day > start_day:
        raise typer.BadParameter(
            f"the evaluation day ({day:g}) must come after --start-day ({start_day:g})",
            param_hint="--day",
        )
    data = read_volumes(volumes, unit=_volume_unit(volume_unit))
    res = tgi_(data, control=control, day=day, start_day=start_day, formula=formula)
    if volume_floor is not None and not volume_floor > 0:
        raise typer.BadParameter(
            f"must be a volume > 0, got {volume_floor:g}", param_hint="--volume-floor"
        )
    rate = rate_based_tc(
        data, control=control, start_day=start_day, end_day=day, volume_floor=volume_floor
    )
    summ = volume_summary(data)
    d = _common.out_dir(out)
    res.to_csv(d / "tgi.csv", index=False)
    rate.to_csv(d / "rate_based_tc.csv", index=False)
    summ.to_csv(d / "volume_summary.csv", index=False)
    fig = plot_volumes(summ, log=log, control=control)
    png = save_figure(fig, d / "tumour_volumes.png", dpi=120)
    title = f"kinetor tgi: tumour growth inhibition vs {control}"
    report = _common.html_report(d, title, data.attrs["kinetor_notes"])
    files = [d / "tgi.csv", d / "rate_based_tc.csv", d / "volume_summary.csv", png, report]
    if _common.STATE["json"]:
        _common.emit_json(
            {
                "tgi": res.to_dict(orient="records"),
                "rate_based_tc": rate.to_dict(orient="records"),
                "notes": data.attrs["kinetor_notes"],
                "files": [str(p) for p in files],
            }
        )
        return
    _notes(data.attrs["kinetor_notes"])
    _common.print_frame(
        res[
            [
                "group",
                "start_day",
                "day",
                "n_day",
                "mean_day",
                "tc_pct",
                "tgi_pct",
                "regression",
                "reason",
            ]
        ],
        title=f"TGI vs {control} ({formula}): {res['formula'].iloc[0]}",
    )
    for g, why in zip(rate["group"], rate["reason"], strict=True):
        if why:
            _common.info(f"  note: rate-based T/C of {g} not computed: {why}")
    _common.info(f"wrote {len(files)} files to {d}")


def fit(
    data: Annotated[
        Path,
        typer.Argument(
            help="Tumour volumes (animal, group, day, volume) for tumour models; biomarker "
            "data (animal, time, value[, conc, lloq]) for the others."
        ),
    ],
    model: Annotated[
        str,
        typer.Option(
            "--model",
            "-m",
            help="simeoni, exponential, linear, exponential_linear, gompertz, "
            "logistic; emax, sigmoid_emax, imax, idr1-idr4, effect_emax.",
        ),
    ] = "simeoni",
    exposure: Annotated[
        Path | None,
        typer.Option(
            "--exposure",
            "-e",
            help="Exposure CSV: animal or group, time (or day), conc. Units in the header "
            "('time (h)', 'conc (ug/mL)') or a unit column; a time without one is in the "
            "data's unit (days for tumours). A course with a jump in ascending time order.",
        ),
    ] = None,
    by: Annotated[str, typer.Option("--by", help="pooled, group or animal.")] = "pooled",
    error: Annotated[
        str | None,
        typer.Option(
            "--error",
            help="Residual error model: additive, proportional, combined (SD = sqrt(a^2 + "
            "b^2 f^2): sigma_add, sigma_prop) or log (alias exponential); default: log for "
            "tumour models, additive otherwise.",
        ),
    ] = None,
    fix: Annotated[
        list[str] | None, typer.Option("--fix", help="Hold a parameter: NAME=VALUE (repeatable).")
    ] = None,
    init: Annotated[
        list[str] | None, typer.Option("--init", help="Initial value: NAME=VALUE (repeatable).")
    ] = None,
    lloq: Annotated[
        float | None,
        typer.Option("--lloq", help="Limit of quantification (values below are censored, M3)."),
    ] = None,
    volume_unit: Annotated[str | None, _VOLUME_UNIT] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "pd_fit_out"
    ),
) -> None:
    """Fit a PD or tumour model to biomarker or tumour-volume data.

    Writes parameters.csv, fit_statistics.csv and observations.csv (observed, predicted,
    residual).
    """
    import math

    from kinetor.pd import BIOMARKER_MODELS, TUMOR_MODELS, fit_pd, read_volumes
    from kinetor.pd._design import uncertain_rates

    if model not in TUMOR_MODELS and model not in BIOMARKER_MODELS:
        raise typer.BadParameter(f"unknown model {model!r}", param_hint="--model")
    if by not in ("pooled", "group", "animal"):
        raise typer.BadParameter("choose pooled, group or animal", param_hint="--by")
    if error is not None and error not in _ERRORS:
        raise typer.BadParameter(
            f"unknown error model {error!r}: choose additive, proportional, combined or log "
            "(exponential is log)",
            param_hint="--error",
        )
    if lloq is not None and not (math.isfinite(lloq) and lloq >= 0):
        raise typer.BadParameter(f"must be a concentration >= 0, got {lloq:g}", param_hint="--lloq")
    unit = _volume_unit(volume_unit)
    if unit is not None and model not in TUMOR_MODELS:
        raise typer.BadParameter(f"{model} fits no tumour volumes", param_hint="--volume-unit")
    notes: list[str] = []
    if model in TUMOR_MODELS:
        frame = read_volumes(data, unit=unit)
        notes = frame.attrs["kinetor_notes"]
    else:
        frame = _biomarker_table(data, model)
    ex = _read_table(exposure, ("time", "day", "conc")) if exposure is not None else None
    fixed, start = _fix_and_init(fix, init)
    f = fit_pd(frame, model, exposure=ex, by=by, error=error, fixed=fixed, init=start, lloq=lloq)
    notes += getattr(f, "data_notes_", []) + getattr(f, "exposure_notes_", [])
    if getattr(f, "no_exposure_", None):
        notes.append(
            f"no exposure course in {exposure.name} for {', '.join(map(str, f.no_exposure_))}: "
            "fitted with no drug (concentration 0), as a vehicle group"
        )
    d = _common.out_dir(out)
    summ, stats = f.summary, f.fit_statistics()
    summ.insert(0, "model", model)
    notes += uncertain_rates(summ, getattr(f, "positive", ()))
    summ.to_csv(d / "parameters.csv", index=False)
    stats.to_csv(d / "fit_statistics.csv", index=False)
    f.observations_.to_csv(d / "observations.csv", index=False)
    _pd_fit_figures(f.observations_, d)
    _common.html_report(d, f"kinetor pd fit: {model} ({by})", notes)
    if _common.STATE["json"]:
        _common.emit_json(
            {
                "parameters": summ.to_dict(orient="records"),
                "statistics": stats.to_dict(orient="records"),
                "notes": notes,
            }
        )
        _common.exit_if_none_converged(f.converged_.size, int(f.converged_.sum()))
        return
    _notes(notes)
    _common.print_frame(
        summ[
            [
                "group",
                "parameter",
                "estimate",
                "se",
                "rse_pct",
                "ci_lower",
                "ci_upper",
                "unit",
                "fixed",
                "converged",
            ]
        ],
        title=f"{model} fit ({by}, {f.error} error)",
    )
    n_ok = int(f.converged_.sum())
    _common.info(
        f"converged: {n_ok} of {f.converged_.size} fit(s); wrote 3 files and report.html to {d}"
    )
    for g, why in f.convergence_reason_[~f.converged_].items():
        _common.info(f"  NOT converged ({g}): {why}")
    _common.exit_if_none_converged(f.converged_.size, n_ok)


def _fix_and_init(fix: list[str] | None, init: list[str] | None):
    """``--fix`` and ``--init`` as dicts: a value that is not a finite number, or a
    parameter both held fixed and given a start, is a usage error naming the option."""
    import math

    out = []
    for items, hint in ((fix, "--fix"), (init, "--init")):
        values = _common.number_pairs(items, hint)
        for name, value in values.items():
            if not math.isfinite(value):
                raise typer.BadParameter(f"{name}={value:g}: give a finite number", param_hint=hint)
        out.append(values)
    both = sorted(set(out[0]) & set(out[1]))
    if both:
        raise typer.BadParameter(
            f"{', '.join(both)} given with both --fix and --init: a fixed parameter is not "
            "estimated, so it has no start; keep one of the two",
            param_hint="--fix/--init",
        )
    return out[0], out[1]


def _volume_unit(unit: str | None) -> str | None:
    """``--volume-unit`` checked to be a volume (a usage error otherwise)."""
    if unit is None:
        return None
    from kinetor.data._user_table import unit_factor
    from kinetor.errors import UnitError

    try:
        unit_factor(unit, "mm^3")
    except UnitError as exc:
        raise typer.BadParameter(
            f"{exc}; give a volume unit: mm^3, mL, cm^3", param_hint="--volume-unit"
        ) from None
    return unit


def _notes(notes: list[str]) -> None:
    for note in notes:
        _common.info(f"  note: {note}")


def _read_table(path: Path, numeric: tuple[str, ...] = (), rename=None):
    """A table (CSV, semicolon or tab text, .xlsx) as a DataFrame: identifiers as text ('01'
    and '1' are two animals), the columns of numbers as numbers (as pandas' read_csv),
    the columns renamed by ``rename`` (a function of the frame); text in a ``numeric``
    column, an empty file or one without data rows is a DataError naming it."""
    from kinetor.data._user_table import PANDAS_NA, numbers_where_numeric, read_user_table
    from kinetor.errors import DataError, Problem

    raw = read_user_table(path)
    df = numbers_where_numeric(raw.frame, na=PANDAS_NA, skip=_IDS)  # as read_csv read them
    df.attrs.update(kinetor_file=raw.file, kinetor_rows=[int(r) for r in raw.rows])
    df = df if rename is None else rename(df)
    bad = [
        Problem(f"not a number: {v!r}", raw.file, int(r), c, "write a plain number (no units)")
        for c in numeric
        if c in df.columns and df[c].dtype == object
        for v, r in zip(df[c], raw.rows, strict=True)
        if str(v).strip() not in PANDAS_NA and _number(v) is None
    ]
    if bad:
        raise DataError(bad)
    return df


def _number(text) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _biomarker_table(path: Path, model: str):
    """The biomarker table of ``model`` (value, and conc for the direct models or time for
    the others); tumour volumes given to a biomarker model are named as such."""
    from kinetor.errors import DataError, Problem
    from kinetor.pd._bio_table import biomarker_columns
    from kinetor.pd.volumes import VOLUME_ALIASES

    direct = model in ("emax", "sigmoid_emax", "imax")
    need = ("value", "conc") if direct else ("value", "time")
    # the headers as the exposure reader reads them: 'Time (min)', 'Concentration', 'Response'
    df = _read_table(path, (*need, "lloq"), rename=biomarker_columns)
    missing = [c for c in need if c not in df.columns]
    if not missing:
        df["source_row"] = df.attrs["kinetor_rows"]  # the file's rows, for the fit's errors
        return df
    from kinetor.data.aliases import normalise_name

    names = {normalise_name(c) for c in df.columns}
    tumour = bool(names & {*VOLUME_ALIASES["volume"], *VOLUME_ALIASES["length"]})
    fix = (
        f"{path.name} holds tumour volumes: fit a tumour model (--model simeoni, exponential, "
        f"gompertz...); {model} is a biomarker model and needs columns {', '.join(need)}"
        if tumour
        else f"{model} needs columns {', '.join(need)} (value or response: the biomarker "
        + ("response; conc or concentration: the one at that time)" if direct else "; time)")
    )
    raise DataError([Problem(f"no '{c}' column", path.name, 1, c, fix) for c in missing])


def register(app: typer.Typer) -> None:
    app.command("tgi")(tgi)
    pd_app = typer.Typer(help="Exposure-response and tumour growth models.", no_args_is_help=True)
    pd_app.command("fit")(fit)
    app.add_typer(pd_app, name="pd")


def _pd_fit_figures(obs, folder) -> None:
    """Individual fits (linear, semi-log) and goodness of fit from the observations table
    (animal, day or time, volume or value, predicted, residual)."""
    from kinetor._figures import save_figure
    from kinetor.report.fit_figures import plot_fit_gof, plot_fit_individuals

    cols = set(obs.columns)
    t = "day" if "day" in cols else ("time" if "time" in cols else None)
    y = "volume" if "volume" in cols else ("value" if "value" in cols else None)
    ident = "animal" if "animal" in cols else None
    if None in (t, y, ident) or not {"predicted", "residual"} <= cols or not len(obs):
        return
    xlab = "Day" if t == "day" else "Time"
    for log, name in ((False, "pd_fit_individual_linear.png"), (True, "pd_fit_individual_log.png")):
        fig = plot_fit_individuals(
            obs, ident, t, y, "predicted", log=log, xlabel=xlab, ylabel=y.capitalize()
        )
        save_figure(fig, folder / name, dpi=100)
    fig = plot_fit_gof(obs, ident, t, y, "predicted", "residual", xlabel=xlab)
    save_figure(fig, folder / "pd_fit_goodness_of_fit.png", dpi=100)
