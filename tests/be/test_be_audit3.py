"""Third audit of ``kinetor.be``: empty design cells, sequence labels against the treatments,
repeated subjects in a parallel table, TOST power near 1 and at df 1, dose proportionality
with several doses per subject (random subject intercept), its ANOVA and notes, ``be-size``
limits.

Expected values: row numbers counted by hand in the files written here; TOST power from a
40-digit mpmath integration (mpmath 1.4.1: the same expectation over s = se_hat/se, tanh-sinh
quadrature split at the chi-square bulk, t quantile by root-finding on the incomplete beta;
it reproduces PowerTOST's documented 0.8158453, 0.7391155, 0.6953401 to 1e-12); the
random-intercept model from statsmodels ``MixedLM(reml=True)`` with the between-within df
rule applied by hand; the one-way ANOVA from its textbook sums of squares.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from be_designs import two_by_two
from scipy import stats

from kinetor.be import be, dose_proportionality, power_tost, sample_size_tost
from kinetor.cli.main import main
from kinetor.errors import DataError

FIX = Path(__file__).parent / "fixtures"


def _two_by_two(n: int = 12, seed: int = 5) -> pd.DataFrame:
    return two_by_two(n, seed, effect=0.05)


def _csv(tmp_path: Path, d: pd.DataFrame, name: str = "be.csv") -> Path:
    """The table under one comment line: header = file row 2, table row i = file row i + 3."""
    path = tmp_path / name
    path.write_text("# a comment line\n" + d.to_csv(index=False), encoding="utf-8")
    return path


def _where(err) -> list[tuple[int | None, str | None]]:
    return [(p.row, p.column) for p in err.value.problems]


# ------------------------------------------------------------ A1/A2: empty design cells
@pytest.mark.parametrize("column", ["subject", "period", "sequence", "treatment"])
@pytest.mark.parametrize("blank", [np.nan, "", " ", "."])
def test_empty_design_cell_is_a_data_error_naming_file_row_column(tmp_path, column, blank):
    d = _two_by_two().astype({column: object})
    d.loc[8, column] = blank  # table row 8: file row 11 (comment, header)
    path = _csv(tmp_path, d)
    with pytest.raises(DataError) as err:
        be(path, ["AUC"])
    assert _where(err) == [(11, column)]
    assert err.value.problems[0].file == str(path)
    assert "empty" in err.value.problems[0].message


def test_empty_subject_in_a_dataframe_is_named_by_its_row():
    d = _two_by_two()
    d["subject"] = d["subject"].astype(float)
    d.loc[9, "subject"] = np.nan  # DataFrame: header row 1, table row i = row i + 2
    with pytest.raises(DataError) as err:
        be(d, ["AUC"])
    assert _where(err) == [(11, "subject")]


def test_cli_empty_treatment_cell_is_a_data_error_not_an_internal_error(tmp_path, capsys):
    d = _two_by_two().astype({"treatment": object})
    d.loc[7, "treatment"] = np.nan
    code = main(["be", str(_csv(tmp_path, d)), "--out", str(tmp_path / "o")])
    err = " ".join(capsys.readouterr().err.split())
    assert code == 3
    assert "internal error" not in err and "empty treatment cell" in err


# ------------------------------------------------------------- A3: TOST power
@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"cv": 0.05, "n": 1200}, 1.0),
        ({"cv": 0.05, "n": 2000}, 1.0),
        ({"cv": 0.08, "n": 2000}, 1.0),
        ({"cv": 0.05, "n": 400, "theta0": 0.8, "theta1": 0.75, "alpha": 0.1}, 1.0),
        ({"cv": 0.05, "n": 400, "theta1": 0.75, "alpha": 0.1, "design": "parallel"}, 1.0),
        ({"cv": 0.3, "n": 3}, 0.0358158424652423),  # df 1
        ({"cv": 0.2, "n": 4}, 0.0974380008821436),
        ({"cv": 0.6, "n": 5}, 0.00299413294186676),
        ({"cv": 1.5, "n": 1000}, 0.970739669998431),
        ({"cv": 0.15, "n": 100, "theta0": 0.85}, 0.886680144919319),
        ({"cv": 0.3, "n": 40}, 0.815845280273126),  # PowerTOST 0.8158453
    ],
)
def test_power_tost_matches_high_precision_integration(kwargs, expected):
    assert power_tost(**kwargs) == pytest.approx(expected, abs=1e-10)


def test_power_tost_never_exceeds_one_and_rises_with_n():
    powers = [power_tost(0.05, n) for n in (4, 6, 10, 50, 400, 1200, 2000, 5000)]
    assert all(0 <= p <= 1 for p in powers)
    assert np.all(np.diff(powers) >= -1e-12)


def test_sample_size_with_other_limits():
    # mpmath: power 0.7973215 at n 166, 0.8015285 at 168; 0.7882475 at 36, 0.8164069 at 38
    assert sample_size_tost(0.2, theta0=0.95, theta1=0.9)[0] == 168
    n, p = sample_size_tost(0.25, theta0=1.0, theta1=0.85, theta2=1.2)
    assert n == 38 and p == pytest.approx(0.816406861215, abs=1e-9)


# ------------------------------------------------------------- A9: be-size options
def test_cli_be_size_takes_theta1_theta2(capsys):
    assert main(["--json", "be-size", "--cv", "0.2", "--theta1", "0.9"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 168
    args = ["--json", "be-size", "--cv", "0.25", "--theta0", "1", "--theta1", "0.85"]
    assert main([*args, "--theta2", "1.2"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 38


@pytest.mark.parametrize(
    ("args", "option", "text"),
    [
        (["--cv", "inf"], "--cv", "finite"),
        (["--cv", "0.3", "--theta1", "1.2"], "--theta1", "(0, 1)"),
        (["--cv", "0.3", "--theta2", "0.9"], "--theta2", "> 1"),
        (["--cv", "0.3", "--theta0", "1.3"], "--theta0", "inside the limits"),
    ],
)
def test_cli_be_size_bad_limits_are_usage_errors(args, option, text, capsys):
    assert main(["be-size", *args]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert option in err and text in err and "inf %" not in err


# ------------------------------------------------------------- A4: sequence labels
def test_flipped_sequence_labels_in_ema_data_set_one_are_named():
    path = FIX / "ema_ds01.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    d = pd.read_csv(path, comment="#")
    flip = {"TRTR": "RTRT", "RTRT": "TRTR"}
    subjects = [3, 10, 40]
    for s in subjects:
        d.loc[d["subject"] == s, "sequence"] = d.loc[d["subject"] == s, "sequence"].map(flip)
    with pytest.raises(DataError) as err:
        be(d, ["PK"], rsabe=True)
    # a DataFrame counts the header as row 1: the file's data line k (1-based) is row k - 2
    expected = [
        (k + 1 - 2, "sequence")
        for k, line in enumerate(lines)
        if line.split(",")[0] in {str(s) for s in subjects}
    ]
    assert _where(err) == expected
    assert len(expected) == sum(int((d["subject"] == s).sum()) for s in subjects)


def test_two_by_two_subject_dosed_test_twice_is_refused_not_called_replicate(tmp_path):
    d = _two_by_two()
    d.loc[5, "treatment"] = "T"  # subject 3 (TR): T in period 2 -> file row 8
    with pytest.raises(DataError) as err:
        be(_csv(tmp_path, d), ["AUC"])
    assert _where(err) == [(8, "sequence")]
    assert "subject 3" in err.value.problems[0].message


@pytest.mark.parametrize("label", ["XY", "RT"])
def test_label_that_does_not_spell_the_treatments_is_refused(tmp_path, label):
    d = _two_by_two()
    d.loc[d["subject"] == 1, "sequence"] = label  # subject 1 was dosed T then R
    with pytest.raises(DataError) as err:
        be(_csv(tmp_path, d), ["AUC"])
    rows = [r for r, _ in _where(err)]
    assert rows == ([3] if label == "XY" else [3, 4])


def test_stray_period_in_a_two_by_two_is_named(tmp_path):
    d = _two_by_two()
    d.loc[7, "period"] = 3  # subject 4, its second period written as 3: file row 10
    with pytest.raises(DataError) as err:
        be(_csv(tmp_path, d), ["AUC"])
    assert _where(err) == [(10, "period")]


def test_labels_in_another_alphabet_are_checked_for_consistency(tmp_path):
    d = _two_by_two()
    ab = d.assign(sequence=d["sequence"].map({"TR": "A", "RT": "B"}))
    ref = be(d, ["AUC"]).table.iloc[0]
    got = be(ab, ["AUC"]).table.iloc[0]
    assert got["ci_low_pct"] == ref["ci_low_pct"] and got["ci_high_pct"] == ref["ci_high_pct"]
    bad = ab.copy()
    bad.loc[bad["subject"] == 5, "sequence"] = "B"  # subject 5 dosed T, R like the A's
    with pytest.raises(DataError) as err:
        be(_csv(tmp_path, bad), ["AUC"])
    assert _where(err) == [(11, "sequence"), (12, "sequence")]
    third = ab.copy()
    third.loc[third["subject"] == 7, "sequence"] = "C"  # a third label for A's order
    with pytest.raises(DataError) as err:
        be(_csv(tmp_path, third, "c.csv"), ["AUC"])
    assert _where(err) == [(15, "sequence")]


def test_numeric_codes_for_sequence_and_treatment():
    d = _two_by_two()
    ref = be(d, ["AUC"]).table.iloc[0]
    coded = d.assign(treatment=d["treatment"].map({"T": 1, "R": 2}))
    for seq in ({"TR": 1, "RT": 2}, {"TR": 12, "RT": 21}):  # a name; a spelling
        got = be(coded.assign(sequence=d["sequence"].map(seq)), ["AUC"], test="1", reference="2")
        assert got.table.iloc[0]["ci_low_pct"] == pytest.approx(ref["ci_low_pct"], rel=1e-12)
    bad = coded.assign(sequence=d["sequence"].map({"TR": 12, "RT": 21}))
    bad.loc[bad["subject"] == 2, "sequence"] = 12  # subject 2 dosed R then T
    with pytest.raises(DataError) as err:
        be(bad, ["AUC"], test="1", reference="2")
    assert _where(err) == [(4, "sequence"), (5, "sequence")]


def test_ema_data_sets_pass_the_sequence_check():
    for name in ("ema_ds01.csv", "ema_ds02.csv"):
        assert be(FIX / name, ["PK"]).table.shape[0] == 1


# ------------------------------------------------------------- A5: parallel, repeated id
def test_repeated_subject_without_period_column_is_refused(tmp_path):
    d = _two_by_two(n=4).drop(columns=["period", "sequence"])
    with pytest.raises(DataError) as err:
        be(_csv(tmp_path, d), ["AUC"])
    assert _where(err) == [(4, "subject"), (6, "subject"), (8, "subject"), (10, "subject")]
    assert "period" in err.value.problems[0].fix


def test_repeated_subject_in_an_explicit_parallel_design_is_refused():
    d = _two_by_two(n=4)
    with pytest.raises(DataError) as err:
        be(d, ["AUC"], design="parallel")
    assert [r for r, _ in _where(err)] == [3, 5, 7, 9]


# ----------------------------------------------- A6: several doses per subject (REML)
def _dose_crossover(seed: int = 2) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    doses = [25, 50, 100, 250]
    rows = [
        {"subject": s, "dose": dv, "AUC": float(np.exp(1.1 + 0.9 * np.log(dv) + u + e))}
        for s, u in enumerate(rng.normal(0, 0.4, 12), start=1)
        for dv, e in zip(doses, rng.normal(0, 0.1, len(doses)), strict=True)
    ]
    return pd.DataFrame(rows)


def _statsmodels_reml(d: pd.DataFrame):
    smf = pytest.importorskip("statsmodels.formula.api")
    d = d.assign(ly=np.log(d["AUC"]), ld=np.log(d["dose"]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = smf.mixedlm("ly ~ ld", d, groups=d["subject"]).fit(
            reml=True, method="bfgs", gtol=1e-12
        )
    return d, fit


def test_dose_crossover_uses_a_random_subject_intercept():
    d, fit = _statsmodels_reml(_dose_crossover())
    res = dose_proportionality(d[["subject", "dose", "AUC"]], ["AUC"])
    row = res.table.iloc[0]
    df_within = len(d) - d["subject"].nunique() - 1  # 48 - 12 - 1: between-within rule
    t = stats.t.ppf(0.95, df_within)
    b, se = fit.params["ld"], fit.bse["ld"]
    assert row["model"] == "random subject intercept (REML)" and row["df"] == df_within == 35
    assert row["intercept"] == pytest.approx(fit.params["Intercept"], abs=1e-7)
    assert row["slope"] == pytest.approx(b, abs=1e-8)
    assert row["slope_se"] == pytest.approx(se, rel=1e-6)
    assert row["slope_ci_low"] == pytest.approx(b - t * se, abs=1e-7)
    assert row["slope_ci_high"] == pytest.approx(b + t * se, abs=1e-7)


def test_incomplete_dose_crossover_matches_statsmodels_estimates():
    d0 = _dose_crossover(seed=7)
    d0 = d0.drop(index=[1, 6, 11, 20, 33])
    d, fit = _statsmodels_reml(d0)
    row = dose_proportionality(d[["subject", "dose", "AUC"]], ["AUC"]).table.iloc[0]
    assert row["slope"] == pytest.approx(fit.params["ld"], abs=1e-7)
    assert row["intercept"] == pytest.approx(fit.params["Intercept"], abs=1e-7)
    # model-based SE from statsmodels' variance components: (X'V^-1 X)^-1
    X = np.column_stack([np.ones(len(d)), d["ld"]])
    same = (d["subject"].to_numpy()[:, None] == d["subject"].to_numpy()[None, :]).astype(float)
    V = fit.scale * np.eye(len(d)) + float(fit.cov_re.iloc[0, 0]) * same
    se = np.sqrt(np.linalg.inv(X.T @ np.linalg.solve(V, X))[1, 1])
    assert row["slope_se"] == pytest.approx(se, rel=1e-5)
    assert row["df"] == len(d) - 12 - 1


def test_one_dose_per_subject_with_repeats_takes_between_subject_df():
    rng = np.random.default_rng(3)
    doses = np.repeat([10, 20, 40, 80, 10, 40], 2)
    subj = np.repeat(np.arange(1, 7), 2)
    auc = np.exp(
        0.95 * np.log(doses) + np.repeat(rng.normal(0, 0.3, 6), 2) + rng.normal(0, 0.1, 12)
    )
    d, fit = _statsmodels_reml(pd.DataFrame({"subject": subj, "dose": doses, "AUC": auc}))
    row = dose_proportionality(d[["subject", "dose", "AUC"]], ["AUC"]).table.iloc[0]
    assert row["df"] == 6 - 2
    assert row["slope"] == pytest.approx(fit.params["ld"], abs=1e-6)


def test_one_value_per_subject_stays_least_squares():
    d = pd.DataFrame({"subject": range(6), "dose": [1, 1, 3, 3, 10, 10]})
    d["AUC"] = [10, 11, 29, 32, 101, 98]
    row = dose_proportionality(d, ["AUC"]).table.iloc[0]
    ref = stats.linregress(np.log(d["dose"]), np.log(d["AUC"]))
    assert row["model"] == "OLS" and row["df"] == 4
    assert row["slope_se"] == pytest.approx(ref.stderr, rel=1e-12)


# ------------------------------------------------------------- A7/A8: ANOVA, notes
def test_anova_with_a_single_value_at_one_dose():
    d = pd.DataFrame({"dose": [10, 10, 20, 20, 40], "AUC": [5.0, 6.0, 11.0, 12.5, 19.0]})
    row = dose_proportionality(d, ["AUC"]).table.iloc[0]
    z = np.log(d["AUC"] / d["dose"])
    means = z.groupby(d["dose"]).transform("mean")
    ss_w, ss_b = float(((z - means) ** 2).sum()), float(((means - z.mean()) ** 2).sum())
    f = (ss_b / 2) / (ss_w / 2)  # 3 levels, 5 values
    assert row["anova_f"] == pytest.approx(f, rel=1e-12)
    assert row["anova_p"] == pytest.approx(stats.f.sf(f, 2, 2), rel=1e-10)


def test_dose_prop_notes_rows_left_out_and_names_the_dose_column(tmp_path, capsys):
    path = tmp_path / "dp.csv"
    path.write_text("subject,dose,AUC\n1,10,5\n2,20,\n3,,12\n4,40,21\n5,20,9.5\n6,10,.\n")
    res = dose_proportionality(path)
    assert res.notes == ["AUC: 3 row(s) without a dose or value left out"]
    assert res.table.iloc[0]["n"] == 3
    assert main(["--json", "dose-prop", str(path), "--out", str(tmp_path / "o")]) == 0
    assert json.loads(capsys.readouterr().out)["notes"] == res.notes
    zero = tmp_path / "dose0.csv"
    zero.write_text("subject,dose,AUC\n1,10,5\n2,0,11\n3,20,12\n")
    with pytest.raises(DataError) as err:
        dose_proportionality(zero)
    assert _where(err) == [(3, "dose")]


def test_dot_is_a_missing_metric_value_in_be(tmp_path):
    d = _two_by_two().astype({"AUC": object})
    d.loc[4, "AUC"] = "."
    res = be(_csv(tmp_path, d), ["AUC"])
    assert res.notes == ["AUC: 1 row(s) without a value left out"]
    assert res.table.iloc[0]["n_obs"] == 23
