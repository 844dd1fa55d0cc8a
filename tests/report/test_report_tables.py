"""Parameter listing, summary table formatting, summary statistics, 3 significant figures."""

import math

import numpy as np
import pandas as pd
import pytest
from _report_data import make_parameters
from hypothesis import given
from hypothesis import strategies as st

from kinetor.errors import DataError
from kinetor.nca.summary import summarise
from kinetor.report import format_sig, order_codes, parameter_listing, summary_table


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1234.5, "1230"),
        (123.45, "123"),
        (12.345, "12.3"),
        (1.0, "1.00"),
        (0.5, "0.500"),
        (0.012345, "0.0123"),
        (99.96, "100"),
        (0.0009996, "0.00100"),
        (0.0, "0"),
        (-2.345, "-2.35"),
        (2.5e7, "2.50e+07"),
        (1.5e-6, "1.50e-06"),
        (float("nan"), ""),
        (None, ""),
        (3, "3.00"),  # integers like floats (a count column is shown as "3" by the table)
        ("text", "text"),
        (float("inf"), "Inf"),
    ],
)
def test_format_sig_three_significant_figures(value, text):
    assert format_sig(value) == text


@given(st.floats(min_value=1e-4, max_value=1e6, allow_nan=False))
def test_format_sig_is_within_half_a_unit_of_the_third_figure(x):
    # property: the text, read back, differs from x by at most half a unit in the 3rd
    # significant figure of x (plus a little for the round-up across a decade)
    back = float(format_sig(x))
    unit = 10 ** (math.floor(math.log10(x)) - 2)
    assert abs(back - x) <= 0.5 * unit * (1 + 1e-9) + 1e-12


def test_listing_wide_with_units_and_flags():
    lst = parameter_listing(make_parameters())
    assert list(lst.columns) == [
        "subject",
        "group",
        "CMAX (ng/mL)",
        "TMAX (h)",
        "TLST (h)",
        "AUCLST (h*ng/mL)",
        "AUCIFO (h*ng/mL)",
        "AUCPEO (%)",
        "LAMZ (1/h)",
        "LAMZHL (h)",
        "LAMZLL (h)",
        "LAMZUL (h)",
        "LAMZNPT",
        "R2ADJ",
        "CLSTP (ng/mL)",
        "flags",
    ]
    assert lst["subject"].tolist() == ["s1", "s2", "s3", "s4"]
    rows = lst.set_index("subject")
    assert rows.loc["s4", "CMAX (ng/mL)"] == 30.0
    assert rows.loc["s2", "flags"] == "too few points [LAMZ, LAMZHL]"
    assert rows.loc["s3", "flags"] == "R2ADJ < 0.97 [AUCIFO]"
    assert rows.loc["s3", "AUCIFO (h*ng/mL)"] == 85.0  # flagged values are kept
    assert rows.loc["s1", "flags"] == ""


def test_listing_drops_parameters_nobody_has():
    p = make_parameters()
    p.loc[p["PPTESTCD"] == "AUCPEO", "value"] = np.nan
    assert "AUCPEO (%)" not in parameter_listing(p).columns
    assert "AUCPEO (%)" in parameter_listing(p, drop_empty=False).columns


def test_listing_codes_and_intervals():
    p = make_parameters()
    extra = p[p["subject"] == "s1"].assign(end=24.0)
    lst = parameter_listing(pd.concat([p, extra]), codes=["TMAX", "CMAX"])
    assert list(lst.columns) == [
        "subject",
        "group",
        "start",
        "end",
        "CMAX (ng/mL)",
        "TMAX (h)",
        "flags",
    ]
    assert len(lst) == 5 and lst["end"].tolist().count(24.0) == 1


def test_listing_accepts_interval_column_names():
    p = make_parameters().rename(columns={"start": "interval_start", "end": "interval_end"})
    assert "CMAX (ng/mL)" in parameter_listing(p).columns


def test_listing_rejects_a_table_without_codes():
    with pytest.raises(DataError, match="PPTESTCD"):
        parameter_listing(pd.DataFrame({"subject": ["1"], "value": [1.0]}))


def _summary():
    return pd.DataFrame(
        {
            "group": ["A", "B", "A", "B", "A", "A"],
            "PPTESTCD": ["CMAX", "CMAX", "TMAX", "TMAX", "LAMZHL", "AUCIFO"],
            "n": [3, 4, 3, 4, 2, 0],
            "mean": [10.0, 20.0, 1.2, 2.0, 2.25, np.nan],
            "sd": [1.0, 2.0, 0.3, 0.5, 0.3536, np.nan],
            "geomean": [9.876, 19.5, 1.1, 1.9, 2.2, np.nan],
            "geocv": [10.04, 20.0, 25.0, 25.0, 15.7, np.nan],
            "median": [10.0, 20.0, 1.0, 2.0, 2.25, np.nan],
            "min": [9.0, 18.0, 0.5, 1.0, 2.0, np.nan],
            "max": [11.0, 22.5, 2.0, 4.0, 2.5, np.nan],
            "unit": ["ng/mL", "ng/mL", "h", "h", "h", "h*ng/mL"],
        }
    )


def test_summary_table_default_statistic_per_parameter():
    tab = summary_table(_summary())
    assert list(tab.columns) == ["Parameter", "Statistic", "A", "B"]
    rows = {(r["Parameter"], r["Statistic"]): (r["A"], r["B"]) for r in tab.to_dict("records")}
    assert rows[("CMAX (ng/mL)", "n")] == ("3", "4")
    geo = "geometric mean (geometric CV%)"
    assert rows[("CMAX (ng/mL)", geo)] == ("9.88 (10.0)", "19.5 (20.0)")
    # times as recorded (not padded to 3 significant figures)
    assert rows[("TMAX (h)", "median (min\u2013max)")] == ("1 (0.5\u20132)", "2 (1\u20134)")
    assert rows[("LAMZHL (h)", "mean (SD)")] == ("2.25 (0.354)", "")  # B has no LAMZHL
    assert rows[("AUCIFO (h*ng/mL)", geo)] == ("NC", "")
    # report order: CMAX, TMAX, AUCIFO, LAMZHL
    assert list(dict.fromkeys(tab["Parameter"])) == [
        "CMAX (ng/mL)",
        "TMAX (h)",
        "AUCIFO (h*ng/mL)",
        "LAMZHL (h)",
    ]


def test_summary_table_statistic_comes_from_the_registry_and_the_missing_rule():
    # a summary's own 'statistic' text does not choose the statistic: the registry does
    s = _summary().assign(statistic="mean [SD]", n_missing=0)
    s.loc[s["PPTESTCD"] == "TMAX", "n_missing"] = [4, 4]  # 3 of 7 and 4 of 8 present
    tab = summary_table(s)
    rows = {(r["Parameter"], r["Statistic"]): (r["A"], r["B"]) for r in tab.to_dict("records")}
    assert rows[("CMAX (ng/mL)", "geometric mean (geometric CV%)")] == (
        "9.88 (10.0)",
        "19.5 (20.0)",
    )
    assert ("CMAX (ng/mL)", "mean (SD)") not in rows
    # A: 3 present, 4 missing -> more than half missing -> NC; B: 4 of 8 -> still shown
    assert rows[("TMAX (h)", "median (min\u2013max)")] == ("NC", "2 (1\u20134)")


def test_summary_table_splits_intervals_and_needs_codes():
    s = pd.concat(
        [_summary().assign(start=0.0, end=24.0), _summary().assign(start=0.0, end=np.inf)]
    )
    tab = summary_table(s, codes=["CMAX"])
    assert sorted(set(tab["Parameter"])) == [
        "CMAX (ng/mL) [0\u201324.0]",
        "CMAX (ng/mL) [0\u2013Inf]",
    ]
    with pytest.raises(DataError):
        summary_table(pd.DataFrame({"group": ["A"], "n": [1]}))


def test_summarise_hand_values():
    s = summarise(make_parameters(), groups=["group"]).set_index(["group", "PPTESTCD"])
    cmax = s.loc[("A", "CMAX")]
    # CMAX A: 10 and 6 -> mean 8, SD = sqrt(8) = 2.828427, geometric mean sqrt(60) = 7.745967
    assert (cmax["n"], cmax["mean"]) == (2, 8.0)
    assert cmax["sd"] == pytest.approx(math.sqrt(8))
    assert cmax["geomean"] == pytest.approx(math.sqrt(60))
    # SD of logs = ln(10/6)/sqrt(2) = 0.5108256/1.4142136 = 0.3612082, squared 0.1304714;
    # e^0.1304714 - 1 = 0.1393653 (series to x^5); geo CV = 100 sqrt(0.1393653) = 37.3317
    assert cmax["geocv_pct"] == pytest.approx(37.3317, abs=1e-3)
    assert cmax["cv_pct"] == pytest.approx(100 * math.sqrt(8) / 8)
    # AUCIFO B: s3 fails an acceptance rule but is kept (Phoenix, PKNCA) unless asked
    assert s.loc[("B", "AUCIFO"), "n"] == 2 and s.loc[("B", "AUCIFO"), "n_flagged"] == 1
    out = summarise(make_parameters(), groups=["group"], exclude_flagged=True)
    out = out.set_index(["group", "PPTESTCD"])
    assert out.loc[("B", "AUCIFO"), "n"] == 1 and out.loc[("B", "AUCIFO"), "mean"] == 125.0
    # LAMZHL A: s2 is NaN (and flagged) -> n = 1
    assert s.loc[("A", "LAMZHL"), "n"] == 1
    assert s.loc[("A", "TMAX"), "unit"] == "h"


def test_order_codes():
    assert order_codes(["R2ADJ", "AUCIFO", "XYZ", "CMAX", "ABC", "TMAX"]) == [
        "CMAX",
        "TMAX",
        "AUCIFO",
        "R2ADJ",
        "ABC",
        "XYZ",
    ]
