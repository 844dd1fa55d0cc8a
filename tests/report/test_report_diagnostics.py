"""Half-life diagnostic plot (lambda_z points, fitted line, text box) and parameter plots."""

import numpy as np
import pandas as pd
import pytest
from _report_data import LN2, make_parameters, make_study

from kinetor.nca.registry import summary_statistic
from kinetor.report import plot_half_life, plot_parameter_distribution


def _line(ax, prefix):
    found = [ln for ln in ax.get_lines() if ln.get_label().startswith(prefix)]
    assert len(found) == 1, f"expected one line labelled {prefix!r}..., got {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def data():
    return make_study(), make_parameters()


def test_half_life_axis_is_log_and_points_highlighted(data):
    study, params = data
    ax = plot_half_life(study, params, "s1").axes[0]
    assert ax.get_yscale() == "log"
    pts = _line(ax, "\u03bbz points")
    # LAMZLL = 2, LAMZUL = 8: the samples at 2, 4, 8 h (8, 4, 1 ng/mL) are the fit points
    assert pts.get_xdata().tolist() == [2.0, 4.0, 8.0]
    assert pts.get_ydata().tolist() == [8.0, 4.0, 1.0]
    assert pts.get_label() == "\u03bbz points (n=3)"
    assert _line(ax, "other samples").get_xdata().tolist() == [1.0]
    blq = _line(ax, "BLQ")
    assert blq.get_markerfacecolor() == "none" and blq.get_ydata().tolist() == [0.5]


def test_half_life_line_slope_is_minus_lamz_through_clstp(data):
    study, params = data
    ax = plot_half_life(study, params, "s1").axes[0]
    fit = _line(ax, "fit: slope -LAMZ")
    x, y = np.asarray(fit.get_xdata()), np.asarray(fit.get_ydata())
    slopes = np.diff(np.log(y)) / np.diff(x)
    assert slopes == pytest.approx(np.full(slopes.size, -LN2 / 2))  # LAMZ = ln2 / 2
    assert (x[0], x[-1]) == (2.0, 8.0)  # LAMZLL .. TLST
    assert y[-1] == pytest.approx(1.9)  # CLSTP at TLST
    assert y[0] == pytest.approx(1.9 * 8)  # 6 h earlier = 3 half-lives: x 2^3


def test_half_life_range_and_text_box(data):
    study, params = data
    ax = plot_half_life(study, params, "s1").axes[0]
    span = [p for p in ax.patches if p.get_label().startswith("\u03bbz range")]
    assert len(span) == 1 and span[0].get_label() == "\u03bbz range 2.00\u20138.00"
    x0 = span[0].get_x()
    assert (x0, x0 + span[0].get_width()) == (2.0, 8.0)
    box = "\n".join(t.get_text() for t in ax.texts)
    for expected in (
        "t\u00bd = 2.00 h",
        "\u03bbz = 0.347 1/h",
        "adj. R\u00b2 = 0.998",
        "n points = 3",
        "AUC %extrap = 4.20 %",
    ):
        assert expected in box


def test_half_life_not_estimated_shows_reason_and_no_line(data):
    study, params = data
    ax = plot_half_life(study, params, "s2").axes[0]
    labels = [ln.get_label() for ln in ax.get_lines()]
    assert not any(lb.startswith("fit") for lb in labels)
    box = "\n".join(t.get_text() for t in ax.texts)
    assert "\u03bbz not estimated" in box and "flag: too few points" in box


def test_half_life_without_clstp_uses_least_squares_intercept(data):
    study, params = data
    params = params[params["PPTESTCD"] != "CLSTP"]
    fit = _line(plot_half_life(study, params, "s1").axes[0], "fit")
    # c = 8, 4, 1 at t = 2, 4, 8 lie exactly on c = 2^(-(t - 8)/2): ln c + lamz (t - 8) = 0
    # for all three points, so the intercept at TLST = 8 is exp(0) = 1
    assert fit.get_ydata()[-1] == pytest.approx(1.0)


def test_half_life_without_clstp_or_points_draws_no_line(data):
    study, params = data
    params = params[params["PPTESTCD"] != "CLSTP"]
    points = pd.DataFrame({"subject": ["s1"], "time": [1.0], "used": [False]})
    ax = plot_half_life(study, params, "s1", lambda_z_points=points).axes[0]
    assert not any(ln.get_label().startswith("fit") for ln in ax.get_lines())
    assert "t\u00bd = 2.00 h" in "\n".join(t.get_text() for t in ax.texts)


def test_half_life_times_relative_to_interval_start():
    st = make_study(("s1",))
    st.conc["time"] += 24.0
    st.conc["nominal_time"] += 24.0
    base = make_parameters().query("subject == 's1'").assign(start=24.0)
    ax = plot_half_life(st, base, "s1").axes[0]
    assert _line(ax, "\u03bbz points").get_xdata().tolist() == [2.0, 4.0, 8.0]
    assert ax.get_xlabel() == "Time after interval start (h)"
    absolute = base.copy()
    mask = absolute["PPTESTCD"].isin(["LAMZLL", "LAMZUL", "TLST"])
    absolute.loc[mask, "value"] += 24.0
    ax = plot_half_life(st, absolute, "s1", relative_times=False).axes[0]
    assert _line(ax, "\u03bbz points").get_xdata().tolist() == [26.0, 28.0, 32.0]
    assert _line(ax, "fit").get_ydata()[-1] == pytest.approx(1.9)


def test_half_life_accepts_result_object(data):
    study, params = data

    class Result:
        parameters = params

    fig = plot_half_life(study, Result(), "s4")
    assert _line(fig.axes[0], "\u03bbz points").get_xdata().tolist() == [2.1, 4.2, 8.3]


def test_parameter_distribution_scales_points_and_flags(data):
    _, params = data
    fig = plot_parameter_distribution(params, ["CMAX", "TMAX", "AUCIFO", "LAMZHL", "NOPE"])
    axes = {ax.get_title(): ax for ax in fig.axes if ax.get_visible()}
    assert list(axes) == ["CMAX", "TMAX", "AUCIFO", "LAMZHL"]
    assert {k: ax.get_yscale() for k, ax in axes.items()} == {
        "CMAX": "log",
        "TMAX": "linear",
        "AUCIFO": "log",
        "LAMZHL": "linear",
    }

    def points(ax, marker):
        return sorted(
            v for ln in ax.get_lines() if ln.get_marker() == marker for v in ln.get_ydata()
        )

    assert points(axes["CMAX"], "o") == [6.0, 10.0, 20.0, 30.0]
    # AUCIFO: s2 is NaN (not drawn), s3 is flagged (cross, not in the box)
    assert points(axes["AUCIFO"], "o") == [41.75, 125.0]
    assert points(axes["AUCIFO"], "x") == [85.0]
    assert axes["CMAX"].get_ylabel() == "CMAX (ng/mL)"
    # jitter stays within its group's slot and is reproducible
    xs = [x for ln in axes["CMAX"].get_lines() if ln.get_marker() == "o" for x in ln.get_xdata()]
    assert all(abs(x - round(x)) <= 0.15 for x in xs)
    again = plot_parameter_distribution(params, ["CMAX"]).axes[0]
    assert [x for ln in again.get_lines() if ln.get_marker() == "o" for x in ln.get_xdata()] == xs


@pytest.mark.parametrize(
    ("code", "stat"),
    [
        ("CMAX", "geometric"),
        ("AUCLST", "geometric"),
        ("AUCIFO", "geometric"),
        ("CLST", "geometric"),
        ("CLFO", "geometric"),
        ("VZFO", "geometric"),
        ("TMAX", "median"),
        ("TLST", "median"),
        ("TLAG", "median"),
        ("LAMZHL", "arithmetic"),
        ("R2ADJ", "arithmetic"),
        ("LAMZNPT", "median"),  # PKNCA: lambda.z.n.points median and range
        ("AUCPEO", "arithmetic"),
        ("LAMZSPN", "arithmetic"),
    ],
)
def test_summary_statistic_follows_pknca_defaults(code, stat):
    assert summary_statistic(code) == stat


def test_half_life_highlights_the_points_the_fit_used(data):
    # a lambda_z points table (as NCAResult.lambda_z_points) where the 2 h sample was
    # excluded by hand: only 4 and 8 h are highlighted although both lie in LAMZLL..LAMZUL
    study, params = data
    points = pd.DataFrame(
        {
            "subject": "s1",
            "analyte": "ANALYTE",
            "matrix": "PLASMA",
            "start": 0.0,
            "end": np.inf,
            "time": [1.0, 2.0, 4.0, 8.0],
            "conc": [10.0, 8.0, 4.0, 1.0],
            "used": [False, False, True, True],
        }
    )
    ax = plot_half_life(study, params, "s1", lambda_z_points=points).axes[0]
    assert _line(ax, "\u03bbz points").get_xdata().tolist() == [4.0, 8.0]
    assert _line(ax, "other samples").get_xdata().tolist() == [1.0, 2.0]
