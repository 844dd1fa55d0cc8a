"""``kinetor qsar``: train, cross-validate, predict and screen mTOR/PI3Kalpha QSAR models.

Models live in a folder (default ``qsar_models/``) as ``<target>.joblib`` plus a readable
``<target>.card.json``; ``predict`` and ``screen`` load the targets named in ``--targets``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kinetor.cli import _common
from kinetor.cli._qsar_curation import check_spread as _check_spread
from kinetor.cli._qsar_curation import checked as _checked
from kinetor.cli._qsar_curation import curated as _curated
from kinetor.cli._qsar_curation import report_curation

_MODELS = Path("qsar_models")


def _report_problems(problems, what: str) -> None:
    if problems:
        import pandas as pd

        _common.print_frame(
            pd.DataFrame([p.as_dict() for p in problems]),
            title=f"{len(problems)} {what} (reported, the rest processed)",
        )


_DataArg = Annotated[
    Path,
    typer.Argument(
        help="Training table (CSV/TSV/SDF): structure, potency, optional unit/relation/id columns."
    ),
]
_SmilesCol = Annotated[
    str | None, typer.Option("--smiles-col", help="SMILES column (default: detected).")
]
_ValueCol = Annotated[str, typer.Option("--value-col", help="Potency column.")]
_Unit = Annotated[
    str | None,
    typer.Option(
        "--unit",
        help="Unit of every value when the table has no unit column (else it must agree with "
        "the column): nM, uM, mM, pM, M, or p (already pIC50/pKi; a column named pIC50, pKi "
        "... takes only p).",
    ),
]
_UnitCol = Annotated[
    str | None,
    typer.Option(
        "--unit-col",
        help="Unit column (default: a column named unit, units, standard_units or Standard "
        "Units; not read for a p-scale column such as pIC50 given --unit p).",
    ),
]
_RelCol = Annotated[
    str | None,
    typer.Option(
        "--relation-col",
        help="Relation column (=, <, >; default: a column named relation, standard_relation "
        "or Standard Relation, else every value is '=').",
    ),
]
_IdCol = Annotated[str | None, typer.Option("--id-col", help="Compound id column.")]
_Learner = Annotated[
    str,
    typer.Option(
        "--learner",
        help="consensus (default: SVR + GP stacked by inner scaffold CV), consensus_trees, "
        "svr, gp, rf or lgbm.",
    ),
]


def train(
    data: _DataArg,
    target: Annotated[
        str,
        typer.Option(
            "--target", "-t", help="Target label: mtor, pi3ka or your own (A-Z a-z 0-9 _ - .)."
        ),
    ],
    smiles_col: _SmilesCol = None,
    value_col: _ValueCol = "value",
    unit: _Unit = None,
    unit_col: _UnitCol = None,
    relation_col: _RelCol = None,
    id_col: _IdCol = None,
    learner: _Learner = "consensus",
    tautomer: Annotated[
        bool, typer.Option("--tautomer/--no-tautomer", help="Canonical tautomers (slow).")
    ] = False,
    censored: Annotated[
        str,
        typer.Option("--censored", help="drop (default) or keep censored values at their bound."),
    ] = "drop",
    seed: Annotated[int, typer.Option("--seed", min=0)] = 0,
    out: Annotated[Path, typer.Option("--out", "-o", help="Model folder.")] = _MODELS,
) -> None:
    """Curate a potency table and fit a calibrated model for one target.

    Writes <target>.joblib, <target>.card.json, <target>_curated.csv,
    <target>_curation_report.csv, <target>_calibration_predictions.csv and report.html.
    """
    from kinetor.qsar.card import card_for, check_target_name, save_model
    from kinetor.qsar.predictor import PotencyPredictor
    from kinetor.qsar.validation import regression_metrics

    if censored not in ("drop", "keep"):
        raise typer.BadParameter("choose drop or keep", param_hint="--censored")
    _checked(check_target_name, target, "--target")
    cur = _curated(data, smiles_col, value_col, unit, unit_col, relation_col, id_col, tautomer)
    d = _common.out_dir(out)
    report_curation(cur, d, f"{target}_")
    use = cur.data if censored == "keep" else cur.data[~cur.data["censored"]]
    _check_spread(use, data.name, value_col)
    pred = PotencyPredictor(learner, target=target, seed=seed).fit(use["smiles"], use["p_value"])
    oof = pred.oof_
    metrics = regression_metrics(oof["y"], oof["prediction"])
    metrics["split"] = "inner scaffold 5-fold (calibration predictions)"
    path = save_model(pred, d / f"{target}.joblib", card_for(pred, cur, metrics))
    pred.oof_.assign(smiles=use["smiles"].to_numpy()).to_csv(
        d / f"{target}_calibration_predictions.csv", index=False
    )
    _common.html_report(d, f"kinetor qsar train: {target} ({learner})")
    if _common.STATE["json"]:
        _common.emit_json({"model": str(path), "cv": metrics, "curation": cur.summary()})
        return
    _common.info(
        f"{target}: {len(use)} compounds, scaffold-CV RMSE {metrics['rmse']:.3f}, "
        f"R2 {metrics['r2']:.3f}; wrote {path} and its card"
    )


def cv(
    data: _DataArg,
    smiles_col: _SmilesCol = None,
    value_col: _ValueCol = "value",
    unit: _Unit = None,
    unit_col: _UnitCol = None,
    relation_col: _RelCol = None,
    id_col: _IdCol = None,
    learner: _Learner = "consensus",
    split: Annotated[
        str, typer.Option("--split", help="scaffold (default), generic_scaffold, random or butina.")
    ] = "scaffold",
    folds: Annotated[int, typer.Option("--folds", min=2, help="Number of folds (>= 2).")] = 5,
    cliffs: Annotated[
        bool, typer.Option("--cliffs/--no-cliffs", help="Also score MoleculeACE activity cliffs.")
    ] = False,
    y_randomization: Annotated[
        int,
        typer.Option(
            "--y-randomization",
            min=0,
            help="Also cross-validate on this many shuffled copies of the "
            "potencies (chance-correlation check; writes y_randomization.csv).",
        ),
    ] = 0,
    seed: Annotated[int, typer.Option("--seed", min=0)] = 0,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "qsar_cv_out"
    ),
) -> None:
    """Cross-validate a learner (per-fold and pooled RMSE, R2, Spearman, 90 % interval
    coverage). Writes curated.csv, curation_report.csv, cv_predictions.csv and
    cv_metrics.csv."""
    from kinetor.qsar.splits import SPLITS
    from kinetor.qsar.validation import cross_validate
    from kinetor.qsar.validation import y_randomization as shuffled_cv

    _common.choice(split, SPLITS, "--split")
    cur = _curated(data, smiles_col, value_col, unit, unit_col, relation_col, id_col, False)
    d = _common.out_dir(out)
    report_curation(cur, d)
    use = cur.data[~cur.data["censored"]]
    _check_spread(use, data.name, value_col)
    with _common.progress() as bar:
        task = bar.add_task(f"{split} {folds}-fold CV", total=folds)
        res = cross_validate(
            use["smiles"].tolist(),
            use["p_value"].to_numpy(),
            learner=learner,
            split=split,
            n_folds=folds,
            seed=seed,
            cliffs=cliffs,
            progress=lambda k, n: bar.update(task, completed=k),
        )
    res.predictions.to_csv(d / "cv_predictions.csv", index=False)
    res.metrics.to_csv(d / "cv_metrics.csv", index=False)
    shuffled = None
    if y_randomization > 0:
        shuffled = shuffled_cv(
            use["smiles"].tolist(),
            use["p_value"].to_numpy(),
            n_rounds=y_randomization,
            seed=seed,
            learner=learner,
            split=split,
            n_folds=folds,
        )
        shuffled.to_csv(d / "y_randomization.csv", index=False)
    _common.html_report(d, f"kinetor qsar cv: {learner}, {split} {folds}-fold")
    _common.print_frame(res.metrics, title=f"{learner}: {split} {folds}-fold CV")
    if shuffled is not None:
        _common.print_frame(
            shuffled,
            title="y-randomisation (shuffled potencies; a sound model falls to R2 near or below 0)",
        )


def _load(models: Path, targets: str | None):
    from kinetor.errors import ModelError
    from kinetor.qsar.card import check_target_name, load_model

    names = (
        [
            _checked(check_target_name, t.strip(), "--targets")
            for t in targets.split(",")
            if t.strip()
        ]
        if targets
        else sorted(p.stem for p in models.glob("*.joblib"))
    )
    if not names:
        raise ModelError(f"no models in {models}: run `kinetor qsar train ... --out {models}`")
    loaded = {}
    for name in names:
        path = models / f"{name}.joblib"
        if not path.exists():
            raise ModelError(
                f"no model for target {name!r} ({path} missing): train it with "
                f"`kinetor qsar train DATA --target {name} --out {models}`"
            )
        loaded[name] = load_model(path, trusted=True)[0]
    _common.info(
        f"loaded {', '.join(loaded)} from {models} (model files run code: load only your own)"
    )
    return loaded


_Models = Annotated[Path, typer.Option("--models", "-m", help="Model folder.")]
_Targets = Annotated[
    str | None,
    typer.Option("--targets", help="Comma-separated targets (default: every model in the folder)."),
]


def predict(
    smiles: Annotated[str, typer.Argument(help="A SMILES string or a file (.smi/.csv/.sdf).")],
    models: _Models = _MODELS,
    targets: _Targets = None,
    simulate: Annotated[
        bool, typer.Option("--simulate", help="Simulate the predicted drug in the pathway network.")
    ] = False,
    lesion: Annotated[
        list[str] | None,
        typer.Option("--lesion", help="Genotype lesion (repeatable), e.g. PTEN_loss."),
    ] = None,
    conc: Annotated[float, typer.Option("--conc", help="Free concentration (nM).")] = 1000.0,
    hours: Annotated[float, typer.Option("--hours", help="Readout time (h).")] = 24.0,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Worker processes for large inputs (each parses, featurises and predicts "
            "chunks of 4,000 SMILES).",
        ),
    ] = 1,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "qsar_predict_out"
    ),
) -> None:
    """Predict pIC50 with 90 % conformal intervals and domain flags; with --simulate, the
    network readouts (p-S6, p-AKT) at the point estimate and both interval ends."""
    import pandas as pd

    from kinetor.qsar.bridge import simulate_prediction

    preds = _load(models, targets)
    from kinetor.qsar.io import read_query

    mols, problems = read_query(smiles)
    _report_problems(problems, "structures not predicted")
    table = mols[["id", "smiles"]].copy()
    for target, p in preds.items():
        res = p.predict(table["smiles"], strict=False, n_jobs=jobs)
        for c in ("prediction", "lower", "upper", "nn_similarity", "in_domain"):
            table[f"{c}_{target}"] = res[c].to_numpy()
    # unparsable rows stay in the table, without predictions, their problem in `error`
    table["error"] = ""
    for prob in problems:
        table.loc[mols["row"].to_numpy() == prob.row, "error"] = prob.message
    d = _common.out_dir(out)
    table.to_csv(d / "predictions.csv", index=False)
    sims = []
    if simulate:
        for _, row in table.iterrows():
            if any(pd.isna(row[f"prediction_{t}"]) for t in preds):
                continue
            ends = ("prediction", "lower", "upper")
            vals = {t: {k: row[f"{k}_{t}"] for k in ends} for t in preds if t in ("mtor", "pi3ka")}
            if vals:
                sims.append(
                    simulate_prediction(
                        row["id"], vals, conc_nM=conc, lesions=lesion or [], t_end=hours
                    )
                )
        if sims:
            pd.concat(sims).to_csv(d / "network.csv", index=False)
    _common.html_report(d, "kinetor qsar predict")
    if _common.STATE["json"]:
        _common.emit_json(
            {
                "predictions": table.to_dict(orient="records"),
                "network": [s.to_dict(orient="records") for s in sims],
            }
        )
        return
    _common.print_frame(table, title="predicted pIC50 (90 % conformal interval)")
    for s in sims:
        _common.print_frame(
            s,
            title=f"network at {conc:g} nM, {hours:g} h, lesions "
            f"{', '.join(lesion or []) or 'none'} (% of untreated)",
        )


def screen(
    library: Annotated[Path, typer.Argument(help="Virtual library (.smi/.csv/.sdf).")],
    models: _Models = _MODELS,
    targets: Annotated[
        str, typer.Option("--targets", help="Comma-separated targets.")
    ] = "mtor,pi3ka",
    top: Annotated[int, typer.Option("--top", min=1, help="Rows to print.")] = 20,
    jobs: Annotated[
        int,
        typer.Option("--jobs", "-j", min=1, help="Processes for featurising large libraries."),
    ] = 1,
    out: Annotated[Path, typer.Option("--out", "-o", help="Output directory.")] = Path(
        "qsar_screen_out"
    ),
) -> None:
    """Rank a library for dual mTOR/PI3Kalpha inhibition (predicted pIC50 per target with
    intervals, selectivity, mechanism). Writes screen.csv."""
    from kinetor.qsar.dual_screen import screen as run_screen
    from kinetor.qsar.io import read_molecules

    preds = _load(models, targets)
    mols, problems = read_molecules(library, keep_invalid=True)
    _report_problems(problems, "structures not predicted")
    res = run_screen(
        mols["smiles"].tolist(), preds, ids=mols["id"].tolist(), file=library.name, n_jobs=jobs
    )
    d = _common.out_dir(out)
    res.to_csv(d / "screen.csv", index=False)
    _common.html_report(d, f"kinetor qsar screen: {library.name}")
    cols = [
        "rank",
        "id",
        *[c for t in preds for c in (f"p_{t}", f"lower_{t}", f"upper_{t}")],
        *[c for c in ("selectivity", "dual_score", "in_domain", "mechanism") if c in res],
    ]
    _common.print_frame(
        res[cols].head(top),
        title=f"top {min(top, len(res))} of {len(res)} by dual score (min pIC50 over targets)",
    )


def register(app: typer.Typer) -> None:
    qsar_app = typer.Typer(
        help="QSAR for mTOR and PI3Kalpha inhibitors: train, cv, predict, screen.",
        no_args_is_help=True,
    )
    qsar_app.command("train")(train)
    qsar_app.command("cv")(cv)
    qsar_app.command("predict")(predict)
    qsar_app.command("screen")(screen)
    app.add_typer(qsar_app, name="qsar")
