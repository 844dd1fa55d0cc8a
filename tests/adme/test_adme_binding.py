"""Protein binding: dialysis, ultrafiltration with NSB, dilution correction, by hand."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kinetor.adme import (
    binding_table,
    blood_to_plasma,
    dialysis_recovery,
    fu_dialysis,
    fu_ultrafiltration,
    fu_undiluted,
)
from kinetor.errors import DataError, KinetorError


def test_dialysis_by_hand():
    assert float(fu_dialysis(5.0, 100.0)) == pytest.approx(0.05)
    # volume shift 1.25: fu_app = 0.04, 1/fu_app - 1 = 24, 1/D = 0.8 -> 0.8 / 24.8
    assert float(fu_dialysis(2.0, 50.0, volume_shift=1.25)) == pytest.approx(0.8 / 24.8)
    # 10 % plasma (D = 10), fu_app 0.5: 0.1 / (1 + 0.1)
    assert float(fu_dialysis(50.0, 100.0, dilution=10)) == pytest.approx(0.1 / 1.1)


def test_ultrafiltration_with_nsb_or_recovery_by_hand():
    # (4/100) / (1 - 0.2) = 0.05
    assert float(fu_ultrafiltration(4.0, 100.0, nsb=0.2)) == pytest.approx(0.05)
    # (3/100) / 0.75 = 0.04
    assert float(fu_ultrafiltration(3.0, 100.0, recovery=0.75)) == pytest.approx(0.04)
    assert float(fu_ultrafiltration(3.0, 100.0)) == pytest.approx(0.03)
    with pytest.raises(KinetorError, match="not both"):
        fu_ultrafiltration(3.0, 100.0, nsb=0.1, recovery=0.9)


def test_kalvass_maurer_by_hand():
    # fu_app 0.2 in 1:5 plasma: (1/5) / ((5 - 1) + 1/5) = 0.2 / 4.2
    assert float(fu_undiluted(0.2, 5.0)) == pytest.approx(0.2 / 4.2)
    assert float(fu_undiluted(0.37, 1.0)) == pytest.approx(0.37)


@settings(max_examples=80, deadline=None)
@given(fu=st.floats(1e-4, 1.0), d=st.floats(1.0, 100.0))
def test_dilution_round_trip(fu, d):
    # diluting plasma D-fold divides bound/free by D: fu_app = 1 / (1 + (1/fu - 1)/D)
    fu_app = 1.0 / (1.0 + (1.0 / fu - 1.0) / d)
    assert fu_app >= fu - 1e-12  # dilution can only raise the apparent fu
    assert float(fu_undiluted(fu_app, d)) == pytest.approx(fu, rel=1e-9)


def test_recovery_and_blood_to_plasma():
    # (5 * 0.2 + 90 * 0.2) / (100 * 0.2) = 19/20 = 95 %
    assert float(dialysis_recovery(5.0, 90.0, 100.0, 0.2, 0.2)) == pytest.approx(95.0)
    # buffer 0.35 mL: (46 * 0.35 + 920 * 0.2) / (1000 * 0.2) = (16.1 + 184)/200
    assert float(dialysis_recovery(46.0, 920.0, 1000.0, 0.35, 0.2)) == pytest.approx(100.05)
    assert float(blood_to_plasma(0.9, 1.2)) == pytest.approx(0.75)


def test_binding_table_dialysis_summary():
    d = pd.DataFrame(
        {
            "compound": ["A"] * 3 + ["B"] * 2,
            "species": "rat",
            "c_buffer": [4.0, 5.0, 6.0, 10.0, 30.0],
            "c_plasma": [100.0] * 5,
        }
    )
    rep, summ = binding_table(d)
    s = summ.set_index("compound")
    # A: fu 0.04, 0.05, 0.06 -> mean 0.05, SD 0.01, CV 20 %; B: 0.1, 0.3 -> 0.2
    assert s.loc["A", "fu_mean"] == pytest.approx(0.05)
    assert s.loc["A", "fu_sd"] == pytest.approx(0.01)
    assert s.loc["A", "fu_cv_pct"] == pytest.approx(20.0)
    assert s.loc["A", "pct_bound_mean"] == pytest.approx(95.0)
    assert s.loc["B", "fu_mean"] == pytest.approx(0.2)
    assert rep["fu"].tolist() == pytest.approx([0.04, 0.05, 0.06, 0.1, 0.3])


def test_binding_table_corrections():
    d = pd.DataFrame(
        {
            "c_buffer": [2.0],
            "c_plasma": [50.0],
            "v_plasma_initial": [0.2],
            "v_plasma_final": [0.25],
            "c0": [40.0],
            "v_buffer": [0.15],
            "v_plasma": [0.25],
        }
    )
    rep, _ = binding_table(d)
    assert rep["fu"].iloc[0] == pytest.approx(0.8 / 24.8)
    # (2 * 0.15 + 50 * 0.25) / (40 * 0.2) = 12.8 / 8 = 160 %: arithmetic only
    assert rep["recovery_pct"].iloc[0] == pytest.approx(160.0)
    uf = pd.DataFrame({"c_uf": [4.0], "c_total": [100.0], "nsb": [0.2], "dilution": [1.0]})
    rep, _ = binding_table(uf, method="ultrafiltration")
    assert rep["fu"].iloc[0] == pytest.approx(0.05)


def test_binding_table_bad_rows():
    d = pd.DataFrame(
        {
            "c_ultrafiltrate": ["4", "x", "-1", "3"],
            "c_total": ["100", "100", "100", "0"],
            "nsb": ["0.2", "0.2", "0.2", "18"],
        }
    )
    with pytest.raises(DataError) as err:
        binding_table(d, method="ultrafiltration", file="uf.csv")
    got = {(p.row, p.column) for p in err.value.problems}
    assert {(3, "c_ultrafiltrate"), (4, "c_ultrafiltrate"), (5, "c_total"), (5, "nsb")} <= got
    with pytest.raises(DataError, match="c_plasma"):
        binding_table(pd.DataFrame({"c_buffer": [1.0]}))
    with pytest.raises(KinetorError, match="unknown binding method"):
        binding_table(d, method="gel")


def test_seed_plasma_protein_binding_gives_fu_005():
    # seed 000: human plasma protein binding 95 % (status: as stated in the seed)
    assert 1 - 0.95 == pytest.approx(float(fu_dialysis(5.0, 100.0)))
    assert np.isfinite(fu_dialysis(5.0, 100.0))
