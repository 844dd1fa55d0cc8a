"""FDA RSABE (progesterone draft guidance, 2011): EMA data set I against published results,
the s_WR switch, the point-estimate constraint, hand-computed statistics and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import kinetor as kt
from kinetor.cli.main import main
from kinetor.errors import ModelError

FIX = Path(__file__).parent / "fixtures"


def test_ema_data_set_I_published_rsabe():
    # H. Schuetz, BEBAC forum entry 23662 (Phoenix WinNonlin, "cross-validated with SAS"),
    # FDA RSABE of EMA data set I: sWR 0.44645, CVwR 46.96 %, PE 115.46 %,
    # 90 % CI 106.39-125.31 %, critbound -0.09208, bioequivalent
    r = kt.be(FIX / "ema_ds01.csv", metrics=["PK"], rsabe=True).table.iloc[0]
    assert r["method"] == "RSABE (FDA)" and r["bioequivalent"]
    assert r["s_wr"] == pytest.approx(0.44645, abs=5e-6)
    assert r["cv_wr_pct"] == pytest.approx(46.96, abs=0.005)
    assert r["ratio_pct"] == pytest.approx(115.46, abs=0.005)
    assert r["ci_low_pct"] == pytest.approx(106.39, abs=0.005)
    assert r["ci_high_pct"] == pytest.approx(125.31, abs=0.005)
    assert r["rsabe_bound"] == pytest.approx(-0.09208, abs=5e-6)
    assert np.isnan(r["lower_limit_pct"]) and np.isnan(r["p_tost_lower"])


def _full_replicate(n_per_seq, mu_t, mu_r, e_r, e_t, sequences=("TRTR", "RTRT")):
    rows, sid = [], 0
    for seq in sequences:
        for i in range(n_per_seq):
            sid += 1
            sign = 1 if i % 2 == 0 else -1
            k = {"T": 0, "R": 0}
            for p, trt in enumerate(seq, start=1):
                mu, e = (mu_t, e_t) if trt == "T" else (mu_r, e_r)
                dev = e * sign * (1 if k[trt] == 0 else -1)
                k[trt] += 1
                rows.append(
                    {
                        "subject": sid,
                        "period": p,
                        "sequence": seq,
                        "treatment": trt,
                        "AUC": float(np.exp(mu + dev)),
                    }
                )
    return pd.DataFrame(rows)


def test_hand_computed_swr_and_bound():
    # each subject's R1 - R2 = +-2 e_R: the ANOVA on sequence leaves MS = 4 e_R^2 * n/(n-1)
    # per sequence pooled, s2_WR = MS/2; T - R contrasts are all exactly ln(1.1)
    n, er = 10, 0.35
    d = _full_replicate(n, np.log(1.1), 0.0, er, er)
    r = kt.be(d, metrics=["AUC"], rsabe=True).table.iloc[0]
    dl = np.array([2 * er if i % 2 == 0 else -2 * er for i in range(n)])
    ms = 2 * ((dl - dl.mean()) ** 2).sum() / (2 * n - 2)
    assert r["s_wr"] == pytest.approx(np.sqrt(ms / 2), rel=1e-12)
    # the contrasts have no spread: SE 0, so the bound is the criterion plus the chi-square
    # part alone: D^2 - theta s2 + theta s2 (1 - df/chi2_0.95(df))
    theta = (np.log(1.25) / 0.25) ** 2
    s2, df = ms / 2, 2 * n - 2
    crit = np.log(1.1) ** 2 - theta * s2
    bound = crit + theta * s2 * (1 - df / stats.chi2.ppf(0.95, df))
    assert r["rsabe_criterion"] == pytest.approx(crit, abs=1e-12)
    assert r["rsabe_bound"] == pytest.approx(bound, abs=1e-12)
    assert r["ratio_pct"] == pytest.approx(110.0, rel=1e-12)


def test_low_variability_falls_back_to_abe():
    d = _full_replicate(10, np.log(1.05), 0.0, 0.1, 0.1)
    r = kt.be(d, metrics=["AUC"], rsabe=True).table.iloc[0]
    assert r["s_wr"] < 0.294 and r["method"] == "ABE (sWR < 0.294)"
    assert (r["lower_limit_pct"], r["upper_limit_pct"]) == (80.0, 125.0)


def test_point_estimate_constraint():
    # sWR ~ 0.8: the criterion passes for a GMR of 130 %, the 80-125 % constraint does not
    d = _full_replicate(40, np.log(1.30), 0.0, 0.8, 0.8)
    r = kt.be(d, metrics=["AUC"], rsabe=True).table.iloc[0]
    assert r["method"] == "RSABE (FDA)" and r["rsabe_bound"] < 0
    assert r["ratio_pct"] == pytest.approx(130.0, rel=1e-9)
    assert not r["bioequivalent"]


def test_rsabe_needs_a_replicate_design_and_excludes_abel(tmp_path, capsys):
    d = _full_replicate(6, 0.0, 0.0, 0.3, 0.3, sequences=("TR", "RT"))
    with pytest.raises(ModelError, match="replicate"):
        kt.be(d, metrics=["AUC"], rsabe=True)
    with pytest.raises(ModelError, match="ABEL"):
        kt.be(FIX / "ema_ds01.csv", metrics=["PK"], rsabe=True, abel=True)
    code = main(
        ["be", str(FIX / "ema_ds01.csv"), "--abel", "--rsabe", "--out", str(tmp_path / "o")]
    )
    assert code == 2 and "--rsabe" in capsys.readouterr().err


def test_cli_rsabe(tmp_path):
    out = tmp_path / "o"
    assert (
        main(
            [
                "--quiet",
                "be",
                str(FIX / "ema_ds01.csv"),
                "--metric",
                "PK",
                "--rsabe",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    t = pd.read_csv(out / "be.csv")
    assert t.loc[0, "method"] == "RSABE (FDA)"
    assert t.loc[0, "rsabe_bound"] == pytest.approx(-0.09208, abs=5e-6)
