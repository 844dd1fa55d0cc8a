"""Audit s21 (bepower): the subject column of ``dose_proportionality`` (any case, ID/USUBJID/
SUBJID), the dose column named as a metric, a metric given as a string, the REML bound note,
``theta1 = 1/theta2``, the smallest n of replicate designs, ``kinetor be-power``, ``be-size
--n-max``/``--json`` inputs and ``dose-prop --alpha/--limits``.

Expected values come from independent code written here: the within-subject least-squares
slope (subject dummies + log dose; the REML slope of a complete crossover with the same doses
in every subject) and a TOST power integrated with ``scipy.integrate.quad`` over the
chi-square variable, itself checked against PowerTOST's documented ``power.TOST(CV = 0.3,
n = 40)`` = 0.8158453."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from kinetor.be import dose_proportionality, power_tost, sample_size_tost
from kinetor.cli.main import main
from kinetor.errors import DataError, ModelError

DOSES = (5.0, 10.0, 20.0, 40.0)


def _crossover(noise: float = 0.1, between: float = 0.4) -> pd.DataFrame:
    """12 subjects x 4 doses, deterministic subject effects and residuals."""
    rows = []
    for i in range(1, 13):
        u = between * math.sin(1.3 * i)
        for j, d in enumerate(DOSES):
            e = noise * math.cos(7.0 * i + 3.0 * j + 0.5 * i * j)
            rows.append({"subject": i, "dose": d, "AUC": math.exp(1 + 0.95 * math.log(d) + u + e)})
    return pd.DataFrame(rows)


def _within_slope(df: pd.DataFrame, alpha: float = 0.05):
    """Slope, df and CI of log AUC on subject dummies + log dose (independent least squares)."""
    sub = pd.get_dummies(df["subject"]).to_numpy(float)
    X = np.column_stack([sub, np.log(df["dose"].to_numpy(float))])
    y = np.log(df["AUC"].to_numpy(float))
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    dfree = len(y) - sub.shape[1] - 1
    s2 = float(np.sum((y - X @ beta) ** 2)) / dfree
    se = math.sqrt(s2 * np.linalg.inv(X.T @ X)[-1, -1])
    t = stats.t.ppf(1 - alpha, dfree)
    return beta[-1], dfree, beta[-1] - t * se, beta[-1] + t * se


# ------------------------------------------------------------------ B1: subject column
@pytest.mark.parametrize("name", ["Subject", "SUBJECT", "ID", "USUBJID", "subjid"])
def test_subject_column_in_any_case_and_usual_ids(name):
    d = _crossover()
    slope, dfree, lo, hi = _within_slope(d)
    assert dfree == 35
    res = dose_proportionality(d.rename(columns={"subject": name}))
    row = res.table.iloc[0]
    assert list(res.table["metric"]) == ["AUC"]  # the id is no metric
    assert row["model"] == "random subject intercept (REML)" and row["df"] == 35
    assert row["slope"] == pytest.approx(slope, abs=1e-7)
    assert row["slope_ci_low"] == pytest.approx(lo, abs=1e-6)
    assert row["slope_ci_high"] == pytest.approx(hi, abs=1e-6)
    assert any(f"'{name}' read as the subject column" in n for n in res.notes)


def test_named_subject_column_matches_in_any_case():
    d = _crossover()
    lo = _within_slope(d)[2]
    row = dose_proportionality(d, subject="SUBJECT").table.iloc[0]
    assert row["df"] == 35 and row["slope_ci_low"] == pytest.approx(lo, abs=1e-6)


def test_named_subject_column_that_is_absent_lists_the_columns():
    with pytest.raises(DataError) as err:
        dose_proportionality(_crossover(), subject="subj")
    p = err.value.problems[0]
    assert p.column == "subj" and "no subject column" in p.message
    assert "['subject', 'dose', 'AUC']" in p.fix


def test_cli_subject_option_absent_is_a_data_error(tmp_path, capsys):
    csv = tmp_path / "dp.csv"
    _crossover().rename(columns={"subject": "USUBJID"}).to_csv(csv, index=False)
    out = tmp_path / "o"
    assert main(["dose-prop", str(csv), "--subject", "subj", "--out", str(out)]) == 3
    assert main(["--json", "dose-prop", str(csv), "--out", str(out)]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert [r["df"] for r in payload["dose_proportionality"]] == [35]


# ------------------------------------------------------------------ B2, C6: metrics
def test_dose_column_named_as_a_metric_is_a_data_error():
    with pytest.raises(DataError) as err:
        dose_proportionality(_crossover(), ["dose"])
    p = err.value.problems[0]
    assert p.column == "dose" and "is the dose column" in p.message


def test_cli_metric_dose_exits_3(tmp_path, capsys):
    csv = tmp_path / "dp.csv"
    _crossover().to_csv(csv, index=False)
    assert main(["dose-prop", str(csv), "--metric", "dose", "--out", str(tmp_path / "o")]) == 3
    assert "is the dose column" in " ".join(capsys.readouterr().err.split())


def test_a_metric_given_as_a_string_is_one_metric():
    d = _crossover().assign(CMAX=lambda x: x["AUC"] / 7)
    res = dose_proportionality(d, metrics="AUC")
    assert list(res.table["metric"]) == ["AUC"]
    assert res.table.loc[0, "slope"] == pytest.approx(_within_slope(d)[0], abs=1e-7)


# ------------------------------------------------------------------ C7: REML bound
def test_reml_variance_ratio_at_its_bound_is_noted():
    # subject sd ~1, residual ~1e-6: the ratio ~1e12 lies beyond the 1e8 bound
    d = _crossover(noise=1e-6, between=1.0)
    res = dose_proportionality(d)
    assert any("reached the bound" in n for n in res.notes)
    assert res.table.loc[0, "slope"] == pytest.approx(_within_slope(d)[0], abs=1e-8)
    # an ordinary crossover (ratio ~16) has no such note
    assert not any("reached the bound" in n for n in dose_proportionality(_crossover()).notes)


# ------------------------------------------------------------------ independent TOST power
_DESIGN = {"2x2": (0.5, 1, 2, 2), "2x2x3": (3 / 8, 2, 3, 2), "2x2x4": (1 / 4, 3, 4, 2)}


def _power(cv, n, theta0=0.95, lo=0.80, hi=1.25, alpha=0.05, design="2x2"):
    """TOST power: P(CI within limits) integrated over v ~ chi2(df) by adaptive quadrature."""
    bkni, a, b, seqs = _DESIGN[design]
    per = [n // seqs + (k < n % seqs) for k in range(seqs)]
    se = math.sqrt(math.log1p(cv * cv)) * math.sqrt(bkni * sum(1 / m for m in per))
    df = a * n - b
    t = stats.t.ppf(1 - alpha, df)
    lo, hi, delta = math.log(lo), math.log(hi), math.log(theta0)
    v_max = df * ((hi - lo) / (2 * t * se)) ** 2  # beyond it the CI is wider than the limits

    def f(v):
        half = t * se * math.sqrt(v / df)
        p = stats.norm.cdf((hi - half - delta) / se) - stats.norm.cdf((lo + half - delta) / se)
        return max(p, 0.0) * stats.chi2.pdf(v, df)

    return integrate.quad(f, 0, v_max, limit=400, epsabs=1e-13, epsrel=1e-11)[0]


def test_independent_power_reproduces_powertost():
    assert _power(0.30, 40) == pytest.approx(0.8158453, abs=5e-8)


# ------------------------------------------------------------------ C3: theta2 only
def test_theta2_alone_sets_theta1_to_its_reciprocal():
    th2 = 1 / 0.9
    expected = _power(0.2, 100, lo=0.9, hi=th2)
    assert power_tost(0.2, 100, theta2=th2) == pytest.approx(expected, abs=1e-9)
    n, p = sample_size_tost(0.2, theta2=th2)
    assert p == pytest.approx(_power(0.2, n, lo=0.9, hi=th2), abs=1e-9)
    assert p >= 0.8 > _power(0.2, n - 2, lo=0.9, hi=th2)


def test_cli_theta2_alone(capsys):
    assert main(["--json", "be-power", "--cv", "0.2", "--n", "100", "--theta2", "1.25"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["theta1"] == pytest.approx(0.8) and out["power"] == pytest.approx(
        _power(0.2, 100), abs=1e-9
    )
    assert main(["--json", "be-size", "--cv", "0.2", "--theta2", str(1 / 0.9)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["theta1"] == pytest.approx(0.9, abs=1e-12)
    assert out["power"] >= 0.8 > _power(0.2, out["n"] - 2, lo=0.9, hi=1 / 0.9)


# ------------------------------------------------------------------ C4: smallest n
@pytest.mark.parametrize("design", ["2x2x3", "2x2x4"])
def test_two_subjects_in_a_replicate_design(design):
    assert power_tost(0.05, 2, design=design) == pytest.approx(
        _power(0.05, 2, design=design), abs=1e-9
    )


def test_sample_size_can_be_two_for_a_full_replicate():
    expected = _power(0.05, 2, theta0=1.0, design="2x2x4")  # df 3*2 - 4 = 2
    assert expected >= 0.8
    n, p = sample_size_tost(0.05, theta0=1.0, design="2x2x4")
    assert n == 2 and p == pytest.approx(expected, abs=1e-9)


def test_two_by_two_still_needs_three_subjects():
    with pytest.raises(ModelError, match="at least 3"):
        power_tost(0.3, 2)  # df n - 2 = 0


# ------------------------------------------------------------------ C2, C5: CLI
def test_cli_be_power_matches_powertost(capsys):
    assert main(["--json", "be-power", "--cv", "0.3", "--n", "40"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["power"] == pytest.approx(0.8158453, abs=5e-8)
    assert (out["design"], out["n"], out["alpha"]) == ("2x2", 40, 0.05)
    assert main(["be-power", "--cv", "0.3", "--n", "2"]) == 2
    assert "--n" in capsys.readouterr().err


def test_cli_be_size_json_has_its_inputs_and_n_max(capsys):
    args = ["--json", "be-size", "--cv", "0.3", "--design", "parallel", "--theta0", "0.9"]
    assert main(args) == 0
    out = json.loads(capsys.readouterr().out)
    expected = {"design": "parallel", "cv": 0.3, "theta0": 0.9, "theta1": 0.8, "alpha": 0.05}
    assert {k: out[k] for k in expected} == expected
    assert out["theta2"] == pytest.approx(1.25) and out["target_power"] == 0.8
    assert main(["be-size", "--cv", "0.3", "--n-max", "38"]) == 3  # n 40 needed
    assert "n_max = 38" in " ".join(capsys.readouterr().err.split())
    assert main(["--json", "be-size", "--cv", "0.3", "--n-max", "40"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 40


def test_cli_be_size_cv_help_says_total_cv_for_parallel(capsys):
    assert main(["be-size", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "total" in text and "parallel" in text and "within-subject" in text


def test_cli_dose_prop_alpha_and_limits(tmp_path, capsys):
    d = _crossover()
    csv = tmp_path / "dp.csv"
    d.to_csv(csv, index=False)
    args = ["--json", "dose-prop", str(csv), "--alpha", "0.025", "--limits", "0.7", "1.43"]
    assert main([*args, "--out", str(tmp_path / "o")]) == 0
    row = json.loads(capsys.readouterr().out)["dose_proportionality"][0]
    _, _, lo, hi = _within_slope(d, alpha=0.025)
    assert row["slope_ci_low"] == pytest.approx(lo, abs=1e-6)
    assert row["slope_ci_high"] == pytest.approx(hi, abs=1e-6)
    assert row["accept_low"] == pytest.approx(1 + math.log(0.7) / math.log(8), abs=1e-12)
    assert row["accept_high"] == pytest.approx(1 + math.log(1.43) / math.log(8), abs=1e-12)
    bad = ["dose-prop", str(csv), "--limits", "1.2", "0.8", "--out", str(tmp_path / "p")]
    assert main(bad) == 2 and "--limits" in capsys.readouterr().err
