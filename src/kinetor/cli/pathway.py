"""``kinetor pathway``: simulate the PI3K/AKT/mTOR network, export it, calibrate it.

Commands: ``simulate``, ``dose-response``, ``export``, ``calibrate``, ``validate``,
``drugs``. Each analysis command
writes tidy CSV (and a PNG plot) into ``--out DIR``.
"""

from __future__ import annotations

import re
from typing import Annotated

import typer

from kinetor.cli._common import html_report, info, out_dir, print_frame

pathway_app = typer.Typer(
    help="The PI3K/AKT/mTOR network: simulate, dose-response, export, calibrate.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    app.add_typer(pathway_app, name="pathway")


def _parse_context(items: list[str]) -> dict[str, float]:
    from kinetor.errors import ModelError

    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ModelError(f"--context {item!r}: write NAME=LEVEL, e.g. growth_factor=0")
        try:
            out[key.strip()] = float(value)
        except ValueError as exc:
            raise ModelError(f"--context {item!r}: {value!r} is not a number") from exc
    return out


_DOSE_WORDS = re.compile(r"(?i)\b(po|iv|sc|ip|oral|bolus|infusion|qd|bid|tid|q\d+h)\b|/kg")


def _parse_drug(spec: str, species: str = "mouse"):
    """``name:10nM``, ``name:1 uM``, ``name:profile.csv`` (columns time_h, conc_nM) or
    ``name:REGIMEN`` (e.g. ``vistusertib:15 mg/kg PO BID x 3 days``): the exact unbound
    course from the compound library's ``species`` PK set (``kinetor.pk.polyexponential``)."""
    from pathlib import Path

    from kinetor.errors import DataError, ModelError, Problem
    from kinetor.pathway import resolve_drug

    name, sep, value = spec.partition(":")
    if not sep or not value.strip():
        raise ModelError(
            f"--drug {spec!r}: write NAME:CONC (e.g. everolimus:10nM), "
            "NAME:FILE.csv or NAME:REGIMEN (e.g. 'vistusertib:15 mg/kg PO QD x 3 "
            "days')"
        )
    value = value.strip()
    path = Path(value)
    if path.suffix.lower() == ".csv":
        import pandas as pd

        drug = resolve_drug(name.strip())
        df = pd.read_csv(path)
        missing = [c for c in ("time_h", "conc_nM") if c not in df.columns]
        if missing:
            raise DataError(
                [
                    Problem(
                        f"missing column {c!r}",
                        file=path.name,
                        column=c,
                        fix="give columns time_h and conc_nM",
                    )
                    for c in missing
                ]
            )
        return drug, (df["time_h"].tolist(), df["conc_nM"].tolist())
    if _DOSE_WORDS.search(value):
        return _course(name.strip(), value, species)
    return resolve_drug(name.strip()), value


def _course(compound: str, regimen: str, species: str):
    """(pathway drug, unbound course in nM) for a dose regimen in ``species``."""
    from kinetor.errors import ModelError
    from kinetor.pk import SPECIES, Regimen, polyexponential
    from kinetor.translate.arms import drug_model

    if species not in SPECIES:
        raise ModelError(f"--species {species!r}: use one of {', '.join(SPECIES)}")
    dm = drug_model(compound, species)
    course = polyexponential(
        dm.model,
        Regimen.parse(regimen),
        conc_unit="ng/mL",
        mw=dm.mw,
        weight=float(SPECIES[species]["weight"]),
    )[0]
    return dm.drug, course.scaled(dm.free_factor, "nM")


def _plot(frame, path, title: str) -> None:
    from kinetor._figures import PALETTE, REFERENCE, new_figure, save_figure

    cols = [c for c in frame.columns if c != "time"]
    ncol = 6
    nrow = -(-len(cols) // ncol)
    fig, axes = new_figure(18, 2.8 * nrow, nrow, ncol, layout="tight", sharex=True)
    for ax, col in zip(axes.ravel(), cols, strict=False):
        ax.plot(frame["time"], frame[col], color=PALETTE[0])
        ax.axhline(100.0, color=REFERENCE, lw=0.8, ls="--")
        ax.set_title(col, fontsize=9)
        ax.set_ylim(bottom=0)
    for ax in axes[-1]:
        ax.set_xlabel("time (h)")
    for ax in axes[:, 0]:
        ax.set_ylabel("% of reference")
    fig.suptitle(title, fontsize=10)
    save_figure(fig, path)


Out = Annotated[str, typer.Option("--out", help="Output folder.")]
Lesions = Annotated[
    list[str] | None, typer.Option("--lesion", help="Genetic lesion, e.g. PTEN_loss; repeatable.")
]
Contexts = Annotated[
    list[str] | None,
    typer.Option("--context", help="NAME=LEVEL, e.g. growth_factor=0; repeatable."),
]


@pathway_app.command("simulate")
def simulate_cmd(
    out: Out,
    drug: Annotated[
        list[str] | None,
        typer.Option(
            "--drug",
            help="NAME:CONC (e.g. everolimus:10nM), NAME:FILE.csv (columns time_h, "
            "conc_nM) or NAME:REGIMEN (e.g. 'vistusertib:15 mg/kg PO BID x 3 days': the exact "
            "unbound PK course from the compound library); repeatable.",
        ),
    ] = None,
    lesion: Lesions = None,
    context: Contexts = None,
    hours: Annotated[float, typer.Option("--hours", help="Duration (h).")] = 24.0,
    dt: Annotated[float, typer.Option("--dt", help="Output interval (h).")] = 0.25,
    reference: Annotated[
        str, typer.Option("--reference", help="untreated (same genotype) or parental.")
    ] = "untreated",
    species: Annotated[
        str,
        typer.Option(
            "--species",
            help="PK species for NAME:REGIMEN drugs (library PK set, reference body weight).",
        ),
    ] = "mouse",
) -> None:
    """Pre-equilibrate, add drugs at time 0 and write readouts.csv, species.csv, readouts.png
    (and exposure.csv, the unbound concentration of every time-varying drug)."""
    import pandas as pd

    from kinetor.pathway import Network
    from kinetor.pk import Polyexponential

    drug, lesion = drug or [], lesion or []
    net = Network(lesion, _parse_context(context or []))
    pairs = [_parse_drug(d, species) for d in drug]
    res = net.simulate_pairs(pairs, t_end=hours, reference=reference, dt=dt)
    folder = out_dir(out)
    t = res.readouts["time"].to_numpy()
    courses = [
        pd.DataFrame({"time_h": t, "drug": d.name, "free_conc_nM": v(t)})
        for d, v in zip(res.drugs, (v for _, v in pairs), strict=True)
        if isinstance(v, Polyexponential)
    ]
    if courses:
        pd.concat(courses).to_csv(folder / "exposure.csv", index=False)
    res.readouts.to_csv(folder / "readouts.csv", index=False)
    res.species.to_csv(folder / "species.csv", index=False)
    res.to_frame().to_csv(folder / "readouts_long.csv", index=False)
    title = (
        f"{' + '.join(d for d in drug) or 'no drug'} | "
        f"{', '.join(lesion) or 'parental'} | % of {reference}"
    )
    _plot(res.readouts, folder / "readouts.png", title)
    html_report(folder, f"kinetor pathway simulate: {title}")
    last = res.readouts.iloc[[-1]].melt(id_vars="time", var_name="readout", value_name="pct")
    print_frame(last, title=f"readouts at {hours:g} h (% of {reference})")
    info(
        f"wrote {folder / 'readouts.csv'}, species.csv, readouts_long.csv, readouts.png, "
        f"{'exposure.csv, ' if courses else ''}report.html"
    )


@pathway_app.command("dose-response")
def dose_response_cmd(
    out: Out,
    drug: Annotated[str, typer.Option("--drug", help="Drug name (compound library or built-in).")],
    hours: Annotated[float, typer.Option("--hours", help="Time of the readout (h).")] = 2.0,
    lesion: Lesions = None,
    context: Contexts = None,
    min_nm: Annotated[float, typer.Option("--min", help="Lowest free concentration (nM).")] = 0.01,
    max_nm: Annotated[float, typer.Option("--max", help="Highest free concentration (nM).")] = 1e5,
    n: Annotated[int, typer.Option("--n", help="Number of concentrations (log-spaced).")] = 22,
) -> None:
    """Readouts vs free concentration; writes dose_response.csv and ic50.csv (4PL fits)."""
    import numpy as np
    import pandas as pd

    from kinetor.pathway import READOUTS, Network, dose_response, fit_hill

    net = Network(lesion or [], _parse_context(context or []))
    concs = np.logspace(np.log10(min_nm), np.log10(max_nm), n)
    dr = dose_response(net, drug, concs, t=hours)
    rows = []
    for r in READOUTS:
        f = fit_hill(dr["conc_nM"], dr[r])
        rows.append(
            {
                "readout": r,
                "ic50_nM": f.ic50,
                "abs_ic50_nM": f.abs_ic50,
                "hill": f.hill,
                "top": f.top,
                "bottom": f.bottom,
                "reason": f.reason,
            }
        )
    fits = pd.DataFrame(rows)
    folder = out_dir(out)
    dr.to_csv(folder / "dose_response.csv", index=False)
    fits.to_csv(folder / "ic50.csv", index=False)
    html_report(folder, f"kinetor pathway dose-response: {drug} at {hours:g} h")
    print_frame(fits, title=f"{drug}: 4PL fits at {hours:g} h")
    info(f"wrote {folder / 'dose_response.csv'}, ic50.csv and report.html")


@pathway_app.command("export")
def export_cmd(
    out: Annotated[str, typer.Option("--out", help="SBML file to write.")],
    antimony: Annotated[
        bool, typer.Option("--antimony", help="Write the executable Antimony text instead of SBML.")
    ] = False,
) -> None:
    """Write the executable model (calibrated values included) as SBML or Antimony."""
    from pathlib import Path

    from kinetor.pathway import export_sbml, model_text

    path = Path(out)
    if path.parent != Path(""):
        path.parent.mkdir(parents=True, exist_ok=True)
    if antimony:
        path.write_text(model_text())
    else:
        export_sbml(path)
    info(f"wrote {path}")


@pathway_app.command("calibrate")
def calibrate_cmd(
    out: Out,
    starts: Annotated[
        int, typer.Option("--starts", help="Multi-start count (the first start is the prior).")
    ] = 8,
    jobs: Annotated[int, typer.Option("--jobs", help="Parallel processes.")] = 2,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the random starts.")] = 0,
    max_nfev: Annotated[
        int,
        typer.Option(
            "--max-nfev", help="Most residual evaluations per start (least_squares max_nfev)."
        ),
    ] = 40,
    free: Annotated[
        str | None,
        typer.Option(
            "--free",
            help="Free-parameter CSV (default: calibration/evidence_parameters.csv; "
            "with --targets: calibration/free_parameters.csv).",
        ),
    ] = None,
    targets: Annotated[
        str | None,
        typer.Option(
            "--targets",
            help="LEGACY: fit the old behaviour-window targets CSV (e.g. the "
            "packaged calibration/targets.csv) instead of the training observations. Those "
            "windows were chosen by hand and are not judged on held-out data.",
        ),
    ] = None,
    cross_validate: Annotated[
        bool, typer.Option("--cross-validate", help="With --targets: leave-one-out re-fits.")
    ] = False,
) -> None:
    """Fit the network to the TRAINING observations of pathway/evidence (multi-start least
    squares, identifiability, refit with non-identifiable parameters fixed at their priors).

    Writes fitted_parameters.csv (the format Network reads), parameters.csv (prior, value,
    standard error, start spread, identifiable, at_bound), starts.csv, validation.csv and
    summary.csv (the fitted model on training AND held-out rows). The shipped model keeps
    using the packaged calibration/fitted_parameters.csv until the new file is copied there.
    """
    if targets is not None:
        _calibrate_targets(out, targets, free, max_nfev, cross_validate, jobs)
        return
    from kinetor.pathway.calibration import write_fitted
    from kinetor.pathway.calibration.evidence import calibrate_evidence, load_evidence_parameters
    from kinetor.pathway.validation import validate

    free_tab = load_evidence_parameters(free)
    res = calibrate_evidence(free_tab, n_starts=starts, seed=seed, n_jobs=jobs, max_nfev=max_nfev)
    folder = out_dir(out)
    note = (
        f"training observations (pathway/evidence, split=train, not unverified; "
        f"{res.n_rows} rows); kinetor pathway calibrate --starts {starts} --jobs {jobs} "
        f"--seed {seed} --max-nfev {max_nfev}; converged={res.converged}"
    )
    write_fitted(res.values, folder / "fitted_parameters.csv", free=free_tab, note=note)
    res.parameters.to_csv(folder / "parameters.csv", index=False)
    res.starts.to_csv(folder / "starts.csv", index=False)
    val = validate(fitted=res.values)
    val.table.to_csv(folder / "validation.csv", index=False)
    summ = val.summary()
    summ.to_csv(folder / "summary.csv", index=False)
    print_frame(
        res.parameters[
            ["name", "prior", "value", "se_log10", "spread_log10", "identifiable", "at_bound"]
        ],
        title="evidence calibration",
    )
    print_frame(summ, title="fitted model: pass rates and RMSE (held-out rows not fitted)")
    if not res.converged:
        info(f"NOT CONVERGED: {res.message}")
    else:
        info(f"converged: {res.message}")
    info(
        f"wrote fitted_parameters.csv, parameters.csv, starts.csv, validation.csv, "
        f"summary.csv to {folder}"
    )
    html_report(folder, "kinetor pathway calibrate")


def _calibrate_targets(out, targets, free, max_nfev, cross_validate, jobs) -> None:
    from kinetor.pathway.calibration import (
        calibrate,
        load_free_parameters,
        load_targets,
        write_fitted,
    )
    from kinetor.pathway.calibration import cross_validate as loo

    tab = load_targets(targets)
    free_tab = load_free_parameters(free)
    res = calibrate(tab, free_tab, max_nfev=max_nfev)
    folder = out_dir(out)
    write_fitted(res.values, folder / "fitted_parameters.csv", free=free_tab)
    res.report.to_csv(folder / "calibration_report.csv", index=False)
    print_frame(
        res.report[["id", "set", "readout", "model", "target", "lower", "upper", "met"]],
        title=f"legacy targets calibration ({res.nfev} evaluations)",
    )
    fit = res.report[res.report["set"] == "fit"]
    info(
        f"LEGACY targets fit: {int(fit['met'].sum())}/{len(fit)} targets met; wrote "
        f"{folder / 'fitted_parameters.csv'}"
    )
    if cross_validate:
        cv = loo(tab, free_tab, max_nfev=max_nfev, n_jobs=jobs)
        cv.to_csv(folder / "cross_validation.csv", index=False)
        info(
            f"leave-one-out: {int(cv['met_left_out'].sum())}/{len(cv)} targets met when "
            f"left out; wrote {folder / 'cross_validation.csv'}"
        )
    html_report(folder, "kinetor pathway calibrate --targets (legacy)")


@pathway_app.command("validate")
def validate_cmd(
    out: Out,
    fitted: Annotated[
        str | None,
        typer.Option(
            "--fitted",
            help="Fitted-parameter CSV (default: the shipped calibration; 'none' for "
            "the priors of mtor.ant).",
        ),
    ] = None,
    split: Annotated[
        str | None, typer.Option("--split", help="Only 'train' or 'heldout' (default: both).")
    ] = None,
) -> None:
    """Simulate every published observation (evidence/) and compare: pass rates within the
    stated uncertainty or band, and RMSE of log10 fold change, for training and held-out
    rows. Writes validation.csv, summary.csv, unsimulable.csv and report.html (one plot per
    observation)."""
    from kinetor.errors import ModelError
    from kinetor.pathway.validation import validate
    from kinetor.report.pathway_validation import validation_report

    if split not in (None, "train", "heldout"):
        raise ModelError(f"--split {split!r}: use train or heldout")
    fit = False if fitted == "none" else fitted
    res = validate(fitted=fit, split=split)
    folder = out_dir(out)
    res.table.to_csv(folder / "validation.csv", index=False)
    summ = res.summary()
    summ.to_csv(folder / "summary.csv", index=False)
    res.unsimulable().to_csv(folder / "unsimulable.csv", index=False)
    print_frame(
        res.misses()[["id", "split", "readout_model", "predicted", "low", "high"]],
        title="misses (simulated, outside the uncertainty or band)",
    )
    print_frame(summ, title="pass rate within uncertainty/band and RMSE of log10 fold change")
    for _, r in summ.iterrows():
        rate = f"{100 * r['pass_rate']:.0f} %" if r["simulable"] else "-"
        extra = (
            (f"; {r['unsimulable']} unsimulable, {r['unverified']} unverified (in no pass rate)")
            if r["conditions"] == "all"
            else ""
        )
        info(
            f"{r['split']} ({r['conditions']} conditions): {r['passed']}/{r['simulable']} "
            f"simulable observations pass ({rate}), RMSE log10 {r['rmse_log10']:.3f}{extra}"
        )
    info(
        "conditions: 'stated' = concentration and time from the paper; 'rule' = 10 x the "
        "compound's cellular potency and 2/24/72 h by readout where the paper states none"
    )
    validation_report(res, "kinetor pathway validate").save(folder / "report.html")
    info(f"wrote validation.csv, summary.csv, unsimulable.csv and report.html to {folder}")


@pathway_app.command("drugs")
def drugs_cmd(
    out: Annotated[str | None, typer.Option("--out", help="Output folder (drugs.csv).")] = None,
) -> None:
    """How every compound of the library enters the network: mechanism(s), potency basis
    (cellular or extrapolated through the ATP model), cellular K, source; or why not."""
    import pandas as pd

    from kinetor import compounds
    from kinetor.errors import ModelError
    from kinetor.pathway.drugs import drug_from_compound

    rows = []
    for comp in compounds.load_library():
        try:
            d = drug_from_compound(comp)
        except ModelError as exc:
            rows.append(
                {
                    "compound": comp.name,
                    "mechanism": "",
                    "basis": "",
                    "K_cell_nM": None,
                    "status": "",
                    "source_or_reason": str(exc),
                }
            )
            continue
        for part in d.slots():
            k = part.cellular_k()[0]
            rows.append(
                {
                    "compound": comp.name,
                    "mechanism": part.mechanism,
                    "basis": part.basis,
                    "K_cell_nM": k,
                    "status": part.status,
                    "source_or_reason": part.source,
                }
            )
    frame = pd.DataFrame(rows)
    print_frame(
        frame[["compound", "mechanism", "basis", "K_cell_nM", "status"]],
        title="compounds in the pathway network (K_cell before rapalog_shift)",
    )
    if out is not None:
        folder = out_dir(out)
        frame.to_csv(folder / "drugs.csv", index=False)
        info(f"wrote {folder / 'drugs.csv'}")
