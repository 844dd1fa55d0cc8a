"""Cell-based assay fixes: no estimates from a dose-response curve with too few doses,
bootstrap intervals of the synergy summaries over the point estimate's cells, MuSyC
potency/cooperativity shifts of a matrix with an inactive drug, and a Hill inverse that
overflows to inf without a warning. Expected values come from hand arithmetic, closed
forms, planted truths or an independent scipy computation in the test."""

import warnings

import numpy as np
import pandas as pd
import pytest

from kinetor.assays import DoseResponseFit, fit_musyc, synergy
from kinetor.assays._reference import hill_inverse
from kinetor.assays.plots import plot_curves
from kinetor.cli.main import main

# -- too_few_doses: no estimates at all ---------------------------------------------------

TWO_DOSES = pd.DataFrame(
    {
        "compound": ["cmpdA"] * 6 + ["cmpdB"] * 6,
        "conc": [0.01, 0.03] * 6,
        "viability": [
            *(95.86, 89.71, 97.26, 90.61, 93.84, 93.1),
            *(102.19, 98.07, 103.5, 99.8, 102.25, 99.23),
        ],
    }
)
ESTIMATES = ["bottom", "top", "log_ic50", "hill", "bottom_se", "top_se", "log_ic50_se"]
ESTIMATES += ["hill_se", "ic50", "ic50_ci_low", "ic50_ci_high", "abs_ic50", "r2", "p_flat"]


def test_two_doses_any_hill_slope_fits_equally_well():
    # the independent reason for "no estimate": with 2 doses, a 4PL with any Hill slope
    # and log IC50 (fixed) reaches, by linear least squares in bottom and top, the same
    # SSE, the within-dose sum of squares (by hand for cmpdA: means 95.6533 and 91.14;
    # SS 5.9123 + 6.1674 = 12.0797)
    s = TWO_DOSES[TWO_DOSES["compound"] == "cmpdA"]
    x, y = s["conc"].to_numpy(), s["viability"].to_numpy()
    for h, c in ((1.0, -1.7), (5.0, -1.7), (20.0, -1.75), (2.0, -3.0)):
        g = 1 / (1 + 10 ** (h * (np.log10(x) - c)))  # y = bottom (1 - g) + top g
        X = np.column_stack([1 - g, g])
        coef = np.linalg.lstsq(X, y, rcond=None)[0]
        assert ((X @ coef - y) ** 2).sum() == pytest.approx(12.079667, abs=1e-4)


def test_two_doses_report_no_estimates():
    fit = DoseResponseFit(dose_unit="uM").fit(
        TWO_DOSES, dose="conc", response="viability", by="compound"
    )
    r = fit.results_
    assert (r["status"] == "too_few_doses").all()
    assert r[ESTIMATES].isna().all().all()
    assert not r["converged"].any()
    assert r["reason"].str.startswith("2 distinct doses for 4 free parameters").all()
    assert r["reason"].str.contains("not identifiable").all()
    # the within-dose SS (by hand, cmpdA) is all that stays
    assert r["sse"].iat[0] == pytest.approx(12.079667, abs=1e-4)
    summ = fit.summary
    assert summ[["estimate", "se", "ci_lower", "ci_upper"]].isna().all().all()
    assert not summ["converged"].any()
    # the plot draws no curve and its title says why
    fig = plot_curves(fit, dose="conc", response="viability")
    ax = fig.axes[0]
    assert not ax.lines and "no estimate (too few doses)" in ax.get_title()


def test_three_doses_four_parameters_no_estimates_but_two_free_fit():
    # 3 doses x 3 replicates of 100 / (1 + x / 0.3) (+ a little noise): 4PL has 4 free
    # parameters > 3 doses; with top and bottom fixed, 2 free < 3 doses is a fit
    x = np.repeat([0.1, 1.0, 10.0], 3)
    y = 100 / (1 + x / 0.3) + np.tile([-1.0, 0.0, 1.0], 3)
    df = pd.DataFrame({"dose": x, "response": y})
    r = DoseResponseFit().fit(df).results_
    assert r["status"].item() == "too_few_doses" and not r["converged"].item()
    assert r[ESTIMATES].isna().all().all()
    r2 = DoseResponseFit(fix={"top": 100, "bottom": 0}).fit(df).results_
    assert r2["status"].item() == "ok" and r2["converged"].item()
    # the residuals are symmetric about the noiseless curve: IC50 0.3, Hill 1
    assert r2["ic50"].item() == pytest.approx(0.3, rel=1e-6)
    assert r2["hill"].item() == pytest.approx(1.0, rel=1e-6)


def test_cli_two_doses_console_and_table(tmp_path, capsys):
    f = tmp_path / "dr_twodoses.csv"
    TWO_DOSES.to_csv(f, index=False)
    out = tmp_path / "o"
    argv = ["assay", "dose-response", str(f), "--dose", "conc", "--response", "viability"]
    assert main([*argv, "--by", "compound", "--unit", "uM", "--out", str(out)]) == 0
    console = capsys.readouterr().out
    assert "2.788" not in console and "96.67" not in console  # the starting values
    res = pd.read_csv(out / "dose_response.csv")
    assert res[ESTIMATES].isna().all().all() and not res["converged"].any()


# -- synergy bootstrap: each resample over the point estimate's cells ----------------------


def _flat_drug2_matrix():
    """6 x 6 matrix, 2 replicate wells: drug 1 a Hill drug (C 0.3, h 1.2), drug 2 no effect
    (well SD 0.03)."""
    rng = np.random.default_rng(9)
    d1s, d2s = np.r_[0, 0.03 * 3 ** np.arange(5)], np.r_[0, 0.1 * 3 ** np.arange(5)]
    rows = []
    for x in d1s:
        for y in d2s:
            e = 1 / (1 + (x / 0.3) ** 1.2) if x > 0 else 1.0
            for _ in range(2):
                rows.append({"d1": x, "d2": y, "resp": 100 * (e + rng.normal(0, 0.03))})
    return pd.DataFrame(rows)


def test_loewe_ci_defined_nowhere_has_no_interval():
    # the combination effect is beyond drug 2's (flat) range in every cell: no CI, so no
    # interval either (before: [0.967, 135.3] from whichever cells a resample defined)
    s = synergy(
        _flat_drug2_matrix(),
        dose1="d1",
        dose2="d2",
        response="resp",
        methods=["loewe"],
        n_boot=100,
        seed=1,
    ).summary.set_index("method")
    ci = s.loc["loewe_ci"]
    assert ci["n_cells"] == 0 and np.isnan(ci["mean"]) and np.isnan(ci["msa"])
    assert ci[["mean_ci_low", "mean_ci_high", "msa_ci_low", "msa_ci_high"]].isna().all()
    assert s.loc["loewe", ["mean_ci_low", "mean_ci_high"]].notna().all()


def test_resamples_are_summarised_over_the_point_cells():
    # drug 1: E = 1 - 0.5 d/(d + 1) (at most 50 % effect); drug 2: E = 1/(1 + d);
    # Bliss-combined. The CI exists where E > 0.5: 7 cells (by hand). Their replicate
    # wells are equal, and so are the monotherapy wells; the 6 cells with 0.35 < E < 0.5
    # get wells E -/+ 0.15, so a resample drawing the upper well twice has E > 0.5 there
    # and a CI the data do not have. Over the point's 7 cells every resample is the data:
    # the interval is the point estimate itself.
    d = np.r_[0, 0.1, 0.3, 1, 3, 10]
    a, b = np.meshgrid(d, d, indexing="ij")
    e = (1 - 0.5 * a / (a + 1)) / (1 + b)
    spread = np.where((a > 0) & (b > 0) & (e > 0.35) & (e < 0.5), 0.15, 0.0)
    assert (spread > 0).sum() == 6  # 0.496, 0.481, 0.477, 0.442, 0.420, 0.375
    df = pd.concat(
        [
            pd.DataFrame({"a": a.ravel(), "b": b.ravel(), "v": 100 * (e + s * spread).ravel()})
            for s in (-1, 1)
        ]
    )
    res = synergy(df, dose1="a", dose2="b", response="v", methods=["loewe"], n_boot=200, seed=0)
    row = res.summary.set_index("method").loc["loewe_ci"]
    ok = e[1:, 1:] > 0.5
    E = e[1:, 1:][ok]
    ci = a[1:, 1:][ok] * (E - 0.5) / (1 - E) + b[1:, 1:][ok] * E / (1 - E)  # closed form
    gm = np.exp(np.log(ci).mean())
    assert row["n_cells"] == 7 and row["mean"] == pytest.approx(gm, rel=1e-4)
    assert row["mean_ci_low"] == pytest.approx(gm, rel=1e-4)
    assert row["mean_ci_high"] == pytest.approx(gm, rel=1e-4)
    assert row["msa_ci_low"] == pytest.approx(row["msa"], rel=1e-6)
    assert row["msa_ci_high"] == pytest.approx(row["msa"], rel=1e-6)


# -- MuSyC with an inactive drug ------------------------------------------------------------

SHIFTS = ["alpha12", "alpha21", "gamma12", "gamma21"]


def test_musyc_inactive_drug_shifts_not_identifiable():
    # drug 2 has no effect (planted): the synergy package returns its starting values
    # alpha = gamma = 1 as "converged" here; they are not estimates
    pars, cells = fit_musyc(_flat_drug2_matrix(), dose1="d1", dose2="d2", response="resp")
    p = pars.set_index("parameter")
    flagged = ["E2", "h2", "C2", *SHIFTS]
    assert p.loc[flagged, ["estimate", "ci_low", "ci_high"]].isna().all().all()
    assert not p.loc[flagged, "converged"].any()
    assert p.loc[flagged, "note"].str.startswith("not identifiable: drug 2 alone").all()
    # drug 1 (active, planted C 0.3, h 1.2) keeps its estimates
    assert p.loc[["E0", "E1", "h1", "C1"], "converged"].all()
    assert p.loc["C1", "estimate"] == pytest.approx(0.3, rel=0.2)
    assert not cells.empty


@pytest.mark.slow
def test_musyc_weak_but_active_drug_keeps_its_shifts():
    from synergy.combination import MuSyC

    # drug 2 with a 20 % effect (E2 0.8) is detectably active: nothing flagged
    ds = np.r_[0, 0.03 * 3 ** np.arange(6)]
    d1, d2 = (np.repeat(x.ravel(), 2) for x in np.meshgrid(ds, ds * 3, indexing="ij"))
    truth = MuSyC(
        E0=1, E1=0.1, E2=0.8, E3=0.05, h1=1.2, h2=1, C1=0.3, C2=1,
        alpha12=1, alpha21=1, gamma12=1, gamma21=1,
    )  # fmt: skip
    y = truth.E(d1, d2) + np.random.default_rng(2).normal(0, 0.02, d1.size)
    pars, _ = fit_musyc(
        pd.DataFrame({"a": d1, "b": d2, "r": y}),
        dose1="a",
        dose2="b",
        response="r",
        scale="fraction",
    )
    assert pars["converged"].all() and pars["estimate"].notna().all()


# -- the Hill inverse beyond the float range -----------------------------------------------


def test_hill_inverse_overflows_to_inf_quietly():
    # bottom 0, top 1, C 1, h 1e-3: D(0.001) = 999 ** 1000 = 10 ** 2999.6, beyond floats
    p = np.array([[0.0, 1.0, 0.0, 1e-3]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = hill_inverse(p[:, None, :], np.array([[0.001, 0.5]]))
    assert np.isposinf(d[0, 0]) and d[0, 1] == pytest.approx(1.0)


def test_synergy_with_a_flat_drug_no_runtime_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        s = synergy(
            _flat_drug2_matrix(), dose1="d1", dose2="d2", response="resp", n_boot=50, seed=1
        ).summary
    assert set(s["method"]) == {"bliss", "hsa", "loewe", "loewe_ci", "zip"}
