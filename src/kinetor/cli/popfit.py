"""``kinetor popfit``: population PK fit (FOCE-I), diagnostics, VPC and report."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common

_MODELS = ("1cmt-iv", "1cmt-oral", "1cmt-oral-lag", "2cmt-iv", "2cmt-oral", "2cmt-oral-lag")


def popfit(
    data: Annotated[str, typer.Argument(help="Study file or folder (CSV, .xlsx, NONMEM).")],
    model: Annotated[
        str, typer.Option("--model", help="Model: " + ", ".join(_MODELS) + ".")
    ] = "1cmt-oral",
    eta: Annotated[
        str | None,
        typer.Option(
            "--eta",
            help="Parameters with between-subject variability, e.g. cl,v,ka "
            "(default: all but tlag).",
        ),
    ] = None,
    omega: Annotated[str, typer.Option("--omega", help="diagonal or block.")] = "diagonal",
    covariate: Annotated[
        list[str] | None,
        typer.Option(
            "--covariate",
            help="PARAM~COV: cl~weight (allometric 0.75/1), cl~weight:est, "
            "v~sex:cat, cl~age (power). Repeatable.",
        ),
    ] = None,
    error: Annotated[
        str, typer.Option("--error", help="additive, proportional or combined.")
    ] = "additive",
    blq: Annotated[str, typer.Option("--blq", help="m3 (censored) or drop.")] = "m3",
    init: Annotated[
        list[str] | None,
        typer.Option(
            "--init",
            help="Initial values NAME=VALUE (cl, v, ka, omega_cl, iov_cl, add_sd...).",
        ),
    ] = None,
    cov_method: Annotated[
        str,
        typer.Option(
            "--cov", help="Covariance step: sandwich (R^-1 S R^-1), hessian (2 R^-1) or none."
        ),
    ] = "sandwich",
    n_vpc: Annotated[int, typer.Option("--vpc", help="VPC replicates (0: no VPC).")] = 1000,
    bins: Annotated[int, typer.Option("--bins", help="VPC time bins (quantiles).")] = 6,
    analyte: Annotated[str | None, typer.Option("--analyte")] = None,
    time_unit: Annotated[str | None, typer.Option("--time-unit", help="e.g. h.")] = None,
    conc_unit: Annotated[str | None, typer.Option("--conc-unit", help="e.g. mg/L.")] = None,
    dose_unit: Annotated[str | None, typer.Option("--dose-unit", help="e.g. mg.")] = None,
    weight_unit: Annotated[
        str | None,
        typer.Option("--weight-unit", help="Unit of a weight column without one, e.g. kg."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Seed for NPDE and VPC (>= 0).")] = 0,
    ci_level: Annotated[float, typer.Option("--ci-level", help="Level of the Wald CIs.")] = 0.95,
    compare_sparse: Annotated[
        bool,
        typer.Option(
            "--compare-sparse",
            help="Serial-sacrifice data: also fit by naive pooling and by "
            "sparse NCA per dose group (sparse_comparison.csv).",
        ),
    ] = False,
    occasions: Annotated[bool, _common.occasions_option()] = False,
    iov: Annotated[
        str | None,
        typer.Option(
            "--iov",
            help="Parameters with inter-occasion variability, e.g. cl or cl,v (occasions "
            "from --occasions or --individual).",
        ),
    ] = None,
    individual: Annotated[
        str | None,
        typer.Option(
            "--individual",
            help="Column naming each occasion's individual (default: nonmem_id, written "
            "by --occasions).",
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("popfit"),
) -> None:
    """Fit a population PK model by FOCE with interaction.

    Writes estimates.csv (with a unit column), fit_stats.csv (OFV, AIC, BIC, converged
    and why), ebe.csv (individual parameters headed with their unit, e.g. "cl (L/h)"),
    residuals.csv (PRED, IPRED, CWRES, NPDE), vpc.csv (with the fraction BLQ per bin),
    methods.json (the study's and the fit's notes),
    gof.png, vpc.png, pcvpc.png, individual_fits.png and report.html; with
    --compare-sparse also sparse_comparison.csv (population fit, naive pooling, sparse NCA).
    """
    from kinetor._figures import save_figure
    from kinetor.data import read_study
    from kinetor.popfit import popfit as fit_
    from kinetor.popfit import vpc
    from kinetor.report.popfit import plot_gof, plot_individual_fits, plot_vpc

    for value, allowed, hint in (
        (model.lower(), _MODELS, "--model"),
        (omega, ("diagonal", "block"), "--omega"),
        (error, ("additive", "proportional", "combined"), "--error"),
        (blq, ("m3", "drop"), "--blq"),
        (cov_method, ("sandwich", "hessian", "none"), "--cov"),
    ):
        if value not in allowed:
            raise typer.BadParameter(f"choose one of {', '.join(allowed)}", param_hint=hint)
    if not 0.0 < ci_level < 1.0:
        raise typer.BadParameter("give a level between 0 and 1, e.g. 0.95", param_hint="--ci-level")
    if n_vpc < 0 or 0 < n_vpc < 20:
        raise typer.BadParameter(
            f"{n_vpc}: give at least 20 replicates, or 0 for no VPC", param_hint="--vpc"
        )
    if n_vpc and bins < 1:
        raise typer.BadParameter(f"{bins}: give 1 or more time bins", param_hint="--bins")
    if eta is not None and not all(p.strip() for p in eta.split(",")):
        raise typer.BadParameter(
            "name the parameters, e.g. cl,v (leave --eta out for all but tlag)",
            param_hint="--eta",
        )
    if eta is not None:
        names = [p.strip().lower() for p in eta.split(",")]
        twice = sorted({p for p in names if names.count(p) > 1})
        if twice:
            raise typer.BadParameter(
                f"{', '.join(twice)} given twice: name each parameter once, e.g. cl,v",
                param_hint="--eta",
            )
    if iov is not None and not [p for p in iov.split(",") if p.strip()]:
        raise typer.BadParameter("name the parameters, e.g. cl or cl,v", param_hint="--iov")
    start = _common.number_pairs(init, "--init")
    _check_names(model, eta, iov, error, start)
    for name, value in start.items():
        if not (math.isfinite(value) and value > 0):
            raise typer.BadParameter(
                f"{name}={value:g}: initial values (typical values, omegas, SDs) must be > 0",
                param_hint="--init",
            )
    units = {
        k: v
        for k, v in (
            ("time", time_unit),
            ("conc", conc_unit),
            ("dose", dose_unit),
            ("weight", weight_unit),
        )
        if v
    }
    study = read_study(data, units=units or None, occasions=occasions)
    with _common.progress() as bar:
        task = bar.add_task(f"FOCE-I {model}", total=1)
        res = fit_(
            study,
            model,
            eta=[p.strip() for p in eta.split(",") if p.strip()] if eta else None,
            omega=omega,
            covariates=list(covariate or []),
            error=error,
            blq=blq,
            init=start or None,
            analyte=analyte,
            cov_method=cov_method,
            seed=seed,
            ci_level=ci_level,
            iov=[p.strip() for p in iov.split(",") if p.strip()] if iov else (),
            individual=individual,
        )
        bar.update(task, advance=1)
    d = _common.out_dir(out)
    summary = res.summary()
    summary.to_csv(d / "estimates.csv", index=False)
    # individual parameters carry their unit in the header, e.g. "cl (L/h)" (etas unitless)
    unit = dict(zip(res.theta["parameter"], res.theta["unit"], strict=True))
    res.ebe.rename(columns={p: f"{p} ({unit[p]})" for p in res.model.params if unit.get(p)}).to_csv(
        d / "ebe.csv", index=False
    )
    res.table.to_csv(d / "residuals.csv", index=False)
    stats = {
        "ofv": res.ofv,
        "loglik": res.loglik,
        "aic": res.aic,
        "bic": res.bic,
        "n_subjects": res.n_subjects,
        "n_occasions": res.n_occasions,
        "n_obs": res.n_obs,
        "converged": res.converged,
        "reason": res.reason,
        "covariance": res.cov_method,
    }
    import pandas as pd

    pd.DataFrame([stats]).to_csv(d / "fit_stats.csv", index=False)
    files = [
        d / "estimates.csv",
        d / "fit_stats.csv",
        d / "ebe.csv",
        d / "residuals.csv",
        save_figure(plot_gof(res), d / "gof.png", dpi=100),
        save_figure(plot_individual_fits(res), d / "individual_fits.png", dpi=100),
    ]
    # the study's notes (excluded rows, a covariate reduced to one value per subject) first
    notes = [*study.notes, *res.notes]
    if n_vpc:
        v = vpc(res, n_vpc, bins=bins, seed=seed)
        pc = vpc(res, n_vpc, bins=bins, pred_corr=True, seed=seed)
        notes += [f"pcVPC: {n}" for n in pc.notes]
        v.table.to_csv(d / "vpc.csv", index=False)
        files += [
            d / "vpc.csv",
            save_figure(plot_vpc(v), d / "vpc.png", dpi=100),
            save_figure(plot_vpc(pc), d / "pcvpc.png", dpi=100),
        ]
    if compare_sparse:
        from kinetor.popfit.compare import serial_sacrifice_comparison

        comp = serial_sacrifice_comparison(
            study, res.model.structure, error=error, fit=res, ci_level=ci_level
        )
        comp.to_csv(d / "sparse_comparison.csv", index=False)
        files.append(d / "sparse_comparison.csv")
    import json

    (d / "methods.json").write_text(json.dumps({"Notes": notes}, indent=1), encoding="utf-8")
    files.append(d / "methods.json")
    files.append(_common.html_report(d, f"kinetor popfit: {res.model.structure} FOCE-I"))
    if _common.STATE["json"]:
        _common.emit_json(
            {
                **stats,
                "notes": notes,
                "estimates": summary.to_dict(orient="records"),
                "files": [str(p) for p in files],
            }
        )
        _common.exit_if_none_converged(1, int(res.converged))
        return
    _common.print_frame(
        summary,
        title=(
            f"FOCE-I {res.model.structure}: OFV {res.ofv:.3f} (no N log 2pi), AIC {res.aic:.2f}, "
            f"BIC {res.bic:.2f}, converged={res.converged} ({res.reason})"
        ),
    )
    _common.info(f"covariance: {res.cov_method}")
    for note in notes:
        _common.info(f"  note: {note}")
    _common.info(f"wrote {len(files)} files to {d}")
    _common.exit_if_none_converged(1, int(res.converged))


def _check_names(model: str, eta, iov, error: str, start: dict[str, float]) -> None:
    """--eta, --iov and the names of --init against the model: a usage error (exit 2)."""
    from kinetor.errors import ModelError
    from kinetor.popfit import PopModel

    def names(text):
        return [p.strip() for p in text.split(",") if p.strip()] if text else None

    try:
        m = PopModel(model, eta=names(eta), error=error, iov=tuple(names(iov) or ()))  # type: ignore[arg-type]
    except ModelError as exc:
        hint = "--iov" if str(exc).startswith("iov") else "--eta"
        raise typer.BadParameter(str(exc), param_hint=hint) from None
    valid = [*m.params, *(f"omega_{p}" for p in m.eta or ()), *(f"iov_{p}" for p in m.iov or ())]
    valid += m.sigma_names
    unknown = sorted(k for k in start if k.lower() not in valid)
    if unknown:
        raise typer.BadParameter(
            f"unknown name(s) {', '.join(unknown)} for model {m.structure} with "
            f"--error {error}: use {', '.join(valid)}",
            param_hint="--init",
        )


def register(app: typer.Typer) -> None:
    app.command("popfit")(popfit)
