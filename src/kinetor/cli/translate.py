"""``kinetor translate``: the dose-to-tumour chain against published evidence.

Commands: ``validate`` (every simulable arm of the evidence tables: observed vs predicted
TGI or T/C per arm for training and held-out studies, the ranking of arms, and the list of
what cannot be simulated, with the reason); ``clinical-pd`` (virtual patients on the
published clinical schedules: predicted target inhibition vs the published clinical
pharmacodynamics, held out).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common
from kinetor.cli.simulate import _pk_params

translate_app = typer.Typer(
    help="The dose-to-tumour chain against published evidence.", no_args_is_help=True
)


@translate_app.command("validate")
def validate_cmd(
    studies: Annotated[
        Path | None,
        typer.Option("--studies", help="Studies table (default: the bundled evidence)."),
    ] = None,
    arms: Annotated[
        Path | None, typer.Option("--arms", help="Arms table (default: the bundled evidence).")
    ] = None,
    pk_param: Annotated[
        list[str] | None,
        typer.Option(
            "--pk-param",
            help="PK for a compound the library lacks: COMPOUND.NAME=VALUE "
            "(model=1cmt, cl='0.5 L/h/kg', v='2 L/kg', ka='1 1/h', f=0.5, "
            "fu=0.1). Repeatable.",
        ),
    ] = None,
    tumor: Annotated[
        list[str] | None,
        typer.Option(
            "--tumor",
            help="Tumour model for a study: STUDY_ID=NAME (a bundled model, e.g. "
            "PIK3CA_mut). Repeatable.",
        ),
    ] = None,
    replicates: Annotated[
        int, typer.Option("--replicates", min=1, help="Replicate virtual studies per study.")
    ] = 200,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed (>= 0).")] = 0,
    allometric_pk: Annotated[
        bool,
        typer.Option(
            "--allometric-pk",
            help="Where the library has no PK set for the host species, "
            "scale its human set by body weight (an assumption, "
            "reported per arm in pk_basis).",
        ),
    ] = False,
    invivo_shift: Annotated[
        bool,
        typer.Option(
            "--invivo-shift",
            help="Apply the in vivo potency shift of compounds with a "
            "published in vivo EC50 (pkpd_invivo.csv).",
        ),
    ] = False,
    no_report: Annotated[bool, typer.Option("--no-report", help="Skip the HTML report.")] = False,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "validate_out"
    ),
) -> None:
    """Observed vs predicted TGI (or T/C) per evidence arm; arms ranked; gaps listed.

    Writes predictions.csv, ratios.csv, skipped.csv, ranking.csv, errors.csv and
    report.html.
    """
    from kinetor.translate.validation import validate

    tumors = {}
    for item in tumor or []:
        sid, sep, name = item.partition("=")
        if not sep or not sid.strip() or not name.strip():
            raise typer.BadParameter(f"write STUDY_ID=NAME, got {item!r}", param_hint="--tumor")
        tumors[sid.strip()] = name.strip()
    _check_tumors(tumors, studies)
    res = validate(
        studies_path=studies,
        arms_path=arms,
        pk=_pk_params(pk_param, None),
        tumors=tumors,
        n_replicates=replicates,
        seed=seed,
        allometric_pk=allometric_pk,
        invivo_shift=invivo_shift,
    )
    d = _common.out_dir(out)
    files = res.save(d, report=not no_report)
    if _common.STATE["json"]:
        _common.emit_json(
            {
                "predictions": res.predictions.to_dict(orient="records"),
                "errors": res.error_summary().to_dict(orient="records"),
                "ranking": res.ranking.to_dict(orient="records"),
                "skipped": res.skipped.to_dict(orient="records"),
                "ratios": res.ratios.to_dict(orient="records"),
                "files": [str(p) for p in files],
            }
        )
        return
    if not res.ratios.empty:
        _common.print_frame(
            res.ratios[
                [
                    "study_id",
                    "split",
                    "arm",
                    "reference_dose",
                    "observed_ratio",
                    "predicted_ratio",
                    "feasible",
                ]
            ],
            title="Equal-efficacy dose ratios (published vs predicted, per reference dose)",
        )
    if res.predictions.empty:
        _common.info("no TGI or T/C arm could be simulated")
    else:
        _common.print_frame(
            res.predictions[
                [
                    "study_id",
                    "split",
                    "arm",
                    "observed_kind",
                    "observed",
                    "predicted",
                    "predicted_lo",
                    "predicted_hi",
                    "error",
                ]
            ],
            title="Published vs predicted (median, 95 % interval)",
        )
        _common.print_frame(res.error_summary(), title="Error by split")
        if not res.ranking.empty:
            _common.print_frame(res.ranking, title="Arm ranking per study")
    _common.print_frame(res.skipped, title=f"{len(res.skipped)} arms not simulated")
    _common.info(f"wrote {len(files)} files to {d}")


@translate_app.command("clinical-pd")
def clinical_pd_cmd(
    patients: Annotated[
        int, typer.Option("--patients", help="Virtual patients per schedule.")
    ] = 100,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Random seed (>= 0).")] = 0,
    compound: Annotated[
        list[str] | None,
        typer.Option(
            "--compound",
            help="Only these compounds (library names or synonyms, any case; repeatable).",
        ),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the table as CSV.")] = None,
) -> None:
    """Held-out: predicted target inhibition at clinical doses vs published clinical PD."""
    from kinetor.errors import ModelError
    from kinetor.translate.clinical import _library_names, clinical_pd_predictions

    if patients < 1:
        raise typer.BadParameter(f"must be >= 1, got {patients}", param_hint="--patients")
    if compound:
        try:
            _library_names(compound)
        except ModelError as exc:
            raise typer.BadParameter(
                str(exc).removeprefix("compounds: "), param_hint="--compound"
            ) from None
    res = clinical_pd_predictions(n_patients=patients, seed=seed, compounds=compound)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        res.to_csv(out, index=False, float_format="%.4g")
    if _common.STATE["json"]:
        _common.emit_json({"predictions": res.to_dict(orient="records")})
        return
    _common.print_frame(
        res[
            [
                "study_id",
                "regimen",
                "readout",
                "time",
                "predicted_inhibition_median",
                "predicted_inhibition_p5",
                "predicted_inhibition_p95",
                "published",
                "consistent",
            ]
        ],
        title="Held-out clinical PD: predicted inhibition (%, median and "
        "5-95th percentile) vs published",
    )
    if out is not None:
        _common.info(f"wrote {out}")


def _check_tumors(tumors: dict[str, str], studies: Path | None) -> None:
    """--tumor study ids and model names checked before any simulation (a usage error
    listing the studies of the table, or the bundled tumour models)."""
    if not tumors:
        return
    from kinetor.errors import ModelError
    from kinetor.translate._validate_plan import check_tumors
    from kinetor.translate.evidence import load_xenograft_studies

    try:
        check_tumors(tumors, load_xenograft_studies(studies)["study_id"])
    except ModelError as exc:
        raise typer.BadParameter(str(exc).removeprefix("tumors: "), param_hint="--tumor") from None


def register(app: typer.Typer) -> None:
    app.add_typer(translate_app, name="translate")
