"""Honest PK fits: convergence diagnostics on constructed failures, pre-dose handling, Theoph.

Published reference for the Theoph fits (status: likely): population estimates of the
one-compartment oral model on R's theophylline data (nlmixr2, theo_sd, SAEM/FOCEi; the
nlmixr2est test suite starts from them): ka 1.57 /h, CL/F 2.72 L/h, V/F 31.5 L, i.e. about
0.04 L/h/kg and 0.45 L/kg at the subjects' mean weight of 69.6 kg (Boeckmann, Sheiner &
Beal 1994, NONMEM Users Guide Part V).
"""

from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
import pytest

import kinetor as kt
from kinetor.data import Study
from kinetor.pk import OneCompartment, OneCompartmentOral, PKFitter, fit_pk, simulate

FIX = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def theoph():
    return kt.read_study(FIX / "theoph_lab.csv")


def _study(t, c, dose=100.0, route="extravascular"):
    conc = pd.DataFrame({"subject": "a", "time": t, "conc": c})
    doses = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [dose], "route": [route]})
    return Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"})


T = np.array([0.25, 0.5, 1, 2, 3, 4, 6, 8, 12, 24])


def _noisy(model, route="PO", seed=1, cv=0.08):
    y = simulate(model, f"100 mg {route} single", T, conc_unit="mg/L").conc[0]
    return y * np.exp(np.random.default_rng(seed).normal(0, cv, y.size))


@pytest.mark.slow
def test_theoph_individual_fits_converge_to_published_values(theoph):
    res = fit_pk(theoph, "1cmt-oral")
    assert res.stats["converged"].all(), res.stats["reason"].tolist()
    wide = res.to_wide()
    # before: subjects 1, 7, 10 had sigma_prop ~1e10-1e11 (their t = 0 sample is > 0)
    assert (wide["sigma_prop"] < 0.3).all()
    med = wide[["cl", "v", "ka"]].median()
    assert 0.03 < med["cl"] < 0.05  # L/h/kg, published ~0.04
    assert 0.38 < med["v"] < 0.55  # L/kg, published ~0.45
    assert 0.8 < med["ka"] < 2.5  # 1/h, published ~1.6 (subject spread is wide)
    assert res.predictions["predose"].sum() == 12 and res.stats["n_predose"].eq(1).all()
    assert {"converged", "reason"} <= set(res.params.columns)


def test_theoph_naive_pooled_fit_needs_no_initial_estimates(theoph):
    res = fit_pk(theoph, "1cmt-oral", pooling="naive")  # before: CL/F 1e-22
    est = res.params.set_index("parameter")["estimate"]
    assert bool(res.stats["converged"].iloc[0]), res.stats["reason"].iloc[0]
    assert est["cl"] == pytest.approx(0.04, rel=0.25)
    assert est["v"] == pytest.approx(0.45, rel=0.25)
    assert est["ka"] == pytest.approx(1.57, rel=0.5)


def test_a_positive_predose_sample_kept_in_the_fit_makes_the_error_explode():
    # Theoph subject 1 with its t = 0 value 0.74 mg/L: a proportional error cannot explain
    # a non-zero observation where the prediction is 0 (the fit that used to "converge")
    t = np.array([0, 0.25, 0.57, 1.12, 2.02, 3.82, 5.10, 7.03, 9.05, 12.12, 24.37])
    c = np.array([0.74, 2.84, 6.57, 10.50, 9.66, 8.58, 8.36, 7.47, 6.89, 5.94, 3.28])
    fit = PKFitter(OneCompartmentOral).fit(t, c, data="4.02 mg PO single")
    assert not fit.converged_.iloc[0]
    assert "residual error exploded" in fit.convergence_reason_.iloc[0]


def test_predose_samples_are_excluded_or_used_as_baseline():
    y = simulate(
        OneCompartmentOral(cl=2.0, v=20.0, ka=1.5), "100 mg PO single", T, conc_unit="mg/L"
    ).conc[0]
    y = y * np.exp(np.random.default_rng(0).normal(0, 0.05, y.size))
    t = np.concatenate([[0.0], T])
    excl = fit_pk(_study(t, np.concatenate([[0.3], y])), "1cmt-oral")
    assert excl.stats["n_predose"].iloc[0] == 1 and excl.stats["n_obs"].iloc[0] == T.size
    assert excl.predictions["predose"].tolist() == [False] * T.size + [True]
    assert bool(excl.stats["converged"].iloc[0])
    assert excl.to_wide()["cl"].iloc[0] == pytest.approx(2.0, rel=0.1)
    # a constant endogenous baseline of 0.3 on top of the drug: subtracted, and said so
    base = fit_pk(_study(t, np.concatenate([[0.3], y + 0.3])), "1cmt-oral", predose="baseline")
    assert base.predictions["baseline"].iloc[: T.size].eq(0.3).all()
    assert base.to_wide()["cl"].iloc[0] == pytest.approx(excl.to_wide()["cl"].iloc[0], rel=1e-6)
    assert any("baseline" in n for n in base.notes)


@pytest.mark.slow
def test_v_and_f_both_free_are_not_identified():
    y = _noisy(OneCompartmentOral(cl=2.0, v=20.0, ka=1.5))
    fit = PKFitter(OneCompartmentOral, estimate=["cl", "v", "ka", "f"], init={"f": 0.5}).fit(
        T, y, data="100 mg PO single"
    )
    assert not fit.converged_.iloc[0]
    assert (
        "not identified" in fit.convergence_reason_.iloc[0]
        or "ill-conditioned" in fit.convergence_reason_.iloc[0]
    )


def test_flip_flop_is_flagged():
    # true ka 0.05 /h < k 0.1 /h; the conventional solution (rates swapped, V' = V k/ka)
    # fits identically. Started near the flip-flop solution the fit lands on it: flagged.
    y = _noisy(OneCompartmentOral(cl=2.0, v=20.0, ka=0.05), seed=4, cv=0.03)
    fit = PKFitter(OneCompartmentOral, init={"cl": 2.5, "v": 25.0, "ka": 0.04}, n_random=0).fit(
        T, y, data="100 mg PO single"
    )
    p = fit.params_.iloc[0]
    assert p["ka"] < p["cl"] / p["v"]
    assert "flip-flop" in fit.convergence_reason_.iloc[0]
    # from the NCA starts it takes the conventional branch (ka > k) and passes
    conv = PKFitter(OneCompartmentOral).fit(T, y, data="100 mg PO single")
    q = conv.params_.iloc[0]
    assert q["ka"] > q["cl"] / q["v"]
    assert q["ka"] == pytest.approx(0.1, rel=0.35) and q["cl"] / q["v"] == pytest.approx(
        0.05, rel=0.35
    )
    assert conv.converged_.iloc[0], conv.convergence_reason_.iloc[0]


@pytest.mark.slow
@pytest.mark.parametrize("shape", ["flat", "increasing"])
def test_a_profile_the_model_cannot_describe_is_not_converged(shape):
    y = np.full(T.size, 5.0) if shape == "flat" else 1.0 + 0.5 * T
    y = y * np.exp(np.random.default_rng(2).normal(0, 0.02, y.size))
    fit = PKFitter(OneCompartmentOral, n_starts=1).fit(T, y, data="100 mg PO single")
    assert not fit.converged_.iloc[0]
    assert fit.convergence_reason_.iloc[0]


def test_two_points_for_two_parameters_is_a_residual_collapse():
    fit = PKFitter(OneCompartment).fit([1.0, 2.0], [1.0, 0.5], data="10 mg IV single")
    assert not fit.converged_.iloc[0]
    assert "no degrees of freedom" in fit.convergence_reason_.iloc[0]
    # and a noise-free profile: the residual error collapses to round-off
    y = simulate(OneCompartment(cl=3.0, v=40.0), "10 mg IV single", T, conc_unit="mg/L").conc[0]
    exact = PKFitter(OneCompartment, method="ml", error="additive").fit(
        T, y, data="10 mg IV single"
    )
    assert "residual error collapsed" in exact.convergence_reason_.iloc[0]


def test_a_parameter_at_its_bound_is_flagged():
    class Decay(kt.pk.Fitter):
        param_names = ("c0", "k")
        bounds: ClassVar[dict] = {"k": (0.0, 0.1)}  # the truth (0.3) lies outside

        def _predict(self, params, t, data):
            return params["c0"] * np.exp(-params["k"] * t)

    y = 10 * np.exp(-0.3 * T) * np.exp(np.random.default_rng(3).normal(0, 0.05, T.size))
    fit = Decay(init={"c0": 8.0, "k": 0.05}).fit(T, y)
    assert "k at its upper bound" in fit.convergence_reason_.iloc[0]
    assert fit.params_["k"].iloc[0] == pytest.approx(0.1)


@pytest.mark.slow
def test_every_failure_is_reported_in_every_table(tmp_path):
    from kinetor.cli.main import main

    t = np.concatenate([[0.0], T])
    flat = _study(t, np.r_[0.0, np.full(T.size, 5.0)])
    res = fit_pk(flat, "1cmt-oral", n_starts=1)
    assert not res.stats["converged"].iloc[0] and res.stats["reason"].iloc[0]
    assert not res.params["converged"].any() and res.n_failed == 1
    assert not res.to_wide()["converged"].iloc[0]
    src = tmp_path / "flat.csv"
    pd.DataFrame(
        {
            "Subject": "a",
            "Time (h)": t,
            "Conc (mg/L)": np.r_[0.0, np.full(T.size, 5.0)],
            "Dose (mg)": 100.0,
            "Route": "PO",
        }
    ).to_csv(src, index=False)
    out = tmp_path / "out"
    assert (
        main(["--quiet", "fit", str(src), "--model", "1cmt-oral", "--out", str(out)]) == 4
    )  # none converged (exit 4)
    stats = pd.read_csv(out / "pk_fit_stats.csv")
    assert not stats["converged"].iloc[0] and isinstance(stats["reason"].iloc[0], str)
    assert "converged" in pd.read_csv(out / "pk_fit_parameters.csv").columns
    html = (out / "report.html").read_text()
    assert "converged" in html and "reason" in html


def test_multi_start_is_deterministic():
    y = _noisy(OneCompartmentOral(cl=2.0, v=20.0, ka=1.5), seed=7, cv=0.2)
    a = PKFitter(OneCompartmentOral, seed=3).fit(T, y, data="100 mg PO single")
    b = PKFitter(OneCompartmentOral, seed=3).fit(T, y, data="100 mg PO single")
    pd.testing.assert_frame_equal(a.params_, b.params_)
