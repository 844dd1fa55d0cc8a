"""``kinetor be-size`` (TOST sample size) and ``kinetor be-power`` (TOST power at a given n),
registered by :mod:`kinetor.cli.be`; exact power as :func:`kinetor.be.power_tost`."""

from __future__ import annotations

from typing import Annotated

import typer

from kinetor.cli import _common

_CV_HELP = (
    "CV as a fraction (0.3 for 30%): the within-subject CV for crossover and replicate "
    "designs, the total (between + within subject) CV for --design parallel."
)
_DESIGN_HELP = (
    "2x2, parallel, 3x3, 3x6x3, 4x4 or a replicate design: 2x2x3 (TRT|RTR), 2x2x4 "
    "(TRTR|RTRT), 2x4x4, 2x3x3 (TRR|RTR|RRT), 2x4x2 (Balaam)."
)
_THETA1_HELP = "Lower acceptance limit, in (0, 1) (default 1/--theta2, else 0.80)."
_THETA2_HELP = "Upper acceptance limit, > 1 (default 1/--theta1, else 1.25)."
_OPTIONS = {"target": "--power", "n": "--n"}


def _checked(within: bool, **inputs) -> tuple[float, float]:
    """The limits (PowerTOST's: one given, the other its reciprocal), or a usage error
    naming the option of the first bad input; ``within``: theta0 must lie inside them."""
    from kinetor.be.power import tost_input_problem, tost_limits

    bad = tost_input_problem(**inputs)
    lo, hi = tost_limits(inputs["theta1"], inputs["theta2"]) if bad is None else (0.0, 0.0)
    if bad is None and within and not lo < inputs["theta0"] < hi:
        bad = (
            "theta0",
            f"the true T/R ratio {inputs['theta0']:g} must lie inside the limits {lo:.4g}-{hi:.4g}",
        )
    if bad is not None:
        raise typer.BadParameter(bad[1], param_hint=_OPTIONS.get(bad[0], f"--{bad[0]}"))
    return lo, hi


def be_size(
    cv: Annotated[float, typer.Option("--cv", help=_CV_HELP)],
    theta0: Annotated[float, typer.Option("--theta0", help="True T/R ratio.")] = 0.95,
    power: Annotated[
        float, typer.Option("--power", help="Target power, between --alpha and 1.")
    ] = 0.80,
    design: Annotated[str, typer.Option("--design", help=_DESIGN_HELP)] = "2x2",
    alpha: Annotated[float, typer.Option("--alpha", help="One-sided level in (0, 0.5).")] = 0.05,
    theta1: Annotated[float | None, typer.Option("--theta1", help=_THETA1_HELP)] = None,
    theta2: Annotated[float | None, typer.Option("--theta2", help=_THETA2_HELP)] = None,
    n_max: Annotated[
        int,
        typer.Option("--n-max", help="Largest total n searched (default 10000), >= 2."),
    ] = 10_000,
) -> None:
    """Sample size of a TOST bioequivalence study (exact power)."""
    from kinetor.be import sample_size_tost

    lo, hi = _checked(
        True,
        cv=cv,
        alpha=alpha,
        theta0=theta0,
        target=power,
        design=design,
        theta1=theta1,
        theta2=theta2,
    )
    if n_max < 2:
        raise typer.BadParameter(f"give a whole number >= 2 (got {n_max})", param_hint="--n-max")
    n, p = sample_size_tost(
        cv,
        theta0=theta0,
        target=power,
        theta1=lo,
        theta2=hi,
        alpha=alpha,
        design=design,
        n_max=n_max,
    )
    if _common.STATE["json"]:
        _common.emit_json(
            {
                "n": n,
                "power": p,
                "design": design,
                "cv": cv,
                "theta0": theta0,
                "theta1": lo,
                "theta2": hi,
                "alpha": alpha,
                "target_power": power,
                "n_max": n_max,
            }
        )
        return
    _common.info(
        f"{design}: n = {n} subjects in all (power {p:.4f}) for CV {cv:g}, "
        f"theta0 {theta0:g}, limits {lo:.4g}-{hi:.4g}, alpha {alpha:g}, target power {power:g}"
    )


def be_power(
    cv: Annotated[float, typer.Option("--cv", help=_CV_HELP)],
    n: Annotated[
        int,
        typer.Option(
            "--n",
            help="Total number of subjects (an n that does not divide evenly is split into "
            "the sequences as PowerTOST does, the first ones larger).",
        ),
    ],
    theta0: Annotated[float, typer.Option("--theta0", help="True T/R ratio.")] = 0.95,
    design: Annotated[str, typer.Option("--design", help=_DESIGN_HELP)] = "2x2",
    alpha: Annotated[float, typer.Option("--alpha", help="One-sided level in (0, 0.5).")] = 0.05,
    theta1: Annotated[float | None, typer.Option("--theta1", help=_THETA1_HELP)] = None,
    theta2: Annotated[float | None, typer.Option("--theta2", help=_THETA2_HELP)] = None,
) -> None:
    """Power of a TOST bioequivalence study with n subjects (exact, as be-size)."""
    from kinetor.be import power_tost

    lo, hi = _checked(
        False,
        cv=cv,
        alpha=alpha,
        theta0=theta0,
        design=design,
        theta1=theta1,
        theta2=theta2,
        n=n,
    )
    p = power_tost(cv, n, theta0=theta0, theta1=lo, theta2=hi, alpha=alpha, design=design)
    if _common.STATE["json"]:
        _common.emit_json(
            {
                "power": p,
                "n": n,
                "design": design,
                "cv": cv,
                "theta0": theta0,
                "theta1": lo,
                "theta2": hi,
                "alpha": alpha,
            }
        )
        return
    _common.info(
        f"{design}: power {p:.4f} with n = {n} subjects in all for CV {cv:g}, "
        f"theta0 {theta0:g}, limits {lo:.4g}-{hi:.4g}, alpha {alpha:g}"
    )
