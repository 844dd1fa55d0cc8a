"""Fixes from the second popfit audit: covariate effects named after the parameter they act
on whatever the order of the covariate list, and observations at a prediction of exactly 0
under a proportional error model (no variance floor in the likelihood)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, oral_1cmt, theoph_study

from kinetor.cli.main import main
from kinetor.data import Study
from kinetor.errors import DataError
from kinetor.popfit import PopModel, popfit
from kinetor.popfit._data import build_data
from kinetor.popfit._design import covariate_design, initial_estimates
from kinetor.popfit._engine import Design, _objective_parts

UNITS = {"time": "h", "conc": "mg/L", "dose": "mg"}


# ------------------------------------------------------------------ covariate names
def _covariate_study(seed: int = 3, n: int = 40) -> Study:
    """1-cmt oral, CL = 2 (WT/70)^0.75 (age/45)^-0.4, V = 30 (x1.3 in M), ka 1.2; 16 F and
    24 M (M the reference level, so the F effect on V is log(1/1.3) = -0.262)."""
    rng = np.random.default_rng(seed)
    t = np.array([0.5, 1, 2, 4, 8, 12, 24.0])
    wt, age = rng.uniform(50, 100, n), rng.uniform(20, 70, n)
    sex = np.where(np.arange(n) < 16, "F", "M")
    eta = rng.normal(0.0, np.sqrt([0.04, 0.02, 0.16]), size=(n, 3))
    cl = 2.0 * (wt / 70) ** 0.75 * (age / 45) ** -0.4 * np.exp(eta[:, 0])
    v = 30.0 * np.where(sex == "M", 1.3, 1.0) * np.exp(eta[:, 1])
    ka = 1.2 * np.exp(eta[:, 2])
    c = oral_1cmt(300.0, cl[:, None], v[:, None], ka[:, None], t[None])
    y = c * (1 + 0.1 * rng.standard_normal(c.shape))
    ids = np.array([f"S{i:03d}" for i in range(n)])
    conc = pd.DataFrame(
        {"subject": np.repeat(ids, t.size), "time": np.tile(t, n), "conc": y.ravel()}
    )
    doses = pd.DataFrame({"subject": ids, "time": 0.0, "dose": 300.0, "route": "extravascular"})
    subjects = pd.DataFrame({"subject": ids, "weight": wt, "age": age, "sex": sex})
    return Study(conc, doses, subjects, units=UNITS)


def test_covariate_design_lays_out_names_and_starts_in_parameter_order():
    st = _covariate_study(n=6)
    data = build_data(st, covariates=("weight",))
    model = PopModel("1cmt-oral", covariates=["v~weight:est", "cl~weight:est"])
    _, Z, names, inits, _ = covariate_design(model, data, weight_ref=70.0)
    # beta is read parameter by parameter (cl, v, ka): cl's effect first, with the
    # clearance exponent 0.75 as its start; v's second, starting at 1
    assert names == ["cl~weight", "v~weight"]
    np.testing.assert_array_equal(inits, [0.75, 1.0])
    z = np.log(st.subjects["weight"].to_numpy() / 70.0)
    np.testing.assert_allclose(Z[0][:, 0], z)
    np.testing.assert_allclose(Z[1][:, 0], z)
    assert Z[2].shape[1] == 0


@pytest.mark.slow
def test_covariate_estimates_carry_their_names_in_any_order():
    st = _covariate_study()
    kw = {"error": "proportional", "npde": False}
    fits = [
        popfit(st, "1cmt-oral", covariates=covs, **kw)
        for covs in (["cl~age", "v~sex:cat"], ["v~sex:cat", "cl~age"])
    ]
    a, b = (f.theta.set_index("parameter") for f in fits)
    assert fits[0].ofv == pytest.approx(fits[1].ofv, abs=1e-6)
    assert list(b.index) == ["cl", "v", "ka", "cl~age", "v~sex[F]"]
    for p in a.index:
        assert b.loc[p, "estimate"] == pytest.approx(a.loc[p, "estimate"], rel=1e-6), p
    # the simulated truth: age exponent -0.4, F effect on V log(1/1.3) = -0.262
    for name, truth in (("cl~age", -0.4), ("v~sex[F]", np.log(1 / 1.3))):
        est, se = b.loc[name, ["estimate", "se"]]
        assert abs(est - truth) < 2 * se, (name, est, se)


@pytest.mark.slow
def test_two_covariates_on_one_parameter_keep_their_names():
    st = _covariate_study()
    kw = {"error": "proportional", "npde": False, "cov_method": "none", "weight_ref": 70.0}
    orders = (
        ["cl~weight:est", "cl~age", "v~sex:cat"],
        ["v~sex:cat", "cl~age", "cl~weight:est"],
    )
    est = [
        popfit(st, "1cmt-oral", covariates=c, **kw).theta.set_index("parameter")["estimate"]
        for c in orders
    ]
    for name in ("cl~weight", "cl~age", "v~sex[F]"):
        assert est[0][name] == pytest.approx(est[1][name], abs=2e-3), name
    # truth 0.75, -0.4, -0.262 (40 subjects: within a wide band, and never swapped)
    assert est[1]["cl~weight"] == pytest.approx(0.75, abs=0.35)
    assert est[1]["cl~age"] == pytest.approx(-0.4, abs=0.25)
    assert est[1]["v~sex[F]"] == pytest.approx(np.log(1 / 1.3), abs=0.15)


# ------------------------------------------------------------------ zero predictions
def _no_time_zero(keep_zero_dv: bool = False) -> Study:
    st = theoph_study()
    c = st.conc
    keep = (c["time"] > 0) | ((c["conc"] == 0) if keep_zero_dv else False)
    st.conc = c[keep].reset_index(drop=True)
    return st


def test_theoph_proportional_leaves_time_zero_samples_out_with_a_note():
    kw = {"error": "proportional", "npde": False, "cov_method": "none"}
    full = popfit(theoph_study(), "1cmt-oral", **kw)
    without = popfit(_no_time_zero(), "1cmt-oral", **kw)
    assert full.converged, full.reason  # was OFV 6.3e11, converged=False (floor 1e-12)
    # 133.2027: an independent FOCE-I implementation (NONMEM's FOCE-I formulas) at these estimates, Theoph without t = 0
    assert full.ofv == pytest.approx(133.2027, abs=0.01)
    assert full.ofv == pytest.approx(without.ofv, abs=1e-4)
    assert full.n_obs == without.n_obs == 120
    note = " ".join(full.notes)
    assert "12 sample(s) at a prediction of 0" in note
    assert "rows 3, 15, 27, 39, 51, 63, 75, 87, 99, 111, 123, 135" in note
    assert "3 of them > 0" in note
    assert len(full.table) == 120


def test_aic_of_proportional_fit_is_not_driven_by_zero_samples():
    kw = {"error": "proportional", "npde": False, "cov_method": "none"}
    # the nine t = 0 samples of value 0 used to add log(1e-12) = -27.6 each to the OFV
    # (AIC 135.6 against 367.7 without them, 233 units below the additive model)
    zeros = popfit(_no_time_zero(keep_zero_dv=True), "1cmt-oral", **kw)
    without = popfit(_no_time_zero(), "1cmt-oral", **kw)
    assert zeros.aic == pytest.approx(without.aic, abs=1e-3)
    assert "compare them with fits of the same observations" in " ".join(zeros.notes)
    additive = popfit(_no_time_zero(), "1cmt-oral", error="additive", npde=False)
    assert additive.n_obs == zeros.n_obs
    assert additive.aic < zeros.aic


def test_zero_variance_is_a_point_mass_not_a_floor():
    conc = pd.DataFrame(
        {
            "subject": ["1"] * 3,
            "time": [0.25, 1.0, 2.0],
            "conc": [1.0, 3.0, np.nan],
            "blq": [False, False, True],
            "lloq": [0.5, 0.5, 0.5],
        }
    )
    doses = pd.DataFrame({"subject": ["1"], "time": [0.0], "dose": [100.0], "route": ["PO"]})
    data = build_data(Study(conc, doses, units=UNITS))
    model = PopModel("1cmt-oral-lag", eta=["cl"], error="proportional")
    offsets, Z, names, _, _ = covariate_design(model, data)
    des = Design(model, data, offsets, Z, names)
    b, eta, oi = 0.2, np.array([[0.1]]), np.array([[1 / 0.09]])

    def obj(f, obs=None):
        if obs is not None:
            des.data.obs[0] = obs
        return _objective_parts(des, np.array([f]), None, np.array([b]), eta, oi, False)[0][0]

    # a sample > 0 at a prediction of 0 (before the lag time) is impossible: +inf,
    # never (1 - 0)^2 / 1e-12
    assert obj([0.0, 2.5, 0.4]) == np.inf
    # left out, the sample at 2.5 and a BLQ sample at a prediction of 0 (certain below the
    # LLOQ, log 1 = 0) give the sample's term and the prior only, never log(1e-12)
    by_hand = np.log((b * 2.5) ** 2) + 0.5**2 / (b * 2.5) ** 2 + 0.1**2 / 0.09
    assert obj([0.0, 2.5, 0.0], obs=np.array([False, True, True])) == pytest.approx(by_hand)


def _lag_study(seed: int = 7, n: int = 24, blq_zeros: bool = False, drop_zeros: bool = False):
    """1-cmt oral with tlag 0.4 h, proportional error: the 0.25 h samples are exactly 0."""
    rng = np.random.default_rng(seed)
    t = np.array([0.25, 0.5, 0.75, 1, 1.5, 2, 4, 8, 12, 24.0])
    eta = rng.normal(0.0, np.sqrt([0.09, 0.04, 0.16]), size=(n, 3))
    cl, v, ka = (np.array([2.0, 30.0, 1.5])[None] * np.exp(eta)).T
    tt = np.clip(t - 0.4, 0.0, None)
    c = oral_1cmt(300.0, cl[:, None], v[:, None], ka[:, None], tt[None])
    y = c * (1 + 0.12 * rng.standard_normal(c.shape))
    ids = np.array([f"S{i:03d}" for i in range(n)])
    conc = pd.DataFrame(
        {"subject": np.repeat(ids, t.size), "time": np.tile(t, n), "conc": y.ravel()}
    )
    zero = conc["conc"] == 0
    assert zero.sum() == n
    if blq_zeros:
        conc = conc.assign(blq=zero, lloq=np.where(zero, 0.05, np.nan))
        conc.loc[zero, "conc"] = np.nan
    if drop_zeros:
        conc = conc[~zero]
    doses = pd.DataFrame({"subject": ids, "time": 0.0, "dose": 300.0, "route": "extravascular"})
    return Study(conc, doses, units=UNITS)


def test_exact_zeros_that_a_lag_time_reaches_are_refused_for_proportional_error():
    with pytest.raises(DataError) as err:
        popfit(_lag_study(), "1cmt-oral-lag", error="proportional", npde=False)
    problems = err.value.problems
    assert len(problems) == 24
    p = problems[0]
    assert p.column == "conc" and p.row is not None
    assert "exactly 0 at time 0.25" in p.message and "BLQ" in p.fix and "--blq" in p.fix


@pytest.mark.slow
def test_lag_zeros_marked_blq_contribute_nothing_once_before_the_lag_time():
    kw = {"error": "proportional", "npde": False, "cov_method": "none"}
    blq = popfit(_lag_study(blq_zeros=True), "1cmt-oral-lag", **kw)
    dropped = popfit(_lag_study(drop_zeros=True), "1cmt-oral-lag", **kw)
    assert blq.converged and dropped.converged, (blq.reason, dropped.reason)
    th = blq.theta.set_index("parameter")["estimate"]
    assert 0.25 < th["tlag"] < 0.5
    # at the estimate the BLQ samples lie before the lag time: P(y < LLOQ) = 1, term 0
    assert blq.ofv == pytest.approx(dropped.ofv, abs=1e-3)


def test_an_initial_lag_time_beyond_a_positive_sample_fails_with_the_reason():
    fit = popfit(
        _lag_study(drop_zeros=True),
        "1cmt-oral-lag",
        error="proportional",
        npde=False,
        cov_method="none",
        init={"tlag": 0.6},
    )
    assert not fit.converged
    assert "smaller initial tlag" in fit.reason


def test_default_initial_lag_time_lies_before_every_positive_sample():
    st = _lag_study(n=3, drop_zeros=True)
    # first samples at 0.25 h (subject S000) and 1 h (S001, S002): the rule
    # 0.5 x median(first) = 0.5 h would put S000's sample at a prediction of 0
    c = st.conc
    c = c[(c["subject"] == "S000") | (c["time"] >= 1.0)].copy()
    c.loc[(c["subject"] == "S000") & (c["time"] == 0.5), "time"] = 0.25
    data = build_data(Study(c, st.doses, units=UNITS))
    start = initial_estimates(PopModel("1cmt-oral-lag", error="proportional"), data)
    assert start["tlag"] == pytest.approx(0.125)


def test_cli_prints_the_note_on_left_out_samples(tmp_path, capsys):
    args = ["popfit", str(FIXTURES / "theoph.csv"), "--time-unit", "h", "--conc-unit"]
    args += ["mg/L", "--dose-unit", "mg", "--weight-unit", "kg", "--error", "proportional"]
    args += ["--vpc", "0", "--cov", "none", "--out", str(tmp_path / "pf")]
    assert main(args) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "note: 12 sample(s) at a prediction of 0" in out
    assert "rows 3, 15, 27" in out
