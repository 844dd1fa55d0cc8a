"""QSAR regressors on molecular features: Tanimoto-kernel SVR and GP, random forest,
LightGBM, and their average (the default ``consensus``).

Every learner works on a :class:`Features` bundle computed once per set of molecules:
``fps`` (hashed ECFP6, FCFP6 and atom-pair counts, the kernel input) and ``tab`` (folded
ECFP6 counts next to fast RDKit descriptors, the tree input). The kernel learners use the
mean of the three Tanimoto (MinMax) kernels. The default ``consensus`` combines the
Tanimoto SVR and the Tanimoto GP on that kernel: their mean here, their stacked convex
combination in :class:`~kinetor.qsar.predictor.PotencyPredictor` (weights from inner
scaffold cross-validation, :attr:`QSARModel.weights`); ``consensus_trees`` adds LightGBM
and a random forest on counts + descriptors to the SVR. Kernel methods on ECFP were the
strongest classical learners in MoleculeACE (van Tilborg, Alenicheva & Grisoni 2022
J Chem Inf Model 62:5938, doi:10.1021/acs.jcim.2c01073); on the mTOR scaffold split
(development set) trees added nothing to the kernel model (docs/qsar.md).

Examples
--------
>>> import numpy as np
>>> smiles = ["CCO", "CCCO", "CCCCO", "CCCCCO", "c1ccccc1O", "c1ccccc1CO"]
>>> y = np.array([4.0, 4.5, 5.0, 5.5, 6.0, 6.5])
>>> m = QSARModel("svr", seed=0).fit(smiles, y)
>>> m.predict(["CCCO"]).round(1)
array([4.6])
"""

from __future__ import annotations

from typing import Any, Literal

import numpy as np

from kinetor.errors import DataError, ModelError, Problem
from kinetor.qsar.featureset import (  # re-exported: the names model files and callers use
    KERNEL_FINGERPRINTS,
    Features,
    KernelReference,
    _as_features,
    _cached_reference,
    _NoPickleCache,  # noqa: F401  (pickled in model files written before the split)
    compute_features,
    featurize_smiles,
    kernel,
    parse_smiles,
)

__all__ = [
    "KERNEL_FINGERPRINTS",
    "LEARNERS",
    "Features",
    "KernelReference",
    "QSARModel",
    "compute_features",
    "featurize_smiles",
    "kernel",
    "parse_smiles",
]

LEARNERS: tuple[str, ...] = ("consensus", "svr", "gp", "rf", "lgbm", "consensus_trees")
#: Members averaged by each ensemble.
ENSEMBLES = {"consensus": ("svr", "gp"), "consensus_trees": ("svr", "lgbm", "rf")}


def _number(v) -> bool:
    return isinstance(v, int | float | np.number) and not isinstance(v, bool) and np.isfinite(v)


def _whole(v) -> bool:
    return isinstance(v, int | np.integer) and not isinstance(v, bool)


def check_model_options(params: dict[str, Any]) -> None:
    """Refuse an unknown learner or an out-of-range option of :class:`QSARModel`
    (:class:`~kinetor.errors.ModelError` naming the parameter), before any fit."""
    rules = {
        "learner": (lambda v: v in LEARNERS, f"choose one of {', '.join(LEARNERS)}"),
        "C": (lambda v: _number(v) and v > 0, "the SVR regularisation must be > 0, e.g. 5"),
        "epsilon": (lambda v: _number(v) and v >= 0, "the SVR tube width must be >= 0"),
        "gp_noise": (
            lambda v: v is None or (_number(v) and v > 0),
            "the GP noise must be > 0, or None (marginal likelihood)",
        ),
        "n_estimators": (
            lambda v: v is None or (_whole(v) and v >= 1),
            "the number of trees must be a whole number >= 1, or None",
        ),
        "seed": (lambda v: _whole(v) and v >= 0, "the seed must be a whole number >= 0"),
        "n_jobs": (lambda v: _whole(v) and v != 0, "n_jobs must be a whole number, not 0"),
    }
    unknown = sorted(set(params) - set(rules))
    if unknown:
        raise ModelError(f"unknown QSAR model option(s) {unknown}; known: {', '.join(rules)}")
    for name, (ok, why) in rules.items():
        if name in params and not ok(params[name]):
            raise ModelError(f"{name}={params[name]!r}: {why}")


class _TanimotoSVR:
    def __init__(self, C: float, epsilon: float):
        self.C, self.epsilon = C, epsilon

    def fit(self, F: Features, y, K=None):
        from sklearn.svm import SVR

        K = kernel(F, F) if K is None else K
        self.svr_ = SVR(kernel="precomputed", C=self.C, epsilon=self.epsilon).fit(K, y)
        self.sv_ = F.subset(self.svr_.support_)
        self.coef_ = self.svr_.dual_coef_.ravel().astype(np.float64)
        self.intercept_ = float(self.svr_.intercept_[0])
        # dual coefficients over all training rows (0 off the support): a query-by-training
        # kernel block needs no column gather
        self.coef_full_ = np.zeros(K.shape[0])
        self.coef_full_[self.svr_.support_] = self.coef_
        return self

    def predict(self, F: Features, K_test=None, chunk: int = 5000):
        if K_test is not None:
            full = getattr(self, "coef_full_", None)  # absent in older model files
            if full is not None and K_test.shape[1] == len(full):
                return K_test @ full + self.intercept_
            return K_test[:, self.svr_.support_] @ self.coef_ + self.intercept_
        out = np.empty(len(F))
        for s in range(0, len(F), chunk):
            out[s : s + chunk] = (
                _cached_reference(self, "sv_")(F.subset(slice(s, s + chunk))) @ self.coef_
            )
        return out + self.intercept_


def profile_nll(A: np.ndarray, r: np.ndarray):
    """Negative log marginal likelihood of a zero-mean GP with covariance ``amp * A`` for
    the residuals ``r``, the signal variance ``amp`` profiled out (one Cholesky factor of
    ``A``, which is overwritten). Returns ``(nll, cho_factor, alpha = A^-1 r, amp)``."""
    from scipy.linalg import cho_factor, cho_solve

    n = len(r)
    c = cho_factor(A, lower=True, overwrite_a=True, check_finite=False)
    alpha = cho_solve(c, r, check_finite=False)
    amp = float(r @ alpha) / n
    return 0.5 * n * np.log(amp) + float(np.sum(np.log(np.diag(c[0])))), c, alpha, amp


class _TanimotoGP:
    """GP regression with the model kernel; the noise variance (relative to the signal
    variance) is chosen by marginal likelihood over ``noise_grid`` unless fixed."""

    def __init__(
        self, noise: float | None = None, noise_grid=(0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
    ):
        self.noise, self.noise_grid = noise, noise_grid

    def fit(self, F: Features, y, K=None):
        K = kernel(F, F) if K is None else K
        self.mean_ = float(np.mean(y))
        r = np.asarray(y, float) - self.mean_
        n = len(r)
        grid = [self.noise] if self.noise is not None else list(self.noise_grid)
        best = None
        for s in grid:
            A = K.copy()
            A[np.diag_indices(n)] += s
            nll, c, alpha, amp = profile_nll(A, r)
            if best is None or nll < best[0]:
                best = (nll, s, c, alpha, amp)
            elif len(grid) > 2:
                break  # the profile likelihood rose again: the grid is searched upwards
        _, self.noise_, self._chol, self.alpha_, self.amp_ = best
        self.noise_ = float(self.noise_)
        self.train_ = F
        return self

    def predict(self, F: Features, K_test=None, return_std: bool = False, chunk: int = 5000):
        from scipy.linalg import cho_solve

        mean, std = np.empty(len(F)), np.empty(len(F))
        for s in range(0, len(F), chunk):
            Ks = (
                _cached_reference(self, "train_")(F.subset(slice(s, s + chunk)))
                if K_test is None
                else K_test[s : s + chunk]
            )
            mean[s : s + chunk] = Ks @ self.alpha_ + self.mean_
            if return_std:
                v = cho_solve(self._chol, Ks.T)
                std[s : s + chunk] = np.sqrt(
                    np.clip(self.amp_ * (1.0 + self.noise_ - np.sum(Ks.T * v, 0)), 0, None)
                )
        return (mean, std) if return_std else mean


class _Trees:
    def __init__(self, kind: str, n_estimators: int, seed: int, n_jobs: int):
        self.kind, self.n_estimators, self.seed, self.n_jobs = kind, n_estimators, seed, n_jobs

    def fit(self, F: Features, y, K=None):
        if self.kind == "lgbm":
            import lightgbm as lgb

            self.model_ = lgb.LGBMRegressor(
                n_estimators=self.n_estimators,
                learning_rate=0.04,
                num_leaves=31,
                colsample_bytree=0.3,
                subsample=0.8,
                subsample_freq=1,
                min_child_samples=10,
                random_state=self.seed,
                n_jobs=self.n_jobs,
                verbose=-1,
            )
        else:
            from sklearn.ensemble import RandomForestRegressor

            self.model_ = RandomForestRegressor(
                n_estimators=self.n_estimators,
                max_features=0.3,
                random_state=self.seed,
                n_jobs=self.n_jobs,
            )
        self.model_.fit(F.tab, np.asarray(y, float))
        return self

    def predict(self, F: Features, K_test=None):
        return self.model_.predict(F.tab)


class QSARModel:
    """A potency regressor on SMILES (or precomputed :class:`Features`).

    Parameters
    ----------
    learner : {"consensus", "svr", "gp", "rf", "lgbm", "consensus_trees"}
        ``consensus`` = mean of the Tanimoto SVR and GP; ``consensus_trees`` = mean of the
        SVR, LightGBM and a random forest.
    C, epsilon : float
        SVR regularisation and tube width (log units).
    gp_noise : float or None
        GP noise variance relative to the signal variance (None: marginal likelihood).
    n_estimators : int or None
        Trees (default 800 for LightGBM, 300 for the forest).
    seed : int
        Seed of every random learner.
    n_jobs : int
        Threads of the tree learners.

    Attributes
    ----------
    members_ : dict
        Fitted member learners by name.
    """

    def __init__(
        self,
        learner: Literal["consensus", "svr", "gp", "rf", "lgbm", "consensus_trees"] = "consensus",
        C: float = 5.0,
        epsilon: float = 0.1,
        gp_noise: float | None = None,
        n_estimators: int | None = None,
        seed: int = 0,
        n_jobs: int = 1,
    ):
        self.learner, self.C, self.epsilon, self.gp_noise = learner, C, epsilon, gp_noise
        self.n_estimators, self.seed, self.n_jobs = n_estimators, seed, n_jobs
        check_model_options(self.get_params())

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments (to build an unfitted copy)."""
        return {
            "learner": self.learner,
            "C": self.C,
            "epsilon": self.epsilon,
            "gp_noise": self.gp_noise,
            "n_estimators": self.n_estimators,
            "seed": self.seed,
            "n_jobs": self.n_jobs,
        }

    def _member(self, name: str):
        if name == "svr":
            return _TanimotoSVR(self.C, self.epsilon)
        if name == "gp":
            return _TanimotoGP(self.gp_noise)
        n = self.n_estimators or (800 if name == "lgbm" else 300)
        return _Trees(name, n, self.seed, self.n_jobs)

    @property
    def needs_tab(self) -> bool:
        """Whether a member learner uses the tree features (``Features.tab``)."""
        return any(m in ("rf", "lgbm") for m in self.member_names)

    @property
    def member_names(self) -> tuple[str, ...]:
        if self.learner not in LEARNERS:
            raise ModelError(
                f"learner={self.learner!r} is unknown; choose one of {', '.join(LEARNERS)}"
            )
        return ENSEMBLES.get(self.learner, (self.learner,))

    def fit(self, X, y, K=None) -> QSARModel:
        """Fit on SMILES or :class:`Features` ``X`` and potencies ``y``.

        ``K`` may pass the precomputed training kernel (cross-validation reuses it).
        """
        F = _as_features(X)
        y = np.asarray(y, dtype=float)
        if y.ndim != 1 or len(y) != len(F) or not np.isfinite(y).all():
            raise DataError(
                Problem(
                    f"{len(F)} molecules but {y.size} potencies"
                    if y.ndim != 1 or len(y) != len(F)
                    else "a potency is missing or infinite",
                    column="y",
                    fix="give one finite potency (e.g. pIC50) per molecule",
                )
            )
        self.members_ = {name: self._member(name).fit(F, y, K) for name in self.member_names}
        return self

    def predict_members(self, X, K_test=None) -> dict[str, np.ndarray]:
        """Predictions of each member learner (``K_test``: query-by-training kernel)."""
        F = _as_features(X)
        return {name: m.predict(F, K_test) for name, m in self.members_.items()}

    def combine(self, members: dict[str, np.ndarray]) -> np.ndarray:
        """Mean of the member predictions, or their mean weighted by ``weights`` (stacking)."""
        w = getattr(self, "weights", None)
        if not w:
            return np.mean(list(members.values()), axis=0)
        return sum(w[name] * members[name] for name in members)

    def predict(self, X, K_test=None) -> np.ndarray:
        """Point predictions (mean, or stacking-weighted mean, over the members)."""
        return self.combine(self.predict_members(X, K_test))
