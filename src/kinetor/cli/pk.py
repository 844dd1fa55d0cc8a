"""``kinetor simulate-pk`` and ``kinetor fit``: PK simulation and compartmental fitting.

Only typer and the CLI plumbing are imported here; kinetor.pk loads inside the commands.
"""

from __future__ import annotations

import math
from typing import Annotated

import typer

from kinetor.cli import _common

_MODELS = ("1cmt", "2cmt", "3cmt", "1cmt-oral", "2cmt-oral", "3cmt-oral", "mm", "mm-oral")


def register(app: typer.Typer) -> None:
    app.command("simulate-pk")(simulate_pk)
    app.command("fit")(fit_command)


def _pairs(items: list[str], flag: str) -> dict[str, str]:
    """``name=value`` options whose value may carry a unit (``cl='5 L/h'``); numbers only
    go through :func:`kinetor.cli._common.number_pairs`. A name given twice is refused."""
    out = {}
    for item in items:
        if "=" not in item:
            raise typer.BadParameter(
                f"{item!r}: write name=value, e.g. cl='5 L/h'", param_hint=flag
            )
        k, v = item.split("=", 1)
        if k.strip() in out:  # the last one silently won
            raise typer.BadParameter(f"{k.strip()!r} given twice", param_hint=flag)
        out[k.strip()] = v.strip()
    return out


def _float(v: str, flag: str) -> float:
    try:
        return float(v)
    except ValueError:
        raise typer.BadParameter(f"{v!r} is not a number", param_hint=flag) from None


def _number_or_text(v: str):
    try:
        return float(v)
    except ValueError:
        return v


def _check_params(cls, model: str, params: dict, reg) -> None:
    """Usage errors naming ``--param``: a name the model does not have, and an absorption
    parameter (ka, f, tlag act on extravascular doses only) given to a model without
    absorption (1cmt, 2cmt, 3cmt, mm) with a regimen that has no extravascular dose."""
    allowed = [*cls.names, *cls.optional]
    unknown = [k for k in params if k not in allowed]
    if unknown:
        raise typer.BadParameter(
            f"{', '.join(unknown)}: not a parameter of {model}; use {', '.join(allowed)}",
            param_hint="--param",
        )
    if cls.requires_ka or (reg.to_table()["route"] == "extravascular").any():
        return
    unused = [k for k in ("ka", "f", "tlag") if k in params]
    if unused:
        raise typer.BadParameter(
            f"{', '.join(unused)}: {model} has no absorption and the regimen '{reg}' has no "
            f"extravascular dose, so {'they' if len(unused) > 1 else 'it'} would not be used "
            f"(ka, f and tlag act on extravascular doses only): leave "
            f"{'them' if len(unused) > 1 else 'it'} out, or use --model {model}-oral with an "
            "extravascular regimen (PO, SC...)",
            param_hint="--param",
        )


def simulate_pk(
    param: Annotated[
        list[str],
        typer.Option(
            "--param",
            help="Parameter name=value with unit, e.g. --param cl='5 L/h' --param "
            "v1='20 L' (bare numbers: h, L, mg).",
        ),
    ],
    model: str = typer.Option(..., "--model", help="Model: " + ", ".join(_MODELS) + "."),
    regimen: str = typer.Option(..., "--regimen", help="e.g. '15 mg/kg PO BID x 28 days'."),
    hours: float = typer.Option(..., "--hours", help="Simulate from 0 to this time (h)."),
    dt: float = typer.Option(1.0, "--dt", help="Output step (h)."),
    n_subjects: int = typer.Option(1, "--n-subjects", min=1, help="Number of virtual subjects."),
    cv: Annotated[
        list[str] | None, typer.Option("--cv", help="Log-normal BSV as CV, e.g. --cv cl=0.3.")
    ] = None,
    weight: float | None = typer.Option(
        None, "--weight", help="Body weight (kg), needed for mg/kg doses and per-kg parameters."
    ),
    prop_error: float = typer.Option(0.0, "--prop-error", help="Proportional residual SD."),
    add_error: float = typer.Option(
        0.0, "--add-error", help="Additive residual SD (concentration unit)."
    ),
    conc_unit: str = typer.Option("ng/mL", "--conc-unit", help="Output concentration unit."),
    mw: float | None = typer.Option(None, "--mw", help="Molecular weight (g/mol) for molar units."),
    seed: int | None = typer.Option(None, "--seed", min=0, help="Random seed (>= 0)."),
    out: str = typer.Option(
        "pk_simulation",
        "--out",
        help="Folder for pk_conc.csv, pk_params.csv, pk_summary.csv, pk_exposure.csv and "
        "pk_regimen.csv.",
    ),
) -> None:
    """Simulate a PK model for one subject or a virtual population (closed forms)."""
    _common.choice(model, _MODELS, "--model")
    import numpy as np

    from kinetor.limits import check as check_limit
    from kinetor.pk import Regimen, model_class, simulate

    params = {k: _number_or_text(v) for k, v in _pairs(param, "--param").items()}
    variability = _common.number_pairs(cv, "--cv")
    from kinetor.pk.variability import MAX_CV

    for k, c in variability.items():
        if not 0 <= c <= MAX_CV:  # above: a percentage written where a fraction is meant
            raise typer.BadParameter(
                f"{k}={c:g}: a CV is a fraction from 0 to {MAX_CV:g} (0.3 = 30 %)",
                param_hint="--cv",
            )
    for flag, sd in (("--prop-error", prop_error), ("--add-error", add_error)):
        if not (math.isfinite(sd) and sd >= 0):
            raise typer.BadParameter(f"{sd:g}: a residual SD is a number >= 0", param_hint=flag)
    if weight is not None and not (math.isfinite(weight) and weight > 0):
        raise typer.BadParameter(
            f"{weight:g}: a weight is a number > 0 (kg)", param_hint="--weight"
        )
    if not (hours > 0 and dt > 0):
        raise typer.BadParameter(
            f"--hours {hours:g} and --dt {dt:g} must both be > 0", param_hint="--hours/--dt"
        )
    if dt > hours:  # one time point (0 h): no exposure to report
        raise typer.BadParameter(
            f"--dt {dt:g} is longer than --hours {hours:g}: give a step <= the simulated time",
            param_hint="--dt",
        )
    check_limit("simulated_hours", hours, "hours (--hours)")
    check_limit(
        "values", n_subjects * (hours / dt + 1), "simulated values (--n-subjects x --hours/--dt)"
    )
    cls = model_class(model)
    reg = Regimen.parse(regimen)
    _check_params(cls, model, params, reg)
    m = cls(**params)
    times = np.arange(math.floor(hours / dt + 1e-9) + 1) * dt
    if hours - times[-1] > 1e-9 * hours:  # --hours not a multiple of --dt: end there too
        times = np.append(times, hours)
    times[-1] = hours
    residual = {"prop": prop_error, "add": add_error} if (prop_error or add_error) else None
    with _common.progress() as bar:
        task = bar.add_task(f"simulating {n_subjects} subject(s)", total=1)
        sim = simulate(
            m,
            reg,
            times,
            n_subjects=n_subjects,
            variability=variability or None,
            weight=weight,
            residual=residual,
            seed=seed,
            conc_unit=conc_unit,
            mw=mw,
        )
        bar.update(task, advance=1)
    folder = _common.out_dir(out)
    sim.to_frame().to_csv(folder / "pk_conc.csv", index=False)
    sim.params.to_csv(folder / "pk_params.csv", index=False)
    summary = sim.summary()
    summary.to_csv(folder / "pk_summary.csv", index=False)
    reg.to_table().to_csv(folder / "pk_regimen.csv", index=False)
    from kinetor._figures import save_figure
    from kinetor.report.fit_figures import plot_simulation_bands

    fig = plot_simulation_bands(sim.to_frame(), conc_unit)
    save_figure(fig, folder / "pk_simulation_bands.png", dpi=100)
    exposure = sim.exposure()
    exposure.to_csv(folder / "pk_exposure.csv", index=False)
    _common.html_report(folder, "kinetor simulate-pk: simulated PK")
    if _common.STATE["json"]:
        _common.emit_json(
            {
                "out": str(folder),
                "model": repr(m),
                "regimen": str(reg),
                "n_subjects": n_subjects,
                "times": int(times.size),
                "hours": hours,
                "cmax_median": float(exposure["CMAX"].median()),
                "cmin_median": float(exposure["CMIN"].median()),
                "ctrough_median": float(exposure["CTROUGH"].median()),
                "auc_median": float(exposure["AUC"].median()),
                "auc_method": f"linear trapezoid on the --dt {dt:g} h grid",
            }
        )
        return
    _common.info(
        f"simulate-pk {m!r}\n  regimen: {reg}\n  "
        f"{n_subjects} subject(s) x {times.size} times; wrote {folder}"
    )
    cols = ["CMAX", "TMAX", "CMIN", "CTROUGH", "AUC"]
    stats = exposure[cols].quantile([0.05, 0.5, 0.95])
    stats.index = ["5%", "50%", "95%"]
    _common.print_frame(
        stats.reset_index().rename(columns={"index": "quantile", "AUC": "AUC (trapezoid)"}),
        title=f"Exposure over 0-{times[-1]:g} h ({conc_unit}, h): CMAX, TMAX on the --dt grid; "
        "CMIN the lowest grid value after the first dose; CTROUGH the exact "
        "concentration just before the last dose (NaN with fewer than two doses); AUC by "
        f"the linear trapezoid on the --dt {dt:g} h grid",
    )


def fit_command(
    data: str = typer.Argument(..., help="Study file or folder (CSV, .xlsx, SEND, NONMEM)."),
    model: str = typer.Option("1cmt-oral", "--model", help="Model: " + ", ".join(_MODELS) + "."),
    pooling: str = typer.Option(
        "individual",
        "--pooling",
        help="individual or naive (all subjects together; sparse designs).",
    ),
    method: str = typer.Option("ml", "--method", help="ml (likelihood) or wls."),
    error: str = typer.Option(
        "proportional", "--error", help="Residual error: proportional, additive, combined or log."
    ),
    blq: str = typer.Option("m3", "--blq", help="BLQ samples: m3 (censored likelihood) or drop."),
    predose: str = typer.Option(
        "exclude",
        "--predose",
        help="Samples at or before the first dose: exclude (flagged) or baseline "
        "(subtracted from later samples).",
    ),
    estimate: Annotated[
        list[str] | None,
        typer.Option(
            "--estimate",
            help="Parameters to estimate, repeated or comma-separated (default: the model's; "
            "add f with IV + PO data). "
            "A parameter given with --init but not --estimate is held fixed at that value.",
        ),
    ] = None,
    init: Annotated[
        list[str] | None,
        typer.Option("--init", help="Initial estimates name=value (> 0), e.g. --init ka=1."),
    ] = None,
    time_unit: str | None = typer.Option(None, "--time-unit", help="Time unit, e.g. h."),
    conc_unit: str | None = typer.Option(None, "--conc-unit", help="Concentration unit."),
    dose_unit: str | None = typer.Option(None, "--dose-unit", help="Dose unit, e.g. mg/kg."),
    doses: str | None = typer.Option(None, "--doses", help="Separate doses table."),
    occasions: Annotated[bool, _common.occasions_option()] = False,
    out: str = typer.Option(
        "pk_fit",
        "--out",
        help="Folder for pk_fit_parameters.csv, pk_fit_predictions.csv and pk_fit_stats.csv.",
    ),
) -> None:
    """Fit a compartmental model (WLS or likelihood with M3 BLQ) to every subject."""
    _common.choice(model, _MODELS, "--model")
    _common.choice(pooling, ("individual", "naive"), "--pooling")
    _common.choice(method, ("ml", "wls"), "--method")
    _common.choice(error, ("proportional", "additive", "combined", "log"), "--error")
    _common.choice(blq, ("m3", "drop"), "--blq")
    _common.choice(predose, ("exclude", "baseline"), "--predose")
    # --estimate cl,v,ka as well as --estimate cl --estimate v (as popfit --eta takes lists)
    estimate = [n.strip() for e in estimate or [] for n in e.split(",") if n.strip()]
    start = _fit_names(model, estimate, _pairs(init or [], "--init"))
    from kinetor.data import read_study
    from kinetor.pk import fit_pk

    units = {k: v for k, v in (("time", time_unit), ("conc", conc_unit), ("dose", dose_unit)) if v}
    study = read_study(data, units=units or None, doses=doses, occasions=occasions)
    with _common.progress() as bar:
        task = bar.add_task(f"fitting {model}", total=1)
        res = fit_pk(
            study,
            model,
            pooling=pooling,
            method=method,
            error=error,
            blq=blq,
            init=start or None,
            estimate=list(estimate or []) or None,
            predose=predose,
        )
        bar.update(task, advance=1)
    folder = _common.out_dir(out)
    res.params.to_csv(folder / "pk_fit_parameters.csv", index=False)
    res.predictions.to_csv(folder / "pk_fit_predictions.csv", index=False)
    res.stats.to_csv(folder / "pk_fit_stats.csv", index=False)
    _fit_figures(res.predictions, folder, study.units)
    _fit_report(folder, res.stats, pooling)
    n_ok = int(res.stats["converged"].sum())
    if _common.STATE["json"]:
        _common.emit_json(
            {
                "out": str(folder),
                "model": model,
                "fits": len(res.stats),
                "converged": n_ok,
                "not_converged": {
                    str(r.subject): r.reason for r in res.stats.itertuples() if not r.converged
                },
                "notes": [*study.notes, *res.notes],
            }
        )
        _common.exit_if_none_converged(len(res.stats), n_ok)
        return
    _common.info(
        f"fit {study.source}: {model}, {method.upper()}, "
        f"{len(res.stats)} fit(s), {n_ok} converged; wrote {folder}"
    )
    for note in [*study.notes, *res.notes]:  # the study's: excluded rows, as validate says
        _common.info(f"  note: {note}")
    for r in res.stats.itertuples():
        if not r.converged:
            _common.info(f"  NOT converged {r.subject}: {r.reason}")
    cols = ["subject", "parameter", "estimate", "se", "rse_pct", "ci_lower", "ci_upper", "unit"]
    _common.print_frame(res.params[[*cols, "converged"]], title="Parameters (95% CI)")
    _common.exit_if_none_converged(len(res.stats), n_ok)


def _fit_names(model: str, estimate: list[str], init: dict[str, str]) -> dict[str, float]:
    """--estimate and --init checked against the model's parameters before any work:
    unknown names and values that are not numbers > 0 (f in (0, 1]) are usage errors."""
    from kinetor.pk.fit import fit_parameters
    from kinetor.pk.models import model_class

    allowed = fit_parameters(model_class(model))
    for flag, names in (("--estimate", estimate), ("--init", list(init))):
        unknown = [k for k in names if k not in allowed]
        if unknown:
            raise typer.BadParameter(
                f"unknown parameter {', '.join(unknown)}: model {model} has {', '.join(allowed)}",
                param_hint=flag,
            )
    start = {}
    for k, v in init.items():
        x = _float(v, "--init")
        if not (math.isfinite(x) and x > 0) or (k == "f" and x > 1):
            raise typer.BadParameter(
                f"{k}={v}: " + ("f must be in (0, 1]" if k == "f" else f"{k} must be > 0"),
                param_hint="--init",
            )
        start[k] = x
    return start


def _fit_report(folder, stats, pooling: str) -> None:
    """report.html of what fit wrote, with a line above the parameters saying how many fits
    did not converge (the panels of the individual-fit figures say which)."""
    from kinetor.report import report_from_dir

    kinds = ("parameters.csv", "predictions.csv", "stats.csv", "individual_linear.png")
    names = [f"pk_fit_{n}" for n in (*kinds, "individual_log.png", "goodness_of_fit.png")]
    names = [n for n in names if (folder / n).is_file()]
    rep = report_from_dir(folder, "kinetor fit: compartmental PK fit", rescan=True, files=names)
    bad = stats.loc[~stats["converged"].astype(bool), "subject"].astype(str).tolist()
    what = "subjects" if pooling == "individual" else "fits"
    rep.add_text(
        f"**{len(bad)} of {len(stats)} {what} not converged**"
        + (f": {', '.join(bad)} (the reason column says why)" if bad else "")
    )
    rep.blocks.insert([b["type"] for b in rep.blocks].index("table"), rep.blocks.pop())
    rep.save(folder / "report.html")
    old = [p for p in folder.iterdir() if p.suffix in (".csv", ".png") and p.name not in names]
    if old:
        _common.info(
            f"{len(old)} file(s) in {folder} were not written by this run and are not in the report"
        )


def _fit_figures(pred, folder, units: dict) -> None:
    """Individual fits (linear, semi-log; the panels of fits that did not converge say
    so) and goodness of fit from the public predictions table (subject, time, dv, ipred,
    and wres or res)."""
    from kinetor._figures import save_figure
    from kinetor.report.fit_figures import plot_fit_gof, plot_fit_individuals

    need = {"subject", "time", "dv", "ipred"}
    if pred is None or not need <= set(pred.columns) or not len(pred):
        return
    res_col = "wres" if "wres" in pred.columns else ("res" if "res" in pred.columns else None)
    bad = pred.loc[~pred["converged"].astype(bool), "subject"] if "converged" in pred else []
    xlab = f"Time ({units.get('time', '')})"
    ylab = f"Concentration ({units.get('conc', '')})"
    for log, name in ((False, "pk_fit_individual_linear.png"), (True, "pk_fit_individual_log.png")):
        fig = plot_fit_individuals(
            pred, "subject", "time", "dv", "ipred", log=log, xlabel=xlab, ylabel=ylab, failed=bad
        )
        save_figure(fig, folder / name, dpi=100)
    if res_col:
        fig = plot_fit_gof(pred, "subject", "time", "dv", "ipred", res_col, xlabel=xlab)
        save_figure(fig, folder / "pk_fit_goodness_of_fit.png", dpi=100)
