"""FDA method for narrow therapeutic index drugs (warfarin sodium draft guidance, 2012):
the scaled criterion with sigma_W0 = 0.10 applied whatever s_WR, the 90 % CI within
80-125 % and the upper 90 % limit of sigma_WT/sigma_WR <= 2.5. Expected values are hand
computations and a published limit (Phoenix WinNonlin, BEBAC forum)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from test_be_rsabe import _full_replicate

import kinetor as kt
from kinetor.be.rsabe import NTI_THETA, ratio_upper
from kinetor.cli.main import main
from kinetor.errors import ModelError

FIX = Path(__file__).parent / "fixtures"


def test_regulatory_constant():
    # (ln(1/0.9) / 0.10)^2 = (0.105360516 / 0.1)^2
    assert NTI_THETA == pytest.approx(1.1100838, abs=1e-7)


def test_ratio_limit_reproduces_published_value():
    # BEBAC forum entry 17739 (H. Schuetz, Phoenix WinNonlin 7.0, full precision): sWR
    # 0.124392768691665, sWT 0.0557209092013223, 16 df each; the 90 % CI of sWT/sWR has
    # upper limit 0.684266752752176 (F quantiles 2.33348362746764 and 0.428543825304327)
    up = ratio_upper(0.0557209092013223, 0.124392768691665, 16, 16, 0.05)
    assert up == pytest.approx(0.684266752752176, abs=1e-12)
    assert stats.f.ppf(0.05, 16, 16) == pytest.approx(0.428543825304327, abs=1e-12)


def _hand(n, e):
    """s_W of a full replicate from _full_replicate: each subject's first-minus-second
    difference is +-2e, mean 0 in each sequence; 2 sequences, df = 2n - 2."""
    d = np.array([2 * e if i % 2 == 0 else -2 * e for i in range(n)])
    ms = 2 * ((d - d.mean()) ** 2).sum() / (2 * n - 2)
    return np.sqrt(ms / 2), 2 * n - 2


def test_hand_computed_statistics():
    n, er, et, gmr = 10, 0.08, 0.05, 1.02
    d = _full_replicate(n, np.log(gmr), 0.0, er, et)
    r = kt.be(d, metrics=["AUC"], nti=True).table.iloc[0]
    swr, df = _hand(n, er)
    swt, _ = _hand(n, et)
    assert r["method"] == "NTI (FDA)"
    assert r["s_wr"] == pytest.approx(swr, rel=1e-12)
    assert r["s_wt"] == pytest.approx(swt, rel=1e-12)
    # T - R contrasts are exactly ln(1.02) (SE 0): the bound is the criterion plus the
    # chi-square part: D^2 - theta s2 + theta s2 (1 - df / chi2_0.95(df))
    theta = (np.log(1 / 0.9) / 0.1) ** 2
    crit = np.log(gmr) ** 2 - theta * swr**2
    bound = crit + theta * swr**2 * (1 - df / stats.chi2.ppf(0.95, df))
    assert r["rsabe_criterion"] == pytest.approx(crit, abs=1e-12)
    assert r["rsabe_bound"] == pytest.approx(bound, abs=1e-12)
    upper = swt / swr / np.sqrt(stats.f.ppf(0.05, df, df))
    assert r["swt_swr_upper"] == pytest.approx(upper, rel=1e-12)
    for col in ("ratio_pct", "ci_low_pct", "ci_high_pct"):
        assert r[col] == pytest.approx(100 * gmr, rel=1e-12)
    k = np.log(1 / 0.9) / 0.1 * swr  # the implied limits exp(+-k)
    assert r["lower_limit_pct"] == pytest.approx(100 * np.exp(-k), rel=1e-12)
    assert r["upper_limit_pct"] == pytest.approx(100 * np.exp(k), rel=1e-12)
    assert bound < 0 and upper < 2.5 and r["bioequivalent"]


def test_test_more_variable_than_reference_fails_on_the_ratio_alone():
    d = _full_replicate(10, np.log(1.02), 0.0, 0.08, 0.30)
    r = kt.be(d, metrics=["AUC"], nti=True).table.iloc[0]
    assert r["rsabe_bound"] < 0 and 80 <= r["ci_low_pct"] and r["ci_high_pct"] <= 125
    assert r["swt_swr_upper"] > 2.5 and not r["bioequivalent"]


def test_scaling_narrows_the_limits_below_sigma_w0():
    # s_WR ~ 0.03: the implied limits are ~96.9-103.2 %, so a GMR of 105 % fails although
    # its CI lies within 80-125 % (unlike RSABE, the NTI method has no switch to ABE)
    d = _full_replicate(10, np.log(1.05), 0.0, 0.02, 0.02)
    r = kt.be(d, metrics=["AUC"], nti=True).table.iloc[0]
    assert r["s_wr"] < 0.1 and r["upper_limit_pct"] < 104
    assert r["rsabe_bound"] > 0 and not r["bioequivalent"]


def test_ema_data_set_I(tmp_path):
    # the scaled statistics are RSABE's with another constant: s_WR and the CI of the
    # intra-subject contrasts are the published RSABE values (BEBAC forum entry 23662:
    # sWR 0.44645, 90 % CI 106.39-125.31 %); the CI's upper end above 125 % fails the NTI
    # method's ABE condition
    out = tmp_path / "o"
    rc = main(
        ["--quiet", "be", str(FIX / "ema_ds01.csv"), "--metric", "PK", "--nti", "-o", str(out)]
    )
    assert rc == 0
    t = pd.read_csv(out / "be.csv").iloc[0]
    assert t["method"] == "NTI (FDA)"
    assert t["s_wr"] == pytest.approx(0.44645, abs=5e-6)
    assert t["ci_low_pct"] == pytest.approx(106.39, abs=0.005)
    assert t["ci_high_pct"] == pytest.approx(125.31, abs=0.005)
    assert not t["bioequivalent"]


def test_refused():
    partial = _full_replicate(6, 0.0, 0.0, 0.1, 0.1, sequences=("TRR", "RTR", "RRT"))
    with pytest.raises(ModelError, match="'T' twice"):
        kt.be(partial, metrics=["AUC"], nti=True)
    with pytest.raises(ModelError, match="exclude each other"):
        kt.be(FIX / "ema_ds01.csv", metrics=["PK"], nti=True, rsabe=True)
    crossover = _full_replicate(6, 0.0, 0.0, 0.1, 0.1, sequences=("TR", "RT"))
    with pytest.raises(ModelError, match="replicate"):
        kt.be(crossover, metrics=["AUC"], nti=True)


def test_cli_refuses_two_methods(tmp_path, capsys):
    code = main(["be", str(FIX / "ema_ds01.csv"), "--nti", "--abel", "-o", str(tmp_path / "o")])
    assert code == 2 and "--nti" in capsys.readouterr().err
