"""Concentration-time figures: scales, BLQ symbols, dose marks, spaghetti lines, mean +/- SD."""

import math

import numpy as np
import pytest
from _report_data import make_study
from matplotlib.colors import to_rgba

from kinetor.errors import DataError
from kinetor.report import (
    mean_profile_table,
    plot_individual,
    plot_mean_profiles,
    plot_spaghetti,
    plot_sparse_profile,
)


def _line(ax, label):
    found = [ln for ln in ax.get_lines() if ln.get_label() == label]
    assert len(found) == 1, f"expected one line labelled {label!r}, got {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def study():
    return make_study()


def test_individual_has_linear_and_log_panels(study):
    fig = plot_individual(study, "s1")
    assert [ax.get_yscale() for ax in fig.axes] == ["linear", "log"]


def test_individual_measured_blq_and_doses(study):
    fig = plot_individual(study, "s1")
    for ax in fig.axes:
        measured = _line(ax, "measured")
        assert measured.get_xdata().tolist() == [1.0, 2.0, 4.0, 8.0]
        assert measured.get_ydata().tolist() == [10.0, 8.0, 4.0, 1.0]
        blq = _line(ax, "BLQ (plotted at LLOQ)")
        # BLQ at t = 0 drawn at the LLOQ (0.5) with an open (unfilled) marker
        assert blq.get_xdata().tolist() == [0.0]
        assert blq.get_ydata().tolist() == [0.5]
        assert blq.get_markerfacecolor() == "none"
        assert blq.get_marker() == "o"
        dose = _line(ax, "dose")
        assert sorted(dose.get_xdata().tolist()) == [0.0, 6.0]  # s1 dosed at 0 and 6 h
        # caret ticks sit on the x axis: x in data units, y in axes fraction
        assert dose.get_transform() == ax.get_xaxis_transform()
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "BLQ (plotted at LLOQ)" in legend and "dose" in legend


def test_individual_excluded_sample_is_a_cross(study):
    fig = plot_individual(study, "s3")
    excl = _line(fig.axes[0], "excluded")
    assert excl.get_marker() == "x"
    assert excl.get_xdata().tolist() == [4.0] and excl.get_ydata().tolist() == [9.0]
    assert 9.0 not in _line(fig.axes[0], "measured").get_ydata().tolist()


def test_individual_actual_versus_nominal_time(study):
    actual = _line(plot_individual(study, "s4").axes[0], "measured").get_xdata().tolist()
    nominal = (
        _line(plot_individual(study, "s4", time="nominal_time").axes[0], "measured")
        .get_xdata()
        .tolist()
    )
    assert actual == [1.1, 2.1, 4.2, 8.3]
    assert nominal == [1.0, 2.0, 4.0, 8.0]


def test_individual_without_blq_has_no_blq_entry():
    st = make_study(("s3",))
    labels = [ln.get_label() for ln in plot_individual(st, "s3").axes[0].get_lines()]
    assert "BLQ (plotted at LLOQ)" in labels  # s3 is BLQ at 0 h
    st.conc.loc[st.conc["blq"], ["blq", "conc"]] = [False, 0.0]
    fig = plot_individual(st, "s3")
    assert "BLQ (plotted at LLOQ)" not in [ln.get_label() for ln in fig.axes[0].get_lines()]
    # the measured zero is drawn on the linear axis but not on the log axis
    assert 0.0 in _line(fig.axes[0], "measured").get_ydata().tolist()
    assert 0.0 not in _line(fig.axes[1], "measured").get_ydata().tolist()


def test_spaghetti_one_log_panel_per_group_one_line_per_subject(study):
    fig = plot_spaghetti(study)
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == ["A (n=2)", "B (n=2)"]
    assert all(ax.get_yscale() == "log" for ax in axes)
    a, b = axes
    assert _line(a, "s1").get_ydata().tolist() == [10.0, 8.0, 4.0, 1.0]
    assert _line(a, "s2").get_ydata().tolist() == [6.0, 5.0, 2.0]  # BLQ omitted
    assert _line(b, "s3").get_xdata().tolist() == [1.0, 2.0, 8.0]  # excluded omitted
    assert _line(b, "s4").get_xdata().tolist() == [1.0, 2.0, 4.0, 8.0]  # nominal time
    colours = {to_rgba(_line(a, s).get_color()) for s in ("s1", "s2")}
    assert len(colours) == 2  # coloured by subject
    assert "Nominal time (h)" in a.get_xlabel()


def test_mean_profile_table_hand_values(study):
    tab = mean_profile_table(study).set_index(["group", "time"])
    # group A, 1 h: s1 = 10, s2 = 6 -> mean 8, SD = sqrt((2^2 + 2^2)/1) = 2.828427, SE = 2
    row = tab.loc[("A", 1.0)]
    assert (row["n"], row["mean"]) == (2, 8.0)
    assert row["sd"] == pytest.approx(math.sqrt(8)) and row["se"] == pytest.approx(2.0)
    # group A, 8 h: s1 = 1, s2 BLQ counted as 0 -> mean 0.5, one BLQ
    assert tab.loc[("A", 8.0), "mean"] == 0.5 and tab.loc[("A", 8.0), "n_blq"] == 1
    # group B, 4 h: s3 excluded (hemolysed) -> only s4 = 12, SD undefined
    assert tab.loc[("B", 4.0), "n"] == 1 and tab.loc[("B", 4.0), "mean"] == 12.0
    assert np.isnan(tab.loc[("B", 4.0), "sd"])


def test_mean_profile_table_blq_options(study):
    miss = mean_profile_table(study, blq_as="missing").set_index(["group", "time"])
    half = mean_profile_table(study, blq_as="half-lloq").set_index(["group", "time"])
    assert miss.loc[("A", 8.0), "n"] == 1 and miss.loc[("A", 8.0), "mean"] == 1.0
    assert half.loc[("A", 8.0), "mean"] == pytest.approx((1.0 + 0.25) / 2)
    with pytest.raises(ValueError, match="blq_as"):
        mean_profile_table(study, blq_as="drop")


def _segments(ax, i):
    """(x, low, high) of the error bars of the i-th errorbar series."""
    bars = ax.containers[i].lines[2][0]
    return [(s[0][0], s[0][1], s[1][1]) for s in bars.get_segments()]


def test_mean_profiles_sd_bars_and_scales(study):
    fig = plot_mean_profiles(study)
    lin, log = fig.axes[0], fig.axes[1]
    assert (lin.get_yscale(), log.get_yscale()) == ("linear", "log")
    sd = math.sqrt(8)  # group A at 1 h: mean 8, SD 2.828427
    lin_a = {x: (lo, hi) for x, lo, hi in _segments(lin, 0)}
    log_a = {x: (lo, hi) for x, lo, hi in _segments(log, 0)}
    assert lin_a[1.0] == pytest.approx((8 - sd, 8 + sd))
    assert log_a[1.0] == pytest.approx((8.0, 8 + sd))  # upper bar only on the log axis
    assert 0.0 not in log_a  # mean 0 cannot be drawn on log


def test_mean_profiles_n_per_time_point(study):
    fig = plot_mean_profiles(study)
    # the log panel has no point at 0 h (both groups' mean is 0: all BLQ), so no n either
    for strip, times in zip(
        fig.axes[2:], ((0.0, 1.0, 2.0, 4.0, 8.0), (1.0, 2.0, 4.0, 8.0)), strict=True
    ):
        texts = {(t.get_position(), t.get_text()) for t in strip.texts}
        # row 0 = group A (n = 2 everywhere), row 1 = group B (n = 1 at 4 h: one excluded)
        assert {((x, 0), "2") for x in times} <= texts
        assert ((4.0, 1), "1") in texts and ((8.0, 1), "2") in texts
        assert len(strip.texts) == 2 * len(times)


def test_sparse_profile_uses_standard_error(study):
    fig = plot_sparse_profile(study)
    lin_a = {x: (lo, hi) for x, lo, hi in _segments(fig.axes[0], 0)}
    # group A at 1 h: mean 8, SE = SD / sqrt(2) = 2
    assert lin_a[1.0] == pytest.approx((6.0, 10.0))
    assert "SE" in fig.axes[0].get_title()
    # the individual samples are drawn behind the means: A has 4 + 3 measured samples,
    # B has 3 (s3 without the excluded one) + 4
    dots = [ln for ln in fig.axes[0].get_lines() if ln.get_marker() == "."]
    assert sum(len(d.get_xdata()) for d in dots) == 7 + 7


def test_several_analytes_need_a_choice(study):
    st = make_study()
    st.conc.loc[st.conc["subject"] == "s1", "analyte"] = "M1"
    with pytest.raises(DataError, match="analyte"):
        plot_individual(st, "s2")
    assert plot_individual(st, "s1", analyte="M1").axes[0].get_ylabel().startswith("M1")


def test_groups_are_in_dose_order_not_text_order():
    st = make_study()
    st.subjects["group"] = ["PO 10 mg/kg", "PO 10 mg/kg", "PO 3 mg/kg", "PO 3 mg/kg"]
    titles = [ax.get_title() for ax in plot_spaghetti(st).axes if ax.get_visible()]
    assert titles == ["PO 3 mg/kg (n=2)", "PO 10 mg/kg (n=2)"]
    assert list(dict.fromkeys(mean_profile_table(st)["group"])) == ["PO 3 mg/kg", "PO 10 mg/kg"]
