"""Cross-validation of QSAR models: per-fold and pooled RMSE, R2 and Spearman, conformal
coverage, cliff RMSE and y-randomisation.

Each outer fold trains a :class:`~kinetor.qsar.predictor.PotencyPredictor` on the other
folds only (its conformal calibration comes from an inner scaffold split of those training
folds), then predicts the held-out fold. The Tanimoto kernel of the whole set is computed
once and sliced per fold; no test-fold information reaches training or calibration.

Examples
--------
>>> regression_metrics([1.0, 2.0, 3.0, 4.0], [1.5, 2.0, 2.5, 4.0])
{'n': 4, 'rmse': 0.3535533905932738, 'mae': 0.25, 'r2': 0.9, 'spearman': 1.0}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["CVResult", "cross_validate", "regression_metrics", "y_randomization"]


def regression_metrics(y, pred) -> dict[str, float]:
    """RMSE, MAE, R2 (1 - SS_res/SS_tot) and Spearman rank correlation; R2 and Spearman
    are NaN, without a warning, where they are undefined (constant potencies or
    predictions)."""
    from scipy.stats import spearmanr

    y, pred = np.asarray(y, float), np.asarray(pred, float)
    res = y - pred
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    # undefined for fewer than 3 points or a constant side (equal potencies or predictions)
    ranked = len(y) > 2 and np.ptp(y) > 0 and np.ptp(pred) > 0
    rho = float(spearmanr(y, pred).statistic) if ranked else float("nan")
    return {
        "n": len(y),
        "rmse": float(np.sqrt(np.mean(res**2))),
        "mae": float(np.mean(np.abs(res))),
        "r2": 1.0 - float(np.sum(res**2)) / ss_tot if ss_tot > 0 else float("nan"),
        "spearman": rho,
    }


@dataclass
class CVResult:
    """Out-of-fold predictions and metrics of one cross-validation.

    Attributes
    ----------
    predictions : pandas.DataFrame
        ``smiles, y, fold, prediction, lower, upper, nn_similarity, in_domain`` (and
        ``cliff`` when cliffs were computed).
    metrics : pandas.DataFrame
        One row per fold plus ``pooled``: n, rmse, mae, r2, spearman, coverage,
        mean interval width, cliff RMSE.
    options : dict
    """

    predictions: pd.DataFrame
    metrics: pd.DataFrame
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def pooled(self) -> dict[str, float]:
        """The pooled metrics row as a dict."""
        return self.metrics.set_index("fold").loc["pooled"].to_dict()


def _fold_row(fold, part: pd.DataFrame) -> dict[str, Any]:
    from kinetor.qsar.cliffs import cliff_rmse
    from kinetor.qsar.conformal import coverage

    row = {"fold": fold, **regression_metrics(part["y"], part["prediction"])}
    row["coverage"] = coverage(part["y"], part["lower"], part["upper"])
    row["interval_width"] = float(np.mean(part["upper"] - part["lower"]))
    row["rmse_in_domain"] = (
        regression_metrics(part.loc[part.in_domain, "y"], part.loc[part.in_domain, "prediction"])[
            "rmse"
        ]
        if part["in_domain"].sum() > 2
        else float("nan")
    )
    if "cliff" in part:
        row["n_cliff"] = int(part["cliff"].sum())
        row["rmse_cliff"] = cliff_rmse(part["y"], part["prediction"], part["cliff"])
    return row


def cross_validate(
    smiles: Sequence[str],
    y,
    learner: str = "consensus",
    split: str = "scaffold",
    n_folds: int = 5,
    seed: int = 0,
    folds: np.ndarray | None = None,
    cliffs: np.ndarray | bool = False,
    alpha: float = 0.1,
    stack: bool = True,
    n_jobs: int = 1,
    progress=None,
    **model_options: Any,
) -> CVResult:
    """Cross-validate a learner with conformal intervals.

    Parameters
    ----------
    smiles, y : sequences
        Curated structures and potencies (p scale).
    learner : str
        See :class:`~kinetor.qsar.models.QSARModel`.
    split : {"scaffold", "generic_scaffold", "random", "butina"}
    n_folds, seed : int
    folds : array of int, optional
        Precomputed fold labels (overrides ``split``), e.g. to compare learners on the same
        folds.
    cliffs : bool or array of bool
        ``True`` finds MoleculeACE activity-cliff compounds in the whole set; an array
        gives the flags.
    alpha : float
        Interval miscoverage (0.1: 90 %).
    stack : bool
        Weight ensemble members by inner out-of-fold RMSE (see
        :class:`~kinetor.qsar.predictor.PotencyPredictor`); the weights are chosen inside
        each training fold.
    progress : callable, optional
        Called with ``(fold, n_folds)`` after each fold.
    """
    from kinetor.errors import DataError, ModelError, Problem
    from kinetor.qsar.featureset import compute_features, kernel, parse_smiles
    from kinetor.qsar.predictor import PotencyPredictor
    from kinetor.qsar.splits import SPLITS, make_folds

    # every option is checked (ModelError) before the molecules are parsed
    PotencyPredictor(learner, alpha=alpha, stack=stack, seed=seed, n_jobs=n_jobs, **model_options)
    if folds is None and split not in SPLITS:
        raise ModelError(f"split={split!r}: choose one of {', '.join(SPLITS)}")
    if folds is None and (
        isinstance(n_folds, bool) or not isinstance(n_folds, int | np.integer) or n_folds < 2
    ):
        raise ModelError(f"n_folds={n_folds!r}: give a whole number >= 2 of folds")
    smiles = list(smiles)
    y = np.asarray(y, float)
    mols, _, problems = parse_smiles(smiles)
    if problems:
        raise DataError(problems)
    from kinetor.qsar.models import QSARModel

    F = compute_features(mols, tab=QSARModel(learner, **model_options).needs_tab)
    given = folds is not None
    if folds is None:
        try:
            folds = make_folds(mols, split, n_folds, seed=seed)
        except ValueError as err:  # fewer scaffolds or clusters than folds
            raise DataError(
                Problem(
                    f"{len(mols)} compounds, {split} split: {err}",
                    fix="use fewer folds (--folds, or n_folds= in Python), another split "
                    "(--split random), or more compounds",
                )
            ) from None
    folds = np.asarray(folds)
    K = kernel(F, F)
    out = pd.DataFrame({"smiles": smiles, "y": y, "fold": folds})
    if isinstance(cliffs, bool):
        if cliffs:
            from kinetor.qsar.cliffs import cliff_compounds

            out["cliff"] = cliff_compounds(smiles, y)
    else:
        out["cliff"] = np.asarray(cliffs, bool)
    cols = ["prediction", "lower", "upper", "nn_similarity", "in_domain"]
    for c in cols:
        out[c] = False if c == "in_domain" else np.nan
    fold_ids = np.unique(folds)
    weights: dict[int, Any] = {}
    for k, f in enumerate(fold_ids):
        tr, te = np.flatnonzero(folds != f), np.flatnonzero(folds == f)
        pred = PotencyPredictor(
            learner, alpha=alpha, stack=stack, seed=seed, n_jobs=n_jobs, **model_options
        )
        pred.fit_kernel(F.subset(tr), y[tr], [mols[i] for i in tr], K[np.ix_(tr, tr)])
        table = pred.predict_features(F.subset(te), K_test=K[np.ix_(te, tr)])
        for c in cols:
            out.loc[te, c] = table[c].to_numpy()
        weights[int(f)] = getattr(pred.model_, "weights", None)
        if progress is not None:
            progress(k + 1, len(fold_ids))
    out["in_domain"] = out["in_domain"].astype(bool)
    rows = [_fold_row(int(f), out[out.fold == f]) for f in fold_ids]
    rows.append(_fold_row("pooled", out))
    options = {
        "learner": learner,
        "split": "given folds" if given else split,
        "n_folds": len(fold_ids),
        "seed": seed,
        "alpha": alpha,
        "stack": stack,
        "stacking_weights": weights,
        **model_options,
    }
    return CVResult(out, pd.DataFrame(rows), options)


def y_randomization(
    smiles: Sequence[str],
    y,
    n_rounds: int = 3,
    seed: int = 0,
    learner: str = "svr",
    split: str = "scaffold",
    n_folds: int = 5,
) -> pd.DataFrame:
    """Cross-validated RMSE and R2 with shuffled potencies (a chance-correlation check:
    a sound model loses its skill, R2 near or below 0). Returns one row per round."""
    rng = np.random.default_rng(seed)
    y = np.asarray(y, float)
    rows = []
    for r in range(n_rounds):
        res = cross_validate(
            smiles, rng.permutation(y), learner=learner, split=split, n_folds=n_folds, seed=seed
        )
        pooled = res.pooled
        rows.append({"round": r, "rmse": pooled["rmse"], "r2": pooled["r2"]})
    return pd.DataFrame(rows)
