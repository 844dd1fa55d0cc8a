"""Allometric PK (an assumption set): hand-calculated scaling of the human sets."""

import pytest

from kinetor.errors import ModelError
from kinetor.translate.allometry import allometric_pk
from kinetor.translate.arms import drug_model


def _num(text):
    return float(text.split()[0])


def test_alpelisib_scaled_by_hand():
    # human: CL/F 10 L/h, V/F 108 L (70 kg); mouse 0.025 kg
    # CL = 10 x (0.025/70)^0.75 / 0.025 = 10 x 0.0025978 / 0.025 = 1.0391 L/h/kg
    # V = 108 / 70 = 1.5429 L/kg
    p = allometric_pk("alpelisib", "mouse")
    assert _num(p["cl"]) == pytest.approx(1.0391, rel=1e-3)
    assert _num(p["v"]) == pytest.approx(1.5429, rel=1e-4)
    assert _num(p["ka"]) == 1.5 and p["f"] == 1.0
    assert p["fu"] == pytest.approx(0.108)  # the human value, carried over
    assert p["status"] == "assumption" and "human fu carried over" in p["source"]


def test_exponent_one_keeps_clearance_per_kg():
    p = allometric_pk("capivasertib", "mouse", cl_exponent=1.0)
    assert _num(p["cl"]) == pytest.approx(49.57 / 70, rel=1e-4)


def test_the_scaled_set_drives_the_chain():
    dm = drug_model("everolimus", "mouse", allometric_pk("everolimus", "mouse"))
    assert dm.pk_status == "assumption" and dm.fu == pytest.approx(0.26)


def test_no_human_set_is_a_clear_error():
    with pytest.raises(ModelError, match="no PK model set"):
        allometric_pk("fulvestrant", "mouse")
