"""Fitting: a published fit, parameter recovery, CI coverage, M3 censoring, pooling, Study."""

from typing import ClassVar

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kinetor.data import Study
from kinetor.errors import DataError, ModelError
from kinetor.pk import (
    Fitter,
    OneCompartment,
    OneCompartmentOral,
    PKFitter,
    Regimen,
    TwoCompartmentOral,
    fit_pk,
    simulate,
)

# Theoph subject 1 (R datasets::Theoph; Boeckmann, Sheiner & Beal 1994): dose 4.02 mg/kg
THEOPH_T = np.array([0, 0.25, 0.57, 1.12, 2.02, 3.82, 5.10, 7.03, 9.05, 12.12, 24.37])
THEOPH_C = np.array([0.74, 2.84, 6.57, 10.50, 9.66, 8.58, 8.36, 7.47, 6.89, 5.94, 3.28])


def test_reproduces_r_nls_ssfol_fit_of_theoph_subject_1():
    # R stats example: nls(conc ~ SSfol(Dose, Time, lKe, lKa, lCl), data = Theoph.1);
    # summary (tests/Examples/stats-Ex.Rout.save of R 2.13): lKe -2.9196 (SE 0.1709),
    # lKa 0.5752 (SE 0.1728), lCl -3.9159 (SE 0.1273), residual SE 0.732 on 8 df.
    fit = PKFitter(OneCompartmentOral, method="wls", weighting="uniform").fit(
        THEOPH_T, THEOPH_C, data=Regimen.parse("4.02 mg PO single")
    )
    p = fit.params_.iloc[0]
    assert np.log(p["cl"]) == pytest.approx(-3.9159, abs=5e-5)
    assert np.log(p["ka"]) == pytest.approx(0.5752, abs=5e-5)
    assert np.log(p["cl"] / p["v"]) == pytest.approx(-2.9196, abs=5e-5)
    assert fit.sigma_.iloc[0] == pytest.approx(0.732, abs=5e-4)
    # SEs on the log scale: delta method, var(log x) = var(x) / x^2
    lc = fit.cov_[0] / np.outer(p.to_numpy(), p.to_numpy())
    assert np.sqrt(lc[0, 0]) == pytest.approx(0.1273, abs=5e-5)
    assert np.sqrt(lc[2, 2]) == pytest.approx(0.1728, abs=5e-5)
    assert np.sqrt(lc[0, 0] + lc[1, 1] - 2 * lc[0, 1]) == pytest.approx(0.1709, abs=5e-5)
    # R: t-based Wald CI on log CL = -3.9159 +- qt(0.975, 8) x 0.1273
    q = stats.t.ppf(0.975, 8)
    assert np.log(fit.ci_lower_["cl"].iloc[0]) == pytest.approx(-3.9159 - q * 0.1273, abs=2e-4)


def test_recovers_two_compartment_oral_parameters():
    truth = dict(cl=5.0, v1=20.0, q=3.0, v2=50.0, ka=1.0)
    t = np.array([0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 24, 36, 48, 72])
    sim = simulate(
        TwoCompartmentOral(**truth),
        "100 mg PO single",
        t,
        conc_unit="mg/L",
        residual={"prop": 0.05},
        seed=21,
    )
    fit = PKFitter(TwoCompartmentOral, method="ml").fit(t, sim.conc[0], data="100 mg PO single")
    p = fit.params_.iloc[0]
    for k, v in truth.items():
        assert p[k] == pytest.approx(v, rel=0.15), k
        lo, hi = fit.ci_lower_[k].iloc[0], fit.ci_upper_[k].iloc[0]
        assert lo < p[k] < hi
    assert fit.error_params_["sigma_prop"].iloc[0] == pytest.approx(0.05, rel=0.5)
    ll = fit.loglik_.iloc[0]
    assert fit.aic_.iloc[0] == pytest.approx(-2 * ll + 2 * 6)  # 5 structural + sigma
    assert fit.bic_.iloc[0] == pytest.approx(-2 * ll + 6 * np.log(t.size))
    gof = fit.gof_
    assert gof.columns.tolist() == ["time", "dv", "pred", "ipred", "res", "wres", "blq", "lloq"]
    assert abs(gof["wres"].mean()) < 0.6


def test_noise_free_data_are_fitted_exactly_from_automatic_initial_estimates():
    t = np.array([0.1, 0.25, 0.5, 1, 2, 4, 8, 12, 24])
    for model in (
        OneCompartmentOral(cl=0.3, v=2.0, ka=4.0, tlag=0.05),
        OneCompartment(cl=3.0, v=40.0),
    ):
        route = "PO" if model.has_ka else "IV"
        y = simulate(model, f"10 mg {route} single", t, conc_unit="mg/L").conc[0]
        fit = PKFitter(
            type(model), method="wls", init={"tlag": 0.02} if model.has_ka else None
        ).fit(t, y, data=f"10 mg {route} single")
        for k in fit.params_.columns:
            assert fit.params_[k].iloc[0] == pytest.approx(model.params[k], rel=1e-5), k


def test_wls_confidence_intervals_cover_at_the_nominal_rate():
    # 200 replicate profiles, 15% proportional error; 95% CIs should cover the truth in
    # ~95% of them: the binomial(200, 0.95) central 99.9% band is [179, 198] -> [0.895, 0.99]
    t = np.array([0.25, 0.5, 1, 1.5, 2, 3, 4, 6, 8, 12, 16, 24])
    truth = {"cl": 2.0, "v": 20.0, "ka": 1.2}
    reg = Regimen.parse("100 mg PO single")
    sims = simulate(
        OneCompartmentOral(**truth),
        reg,
        t,
        n_subjects=200,
        residual={"prop": 0.15},
        seed=11,
        conc_unit="mg/L",
    )
    hits = dict.fromkeys(truth, 0)
    for y in sims.conc:
        fit = PKFitter(OneCompartmentOral, method="wls").fit(t, y, data=reg)
        for k, v in truth.items():
            hits[k] += int(fit.ci_lower_[k].iloc[0] <= v <= fit.ci_upper_[k].iloc[0])
    for k, n in hits.items():
        assert 179 <= n <= 198, (k, n)


def test_m3_reduces_bias_of_naive_pooled_fits_with_heavy_blq():
    # Sparse design: one sample per animal, 6 animals per time, 40% BSV on CL: at late
    # times the animals still above the LLOQ are the slow ones, so dropping BLQ samples
    # (M1) biases CL down; the censored likelihood (M3) removes much of that bias.
    t1 = np.array([0.5, 1, 2, 4, 8, 12, 16, 24, 32])
    t = np.repeat(t1, 6)
    reg = Regimen.parse("100 mg IV bolus single")
    bias = {"m3": [], "drop": []}
    for rep in range(8):
        sim = simulate(
            OneCompartment(cl=2.0, v=20.0),
            reg,
            t1,
            n_subjects=t.size,
            variability={"cl": 0.4},
            residual={"prop": 0.15},
            seed=100 + rep,
            conc_unit="mg/L",
        )
        y = sim.conc[np.arange(t.size), np.searchsorted(t1, t)]
        cens = y < 0.5
        for blq in bias:
            fit = PKFitter(OneCompartment, method="ml", blq=blq).fit(
                t, np.where(cens, np.nan, y), data=reg, censored=cens, lloq=0.5
            )
            bias[blq].append(np.log(fit.params_["cl"].iloc[0] / 2.0))
    m3, m1 = np.mean(bias["m3"]), np.mean(bias["drop"])
    assert m1 < -0.2  # M1 under-estimates CL by > 18%
    assert abs(m3) < 0.6 * abs(m1)


def _mouse_study(n_per_time=3, seed=0, blq_lloq=None):
    """Sparse mouse study: 10 mg/kg PO, one sample per animal, 25 g animals."""
    rng = np.random.default_rng(seed)
    model = OneCompartmentOral(cl="0.6 L/h/kg", v="1.5 L/kg", ka="2 1/h")
    times = np.array([0.25, 0.5, 1, 2, 4, 6, 8, 12, 24])
    t = np.repeat(times, n_per_time)
    ids = [f"m{i}" for i in range(t.size)]
    sim = simulate(
        model,
        "10 mg/kg PO single",
        times,
        n_subjects=t.size,
        weight=0.025,
        variability={"cl": 0.2, "v": 0.2},
        seed=rng,
    )
    c = sim.conc[np.arange(t.size), np.searchsorted(times, t)]
    c = c * (1 + 0.1 * rng.standard_normal(c.size))
    conc = pd.DataFrame({"subject": ids, "time": t, "conc": c})
    if blq_lloq is not None:
        conc["lloq"] = blq_lloq
        conc["blq"] = conc["conc"] < blq_lloq
        conc.loc[conc["blq"], "conc"] = np.nan
    doses = pd.DataFrame({"subject": ids, "time": 0.0, "dose": 10.0, "route": "extravascular"})
    return Study(conc, doses, units={"time": "h", "conc": "ng/mL", "dose": "mg/kg"})


def test_naive_pooled_fit_of_a_sparse_study():
    res = fit_pk(_mouse_study(), "1cmt-oral", pooling="naive", method="wls")
    est = res.params.set_index("parameter")
    assert set(res.params["subject"]) == {"pooled"}
    # typical values 0.6 L/h/kg, 1.5 L/kg, 2 /h; 20% BSV + 10% residual, 27 animals
    assert est.loc["cl", "estimate"] == pytest.approx(0.6, rel=0.2)
    assert est.loc["v", "estimate"] == pytest.approx(1.5, rel=0.25)
    assert est.loc["cl", "unit"] == "L/h/kg" and est.loc["v", "unit"] == "L/kg"
    assert len(res.predictions) == 27 and res.notes  # apparent CL/F noted


def test_individual_fits_from_a_study_with_blq():
    model = OneCompartment(cl=2.0, v=20.0)
    t = np.array([0.5, 1, 2, 4, 8, 12, 24, 48])
    rows, doses = [], []
    for s, scale in (("a", 1.0), ("b", 2.0)):
        c = simulate(model, f"{50 * scale} mg IV single", t, conc_unit="ug/mL").conc[0]
        rows.append(pd.DataFrame({"subject": s, "time": t, "conc": c}))
        doses.append({"subject": s, "time": 0.0, "dose": 50 * scale, "route": "iv_bolus"})
    conc = pd.concat(rows, ignore_index=True)
    conc["lloq"] = 0.05
    conc["blq"] = conc["conc"] < 0.05
    conc.loc[conc["blq"], "conc"] = np.nan
    st = Study(conc, pd.DataFrame(doses), units={"time": "h", "conc": "ug/mL", "dose": "mg"})
    res = fit_pk(st, OneCompartment, method="ml", error="combined")
    wide = res.to_wide()
    np.testing.assert_allclose(wide["cl"], [2.0, 2.0], rtol=1e-3)
    np.testing.assert_allclose(wide["v"], [20.0, 20.0], rtol=1e-3)
    assert res.predictions["blq"].sum() == conc["blq"].sum() > 0
    assert res.stats["subject"].tolist() == ["a", "b"]


def test_study_errors_are_reported():
    st = _mouse_study()
    st.conc.loc[0, "blq"] = True
    with pytest.raises(DataError, match="LLOQ"):
        fit_pk(st, "1cmt-oral")
    st = _mouse_study()
    st.doses = st.doses.iloc[1:]
    with pytest.raises(DataError, match="no dose"):
        fit_pk(st, "1cmt-oral")
    with pytest.raises(ModelError, match="observations cannot determine"):
        PKFitter(OneCompartment).fit([1.0], [1.0], data="1 mg IV single")


def test_generic_fitter_subclass_for_a_pd_model():
    class Emax(Fitter):
        param_names = ("e0", "emax", "ec50")
        bounds: ClassVar[dict] = {"e0": (-np.inf, np.inf)}
        param_units: ClassVar[dict] = {"ec50": "ng/mL"}

        def _predict(self, params, t, data):
            return params["e0"] + params["emax"] * data / (params["ec50"] + data)

        def _initial(self, t, y, data):
            return {"e0": float(y.min()), "emax": float(np.ptp(y)), "ec50": float(np.median(data))}

    conc = np.array([0.0, 1, 3, 10, 30, 100, 300, 1000])
    # E = 5 + 80 C / (25 + C), plus fixed deviations
    y = 5 + 80 * conc / (25 + conc) + np.array([0.3, -0.2, 0.1, -0.4, 0.2, 0.1, -0.3, 0.2])
    fit = Emax(method="ml", error="additive").fit(np.zeros(conc.size), y, data=conc)
    assert fit.params_["ec50"].iloc[0] == pytest.approx(25.0, rel=0.05)
    assert fit.params_["e0"].iloc[0] == pytest.approx(5.0, abs=0.5)
    s = fit.summary.set_index("parameter")
    assert s.loc["ec50", "unit"] == "ng/mL" and "sigma_add" in s.index
    fixed = Emax(method="wls", weighting="uniform", fixed={"e0": 5.0}).fit(
        np.zeros(conc.size), y, data=conc
    )
    assert fixed.params_["e0"].iloc[0] == 5.0 and np.isnan(fixed.se_["e0"].iloc[0])
    assert bool(fixed.summary.set_index("parameter").loc["e0", "fixed"])


def test_michaelis_menten_fit_through_the_ode_path():
    from kinetor.pk import MichaelisMenten

    truth = MichaelisMenten(vmax="10 mg/h", km="2 mg/L", v1="10 L")
    t = np.array([0.25, 0.5, 1, 2, 4, 6, 8, 12, 16, 24])
    y = simulate(
        truth, "100 mg IV bolus single", t, conc_unit="mg/L", residual={"prop": 0.05}, seed=1
    ).conc[0]
    fit = PKFitter(MichaelisMenten, method="ml").fit(t, y, data="100 mg IV bolus single")
    assert fit.converged_.all(), fit.convergence_reason_.iloc[0]
    for k, v in (("vmax", 10.0), ("km", 2.0), ("v1", 10.0)):
        assert fit.params_[k].iloc[0] == pytest.approx(v, rel=0.1), k
        assert fit.ci_lower_[k].iloc[0] < v < fit.ci_upper_[k].iloc[0]


def test_a_model_instance_provides_initial_values():
    t = np.array([0.5, 1, 2, 4, 8, 12, 24])
    y = simulate(
        OneCompartmentOral(cl=2.0, v=20.0, ka=1.5), "100 mg PO single", t, conc_unit="mg/L"
    ).conc[0]
    start = OneCompartmentOral(cl=1.0, v=10.0, ka=1.0)
    fit = PKFitter(start, method="wls").fit(t, y, data="100 mg PO single")
    assert fit.init == {"cl": 1.0, "v": 10.0, "ka": 1.0}
    np.testing.assert_allclose(fit.params_[["cl", "v", "ka"]].iloc[0], [2.0, 20.0, 1.5], rtol=1e-5)


def test_iv_only_profiles_do_not_estimate_ka_with_an_oral_model():
    # ka has no effect on IV bolus predictions: estimating it gives arbitrary values with
    # meaningless SEs, so individual fits of IV rats leave it out; PO rats estimate it.
    from pathlib import Path

    import kinetor as kt

    path = Path(__file__).resolve().parents[2] / "examples" / "vistusertib_rat_iv_po.csv"
    res = kt.fit_pk(kt.read_study(path), "2cmt-oral")
    by_subject = res.params.groupby("subject")["parameter"].apply(set)
    assert "ka" not in by_subject["R101"]  # IV 2 mg/kg
    assert "ka" in by_subject["R201"]  # PO 10 mg/kg
