"""Fractions (Imax) estimated on the logit scale, and the combined error from the CLI.

Every expected value comes from an independent least-squares fit of the closed form with
scipy (logit-scale Wald interval by hand) or from the combined-error likelihood written
out here.
"""

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.optimize import least_squares, minimize
from scipy.special import expit, logit

from kinetor.cli.main import main
from kinetor.errors import ModelError
from kinetor.pd import fit_pd
from kinetor.pd.direct import Imax

CONC = np.tile([0.0, 1.0, 3.0, 10.0, 30.0, 100.0, 300.0], 3)


def _imax_data(imax, sd, seed, conc=CONC):
    y = 100.0 * (1.0 - imax * conc / (10.0 + conc))
    y = y + np.random.default_rng(seed).normal(0.0, sd, conc.size)
    return pd.DataFrame({"conc": conc, "value": y})


def _reference(model, x0, y):
    """Least squares of ``model(x)`` (x on the estimation scale), its -2LL at the ML SD,
    and the Wald covariance SSR/(n-p) (J'J)^-1 on that scale."""
    sol = least_squares(lambda x: model(x) - y, x0, xtol=1e-14, ftol=1e-14, gtol=1e-14)
    n, p = y.size, sol.x.size
    ssr = float(sol.fun @ sol.fun)
    cov = ssr / (n - p) * np.linalg.inv(sol.jac.T @ sol.jac)
    m2ll = n * math.log(2 * math.pi * ssr / n) + n
    return sol.x, cov, m2ll, n - p


def test_direct_imax_ci_is_the_logit_wald_interval():
    # Imax 0.99: the log-scale interval used to reach 1.02, outside the model
    data = _imax_data(0.99, 4.0, seed=19)
    f = fit_pd(data, "imax", fixed={"hill": 1.0})
    conc, y = data["conc"].to_numpy(), data["value"].to_numpy()

    def model(x):  # e0, logit(imax), ln(ic50)
        return x[0] * (1.0 - expit(x[1]) * conc / (math.exp(x[2]) + conc))

    x, cov, m2ll, df = _reference(model, [100.0, logit(0.8), math.log(10.0)], y)
    q = stats.t.ppf(0.975, df)
    se_logit = math.sqrt(cov[1, 1])
    s = f.summary.set_index("parameter")
    assert s.loc["imax", "estimate"] == pytest.approx(expit(x[1]), rel=1e-6)
    assert s.loc["e0", "estimate"] == pytest.approx(x[0], rel=1e-6)
    assert -2 * f.loglik_.iloc[0] == pytest.approx(m2ll, rel=1e-9)
    lo, hi = expit(x[1] - q * se_logit), expit(x[1] + q * se_logit)
    assert s.loc["imax", "ci_lower"] == pytest.approx(lo, rel=1e-4)
    assert s.loc["imax", "ci_upper"] == pytest.approx(hi, rel=1e-6)
    assert 0.0 < lo < s.loc["imax", "estimate"] < hi < 1.0
    # delta method on the logit: SE = imax (1 - imax) SE_logit
    th = expit(x[1])
    assert s.loc["imax", "se"] == pytest.approx(th * (1 - th) * se_logit, rel=1e-4)
    assert f.cov_[0, 1, 1] == pytest.approx((th * (1 - th) * se_logit) ** 2, rel=1e-4)
    assert bool(f.converged_.iloc[0])


def _constant_exposure_idr(kind, seed):
    """IDR I or II, one animal per constant concentration: closed forms
    I: R = Rss + (R0 - Rss) e^(-kout t), Rss = R0 (1 - I);
    II: R = Rss + (R0 - Rss) e^(-kout (1 - I) t), Rss = R0 / (1 - I)."""
    levels = np.array([1.0, 3.0, 10.0, 30.0, 100.0, 300.0])
    times = np.array([0.0, 1, 2, 4, 6, 8, 12, 16, 24, 36, 48])
    c = np.repeat(levels, times.size)
    t = np.tile(times, levels.size)

    def closed(x):  # ln r0, ln kout, logit imax, ln ic50 (hill 1)
        r0, kout, imax, ic50 = math.exp(x[0]), math.exp(x[1]), expit(x[2]), math.exp(x[3])
        inh = imax * c / (ic50 + c)
        if kind == "idr1":
            rss, k = r0 * (1 - inh), kout
        else:
            rss, k = r0 / (1 - inh), kout * (1 - inh)
        return rss + (r0 - rss) * np.exp(-k * t)

    truth = [math.log(20.0), math.log(0.3), logit(0.95), math.log(10.0)]
    y = closed(truth) + np.random.default_rng(seed).normal(0.0, 1.0, t.size)
    animals = np.repeat([f"a{i}" for i in range(levels.size)], times.size)
    data = pd.DataFrame({"animal": animals, "time": t, "value": y})
    ex = pd.DataFrame(
        {
            "animal": np.repeat([f"a{i}" for i in range(levels.size)], 2),
            "time": np.tile([0.0, 48.0], levels.size),
            "conc": np.repeat(levels, 2),
        }
    )
    return data, ex, closed, truth, y


@pytest.mark.parametrize("kind, seed", [("idr1", 3), ("idr2", 1)])
def test_idr_imax_estimate_and_ci_stay_inside_0_1(kind, seed):
    data, ex, closed, truth, y = _constant_exposure_idr(kind, seed)
    f = fit_pd(data, kind, exposure=ex, fixed={"hill": 1.0})
    x, cov, m2ll, df = _reference(closed, truth, y)
    q = stats.t.ppf(0.975, df)
    s = f.summary.set_index("parameter")
    # same optimum as the independent fit (ODE solved by kinetor at rtol 1e-7)
    assert s.loc["imax", "estimate"] == pytest.approx(expit(x[2]), rel=1e-5)
    assert s.loc["ic50", "estimate"] == pytest.approx(math.exp(x[3]), rel=1e-4)
    assert -2 * f.loglik_.iloc[0] == pytest.approx(m2ll, abs=1e-4)
    se_logit = math.sqrt(cov[2, 2])
    lo, hi = expit(x[2] - q * se_logit), expit(x[2] + q * se_logit)
    assert s.loc["imax", "ci_lower"] == pytest.approx(lo, rel=1e-3)
    assert s.loc["imax", "ci_upper"] == pytest.approx(hi, rel=1e-6)
    assert 0.0 < s.loc["imax", "ci_lower"] < s.loc["imax", "ci_upper"] < 1.0


def test_imax_at_one_is_not_converged_and_has_no_se():
    # complete inhibition, concentrations far above IC50: the likelihood rises toward
    # Imax = 1 (an independent fit with Imax free on [0, 1] ends at 1)
    conc = np.tile([0.0, 1, 3, 10, 30, 100, 300, 1000, 3000], 3)
    data = _imax_data(1.0, 2.0, seed=0, conc=conc)
    y = data["value"].to_numpy()

    def m2ll(imax):  # profile over e0 and ic50 with Imax held
        def model(x):
            return x[0] * (1.0 - imax * conc / (math.exp(x[1]) + conc))

        return _reference(model, [100.0, math.log(10.0)], y)[2]

    assert m2ll(1.0) < m2ll(0.999) < m2ll(0.99)  # the optimum is the bound itself
    f = fit_pd(data, "imax", fixed={"hill": 1.0})
    s = f.summary.set_index("parameter")
    assert 1.0 - 1.01e-6 < s.loc["imax", "estimate"] < 1.0
    assert -2 * f.loglik_.iloc[0] == pytest.approx(m2ll(1.0), abs=1e-3)
    assert not bool(f.converged_.iloc[0])
    why = f.convergence_reason_.iloc[0]
    assert "imax at its upper bound" in why and "--fix imax=1" in why
    assert s.loc["imax", ["se", "rse_pct", "ci_lower", "ci_upper"]].isna().all()


def test_imax_not_determined_by_the_data_is_not_converged():
    # 8 noisy points: Imax near 1 but the likelihood hardly falls toward 1 (the estimate
    # stalls short of the bound, SE of logit(Imax) > 2); the log-scale SE looked small
    conc = np.tile([0.0, 10.0, 30.0, 100.0], 2)
    data = _imax_data(0.95, 4.0, seed=2, conc=conc)
    f = fit_pd(data, "imax", fixed={"hill": 1.0})
    y = data["value"].to_numpy()

    def model(x):
        return x[0] * (1.0 - expit(x[1]) * conc / (math.exp(x[2]) + conc))

    _, cov, m2ll, _ = _reference(model, [100.0, logit(0.8), math.log(10.0)], y)
    assert math.sqrt(cov[1, 1]) > 2.0
    assert -2 * f.loglik_.iloc[0] == pytest.approx(m2ll, abs=1e-4)
    assert not bool(f.converged_.iloc[0])
    assert "imax not determined: SE of its logit" in f.convergence_reason_.iloc[0]


def test_start_and_fixed_values_of_a_fraction_are_checked():
    data = _imax_data(0.8, 3.0, seed=2)
    with pytest.raises(ModelError, match=r"init imax = 1.0 must be > 0 and < 1"):
        fit_pd(data, "imax", init={"imax": 1.0}, fixed={"hill": 1.0})
    with pytest.raises(ModelError, match=r"fixed imax = 1.5 must be >= 0 and <= 1"):
        fit_pd(data, "imax", fixed={"imax": 1.5, "hill": 1.0})
    with pytest.raises(ModelError, match="must be <= 1"):
        Imax(e0=100.0, imax=1.5, ic50=10.0)
    f = fit_pd(data, "imax", fixed={"imax": 1.0, "hill": 1.0})  # complete inhibition
    assert f.params_["imax"].iloc[0] == 1.0


# -- the combined error model from the command line -------------------------------------


def test_cli_combined_error_end_to_end(tmp_path, capsys):
    rng = np.random.default_rng(11)
    conc = np.repeat([0.0, 0.5, 1, 2, 5, 10, 20, 50, 100, 300], 20)
    f = 5.0 + 80.0 * conc / (10.0 + conc)
    a, b = 1.0, 0.10
    y = f + rng.normal(0.0, 1.0, conc.size) * np.sqrt(a**2 + (b * f) ** 2)
    path = tmp_path / "emax.csv"
    pd.DataFrame({"animal": "a", "conc": conc, "value": y}).to_csv(path, index=False)
    capsys.readouterr()
    argv = ["--json", "pd", "fit", str(path), "--model", "emax", "--error", "combined"]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 0
    res = json.loads(capsys.readouterr().out)
    est = {p["parameter"]: p["estimate"] for p in res["parameters"]}
    assert est["sigma_add"] == pytest.approx(a, rel=0.3)
    assert est["sigma_prop"] == pytest.approx(b, rel=0.2)
    assert res["statistics"][0]["converged"]

    def m2ll(x):  # e0, emax, ln ec50, ln a, ln b
        fp = x[0] + x[1] * conc / (math.exp(x[2]) + conc)
        v = math.exp(2 * x[3]) + math.exp(2 * x[4]) * fp**2
        return float(np.sum(np.log(2 * math.pi * v) + (y - fp) ** 2 / v))

    at = [est["e0"], est["emax"], math.log(est["ec50"]), math.log(est["sigma_add"])]
    at.append(math.log(est["sigma_prop"]))
    reported = -2 * res["statistics"][0]["loglik"]
    assert reported == pytest.approx(m2ll(at), rel=1e-9)  # the same likelihood
    opt = minimize(
        m2ll,
        [5.0, 80.0, math.log(10.0), 0.0, math.log(0.1)],
        method="Nelder-Mead",
        options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 40000, "maxfev": 80000},
    )
    # the fitter's generalised-least-squares estimate sits within 0.1 of the exact ML
    # optimum (Davidian & Giltinan 1995: GLS is not ML for a variance that depends on f)
    assert opt.fun - 1e-6 <= reported < opt.fun + 0.1


def test_cli_error_option_names_the_four_models(tmp_path, capsys):
    path = tmp_path / "d.csv"
    _imax_data(0.8, 3.0, seed=2).to_csv(path, index=False)
    argv = ["pd", "fit", str(path), "--model", "emax", "--error", "poisson"]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "--error" in err
    assert all(m in err for m in ("additive", "proportional", "combined", "log"))
    assert main(["pd", "fit", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert "proportional, combined" in out
