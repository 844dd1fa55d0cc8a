"""A calibrated potency predictor: the model, its conformal intervals and its domain.

:class:`PotencyPredictor` fits a :class:`~kinetor.qsar.models.QSARModel` on all training
compounds and calibrates a :class:`~kinetor.qsar.conformal.NormalizedConformal` on
out-of-fold predictions from an inner scaffold split of the same training set (nothing
from a test set is used; a set with fewer scaffolds than folds falls back to random folds,
recorded in ``calibration_split_``). Predictions carry the interval, the nearest-neighbour
similarity and the applicability-domain flag: a compound whose most similar training
compound has a model-kernel similarity (mean Tanimoto of ECFP6, FCFP6 and atom-pair
counts) below ``ad_threshold`` is outside the domain (the
similarity-to-training criterion, Sheridan et al. 2004 J Chem Inf Comput Sci 44:1912,
doi:10.1021/ci049782w).

Examples
--------
>>> import numpy as np
>>> smiles = [f"C{'C' * i}O" for i in range(12)] + [f"c1ccccc1{'C' * i}N" for i in range(12)]
>>> y = np.r_[np.linspace(4, 6, 12), np.linspace(6, 8, 12)]
>>> p = PotencyPredictor("svr", target="mtor", n_calibration_folds=3).fit(smiles, y)
>>> out = p.predict(["CCCCCO", "FC(F)(F)S(=O)(=O)F"])
>>> list(out.columns)
['smiles', 'prediction', 'lower', 'upper', 'nn_similarity', 'in_domain']
>>> out["in_domain"].tolist()
[True, False]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from kinetor.errors import DataError, ModelError, Problem
from kinetor.qsar.conformal import NormalizedConformal, difficulty_features
from kinetor.qsar.featureset import (
    Features,
    _cached_reference,
    compute_features,
    featurize_smiles,
    kernel,
    parse_smiles,
)
from kinetor.qsar.models import QSARModel, check_model_options

__all__ = ["TARGETS", "PotencyPredictor", "oof_predictions", "stacking_weights"]

#: Targets the screening and network bridge know, with their ChEMBL ids.
TARGETS: dict[str, str] = {"mtor": "CHEMBL2842", "pi3ka": "CHEMBL4005"}


def _spread(members: dict[str, np.ndarray]) -> np.ndarray:
    vals = np.array(list(members.values()))
    return vals.max(axis=0) - vals.min(axis=0) if len(vals) > 1 else np.zeros(vals.shape[1])


def oof_predictions(
    model: QSARModel, F: Features, y: np.ndarray, folds: np.ndarray, K: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Out-of-fold predictions (mean, member spread, nearest-neighbour similarity).

    ``K`` is the model kernel of ``F`` with itself (computed if not given); fold
    models reuse its blocks.
    """
    K = kernel(F, F) if K is None else K
    pred, spread, nn = (np.full(len(y), np.nan) for _ in range(3))
    by_member = {name: np.full(len(y), np.nan) for name in model.member_names}
    for f in np.unique(folds):
        tr, te = np.flatnonzero(folds != f), np.flatnonzero(folds == f)
        m = QSARModel(**model.get_params()).fit(F.subset(tr), y[tr], K=K[np.ix_(tr, tr)])
        members = m.predict_members(F.subset(te), K_test=K[np.ix_(te, tr)])
        pred[te] = np.mean(list(members.values()), axis=0)
        spread[te] = _spread(members)
        nn[te] = K[np.ix_(te, tr)].max(axis=1)
        for name, values in members.items():
            by_member[name][te] = values
    return {"prediction": pred, "spread": spread, "nn_similarity": nn, "members": by_member}


def stacking_weights(y, members: dict[str, np.ndarray], step: float = 0.05) -> dict[str, float]:
    """Convex weights of the member predictions with the lowest RMSE, searched on a grid of
    ``step`` over the simplex (ties: the first in grid order, i.e. the earlier members).

    Computed on out-of-fold predictions of the training set, so the choice never sees the
    compounds it will be judged on.

    Examples
    --------
    >>> y = np.array([1.0, 2.0, 3.0, 4.0])
    >>> stacking_weights(y, {"a": y + 0.5, "b": y - 0.5})
    {'a': 0.5, 'b': 0.5}
    >>> stacking_weights(y, {"a": y, "b": y[::-1]})
    {'a': 1.0, 'b': 0.0}
    """
    from itertools import product

    names = list(members)
    P = np.array([members[n] for n in names])
    y = np.asarray(y, float)
    k = round(1.0 / step)
    best = None
    for combo in product(range(k + 1), repeat=len(names) - 1):
        if sum(combo) > k:
            continue
        w = np.array([*combo, k - sum(combo)], float)[::-1] / k
        err = float(np.mean((y - w @ P) ** 2))
        if best is None or err < best[0] - 1e-12:
            best = (err, w)
    return {n: round(float(v), 6) for n, v in zip(names, best[1], strict=True)}


class PotencyPredictor:
    """Model + conformal intervals + applicability domain for one target.

    Every option is checked here: an unknown learner or model option, ``alpha`` outside
    (0, 1), ``ad_threshold`` outside [0, 1] or fewer than 2 calibration folds is a
    :class:`~kinetor.errors.ModelError` at construction.

    Parameters
    ----------
    learner : str
        A :data:`~kinetor.qsar.models.LEARNERS` entry (default ``consensus``).
    target : str
        Target label (``mtor``, ``pi3ka`` or any name); used by screening and the network
        bridge.
    alpha : float
        Miscoverage of the intervals (0.1: 90 % intervals).
    ad_threshold : float
        Nearest-neighbour Tanimoto below which a query is outside the domain.
    n_calibration_folds : int
        Inner scaffold folds for the calibration predictions.
    stack : bool
        For an ensemble learner, weight the members by the convex combination with the
        lowest out-of-fold RMSE on those inner folds (:func:`stacking_weights`) instead of
        the plain mean.
    seed, n_jobs, **model_options
        Passed to :class:`~kinetor.qsar.models.QSARModel`.

    Attributes
    ----------
    model_ : QSARModel
    conformal_ : NormalizedConformal
    oof_ : pandas.DataFrame
        Out-of-fold calibration predictions of the training compounds.
    """

    def __init__(
        self,
        learner: str = "consensus",
        target: str = "mtor",
        alpha: float = 0.1,
        ad_threshold: float = 0.35,
        n_calibration_folds: int = 5,
        stack: bool = True,
        seed: int = 0,
        n_jobs: int = 1,
        **model_options: Any,
    ):
        self.learner, self.target, self.alpha, self.stack = learner, target, alpha, stack
        self.ad_threshold, self.n_calibration_folds = ad_threshold, n_calibration_folds
        self.seed, self.n_jobs, self.model_options = seed, n_jobs, model_options
        self._check()

    def _check(self) -> None:
        """Refuse a bad option at construction (:class:`~kinetor.errors.ModelError`
        naming it), not with a plain ``ValueError`` from ``fit``."""
        check_model_options(
            {"learner": self.learner, "seed": self.seed, "n_jobs": self.n_jobs} | self.model_options
        )

        def number(v) -> bool:
            return isinstance(v, int | float | np.number) and not isinstance(v, bool)

        if not isinstance(self.target, str) or not self.target.strip():
            raise ModelError(f"target={self.target!r}: give a target label, e.g. 'mtor'")
        if not (number(self.alpha) and 0.0 < self.alpha < 1.0):
            raise ModelError(
                f"alpha={self.alpha!r}: the miscoverage must lie in (0, 1), e.g. 0.1 for "
                "90 % intervals"
            )
        if not (number(self.ad_threshold) and 0.0 <= self.ad_threshold <= 1.0):
            raise ModelError(
                f"ad_threshold={self.ad_threshold!r}: a Tanimoto similarity in [0, 1], e.g. 0.35"
            )
        folds = self.n_calibration_folds
        if isinstance(folds, bool) or not isinstance(folds, int | np.integer) or folds < 2:
            raise ModelError(
                f"n_calibration_folds={folds!r}: give a whole number >= 2 of inner folds"
            )

    def _check_size(self, n: int) -> None:
        # the inner calibration folds need 2 compounds each and the conformal quantile at
        # level ceil((n+1)(1-alpha))/n needs n >= (1-alpha)/alpha
        n_min = max(2 * self.n_calibration_folds, int(np.ceil((1 - self.alpha) / self.alpha)))
        if n < n_min:
            raise DataError(
                Problem(
                    f"{n} training compounds: at least {n_min} are needed for the "
                    f"{self.n_calibration_folds} inner calibration folds and the "
                    f"{100 * (1 - self.alpha):g} % conformal intervals",
                    fix="add training compounds (a useful QSAR model needs hundreds)",
                )
            )

    def fit(self, X, y) -> PotencyPredictor:
        """Fit on SMILES and potencies ``y`` (unparsable SMILES: :class:`DataError`)."""
        X = list(X)
        self._check_size(len(X))  # before featurising: no features of 0 compounds
        mols, _, problems = parse_smiles(X)
        if problems:
            raise DataError(problems)
        model = QSARModel(self.learner, **self.model_options)
        return self.fit_kernel(compute_features(mols, tab=model.needs_tab), y, mols)

    def fit_kernel(
        self, F: Features, y, mols: Sequence[Any], K: np.ndarray | None = None
    ) -> PotencyPredictor:
        """Fit on precomputed features (``mols`` give the calibration scaffolds; ``K`` the
        training model kernel when already computed)."""
        from kinetor.qsar.splits import make_folds

        y = np.asarray(y, float)
        self._check_size(len(y))
        if np.ptp(y) <= 1e-9:
            raise DataError(
                Problem(
                    f"all {len(y)} training potencies are equal ({y[0]:g}): a model cannot "
                    "learn from them, and its intervals would have no width",
                    fix="train on compounds of different potency",
                )
            )
        self.__dict__.pop("_refs", None)  # a refit invalidates the prepared reference
        K = kernel(F, F) if K is None else K
        self.model_ = QSARModel(
            self.learner, seed=self.seed, n_jobs=self.n_jobs, **self.model_options
        ).fit(F, y, K=K)
        # the fold models reuse the GP noise chosen on all training data (no re-selection)
        params = self.model_.get_params()
        if "gp" in self.model_.members_ and params["gp_noise"] is None:
            params["gp_noise"] = self.model_.members_["gp"].noise_
        try:
            folds = make_folds(mols, "scaffold", self.n_calibration_folds, seed=self.seed)
            self.calibration_split_ = "scaffold"
        except ValueError:  # fewer scaffolds than folds (tiny sets): random folds
            folds = make_folds(mols, "random", self.n_calibration_folds, seed=self.seed)
            self.calibration_split_ = "random"
        oof = oof_predictions(QSARModel(**params), F, y, folds, K)
        members = oof.pop("members")
        if self.stack and len(members) > 1:
            self.model_.weights = stacking_weights(y, members)
            oof["prediction"] = self.model_.combine(members)
        self.conformal_ = NormalizedConformal(self.alpha).fit(
            y - oof["prediction"], difficulty_features(oof["nn_similarity"], oof["spread"])
        )
        self.oof_ = pd.DataFrame({"y": y, **oof, "fold": folds})
        self.train_ = F
        self.n_train_ = len(y)
        return self

    def predict_features(
        self, F: Features, K_test: np.ndarray | None = None, chunk: int = 4000
    ) -> pd.DataFrame:
        """Prediction table for precomputed features (no ``smiles`` column); ``K_test`` is
        the query-by-training kernel when already computed (else computed in chunks)."""
        if K_test is None:
            ref = _cached_reference(self, "train_")
            # one kernel block reused for every chunk (fresh pages cost about as much as the kernel)
            block = np.empty((min(chunk, len(F)), self.n_train_))
            parts = []
            for s in range(0, len(F), chunk):
                part = F.subset(slice(s, s + chunk))
                parts.append(self.predict_features(part, ref(part, out=block[: len(part)])))
            return (
                pd.concat(parts, ignore_index=True)
                if parts
                else self.predict_features(F, np.zeros((0, self.n_train_)))
            )
        members = self.model_.predict_members(F, K_test=K_test)
        pred = self.model_.combine(members)
        nn = K_test.max(axis=1) if K_test.size else np.zeros(len(F))
        lo, hi = self.conformal_.interval(pred, difficulty_features(nn, _spread(members)))
        return pd.DataFrame(
            {
                "prediction": pred,
                "lower": lo,
                "upper": hi,
                "nn_similarity": nn,
                "in_domain": nn >= self.ad_threshold,
            }
        )

    def predict(
        self, smiles: Sequence[str], strict: bool = True, n_jobs: int = 1, chunk: int = 4000
    ) -> pd.DataFrame:
        """Predict potencies with intervals and domain flags.

        With ``strict=False`` unparsable SMILES give a row of NaN with ``error`` set instead
        of a :class:`~kinetor.errors.DataError`. With ``n_jobs`` > 1 and more than ``chunk``
        SMILES, ``n_jobs`` worker processes of the shared executor
        (:class:`~kinetor.numerics.executor.Executor`) parse and featurise chunks of
        ``chunk`` SMILES and this process computes the kernel (its loops in parallel
        threads); the predictions equal those of one process.
        """
        smiles = list(smiles)
        F, ok, problems = featurize_smiles(
            smiles,
            tab=self.model_.needs_tab,
            n_jobs=n_jobs,
            chunk=chunk,
            kinds=tuple(self.train_.fps),
        )
        table = self.predict_features(F) if F is not None else None
        if problems and strict:
            raise DataError(problems)
        out = pd.DataFrame({"smiles": smiles})
        cols = ["prediction", "lower", "upper", "nn_similarity", "in_domain"]
        for c in cols:
            out[c] = np.nan if c != "in_domain" else False
            if table is not None:
                out.loc[ok, c] = table[c].to_numpy()
        if problems:
            out["error"] = ""
            for p in problems:
                out.loc[p.row - 2, "error"] = p.message
        out["in_domain"] = out["in_domain"].astype(bool)
        return out
