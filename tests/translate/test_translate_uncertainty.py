"""Replicate-study intervals, simulation-based sample size and its closed-form check."""

import numpy as np
import pytest

from kinetor.errors import ModelError
from kinetor.translate.uncertainty import normal_sample_size, power, replicate_tgi, sample_size

ARMS = ["Low=vistusertib:5 mg/kg PO QD x 14 days", "High=vistusertib:30 mg/kg PO QD x 14 days"]


def test_normal_sample_size_closed_form():
    # z_0.975 = 1.959964, z_0.8 = 0.841621: 2 x 2.801585^2 x 4 / 1 = 62.79
    assert normal_sample_size(1.0, 2.0, 0.05, 0.8) == pytest.approx(62.79, abs=0.01)


@pytest.mark.parametrize(("sigma", "delta"), [(2.0, 1.0), (1.0, 0.8)])
def test_simulated_sample_size_matches_closed_form(sigma, delta):
    def draw(n, n_sim, rng):
        return rng.normal(0.0, sigma, (n_sim, n)), rng.normal(delta, sigma, (n_sim, n))

    from statsmodels.stats.power import TTestIndPower

    ss = sample_size(draw, alpha=0.05, power=0.8, n_sim=4000, seed=2)
    ref = normal_sample_size(delta, sigma)  # z-test; the t-test needs ~1 more
    exact_t = TTestIndPower().solve_power(effect_size=delta / sigma, alpha=0.05, power=0.8)
    assert exact_t - 1 <= ref + 1.5 and ref <= exact_t
    # Monte Carlo: power SD ~0.006 at 4000 studies, slope ~0.004 per animal near n ~ 64
    assert abs(ss.n - exact_t) <= max(2.0, 0.06 * exact_t)
    assert ss.achieved_power >= 0.8
    assert ss.curve[ss.n] >= 0.8 and ss.curve.get(ss.n - 1, 0.0) < 0.8 + 0.02


def test_sample_size_reports_none_beyond_n_max():
    def draw(n, n_sim, rng):
        return rng.normal(0, 1, (n_sim, n)), rng.normal(0.05, 1, (n_sim, n))

    ss = sample_size(draw, n_max=20, n_sim=500)
    assert ss.n is None and ss.achieved_power < 0.8


@pytest.mark.slow
def test_replicate_intervals_shrink_with_more_animals_and_are_reproducible():
    kw = {"arms": ARMS, "n_replicates": 80, "seed": 5, "parameter_uncertainty": False}
    small = replicate_tgi("vistusertib", n_animals=4, **kw)
    big = replicate_tgi("vistusertib", n_animals=16, **kw)
    w = {}
    for name, r in (("small", small), ("big", big)):
        s = r.summary.set_index("arm")
        w[name] = (s["tgi_hi_pct"] - s["tgi_lo_pct"]).loc[["Low", "High"]].to_numpy()
    # width ~ 1/sqrt(n): 16 vs 4 animals halves it; allow sampling noise of the percentiles
    assert np.all(w["big"] < 0.75 * w["small"])
    again = replicate_tgi("vistusertib", n_animals=4, **kw)
    np.testing.assert_array_equal(again.replicates["tgi_pct"], small.replicates["tgi_pct"])
    s = small.summary.set_index("arm")
    assert s.loc["Vehicle", "tgi_typical_pct"] == 0.0
    assert (
        s.loc["High", "tgi_lo_pct"]
        <= s.loc["High", "tgi_median_pct"]
        <= s.loc["High", "tgi_hi_pct"]
    )
    assert set(s.columns) >= {"tgi_typical_pct", "tgi_population_mean_pct"}


@pytest.mark.slow
def test_parameter_uncertainty_widens_the_interval_and_is_recorded():
    kw = {"arms": ARMS[1:], "n_animals": 6, "n_replicates": 60, "seed": 1}
    fixed = replicate_tgi("vistusertib", parameter_uncertainty=False, **kw)
    ranged = replicate_tgi("vistusertib", ranges={"doubling_time": (4.0, 20.0)}, **kw)
    assert "param_doubling_time" in ranged.replicates
    assert ranged.settings["sampled_parameters"]["doubling_time"] == [4.0, 20.0]
    sd = {
        k: r.summary.set_index("arm").loc["High", "tgi_sd_pct"]
        for k, r in (("fixed", fixed), ("ranged", ranged))
    }
    assert sd["ranged"] > sd["fixed"]
    fu = replicate_tgi("vistusertib", fu_ranges={"vistusertib": (0.02, 0.2)}, **kw)
    drawn = fu.replicates["param_fu_vistusertib"]
    assert drawn.between(0.02, 0.2).all() and drawn.std() > 0.03
    assert fu.summary.set_index("arm").loc["High", "tgi_sd_pct"] > sd["fixed"]
    with pytest.raises(ModelError, match="fu range"):
        replicate_tgi("vistusertib", fu_ranges={"vistusertib": (0.2, 2.0)}, **kw)
    with pytest.raises(ModelError, match="cannot be sampled"):
        replicate_tgi("vistusertib", ranges={"caliper_cv": (0.05, 0.2)}, **kw)


@pytest.mark.slow
def test_replicates_identical_on_two_processes():
    kw = {"arms": ARMS, "n_animals": 5, "n_replicates": 40, "seed": 3, "batch": 10}
    one = replicate_tgi("vistusertib", n_jobs=1, **kw)
    two = replicate_tgi("vistusertib", n_jobs=2, **kw)
    np.testing.assert_array_equal(one.replicates["tgi_pct"], two.replicates["tgi_pct"])


def test_power_needs_fewer_animals_for_bigger_effects():
    p = power("vistusertib", arms=ARMS, tgi_difference=30, pool=300, n_sim=400, seed=0)
    t = p.table.set_index(["comparison", "arm"])
    n_low = t.loc[("vs control", "Low"), "n_per_arm"]
    n_high = t.loc[("vs control", "High"), "n_per_arm"]
    assert n_high < n_low
    assert ("TGI +30 points", "High") in t.index
    row = t.loc[("vs control", "High")]
    # the simulated n is close to the normal-theory n from the same pooled SD
    assert abs(row["n_per_arm"] - row["n_normal_theory"]) <= max(3, 0.25 * row["n_per_arm"])


@pytest.mark.slow
def test_sensitivity_reports_changes_against_the_default():
    from kinetor.translate import sensitivity

    cases = {
        "default": {},
        "same input, via the tumour route": {"exposure": "tumor", "kp_uu": 1.0},
        "Kp,uu 3": {"exposure": "tumor", "kp_uu": 3.0},
    }
    t = sensitivity(regimen="15 mg/kg PO QD x 7 days", cases=cases).set_index("case")
    assert t.loc["default", "delta_vs_default_pct"] == 0.0
    # Kp,uu 1 at the tumour is the plasma input: identical TGI
    assert t.loc["same input, via the tumour route", "delta_vs_default_pct"] == pytest.approx(
        0.0, abs=1e-9
    )
    assert t.loc["Kp,uu 3", "delta_vs_default_pct"] > 0
