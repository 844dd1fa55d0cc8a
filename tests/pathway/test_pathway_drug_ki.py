"""A cell-free Ki of an ATP-competitive inhibitor enters the ATP model by Cheng-Prusoff as a Ki
(K_cell = Ki (1 + [ATP]_cell / Km)), not as an IC50 measured at [ATP] = Km (which halves it)."""

import pytest

import kinetor.pathway as pw
from kinetor.pathway._drug_spec import ATP_CELL_UM, ATP_KM_UM


def test_apitolisib_mtor_ki_by_cheng_prusoff():
    # the library's mTOR record for apitolisib is an enzyme Ki of 17 nM (Sutherlin 2011)
    km = ATP_KM_UM["MTOR"].km_uM
    _, k_mtor = pw.resolve_drug("apitolisib").cellular_k()
    assert k_mtor == pytest.approx(17.0 * (1.0 + ATP_CELL_UM / km), rel=1e-9)


def test_an_ic50_keeps_the_half_factor():
    # alpelisib's PI3Kalpha record is an IC50 (5 nM): K_cell = IC50 (1 + ATP/Km) / 2
    km = ATP_KM_UM["PI3K"].km_uM
    k, _ = pw.resolve_drug("alpelisib").cellular_k()
    assert k == pytest.approx(5.0 * (1.0 + ATP_CELL_UM / km) / 2.0, rel=1e-9)
