"""Acceptance rules (ICH M10 defaults): boundaries, replicates, range revision, QCs."""

import numpy as np
import pytest

from kinetor.bioanalysis import (
    Criteria,
    calibrate_with_rejection,
    passes,
    qc_assessment,
    standards_assessment,
)

LEVELS = np.array([1, 2, 5, 10, 20, 50, 80, 100.0])


def rows_by_name(rows):
    return {r["criterion"]: r for r in rows}


def test_limits_are_inclusive_at_15_and_20_percent():
    # LLOQ: 119.9 % and 80.1 % pass, 120.1 % and 79.9 % fail; others: 115.0 passes
    acc = np.array([119.9, 120.1, 80.1, 79.9, 115.0, 115.1, 85.0, 84.9])
    tol = np.array([20, 20, 20, 20, 15, 15, 15, 15.0])
    assert passes(acc, tol).tolist() == [True, False, True, False, True, False, True, False]
    # 100 * 1.15 / 1.0 is 114.99999999999999 in binary: still exactly at the limit
    assert passes(100 * 1.15 / 1.0, 15.0)
    assert not passes(np.nan, 15.0)


def test_lowest_level_gets_the_lloq_tolerance():
    _, tab = calibrate_with_rejection(LEVELS, 0.01 * LEVELS, weighting="1/x^2")
    assert tab["tolerance_pct"].tolist() == [20.0] + [15.0] * 7


def test_exactly_75_percent_passes():
    # 8 standards on y = 0.01 x except 10 (130 %) and 50 (120 %): both rejected one by
    # one, the refit on the 6 exact points is exact, 6/8 = 75 % and 6 levels pass
    y = 0.01 * LEVELS
    y[3], y[5] = 0.13, 0.60
    _, tab = calibrate_with_rejection(LEVELS, y, weighting="1/x^2")
    assert tab["pass"].tolist() == [True, True, True, False, True, False, True, True]
    assert tab["accuracy_pct"].iloc[3] == pytest.approx(130.0)
    assert tab["accuracy_pct"].iloc[5] == pytest.approx(120.0)
    rng, rows = standards_assessment(LEVELS, tab["pass"])
    r = rows_by_name(rows)
    assert r["standards passing"]["value"] == 0.75 and r["standards passing"]["passed"]
    assert r["standard levels passing"]["passed"]
    assert (rng["lloq"], rng["uloq"]) == (1.0, 100.0)


def test_below_75_percent_fails():
    ok = [True, True, False, True, False, True, False, True]  # 5/8 = 62.5 %
    _, rows = standards_assessment(LEVELS, ok)
    assert not rows_by_name(rows)["standards passing"]["passed"]


def test_too_few_passing_levels_even_with_75_percent():
    # 6 levels x 4 replicates; level 20 has 1 of 4 passing (25 % < 50 %): the level fails
    # 21/24 = 87.5 % of standards pass, but only 5 levels
    x = np.repeat([1, 2, 5, 10, 20, 50.0], 4)
    ok = np.ones(24, bool)
    ok[16:19] = False
    _, rows = standards_assessment(x, ok)
    r = rows_by_name(rows)
    assert r["standards passing"]["passed"]
    assert r["standard levels passing"]["value"] == 5
    assert not r["standard levels passing"]["passed"]


def test_replicate_level_with_half_passing_counts():
    x = np.repeat([1, 2, 5, 10, 20, 50.0], 2)
    ok = np.ones(12, bool)
    ok[0] = False  # one of two LLOQ replicates fails: 50 % -> level passes, LLOQ stays
    rng, rows = standards_assessment(x, ok)
    assert rng["lloq"] == 1.0
    assert rows_by_name(rows)["LLOQ standard passes"]["passed"]


def test_failed_lloq_shrinks_range_to_next_level():
    # LLOQ response 150 % of nominal (1/x weights): rejected first, the refit on the
    # other 7 exact points is exact, so its final accuracy is exactly 150 %
    y = 0.01 * LEVELS
    y[0] = 0.015
    _, tab = calibrate_with_rejection(LEVELS, y, weighting="1/x")
    assert not tab["pass"].iloc[0] and tab["pass"].iloc[1:].all()
    assert tab["accuracy_pct"].iloc[0] == pytest.approx(150.0)
    rng, rows = standards_assessment(LEVELS, tab["pass"])
    assert rng["lloq"] == 2.0 and rng["lloq_nominal"] == 1.0
    r = rows_by_name(rows)["LLOQ standard passes"]
    assert not r["passed"] and not r["required"] and "next passing level 2" in r["note"]


def test_failed_uloq_shrinks_range():
    y = 0.01 * LEVELS
    y[-1] = 1.3  # 130 %
    _, tab = calibrate_with_rejection(LEVELS, y, weighting="1/x^2")
    rng, rows = standards_assessment(LEVELS, tab["pass"])
    assert rng["uloq"] == 80.0
    assert not rows_by_name(rows)["ULOQ standard passes"]["passed"]


def test_no_refit_judges_first_fit_only():
    y = 0.01 * LEVELS
    y[3] = 0.13
    cal, tab = calibrate_with_rejection(
        LEVELS, y, weighting="1/x^2", criteria=Criteria(refit=False)
    )
    assert tab["used_in_fit"].all()
    assert cal.n == 8


@pytest.mark.parametrize(
    ("ok", "overall", "per_level"),
    [
        # 6 QCs (L, L, M, M, H, H); 2 failures in different levels: 4/6 = 2/3 -> pass
        ([True, False, True, False, True, True], True, True),
        # 3 failures: 3/6 = 50 % < 2/3 -> fail; every level still has 50 %
        ([True, False, True, False, False, True], False, True),
        # both M fail: 4/6 overall passes, the M level has 0 % -> fail
        ([True, True, False, False, True, True], True, False),
    ],
)
def test_qc_two_thirds_and_per_level_rules(ok, overall, per_level):
    levels = ["L", "L", "M", "M", "H", "H"]
    _, rows = qc_assessment(levels, [3, 3, 40, 40, 80, 80], ok, 1.0, 100.0)
    r = rows_by_name(rows)
    assert r["QCs passing"]["passed"] is overall
    assert r["QCs passing at each level"]["passed"] is per_level


def test_qc_level_with_one_of_three_fails_the_level_rule():
    # 9 QCs, 2 failing both at M: 7/9 = 77.8 % overall, M has 1/3 = 33 % < 50 %
    levels = ["L"] * 3 + ["M"] * 3 + ["H"] * 3
    ok = [True] * 3 + [True, False, False] + [True] * 3
    tab, rows = qc_assessment(levels, [3] * 3 + [40] * 3 + [80] * 3, ok, 1.0, 100.0)
    r = rows_by_name(rows)
    assert r["QCs passing"]["passed"]
    assert not r["QCs passing at each level"]["passed"]
    assert "M" in r["QCs passing at each level"]["note"]
    assert tab.set_index("qc_level")["fraction_pass"]["M"] == pytest.approx(1 / 3)


def test_qcs_outside_revised_range_do_not_count():
    # ULOQ revised to 50: the H level (80) is outside, 2 levels left < 3 -> fails
    levels = ["L", "L", "M", "M", "H", "H"]
    _, rows = qc_assessment(levels, [3, 3, 40, 40, 80, 80], [True] * 6, 1.0, 50.0)
    r = rows_by_name(rows)
    assert r["QC levels inside calibrated range"]["value"] == 2
    assert not r["QC levels inside calibrated range"]["passed"]
    assert r["QCs passing"]["note"].startswith("4 of 4")


def test_lloq_qc_is_not_one_of_the_three_qc_levels():
    # ICH M10 3.3.1: a study run's QCs are low, medium and high. ULOQ rejected -> range
    # 1-50: the high QC (80) falls out; LLOQ QC (1), LQC (3) and MQC (40) remain, but the
    # LLOQ QC does not count as a level: 2 levels < 3 -> the run fails
    levels = ["LLOQ", "LLOQ", "L", "L", "M", "M", "H", "H"]
    nominal = [1, 1, 3, 3, 40, 40, 80, 80]
    _, rows = qc_assessment(levels, nominal, [True] * 8, 1.0, 50.0, lloq_nominal=1.0)
    r = rows_by_name(rows)
    assert r["QC levels inside calibrated range"]["value"] == 2
    assert not r["QC levels inside calibrated range"]["passed"]
    assert "LLOQ QC" in r["QC levels inside calibrated range"]["note"]
    # with the full range the three L/M/H levels count and the run passes
    _, rows = qc_assessment(levels, nominal, [True] * 8, 1.0, 100.0, lloq_nominal=1.0)
    assert rows_by_name(rows)["QC levels inside calibrated range"]["passed"]
