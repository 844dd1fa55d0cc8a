"""Model cards: save/load round trip, trust and version warnings."""

import json

import numpy as np
import pytest

from kinetor.errors import ModelError
from kinetor.qsar.card import ModelCard, ModelFileWarning, card_for, load_model, save_model
from kinetor.qsar.curation import curate
from kinetor.qsar.featureset import KERNEL_FINGERPRINTS
from kinetor.qsar.predictor import PotencyPredictor


@pytest.fixture(scope="module")
def fitted(mtor_subset):
    data = mtor_subset.iloc[:60]
    cur = curate(data, smiles="canonical_smiles", value="pIC50", unit=None, default_unit="p")
    pred = PotencyPredictor("svr", target="mtor", n_calibration_folds=3).fit(
        cur.data["smiles"], cur.data["p_value"]
    )
    return pred, cur


@pytest.mark.slow
def test_round_trip_keeps_predictions_and_card(tmp_path, fitted):
    pred, cur = fitted
    card = card_for(pred, cur, {"rmse": 0.5})
    path = save_model(pred, tmp_path / "mtor.joblib", card)
    loaded, card2 = load_model(path, trusted=True)
    assert card2 == card
    assert card2.n_train == 60 and card2.curation["compounds"] == 60
    assert card2.data_sha256 == cur.summary()["data_sha256"]
    assert card2.conformal["alpha"] == 0.1 and card2.domain["ad_threshold"] == 0.35
    assert card2.model["kernel_fingerprints"] == list(KERNEL_FINGERPRINTS)
    assert card2.model["C"] == 5.0 and card2.model["stacking_weights"] is None  # one member
    queries = ["CCOc1ccccc1", "C[C@@H]1COCCN1c1nc(N2CCOCC2)nc(-c2ccc(N)nc2)n1"]
    a, b = pred.predict(queries), loaded.predict(queries)
    np.testing.assert_allclose(
        a[["prediction", "lower", "upper"]], b[["prediction", "lower", "upper"]]
    )
    on_disk = json.loads(path.with_suffix(".card.json").read_text())
    assert (
        on_disk["target"] == "mtor" and on_disk["versions"]["kinetor"] == card.versions["kinetor"]
    )


@pytest.mark.slow
def test_untrusted_load_warns(tmp_path, fitted):
    path = save_model(fitted[0], tmp_path / "m.joblib")
    with pytest.warns(ModelFileWarning, match="run code"):
        load_model(path)


@pytest.mark.slow
def test_version_mismatch_warns(tmp_path, fitted):
    import joblib

    path = save_model(fitted[0], tmp_path / "m.joblib")
    blob = joblib.load(path)
    blob["card"]["versions"]["scikit-learn"] = "0.0.1"
    joblib.dump(blob, path)
    with pytest.warns(ModelFileWarning, match=r"scikit-learn 0\.0\.1 -> "):
        load_model(path, trusted=True)


def test_not_a_model_file(tmp_path):
    import joblib

    joblib.dump([1, 2], tmp_path / "x.joblib")
    with pytest.raises(ModelError, match="not a kinetor QSAR model"):
        load_model(tmp_path / "x.joblib", trusted=True)
    with pytest.raises(ModelError, match="no model file"):
        load_model(tmp_path / "missing.joblib", trusted=True)


def test_card_dict_round_trip():
    card = ModelCard("pi3ka", "consensus", n_train=3, cv_metrics={"rmse": 0.6})
    assert ModelCard.from_dict(card.to_dict()) == card


def test_a_model_fitted_on_the_stereo_blind_kinds_predicts_with_them(tmp_path, mtor_subset):
    """Models saved before the kernel became stereo-aware keep their own fingerprints: the
    query is featurised with the kinds the model was fitted on, not today's default."""
    from kinetor.qsar import featureset

    data = mtor_subset.iloc[:40]
    cur = curate(data, smiles="canonical_smiles", value="pIC50", unit=None, default_unit="p")
    old = ("ecfp6_count", "fcfp6_count", "atompair_count")
    saved, featureset.KERNEL_FINGERPRINTS = featureset.KERNEL_FINGERPRINTS, old
    try:
        pred = PotencyPredictor("svr", target="mtor", n_calibration_folds=3).fit(
            cur.data["smiles"], cur.data["p_value"]
        )
    finally:
        featureset.KERNEL_FINGERPRINTS = saved
    assert tuple(pred.train_.fps) == old
    path = save_model(pred, tmp_path / "old.joblib", card_for(pred, cur))
    loaded, card = load_model(path, trusted=True)
    assert card.model["kernel_fingerprints"] == list(old)
    # enantiomers: the stereo-blind model cannot tell them apart, so predicts them equal
    pair = ["C[C@@H]1COCCN1c1ccccc1", "C[C@H]1COCCN1c1ccccc1"]
    out = loaded.predict(pair)
    assert out["prediction"].iloc[0] == out["prediction"].iloc[1]
