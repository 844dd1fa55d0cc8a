"""The one plotting layer (kinetor._figures): Figures returned, the user's backend never
changed, BLQ samples drawn at the LLOQ, user text saved literally."""

from __future__ import annotations

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from kinetor._figures import BLQ_LABEL, HIGHLIGHT, new_figure, plot_blq, save_figure


def _study(subject: str = "S1"):
    """One subject, LLOQ 5 ng/mL, BLQ at 0 h and 24 h (entered by hand)."""
    from kinetor.data import Study

    times = [0.0, 1.0, 2.0, 4.0, 8.0, 24.0]
    conc = pd.DataFrame(
        {
            "subject": subject,
            "nominal_time": times,
            "time": times,
            "conc": [np.nan, 50.0, 30.0, 12.0, 6.0, np.nan],
            "lloq": 5.0,
            "blq": [True, False, False, False, False, True],
        }
    )
    doses = pd.DataFrame({"subject": [subject], "time": [0.0], "dose": [10.0], "route": ["iv"]})
    subj = pd.DataFrame({"subject": [subject], "group": ["10 mg/kg"]})
    return Study(
        conc, doses, subj, units={"time": "h", "conc": "ng/mL", "dose": "mg/kg"}, groups=["group"]
    )


def _blq_lines(fig):
    return [ln for ax in fig.axes for ln in ax.lines if ln.get_label() == BLQ_LABEL]


def test_individual_profile_draws_blq_at_the_lloq():
    from kinetor.report import plot_individual

    fig = plot_individual(_study(), "S1")
    lines = _blq_lines(fig)
    assert len(lines) == 2  # linear and semi-log panel
    for ln in lines:
        assert ln.get_xdata().tolist() == [0.0, 24.0]
        assert ln.get_ydata().tolist() == [5.0, 5.0]
        assert ln.get_markerfacecolor() == "none"  # open symbol
        assert matplotlib.colors.same_color(ln.get_markeredgecolor(), HIGHLIGHT)


def test_plot_blq_leaves_out_samples_without_an_lloq():
    _, ax = new_figure(3, 3, squeeze=True)
    assert plot_blq(ax, [1.0, 2.0, 3.0], [5.0, np.nan, 2.0]) == 2
    assert ax.lines[0].get_xdata().tolist() == [1.0, 3.0]
    assert ax.lines[0].get_ydata().tolist() == [5.0, 2.0]
    assert plot_blq(ax, [1.0], [np.nan]) == 0
    assert len(ax.lines) == 1


def test_save_figure_writes_user_text_literally(tmp_path):
    fig, ax = new_figure(3, 3, squeeze=True)
    ax.set_title("animal $\\foo$")  # not valid mathtext: saving raised before
    ax.set_ylabel("volume (mm$^3$)")
    out = save_figure(fig, tmp_path / "f.png")
    assert out == tmp_path / "f.png"
    assert out.read_bytes().startswith(b"\x89PNG")
    assert not ax.title.get_parse_math() and ax.yaxis.label.get_parse_math()


def test_a_user_style_does_not_recolour_kinetor_figures():
    from cycler import cycler
    from matplotlib import rc_context

    from kinetor._figures import PALETTE
    from kinetor.report import plot_individual

    with rc_context({"axes.prop_cycle": cycler(color=["#000000", "#ffffff"])}):
        fig = plot_individual(_study(), "S1")
        _, ax = new_figure(3, 3, squeeze=True)
        (line,) = ax.plot([0, 1], [0, 1])
    measured = [ln for ln in fig.axes[0].lines if ln.get_label() == "measured"]
    assert matplotlib.colors.same_color(measured[0].get_color(), PALETTE[0])
    assert matplotlib.colors.same_color(line.get_color(), PALETTE[0])


@pytest.fixture
def svg_backend():
    """The user's backend is 'svg' (any backend other than Agg shows a switch)."""
    before = matplotlib.get_backend()
    matplotlib.use("svg")
    yield "svg"
    matplotlib.use(before)


def _report_profiles():
    from kinetor.report import (
        plot_individual,
        plot_mean_profiles,
        plot_spaghetti,
        plot_sparse_profile,
    )
    from kinetor.report._example import example_study

    study, _ = example_study()
    return [
        plot_individual(study, "S1"),
        plot_spaghetti(study),
        plot_mean_profiles(study),
        plot_sparse_profile(study),
    ]


def _volumes():
    from kinetor.pd.plots import plot_volumes

    df = pd.DataFrame(
        {
            "animal": ["a", "b", "c", "d"] * 2,
            "group": ["vehicle", "vehicle", "drug", "drug"] * 2,
            "day": [0] * 4 + [7] * 4,
            "volume": [100.0, 110.0, 105.0, 95.0, 300.0, 320.0, 150.0, 140.0],
        }
    )
    return [plot_volumes(df, control="vehicle"), plot_volumes(df, log=True)]


def _excretion():
    from kinetor.adme import cumulative_excretion
    from kinetor.adme.plot import plot_excretion

    d = pd.DataFrame(
        {
            "subject": ["R1"] * 4,
            "matrix": ["urine", "urine", "feces", "feces"],
            "start": [0, 8, 0, 24],
            "end": [8, 24, 24, 48],
            "amount": [0.1, 0.06, 1.2, 0.4],
        }
    )
    return [plot_excretion(cumulative_excretion(d, dose=2.0, amount_unit="mg", dose_unit="mg"))]


def _calibration():
    from kinetor.bioanalysis import analyse_run
    from kinetor.bioanalysis.plot import plot_calibration

    levels = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0]
    run = pd.DataFrame(
        {
            "sample_id": [f"S{c:g}" for c in levels] + ["QL", "QM", "QH"],
            "sample_type": ["standard"] * len(levels) + ["qc"] * 3,
            "nominal_conc": [*levels, 3.0, 40.0, 160.0],
            "area_ratio": [*(0.01 * c for c in levels), 0.031, 0.39, 1.62],
        }
    )
    return list(plot_calibration(analyse_run(run)).values())


def _screens():
    from kinetor.screens.plots import plot_guides, plot_qc, plot_rank, plot_volcano

    rng = np.random.default_rng(0)
    genes = pd.DataFrame(
        {
            "gene": [f"G{i}" for i in range(20)],
            "neg_rank": np.arange(1, 21),
            "pos_rank": np.arange(20, 0, -1),
            "neg_score": np.linspace(1e-6, 0.9, 20),
            "pos_score": np.linspace(0.9, 1e-3, 20),
            "neg_fdr": np.linspace(0.001, 1, 20),
            "pos_fdr": np.linspace(1, 0.2, 20),
            "neg_p_value": np.linspace(1e-5, 1, 20),
            "pos_p_value": np.linspace(1, 1e-2, 20),
            "neg_lfc": np.linspace(-3, 1, 20),
        }
    )
    guides = pd.DataFrame({"gene": np.repeat(genes["gene"], 4), "lfc": rng.normal(size=80)})
    counts = rng.poisson(100, size=(50, 3)).astype(float)
    pca = pd.DataFrame({"sample": ["A", "B", "C"], "PC1": [1.0, 0, -1], "PC2": [0.0, 1, 0]})
    return [
        plot_rank(genes),
        plot_volcano(genes),
        plot_guides(guides, "G0"),
        plot_qc(counts, ["A", "B", "C"], pca=pca),
    ]


def _assays():
    from kinetor.assays.plots import plot_blot, plot_matrix, plot_plate, plot_survival

    wells = pd.DataFrame(
        {
            "plate": "P1",
            "row": ["A", "A", "B", "B"],
            "column": [1, 2, 1, 2],
            "value": [1.0, 2.0, 3.0, 4.0],
        }
    )
    matrix = pd.DataFrame([[0.0, 5.0], [3.0, 10.0]], index=[0.0, 1.0], columns=[0.0, 2.0])
    image = np.random.default_rng(1).random((40, 60)) * 1000
    bands = pd.DataFrame(
        {"blot": "b", "lane": [1, 2], "x0": [5, 30], "x1": [20, 45], "y0": [10, 10], "y1": [20, 20]}
    )
    data = pd.DataFrame(
        {"group": "ctl", "dose": [0.0, 2.0, 4.0], "surviving_fraction": [1.0, 0.5, 0.15]}
    )
    fits = pd.DataFrame({"group": ["ctl"], "alpha": [0.3], "beta": [0.03]})
    return [
        plot_plate(wells),
        plot_matrix(matrix, title="t"),
        plot_matrix(matrix, surface=True),
        plot_blot(image, bands),
        plot_survival(data, fits),
    ]


def _translate():
    from kinetor.translate.validate_result import ValidationResult
    from kinetor.translate.window import ScheduleOptimum

    table = pd.DataFrame(
        {
            "interval": ["QD", "QD"],
            "pattern": ["continuous", "continuous"],
            "peak_glucose_mg_dL": [150.0, 250.0],
            "tgi_typical_pct": [40.0, 70.0],
        }
    )
    sched = ScheduleOptimum(table, None, table, {"max_glucose": 200.0})
    pred = pd.DataFrame(
        {
            "study_id": "X",
            "split": "train",
            "arm": ["a", "b"],
            "observed_kind": "TGI (%)",
            "observed": [50.0, 70.0],
            "observed_high": [np.nan, 80.0],
            "predicted": [45.0, 72.0],
            "predicted_lo": [30.0, 60.0],
            "predicted_hi": [60.0, 85.0],
        }
    )
    return [sched.plot(), ValidationResult(pred, pd.DataFrame(), pd.DataFrame()).plot_study("X")]


def _bioequivalence():
    from kinetor.report.popfit import plot_be_forest

    res = pd.DataFrame(
        {
            "metric": ["AUC", "CMAX"],
            "ratio_pct": [98.0, 104.0],
            "ci_low_pct": [90.0, 92.0],
            "ci_high_pct": [106.0, 117.0],
        }
    )
    return [plot_be_forest(res)]


@pytest.mark.parametrize(
    "make",
    [
        _report_profiles,
        _volumes,
        _excretion,
        _calibration,
        _screens,
        _assays,
        _translate,
        _bioequivalence,
    ],
    ids=lambda f: f.__name__.strip("_"),
)
def test_public_plots_return_figures_and_keep_the_backend(svg_backend, make, tmp_path):
    figures = make()
    assert figures and all(isinstance(f, Figure) for f in figures)
    assert matplotlib.get_backend() == svg_backend
    for i, fig in enumerate(figures):  # every figure can be written by the caller
        assert save_figure(fig, tmp_path / f"{i}.png").stat().st_size > 0
    assert matplotlib.get_backend() == svg_backend
