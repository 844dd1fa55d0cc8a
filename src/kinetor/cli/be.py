"""``kinetor be`` (average bioequivalence), ``kinetor dose-prop`` (dose proportionality,
power model); registers ``kinetor be-size`` and ``kinetor be-power`` (TOST sample size and
power, :mod:`kinetor.cli._be_power`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common


def be(
    data: Annotated[
        Path,
        typer.Argument(
            help="Long table (CSV/Excel): subject, period, sequence, treatment and one column "
            "per metric (AUC, CMAX...)."
        ),
    ],
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric",
            "-m",
            help="Metric column(s); default: every numeric column that is not a design or "
            "covariate column (weight, age, dose...) and does not start with 'log'.",
        ),
    ] = None,
    design: Annotated[
        str, typer.Option("--design", help="auto, crossover, replicate or parallel.")
    ] = "auto",
    abel: Annotated[
        bool, typer.Option("--abel", help="EMA reference-scaled limits (replicate designs).")
    ] = False,
    rsabe: Annotated[
        bool,
        typer.Option(
            "--rsabe",
            help="FDA reference-scaled average bioequivalence (replicate designs with the "
            "reference given twice; progesterone guidance method).",
        ),
    ] = False,
    nti: Annotated[
        bool,
        typer.Option(
            "--nti",
            help="FDA method for narrow therapeutic index drugs (warfarin guidance: scaled "
            "criterion with sigma_W0 0.10, CI within 80-125%, upper 90% limit of "
            "sWT/sWR <= 2.5; test and reference each given twice).",
        ),
    ] = False,
    alpha: Annotated[
        float, typer.Option("--alpha", help="One-sided level in (0, 0.5) (0.05: 90% CI).")
    ] = 0.05,
    test: Annotated[str, typer.Option("--test", help="Label of the test treatment.")] = "T",
    reference: Annotated[str, typer.Option("--reference", help="Label of the reference.")] = "R",
    round_ci: Annotated[
        bool,
        typer.Option(
            "--round-ci/--no-round-ci",
            help="Judge the CI in percent rounded to two decimals, half away from zero "
            "(EMA guideline 4.1.8: 79.995% passes as 80.00%); --no-round-ci judges it "
            "unrounded. be.csv keeps the unrounded CI.",
        ),
    ] = True,
    welch: Annotated[
        bool,
        typer.Option(
            "--welch",
            help="Parallel designs: unequal variances (Welch-Satterthwaite df, as the FDA "
            "2001 guidance asks) instead of the pooled variance.",
        ),
    ] = False,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("be_out"),
) -> None:
    """Average bioequivalence: GMR, 90% CI and TOST p-values per metric.

    Writes be.csv, be_forest.png and report.html.
    """
    from kinetor._figures import save_figure
    from kinetor.be import be as be_
    from kinetor.report.popfit import plot_be_forest

    if design not in ("auto", "crossover", "replicate", "parallel"):
        raise typer.BadParameter(
            "choose auto, crossover, replicate or parallel", param_hint="--design"
        )
    if sum((abel, rsabe, nti)) > 1:
        raise typer.BadParameter(
            "choose one of --abel (EMA), --rsabe and --nti (FDA)",
            param_hint="--nti" if nti else "--rsabe",
        )
    if not 0 < alpha < 0.5:
        raise typer.BadParameter(
            f"the one-sided level must lie in (0, 0.5), e.g. 0.05 for a 90% CI (got {alpha:g})",
            param_hint="--alpha",
        )
    res = be_(
        data,
        list(metric) if metric else None,
        design=design,
        abel=abel,
        rsabe=rsabe,
        nti=nti,
        alpha=alpha,
        test=test,
        reference=reference,
        round_ci=round_ci,
        welch=welch,
    )
    d = _common.out_dir(out)
    res.table.to_csv(d / "be.csv", index=False)
    png = save_figure(plot_be_forest(res.table), d / "be_forest.png", dpi=100)
    report = _common.html_report(d, "kinetor be: average bioequivalence")
    if _common.STATE["json"]:
        _common.emit_json(
            {
                "be": res.table.to_dict(orient="records"),
                "notes": res.notes,
                "round_ci": res.round_ci,
                "files": [str(d / "be.csv"), str(png), str(report)],
            }
        )
        return
    _common.print_frame(
        res.table[
            [
                "metric",
                "design",
                "n_subjects",
                "ratio_pct",
                "ci_low_pct",
                "ci_high_pct",
                "lower_limit_pct",
                "upper_limit_pct",
                "method",
                "bioequivalent",
                *(["s_wr", "rsabe_bound"] if rsabe or nti else []),
                *(["s_wt", "swt_swr_upper"] if nti else []),
            ]
        ],
        title=f"Test {test} vs reference {reference}, {100 * (1 - 2 * alpha):g}% CI "
        + (
            "(RSABE rows: bound of the linearised criterion <= 0 and point estimate in "
            "80-125 %; ABE rows: "
            if rsabe
            else "(NTI: bound <= 0, CI within 80-125 % and upper limit of sWT/sWR <= 2.5, "
            if nti
            else "("
        )
        + (
            "verdict unrounded as the FDA has no rounding rule)"
            if nti
            else "verdict on the CI rounded to 2 decimals)"
            if res.round_ci
            else "verdict unrounded)"
        ),
    )
    for note in res.notes:
        _common.info(note)
    _common.info(f"wrote 3 files to {d}")


def dose_prop(
    data: Annotated[Path, typer.Argument(help="Table with a dose column and metric columns.")],
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric",
            "-m",
            help="Metric column(s); default: every numeric column but the dose, subject, "
            "design and covariate columns (as kinetor be) and names starting with 'log'.",
        ),
    ] = None,
    dose: Annotated[str, typer.Option("--dose", help="Name of the dose column.")] = "dose",
    subject: Annotated[
        str | None,
        typer.Option(
            "--subject",
            help="Name of the subject column (any case); default: a column named subject, "
            "USUBJID, SUBJID or ID (any case). Several doses in one subject are fitted with "
            "a random subject intercept (REML).",
        ),
    ] = None,
    alpha: Annotated[
        float,
        typer.Option("--alpha", help="One-sided level in (0, 0.5) (0.05: 90% CI of the slope)."),
    ] = 0.05,
    limits: Annotated[
        tuple[float, float],
        typer.Option(
            "--limits",
            help="Acceptance limits of the ratio of dose-normalised means, lower < 1 < upper "
            "(Smith et al.: 0.80 1.25).",
        ),
    ] = (0.80, 1.25),
    out: Annotated[Path, typer.Option("--out", "-o")] = Path("dose_prop_out"),
) -> None:
    """Dose proportionality (power model, Smith et al. 2000 criterion) with a plot."""
    from kinetor._figures import save_figure
    from kinetor.be import dose_proportionality
    from kinetor.report.popfit import plot_dose_proportionality

    if not 0 < alpha < 0.5:
        raise typer.BadParameter(
            f"the one-sided level must lie in (0, 0.5), e.g. 0.05 for a 90% CI (got {alpha:g})",
            param_hint="--alpha",
        )
    if not 0 < limits[0] < 1 < limits[1] < float("inf"):
        raise typer.BadParameter(
            f"give lower < 1 < upper, both > 0, e.g. --limits 0.80 1.25 (got {limits[0]:g} "
            f"{limits[1]:g})",
            param_hint="--limits",
        )
    res = dose_proportionality(
        data,
        list(metric) if metric else None,
        dose=dose,
        subject=subject,
        alpha=alpha,
        limits=limits,
    )
    d = _common.out_dir(out)
    res.table.to_csv(d / "dose_proportionality.csv", index=False)
    save_figure(plot_dose_proportionality(res), d / "dose_proportionality.png", dpi=100)
    _common.html_report(d, "kinetor dose-prop: dose proportionality")
    if _common.STATE["json"]:
        _common.emit_json(
            {"dose_proportionality": res.table.to_dict(orient="records"), "notes": res.notes}
        )
        return
    _common.print_frame(
        res.table[
            [
                "metric",
                "n",
                "dose_ratio",
                "slope",
                "model",
                "slope_ci_low",
                "slope_ci_high",
                "accept_low",
                "accept_high",
                "proportional",
            ]
        ],
        title=f"Power model ln Y = a + b ln dose, {100 * (1 - 2 * alpha):g}% CI of b, limits "
        f"{limits[0]:g}-{limits[1]:g}",
    )
    for note in res.notes:
        _common.info(note)


def register(app: typer.Typer) -> None:
    from kinetor.cli._be_power import be_power, be_size

    app.command("be")(be)
    app.command("be-size")(be_size)
    app.command("be-power")(be_power)
    app.command("dose-prop")(dose_prop)
