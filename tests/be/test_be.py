"""Tests of kinetor.be: EMA reference data sets, 2x2 and parallel by hand, TOST power,
dose proportionality, bad input and the CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from be_designs import two_by_two
from scipy import stats

import kinetor as kt
from kinetor.be import be, dose_proportionality, power_tost, sample_size_tost
from kinetor.errors import DataError, ModelError

FIX = Path(__file__).parent / "fixtures"


# ------------------------------------------------------------------ EMA reference data
def test_ema_data_set_I_method_a_abel():
    # replicateBE documentation of rds01 (EMA Q&A data set I, SAS v9.1, Method A):
    # CVwR 47.0 %, PE 115.66 %, 90 % CI 107.11-124.89 % (status: firm, read in man/TRTR.RTRT.Rd)
    res = kt.be(FIX / "ema_ds01.csv", metrics=["PK"], abel=True).table.iloc[0]
    assert res["design"] == "replicate" and res["n_subjects"] == 77
    assert res["ratio_pct"] == pytest.approx(115.66, abs=0.005)
    assert res["ci_low_pct"] == pytest.approx(107.11, abs=0.005)
    assert res["ci_high_pct"] == pytest.approx(124.89, abs=0.005)
    assert res["cv_wr_pct"] == pytest.approx(47.0, abs=0.05)
    # widened limits from CVwR: exp(-/+ 0.760 * sqrt(log(1 + CVwR^2)))
    swr = np.sqrt(np.log1p((res["cv_wr_pct"] / 100) ** 2))
    assert res["lower_limit_pct"] == pytest.approx(100 * np.exp(-0.76 * swr), rel=1e-12)
    assert res["lower_limit_pct"] == pytest.approx(71.23, abs=0.01)
    assert res["method"] == "ABEL (EMA)" and res["bioequivalent"]


def test_ema_data_set_II_partial_replicate():
    # replicateBE rds02 (EMA data set II, SAS Proc GLM): CVwR 11.2 %, PE 102.26 %,
    # 90 % CI 97.32-107.46 % (status: firm, read in man/TRR.RTR.RRT.Rd)
    res = be(FIX / "ema_ds02.csv", abel=True).table.iloc[0]
    assert res["ratio_pct"] == pytest.approx(102.26, abs=0.005)
    assert res["ci_low_pct"] == pytest.approx(97.32, abs=0.005)
    assert res["ci_high_pct"] == pytest.approx(107.46, abs=0.005)
    assert res["cv_wr_pct"] == pytest.approx(11.2, abs=0.05)
    assert res["method"].startswith("ABE") and res["lower_limit_pct"] == pytest.approx(80.0)


# ------------------------------------------------------------------ hand calculations
def _two_by_two(seed=3, n=12):
    return two_by_two(n, seed, effect=0.05, period=0.02)


def test_two_by_two_matches_period_difference_formula():
    d = _two_by_two()
    wide = d.pivot(index="subject", columns="period", values="AUC")
    seq = d.groupby("subject")["sequence"].first()
    half = (np.log(wide[2]) - np.log(wide[1])) / 2
    tr, rt = half[seq == "TR"], half[seq == "RT"]
    diff = rt.mean() - tr.mean()
    s2 = (((tr - tr.mean()) ** 2).sum() + ((rt - rt.mean()) ** 2).sum()) / (len(d) // 2 - 2)
    se = np.sqrt(s2 * (1 / len(tr) + 1 / len(rt)))
    t = stats.t.ppf(0.95, len(d) // 2 - 2)
    res = be(d).table.iloc[0]
    assert res["design"] == "crossover"
    assert res["ratio_pct"] == pytest.approx(100 * np.exp(diff), rel=1e-10)
    assert res["ci_low_pct"] == pytest.approx(100 * np.exp(diff - t * se), rel=1e-10)
    assert res["ci_high_pct"] == pytest.approx(100 * np.exp(diff + t * se), rel=1e-10)
    p_low = 1 - stats.t.cdf((diff - np.log(0.8)) / se, len(d) // 2 - 2)
    assert res["p_tost_lower"] == pytest.approx(p_low, rel=1e-8)


def test_parallel_matches_pooled_t():
    rng = np.random.default_rng(5)
    t_vals, r_vals = np.exp(rng.normal(4.1, 0.3, 10)), np.exp(rng.normal(4.0, 0.3, 12))
    d = pd.DataFrame(
        {
            "subject": np.arange(22),
            "treatment": ["T"] * 10 + ["R"] * 12,
            "CMAX": np.concatenate([t_vals, r_vals]),
        }
    )
    res = be(d).table.iloc[0]
    lt, lr = np.log(t_vals), np.log(r_vals)
    s2 = (lt.var(ddof=1) * 9 + lr.var(ddof=1) * 11) / 20
    se = np.sqrt(s2 * (1 / 10 + 1 / 12))
    diff = lt.mean() - lr.mean()
    assert res["design"] == "parallel"
    assert res["ratio_pct"] == pytest.approx(100 * np.exp(diff), rel=1e-10)
    assert res["ci_high_pct"] == pytest.approx(
        100 * np.exp(diff + stats.t.ppf(0.95, 20) * se), rel=1e-10
    )


# ------------------------------------------------------------------ power
def test_power_and_sample_size_match_powertost():
    # PowerTOST: power.TOST(CV = 0.3, n = 40) "should give: [1] 0.8158453" (exppower.TOST
    # examples); sampleN.TOST(CV = 0.30) -> 40 (status: firm)
    assert power_tost(0.30, 40) == pytest.approx(0.8158453, abs=1e-7)
    n, p = sample_size_tost(0.30)
    assert n == 40 and p >= 0.8 > power_tost(0.30, 38)


def test_power_limits():
    assert power_tost(0.05, 48) > 0.999
    # true ratio at the limit: power is at most alpha
    assert power_tost(0.3, 200, theta0=0.8) <= 0.05 + 1e-6
    with pytest.raises(ModelError):
        power_tost(0.3, 10, design="5x5")  # not a PowerTOST design


# ------------------------------------------------------------------ dose proportionality
def test_dose_proportionality_by_hand():
    d = pd.DataFrame(
        {
            "dose": [1, 1, 1, 3, 3, 3, 10, 10, 10],
            "AUC": [10.2, 9.1, 11.0, 28.0, 33.1, 30.2, 95.0, 110.0, 101.0],
        }
    )
    res = dose_proportionality(d).table.iloc[0]
    lr = stats.linregress(np.log(d["dose"]), np.log(d["AUC"]))
    t = stats.t.ppf(0.95, 7)
    assert res["slope"] == pytest.approx(lr.slope, rel=1e-12)
    assert res["slope_ci_low"] == pytest.approx(lr.slope - t * lr.stderr, rel=1e-12)
    # Smith et al. (2000): r = 10 -> 1 + ln(0.8)/ln(10) = 0.90309, 1 + ln(1.25)/ln(10) = 1.09691
    assert res["accept_low"] == pytest.approx(0.90309, abs=1e-5)
    assert res["accept_high"] == pytest.approx(1.09691, abs=1e-5)
    assert res["ratio_dn"] == pytest.approx(10 ** (lr.slope - 1), rel=1e-12)
    assert res["proportional"] == bool(
        res["slope_ci_low"] >= 0.90309 and res["slope_ci_high"] <= 1.09691
    )
    assert np.isfinite(res["anova_p"])


def test_dose_proportionality_exact_power_law():
    d = pd.DataFrame(
        {
            "dose": [1.0, 2.0, 5.0, 10.0, 20.0],
            "CMAX": 3.0 * np.array([1.0, 2.0, 5.0, 10.0, 20.0]) ** 0.8,
        }
    )
    d.loc[0, "CMAX"] *= 1.0 + 1e-9  # keep a residual variance
    res = kt.dose_proportionality(d).table.iloc[0]
    assert res["slope"] == pytest.approx(0.8, abs=1e-6)
    assert not res["proportional"]


# ------------------------------------------------------------------ bad input, CLI
def test_bad_input_is_named():
    d = _two_by_two()
    d.loc[3, "AUC"] = -1.0
    with pytest.raises(DataError, match=r"AUC = -1\.0 must be > 0"):
        be(d)
    d = _two_by_two()
    d.loc[0, "treatment"] = "X"
    with pytest.raises(DataError, match="neither test"):
        be(d)
    with pytest.raises(ModelError, match="replicate"):
        be(_two_by_two(), abel=True)


def test_cli_be_and_friends(tmp_path):
    from typer.testing import CliRunner

    from kinetor.cli.main import app

    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "be",
            str(FIX / "ema_ds02.csv"),
            "--metric",
            "PK",
            "--abel",
            "--out",
            str(tmp_path / "be"),
        ],
    )
    assert res.exit_code == 0, res.output
    out = pd.read_csv(tmp_path / "be" / "be.csv")
    assert out.loc[0, "ratio_pct"] == pytest.approx(102.26, abs=0.005)
    assert (tmp_path / "be" / "be_forest.png").exists()
    res = runner.invoke(app, ["be-size", "--cv", "0.3"])
    assert res.exit_code == 0 and "n = 40" in res.output
    csv = tmp_path / "dp.csv"
    pd.DataFrame({"dose": [1, 1, 10, 10], "AUC": [10.0, 11.0, 99.0, 104.0]}).to_csv(
        csv, index=False
    )
    res = runner.invoke(app, ["dose-prop", str(csv), "--out", str(tmp_path / "dp")])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "dp" / "dose_proportionality.png").exists()


def test_bad_value_row_counts_comment_lines(tmp_path):
    text = (FIX / "ema_ds02.csv").read_text().splitlines()
    header = next(i for i, line in enumerate(text) if not line.startswith("#"))
    text[header + 7] = text[header + 7].replace("3464.4", "0")  # subject 3 period 1
    bad = tmp_path / "bad.csv"
    bad.write_text("\n".join(text) + "\n")
    with pytest.raises(DataError) as err:
        be(bad, metrics=["PK"])
    assert err.value.problems[0].row == header + 8  # 1-based line of that row in the file
