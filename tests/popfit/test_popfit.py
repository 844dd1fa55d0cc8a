"""Tests of kinetor.popfit: closed forms, the M3 objective, the nlmixr2 Theoph reference,
simulation-estimation, covariates, bad input and the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, oral_1cmt, simulate_oral
from scipy import stats

from kinetor.data import Study, read_study
from kinetor.errors import DataError, ModelError
from kinetor.popfit import PopModel, popfit
from kinetor.popfit._data import build_data
from kinetor.popfit._design import covariate_design
from kinetor.popfit._engine import Design, _objective_parts, predict

# nlmixr2est reference: saveFit() example, 1-cmt oral linCmt() model, additive error,
# est="focei", data theo_sd; printed "Population Parameters" table and the OBJF/AIC/BIC line
# https://nlmixr2.github.io/nlmixr2est/reference/saveFit.html (status: firm, read in source)
NLMIXR2 = {
    "ka": np.exp(0.4655),
    "cl": np.exp(1.012),
    "v": np.exp(3.460),
    "add_sd": 0.6947,
    "cv_ka": 70.52,
    "cv_cl": 26.75,
    "cv_v": 13.90,
    "shrink_ka": 1.893,
    "shrink_cl": 3.873,
    "shrink_v": 10.31,
    "ofv": 116.8036,
    "aic": 373.4033,
    "bic": 393.5829,
    "loglik": -179.7017,
}


# ------------------------------------------------------------------ closed forms
def _arrays(ev_t, ev_amt, ev_kind, t):
    return (
        np.atleast_2d(np.asarray(t, float)),
        np.atleast_2d(np.asarray(ev_t, float)),
        np.atleast_2d(np.asarray(ev_amt, float)),
        np.atleast_2d(np.asarray(ev_kind)),
    )


def test_predict_iv_bolus_two_doses():
    t, et, ea, ek = _arrays([0.0, 12.0], [100.0, 50.0], [0, 0], [1.0, 13.0])
    logp = np.log([[2.0, 20.0]])
    c = predict(1, logp, ("cl", "v"), t, et, ea, ek, 1.0, False)
    k = 0.1
    expected = [5 * np.exp(-k), 5 * np.exp(-13 * k) + 2.5 * np.exp(-k)]
    np.testing.assert_allclose(c[0], expected, rtol=1e-10)


def test_predict_infusion_during_and_after():
    # 60 mg over 2 h (rate 30 mg/h, off-event -30 at 2 h), CL 3, V 30: k = 0.1
    t, et, ea, ek = _arrays([0.0, 2.0], [30.0, -30.0], [2, 2], [1.0, 5.0])
    c = predict(1, np.log([[3.0, 30.0]]), ("cl", "v"), t, et, ea, ek, 1.0, False)
    during = 30 / 3 * (1 - np.exp(-0.1))
    after = 30 / 3 * (1 - np.exp(-0.2)) * np.exp(-0.3)
    np.testing.assert_allclose(c[0], [during, after], rtol=1e-10)


def test_predict_oral_with_lag_and_units():
    # dose in mg, conc in ng/mL: factor 1000; tlag 0.5 h shifts the curve
    t, et, ea, ek = _arrays([0.0], [10.0], [1], [0.25, 2.0])
    logp = np.log([[2.0, 20.0, 1.5, 0.5]])
    c = predict(1, logp, ("cl", "v", "ka", "tlag"), t, et, ea, ek, 1000.0, True)
    assert c[0, 0] == 0.0
    np.testing.assert_allclose(c[0, 1], 1000 * oral_1cmt(10.0, 2.0, 20.0, 1.5, 1.5), rtol=1e-8)


def test_predict_two_compartment_matches_biexponential():
    cl, v1, q, v2 = 2.0, 10.0, 4.0, 40.0
    k10, k12, k21 = cl / v1, q / v1, q / v2
    s = k10 + k12 + k21
    alpha = 0.5 * (s + np.sqrt(s * s - 4 * k10 * k21))
    beta = k10 * k21 / alpha
    A = (alpha - k21) / (v1 * (alpha - beta))
    B = (k21 - beta) / (v1 * (alpha - beta))
    tt = np.array([0.5, 3.0, 20.0])
    t, et, ea, ek = _arrays([0.0], [100.0], [0], tt)
    c = predict(2, np.log([[cl, v1, q, v2]]), ("cl", "v1", "q", "v2"), t, et, ea, ek, 1.0, False)
    np.testing.assert_allclose(
        c[0], 100 * (A * np.exp(-alpha * tt) + B * np.exp(-beta * tt)), rtol=1e-10
    )


# ------------------------------------------------------------------ objective
def test_conditional_objective_with_m3_by_hand():
    conc = pd.DataFrame(
        {
            "subject": ["1"] * 3,
            "time": [1.0, 4.0, 24.0],
            "conc": [4.0, 3.0, np.nan],
            "blq": [False, False, True],
            "lloq": [0.5, 0.5, 0.5],
        }
    )
    doses = pd.DataFrame({"subject": ["1"], "time": [0.0], "dose": [100.0], "route": ["iv_bolus"]})
    st = Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"})
    data = build_data(st)
    model = PopModel("1cmt-iv", eta=["cl"], error="combined")
    offsets, Z, names, _, _ = covariate_design(model, data)
    des = Design(model, data, offsets, Z, names)
    f = np.array([[4.5, 2.8, 0.3]])
    a, b = 0.2, 0.1
    obj = _objective_parts(
        des,
        f,
        np.zeros((1, 3, 1)),
        np.array([a, b]),
        np.array([[0.3]]),
        np.array([[1 / 0.09]]),
        False,
    )[0]
    V = a**2 + (b * f[0]) ** 2
    by_hand = (
        np.log(V[0])
        + 0.5**2 / V[0]
        + np.log(V[1])
        + 0.2**2 / V[1]
        - 2 * stats.norm.logcdf((0.5 - 0.3) / np.sqrt(V[2]))
        + 0.3**2 / 0.09
    )
    assert obj[0] == pytest.approx(by_hand, rel=1e-12)


# ------------------------------------------------------------------ reference
@pytest.mark.slow
def test_theoph_matches_nlmixr2_focei(theoph_fit):
    fit = theoph_fit
    assert fit.converged, fit.reason
    th = fit.theta.set_index("parameter")["estimate"]
    for p in ("cl", "v", "ka"):
        assert th[p] == pytest.approx(NLMIXR2[p], rel=0.02), p
    assert fit.sigma["estimate"].iloc[0] == pytest.approx(NLMIXR2["add_sd"], rel=0.02)
    om = fit.omega_table.set_index("parameter")
    for p in ("cl", "v", "ka"):
        ref_var = np.log1p((NLMIXR2[f"cv_{p}"] / 100) ** 2)  # nlmixr2 CV% = sqrt(exp(w2)-1)
        assert om.loc[f"omega_{p}", "variance"] == pytest.approx(ref_var, rel=0.10), p
        assert om.loc[f"omega_{p}", "shrinkage_pct"] == pytest.approx(
            NLMIXR2[f"shrink_{p}"], abs=1.5
        ), p
    assert fit.ofv == pytest.approx(NLMIXR2["ofv"], abs=0.5)
    assert fit.loglik == pytest.approx(NLMIXR2["loglik"], abs=0.25)
    assert fit.aic == pytest.approx(NLMIXR2["aic"], abs=0.5)
    assert fit.bic == pytest.approx(NLMIXR2["bic"], abs=0.5)
    # first rows of the printed fit table (subject 1): PRED 0, 3.27, 5.83; CWRES 1.07,
    # -0.179, 0.286
    tab = fit.table.iloc[:3]
    np.testing.assert_allclose(tab["pred"], [0.0, 3.27, 5.83], atol=0.03)
    np.testing.assert_allclose(tab["cwres"], [1.07, -0.179, 0.286], atol=0.02)
    # sandwich SE of log CL within 10 % of nlmixr2's r,s value 0.07555
    assert fit.theta.set_index("parameter").loc["cl", "rse_pct"] / 100 == pytest.approx(
        0.07555, rel=0.10
    )
    assert "R^-1 S R^-1" in fit.cov_method
    # NPDE of a well-specified model: mean ~0, variance ~1
    npde = fit.table["npde"].dropna()
    assert abs(npde.mean()) < 0.3 and 0.6 < npde.var() < 1.5


@pytest.mark.slow
def test_covariance_estimators_and_log_scale_variance_intervals(theoph_fit):
    fit = theoph_fit
    sand, hess = fit.covariance("sandwich"), fit.covariance("hessian")
    n = fit.n_params
    assert sand.shape == hess.shape == (n, n)
    for c in (sand, hess):
        assert np.all(np.linalg.eigvalsh(0.5 * (c + c.T)) > 0)
    # the reported SEs are the sandwich's: log CL first, omega^2 after the typical values
    se = np.sqrt(np.diag(sand))
    th = fit.theta.set_index("parameter")
    assert th.loc["cl", "rse_pct"] == pytest.approx(100 * se[0], rel=1e-10)
    om = fit.omega_table.set_index("parameter")
    assert om.loc["omega_cl", "se"] == pytest.approx(se[3], rel=1e-10)
    # 95 % interval of a variance on the log scale: w exp(+-1.96 SE/w), never below 0
    w, s_w = om.loc["omega_ka", "variance"], om.loc["omega_ka", "se"]
    z = stats.norm.ppf(0.975)
    assert om.loc["omega_ka", "ci_low"] == pytest.approx(w * np.exp(-z * s_w / w), rel=1e-10)
    assert om.loc["omega_ka", "ci_high"] == pytest.approx(w * np.exp(z * s_w / w), rel=1e-10)
    assert (fit.omega_table["ci_low"] > 0).all() and (fit.sigma["ci_low"] > 0).all()


def test_ci_level_is_checked(theoph):
    with pytest.raises(ModelError, match="ci_level"):
        popfit(theoph, "1cmt-oral", ci_level=95)


@pytest.mark.slow
def test_curves_end_at_last_sample(theoph_fit):
    t, ipred, pred = theoph_fit.curves(50)
    last = theoph_fit.table.groupby("subject", sort=False).tail(1)
    np.testing.assert_allclose(t[:, -1], last["time"], rtol=1e-12)
    np.testing.assert_allclose(ipred[:, -1], last["ipred"], rtol=1e-10)
    np.testing.assert_allclose(pred[:, -1], last["pred"], rtol=1e-10)
    assert np.all(ipred[:, 0] == 0.0)  # oral dose at time 0


@pytest.mark.slow
def test_block_omega_converges_and_nests_diagonal(theoph, theoph_fit):
    # CL and V are ~98 % correlated in Theoph and ka's eta is almost a linear combination
    # of theirs: the optimum lies on the boundary of the positive-definite cone (the
    # Cholesky factor's last diagonal 0.0027, 0.4 % of ka's SD). The fit must converge, be
    # no worse than the nested diagonal model, and say that Omega is at its boundary; the
    # likelihood has no curvature along that Cholesky element, so the covariance step
    # reports the R matrix as not positive definite instead of giving SEs
    block = popfit(theoph, "1cmt-oral", omega="block", npde=False)
    assert block.converged, block.reason
    assert block.ofv <= theoph_fit.ofv + 0.05
    assert block.omega.shape == (3, 3) and block.omega.loc["cl", "v"] != 0
    assert np.all(np.linalg.eigvalsh(block.omega.to_numpy()) > 0)
    assert block.n_params == theoph_fit.n_params + 3
    assert "boundary of positive definiteness: eta_ka" in block.reason
    L = np.linalg.cholesky(block.omega.to_numpy())
    assert L[2, 2] / np.sqrt(block.omega.to_numpy()[2, 2]) < 0.05
    # same optimum from a different start
    again = popfit(
        theoph,
        "1cmt-oral",
        omega="block",
        npde=False,
        cov_method="none",
        init={"cl": 1.5, "v": 20.0, "ka": 3.0},
    )
    assert again.converged and again.ofv == pytest.approx(block.ofv, abs=0.01)


# ------------------------------------------------------------------ simulation studies
@pytest.mark.slow
def test_simulation_estimation_20_datasets():
    rng = np.random.default_rng(2026)
    truth = {"cl": 2.0, "v": 30.0, "ka": 1.2}
    est = []
    for _ in range(20):
        st = simulate_oral(rng, n_subjects=24)
        f = popfit(st, "1cmt-oral", error="proportional", npde=False, cov_method="none", init=truth)
        assert f.converged, f.reason
        th = f.theta.set_index("parameter")["estimate"]
        est.append(
            [th["cl"], th["v"], th["ka"], *f.omega_table["variance"], f.sigma["estimate"].iloc[0]]
        )
    est = np.array(est)
    bias = est.mean(0) / np.array([2.0, 30.0, 1.2, 0.09, 0.04, 0.16, 0.15]) - 1
    assert np.all(np.abs(bias[:3]) < 0.05), bias
    assert np.all(np.abs(bias[3:6]) < 0.25), bias
    assert abs(bias[6]) < 0.05, bias


@pytest.mark.slow
def test_simulation_estimation_sparse_design_10_datasets():
    # 80 subjects x 3 samples (one drawn in each of 0.25-2, 2-8 and 8-24 h), the design of
    # benchmarks/popfit_simest.py. Ten data sets only: the tolerances are wide (mean
    # estimates within 10 % of the truth for THETA and the residual SD, 45 % for OMEGA,
    # whose sampling SD per data set is 25-45 % here); the 200-data-set study is the
    # benchmark. Also: every fit converges and its covariance step succeeds.
    truth = np.array([2.0, 30.0, 1.2, 0.09, 0.04, 0.16, 0.15])
    est = []
    for seed in range(10):
        rng = np.random.default_rng(5000 + seed)
        eta = rng.normal(0.0, np.sqrt(truth[3:6]), size=(80, 3))
        cl, v, ka = (truth[i] * np.exp(eta[:, i]) for i in range(3))
        t = np.column_stack([rng.uniform(a, b, 80) for a, b in ((0.25, 2), (2, 8), (8, 24))])
        c = oral_1cmt(300.0, cl[:, None], v[:, None], ka[:, None], t)
        y = c * (1 + 0.15 * rng.standard_normal(c.shape))
        ids = np.array([f"S{i:03d}" for i in range(80)])
        st = Study(
            pd.DataFrame({"subject": np.repeat(ids, 3), "time": t.ravel(), "conc": y.ravel()}),
            pd.DataFrame({"subject": ids, "time": 0.0, "dose": 300.0, "route": "extravascular"}),
            units={"time": "h", "conc": "mg/L", "dose": "mg"},
        )
        f = popfit(st, "1cmt-oral", error="proportional", npde=False)
        assert f.converged, f.reason
        assert f.covariance() is not None and np.isfinite(f.theta["se"]).all()
        th = f.theta.set_index("parameter")["estimate"]
        est.append(
            [th["cl"], th["v"], th["ka"], *f.omega_table["variance"], f.sigma["estimate"].iloc[0]]
        )
    bias = np.mean(est, axis=0) / truth - 1
    assert np.all(np.abs(bias[[0, 1, 2, 6]]) < 0.10), bias
    assert np.all(np.abs(bias[3:6]) < 0.45), bias


@pytest.mark.slow
def test_covariates_recovered():
    rng = np.random.default_rng(7)
    st = simulate_oral(
        rng, n_subjects=60, weight=0.75, sex_effect_v=1.5, omega=(0.04, 0.02, 0.09), prop=0.1
    )
    f = popfit(
        st,
        "1cmt-oral",
        covariates=["cl~weight:est", "v~sex:cat"],
        error="proportional",
        weight_ref=70.0,
        npde=False,
    )
    assert f.converged, f.reason
    th = f.theta.set_index("parameter")
    assert th.loc["cl~weight", "estimate"] == pytest.approx(0.75, abs=0.25)
    assert np.exp(th.loc["v~sex[M]", "estimate"]) == pytest.approx(1.5, rel=0.1)
    assert th.loc["cl", "estimate"] == pytest.approx(2.0, rel=0.1)
    lo, hi = th.loc["cl~weight", ["ci_low", "ci_high"]]
    assert lo < 0.75 < hi


@pytest.mark.slow
def test_m3_closer_to_uncensored_fit_than_dropping_blq():
    rng = np.random.default_rng(11)
    full = simulate_oral(rng, n_subjects=30, omega=(0.04, 0.02, 0.09), prop=0.1)
    cens = full.conc.assign(blq=full.conc["conc"] < 4.0, lloq=4.0)
    cens.loc[cens["blq"], "conc"] = np.nan
    assert cens["blq"].mean() > 0.15
    st = Study(cens, full.doses, full.subjects, units=full.units)
    kw = {
        "error": "proportional",
        "npde": False,
        "cov_method": "none",
        "init": {"cl": 2.0, "v": 30.0, "ka": 1.2},
    }
    ref = popfit(full, "1cmt-oral", **kw).theta.set_index("parameter")["estimate"]
    m3 = popfit(st, "1cmt-oral", **kw).theta.set_index("parameter")["estimate"]
    drop = popfit(st, "1cmt-oral", blq="drop", **kw)
    dr = drop.theta.set_index("parameter")["estimate"]
    assert abs(m3["cl"] / ref["cl"] - 1) < 0.05
    assert abs(m3["cl"] / ref["cl"] - 1) < abs(dr["cl"] / ref["cl"] - 1)
    assert any("BLQ" in n for n in drop.notes)


# ------------------------------------------------------------------ bad input
def _study(doses_subjects=("A", "B"), weights=(60.0, 70.0)):
    conc = pd.DataFrame(
        {
            "subject": ["A", "A", "B", "B"],
            "time": [1.0, 4.0, 1.0, 4.0],
            "conc": [5.0, 3.0, 4.0, 2.0],
        }
    )
    doses = pd.DataFrame(
        {"subject": list(doses_subjects), "time": 0.0, "dose": 100.0, "route": "iv_bolus"}
    )
    subjects = pd.DataFrame({"subject": ["A", "B"], "weight": list(weights)})
    return Study(conc, doses, subjects, units={"time": "h", "conc": "mg/L", "dose": "mg"})


def test_subject_without_dose_is_named():
    with pytest.raises(DataError, match="subject B has concentrations but no dose"):
        popfit(_study(doses_subjects=("A",)), "1cmt-iv")


def test_missing_covariate_is_named():
    with pytest.raises(DataError, match="subject A has no value for covariate 'weight'"):
        popfit(_study(weights=(np.nan, 70.0)), "1cmt-iv", covariates=["cl~weight"])


def test_model_and_route_mismatch():
    with pytest.raises(ModelError, match="extravascular doses"):
        popfit(_study(), "1cmt-oral")
    with pytest.raises(ModelError, match="unknown population model"):
        PopModel("3cmt-oral")
    with pytest.raises(ModelError, match="PARAM~COVARIATE"):
        PopModel("1cmt-iv", covariates=["weight"])


# ------------------------------------------------------------------ CLI
@pytest.mark.slow
def test_cli_popfit_writes_outputs(tmp_path):
    from typer.testing import CliRunner

    from kinetor.cli.main import app

    out = tmp_path / "pf"
    res = CliRunner().invoke(
        app,
        [
            "popfit",
            str(FIXTURES / "theoph.csv"),
            "--model",
            "1cmt-oral",
            "--time-unit",
            "h",
            "--conc-unit",
            "mg/L",
            "--dose-unit",
            "mg",
            "--cov",
            "none",
            "--vpc",
            "50",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    est = pd.read_csv(out / "estimates.csv").set_index("parameter")
    assert est.loc["cl", "estimate"] == pytest.approx(NLMIXR2["cl"], rel=0.02)
    for name in (
        "ebe.csv",
        "fit_stats.csv",
        "residuals.csv",
        "vpc.csv",
        "gof.png",
        "vpc.png",
        "pcvpc.png",
        "individual_fits.png",
        "report.html",
    ):
        assert (out / name).exists(), name


@pytest.mark.slow
def test_serial_sacrifice_population_fit_recovers_truth():
    # examples/: 72 mice, one sample each; the simulation's per-mouse parameters are in
    # vistusertib_mouse_truth.csv (geometric means of CL/F and V/F computed here)
    from kinetor.popfit.compare import serial_sacrifice_comparison

    root = Path(__file__).resolve().parents[2] / "examples"
    truth = pd.read_csv(root / "vistusertib_mouse_truth.csv")
    cl_f = np.exp(np.log(truth["CL (L/h/kg)"] / truth["F"]).mean())
    v_f = np.exp(np.log(truth["V (L/kg)"] / truth["F"]).mean())
    st = read_study(root / "vistusertib_mouse_sparse.csv")
    fit = popfit(st, "1cmt-oral", eta=["cl", "v"], error="proportional", npde=False)
    assert fit.converged, fit.reason
    th = fit.theta.set_index("parameter")
    assert th.loc["cl", "unit"] == "L/h/kg" and th.loc["v", "unit"] == "L/kg"
    assert th.loc["cl", "estimate"] == pytest.approx(cl_f, rel=0.10)
    assert th.loc["v", "estimate"] == pytest.approx(v_f, rel=0.10)
    assert th.loc["ka", "estimate"] == pytest.approx(2.0, rel=0.15)
    # the three-way comparison: the population row is this fit; the NCA rows are
    # dose / AUCinf of each group's composite profile, CI from the Bailer SE of AUClast
    import kinetor as kt

    comp = serial_sacrifice_comparison(st, fit=fit)
    pop = comp[comp["method"] == "population (FOCE-I)"].set_index("parameter")
    assert pop.loc["CL/F", "estimate"] == th.loc["cl", "estimate"]
    wide = kt.nca(st, sparse=True).to_wide().set_index("group")
    nca = comp[(comp["method"] == "sparse NCA") & (comp["parameter"] == "CL/F")]
    for _, r in nca.iterrows():
        w = wide.loc[r["group"]]
        # mg/kg over ng*h/mL: 1e6 ng/kg / (ng*h/mL) = 1e6 mL/h/kg = 1000 L/h/kg
        assert r["estimate"] == pytest.approx(1000 * w["TOTDOSE"] / w["AUCIFO"], rel=1e-6)
        half = stats.norm.ppf(0.975) * w["AUCLSTSE"] / w["AUCLST"]
        assert r["ci_high"] / r["estimate"] == pytest.approx(np.exp(half), rel=1e-9)
    pooled = comp[comp["method"] == "naive pooling"].set_index("parameter")
    assert pooled["converged"].all()
    assert pooled.loc["CL/F", "estimate"] == pytest.approx(cl_f, rel=0.15)


@pytest.mark.slow
def test_cli_popfit_compare_sparse(tmp_path):
    from typer.testing import CliRunner

    from kinetor.cli.main import app

    root = Path(__file__).resolve().parents[2] / "examples"
    out = tmp_path / "ss"
    res = CliRunner().invoke(
        app,
        [
            "popfit",
            str(root / "vistusertib_mouse_sparse.csv"),
            "--eta",
            "cl,v",
            "--error",
            "proportional",
            "--cov",
            "none",
            "--vpc",
            "0",
            "--compare-sparse",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    comp = pd.read_csv(out / "sparse_comparison.csv")
    assert set(comp["method"]) == {"population (FOCE-I)", "naive pooling", "sparse NCA"}
    assert (comp["group"] != "all").sum() == 6  # 3 dose groups x (CL/F, V/F)
    bad = CliRunner().invoke(
        app,
        [
            "popfit",
            str(root / "vistusertib_mouse_sparse.csv"),
            "--ci-level",
            "95",
            "--out",
            str(out),
        ],
    )
    assert bad.exit_code == 2 and "--ci-level" in bad.output
