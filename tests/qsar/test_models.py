"""Models, predictor and cross-validation on a 240-compound mTOR subset."""

import numpy as np
import pytest

from kinetor.errors import DataError, ModelError
from kinetor.qsar.models import QSARModel, compute_features, parse_smiles
from kinetor.qsar.predictor import PotencyPredictor
from kinetor.qsar.validation import cross_validate, regression_metrics, y_randomization


def test_metrics_by_hand():
    m = regression_metrics([1.0, 2.0, 3.0], [1.0, 2.0, 4.0])
    assert m["rmse"] == pytest.approx(np.sqrt(1 / 3))
    assert m["r2"] == pytest.approx(1 - 1 / 2)  # SS_res 1, SS_tot 2
    assert m["spearman"] == pytest.approx(1.0)


def test_parse_reports_bad_rows_and_keeps_the_rest():
    mols, ok, problems = parse_smiles(["CCO", "C(", "c1ccccc1.[Na+]"], file="lib.csv")
    assert ok.tolist() == [0, 2] and len(mols) == 2
    assert problems[0].row == 3 and problems[0].file == "lib.csv"


@pytest.mark.slow
def test_cross_validation_beats_the_mean_and_shuffled_labels(mtor_subset):
    smiles = mtor_subset["canonical_smiles"].tolist()
    y = mtor_subset["pIC50"].to_numpy()
    res = cross_validate(smiles, y, learner="svr", split="scaffold", n_folds=4, seed=0)
    pooled = res.pooled
    # the mean predictor's RMSE is the SD of y; a useful model is clearly below it
    assert pooled["rmse"] < 0.9 * np.std(y)
    assert pooled["r2"] > 0.2
    assert len(res.metrics) == 5 and set(res.predictions["fold"]) == {0, 1, 2, 3}
    assert 0.75 <= pooled["coverage"] <= 1.0
    shuffled = y_randomization(smiles, y, n_rounds=1, seed=0, n_folds=4)
    assert shuffled["r2"].iloc[0] < 0.1


@pytest.mark.slow
@pytest.mark.parametrize("learner", ["consensus", "gp", "rf", "lgbm", "consensus_trees"])
def test_learners_fit_and_predict(mtor_subset, learner):
    mols, _, _ = parse_smiles(mtor_subset["canonical_smiles"].tolist())
    F = compute_features(mols)
    y = mtor_subset["pIC50"].to_numpy()
    tr = np.arange(len(y)) % 4 != 0
    m = QSARModel(learner, n_estimators=50, seed=0).fit(F.subset(np.flatnonzero(tr)), y[tr])
    pred = m.predict(F.subset(np.flatnonzero(~tr)))
    assert pred.shape == ((~tr).sum(),)
    # far better than chance on held-out rows (random split: near analogues are present)
    assert regression_metrics(y[~tr], pred)["rmse"] < np.std(y)
    again = QSARModel(learner, n_estimators=50, seed=0).fit(F.subset(np.flatnonzero(tr)), y[tr])
    np.testing.assert_allclose(again.predict(F.subset(np.flatnonzero(~tr))), pred)


@pytest.mark.slow
def test_predictor_marks_the_domain_and_bad_smiles(mtor_subset):
    data = mtor_subset.iloc[:80]
    p = PotencyPredictor("svr", n_calibration_folds=3).fit(data["canonical_smiles"], data["pIC50"])
    out = p.predict([data["canonical_smiles"].iloc[0], "FC(F)(F)S(=O)(=O)F", "C1CC"], strict=False)
    assert out["in_domain"].tolist() == [True, False, False]
    assert out["nn_similarity"].iloc[0] == pytest.approx(1.0)
    assert (out["lower"].iloc[:2] < out["prediction"].iloc[:2]).all()
    assert out["error"].iloc[2] == "unparsable SMILES 'C1CC'"
    with pytest.raises(DataError, match="unparsable SMILES"):
        p.predict(["C1CC"])


@pytest.mark.slow
def test_worker_processes_predict_what_one_process_predicts(mtor_subset):
    """Chunks predicted in worker processes (serial kernel loops, one BLAS thread) give the
    single-process table: same values to rounding, same domain flags, bad rows named with
    their row in the whole input."""
    data = mtor_subset.iloc[:60]
    p = PotencyPredictor("consensus", n_calibration_folds=3).fit(
        data["canonical_smiles"], data["pIC50"]
    )
    lib = mtor_subset["canonical_smiles"].iloc[40:].tolist()
    lib[7], lib[150] = "C1CC", "not a smiles"
    one = p.predict(lib, strict=False)
    two = p.predict(lib, strict=False, n_jobs=2, chunk=50)
    cols = ["prediction", "lower", "upper", "nn_similarity"]
    np.testing.assert_allclose(two[cols].to_numpy(), one[cols].to_numpy(), rtol=0, atol=1e-9)
    assert two["in_domain"].tolist() == one["in_domain"].tolist()
    assert two["error"].tolist() == one["error"].tolist()
    assert two.loc[150, "error"] == "unparsable SMILES 'not a smiles'"
    assert np.isnan(two.loc[7, "prediction"]) and two["prediction"].notna().sum() == len(lib) - 2


def test_unknown_learner():
    with pytest.raises(ModelError, match="learner='xgboost'"):
        QSARModel("xgboost")  # at construction, before any fit


def test_stacking_weights_by_hand():
    from kinetor.qsar.predictor import stacking_weights

    y = np.array([0.0, 1.0, 2.0, 3.0])
    # a = y + 1 and b = y - 1: the half/half mix is exact
    assert stacking_weights(y, {"a": y + 1, "b": y - 1}) == {"a": 0.5, "b": 0.5}
    # a = y + 1, b = y - 3: w a + (1 - w) b = y + 4 w - 3 -> w = 0.75 exactly
    assert stacking_weights(y, {"a": y + 1, "b": y - 3}) == {"a": 0.75, "b": 0.25}
    # three members: every exact mix has equal weights on a = y + 2 and b = y - 2
    w = stacking_weights(y, {"a": y + 2, "b": y - 2, "c": y})
    assert w["a"] == pytest.approx(w["b"]) and sum(w.values()) == pytest.approx(1.0)


def test_gp_mean_and_noise_match_the_closed_form():
    """GP posterior mean K*(K + s I)^-1 (y - ybar) + ybar and the noise that minimises the
    profile negative log likelihood n/2 log(r'(K + s I)^-1 r / n) + 1/2 log|K + s I|,
    both computed here with plain numpy."""
    from kinetor.qsar.models import _TanimotoGP

    rng = np.random.default_rng(0)
    X = rng.poisson(1.0, size=(40, 30)).astype(float)
    from kinetor.qsar.features import tanimoto_kernel

    K = tanimoto_kernel(X, X)
    y = K @ rng.normal(size=40) + rng.normal(scale=0.3, size=40)
    grid = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
    r = y - y.mean()

    def nll(s):
        A = K + s * np.eye(40)
        return 20 * np.log(r @ np.linalg.solve(A, r) / 40) + 0.5 * np.linalg.slogdet(A)[1]

    values = [nll(s) for s in grid]
    best = grid[int(np.argmin(values))]
    assert all(np.diff(values[: grid.index(best) + 1]) < 0)  # unimodal up to the minimum
    gp = _TanimotoGP(noise_grid=grid).fit(None, y, K=K)
    assert gp.noise_ == best
    Ks = K[:5]
    expected = Ks @ np.linalg.solve(K + best * np.eye(40), r) + y.mean()
    np.testing.assert_allclose(gp.predict(np.zeros(5), K_test=Ks), expected, rtol=1e-8)


@pytest.mark.slow
def test_stacked_predictor_uses_its_weights(mtor_subset):
    data = mtor_subset.iloc[:90]
    p = PotencyPredictor("consensus", n_calibration_folds=3).fit(
        data["canonical_smiles"], data["pIC50"]
    )
    w = p.model_.weights
    assert set(w) == {"svr", "gp"} and sum(w.values()) == pytest.approx(1.0)
    queries = mtor_subset["canonical_smiles"].iloc[90:95].tolist()
    members = p.model_.predict_members(queries)
    out = p.predict(queries)
    np.testing.assert_allclose(
        out["prediction"], w["svr"] * members["svr"] + w["gp"] * members["gp"]
    )
    plain = PotencyPredictor("consensus", n_calibration_folds=3, stack=False).fit(
        data["canonical_smiles"], data["pIC50"]
    )
    assert getattr(plain.model_, "weights", None) is None


def test_predictor_featurises_queries_with_its_own_fingerprints(mtor_subset):
    """A model trained on other kernel fingerprints (e.g. a file from an earlier version)
    featurises its queries with those, not with the current default set."""
    data = mtor_subset.iloc[:40]
    mols, _, _ = parse_smiles(data["canonical_smiles"].tolist())
    F = compute_features(mols, tab=False, kinds=("ecfp4_count", "atompair_count"))
    p = PotencyPredictor("svr", n_calibration_folds=3).fit_kernel(F, data["pIC50"], mols)
    out = p.predict(data["canonical_smiles"].iloc[:3].tolist())
    assert out["nn_similarity"].tolist() == pytest.approx([1.0, 1.0, 1.0])


def test_gp_profile_likelihood_by_hand():
    # A = 2 I, r = (1, 1): alpha = r / 2, amp = r.alpha / n = 1/2, sum log diag(chol) =
    # log 2, so nll = (n/2) log(1/2) + log 2 = 0
    from kinetor.qsar.models import profile_nll

    nll, _, alpha, amp = profile_nll(2.0 * np.eye(2), np.array([1.0, 1.0]))
    assert nll == pytest.approx(0.0, abs=1e-15)
    assert amp == pytest.approx(0.5) and alpha == pytest.approx([0.5, 0.5])
