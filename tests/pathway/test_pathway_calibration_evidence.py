"""The evidence calibration end to end on one training publication (Choo 2008, rapamycin
on S6K1 and 4E-BP1): identifiability decided before the fit, candidates that are not
identifiable kept at their mtor.ant values with why, the fit run to its stated criterion."""

import math

import pytest

from kinetor.pathway._model import prior_parameters
from kinetor.pathway.calibration.evidence import calibrate_evidence
from kinetor.pathway.evidence import load_observations


@pytest.fixture(scope="module")
def choo():
    obs = load_observations()
    obs = obs[obs["publication_id"] == "choo2008"]
    assert set(obs["split"]) == {"train"}  # a training publication only
    return calibrate_evidence(observations=obs, n_starts=2, n_jobs=1, max_nfev=50)


def test_rapalog_rows_identify_the_rapalog_potency_only(choo):
    par = choo.parameters.set_index("name")
    assert list(par.index[par["status"] == "fitted"]) == ["rapalog_shift"]
    # rapamycin's p-S6K1 band (<= 25 % at 1 h) is missed at the prior potency factor 0.1:
    # the fit must make the rapalog more potent, and the profile's upper end excludes 0.1
    assert par.loc["rapalog_shift", "value"] < prior_parameters()["rapalog_shift"]
    assert par.loc["rapalog_shift", "profile_high"] < prior_parameters()["rapalog_shift"]
    assert par.loc["rapalog_shift", "value"] < par.loc["rapalog_shift", "profile_high"]


def test_what_is_not_fitted_stays_at_its_prior_and_says_why(choo):
    par = choo.parameters.set_index("name")
    fixed = par[par["status"] == "fixed at prior"]
    assert (fixed["value"] == fixed["prior"]).all()
    # PRAS40 and S6 rates, AKT protection: no Choo 2008 row reads them
    assert fixed.loc["akt_protect", "note"].startswith("uninformed")
    assert math.isinf(fixed.loc["akt_protect", "se_subset_prior_log10"])
    reasons = ("uninformed", "not identifiable", "standard error")
    assert all(any(r in note for r in reasons) for note in fixed["note"])


def test_converged_says_so_with_its_criterion(choo):
    assert choo.converged
    assert choo.message.startswith("converged") and "criterion met" in choo.message
    assert (choo.starts["converged"]).all() and len(choo.starts) == 2
    row = choo.summary().iloc[0]
    assert bool(row["converged"]) and "1e-06" in row["criterion"] and row["fitted"] == 1


def test_a_budget_too_small_is_not_converged():
    obs = load_observations()
    obs = obs[obs["publication_id"] == "choo2008"]
    res = calibrate_evidence(observations=obs, n_starts=1, n_jobs=1, max_nfev=1, profile=False)
    assert not res.converged
    assert res.message.startswith("NOT CONVERGED") and "max_nfev" in res.message
