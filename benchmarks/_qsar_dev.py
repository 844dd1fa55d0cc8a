"""QSAR development runs on the mTOR scaffold 5-fold split (seed 0) only.

The model is chosen on this split (docs/qsar.md section 4, selection protocol); the
PI3Kalpha and MoleculeACE sets are never touched here. Each variant prints its per-fold
and pooled RMSE next to the recorded default (same folds) and the per-fold differences.

Run: ``python benchmarks/_qsar_dev.py VARIANT`` (not part of ``make bench``), VARIANT one
of ``lgbm_stack`` (SVR + GP + LightGBM, stacked inside each training fold), ``nested_c``
(SVR C chosen from {2, 5, 10, 20} on the inner scaffold folds of each training fold, then
stacked with the GP), ``ecfp4_kernel`` (the default with an ECFP4 count kernel added to
the mean of kernels) or ``multitask`` (the default SVR + GP on an intrinsic
coregionalisation kernel with the PI3Kalpha IC50 set as auxiliary task, rho from the
training compounds measured on both; ``_qsar_multitask.py``, leakage rules there),
``multitask_ml`` (the same with rho and the GP noise by GP profile marginal likelihood
on a grid, rho in {0.25, 0.5, 0.75, 0.9}), ``pooled`` (rho = 1: the two sets pooled
with a per-task mean); ``achiral`` (the kernel before stereo-aware circular fingerprints:
ECFP6, FCFP6 and atom pairs as RDKit's defaults);
``default`` re-runs the default ``consensus``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from kinetor.qsar import models
from kinetor.qsar.featureset import parse_smiles
from kinetor.qsar.splits import make_folds
from kinetor.qsar.validation import cross_validate, regression_metrics
from qsar import load_sets

# default consensus, same folds (docs/qsar.md section 4): per-fold and pooled RMSE. The
# variants before ``achiral`` were compared with the stereo-blind kernel of that time
# (0.639, 0.561, 0.640, 0.623, 0.538; pooled 0.6018), which ``achiral`` re-runs.
DEFAULT = [0.628, 0.555, 0.636, 0.623, 0.537]
DEFAULT_POOLED = 0.5971
C_GRID = (2.0, 5.0, 10.0, 20.0)


def _nested_c_predictor():
    """A PotencyPredictor whose SVR C is chosen from ``C_GRID`` by the RMSE of SVR
    predictions on the inner scaffold 5-fold split of its own training set (the split that
    also calibrates the intervals), then fitted as the default ``consensus``."""
    from kinetor.qsar import predictor

    class NestedC(predictor.PotencyPredictor):
        def fit_kernel(self, F, y, mols, K=None):
            from sklearn.svm import SVR

            from kinetor.qsar.featureset import kernel

            K = kernel(F, F) if K is None else K
            y = np.asarray(y, float)
            inner = make_folds(mols, "scaffold", self.n_calibration_folds, seed=self.seed)
            sse = dict.fromkeys(C_GRID, 0.0)
            for f in np.unique(inner):
                tr, te = np.flatnonzero(inner != f), np.flatnonzero(inner == f)
                for C in C_GRID:
                    svr = SVR(kernel="precomputed", C=C, epsilon=0.1)
                    svr.fit(K[np.ix_(tr, tr)], y[tr])
                    sse[C] += float(np.sum((y[te] - svr.predict(K[np.ix_(te, tr)])) ** 2))
            best = min(C_GRID, key=lambda c: sse[c])
            chosen = (best, {c: round(np.sqrt(v / len(y)), 4) for c, v in sse.items()})
            print("inner C RMSE", chosen, flush=True)
            self.learner, self.model_options = "consensus", {**self.model_options, "C": best}
            return super().fit_kernel(F, y, mols, K)

    return NestedC


def run_multitask(
    primary: str = "mTOR", auxiliary: str = "PI3Kalpha", folds=None, rho_method="overlap", log=print
):
    """Scaffold 5-fold CV (seed 0) of ``primary`` with ``auxiliary`` as the second task of
    the coregionalisation kernel model; returns (y, prediction, lower, upper, folds, info)."""
    from _qsar_multitask import multitask_fold

    from kinetor.qsar.featureset import compute_features, kernel
    from kinetor.qsar.splits import scaffold_groups

    sets = load_sets()
    P, A = {}, {}
    for d, name in ((P, primary), (A, auxiliary)):
        data = sets[name][0]
        d["smiles"], d["y"] = data["smiles"].to_numpy(), data["p_value"].to_numpy()
        d["mols"] = parse_smiles(d["smiles"].tolist())[0]
        d["scaffold"] = np.array(scaffold_groups(d["mols"]))
        d["F"] = compute_features(d["mols"], tab=False)
    if folds is None:
        folds = make_folds(P["mols"], "scaffold", 5, seed=0)
    P["K"], P["KA"], A["K"] = kernel(P["F"], P["F"]), kernel(P["F"], A["F"]), kernel(A["F"], A["F"])
    pred, lo, hi = (np.full(len(P["y"]), np.nan) for _ in range(3))
    info = []
    for f in range(5):
        tr, te = np.flatnonzero(folds != f), np.flatnonzero(folds == f)
        pred[te], lo[te], hi[te], i = multitask_fold(P, A, tr, te, rho_method=rho_method, log=log)
        info.append(i)
        log(f"fold {f}: RMSE {regression_metrics(P['y'][te], pred[te])['rmse']:.4f}")
    return P["y"], pred, lo, hi, folds, info


def report_multitask(rho_method: str = "overlap") -> None:
    from kinetor.qsar.conformal import coverage

    t0, c0 = time.perf_counter(), time.process_time()
    y, pred, lo, hi, folds, _ = run_multitask(rho_method=rho_method)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    _report(
        f"multitask ({rho_method})",
        y,
        pred,
        folds,
        f"coverage {coverage(y, lo, hi):.3f}",
        f"wall {wall:.0f} s, CPU (main process, all threads) {cpu:.0f} s",
    )


def _report(label: str, y, pred, folds, coverage_line: str, time_line: str) -> None:
    """Pooled and per-fold RMSE of ``pred`` beside the recorded default (same folds), the
    paired per-fold differences, then the coverage and timing lines."""
    per_fold = [regression_metrics(y[folds == f], pred[folds == f])["rmse"] for f in range(5)]
    diff = np.array(per_fold) - np.array(DEFAULT)
    pooled = regression_metrics(y, pred)["rmse"]
    print(f"variant {label}: pooled RMSE {pooled:.4f} (default {DEFAULT_POOLED})")
    print("per fold:", " ".join(f"{v:.3f}" for v in per_fold), "default:", DEFAULT)
    print(
        f"per-fold difference mean {diff.mean():+.4f}, sd {diff.std(ddof=1):.4f}, "
        f"se {diff.std(ddof=1) / np.sqrt(5):.4f}"
    )
    print(coverage_line)
    print(time_line)


def run(variant: str) -> None:
    if variant == "multitask":
        return report_multitask()
    if variant == "multitask_ml":
        return report_multitask("likelihood")
    if variant == "pooled":
        return report_multitask("pooled")
    data, _ = load_sets()["mTOR"]
    smiles, y = data["smiles"].tolist(), data["p_value"].to_numpy()
    folds = make_folds(parse_smiles(smiles)[0], "scaffold", 5, seed=0)
    options: dict = {}
    if variant == "lgbm_stack":
        models.LEARNERS = (*models.LEARNERS, "consensus_lgbm")
        models.ENSEMBLES["consensus_lgbm"] = ("svr", "gp", "lgbm")
        learner, options = "consensus_lgbm", {"n_estimators": 400, "n_jobs": 2}
    elif variant == "nested_c":
        from kinetor.qsar import predictor

        models.LEARNERS = (*models.LEARNERS, "consensus_nested_c")
        models.ENSEMBLES["consensus_nested_c"] = ("svr", "gp")
        predictor.PotencyPredictor = _nested_c_predictor()
        learner, options = "consensus_nested_c", {}
    elif variant == "default":
        learner = "consensus"
    elif variant == "ecfp4_kernel":
        from kinetor.qsar import featureset

        featureset.KERNEL_FINGERPRINTS = (*featureset.KERNEL_FINGERPRINTS, "ecfp4_count")
        learner = "consensus"
    elif variant == "achiral":
        from kinetor.qsar import featureset

        featureset.KERNEL_FINGERPRINTS = ("ecfp6_count", "fcfp6_count", "atompair_count")
        learner = "consensus"
    else:
        sys.exit(f"unknown variant {variant!r}")
    t0, c0 = time.perf_counter(), time.process_time()
    res = cross_validate(
        smiles,
        y,
        learner=learner,
        folds=folds,
        seed=0,
        progress=lambda k, n: print(f"fold {k}/{n} {time.perf_counter() - t0:.0f} s", flush=True),
        **options,
    )
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    _report(
        variant,
        y,
        res.predictions.prediction.to_numpy(),
        folds,
        f"coverage {res.pooled['coverage']:.3f} weights {res.options['stacking_weights']}",
        f"wall {wall:.0f} s, CPU (main process) {cpu:.0f} s",
    )


if __name__ == "__main__":
    run(sys.argv[1])
