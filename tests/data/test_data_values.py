"""Cell parsing: ISO 8601 durations and date-times, BLQ/ALQ text, flags (hand values)."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kinetor.data.values import (
    classify_conc,
    format_duration,
    parse_datetimes,
    parse_durations,
    parse_flags,
    parse_numbers,
)


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("PT2H", 2.0),
        ("PT30M", 0.5),  # 30/60
        ("P1D", 24.0),
        ("PT1H30M", 1.5),  # 1 + 30/60
        ("-PT0.5H", -0.5),
        ("P1DT2H", 26.0),  # 24 + 2
        ("PT15S", 15 / 3600),
        ("PT0H", 0.0),
        ("P1W", 168.0),  # 7 x 24
        ("PT1,5H", 1.5),  # ISO 8601 allows a decimal comma
        ("pt45m", 0.75),  # case is ignored
        ("P2DT12H30M", 60.5),  # 48 + 12 + 0.5
    ],
)
def test_iso_durations(text, hours):
    values, bad = parse_durations(pd.Series([text]))
    assert not bad[0]
    assert values[0] == pytest.approx(hours, abs=1e-12)


@pytest.mark.parametrize("text", ["P", "PT", "2H", "P1Y", "P1M", "PT-1H", "1 hour", "T2H"])
def test_bad_durations(text):
    values, bad = parse_durations(pd.Series([text]))
    assert bad[0] and math.isnan(values[0])


def test_empty_duration_is_missing_not_bad():
    values, bad = parse_durations(pd.Series(["", "."]))
    assert not bad.any() and np.isnan(values).all()


@pytest.mark.parametrize(
    ("hours", "text"),
    [(2.0, "PT2H"), (0.25, "PT0.25H"), (-0.5, "-PT0.5H"), (0.0, "PT0H"), (24.0, "PT24H")],
)
def test_format_duration(hours, text):
    assert format_duration(hours) == text


def test_format_duration_nan_is_empty():
    assert format_duration(float("nan")) == ""


@given(st.floats(min_value=-1e4, max_value=1e4, allow_nan=False))
def test_duration_round_trip(hours):
    back, bad = parse_durations(pd.Series([format_duration(hours)]))
    assert not bad[0]
    assert back[0] == pytest.approx(hours, rel=1e-15, abs=1e-300)


def test_classify_concentration_text():
    cells = [
        "1.5",
        "BLQ",
        "bql",
        "<LLOQ",
        "< LLOQ",
        "<0.5",
        "BLQ (<0.25)",
        "ND",
        "NQ",
        "BLOQ",
        "<BLQ",
        ">ULOQ",
        "ALQ",
        ">1000",
        "",
        ".",
        "abc",
        "-2",
        "1e3",
        "< 2 ng/mL",
    ]
    c = classify_conc(pd.Series(cells))
    assert c["kind"].tolist() == [
        "number",
        "blq",
        "blq",
        "blq",
        "blq",
        "blq",
        "blq",
        "blq",
        "blq",
        "blq",
        "blq",
        "alq",
        "alq",
        "alq",
        "missing",
        "missing",
        "bad",
        "number",
        "number",
        "blq",
    ]
    np.testing.assert_array_equal(c["limit"][[5, 6, 13, 19]], [0.5, 0.25, 1000.0, 2.0])
    assert c["limit_unit"][19] == "ng/mL"
    assert c["value"][0] == 1.5 and c["value"][17] == -2.0 and c["value"][18] == 1000.0


def test_flags():
    flags, bad = parse_flags(pd.Series(["Y", "n", "", "1", "0", "TRUE", "false", "maybe"]))
    assert flags.tolist() == [True, False, False, True, False, True, False, False]
    assert bad.tolist() == [False] * 7 + [True]


def test_numbers_missing_and_bad():
    values, missing, bad = parse_numbers(pd.Series(["1", "", "NA", "x", "2.5e-1"]))
    assert values[0] == 1.0 and values[4] == 0.25
    assert missing.tolist() == [False, True, True, False, False]
    assert bad.tolist() == [False, False, False, True, False]


def test_datetimes():
    stamps, date_only, bad = parse_datetimes(
        pd.Series(
            [
                "2021-03-04T08:30",
                "2021-03-04",
                "2021-03",
                "",
                "04/03/2021",
                "2021-03-04T08:30:15.5",
                "2021-03-04T08:30Z",
            ]
        )
    )
    assert stamps[0] == pd.Timestamp("2021-03-04 08:30")
    assert date_only.tolist() == [False, True, False, False, False, False, False]
    assert pd.isna(stamps[2]) and not bad[2]  # partial date: no time, not an error
    assert bad.tolist() == [False, False, False, False, True, False, False]
    assert stamps[5] == pd.Timestamp("2021-03-04 08:30:15.5")
    assert stamps[6] == pd.Timestamp("2021-03-04 08:30")
