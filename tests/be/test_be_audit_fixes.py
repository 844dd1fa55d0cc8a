"""Audit fixes of ``kinetor.be``: the EMA two-decimal reading of the CI, the ABEL point-estimate
rule, PowerTOST's split of an odd ``n`` and TOST p-values below 1e-16.

Expected values come from the period-difference closed form of a 2x2 crossover, from
statsmodels' OLS of EMA "Method A" or from PowerTOST's published values."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from be_designs import two_by_two
from scipy import stats

from kinetor.be import be, power_tost, sample_size_tost
from kinetor.be.analysis import round_pct
from kinetor.cli.main import main
from kinetor.errors import ModelError

FIX = Path(__file__).parent / "fixtures"


def _two_by_two(n: int = 24, sd: float = 0.05, seed: int = 11) -> pd.DataFrame:
    return two_by_two(n, seed, period=0.03, sd=sd)


def _by_hand(d: pd.DataFrame) -> tuple[float, float, int]:
    """Log T-R difference, its SE and df from the halved period differences."""
    wide = d.pivot(index="subject", columns="period", values="AUC")
    seq = d.groupby("subject")["sequence"].first()
    half = (np.log(wide[2]) - np.log(wide[1])) / 2
    tr, rt = half[seq == "TR"], half[seq == "RT"]
    df = len(half) - 2
    s2 = (((tr - tr.mean()) ** 2).sum() + ((rt - rt.mean()) ** 2).sum()) / df
    return rt.mean() - tr.mean(), np.sqrt(s2 * (1 / len(tr) + 1 / len(rt))), df


def _scaled(d: pd.DataFrame, factor: float) -> pd.DataFrame:
    d = d.copy()
    d.loc[d["treatment"] == "T", "AUC"] *= factor
    return d


def _with_ci_bound(bound: str, target_pct: float) -> pd.DataFrame:
    """The 2x2 data with T scaled so that the hand-computed CI ``bound`` is ``target_pct``."""
    d = _two_by_two()
    diff, se, df = _by_hand(d)
    half = stats.t.ppf(0.95, df) * se
    now = 100 * np.exp(diff - half if bound == "low" else diff + half)
    return _scaled(d, target_pct / now)


# ------------------------------------------------------------------ 1. EMA rounding of the CI
def test_round_pct_is_half_away_from_zero():
    assert round_pct(79.995) == 80.0 and round_pct(79.994) == 79.99
    assert round_pct(125.004) == 125.0 and round_pct(125.005) == 125.01
    assert round_pct(79.99499999999998) == 80.0  # floating-point noise is read away
    assert round_pct(79.9949999) == 79.99


@pytest.mark.parametrize(
    ("bound", "target", "rounded_ok"),
    [("low", 79.994, False), ("low", 79.995, True), ("high", 125.004, True),
     ("high", 125.005, False)],
)  # fmt: skip
def test_verdict_reads_the_ci_rounded_to_two_decimals(bound, target, rounded_ok):
    # EMA guideline 4.1.8: 79.995 % reads 80.00 % (pass), 125.005 % reads 125.01 % (fail)
    d = _with_ci_bound(bound, target)
    res = be(d)
    row = res.table.iloc[0]
    assert row[f"ci_{bound}_pct"] == pytest.approx(target, abs=1e-9)  # reported unrounded
    assert res.round_ci is True and bool(row["bioequivalent"]) is rounded_ok
    unrounded = be(d, round_ci=False)
    assert unrounded.round_ci is False
    assert not unrounded.table.iloc[0]["bioequivalent"]  # 79.99x < 80, 125.00x > 125
    assert unrounded.table.iloc[0][f"ci_{bound}_pct"] == row[f"ci_{bound}_pct"]


def test_round_ci_must_be_a_bool():
    with pytest.raises(ModelError, match="round_ci"):
        be(_two_by_two(), round_ci="no")


def test_cli_no_round_ci_and_json_record(tmp_path, capsys):
    data = tmp_path / "be.csv"
    _with_ci_bound("low", 79.995).to_csv(data, index=False)
    assert main(["--json", "be", str(data), "--out", str(tmp_path / "a")]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["round_ci"] is True and payload["be"][0]["bioequivalent"] is True
    args = ["--json", "be", str(data), "--no-round-ci", "--out", str(tmp_path / "b")]
    assert main(args) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["round_ci"] is False and payload["be"][0]["bioequivalent"] is False
    out = pd.read_csv(tmp_path / "b" / "be.csv")
    assert out.loc[0, "ci_low_pct"] == pytest.approx(79.995, abs=1e-9)


# ------------------------------------------------------------------ 2. point-estimate rule
def _ds01_method_a_pe() -> float:
    """PE (%) of EMA data set I by statsmodels OLS of Method A (independent of kinetor)."""
    import statsmodels.formula.api as smf

    d = pd.read_csv(FIX / "ema_ds01.csv", comment="#")
    d = d[d["PK"].notna()].assign(y=lambda x: np.log(x["PK"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = smf.ols("y ~ C(sequence) + C(subject) + C(period) + C(treatment)", d).fit()
    return 100 * float(np.exp(fit.params["C(treatment)[T.T]"]))


@pytest.mark.parametrize("limits", [(0.80, 1.25), (0.75, 1 / 0.75)])
def test_abel_point_estimate_within_80_125_whatever_limits(limits):
    pe = _ds01_method_a_pe()  # 115.66 % (replicateBE), widened limits 71.23-140.40 %
    d = pd.read_csv(FIX / "ema_ds01.csv", comment="#")
    d = d.assign(PK=np.where(d["treatment"] == "T", d["PK"] * 78 / pe, d["PK"]))
    row = be(d, ["PK"], abel=True, limits=limits).table.iloc[0]
    # CI ~72.2-84.2 % lies within the widened limits; only the PE (78 %) fails
    assert row["ci_low_pct"] > row["lower_limit_pct"] and row["method"] == "ABEL (EMA)"
    assert row["ratio_pct"] == pytest.approx(78.0, rel=1e-9)
    assert not row["bioequivalent"]
    d = d.assign(PK=np.where(d["treatment"] == "T", d["PK"] * 82 / 78, d["PK"]))
    assert be(d, ["PK"], abel=True, limits=limits).table.iloc[0]["bioequivalent"]


@pytest.mark.parametrize(("target", "ok_rounded"), [(79.994, False), (79.995, True)])
def test_abel_point_estimate_is_read_rounded_too(target, ok_rounded):
    pe = _ds01_method_a_pe()
    d = pd.read_csv(FIX / "ema_ds01.csv", comment="#")
    d = d.assign(PK=np.where(d["treatment"] == "T", d["PK"] * target / pe, d["PK"]))
    assert be(d, ["PK"], abel=True).table.iloc[0]["bioequivalent"] == ok_rounded
    assert not be(d, ["PK"], abel=True, round_ci=False).table.iloc[0]["bioequivalent"]


def test_plain_abe_has_no_point_estimate_rule_beyond_the_ci():
    # wider user limits 75.00-133.33 %: PE 78 % with its CI inside them passes
    d = _two_by_two()
    diff, se, df = _by_hand(d)
    d = _scaled(d, 78 / (100 * np.exp(diff)))
    half = stats.t.ppf(0.95, df) * se
    assert 100 * np.exp(np.log(0.78) - half) > 75  # the CI lies inside the limits
    row = be(d, limits=(0.75, 1 / 0.75)).table.iloc[0]
    assert row["ratio_pct"] == pytest.approx(78.0, rel=1e-9) and row["bioequivalent"]
    assert not be(d).table.iloc[0]["bioequivalent"]  # CI below 80 % with the default limits


# ------------------------------------------------------------------ 3. odd n in power_tost
@pytest.mark.parametrize(
    ("cv", "n", "expected"),
    [
        (0.30, 39, 0.805617),  # PowerTOST power.TOST(CV = 0.3, n = 39): n(i) = 20/19
        (0.30, 23, 0.529881),  # n(i) = 12/11
        (0.25, 24, 0.7391155),  # PowerTOST documentation
        (0.25, 22, 0.6953401),
        (0.30, 40, 0.8158453),
    ],
)
def test_power_tost_matches_powertost_for_odd_and_even_n(cv, n, expected):
    assert power_tost(cv, n) == pytest.approx(expected, abs=5e-7)


def test_odd_n_lies_between_its_even_neighbours():
    for design in ("2x2", "parallel"):
        assert power_tost(0.3, 38, design=design) < power_tost(0.3, 39, design=design)
        assert power_tost(0.3, 39, design=design) < power_tost(0.3, 40, design=design)
    assert sample_size_tost(0.30)[0] == 40  # still steps by 2 (PowerTOST sampleN.TOST)


# ------------------------------------------------------------------ 4. tiny TOST p-values
def test_tiny_tost_p_value_is_not_zero():
    d = _two_by_two(n=12, sd=0.002, seed=5)
    diff, se, df = _by_hand(d)
    expected = stats.t.sf((diff - np.log(0.8)) / se, df)
    assert 1e-25 < expected < 1e-18
    p = be(d).table.iloc[0]["p_tost_lower"]
    assert p > 0 and p == pytest.approx(expected, rel=1e-6)
