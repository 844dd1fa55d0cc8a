"""``kinetor pathway calibrate`` and ``kinetor pathway validate``: the evidence fit on the
training observations (or the legacy behaviour-window targets) and the comparison of the
network with every published observation. Registered on the ``pathway`` group by
:mod:`kinetor.cli.pathway`.
"""

from __future__ import annotations

from typing import Annotated

import typer

from kinetor.cli._common import exit_if_none_converged, html_report, info, out_dir, print_frame

Out = Annotated[str, typer.Option("--out", help="Output folder.")]


def calibrate_cmd(
    out: Out,
    starts: Annotated[
        int, typer.Option("--starts", help="Multi-start count (the first start is the prior).")
    ] = 4,
    jobs: Annotated[int, typer.Option("--jobs", help="Parallel processes.")] = 2,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Seed of the random starts (>= 0).")
    ] = 0,
    max_nfev: Annotated[
        int | None,
        typer.Option(
            "--max-nfev",
            help="Most residual evaluations per start (least_squares max_nfev; default 200, "
            "with --targets 40). A start that reaches it without meeting the convergence "
            "criterion is reported as not converged.",
        ),
    ] = None,
    no_profile: Annotated[
        bool,
        typer.Option("--no-profile", help="Skip the profile likelihoods of the fitted set."),
    ] = False,
    free: Annotated[
        str | None,
        typer.Option(
            "--free",
            help="Free-parameter CSV (default: calibration/shipped_fit_parameters.csv, "
            "the shipped fit: the 3 identifiable signalling constants and the 14 "
            "proliferation/apoptosis output constants; calibration/evidence_parameters.csv "
            "gives the 22-candidate identifiability screen; with --targets: "
            "calibration/free_parameters.csv).",
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
    exclude_publication: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude-publication",
            help="Leave this publication's training rows out of the fit (repeatable; a "
            "publication_id of the evidence tables), e.g. to see how much one source "
            "moves the fit. The shipped fit uses every training row (docs/pathway.md, "
            "section 6).",
        ),
    ] = None,
    with_outputs: Annotated[
        bool,
        typer.Option(
            "--with-outputs",
            help="Also free the 14 proliferation/apoptosis output constants "
            "(calibration/output_parameters.csv) beside the --free set, e.g. with "
            "--free calibration/evidence_parameters.csv the 36-candidate fit that was "
            "tried and not kept (docs/pathway.md, section 6).",
        ),
    ] = False,
    with_heldout: Annotated[
        bool,
        typer.Option(
            "--with-heldout",
            help="Also judge the fitted values on the held-out rows (validation.csv, "
            "summary.csv). Off by default: decide on the training results first, then "
            "look (or run kinetor pathway validate --fitted FILE).",
        ),
    ] = False,
) -> None:
    """Fit the network to the TRAINING observations of pathway/evidence: identifiability at
    the prior (Fisher screen, QR subset), candidates that are not identifiable fixed at their
    mtor.ant values, multi-start least squares of the identifiable set to a stated
    convergence criterion (cost change, step or gradient below 1e-6), Fisher and profile
    likelihood checks at the optimum.

    Writes fitted_parameters.csv (the format Network reads; its header says converged True or
    False), calibration.csv (converged, the reason, the criterion, cost, CPU seconds),
    parameters.csv (prior, value, fitted or fixed and why, standard errors, start spread,
    profile interval, at_bound), starts.csv, validation.csv and summary.csv (the fitted model
    on the training rows; held-out rows too only with --with-heldout, so that a fit can be
    judged and kept or dropped before its held-out results are seen; both with a column
    fit_converged). A fit that did not converge says so in every file, the report and the
    output (status "fitted, NOT CONVERGED" in parameters.csv), and the command exits with
    code 4 after writing them. The shipped model keeps using the packaged
    calibration/fitted_parameters.csv until the new file is copied there.
    """
    if targets is not None:
        _calibrate_targets(out, targets, free, max_nfev or 40, cross_validate, jobs)
        return
    max_nfev = max_nfev or 200
    from kinetor.pathway.calibration import write_fitted
    from kinetor.pathway.calibration.evidence import (
        SHIPPED_PARAMETERS_FILE,
        calibrate_evidence,
        load_evidence_parameters,
    )
    from kinetor.pathway.evidence import observations_without
    from kinetor.pathway.validation import validate

    free_tab = load_evidence_parameters(free or SHIPPED_PARAMETERS_FILE, with_outputs=with_outputs)
    excluded = list(exclude_publication or [])
    res = calibrate_evidence(
        free_tab,
        n_starts=starts,
        seed=seed,
        n_jobs=jobs,
        max_nfev=max_nfev,
        observations=observations_without(excluded) if excluded else None,
        profile=not no_profile,
    )
    flags = (f" --free {free}" if free else "") + (" --with-outputs" if with_outputs else "")
    flags += "".join(f" --exclude-publication {p}" for p in excluded)
    folder = out_dir(out)
    note = (
        f"training observations (pathway/evidence, split=train, not unverified; "
        f"{res.n_rows} rows); kinetor pathway calibrate --starts {starts} --jobs {jobs} "
        f"--seed {seed} --max-nfev {max_nfev}{' --no-profile' if no_profile else ''}{flags}; "
        f"converged={res.converged} ({res.message.split(';')[0]}); "
        f"{len(res.values)} of {len(res.parameters)} candidates fitted, the rest at their "
        "mtor.ant values (why: parameters.csv)"
    )
    fitted_file = write_fitted(
        res.values, folder / "fitted_parameters.csv", free=free_tab, note=note
    )
    res.parameters.to_csv(folder / "parameters.csv", index=False)
    res.summary().to_csv(folder / "calibration.csv", index=False)
    res.starts.to_csv(folder / "starts.csv", index=False)
    val = validate(fitted=res.values, split=None if with_heldout else "train")
    val.table.assign(fit_converged=res.converged).to_csv(folder / "validation.csv", index=False)
    summ = val.summary()
    if not with_heldout:
        summ = summ[summ["split"] == "train"]
    summ = summ.assign(fit_converged=res.converged)
    summ.to_csv(folder / "summary.csv", index=False)
    caveat = "" if res.converged else _NOT_CONVERGED
    print_frame(
        res.parameters[
            ["name", "prior", "value", "status", "se_log10", "spread_log10", "at_bound"]
        ],
        title=f"evidence calibration{caveat}",
    )
    print_frame(res.parameters[["name", "note"]], title="why each parameter is fitted or fixed")
    print_frame(
        summ,
        title=(
            "fitted model: pass rates and RMSE (held-out rows not fitted)"
            if with_heldout
            else "fitted model on the training rows (held-out rows not judged: --with-heldout)"
        )
        + caveat,
    )
    info(f"converged={res.converged}: {res.message}")
    info(f"CPU time of the calibration (all processes): {res.cpu_s:.0f} s")
    info(f"wrote {', '.join(_CALIBRATE_FILES)} to {folder}")
    status = f"converged={res.converged}: {res.message.split(';')[0]}"
    if not res.converged:
        status += " (the values are where the optimiser stopped, not a fit)"
    _calibrate_report(folder, fitted_file, status)
    if not res.converged:
        info(
            "NOT CONVERGED: the values in fitted_parameters.csv are where the optimiser "
            "stopped (raise --max-nfev or --starts); exit code 4"
        )
    exit_if_none_converged(1, int(res.converged))


_CALIBRATE_FILES = (
    "fitted_parameters.csv",
    "calibration.csv",
    "parameters.csv",
    "starts.csv",
    "validation.csv",
    "summary.csv",
)
_NOT_CONVERGED = (
    " (NOT CONVERGED: the values are where the optimiser stopped, not a fit; their "
    "se_log10 and pass rates describe that point only)"
)


def _calibrate_report(folder, fitted_file, status: str) -> None:
    """report.html of ``calibrate``: whether the fit converged under the title, and the
    comment header of fitted_parameters.csv (the command line, converged and why) in that
    table's caption, since the table itself shows the CSV's rows only."""
    from kinetor.report.rebuild import write_report

    html, rep = write_report(
        folder, "kinetor pathway calibrate", status, rescan=True, files=list(_CALIBRATE_FILES)
    )
    header = [ln.lstrip("# ") for ln in fitted_file.read_text().splitlines() if ln[:1] == "#"]
    for block in rep.blocks:
        if block["type"] == "table" and "(fitted_parameters.csv)" in block["caption"]:
            block["caption"] += ". File header: " + " | ".join(header)
    rep.save(html)


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


def validate_cmd(
    out: Out,
    fitted: Annotated[
        str | None,
        typer.Option(
            "--fitted",
            help="Fitted-parameter CSV (columns name, value; lower, upper where given), "
            "checked before anything runs (default: the shipped calibration; 'none' for "
            "the priors of mtor.ant).",
        ),
    ] = None,
    split: Annotated[
        str | None, typer.Option("--split", help="Only 'train' or 'heldout' (default: both).")
    ] = None,
) -> None:
    """Simulate every published observation (evidence/) and compare: pass rates within the
    stated uncertainty or band, and RMSE of log10 fold change, for training and held-out
    rows. Writes validation.csv, summary.csv, by_publication.csv (pass rate and RMSE per
    publication and split, the missed ids), by_part.csv (per evidence part, with what it is;
    a blind part was compiled without the model and first run after the shipped fit was
    frozen), unsimulable.csv and report.html (one plot per observation). A row whose
    simulation fails is unsimulable (the error is its reason), never a miss."""
    from kinetor.errors import ModelError
    from kinetor.pathway.calibration import load_fitted
    from kinetor.pathway.validation import validate
    from kinetor.report.pathway_validation import validation_report

    if split not in (None, "train", "heldout"):
        raise ModelError(f"--split {split!r}: use train or heldout")
    fit = False if fitted == "none" else None if fitted is None else load_fitted(fitted)
    if isinstance(fit, dict):
        from kinetor.pathway._fitted_file import outside_packaged_bounds

        far = outside_packaged_bounds(fit)
        if len(far):
            print_frame(
                far,
                title="note: values outside the bounds of every calibration of the package "
                "(files); the model was never calibrated there, and a simulation the solver "
                "cannot carry is reported as failed (unsimulable.csv)",
            )
    res = validate(fitted=fit, split=split)
    folder = out_dir(out)
    res.table.to_csv(folder / "validation.csv", index=False)
    summ = res.summary()
    if split is not None:  # the other split has no rows: no 0/0 lines
        summ = summ[summ["split"] == split].reset_index(drop=True)
    summ.to_csv(folder / "summary.csv", index=False)
    res.unsimulable().to_csv(folder / "unsimulable.csv", index=False)
    res.by_publication().to_csv(folder / "by_publication.csv", index=False)
    parts = res.by_part()
    parts.to_csv(folder / "by_part.csv", index=False)
    print_frame(
        res.misses()[["id", "split", "readout_model", "predicted", "low", "high"]],
        title="misses (simulated, outside the uncertainty or band)",
    )
    print_frame(summ, title="pass rate within uncertainty/band and RMSE of log10 fold change")
    for _, r in summ.iterrows():
        rate = f"{100 * r['pass_rate']:.0f} %" if r["simulable"] else "-"
        extra = ""
        if r["conditions"] == "all":
            extra = (
                f"; {r['unsimulable']} unsimulable, {r['unverified']} unverified (in no pass rate)"
            )
            if r["failed_simulations"]:  # unsimulable with the error as reason, not misses
                extra += (
                    f"; {r['failed_simulations']} simulation(s) FAILED (in no pass rate; "
                    "unsimulable.csv says why)"
                )
        info(
            f"{r['split']} ({r['conditions']} conditions): {r['passed']}/{r['simulable']} "
            f"simulable observations pass ({rate}), RMSE log10 {r['rmse_log10']:.3f}{extra}"
        )
    for _, r in parts.iterrows():
        blind = (
            " (blind: first run after the shipped fit was frozen)"
            if r["about"].startswith("blind")
            else ""
        )
        info(
            f"{r['split']} part {r['part']}{blind}: {r['passed']}/{r['simulable']} pass "
            f"({100 * r['pass_rate']:.0f} %), RMSE log10 {r['rmse_log10']:.3f}"
        )
    for _, r in res.blind().iterrows():
        info(
            f"blind parts together ({r['parts']}): {r['passed']}/{r['simulable']} pass "
            f"({100 * r['pass_rate']:.0f} %), RMSE log10 {r['rmse_log10']:.3f}"
        )
    info(
        "conditions: 'stated' = concentration and time from the paper; 'rule' = 10 x the "
        "compound's cellular potency and 2/24/72 h by readout where the paper states none"
    )
    validation_report(res, "kinetor pathway validate").save(folder / "report.html")
    info(
        "wrote validation.csv, summary.csv, by_publication.csv, by_part.csv, unsimulable.csv and "
        f"report.html to {folder}"
    )
