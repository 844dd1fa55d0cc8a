"""Activity cliffs against the MoleculeACE labels (published reference)."""

import numpy as np
import pytest

from kinetor.qsar.cliffs import cliff_compounds, cliff_rmse, levenshtein_similarity


def test_levenshtein_by_hand():
    # kitten -> sitting: distance 3, longest 7
    sim = levenshtein_similarity(["kitten", "sitting"])
    assert sim[0, 1] == pytest.approx(1 - 3 / 7)
    # a length cut-off leaves impossible pairs at 0
    assert levenshtein_similarity(["CCCCCCCCCC", "CC"], 0.9)[0, 1] == 0.0


@pytest.mark.slow
def test_cliff_compounds_match_moleculeace(ace_subset):
    # the subset holds every cliff partner of its cliff compounds (fixtures/SOURCE.md)
    p_ki = ace_subset["y"].to_numpy() + 9.0
    found = cliff_compounds(ace_subset["smiles"].tolist(), p_ki)
    np.testing.assert_array_equal(found, ace_subset["cliff_mol"].to_numpy().astype(bool))


def test_potency_gap_must_exceed_tenfold():
    smiles = ["CCCCCCCCCO", "CCCCCCCCCN"]
    assert not cliff_compounds(smiles, [5.0, 6.0]).any()  # exactly 10-fold: no cliff
    assert cliff_compounds(smiles, [5.0, 6.01]).all()


def test_cliff_rmse_without_cliffs_is_nan():
    assert np.isnan(cliff_rmse([1.0], [2.0], [False]))
