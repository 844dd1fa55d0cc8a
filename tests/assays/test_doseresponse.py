"""Dose-response fits against closed forms and against scipy's per-curve least squares."""

import numpy as np
import pandas as pd
import pytest
from scipy.optimize import curve_fit

from kinetor.assays import DoseResponseFit, fit_dose_response
from kinetor.errors import DataError

DOSES = np.array([0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0])


def four_pl(x, bottom, top, logc, hill):
    return bottom + (top - bottom) / (1 + 10 ** (hill * (np.log10(x) - logc)))


def frame(curves, doses=DOSES, reps=1):
    rows = []
    for name, ys in curves.items():
        for r in range(reps):
            rows += [
                {"drug": name, "dose": d, "response": y, "rep": r}
                for d, y in zip(doses, ys[r] if reps > 1 else ys, strict=True)
            ]
    return pd.DataFrame(rows)


def test_noise_free_4pl_recovered_exactly():
    y = four_pl(DOSES, 10.0, 95.0, np.log10(0.2), 1.3)
    r = fit_dose_response(frame({"a": y}), by="drug").iloc[0]
    assert r["ic50"] == pytest.approx(0.2, rel=1e-7)
    assert r["hill"] == pytest.approx(1.3, rel=1e-7)
    assert (r["top"], r["bottom"]) == pytest.approx((95.0, 10.0), rel=1e-7)
    assert r["status"] == "ok" and r["converged"]
    # absolute IC50 at 50 %: (50 - 10) / 85 = q, x = 0.2 * (1/q - 1)^(1/1.3)
    q = 40 / 85
    assert r["abs_ic50"] == pytest.approx(0.2 * (1 / q - 1) ** (1 / 1.3), rel=1e-6)


def test_vectorised_fits_equal_scipy_per_curve_least_squares():
    rng = np.random.default_rng(11)
    curves, refs = {}, {}
    for i in range(6):
        truth = (rng.uniform(0, 20), rng.uniform(90, 110), rng.uniform(-2, 0), rng.uniform(0.7, 2))
        y = four_pl(DOSES, *truth) + rng.normal(0, 4, DOSES.size)
        curves[f"c{i}"] = y
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
        refs[f"c{i}"] = (p, np.sqrt(np.diag(cov)))
    res = fit_dose_response(frame(curves), by="drug").set_index("drug")
    for name, (p, se) in refs.items():
        r = res.loc[name]
        got = np.array([r["bottom"], r["top"], r["log_ic50"], r["hill"]])
        assert np.allclose(got, p, rtol=1e-6, atol=1e-9), name
        got_se = np.array([r["bottom_se"], r["top_se"], r["log_ic50_se"], r["hill_se"]])
        assert np.allclose(got_se, se, rtol=1e-4), name


def test_wald_and_profile_intervals():
    rng = np.random.default_rng(5)
    y = np.concatenate(
        [four_pl(DOSES, 0, 100, -1.0, 1.0) + rng.normal(0, 5, DOSES.size) for _ in range(3)]
    )
    d = pd.DataFrame({"dose": np.tile(DOSES, 3), "response": y})
    wald = fit_dose_response(d).iloc[0]
    f = DoseResponseFit(ci="profile").fit(d)
    prof = f.results_.iloc[0]
    n, k = y.size, 4
    from scipy import stats

    t = stats.t.ppf(0.975, n - k)
    assert np.log10(wald["ic50_ci_high"]) == pytest.approx(
        wald["log_ic50"] + t * wald["log_ic50_se"]
    )
    # at each profile bound, the best SSE with log_ic50 held there equals the F threshold
    thr = prof["sse"] * (1 + stats.f.ppf(0.95, 1, n - k) / (n - k))
    for bound in (prof["ic50_ci_low"], prof["ic50_ci_high"]):
        c = np.log10(bound)
        p, _ = curve_fit(
            lambda x, b, tp, h, c=c: four_pl(x, b, tp, c, h),
            d["dose"],
            y,
            p0=[0, 100, 1],
            ftol=1e-14,
            xtol=1e-14,
        )
        sse = np.sum((y - four_pl(d["dose"], p[0], p[1], c, p[2])) ** 2)
        assert sse == pytest.approx(thr, rel=1e-5)
    assert prof["ic50_ci_low"] < prof["ic50"] < prof["ic50_ci_high"]


def test_flat_and_incomplete_curves_get_bounds_not_numbers():
    rng = np.random.default_rng(2)
    flat = 100 + rng.normal(0, 3, DOSES.size)
    incomplete = four_pl(DOSES, 0, 100, np.log10(300.0), 1.0) + rng.normal(0, 0.5, DOSES.size)
    dead = 2 + rng.normal(0, 1, DOSES.size)
    res = fit_dose_response(
        frame({"flat": flat, "inc": incomplete, "dead": dead}), by="drug", dose_unit="uM"
    ).set_index("drug")
    assert res.loc["flat", "status"] == "flat" and np.isnan(res.loc["flat", "ic50"])
    assert res.loc["flat", "ic50_text"] == "IC50 > 10 uM"
    assert res.loc["dead", "status"] == "flat"
    assert res.loc["dead", "ic50_text"] == "IC50 < 0.001 uM"
    assert res.loc["inc", "status"] == "extrapolated" and np.isnan(res.loc["inc", "ic50"])
    assert res.loc["inc", "ic50_text"] == "IC50 > 10 uM"
    assert res.loc["inc", "abs_ic50_text"].endswith("IC50 > 10 uM")


def test_constrained_top_bottom_3pl_and_5pl():
    y = four_pl(DOSES, 0.0, 100.0, np.log10(0.05), 0.8) + np.r_[1, -1].repeat(5)[:9] * 0.5
    r = fit_dose_response(frame({"a": y}), fix={"top": 100, "bottom": 0}).iloc[0]
    assert (r["top"], r["bottom"]) == (100.0, 0.0) and np.isnan(r["top_se"])
    assert r["fixed"] == "top=100,bottom=0"
    r3 = fit_dose_response(frame({"a": y}), model="3pl").iloc[0]
    assert r3["hill"] == 1.0
    # 5PL: relative IC50 = c * (2^(1/s) - 1)^(1/h)  (halfway between top and bottom)
    c, h, s = 0.3, 1.2, 0.5
    x = np.logspace(-3, 2, 15)
    y5 = 5 + 90 / (1 + (x / c) ** h) ** s
    r5 = fit_dose_response(pd.DataFrame({"dose": x, "response": y5}), model="5pl").iloc[0]
    assert r5["asym"] == pytest.approx(s, rel=1e-6)
    assert r5["ic50"] == pytest.approx(c * (2 ** (1 / s) - 1) ** (1 / h), rel=1e-6)


def test_outlier_flagged_not_removed():
    rng = np.random.default_rng(9)
    x = np.repeat(DOSES, 3)
    y = four_pl(x, 0, 100, -1, 1) + rng.normal(0, 2, x.size)
    y[10] += 40
    f = DoseResponseFit().fit(pd.DataFrame({"dose": x, "response": y}))
    assert f.points_["outlier"].tolist() == [i == 10 for i in range(x.size)]
    assert f.results_["n_outliers"].item() == 1 and len(f.points_) == x.size


def test_dose_zero_predicts_top_and_bad_input_is_named():
    y = four_pl(DOSES, 0, 100, -1, 1)
    d = pd.DataFrame({"dose": np.r_[0.0, DOSES], "response": np.r_[100.0, y]})
    assert fit_dose_response(d)["ic50"].item() == pytest.approx(0.1, rel=1e-7)
    bad = d.copy()
    bad.loc[3, "dose"] = -1.0
    bad.loc[5, "response"] = np.nan
    with pytest.raises(DataError) as e:
        fit_dose_response(bad, source="drc.csv")
    text = str(e.value)
    assert "drc.csv row 5, column 'dose': negative value -1" in text
    assert "drc.csv row 7, column 'response': missing value" in text
    with pytest.raises(DataError, match="column 'conc' is missing"):
        fit_dose_response(d, dose="conc")


def test_weight_two_equals_a_duplicated_point():
    rng = np.random.default_rng(8)
    y = four_pl(DOSES, 5, 95, -1.2, 1.1) + rng.normal(0, 4, DOSES.size)
    w = np.ones(DOSES.size)
    w[3] = 2.0
    a = fit_dose_response(pd.DataFrame({"dose": DOSES, "response": y, "w": w}), weight="w").iloc[0]
    b = fit_dose_response(
        pd.DataFrame({"dose": np.r_[DOSES, DOSES[3]], "response": np.r_[y, y[3]]})
    ).iloc[0]
    for k in ("bottom", "top", "log_ic50", "hill", "sse"):
        assert a[k] == pytest.approx(b[k], rel=1e-7)
