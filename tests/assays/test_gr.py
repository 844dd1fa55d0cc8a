"""GR metrics (Hafner 2016) on counts built from a known GR curve."""

import numpy as np
import pandas as pd
import pytest

from kinetor.assays import fit_gr, gr_values
from kinetor.errors import DataError

DOSES = np.array([0.001, 0.01, 0.1, 1.0, 10.0])


def counts(gr_inf, gec50, x0=100.0, xc=400.0):
    gr = gr_inf + (1 - gr_inf) / (1 + DOSES / gec50)
    # invert GR = 2^(log2(x/x0)/log2(xc/x0)) - 1 with log2(xc/x0) = 2
    return x0 * (gr + 1) ** 2, gr


def test_gr_values_closed_form():
    assert gr_values([400.0, 100.0, 50.0], 400.0, 100.0) == pytest.approx(
        [1.0, 0.0, -0.29289], rel=1e-4
    )


def test_gr_metrics_by_hand():
    x, gr = counts(-0.5, 0.1)
    xs, _ = counts(0.4, 1.0)
    df = pd.DataFrame(
        {
            "dose": np.tile(DOSES, 2),
            "count": np.r_[x, xs],
            "count_control": 400.0,
            "count_t0": 100.0,
            "drug": ["tox"] * 5 + ["static"] * 5,
        }
    )
    r = fit_gr(df, by="drug", dose_unit="uM").set_index("drug")
    # GR50 (Hafner 2016): -0.5 + 1.5 / (1 + c/0.1) = 0.5  ->  c = 0.05
    assert r.loc["tox", "GR50"] == pytest.approx(0.05, rel=1e-6)
    assert r.loc["tox", "GR50_text"] == "GR50 = 0.05 uM"
    # GR100 (GR = 0): -0.5 + 1.5 / (1 + c/0.1) = 0  ->  c = 0.2
    assert r.loc["tox", "GR100"] == pytest.approx(0.2, rel=1e-6)
    assert r.loc["tox", "GRinf"] == pytest.approx(-0.5, rel=1e-6)
    assert r.loc["tox", "GRmax"] == pytest.approx(-0.5 + 1.5 / 101, rel=1e-6)
    # trapezoids of 1 - GR on unit log10 spacing, divided by the 4-decade range
    one_minus = 1 - gr
    aoc = (one_minus[0] / 2 + one_minus[1:4].sum() + one_minus[4] / 2) / 4
    assert r.loc["tox", "GR_AOC"] == pytest.approx(aoc, rel=1e-9)
    # GRinf = 0.4: 0.4 + 0.6 / (1 + c) = 0.5 -> GR50 = 5; GR never reaches 0: a bound
    assert r.loc["static", "GR50"] == pytest.approx(5.0, rel=1e-6)
    assert np.isnan(r.loc["static", "GR100"])
    assert r.loc["static", "GR100_text"] == "GR stays above 0: GR100 > 10 uM"


def test_non_growing_control_is_an_error():
    df = pd.DataFrame({"dose": DOSES, "count": 100.0, "count_control": 90.0, "count_t0": 100.0})
    with pytest.raises(DataError, match="control did not grow"):
        fit_gr(df)
