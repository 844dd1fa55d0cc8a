"""Fitting recovers known parameters from simulated noisy data; standard errors, censoring
and the vectorised per-animal path are checked against independent computations."""

import math

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import minimize
from scipy.stats import norm

from kinetor.errors import DataError, ModelError
from kinetor.pd import (
    PACLITAXEL_A2780,
    ExponentialGrowth,
    IndirectResponseI,
    SigmoidEmax,
    Simeoni,
    fit_pd,
)

P = PACLITAXEL_A2780
GRID = np.linspace(0.0, 21.0, 21 * 8 + 1)
DAYS = np.arange(0.0, 22.0, 3.0)


def q4d_course(dose):
    c = np.zeros_like(GRID)
    for d in range(0, 21, 4):
        s = np.clip(GRID - d, 0.0, None)
        c += dose * (np.exp(-2 * s) - np.exp(-10 * s)) * (GRID >= d)
    return c


def simeoni_study(seed, sd=0.1, n=8):
    rng = np.random.default_rng(seed)
    rows, ex = [], []
    for g, dose in {"Vehicle": 0.0, "Low": 1500.0, "High": 4000.0}.items():
        c = q4d_course(dose)
        ex.append(pd.DataFrame({"group": g, "time": GRID, "conc": c}))
        m = Simeoni(v0=0.08, l0=P["l0"], l1=P["l1"], k1=P["k1"], k2=P["k2"])
        v = m.simulate(DAYS, grid=GRID, conc=c).volume[0]
        for i in range(n):
            noisy = v * np.exp(rng.normal(0, sd, DAYS.size))
            rows += [(f"{g}{i}", g, d, x) for d, x in zip(DAYS, noisy, strict=True)]
    return pd.DataFrame(rows, columns=["animal", "group", "day", "volume"]), pd.concat(ex)


def test_simeoni_pooled_fit_recovers_the_published_parameters():
    df, ex = simeoni_study(seed=1)
    f = fit_pd(df, "simeoni", exposure=ex)
    assert f.converged_.all(), f.convergence_reason_.tolist()
    s = f.summary.set_index("parameter")
    truth = {"v0": 0.08, "l0": P["l0"], "l1": P["l1"], "k1": P["k1"], "k2": P["k2"]}
    for name, value in truth.items():
        est, se = s.loc[name, "estimate"], s.loc[name, "se"]
        # within 4 standard errors and 25 % (192 observations, 10 % log-normal noise)
        assert abs(est - value) < 4 * se, name
        assert est == pytest.approx(value, rel=0.25), name
    assert f.sigma_.iloc[0] == pytest.approx(0.1, rel=0.2)
    assert len(f.observations_) == len(df)


def test_no_drug_effect_without_exposure_in_a_group():
    # exposure only for Low/High: Vehicle animals get c = 0 and are listed
    df, ex = simeoni_study(seed=2, n=4)
    f = fit_pd(df, "simeoni", exposure=ex[ex["group"] != "Vehicle"])
    assert f.no_exposure_ == ["Vehicle"]
    assert f.params_["k2"].iloc[0] == pytest.approx(P["k2"], rel=0.3)


def test_per_animal_fits_are_vectorised_and_equal_to_single_fits():
    rng = np.random.default_rng(3)
    kg = rng.uniform(0.08, 0.2, 6)
    v0 = rng.uniform(80, 150, 6)
    days = np.arange(0.0, 15.0, 2.0)
    truth = ExponentialGrowth(v0=v0, kg=kg).unperturbed(days)
    noisy = truth * np.exp(rng.normal(0, 0.05, truth.shape))
    df = pd.DataFrame(
        {
            "animal": np.repeat([f"a{i}" for i in range(6)], days.size),
            "group": "Vehicle",
            "day": np.tile(days, 6),
            "volume": noisy.ravel(),
        }
    )
    f = fit_pd(df, "exponential", by="animal")
    assert f.params_.shape == (6, 2)
    # log error + exponential model = straight line in log volume: OLS closed form per animal
    for i, a in enumerate(f.params_.index):
        slope, icept = np.polyfit(days, np.log(noisy[i]), 1)
        assert f.params_.loc[a, "kg"] == pytest.approx(slope, rel=1e-5)
        assert f.params_.loc[a, "v0"] == pytest.approx(math.exp(icept), rel=1e-5)
        one = fit_pd(df[df["animal"] == a], "exponential")
        assert one.params_["kg"].iloc[0] == pytest.approx(f.params_.loc[a, "kg"], rel=1e-5)
        # the OLS standard error of the slope equals the delta-method SE of kg
        resid = np.log(noisy[i]) - (icept + slope * days)
        se = math.sqrt(resid @ resid / (days.size - 2) / ((days - days.mean()) ** 2).sum())
        assert f.se_.loc[a, "kg"] == pytest.approx(se, rel=1e-3)
    assert np.all(np.abs(f.params_["kg"].to_numpy() - kg) < 0.03)


def test_standard_errors_match_the_spread_of_replicate_fits():
    # direct sigmoid Emax with additive noise: 120 replicate data sets
    conc = np.repeat([0.0, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0], 3)
    true = SigmoidEmax(e0=5.0, emax=80.0, ec50=10.0, hill=1.5).predict(conc)
    rng = np.random.default_rng(11)
    est, ses = [], []
    for _ in range(120):
        y = true + rng.normal(0, 4.0, conc.size)
        f = fit_pd(pd.DataFrame({"conc": conc, "value": y}), "sigmoid_emax")
        est.append(f.params_.iloc[0].to_numpy())
        ses.append(f.se_.iloc[0].to_numpy())
    est, ses = np.array(est), np.array(ses)
    np.testing.assert_allclose(est.mean(axis=0), [5.0, 80.0, 10.0, 1.5], rtol=0.05)
    # asymptotic SE agrees with the empirical SD within 30 %
    np.testing.assert_allclose(ses.mean(axis=0), est.std(axis=0), rtol=0.3)


def test_likelihood_and_aic_by_hand():
    conc = np.array([0.0, 1.0, 3.0, 10.0, 30.0, 100.0])
    y = np.array([4.8, 12.6, 24.2, 45.1, 66.0, 77.9])
    f = fit_pd(pd.DataFrame({"conc": conc, "value": y}), "emax")
    e = y - f.fitted_
    s_ml = math.sqrt(e @ e / y.size)
    ll = norm.logpdf(e, scale=s_ml).sum()
    assert f.loglik_.iloc[0] == pytest.approx(ll)
    assert f.aic_.iloc[0] == pytest.approx(-2 * ll + 2 * 4)  # 3 parameters + sigma
    assert f.bic_.iloc[0] == pytest.approx(-2 * ll + 4 * math.log(6))


def test_idr_fit_with_exposure():
    grid = np.linspace(0.0, 48.0, 193)
    c = 200.0 * (np.exp(-0.2 * grid) - np.exp(-2.0 * grid))
    m = IndirectResponseI(kin=20.0 * 0.3, kout=0.3, imax=0.9, ic50=30.0)
    times = np.array([0.0, 1, 2, 4, 6, 8, 12, 16, 24, 32, 40, 48])
    rng = np.random.default_rng(5)
    rows = []
    for a in range(4):
        r = m.simulate(times, grid=grid, conc=c)[0] + rng.normal(0, 0.4, times.size)
        rows += [(f"m{a}", t, v) for t, v in zip(times, r, strict=True)]
    data = pd.DataFrame(rows, columns=["animal", "time", "value"])
    ex = pd.DataFrame(
        {
            "animal": np.repeat([f"m{a}" for a in range(4)], grid.size),
            "time": np.tile(grid, 4),
            "conc": np.tile(c, 4),
        }
    )
    f = fit_pd(data, "idr1", exposure=ex, fixed={"hill": 1.0})
    p = f.params_.iloc[0]
    assert p["r0"] == pytest.approx(20.0, rel=0.05)
    assert p["kout"] == pytest.approx(0.3, rel=0.2)
    assert p["ic50"] == pytest.approx(30.0, rel=0.3)
    assert f.summary.set_index("parameter").loc["hill", "fixed"]


def test_m3_censoring_is_the_maximum_likelihood_estimate():
    # Imax decline of a biomarker through the LLOQ: values < LLOQ are censored (M3)
    conc = np.tile([0.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0], 4)
    true = 100.0 * (1 - 0.85 * conc / (8.0 + conc))
    rng = np.random.default_rng(8)
    y = true + rng.normal(0, 3.0, conc.size)
    lloq = 30.0
    obs = np.where(y < lloq, np.nan, y)
    data = pd.DataFrame({"conc": conc, "value": obs, "lloq": lloq})
    f = fit_pd(data, "imax", fixed={"hill": 1.0})
    assert f.n_censored_.iloc[0] == int(np.sum(y < lloq)) >= 8

    # independent reference: the exact M3 likelihood maximised jointly over
    # (e0, imax, ic50, sigma) with Nelder-Mead
    cens = np.isnan(obs)

    def nll(x):
        e0, imax, ic50, s = x[0], x[1], math.exp(x[2]), math.exp(x[3])
        pred = e0 * (1 - imax * conc / (ic50 + conc))
        return -(
            norm.logpdf(obs[~cens], pred[~cens], s).sum()
            + norm.logcdf((lloq - pred[cens]) / s).sum()
        )

    ref = minimize(
        nll,
        [100.0, 0.9, math.log(10.0), math.log(3.0)],
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000, "maxfev": 40000},
    )
    p = f.params_.iloc[0]
    np.testing.assert_allclose(
        [p["e0"], p["imax"], p["ic50"]], [ref.x[0], ref.x[1], math.exp(ref.x[2])], rtol=1e-4
    )
    assert f.loglik_.iloc[0] == pytest.approx(-ref.fun, rel=1e-6)
    assert p["ic50"] == pytest.approx(8.0, rel=0.2)


def test_fit_errors():
    df, ex = simeoni_study(seed=4, n=1)
    with pytest.raises(ModelError):
        fit_pd(df, "simeoni")  # Simeoni without exposure
    with pytest.raises(ModelError):
        fit_pd(df, "weibull")
    with pytest.raises(ModelError):
        fit_pd(df, "exponential", init={"k9": 1.0})
    bad = df.copy()
    bad.loc[0, "volume"] = 0.0
    with pytest.raises(DataError):
        fit_pd(bad, "exponential")  # log error model with a 0 volume and no LLOQ
    with pytest.raises(DataError):
        fit_pd(df, "simeoni", exposure=ex[ex["time"] <= 10])  # exposure too short
