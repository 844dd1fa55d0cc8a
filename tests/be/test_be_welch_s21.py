"""Parallel BE with unequal variances (``welch=True``, ``--welch``): the 90 % CI and the
TOST p-values are those of scipy's Welch t-test on log values (an independent computation:
``scipy.stats.ttest_ind(equal_var=False)``)."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kinetor.be import be
from kinetor.cli.main import app
from kinetor.errors import ModelError

T = [112.0, 95.0, 140.0, 88.0, 160.0, 101.0, 73.0, 130.0]  # wide spread
R = [100.0, 104.0, 97.0, 99.0, 103.0, 96.0]  # narrow spread, fewer subjects


def _parallel():
    return pd.DataFrame(
        {
            "subject": range(1, len(T) + len(R) + 1),
            "treatment": ["T"] * len(T) + ["R"] * len(R),
            "AUC": T + R,
        }
    )


def test_welch_ci_and_df_are_those_of_the_welch_t_test():
    res = be(_parallel(), metrics=["AUC"], design="parallel", welch=True).table.iloc[0]
    w = stats.ttest_ind(np.log(T), np.log(R), equal_var=False)
    lo, hi = w.confidence_interval(confidence_level=0.90)
    assert res["ci_low_pct"] == pytest.approx(100 * np.exp(lo), rel=1e-12)
    assert res["ci_high_pct"] == pytest.approx(100 * np.exp(hi), rel=1e-12)
    assert res["df"] == pytest.approx(w.df, rel=1e-12)
    d = np.log(T).mean() - np.log(R).mean()
    se = d / w.statistic
    assert res["p_tost_lower"] == pytest.approx(stats.t.sf((d - np.log(0.8)) / se, w.df), rel=1e-10)
    assert res["p_tost_upper"] == pytest.approx(
        stats.t.cdf((d - np.log(1.25)) / se, w.df), rel=1e-10
    )
    assert res["method"] == "ABE (Welch)"


def test_the_default_stays_the_pooled_variance():
    # guard: the pooled two-sample t interval (equal_var=True), as before
    res = be(_parallel(), metrics=["AUC"], design="parallel").table.iloc[0]
    p = stats.ttest_ind(np.log(T), np.log(R), equal_var=True)
    lo, hi = p.confidence_interval(confidence_level=0.90)
    assert res["ci_low_pct"] == pytest.approx(100 * np.exp(lo), rel=1e-12)
    assert res["ci_high_pct"] == pytest.approx(100 * np.exp(hi), rel=1e-12)
    assert res["df"] == len(T) + len(R) - 2


def test_welch_is_refused_for_a_crossover_and_for_a_group_of_one():
    d = pd.DataFrame(
        {
            "subject": [1, 1, 2, 2, 3, 3, 4, 4],
            "period": [1, 2] * 4,
            "sequence": ["TR", "TR", "RT", "RT"] * 2,
            "treatment": ["T", "R", "R", "T"] * 2,
            "AUC": [100, 95, 90, 99, 120, 118, 80, 85],
        }
    )
    with pytest.raises(ModelError, match="parallel designs"):
        be(d, metrics=["AUC"], welch=True)
    one = _parallel().iloc[: len(T) + 1]
    with pytest.raises(ModelError, match="at least 2 subjects per treatment"):
        be(one, metrics=["AUC"], design="parallel", welch=True)


def test_cli_welch(tmp_path, capsys):
    from typer.testing import CliRunner

    f = tmp_path / "par.csv"
    _parallel().to_csv(f, index=False)
    r = CliRunner().invoke(app, ["--json", "be", str(f), "--welch", "--out", str(tmp_path / "o")])
    assert r.exit_code == 0, r.output
    row = json.loads(r.output)["be"][0]
    w = stats.ttest_ind(np.log(T), np.log(R), equal_var=False)
    assert row["df"] == pytest.approx(w.df, rel=1e-12)


def test_a_metric_given_as_a_string_is_one_metric():
    res = be(_parallel(), metrics="AUC", design="parallel").table
    assert res["metric"].tolist() == ["AUC"]
