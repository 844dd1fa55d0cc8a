"""Growth rates, rate-based T/C, doubling time, growth delay, mRECIST, body weight: hand
values on constructed data."""

import math

import numpy as np
import pandas as pd
import pytest

from kinetor.pd import (
    best_response,
    body_weight_change,
    doubling_time,
    growth_delay,
    growth_rates,
    rate_based_tc,
    response_summary,
)


def table(spec, days):
    rows = [(a, g, d, v) for a, (g, vs) in spec.items() for d, v in zip(days, vs, strict=True)]
    return pd.DataFrame(rows, columns=["animal", "group", "day", "volume"])


STUDY = table(
    {
        "c1": ("Vehicle", [100.0, 200.0, 400.0]),
        "c2": ("Vehicle", [120.0, 240.0, 480.0]),
        "t1": ("Drug", [100.0, 120.0, 150.0]),
        "t2": ("Drug", [80.0, 100.0, 90.0]),
    },
    (0.0, 7.0, 14.0),
)


def test_growth_rates_by_hand():
    r = growth_rates(STUDY).set_index("animal")
    # three equally spaced days: OLS slope = (y14 - y0) / 14
    assert r.loc["c1", "rate"] == pytest.approx(math.log(2) / 7)
    assert r.loc["t1", "rate"] == pytest.approx(math.log(1.5) / 14)
    assert r.loc["t2", "rate"] == pytest.approx(math.log(1.125) / 14)
    # c1 lies exactly on a line: residual SE 0; t1 does not:
    # residuals of ln(100), ln(120), ln(150) about the fit: middle point off by
    # ln(120) - (ln(100) + ln(150))/2 = ln(120 / sqrt(15000)) = -0.0102565...
    # SSE = e^2 (1 + 1/4 + 1/4) ... with e_mid = d * 2/3, e_ends = -d/3 where d = -0.0102565
    d = math.log(120 / math.sqrt(15000))
    sse = (2 * d / 3) ** 2 + 2 * (d / 3) ** 2
    assert r.loc["c1", "rate_se"] == pytest.approx(0.0, abs=1e-12)
    assert r.loc["t1", "rate_se"] == pytest.approx(math.sqrt(sse / 1 / 98))
    assert r.loc["c1", "doubling_time"] == pytest.approx(7.0)


def test_rate_based_tc_by_hand():
    res = rate_based_tc(STUDY, control="Vehicle").set_index("group")
    # mean rate Drug = (ln 1.5 + ln 1.125)/28 = ln(1.6875)/28; Vehicle = ln 2 / 7; dt = 14
    # T/C = exp(ln(1.6875)/2 - 2 ln 2) = sqrt(1.6875) / 4 = 0.32476
    assert res.loc["Drug", "tc_ratio"] == pytest.approx(math.sqrt(1.6875) / 4)
    assert res.loc["Drug", "duration"] == 14.0
    assert res.loc["Vehicle", "tc_ratio"] == pytest.approx(1.0)
    assert res.loc["Drug", "n"] == 2
    assert "Hather" in res.loc["Drug", "formula"]
    # an explicit duration (21 days): exp(21 (ln(1.6875)/28 - ln2/7)) = 1.6875^0.75 / 8
    res21 = rate_based_tc(STUDY, control="Vehicle", duration=21).set_index("group")
    assert res21.loc["Drug", "tc_ratio"] == pytest.approx(1.6875**0.75 / 8)


def test_doubling_time_by_hand():
    res = doubling_time(STUDY).set_index("group")
    assert res.loc["Vehicle", "doubling_time"] == pytest.approx(7.0)
    # Drug: ln 2 / (ln(1.6875)/28) = 28 ln 2 / ln 1.6875 = 37.0907...
    assert res.loc["Drug", "doubling_time"] == pytest.approx(28 * math.log(2) / math.log(1.6875))


def test_zero_volume_needs_a_floor():
    df = STUDY.copy()
    df.loc[(df["animal"] == "t2") & (df["day"] == 14.0), "volume"] = 0.0
    r = growth_rates(df).set_index("animal")
    assert math.isnan(r.loc["t2", "rate"]) and "volume_floor" in r.loc["t2", "reason"]
    # floor 50: ln 50 at day 14 -> slope (ln 50 - ln 80) / 14
    r50 = growth_rates(df, volume_floor=50.0).set_index("animal")
    assert r50.loc["t2", "rate"] == pytest.approx(math.log(50 / 80) / 14)


DELAY = table(
    {
        "c1": ("Vehicle", [100.0, 400.0, 1600.0]),
        "c2": ("Vehicle", [100.0, 400.0, 1600.0]),
        "t1": ("Drug", [100.0, 200.0, 400.0]),
        "t2": ("Drug", [100.0, 150.0, 300.0]),
    },
    (0.0, 10.0, 20.0),
)


def test_growth_delay_log_linear_by_hand():
    res = growth_delay(DELAY, control="Vehicle", threshold=200.0).set_index("group")
    # control: 100 -> 400 over 10 days, ln2/ln4 = 1/2 -> day 5
    # t1 reaches 200 exactly on day 10; t2: 10 + 10 ln(200/150)/ln 2 = 14.150375
    t2 = 10 + 10 * math.log(200 / 150) / math.log(2)
    assert res.loc["Vehicle", "time_to_threshold"] == pytest.approx(5.0)
    assert res.loc["Drug", "time_to_threshold"] == pytest.approx((10 + t2) / 2)
    assert res.loc["Drug", "tgd"] == pytest.approx((10 + t2) / 2 - 5.0)


def test_growth_delay_linear_and_censoring():
    res = growth_delay(DELAY, "Vehicle", 200.0, interpolation="linear").set_index("group")
    # control (200-100)/(400-100) = 1/3 -> 3.333; t2 10 + 10 (50/150) = 13.333
    assert res.loc["Vehicle", "time_to_threshold"] == pytest.approx(10 / 3)
    assert res.loc["Drug", "time_to_threshold"] == pytest.approx((10 + 40 / 3) / 2)
    # threshold 350: t2 never reaches it (max 300) -> median of {t1, inf} is not reached
    res = growth_delay(DELAY, "Vehicle", 350.0).set_index("group")
    assert res.loc["Drug", "n_reached"] == 1
    assert math.isnan(res.loc["Drug", "tgd"]) and "not reached" in res.loc["Drug", "reason"]


MRECIST = table(
    {
        # dV: 0, -50, -96, -98; running means 0, -25, -48.67, -61 -> BR -98, BAR -61: CR
        "cr": ("Drug", [100.0, 50.0, 4.0, 2.0]),
        # dV: 0, -20, -55, -60; running means 0, -10, -25, -33.75 -> PR
        "pr": ("Drug", [100.0, 80.0, 45.0, 40.0]),
        # dV: 0, 10, 20, 30; running means 0, 5, 10, 15 -> BR 20 (days >= 10), BAR 10: SD
        "sd": ("Drug", [100.0, 110.0, 120.0, 130.0]),
        # dV 0, 50, 100, 200 -> PD
        "pd": ("Vehicle", [100.0, 150.0, 200.0, 300.0]),
    },
    (0.0, 7.0, 14.0, 21.0),
)


def test_best_response_and_mrecist_by_hand():
    br = best_response(MRECIST).set_index("animal")
    assert br.loc["cr", "best_response"] == pytest.approx(-98.0)
    assert br.loc["cr", "best_avg_response"] == pytest.approx(-61.0)
    assert br.loc["pr", "best_avg_response"] == pytest.approx(-33.75)
    assert br.loc["sd", "best_response"] == pytest.approx(20.0)
    assert br.loc["sd", "best_response_day"] == 14.0
    assert br["mrecist"].to_dict() == {"cr": "CR", "pd": "PD", "pr": "PR", "sd": "SD"}
    summ = response_summary(MRECIST).set_index("group")
    assert summ.loc["Drug", ["n", "cr", "pr", "sd", "pd", "n_regression"]].tolist() == [
        3,
        1,
        1,
        1,
        0,
        2,
    ]
    assert summ.loc["Drug", "orr"] == pytest.approx(2 / 3)


def test_best_response_needs_late_measurements():
    early = MRECIST[MRECIST["day"] < 10]
    br = best_response(early)
    assert br["best_response"].isna().all() and (br["mrecist"] == "").all()
    assert br["reason"].str.contains("days after baseline").all()


def test_body_weight_change_by_hand():
    df = pd.DataFrame(
        {
            "animal": ["w1"] * 3 + ["w2"] * 3,
            "group": "G",
            "day": [0, 7, 14] * 2,
            "weight": [20.0, 19.0, 18.0, 25.0, 20.0, 26.0],
        }
    )
    res = body_weight_change(df, loss_threshold=15.0).set_index("day")
    # day 7: -5 % and -20 % -> mean -12.5, SD 10.6066, SEM 7.5; one animal lost > 15 %
    assert res.loc[7.0, "mean_pct"] == pytest.approx(-12.5)
    assert res.loc[7.0, "sem_pct"] == pytest.approx(7.5)
    assert res.loc[7.0, "n_loss_over"] == 1
    # day 14: -10 % and +4 % -> -3
    assert res.loc[14.0, "mean_pct"] == pytest.approx(-3.0)
    assert res.loc[0.0, "mean_pct"] == 0.0
    assert np.isfinite(res["sem_pct"]).all()
