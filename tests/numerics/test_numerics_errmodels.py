"""Error-model likelihoods against hand calculations and scipy's densities."""

import numpy as np
import pytest
from scipy import stats

from kinetor.errors import ModelError
from kinetor.numerics import errmodels as em

Y = np.array([1.0, 2.0, 4.0, 0.3])
F = np.array([1.1, 1.8, 4.2, 0.5])
NO = np.zeros(4, bool)
G = np.zeros(4, int)


def test_additive_and_proportional_terms_are_normal_densities():
    for error, sd in (
        ("additive", np.full(4, 0.2)),
        ("proportional", 0.1 * F),
        ("combined", np.sqrt(0.2**2 + (0.1 * F) ** 2)),
    ):
        sig = {"sigma_add": np.full(4, 0.2), "sigma_prop": np.full(4, 0.1)}
        got = em.m2ll_terms(Y, F, np.full(4, np.nan), NO, em.sd(F, sig, error), error)
        np.testing.assert_allclose(got, -2 * stats.norm.logpdf(Y, F, sd), rtol=1e-12)


def test_log_error_is_the_lognormal_density_of_the_original_data():
    s = 0.3
    got = em.m2ll_terms(Y, F, np.full(4, np.nan), NO, np.full(4, s), "log")
    np.testing.assert_allclose(got, -2 * stats.lognorm.logpdf(Y, s, scale=F), rtol=1e-12)
    assert em.canonical("exponential") == "log"
    with pytest.raises(ModelError, match="unknown error model"):
        em.canonical("poisson")


def test_m3_term_is_the_censored_probability():
    cens = np.array([False, False, False, True])
    got = em.m2ll_terms(
        Y, F, np.array([np.nan, np.nan, np.nan, 0.4]), cens, np.full(4, 0.2), "additive"
    )
    assert got[3] == pytest.approx(-2 * stats.norm.logcdf((0.4 - 0.5) / 0.2), rel=1e-12)


def test_ml_sigma_closed_form_and_with_censoring():
    s = em.ml_error_params(Y, F, np.full(4, np.nan), NO, G, 1, "additive")
    assert s["sigma_add"][0] == pytest.approx(np.sqrt(np.mean((Y - F) ** 2)))
    # with a censored value: the golden-section maximum agrees with a dense grid search
    cens = np.array([False, False, False, True])
    lq = np.array([np.nan, np.nan, np.nan, 0.4])
    s = em.ml_error_params(Y, F, lq, cens, G, 1, "additive")["sigma_add"][0]
    grid = np.exp(np.linspace(np.log(0.05), np.log(1.0), 3001))
    m2 = [
        em.group_m2ll(Y, F, lq, cens, G, 1, "additive", {"sigma_add": np.array([g])})[0]
        for g in grid
    ]
    assert s == pytest.approx(grid[int(np.argmin(m2))], rel=2e-3)


def test_error_parameter_se_is_the_asymptotic_value():
    # additive ML sigma from n residuals: SE = sigma / sqrt(2 n)
    rng = np.random.default_rng(0)
    f = np.zeros(400)
    y = rng.normal(0, 1, 400)
    sig = em.ml_error_params(
        y, f, np.full(400, np.nan), np.zeros(400, bool), np.zeros(400, int), 1, "additive"
    )
    se = em.error_param_se(
        y, f, np.full(400, np.nan), np.zeros(400, bool), np.zeros(400, int), 1, "additive", sig
    )["sigma_add"][0]
    assert se == pytest.approx(sig["sigma_add"][0] / np.sqrt(800), rel=1e-3)
