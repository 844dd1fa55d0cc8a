"""LLOQ sources (column, global, inferred) and BLQ in mean profiles and figures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study, fill_lloq, read_study
from kinetor.report import mean_profile_table, plot_individual, plot_mean_profiles

UNITS = {"time": "h", "conc": "ng/mL", "dose": "mg"}


def _study(conc):
    doses = pd.DataFrame(
        {"subject": sorted(conc["subject"].unique()), "time": 0.0, "dose": 1.0, "route": "PO"}
    )
    return Study(conc, doses, units=UNITS)


def test_lloq_inferred_from_lt_entries_of_the_same_analyte(tmp_path):
    path = tmp_path / "lab.csv"
    pd.DataFrame(
        {
            "subject": [1, 1, 1, 1, 2, 2],
            "time": [1, 2, 4, 8, 1, 8],
            "conc": ["5.0", "2.0", "<0.5", "BLQ", "4.0", "BLQ"],
            "dose": 1.0,
            "route": "PO",
        }
    ).to_csv(path, index=False)
    st = read_study(path, units=UNITS)
    assert np.isnan(st.conc["lloq"]).sum() > 0  # the bare BLQ rows have none
    filled = fill_lloq(st)
    assert filled.conc["lloq"].tolist() == [0.5] * 6
    assert any("0.5 ng/mL given to" in n for n in filled.notes)


def test_global_lloq_fills_and_reclassifies_values_below_it():
    conc = pd.DataFrame(
        {
            "subject": "a",
            "time": [1.0, 2, 4, 8],
            "conc": [5.0, 2.0, 0.3, np.nan],
            "blq": [False, False, False, True],
        }
    )
    st = fill_lloq(_study(conc), lloq=1.0)
    assert st.conc["lloq"].tolist() == [1.0] * 4
    assert st.conc["blq"].tolist() == [False, False, True, True]
    assert np.isnan(st.conc["conc"].iloc[2])
    assert st.conc["conc_reported"].iloc[2] == 0.3  # the number is kept
    assert any("below the LLOQ 1" in n for n in st.notes)


def test_mean_with_more_than_half_blq_is_reported_as_blq_and_not_plotted():
    # 3 subjects at 8 h: two BLQ (LLOQ 1) and one 3 ng/mL -> BLQ, no mean
    conc = pd.DataFrame(
        {
            "subject": ["a", "b", "c"] * 2,
            "time": [1.0] * 3 + [8.0] * 3,
            "nominal_time": [1.0] * 3 + [8.0] * 3,
            "conc": [6.0, 9.0, 3.0, np.nan, np.nan, 3.0],
            "blq": [False] * 3 + [True, True, False],
            "lloq": 1.0,
        }
    )
    tab = mean_profile_table(_study(conc)).set_index("time")
    assert tab.loc[1.0, "mean"] == pytest.approx(6.0) and not tab.loc[1.0, "blq"]
    assert tab.loc[8.0, "blq"] and np.isnan(tab.loc[8.0, "mean"])
    fig = plot_mean_profiles(_study(conc))
    assert "reported as BLQ" in fig._suptitle.get_text()
    line = fig.axes[0].lines[0]
    assert np.isfinite(np.asarray(line.get_ydata(), float)).sum() == 1  # only the 1 h mean


def test_bare_blq_without_lloq_is_said_not_silently_dropped():
    conc = pd.DataFrame(
        {
            "subject": "a",
            "time": [1.0, 2, 8],
            "conc": [5.0, 2.0, np.nan],
            "blq": [False, False, True],
        }
    )
    fig = plot_individual(_study(conc), "a")
    texts = " ".join(t.get_text() for t in fig.texts)
    assert "1 BLQ sample(s) without a known LLOQ not plotted" in texts
    # with an LLOQ it is drawn at the LLOQ
    fig2 = plot_individual(fill_lloq(_study(conc), lloq=0.5), "a")
    labels = [t.get_text() for t in fig2.axes[0].get_legend().get_texts()]
    assert "BLQ (plotted at LLOQ)" in labels
    assert "without a known LLOQ" not in " ".join(t.get_text() for t in fig2.texts)


def test_validate_warns_about_blq_without_lloq_and_takes_lloq(tmp_path, capsys):
    from kinetor.cli.main import main

    path = tmp_path / "lab.csv"
    pd.DataFrame(
        {
            "subject": 1,
            "time": [1, 2, 4, 8],
            "conc": ["5.0", "2.0", "1.0", "BLQ"],
            "dose": 1.0,
            "route": "PO",
        }
    ).to_csv(path, index=False)
    args = ["validate", str(path), "--time-unit", "h", "--conc-unit", "ng/mL", "--dose-unit", "mg"]
    assert main(args) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "warning: 1 BLQ sample(s) have no LLOQ (rows 5)" in text
    assert main([*args, "--lloq", "0.5"]) == 0
    assert "warning" not in capsys.readouterr().out
