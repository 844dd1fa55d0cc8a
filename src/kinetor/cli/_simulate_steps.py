"""The optional steps of ``kinetor simulate``: parameter-uncertainty bands, the schedule
search under a glucose constraint (``--optimise``), and the HTML report (used by
:mod:`kinetor.cli.simulate`)."""

from __future__ import annotations

from pathlib import Path

import typer

from kinetor.cli import _common


def _uncertainty(
    compound,
    species,
    tumor,
    regimen,
    n_animals,
    seed,
    replicates,
    do_power,
    tgi_difference,
    alpha,
    target_power,
    study_kw,
    d: Path,
) -> dict:
    """--replicates and --power: tables written to ``d``."""
    from kinetor.translate import power, replicate_tgi

    out: dict = {"files": []}
    if replicates < 0:
        raise typer.BadParameter("must be >= 0", param_hint="--replicates")
    if replicates:
        if n_animals < 2:
            raise typer.BadParameter(
                "replicate studies need >= 2 animals per arm", param_hint="--n-animals"
            )
        rep = replicate_tgi(
            compound,
            species,
            tumor,
            regimen,
            n_animals=n_animals,
            n_replicates=replicates,
            seed=seed,
            **study_kw,
        )
        out["intervals"] = rep.summary
        p = d / "tgi_intervals.csv"
        rep.summary.to_csv(p, index=False, float_format="%.6g")
        out["files"].append(p)
    if do_power:
        pw = power(
            compound,
            species,
            tumor,
            regimen,
            tgi_difference=tgi_difference,
            alpha=alpha,
            power=target_power,
            seed=seed,
            **study_kw,
        )
        out["power"] = pw.table
        p = d / "power.csv"
        pw.table.to_csv(p, index=False, float_format="%.6g")
        out["files"].append(p)
    return out


def _optimise(
    compound,
    species,
    tumor,
    n_animals,
    seed,
    user_pk,
    max_glucose,
    replicates,
    out: Path,
    doses=None,
    weeks: int = 3,
) -> None:
    from kinetor.translate import optimise_schedule

    if compound is None:
        raise typer.BadParameter("--optimise needs --compound", param_hint="--compound")
    res = optimise_schedule(
        compound,
        species=species,
        tumor=tumor,
        max_glucose=max_glucose,
        n_animals=n_animals,
        n_replicates=replicates or 200,
        seed=seed,
        pk=user_pk,
        doses=doses,
        weeks=weeks,
    )
    d = _common.out_dir(out)
    files = res.save(d)
    if _common.STATE["json"]:
        _common.emit_json(
            {
                "best": res.best,
                "schedules": res.table.to_dict(orient="records"),
                "files": [str(p) for p in files],
            }
        )
        return
    _common.print_frame(
        res.table.head(15),
        title=f"Schedules by TGI (typical animal) under peak glucose <= {max_glucose:g} mg/dL",
    )
    b = res.best
    if b:
        _common.info(
            f"best: {b['regimen']}: TGI {b['tgi_typical_pct']:.1f} % (typical), "
            f"{b['tgi_median_pct']:.1f} % [{b['tgi_lo_pct']:.1f}, "
            f"{b['tgi_hi_pct']:.1f}] over {b['n_replicates']} studies of "
            f"{b['n_animals']} animals; peak glucose {b['peak_glucose_mg_dL']:.0f} "
            "mg/dL"
        )
    else:
        _common.info("no schedule meets the glucose constraint")
    _common.info(f"wrote {len(files)} files to {d}")


def _report(res, d: Path, figs: dict, extra: dict | None = None) -> Path:
    from kinetor.report import Report

    rep = Report(
        f"Virtual study: {res.tumor_spec.name}",
        subtitle=f"{len(res.arms)} arms x {res.settings['n_animals']} animals, "
        f"{res.settings['days']:g} days, seed {res.settings['seed']}",
    )
    if res.notes:
        rep.add_section("Notes")
        for note in res.notes:
            rep.add_text(note)
    rep.add_section("Arms")
    rep.add_table(res.summary(), caption="Exposure, time-averaged readouts, volume and TGI")
    if not res.tgi.empty:
        rep.add_section("Tumour growth inhibition")
        rep.add_table(
            res.tgi.drop(columns=["formula"]),
            caption=f"{res.tgi['formula'].iloc[0]} (one simulated study)",
        )
    extra = extra or {}
    if "intervals" in extra:
        rep.add_table(
            extra["intervals"],
            caption="TGI over replicate virtual studies: the "
            "typical animal, the population mean, the median and the 95 % interval "
            "of a study of this size",
        )
    if "power" in extra:
        rep.add_section("Animals per arm")
        rep.add_table(
            extra["power"],
            caption="Animals per arm to detect each difference "
            "(two-sided Welch t-test on the per-animal volume change; simulated)",
        )
    rep.add_section("Figures")
    captions = {
        "pk": "Total plasma concentration: mean and 5-95 % of animals",
        "biomarkers": "Network readouts, % of untreated control (arm means)",
        "tumor": "Measured tumour volume, mean ± SEM",
    }
    for name, fig in figs.items():
        rep.add_figure(fig, caption=captions.get(name, name))
    s = res.settings
    rep.add_methods(
        {
            "Chain": "regimen -> PK (kinetor.pk, between-animal variability) -> unbound "
            f"concentration ({s['exposure']}) -> pathway network ({s['pathway_mode']}) "
            "-> growth readout -> exponential tumour growth -> caliper volumes -> TGI",
            "Tumour": f"{s['tumor']} (lesions {', '.join(s['lesions']) or 'none'})",
            "Compounds": s["compounds"],
            "Tumour parameter sources": s["tumor_sources"],
            "Equations and assumptions": "docs/translate.md",
        }
    )
    return rep.save(d / "report.html", assets=False)
