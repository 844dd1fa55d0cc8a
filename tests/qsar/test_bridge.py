"""Potency -> network Drug: mechanism choice and responses that follow potency."""

import pytest

from kinetor.errors import ModelError
from kinetor.qsar.bridge import drug_from_prediction, mechanism_for, simulate_prediction


def test_ic50_from_pic50():
    d = drug_from_prediction("x", {"pi3ka": 7.0})
    assert d.mechanism == "pi3k_alpha" and d.ic50_nM == pytest.approx(100.0)
    assert d.potency == "biochemical"


@pytest.mark.parametrize(
    ("p", "mech"),
    [
        ({"mtor": 9.0, "pi3ka": 7.9}, "mtor_kinase"),
        ({"mtor": 9.0, "pi3ka": 8.0}, "dual_pi3k_mtor"),
        ({"mtor": 7.0, "pi3ka": 8.5}, "pi3k_alpha"),
    ],
)
def test_mechanism_from_selectivity(p, mech):
    assert mechanism_for(p) == mech


def test_dual_needs_both_and_unknown_targets_fail():
    with pytest.raises(ModelError, match="needs both"):
        drug_from_prediction("x", {"mtor": 8.0}, mechanism="dual_pi3k_mtor")
    with pytest.raises(ModelError, match="no mTOR or PI3Kalpha"):
        mechanism_for({"egfr": 8.0})


@pytest.mark.slow
@pytest.mark.parametrize("target", ["mtor", "pi3ka"])
def test_more_potent_end_inhibits_more(target):
    pred = {target: {"prediction": 8.0, "lower": 7.0, "upper": 9.0}}
    out = simulate_prediction("cpd", pred, conc_nM=1000.0, lesions="PTEN_loss").set_index("case")
    # lower = least potent (IC50 100 nM), upper = most potent (IC50 1 nM)
    assert out.loc["lower", "ic50_nM"] == pytest.approx(100.0)
    assert out.loc["upper", "ic50_nM"] == pytest.approx(1.0)
    for readout in ("pS6_S235_236", "pAKT_S473"):
        assert out.loc["upper", readout] < out.loc["point", readout] < out.loc["lower", readout]
        assert out.loc["lower", readout] < 100.0


def test_dual_drug_moves_both_potencies():
    pred = {
        "mtor": {"prediction": 8.0, "lower": 7.5, "upper": 8.5},
        "pi3ka": {"prediction": 8.3, "lower": 7.8, "upper": 8.8},
    }
    out = simulate_prediction("cpd", pred, conc_nM=300.0, lesions=["PTEN_loss"])
    assert set(out["mechanism"]) == {"dual_pi3k_mtor"}
    assert out["ic50_mtor_nM"].tolist() == pytest.approx([10**1.5, 10.0, 10**0.5])
    assert out["pS6_S235_236"].is_monotonic_decreasing
