"""Fixes from the third popfit audit: BLQ samples in the VPC (Bergstrand & Karlsson 2009),
an all-BLQ data set, covariates kept in the concentration table (NONMEM files), the
study's notes in the CLI and the report, prediction 0 in the pcVPC, a flip-flop optimum,
``--eta ""`` and fits of very few subjects."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
from conftest import FIXTURES, oral_1cmt

from kinetor.cli.main import main
from kinetor.data import Study, read_study
from kinetor.errors import DataError
from kinetor.popfit import PopModel, popfit, vpc
from kinetor.popfit._data import build_data
from kinetor.popfit._design import initial_estimates

UNITS = {"time": "h", "conc": "mg/L", "dose": "mg"}
TIMES = np.array([0.0, 0.5, 1, 2, 4, 8, 12, 24, 36])
LLOQ = 1.0
DOSE = 300.0


def _blq_study(seed=11, n=16, ka=1.2, cl=2.0, v=30.0, times=TIMES, lloq=LLOQ) -> Study:
    """1-cmt oral, 15 % proportional error, samples below ``lloq`` flagged BLQ (late ones:
    C(36 h) = 300/30 e^{-2.4} ~ 0.9 mg/L, about half BLQ)."""
    rng = np.random.default_rng(seed)
    eta = rng.normal(0.0, np.sqrt([0.09, 0.04, 0.16]), size=(n, 3))
    p = np.array([cl, v, ka]) * np.exp(eta)
    c = oral_1cmt(DOSE, p[:, :1], p[:, 1:2], p[:, 2:], times[None])
    y = c * (1 + 0.15 * rng.standard_normal(c.shape))
    ids = np.array([f"S{i:02d}" for i in range(n)])
    conc = pd.DataFrame(
        {"subject": np.repeat(ids, times.size), "time": np.tile(times, n), "conc": y.ravel()}
    )
    conc["blq"] = conc["conc"] < lloq
    conc["lloq"] = lloq
    conc.loc[conc["blq"], "conc"] = np.nan
    doses = pd.DataFrame({"subject": ids, "time": 0.0, "dose": DOSE, "route": "extravascular"})
    return Study(conc, doses, units=UNITS)


@pytest.fixture(scope="module")
def blq_fit():
    st = _blq_study()
    return st, popfit(st, "1cmt-oral", error="proportional", npde=False, cov_method="none")


def _independent_sims(fit, n_rep, seed):
    """Replicates of the design from the fit's reported estimates, by the closed form."""
    rng = np.random.default_rng(seed)
    th = fit.theta.set_index("parameter")["estimate"]
    om = fit.omega.loc[["cl", "v", "ka"], ["cl", "v", "ka"]].to_numpy()
    prop = float(fit.sigma.set_index("parameter").loc["prop_sd", "estimate"])
    S = fit.n_subjects
    eta = rng.multivariate_normal(np.zeros(3), om, size=(n_rep, S))
    p = np.array([th["cl"], th["v"], th["ka"]]) * np.exp(eta)  # (n, S, 3)
    c = oral_1cmt(DOSE, p[..., :1], p[..., 1:2], p[..., 2:], TIMES[None, None])
    return c * (1 + prop * rng.standard_normal(c.shape))  # (n, S, T)


def _quantile_cens(x, q, lloq):
    """R vpc's quantile_cens: censored values -> -inf, quantile (type 7), -inf -> NaN."""
    x = np.sort(np.where(x < lloq, -np.inf, x))
    h = (x.size - 1) * q
    lo = int(np.floor(h))
    if np.isneginf(x[lo]):
        return np.nan
    return x[lo] + (h - lo) * (x[min(lo + 1, x.size - 1)] - x[lo])


# ------------------------------------------------------------------ A1: BLQ in the VPC
def test_vpc_censors_simulations_as_the_observations_and_reports_the_blq_fraction(blq_fit):
    st, fit = blq_fit
    edges = np.array([0.25, 1.5, 6, 18, 30, 40])  # one bin per 2 sampling times (0 h left out)
    v = vpc(fit, n=400, bins=edges, seed=3).table.set_index("bin")
    c = st.conc[st.conc["time"] > 0.25]
    b = np.searchsorted(edges, c["time"], side="right") - 1
    # observed counts and BLQ fraction by hand
    for k in range(5):
        assert v.loc[k, "n_obs"] == (b == k).sum()
        assert v.loc[k, "n_blq"] == c["blq"][b == k].sum()
        assert v.loc[k, "obs_blq_frac"] == pytest.approx(c["blq"][b == k].mean())
    # independent simulation from the reported estimates, censored at the LLOQ
    ys = _independent_sims(fit, 2000, seed=7)
    tb = np.searchsorted(edges, TIMES, side="right") - 1
    last = ys[:, :, tb == 4].reshape(2000, -1)  # the 24 and 36 h samples
    frac = (last < LLOQ).mean(1)
    assert 0.15 < np.median(frac) < 0.6  # the design puts the late bin's 5th pct below LLOQ
    assert v.loc[4, "sim_blq_frac"] == pytest.approx(np.median(frac), abs=0.04)
    assert v.loc[4, "sim_blq_frac_low"] == pytest.approx(np.quantile(frac, 0.025), abs=0.05)
    assert v.loc[4, "sim_blq_frac_high"] == pytest.approx(np.quantile(frac, 0.975), abs=0.05)
    # every replicate's 5th percentile of the late bin is censored: reported as such, a
    # number computed from censored values is not
    p5 = np.array([_quantile_cens(r, 0.05, LLOQ) for r in last])
    assert np.isnan(p5).mean() > 0.99
    assert np.isnan(v.loc[4, "sim_5"]) and v.loc[4, "sim_5_blq"] and v.loc[4, "sim_5_high_blq"]
    assert np.isnan(v.loc[4, "obs_5"]) and v.loc[4, "obs_5_blq"]  # observed: > 5 % BLQ
    # where nothing is censored the percentiles are the plain ones (Monte Carlo: 5 %)
    early = ys[:, :, tb == 1].reshape(2000, -1)
    assert (early < LLOQ).mean() == 0
    med = np.median([_quantile_cens(r, 0.5, LLOQ) for r in early])
    assert v.loc[1, "sim_50"] == pytest.approx(med, rel=0.05)
    assert not v.loc[1, ["obs_5_blq", "sim_5_blq", "sim_5_low_blq"]].any()


def test_vpc_of_the_true_model_has_no_misfit_at_the_5th_percentile(blq_fit):
    """Data simulated from the model: the observed 5th percentile lies in the simulated
    interval wherever both are quantified (the audit's 1.20 against 0.35-0.77 was the
    uncensored simulations)."""
    _, fit = blq_fit
    t = vpc(fit, n=300, bins=5, seed=1).table
    for _, r in t.iterrows():
        for q in ("5", "50", "95"):
            if r[f"obs_{q}_blq"] or r[f"sim_{q}_low_blq"]:
                continue
            assert r[f"sim_{q}_low"] * 0.9 <= r[f"obs_{q}"] <= r[f"sim_{q}_high"] * 1.1, (q, r)


# ------------------------------------------------------------------ A5: PRED 0 in the pcVPC
def test_pcvpc_leaves_out_samples_at_prediction_zero():
    # additive error keeps the 0 h samples (a proportional fit leaves them out before it)
    st = _blq_study(n=8, lloq=1e-3)
    fit = popfit(st, "1cmt-oral", npde=False, cov_method="none")
    edges = np.array([0.0, 0.75, 3, 10, 30, 40])  # bin 0: the 0 h and 0.5 h samples
    pc = vpc(fit, n=50, bins=edges, pred_corr=True, seed=2)
    assert len(pc.notes) == 1 and pc.notes[0].startswith("8 sample(s)")
    obs = pc.observed
    assert (obs["time"] > 0).all() and len(obs) == len(st.conc) - 8
    # corrected values of bin 0 by hand: DV x median(PRED of the bin) / PRED
    tab = fit.table[(fit.table["time"] == 0.5)]
    expected = tab["dv"] * np.median(tab["pred"]) / tab["pred"]
    got = obs[obs["bin"] == 0].sort_values("subject")["dv"].to_numpy()
    np.testing.assert_allclose(got, expected.to_numpy(), rtol=1e-9)
    assert pc.table.loc[0, "n_obs"] == 8


# ------------------------------------------------------------------ A2: all BLQ
def test_all_blq_data_is_a_data_error():
    st = _blq_study(n=4, lloq=1e6)
    assert st.conc["blq"].all()
    with pytest.raises(DataError) as err:
        popfit(st, "1cmt-oral", npde=False)
    p = err.value.problems[0]
    assert "no quantified observations" in p.message and p.column == "conc" and p.fix


def test_a_subject_with_only_blq_samples_gives_starts_without_warnings():
    st = _blq_study(n=4)
    c = st.conc.copy()
    one = c["subject"] == "S00"
    c.loc[one, "blq"], c.loc[one, "conc"] = True, np.nan
    data = build_data(Study(c, st.doses, units=UNITS))
    start = initial_estimates(PopModel("1cmt-oral"), data)  # warnings are errors here
    assert all(np.isfinite(v) and v > 0 for v in start.values())


def test_a_nan_estimate_is_never_converged(blq_fit):
    _, fit = blq_fit
    assert fit.converged
    sigma = fit.sigma.assign(estimate=np.nan)
    bad = dataclasses.replace(fit, sigma=sigma)
    assert not bad.converged and "not a finite number" in bad.reason


# ------------------------------------------------------------------ A3: covariates in conc
def _nonmem(tmp_path, age_change=False):
    rows = ["ID,TIME,DV,AMT,EVID,CMT,AGE"]
    rng = np.random.default_rng(4)
    for i in range(1, 7):
        age = 20 + 5 * i
        rows.append(f"{i},0,.,300,1,1,{age}")
        for j, t in enumerate(TIMES[1:]):
            y = oral_1cmt(DOSE, 2.0 * (age / 45) ** 0.5, 30.0, 1.2, t) * np.exp(rng.normal(0, 0.1))
            a = age + 1 if (age_change and i == 3 and j >= 4) else age
            rows.append(f"{i},{t},{y:.5g},.,0,2,{a}")
    f = tmp_path / "age.csv"
    f.write_text("\n".join(rows) + "\n")
    return f


def test_covariate_from_the_concentration_table_any_case(tmp_path):
    st = read_study(_nonmem(tmp_path), units=UNITS)
    assert "AGE" in st.conc.columns and "AGE" not in st.subjects.columns
    for name in ("age", "AGE"):
        data = build_data(st, covariates=(name,))
        got = pd.to_numeric(data.covariates[name]).to_numpy()
        np.testing.assert_array_equal(got, [25, 30, 35, 40, 45, 50])


def test_covariate_changing_within_a_subject_names_subject_and_rows(tmp_path):
    st = read_study(_nonmem(tmp_path, age_change=True), units=UNITS)
    with pytest.raises(DataError) as err:
        build_data(st, covariates=("age",))
    (p,) = err.value.problems
    # file lines: header 1, then 9 records per subject (a dose, 8 samples): subject 3's
    # dose on line 20, its samples on lines 21-28; the 5th sample (line 25) has AGE 36
    assert "subject 3" in p.message and "changes within the subject" in p.message
    assert p.row == 25 and p.column == "AGE" and p.file.endswith("age.csv")
    assert "35 (row 21)" in p.message and "36 (row 25)" in p.message


def test_unknown_covariate_lists_both_tables(tmp_path):
    st = read_study(_nonmem(tmp_path), units=UNITS)
    with pytest.raises(DataError) as err:
        build_data(st, covariates=("crcl",))
    assert "AGE" in err.value.problems[0].fix and "weight" in err.value.problems[0].fix


# ------------------------------------------------------------------ A4: the study's notes
def test_cli_prints_the_studys_notes_and_puts_them_in_the_report(tmp_path, capsys):
    text = (FIXTURES / "theoph.csv").read_text().splitlines()
    rows = [text[0]] + [
        r.replace(",79.6", ",81.0") if r.startswith("1,") and i % 2 else r
        for i, r in enumerate(text[1:])
    ]
    f = tmp_path / "wt_tv.csv"
    f.write_text("\n".join(rows) + "\n")
    out = tmp_path / "pf"
    args = ["popfit", str(f), "--time-unit", "h", "--conc-unit", "mg/L", "--dose-unit", "mg"]
    args += ["--weight-unit", "kg", "--covariate", "cl~weight", "--vpc", "0", "--cov", "none"]
    assert main([*args, "--out", str(out)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "note: weight: 1 subject(s) have several values; the first is used" in printed
    notes = json.loads((out / "methods.json").read_text())["Notes"]
    assert any("the first is used" in n for n in notes)
    assert "the first is used" in (out / "report.html").read_text()


# ------------------------------------------------------------------ A6: flip-flop
def test_flip_flop_optimum_gets_a_note():
    # true ka 0.05 < k = CL/V = 0.2: the data themselves are flip-flop
    st = _blq_study(n=10, ka=0.05, cl=2.0, v=10.0, lloq=1e-3)
    fit = popfit(
        st,
        "1cmt-oral",
        eta=["cl", "v"],
        error="proportional",
        npde=False,
        cov_method="none",
        init={"ka": 0.05, "cl": 2.0, "v": 10.0},
    )
    th = fit.theta.set_index("parameter")["estimate"]
    assert th["ka"] < th["cl"] / th["v"]  # by hand: k = CL/V
    (note,) = [n for n in fit.notes if n.startswith("flip-flop")]
    assert f"{th['cl'] / th['v']:.4g}" in note and "other starts" in note


def test_two_compartment_elimination_rate_is_the_terminal_eigenvalue():
    from kinetor.popfit._notes import elimination_rate

    m = PopModel("2cmt-oral")
    p = {"cl": 3.0, "v1": 20.0, "q": 5.0, "v2": 40.0, "ka": 1.0}
    k10, k12, k21 = 3 / 20, 5 / 20, 5 / 40
    rates = -np.linalg.eigvals(np.array([[-(k10 + k12), k21], [k12, -k21]]))
    assert elimination_rate(m, p) == pytest.approx(rates.min(), rel=1e-12)


# ------------------------------------------------------------------ A7: --eta "", few subjects
def test_empty_eta_is_a_usage_error(tmp_path, capsys):
    args = ["popfit", str(FIXTURES / "theoph.csv"), "--time-unit", "h", "--conc-unit"]
    args += ["mg/L", "--dose-unit", "mg", "--eta", "", "--out", str(tmp_path / "pf")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "--eta" in err and not (tmp_path / "pf").exists()


def test_two_subject_fit_says_omegas_are_not_identifiable():
    fit = popfit(_blq_study(n=2), "1cmt-oral", error="proportional", npde=False, cov_method="none")
    (note,) = [n for n in fit.notes if n.startswith("only 2 subject(s)")]
    assert "not identifiable" in note
