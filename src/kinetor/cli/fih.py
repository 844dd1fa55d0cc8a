"""``kinetor fih``: first-in-human numbers: human equivalent dose and starting dose (FDA 2005),
human clearance from animal clearances (allometry, rule of exponents), and the human dose that
reaches a target exposure."""

from __future__ import annotations

import math
from typing import Annotated

import typer

from kinetor.cli import _common

fih_app = typer.Typer(
    help="First in human: HED and starting dose (FDA 2005), human clearance by allometry, "
    "dose for a target exposure.",
    no_args_is_help=True,
)


@fih_app.command("hed")
def hed_cmd(
    noael: Annotated[
        list[str],
        typer.Option("--noael", help="NOAEL of a species, SPECIES=MG_PER_KG, e.g. rat=50; repeat."),
    ],
    weight: Annotated[
        list[str] | None,
        typer.Option(
            "--weight",
            help="Body weight (kg) of the animals tested, SPECIES=KG: outside the "
            "species' working range HED = dose x (W / human weight)^0.33 (--human-weight, "
            "60 kg by default).",
        ),
    ] = None,
    safety_factor: Annotated[
        float, typer.Option("--safety-factor", help="Divides the lowest HED (>= 1).")
    ] = 10.0,
    human_weight: Annotated[
        float, typer.Option("--human-weight", help="Human body weight, kg (20-300).")
    ] = 60.0,
    basis: Annotated[
        str,
        typer.Option("--basis", help="bsa (Km factors) or mg/kg (the guidance's exceptions)."),
    ] = "bsa",
    out: Annotated[
        str | None,
        typer.Option(
            "--out",
            help="Folder for hed.csv (HED per species) and mrsd.csv (MRSD, safety factor, "
            "chosen species).",
        ),
    ] = None,
) -> None:
    """Human equivalent doses by body surface area and the maximum recommended starting dose
    (FDA guidance, July 2005: Km factors of its Table 1, most sensitive species, safety
    factor)."""
    from kinetor.pk.fih import starting_dose

    _common.choice(basis, ("bsa", "mg/kg"), "--basis")
    if not (math.isfinite(safety_factor) and safety_factor >= 1):
        raise typer.BadParameter(f"{safety_factor:g}: give >= 1", param_hint="--safety-factor")
    if not (math.isfinite(human_weight) and human_weight > 0):
        raise typer.BadParameter(f"{human_weight:g}: give kg > 0", param_hint="--human-weight")
    noaels = _common.number_pairs(noael, "--noael", positive=True)
    weights = _common.number_pairs(weight, "--weight", positive=True)
    unknown = sorted(set(map(_key, weights)) - set(map(_key, noaels)))
    if unknown:
        raise typer.BadParameter(
            f"no --noael for {', '.join(map(repr, unknown))}", param_hint="--weight"
        )
    table, mrsd = starting_dose(
        noaels,
        weights=weights,
        safety_factor=safety_factor,
        human_weight=human_weight,
        basis=basis,
    )
    if out:
        import pandas as pd

        folder = _common.out_dir(out)
        table.to_csv(folder / "hed.csv", index=False)
        pd.DataFrame([mrsd]).to_csv(folder / "mrsd.csv", index=False)
    if _common.STATE["json"]:
        _common.emit_json({"species": table.to_dict("records"), "starting_dose": mrsd})
        return
    _common.print_frame(table, title="Human equivalent doses (FDA 2005)")
    _common.info(
        f"MRSD {mrsd['mrsd_mg_per_kg']:.4g} mg/kg ({mrsd['mrsd_mg']:.4g} mg for "
        f"{mrsd['human_weight_kg']:g} kg): HED of the most sensitive species "
        f"({mrsd['species']}, {mrsd['hed_mg_per_kg']:.4g} mg/kg) / {mrsd['safety_factor']:g}"
    )


@fih_app.command("human-cl")
def human_cl_cmd(
    cl: Annotated[
        list[str],
        typer.Option("--cl", help="Clearance of a species (absolute, e.g. L/h), SPECIES=CL."),
    ],
    method: Annotated[
        str,
        typer.Option(
            "--method",
            help="rule_of_exponents (Mahmood & Balian), simple, mlp, brain (>= 2 species); "
            "fixed_exponent, tang_one_species, liver_blood_flow (one species); rat_dog, "
            "rat_monkey (Tang et al. 2007); fcim (Tang & Mayersohn 2005: --fu rat=, "
            "--human-fu, --cl-unit).",
        ),
    ] = "rule_of_exponents",
    weight: Annotated[
        list[str] | None,
        typer.Option("--weight", help="Body weight (kg) overriding the reference, SPECIES=KG."),
    ] = None,
    fu: Annotated[
        list[str] | None,
        typer.Option(
            "--fu", help="Unbound fraction per species, SPECIES=FU, 0 < FU <= 1 (scales CL/fu)."
        ),
    ] = None,
    human_fu: Annotated[
        float | None,
        typer.Option("--human-fu", help="Unbound fraction in human, 0 < FU <= 1 (with --fu)."),
    ] = None,
    exponent: Annotated[
        float | None,
        typer.Option("--exponent", help="Body-weight exponent of fixed_exponent (default 0.75)."),
    ] = None,
    cl_unit: Annotated[
        str | None,
        typer.Option("--cl-unit", help="Unit of the --cl values, e.g. L/h (needed by fcim)."),
    ] = None,
) -> None:
    """Human clearance from animal clearances (same unit in, same unit out). The rule of
    exponents needs >= 3 species: with 2 it uses simple allometry (method: simple, note).
    One or two species: fixed_exponent, tang_one_species, liver_blood_flow, rat_dog,
    rat_monkey; the output's equation line names the equation and constants used."""
    from kinetor.pk import predict_human_cl
    from kinetor.pk._scaling_methods import FIXED_EXPONENT_MAX as top

    methods = ("rule_of_exponents", "simple", "mlp", "brain")
    methods += ("fixed_exponent", "tang_one_species", "liver_blood_flow")
    methods += ("rat_dog", "rat_monkey", "fcim")
    _common.choice(method, methods, "--method")
    if exponent is not None and not (math.isfinite(exponent) and 0 < exponent <= top):
        raise typer.BadParameter(
            f"{exponent:g}: give 0 < exponent <= {top:g} (0.75 by default; above {top:g}, "
            "the top class of the rule of exponents, a prediction is not credible)",
            param_hint="--exponent",
        )
    cls = _common.number_pairs(cl, "--cl", positive=True)
    weights = _common.number_pairs(weight, "--weight", positive=True)
    if "human" in {k.strip().lower() for k in cls}:
        raise typer.BadParameter(
            "human is the species predicted: give the animal clearances (--cl rat=..., "
            "--cl dog=...); a human weight other than 70 kg is --weight human=KG",
            param_hint="--cl",
        )
    species = {k.strip().lower() for k in cls} | {"human"}
    unknown = [k for k in weights if k.strip().lower() not in species]
    if unknown:
        raise typer.BadParameter(
            f"no --cl for {', '.join(map(repr, unknown))}: a weight is for a species with a "
            "clearance (or human)",
            param_hint="--weight",
        )
    fus = _common.number_pairs(fu, "--fu", positive=True)
    for name, value in fus.items():
        if value > 1:
            raise typer.BadParameter(f"{name}={value:g}: give 0 < fu <= 1", param_hint="--fu")
    if human_fu is not None and not (math.isfinite(human_fu) and 0 < human_fu <= 1):
        raise typer.BadParameter(f"{human_fu:g}: give 0 < fu <= 1", param_hint="--human-fu")
    if bool(fus) != (human_fu is not None):
        raise typer.BadParameter(
            "give --fu for every species together with --human-fu, or neither",
            param_hint="--human-fu",
        )
    res = predict_human_cl(
        cls,
        method=method,
        fu=fus or None,
        human_fu=human_fu,
        weights=weights or None,
        exponent=exponent,
        cl_unit=cl_unit,
    )
    if _common.STATE["json"]:
        _common.emit_json(res)
        return
    for key, value in res.items():
        if value is not None:
            _common.info(f"{key}: {value:.4g}" if isinstance(value, float) else f"{key}: {value}")


@fih_app.command("dose")
def dose_cmd(
    target: Annotated[
        str,
        typer.Option(
            "--target", help="Target exposure with its unit: AUCtau ('10 mg*h/L') or Css."
        ),
    ],
    cl: Annotated[str, typer.Option("--cl", help="Human clearance with its unit, e.g. '5 L/h'.")],
    measure: Annotated[
        str, typer.Option("--measure", help="auc (AUC over tau) or css (average Css).")
    ] = "auc",
    f: Annotated[float, typer.Option("--f", help="Bioavailability, 0 < F <= 1.")] = 1.0,
    tau: Annotated[str, typer.Option("--tau", help="Dosing interval, e.g. '24 h'.")] = "24 h",
    mw: Annotated[
        float | None, typer.Option("--mw", help="Molecular weight (g/mol) for a molar target.")
    ] = None,
) -> None:
    """Dose per administration reaching a target exposure at steady state (D = AUCtau CL / F;
    D = Css CL tau / F)."""
    from kinetor.pk import human_dose

    _common.choice(measure, ("auc", "css"), "--measure")
    if not (math.isfinite(f) and 0 < f <= 1):
        raise typer.BadParameter(f"{f:g}: give 0 < F <= 1", param_hint="--f")
    if mw is not None and not (math.isfinite(mw) and mw > 0):
        raise typer.BadParameter(f"{mw:g}: give g/mol > 0", param_hint="--mw")
    dim = "mg*h/L" if measure == "auc" else "mg/L"
    _positive(target, "--target", f"10 {dim}" if measure == "auc" else f"1 {dim}", to=dim, mw=mw)
    _positive(cl, "--cl", "5 L/h", to="L/h")
    _positive(tau, "--tau", "24 h", to="h")
    dose = human_dose(target, measure, cl=cl, f=f, tau=tau, mw=mw)
    value = float(dose.to("mg").magnitude)
    if _common.STATE["json"]:
        _common.emit_json({"dose_mg": value, "target": target, "measure": measure, "tau": tau})
        return
    _common.info(f"dose {value:.4g} mg every {tau} ({measure} target {target}, CL {cl}, F {f:g})")


def _key(name: str) -> str:
    """A species' key ("Rat", "rats", "rat" are one), as :func:`kinetor.pk.starting_dose`."""
    from kinetor.pk.fih import _species

    return _species(name) or name.strip().lower()


def _positive(
    text: str, option: str, example: str, to: str | None = None, mw: float | None = None
) -> None:
    """A quantity option that is a number > 0 with a unit (of the dimension of ``to``, molar
    with ``mw``); a usage error naming the option otherwise (a negative one gave a negative
    dose; a target of the wrong dimension failed only in the computation, exit 3)."""
    from kinetor.errors import UnitError
    from kinetor.units import convert, parse_quantity

    try:
        q = parse_quantity(text, default_unit="L/h" if option == "--cl" else None)
        if to is not None:
            convert(1.0, f"{q.units:~}", to, mw=mw)
    except UnitError as exc:
        no_unit = "has no unit" in str(exc)
        raise typer.BadParameter(
            f"{text!r} has no unit: write it with one, e.g. '{text} {example.split()[1]}'"
            if no_unit
            else f"{exc}; give e.g. '{example}'",
            param_hint=option,
        ) from None
    if not (math.isfinite(q.magnitude) and q.magnitude > 0):
        raise typer.BadParameter(f"{text!r}: give a value > 0, e.g. '{example}'", param_hint=option)


def register(app: typer.Typer) -> None:
    app.add_typer(fih_app, name="fih")
