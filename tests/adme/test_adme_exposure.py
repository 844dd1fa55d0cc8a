"""Free exposure and time above IC50, by hand."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kinetor.adme import free_cmax_over_ic50, free_exposure, time_above, time_above_threshold
from kinetor.errors import DataError, UnitError


def test_time_above_linear_by_hand():
    # 0 -> 10 over 0..1 crosses 5 at 0.5 (0.5 h above), 10 -> 10 (1 h), 10 -> 0 over 2..4
    # crosses at 3 (1 h): 2.5 h
    assert time_above([0, 1, 2, 4], [0, 10, 10, 0], 5.0) == pytest.approx(2.5)
    assert time_above([0, 1], [1, 2], 5.0) == 0.0
    assert time_above([0, 6], [9, 9], 5.0) == pytest.approx(6.0)
    assert np.isnan(time_above([1], [9], 5.0))


def test_time_above_log_down_by_hand():
    # 8 -> 2 over 2 h, threshold 4: t* = 2 * ln(8/4)/ln(8/2) = 1 (linear would give 4/3)
    assert time_above([0, 2], [8, 2], 4.0, "lin-up/log-down") == pytest.approx(1.0)
    assert time_above([0, 2], [8, 2], 4.0) == pytest.approx(4 / 3)


def test_vectorised_matches_per_profile_and_skips_excluded():
    d = pd.DataFrame(
        {
            "subject": ["a"] * 4 + ["b"] * 3,
            "time": [0, 1, 2, 4, 0, 2, 4],
            "conc": [0, 10, 10, 0, 6, 6, 100],
            "exclude": ["", "", "", "", "", "", "outlier"],
        }
    )
    out = time_above_threshold(d, 5.0).set_index("subject")
    assert out.loc["a", "time_above"] == pytest.approx(2.5)
    assert out.loc["a", "pct_of_span"] == pytest.approx(62.5)
    assert out.loc["b", "time_above"] == pytest.approx(2.0)  # the 4 h row is excluded
    # fu applied first: 0.5 x (0, 10, 10, 0) never reaches 5.0 except the plateau (=5)
    half = time_above_threshold(d, 5.0, fu=0.5).set_index("subject")
    assert half.loc["a", "time_above"] == pytest.approx(1.0)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(0, 100), min_size=2, max_size=8), st.floats(0.1, 90))
def test_vectorised_equals_single(conc, thr):
    t = np.arange(len(conc), dtype=float)
    d = pd.DataFrame(
        {
            "subject": ["x"] * len(conc) + ["y"] * len(conc),
            "time": np.concatenate([t, t]),
            "conc": conc + conc[::-1],
        }
    )
    out = time_above_threshold(d, thr).set_index("subject")["time_above"]
    assert out["x"] == pytest.approx(time_above(t, conc, thr), abs=1e-9)
    assert out["y"] == pytest.approx(time_above(t, conc[::-1], thr), abs=1e-9)
    assert 0 <= out["x"] <= t[-1] + 1e-9


def test_free_exposure_from_nca_table():
    p = pd.DataFrame(
        {
            "subject": ["m1"] * 4,
            "PPTESTCD": ["CMAX", "AUCLST", "AUCIFO", "TMAX"],
            "value": [2000.0, 8000.0, 9000.0, 1.0],
            "unit": ["ng/mL", "h*ng/mL", "h*ng/mL", "h"],
        }
    )
    out = free_exposure(p, fu=0.05, ic50=200.0, ic50_unit="nM", mw=462.55)
    assert out["PPTESTCD"].tolist() == ["CMAX", "AUCLST", "AUCIFO"]
    assert out["free_value"].tolist() == pytest.approx([100.0, 400.0, 450.0])
    # free Cmax 100 ng/mL = 100 / 462.55 uM = 216.19 nM; / 200 nM = 1.081
    assert out["free_over_ic50"].iloc[0] == pytest.approx(100 / 462.55 * 1000 / 200)
    assert out["free_over_ic50"].iloc[1:].isna().all()


def test_free_exposure_per_analyte_fu_and_errors():
    p = pd.DataFrame(
        {"analyte": ["P", "M"], "PPTESTCD": "CMAX", "value": [10.0, 4.0], "unit": "nM"}
    )
    out = free_exposure(p, fu={"P": 0.1, "M": 0.5}, ic50=1.0, ic50_unit="nM")
    assert out["free_over_ic50"].tolist() == pytest.approx([1.0, 2.0])
    with pytest.raises(DataError, match="no fu for analyte"):
        free_exposure(p, fu={"P": 0.1})
    with pytest.raises(DataError, match="fu must be in"):
        free_exposure(p, fu=5.0)
    with pytest.raises(UnitError):
        free_exposure(p.assign(unit="ng/mL"), fu=0.1, ic50=1.0, ic50_unit="nM")


def test_free_cmax_over_ic50_same_units():
    assert float(free_cmax_over_ic50(1.0, 0.05, 0.025, "uM", "uM")) == pytest.approx(2.0)
