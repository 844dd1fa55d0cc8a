"""Designs in which ``be`` cannot estimate the treatment effect are refused, not analysed.

Least squares on a rank-deficient design returned the minimum-norm solution: with every
subject in sequence TR, the treatment indicator equals 1 - (period 2 dummy), so the
treatment and period effects cannot be told apart, yet a ratio of 456.9 % was reported
while the per-subject T/R ratios are 0.909, 0.947 and 0.960. The expected outcomes below
come from that algebra (which column of the design another one repeats), and the numbers
of the estimable designs from the within-subject differences worked by hand.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from kinetor.be import be
from kinetor.cli.main import main
from kinetor.errors import DataError

ONE_SEQUENCE = """subject,period,sequence,treatment,AUC,CMAX
1,1,TR,T,100,10
1,2,TR,R,110,11
2,1,TR,T,90,9
2,2,TR,R,95,9.4
3,1,TR,T,120,12
3,2,TR,R,125,12
"""


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


def _only_problem(err):
    (p,) = err.value.problems
    return p


def _crossover(seqs, n_per_seq=3):
    """Subjects in the sequences ``seqs`` (one letter per period); log AUC varies by subject,
    period and an interaction so that no metric is fitted exactly."""
    rows = []
    subject = 0
    for seq in seqs:
        for _ in range(n_per_seq):
            subject += 1
            for p, trt in enumerate(seq, start=1):
                auc = 100 + 7 * subject + 3 * p + (subject * p) % 5
                rows.append((subject, p, seq, trt, float(auc)))
    return pd.DataFrame(rows, columns=["subject", "period", "sequence", "treatment", "AUC"])


def test_one_sequence_is_refused_naming_the_file_and_the_sequence_column(tmp_path):
    path = _write(tmp_path, "be_oneseq.csv", ONE_SEQUENCE)
    with pytest.raises(DataError) as err:
        be(path)
    p = _only_problem(err)
    assert (p.file, p.column) == (str(path), "sequence")
    assert "one sequence only" in p.message and "'TR'" in p.message
    assert "confounded with the period effect" in p.message
    assert "period 1: T; period 2: R" in p.message
    assert "two sequences" in p.fix


def test_cli_refuses_one_sequence_with_exit_3_and_writes_nothing(tmp_path, capsys):
    path = _write(tmp_path, "be_oneseq.csv", ONE_SEQUENCE)
    out = tmp_path / "o"
    assert main(["be", str(path), "--out", str(out)]) == 3
    err = " ".join(capsys.readouterr().err.split())
    assert "one sequence only" in err and "internal error" not in err
    assert not out.exists()


@pytest.mark.parametrize(
    ("seq", "kwargs"),
    [
        ("TRTR", {}),
        ("TRTR", {"abel": True}),
        ("TRTR", {"rsabe": True}),
        ("TRTR", {"nti": True}),
        ("TRR", {}),
        ("TRR", {"rsabe": True}),
        ("RTT", {}),
        ("TRT", {}),
    ],
)
def test_replicate_designs_with_one_sequence_are_refused(seq, kwargs):
    # each period holds one treatment, so the treatment column is a sum of period dummies
    with pytest.raises(DataError) as err:
        be(_crossover([seq], n_per_seq=4), ["AUC"], **kwargs)
    p = _only_problem(err)
    assert (p.file, p.column) == ("<DataFrame>", "sequence")
    assert f"sequence {seq!r}" in p.message and "one sequence only" in p.message


@pytest.mark.parametrize("design", ["auto", "parallel"])
def test_a_treatment_without_rows_is_refused_in_a_parallel_design(design):
    d = pd.DataFrame({"subject": [1, 2, 3, 4], "treatment": "T", "AUC": [100, 90, 120, 80.0]})
    with pytest.raises(DataError) as err:
        be(d, ["AUC"], design=design)
    p = _only_problem(err)
    assert p.column == "treatment"
    assert "no row of treatment 'R'" in p.message


def test_a_treatment_without_rows_is_refused_in_a_crossover():
    with pytest.raises(DataError) as err:
        be(_crossover(["TT"]), ["AUC"])
    p = _only_problem(err)
    assert p.column == "treatment" and "no row of treatment 'R'" in p.message


def test_no_subject_with_both_treatments_is_refused():
    # TT and RR subjects: the treatment indicator is a sum of subject dummies
    with pytest.raises(DataError) as err:
        be(_crossover(["TT", "RR"]), ["AUC"])
    p = _only_problem(err)
    assert p.column == "treatment"
    assert "no subject received both T and R" in p.message


def test_sequences_without_a_shared_period_are_refused():
    # sequence A dosed in periods 1-2, B in periods 3-4: every period holds one treatment
    d = _crossover(["TR", "RT"], n_per_seq=3)
    d["sequence"] = d["sequence"].map({"TR": "A", "RT": "B"})
    d.loc[d["sequence"] == "B", "period"] += 2
    with pytest.raises(DataError) as err:
        be(d, ["AUC"])
    p = _only_problem(err)
    assert p.column == "period"
    assert "period 1: T; period 2: R; period 3: R; period 4: T" in p.message


def test_missing_values_that_leave_one_sequence_are_refused_naming_the_metric():
    d = _crossover(["TR", "RT"], n_per_seq=4).assign(CMAX=lambda x: x["AUC"] / 10)
    d.loc[d["sequence"] == "RT", "CMAX"] = np.nan
    with pytest.raises(DataError) as err:
        be(d, ["AUC", "CMAX"])
    p = _only_problem(err)
    assert p.column == "CMAX"
    assert p.message.startswith("CMAX: with the rows without a value left out, one sequence")
    assert "leave CMAX out" in p.fix


def test_a_missing_period_that_leaves_no_contrast_is_a_data_error_naming_the_metric():
    d = _crossover(["TR", "RT"], n_per_seq=4).assign(CMAX=lambda x: x["AUC"] / 10)
    d.loc[d["period"] == 2, "CMAX"] = np.nan
    with pytest.raises(DataError) as err:
        be(d, ["AUC", "CMAX"])
    p = _only_problem(err)
    assert p.column == "CMAX" and "no subject has values of both T and R" in p.message


def test_one_row_per_subject_with_a_period_column_is_analysed_as_parallel_with_a_note():
    d = _crossover(["TR", "RT"], n_per_seq=4)
    first = d[d["period"] == 1]
    res = be(first, ["AUC"])
    assert res.table.loc[0, "design"] == "parallel"
    (note,) = res.notes
    assert "analysed as a parallel design" in note
    assert "period and sequence columns are not used (period(s) 1)" in note
    # pooled two-sample t on period 1 (T: sequence TR, R: sequence RT), by hand
    lt = np.log(first.loc[first["treatment"] == "T", "AUC"].to_numpy())
    lr = np.log(first.loc[first["treatment"] == "R", "AUC"].to_numpy())
    assert res.table.loc[0, "ratio_pct"] == pytest.approx(
        100 * np.exp(lt.mean() - lr.mean()), rel=1e-12
    )


def test_tr_with_tt_subjects_stays_estimable_and_matches_the_differences_by_hand():
    """Not refused: TT subjects separate the period effect (y2 - y1 = pi), TR subjects give
    y2 - y1 = pi - delta, so delta = mean(D_TT) - mean(D_TR) with the pooled variance of
    the differences (each 2 sigma^2), df n - 2."""
    d = _crossover(["TR", "TT"], n_per_seq=4)
    res = be(d, ["AUC"])
    row = res.table.iloc[0]
    wide = d.pivot(index="subject", columns="period", values="AUC")
    diff = np.log(wide[2]) - np.log(wide[1])
    seq = d.groupby("subject")["sequence"].first()
    tr, tt = diff[seq == "TR"], diff[seq == "TT"]
    delta = tt.mean() - tr.mean()
    n = len(diff)
    ss = ((tr - tr.mean()) ** 2).sum() + ((tt - tt.mean()) ** 2).sum()
    sigma2 = ss / (2 * (n - 2))
    se = np.sqrt(2 * sigma2 * (1 / len(tr) + 1 / len(tt)))
    t = stats.t.ppf(0.95, n - 2)
    assert row["df"] == n - 2
    assert row["ratio_pct"] == pytest.approx(100 * np.exp(delta), rel=1e-10)
    assert row["ci_low_pct"] == pytest.approx(100 * np.exp(delta - t * se), rel=1e-10)
    assert row["ci_high_pct"] == pytest.approx(100 * np.exp(delta + t * se), rel=1e-10)
    assert sum("has no R row" in note for note in res.notes) == 4


def test_unbalanced_two_by_two_matches_the_period_differences():
    """Both sequences, 5 TR and 3 RT subjects: the closed form of the 2x2 (half period
    differences, pooled variance, df n - 2), as before the estimability check."""
    d = pd.concat(
        [_crossover(["TR"], 5), _crossover(["RT"], 3).assign(subject=lambda x: x.subject + 5)]
    )
    row = be(d, ["AUC"]).table.iloc[0]
    wide = d.pivot(index="subject", columns="period", values="AUC")
    half = (np.log(wide[2]) - np.log(wide[1])) / 2
    seq = d.groupby("subject")["sequence"].first()
    tr, rt = half[seq == "TR"], half[seq == "RT"]
    delta = rt.mean() - tr.mean()
    s2 = (((tr - tr.mean()) ** 2).sum() + ((rt - rt.mean()) ** 2).sum()) / 6
    se = np.sqrt(s2 * (1 / 5 + 1 / 3))
    t = stats.t.ppf(0.95, 6)
    assert row["df"] == 6
    assert row["ratio_pct"] == pytest.approx(100 * np.exp(delta), rel=1e-10)
    assert row["ci_low_pct"] == pytest.approx(100 * np.exp(delta - t * se), rel=1e-10)
