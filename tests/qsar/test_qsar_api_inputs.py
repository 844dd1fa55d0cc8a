"""Hostile options to the QSAR Python API: a ModelError naming the option at construction,
not a plain ValueError from ``fit``."""

import pytest

from kinetor.errors import DataError, ModelError
from kinetor.qsar.models import QSARModel
from kinetor.qsar.predictor import PotencyPredictor
from kinetor.qsar.validation import cross_validate


@pytest.mark.parametrize(
    ("kw", "name"),
    [
        ({"learner": "xx"}, "learner"),
        ({"alpha": 1.5}, "alpha"),
        ({"alpha": 0}, "alpha"),
        ({"alpha": "0.1"}, "alpha"),
        ({"ad_threshold": 1.2}, "ad_threshold"),
        ({"n_calibration_folds": 1}, "n_calibration_folds"),
        ({"target": ""}, "target"),
        ({"C": 0}, "C"),
        ({"epsilon": -0.1}, "epsilon"),
        ({"n_estimators": 0}, "n_estimators"),
    ],
)
def test_potency_predictor_checks_options_at_construction(kw, name):
    with pytest.raises(ModelError, match=f"^{name}="):
        PotencyPredictor(**kw)


def test_unknown_model_option_is_named():
    with pytest.raises(ModelError, match=r"unknown QSAR model option\(s\) \['Cc'\]"):
        PotencyPredictor("svr", Cc=5.0)
    with pytest.raises(ModelError, match=r"^gp_noise="):
        QSARModel("gp", gp_noise=-1.0)


def test_valid_options_construct():
    p = PotencyPredictor("svr", target="pi3ka", alpha=0.2, ad_threshold=0.0, C=1, epsilon=0)
    assert (p.learner, p.alpha, p.model_options) == ("svr", 0.2, {"C": 1, "epsilon": 0})


def test_cross_validate_checks_options_before_the_data():
    # the options are refused first: an unparsable SMILES would otherwise be the DataError
    with pytest.raises(ModelError, match=r"^alpha=2"):
        cross_validate(["not a smiles"], [5.0], learner="svr", alpha=2.0)
    with pytest.raises(DataError):
        cross_validate(["not a smiles"], [5.0], learner="svr")


def test_potency_count_mismatch_is_a_data_error():
    with pytest.raises(DataError, match="2 molecules but 3 potencies"):
        QSARModel("svr").fit(["CCO", "CCN"], [1.0, 2.0, 3.0])
