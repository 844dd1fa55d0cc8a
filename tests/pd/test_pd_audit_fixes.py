"""Audit fixes in kinetor.pd: left-censored animals in growth_delay, IDR kin units."""

import math

import pandas as pd
import pytest

import kinetor.pd as kpd
from kinetor.errors import UnitError


def table(spec, days):
    rows = [(a, g, d, v) for a, (g, vs) in spec.items() for d, v in zip(days, vs, strict=True)]
    return pd.DataFrame(rows, columns=["animal", "group", "day", "volume"])


# threshold 500: "b" is already above it at day 0 (left-censored, crossed before day 0)
LEFT = table(
    {
        "a": ("V", [100.0, 1000.0, 2000.0]),
        "b": ("T", [700.0, 800.0, 900.0]),
        "c": ("T", [100.0, 400.0, 1600.0]),
        "d": ("T", [100.0, 200.0, 800.0]),
    },
    (0.0, 10.0, 20.0),
)
# log-linear crossing of 500: a 10 ln 5 / ln 10; c 10 + 10 ln(500/400)/ln 4;
# d 10 + 10 ln(500/200)/ln 4
T_A = 10 * math.log(5) / math.log(10)
T_C = 10 + 10 * math.log(1.25) / math.log(4)
T_D = 10 + 10 * math.log(2.5) / math.log(4)


def test_growth_delay_ranks_a_left_censored_animal_first():
    res = kpd.growth_delay(LEFT, "V", threshold=500.0).set_index("group")
    t = res.loc["T"]
    # b crossed before day 0: ranked first, so the median of {b, c, d} is c's time
    assert t["time_to_threshold"] == pytest.approx(T_C)
    assert t["tgd"] == pytest.approx(T_C - T_A)
    assert (t["n"], t["n_reached"], t["n_left_censored"]) == (3, 2, 1)
    assert "left-censored" in t["reason"] and t["reason"].endswith(": b")
    v = res.loc["V"]
    assert v["n_left_censored"] == 0 and v["reason"] == ""


def test_growth_delay_mean_is_not_defined_with_a_left_censored_animal():
    t = kpd.growth_delay(LEFT, "V", threshold=500.0, stat="mean").set_index("group").loc["T"]
    assert math.isnan(t["time_to_threshold"]) and math.isnan(t["tgd"])
    assert "mean not defined" in t["reason"] and t["reason"].endswith(": b")


def test_growth_delay_median_before_the_first_measurement():
    # two of three animals already above: the median crossing is before day 0, unknown
    df = table(
        {
            "a": ("V", [100.0, 1000.0]),
            "b": ("T", [700.0, 800.0]),
            "c": ("T", [600.0, 900.0]),
            "d": ("T", [100.0, 1000.0]),
        },
        (0.0, 10.0),
    )
    t = kpd.growth_delay(df, "V", threshold=500.0).set_index("group").loc["T"]
    assert math.isnan(t["time_to_threshold"])
    assert "median time before the first measurement" in t["reason"]


def test_growth_delay_group_with_every_animal_left_censored():
    # the reported case: threshold 500, treated animal at 700, 800, 900 -> was day 0, TGD -10.25
    df = table({"a": ("V", [100.0, 300.0, 900.0]), "b": ("T", [700.0, 800.0, 900.0])}, (0, 7, 14))
    res = kpd.growth_delay(df, "V", threshold=500.0).set_index("group")
    t = res.loc["T"]
    assert math.isnan(t["time_to_threshold"]) and math.isnan(t["tgd"])
    assert (t["n"], t["n_reached"], t["n_left_censored"]) == (1, 0, 1)
    assert "no animal below 500" in t["reason"] and t["reason"].endswith(": b")
    # control: 7 + 7 ln(500/300)/ln 3
    ct = 7 + 7 * math.log(5 / 3) / math.log(3)
    assert res.loc["V", "time_to_threshold"] == pytest.approx(ct)


def test_growth_delay_left_censored_control_is_named_in_the_treated_rows():
    df = table({"a": ("V", [600.0, 900.0]), "b": ("T", [100.0, 1000.0])}, (0, 10))
    res = kpd.growth_delay(df, "V", threshold=500.0).set_index("group")
    assert math.isnan(res.loc["V", "time_to_threshold"])
    assert "left-censored" in res.loc["V", "reason"]
    # b: 10 ln 5 / ln 10; tgd NaN, the reason points to the control row
    assert res.loc["T", "time_to_threshold"] == pytest.approx(T_A)
    assert math.isnan(res.loc["T", "tgd"]) and "control" in res.loc["T", "reason"]


INHIBIT = {"imax": 0.5, "ic50": 1.0}
STIMULATE = {"emax": 1.0, "ec50": 1.0}


@pytest.mark.parametrize(
    ("model", "drug"),
    [
        (kpd.IndirectResponseI, INHIBIT),
        (kpd.IndirectResponseII, INHIBIT),
        (kpd.IndirectResponseIII, STIMULATE),
        (kpd.IndirectResponseIV, STIMULATE),
    ],
)
def test_idr_kin_is_a_plain_number_not_a_quantity(model, drug):
    # as the docstrings now say: kin in the data's response units, a quantity is refused
    with pytest.raises(UnitError, match="plain number"):
        model(kin="10 1/h", kout=1.0, **drug)
    # kout may be a quantity; no drug: baseline kin/kout = 10
    assert model(kin=10.0, kout="1 1/h", **drug).steady_state(0.0) == pytest.approx(10.0)
