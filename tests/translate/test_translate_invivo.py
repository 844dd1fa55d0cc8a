"""In vivo potency shift from a published in vivo EC50 (hand-checkable arithmetic)."""

import numpy as np
import pytest

from kinetor.pathway.drugs import resolve_drug
from kinetor.translate.invivo import invivo_potency_shift, invivo_shifts, readout_for
from kinetor.translate.signaling import QuasiSteadyTable, readout_names
from kinetor.translate.tumors import get_tumor


def test_readout_names_from_biomarker_text():
    assert readout_for("pPRAS40 EC50 vs total plasma concentration") == "pPRAS40_T246"
    assert readout_for("p-S6K1 activity") == "pS6K1_T389"
    assert readout_for("Ki67") is None


def test_network_c50_is_where_the_readout_crosses_half_of_control():
    res = invivo_potency_shift("capivasertib", "pPRAS40_T246", 100.0, "PIK3CA_mut")
    names = list(readout_names())
    tab = QuasiSteadyTable(get_tumor("PIK3CA_mut").lesions, None, (resolve_drug("capivasertib"),))
    val = tab([np.array([[res["c50_network_nM"]]])], columns=[names.index("pPRAS40_T246")])[0, 0, 0]
    assert val == pytest.approx(50.0, abs=0.5)


def test_shift_arithmetic_and_interval():
    res = invivo_potency_shift("capivasertib", "pPRAS40_T246", 100.0, "PIK3CA_mut")
    # no mouse fu in the library: the human 0.22 is used and flagged
    assert res["fu_species"] == "human" and res["fu"] == pytest.approx(0.22)
    assert res["ec50_unbound_nM"] == pytest.approx(22.0)
    assert res["shift"] == pytest.approx(res["c50_network_nM"] / 22.0)
    # '~' EC50 (x/ 2) and fu from another species (x/ 3): x/ 6
    assert res["shift_hi"] / res["shift"] == pytest.approx(6.0)
    assert res["shift"] / res["shift_lo"] == pytest.approx(6.0)


def test_exact_ec50_and_same_species_fu_have_no_spread(monkeypatch):
    res = invivo_potency_shift("vistusertib", "pS6_S235_236", 100.0, "MCF7", approx=False)
    assert res["fu_species"] == "mouse"  # vistusertib has a (labelled assumption) mouse fu
    assert res["shift_lo"] == pytest.approx(res["shift"]) == pytest.approx(res["shift_hi"])


def test_shifts_from_the_evidence_table():
    tab = invivo_shifts()
    row = tab.set_index("compound").loc["capivasertib"]
    assert row["readout"] == "pPRAS40_T246" and row["ec50_total_nM"] == 100.0
    assert "davies2012_bt474c" in row["source"]
