"""The single-curve logistic fit on the shared fitter base (kinetor.assays.LogisticFitter),
against closed forms, scipy's curve_fit and the vectorised batch fit."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.optimize import curve_fit

from kinetor.assays import DoseResponseFit, LogisticFitter, fit_dose_response
from kinetor.errors import ModelError
from kinetor.numerics.fitter import Fitter

DOSES = np.array([0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0])
SUMMARY = [
    "group",
    "parameter",
    "estimate",
    "se",
    "rse_pct",
    "ci_lower",
    "ci_upper",
    "unit",
    "fixed",
    "converged",
    "reason",
]


def four_pl(x, bottom, top, logc, hill):
    return bottom + (top - bottom) / (1 + 10 ** (hill * (np.log10(x) - logc)))


def test_noise_free_curve_is_recovered_and_is_a_fitter():
    y = four_pl(DOSES, 10.0, 95.0, np.log10(0.2), 1.3)
    f = LogisticFitter().fit(DOSES, y)
    assert isinstance(f, Fitter)
    p = f.params_.iloc[0]
    assert (p["bottom"], p["top"], p["hill"]) == pytest.approx((10.0, 95.0, 1.3), rel=1e-7)
    assert f.ic50_.iloc[0] == pytest.approx(0.2, rel=1e-7)
    # the shared diagnostics: an exact fit is flagged, as for PK and PD fits
    assert not f.converged_.iloc[0] and "perfect fit" in f.convergence_reason_.iloc[0]


def test_least_squares_equals_scipy_curve_fit():
    rng = np.random.default_rng(11)
    for _ in range(6):
        truth = (rng.uniform(0, 20), rng.uniform(90, 110), rng.uniform(-2, 0), rng.uniform(0.7, 2))
        y = four_pl(DOSES, *truth) + rng.normal(0, 4, DOSES.size)
        p, cov = curve_fit(
            four_pl,
            DOSES,
            y,
            p0=[y[-1], y[0], -1, 1],
            ftol=1e-15,
            xtol=1e-15,
            gtol=1e-15,
            maxfev=20000,
        )
        se = np.sqrt(np.diag(cov))
        f = LogisticFitter().fit(DOSES, y)
        got = f.params_.iloc[0][["bottom", "top", "log_ic50", "hill"]].to_numpy(float)
        got_se = f.se_.iloc[0][["bottom", "top", "log_ic50", "hill"]].to_numpy(float)
        # the same minimum: parameters within 1e-5 standard errors, SSE to 1e-10
        assert np.all(np.abs(got - p) <= 1e-5 * se)
        sse = np.sum((y - four_pl(DOSES, *got)) ** 2)
        assert sse == pytest.approx(np.sum((y - four_pl(DOSES, *p)) ** 2), rel=1e-10)
        assert np.allclose(got_se, se, rtol=1e-5)
        # t-based interval at ci_level with n - k degrees of freedom
        t = stats.t.ppf(0.95, DOSES.size - 4)
        f90 = LogisticFitter(ci_level=0.9).fit(DOSES, y)
        assert f90.ci_upper_.iloc[0]["hill"] == pytest.approx(
            f90.params_.iloc[0]["hill"] + t * f90.se_.iloc[0]["hill"], rel=1e-9
        )


def test_agrees_with_the_batch_fit_and_shares_the_summary_shape():
    rng = np.random.default_rng(3)
    y = four_pl(DOSES, 5.0, 100.0, -1.2, 1.1) + rng.normal(0, 3, DOSES.size)
    single = LogisticFitter().fit(DOSES, y)
    batch = DoseResponseFit().fit(pd.DataFrame({"dose": DOSES, "response": y}))
    row = batch.results_.iloc[0]
    for name in ("bottom", "top", "log_ic50", "hill"):
        assert single.params_.iloc[0][name] == pytest.approx(row[name], rel=1e-5, abs=1e-6)
        assert single.se_.iloc[0][name] == pytest.approx(row[f"{name}_se"], rel=1e-4)
    s_single, s_batch = single.summary, batch.summary
    assert s_single.columns.tolist() == SUMMARY == s_batch.columns.tolist()
    structural = s_single[s_single["parameter"] != "sigma"].reset_index(drop=True)
    assert structural["parameter"].tolist() == s_batch["parameter"].tolist()
    np.testing.assert_allclose(structural["ci_lower"], s_batch["ci_lower"], rtol=1e-4)
    np.testing.assert_allclose(structural["ci_upper"], s_batch["ci_upper"], rtol=1e-4)


def test_batch_summary_by_hand():
    y = four_pl(DOSES, 0.0, 100.0, -1.0, 1.0) + np.tile([1.0, -1.0], 5)[: DOSES.size]
    d = pd.DataFrame({"drug": "A", "dose": DOSES, "response": y})
    f = DoseResponseFit(fix={"top": 100.0}, ci_level=0.9).fit(d, by="drug")
    s = f.summary.set_index("parameter")
    r = f.results_.iloc[0]
    t = stats.t.ppf(0.95, DOSES.size - 3)  # three free parameters
    assert s.loc["hill", "ci_upper"] == pytest.approx(r["hill"] + t * r["hill_se"])
    assert s.loc["top", "fixed"] and s.loc["top", "ci_lower"] == 100.0
    assert s.loc["hill", "rse_pct"] == pytest.approx(100 * r["hill_se"] / r["hill"])
    assert set(s["group"]) == {"A"}
    assert DoseResponseFit(level=0.8).ci_level == 0.8  # the older keyword


def test_3pl_5pl_groups_and_bad_options():
    y = four_pl(DOSES, 0.0, 100.0, -1.0, 1.0)
    f3 = LogisticFitter("3pl").fit(DOSES, y)
    assert f3.params_.iloc[0]["hill"] == 1.0 and f3.ic50_.iloc[0] == pytest.approx(0.1)
    # 5PL with asym 1 is the 4PL
    f5 = LogisticFitter("5pl").fit(DOSES, y)
    assert f5.ic50_.iloc[0] == pytest.approx(0.1, rel=1e-5)
    two = LogisticFitter().fit(
        np.r_[DOSES, DOSES],
        np.r_[y, four_pl(DOSES, 0.0, 100.0, 0.0, 2.0)],
        groups=["a"] * 9 + ["b"] * 9,
    )
    np.testing.assert_allclose(two.ic50_.to_numpy(), [0.1, 1.0], rtol=1e-6)
    with pytest.raises(ModelError, match="choose 3pl, 4pl or 5pl"):
        LogisticFitter("6pl")
    with pytest.raises(ModelError, match="3PL model fixes hill"):
        LogisticFitter("3pl", fix={"hill": 2.0})
    with pytest.raises(ModelError, match="doses must be >= 0"):
        LogisticFitter().fit(-DOSES, y)
    with pytest.raises(ModelError, match="call fit"):
        LogisticFitter().summary  # noqa: B018


def test_batch_results_unchanged_by_the_shared_start_values():
    # fit_dose_response still reports through its own table (statuses, texts)
    y = four_pl(DOSES, 10.0, 95.0, np.log10(0.2), 1.3)
    r = fit_dose_response(pd.DataFrame({"dose": DOSES, "response": y})).iloc[0]
    assert r["ic50"] == pytest.approx(0.2, rel=1e-7) and r["status"] == "ok"
