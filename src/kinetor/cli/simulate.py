"""``kinetor simulate``: a virtual xenograft (or virtual patient) study end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common
from kinetor.cli._simulate_steps import _optimise, _report, _uncertainty

_MODES = ("quasi-steady", "dynamic")
# tumour fields that take text (kinetor.translate.TumorSpec); every other one is a number
_TEXT_FIELDS = ("growth_law", "name", "lesions", "genotype", "tissue")


def _pk_params(items: list[str] | None, compound: str | None) -> dict[str, dict] | None:
    """``NAME=VALUE`` (main compound) or ``COMPOUND.NAME=VALUE`` -> {compound: {name: value}}."""
    if not items:
        return None
    out: dict[str, dict] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise typer.BadParameter(
                f"write NAME=VALUE (e.g. cl='20 L/h'), got {item!r}", param_hint="--pk-param"
            )
        comp, dot, name = key.strip().rpartition(".")
        comp = comp if dot else compound
        if not comp:
            raise typer.BadParameter(
                f"{item!r}: write COMPOUND.NAME=VALUE, or give --compound", param_hint="--pk-param"
            )
        value = value.strip()
        try:
            out.setdefault(comp, {})[name] = float(value)
        except ValueError:
            out.setdefault(comp, {})[name] = value
    return out


def _tumor_spec(tumor: str, items: list[str] | None):
    """``--tumor`` plus ``--tumor-param NAME=VALUE`` -> a tumour spec (name or dict)."""
    if not items:
        return tumor
    spec: dict = {"base": tumor}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise typer.BadParameter(
                f"write NAME=VALUE (e.g. kill_rate=0.3), got {item!r}", param_hint="--tumor-param"
            )
        key, value = key.strip(), value.strip()
        if key in _TEXT_FIELDS:
            spec[key] = value
            continue
        try:
            spec[key] = int(value) if key == "n_transit" else float(value)
        except ValueError:
            kind = "a whole number" if key == "n_transit" else "a number"
            raise typer.BadParameter(
                f"{item!r}: {key} takes {kind}, got {value!r} (text is only for "
                f"{', '.join(_TEXT_FIELDS)})",
                param_hint="--tumor-param",
            ) from None
        from kinetor.translate.tumors import range_problem

        problem = range_problem(key, spec[key])
        if problem:
            raise typer.BadParameter(
                f"{problem}; give a value in that range (docs/translate.md, tumour parameters)",
                param_hint="--tumor-param",
            )
    return spec


def simulate(
    compound: Annotated[
        str | None,
        typer.Option("--compound", "-c", help="Compound of the main treated arm (library name)."),
    ] = None,
    regimen: Annotated[
        str | None,
        typer.Option(
            "--regimen", "-r", help="Regimen of the main arm, e.g. '15 mg/kg PO QD x 21 days'."
        ),
    ] = None,
    species: Annotated[str, typer.Option("--species", help="PK species.")] = "mouse",
    tumor: Annotated[
        str,
        typer.Option(
            "--tumor",
            "-t",
            help="Tumour model: MCF7, MDA-MB-468, PC3, A549, PIK3CA_mut, PTEN_null, KRAS_mut.",
        ),
    ] = "MCF7",
    arm: Annotated[
        list[str] | None,
        typer.Option(
            "--arm",
            help="More arms: NAME=COMPOUND:REGIMEN (combination: "
            "NAME=A:REG+B:REG; vehicle: NAME=vehicle). Repeatable.",
        ),
    ] = None,
    n_animals: Annotated[
        int, typer.Option("--n-animals", "-n", min=1, help="Animals per arm.")
    ] = 10,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed (>= 0).")] = 0,
    days: Annotated[
        float | None,
        typer.Option("--days", help="Study length in days (default: regimen length, whole weeks)."),
    ] = None,
    pathway_mode: Annotated[
        str, typer.Option("--pathway-mode", help="quasi-steady (default, fast) or dynamic (exact).")
    ] = "quasi-steady",
    exposure: Annotated[
        str, typer.Option("--exposure", help="plasma (unbound plasma) or tumor (x Kp,uu).")
    ] = "plasma",
    kp_uu: Annotated[
        float,
        typer.Option("--kp-uu", help="Unbound tumour/plasma partition (with --exposure tumor)."),
    ] = 1.0,
    pk_param: Annotated[
        list[str] | None,
        typer.Option(
            "--pk-param",
            help="User PK, NAME=VALUE for the main compound or COMPOUND.NAME=VALUE "
            "(model=1cmt, cl='20 L/h', v='100 L', ka='1 1/h', f=0.5, "
            "fu=0.05). Repeatable.",
        ),
    ] = None,
    no_vehicle: Annotated[
        bool, typer.Option("--no-vehicle", help="Do not add a vehicle arm.")
    ] = False,
    no_noise: Annotated[
        bool, typer.Option("--no-noise", help="No caliper measurement error.")
    ] = False,
    n_jobs: Annotated[
        int, typer.Option("--n-jobs", help="Local processes for dynamic-mode pathway runs.")
    ] = 1,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Dask scheduler address (tcp://host:8786) for the pathway runs; "
            "needs dask[distributed].",
        ),
    ] = None,
    no_report: Annotated[bool, typer.Option("--no-report", help="Skip the HTML report.")] = False,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "simulate_out"
    ),
    tumor_param: Annotated[
        list[str] | None,
        typer.Option(
            "--tumor-param",
            help="Tumour parameter override NAME=VALUE (kill_rate=0.3, "
            "growth_law=gompertz, vmax=3000, doubling_time=8, ...). "
            "Repeatable.",
        ),
    ] = None,
    replicates: Annotated[
        int,
        typer.Option(
            "--replicates",
            help="Replicate virtual studies for the TGI interval (0: none; e.g. 1000).",
        ),
    ] = 0,
    power_: Annotated[
        bool,
        typer.Option(
            "--power",
            help="Animals per arm needed to detect each arm's effect and a TGI "
            "difference of --tgi-difference points (simulation-based).",
        ),
    ] = False,
    tgi_difference: Annotated[
        float,
        typer.Option("--tgi-difference", help="TGI difference to detect with --power (points)."),
    ] = 20.0,
    alpha: Annotated[float, typer.Option("--alpha", help="Two-sided level for --power.")] = 0.05,
    target_power: Annotated[float, typer.Option("--target-power", help="Power for --power.")] = 0.8,
    optimise: Annotated[
        bool,
        typer.Option(
            "--optimise",
            help="Search dose, interval and on/off pattern of --compound for the "
            "best TGI under the glucose constraint (therapeutic window).",
        ),
    ] = False,
    max_glucose: Annotated[
        float,
        typer.Option(
            "--max-glucose", help="Toxicity constraint for --optimise: peak plasma glucose (mg/dL)."
        ),
    ] = 250.0,
    doses: Annotated[
        str | None,
        typer.Option(
            "--doses",
            help="Doses (mg/kg) searched by --optimise, comma-separated (default 5, 10, ..., 640).",
        ),
    ] = None,
    weeks: Annotated[int, typer.Option("--weeks", help="Treatment weeks for --optimise.")] = 3,
) -> None:
    """Virtual study: dose -> PK -> free drug -> pathway -> biomarkers -> tumour -> TGI.

    Writes pk.csv, biomarkers.csv, tumor.csv, tgi.csv, summary.csv, settings.json,
    pk.png, biomarkers.png, tumor.png and report.html into --out; with --replicates also
    tgi_intervals.csv, with --power power.csv; with --optimise only schedules.csv,
    frontier.csv, best.json and tradeoff.png. Notes say how many doses fall after the end
    of the simulation (--days shorter than the regimen) and which arms failed.
    """
    from kinetor.translate import run_study

    if pathway_mode not in _MODES:
        raise typer.BadParameter(f"choose one of {', '.join(_MODES)}", param_hint="--pathway-mode")
    if exposure not in ("plasma", "tumor"):
        raise typer.BadParameter("choose plasma or tumor", param_hint="--exposure")
    if not max_glucose > 0:
        raise typer.BadParameter(
            f"must be > 0 mg/dL, got {max_glucose:g}", param_hint="--max-glucose"
        )
    if compound is None and regimen is None and not arm:
        raise typer.BadParameter("give --compound and --regimen, or --arm", param_hint="--compound")
    from kinetor.limits import check as check_limit

    if days is not None:
        if not days > 0:
            raise typer.BadParameter(f"{days:g} must be > 0", param_hint="--days")
        check_limit("simulated_hours", days * 24.0, "hours (--days x 24)")
    check_limit("subjects", n_animals, "animals per arm (--n-animals)")
    user_pk = _pk_params(pk_param, compound)
    tumor_spec = _tumor_spec(tumor, tumor_param)
    if optimise:
        try:
            dose_list = [float(x) for x in doses.split(",") if x.strip()] if doses else None
        except ValueError:
            raise typer.BadParameter(
                f"write numbers separated by commas, got {doses!r}", param_hint="--doses"
            ) from None
        _optimise(
            compound,
            species,
            tumor_spec,
            n_animals,
            seed,
            user_pk,
            max_glucose,
            replicates,
            out,
            dose_list,
            weeks,
        )
        return
    if (scheduler is not None or n_jobs != 1) and pathway_mode != "dynamic":
        _common.info(
            "note: --n-jobs/--scheduler distribute --pathway-mode dynamic runs; "
            "the quasi-steady mode runs here"
        )
    with _common.progress() as bar:
        task = bar.add_task("simulating animals", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        res = run_study(
            compound,
            species,
            tumor_spec,
            regimen,
            n_animals=n_animals,
            seed=seed,
            arms=arm or None,
            vehicle=not no_vehicle,
            days=days,
            pathway_mode=pathway_mode,
            exposure=exposure,
            kp_uu=kp_uu,
            pk=user_pk,
            noise=not no_noise,
            n_jobs=n_jobs,
            scheduler=scheduler,
            progress=tick,
        )
    d = _common.out_dir(out)
    figs = res.figures()
    files = res.save(d, figures=figs)
    study_kw = {
        "arms": arm or None,
        "vehicle": not no_vehicle,
        "days": days,
        "exposure": exposure,
        "kp_uu": kp_uu,
        "pk": user_pk,
        "noise": not no_noise,
    }
    extra = _uncertainty(
        compound,
        species,
        tumor_spec,
        regimen,
        n_animals,
        seed,
        replicates,
        power_,
        tgi_difference,
        alpha,
        target_power,
        study_kw,
        d,
    )
    files += extra.pop("files")
    if not no_report:
        files.append(_report(res, d, figs, extra))
    tgi, notes = res.tgi, res.notes
    if _common.STATE["json"]:
        _common.emit_json(
            {
                "notes": notes,
                "tgi": tgi.to_dict(orient="records"),
                "summary": res.summary().to_dict(orient="records"),
                **{k: v.to_dict(orient="records") for k, v in extra.items()},
                "files": [str(p) for p in files],
            }
        )
        return
    if not tgi.empty:
        _common.print_frame(
            tgi[["arm", "n_day", "mean_start", "mean_day", "tc_pct", "tgi_pct", "reason"]],
            title=f"TGI vs {res.control} on day {tgi['day'].max():g}: "
            f"{tgi['formula'].iloc[0]} (this {n_animals}-animal draw)",
        )
    if "intervals" in extra:
        _common.print_frame(
            extra["intervals"],
            title=f"TGI over {replicates} replicate "
            "studies: typical animal, population mean, median and 95 % "
            "interval",
        )
    if "power" in extra:
        _common.print_frame(
            extra["power"], title="Animals per arm (Welch t-test on the volume change; simulated)"
        )
    for note in notes:
        _common.info(f"note: {note}")
    _common.info(f"wrote {len(files)} files to {d}")


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)
