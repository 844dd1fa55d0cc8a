"""Drugs by mechanism: validation, potency shifts, resolution (kinetor.pathway.drugs)."""

import pytest

from kinetor.errors import ModelError
from kinetor.pathway import MECHANISMS, REFERENCE_DRUGS, Drug, resolve_drug


def test_mechanisms_are_the_thirteen_of_the_issue():
    assert set(MECHANISMS) == {
        "rapalog", "mtor_kinase", "dual_pi3k_mtor", "pi3k_alpha", "pan_pi3k", "akt_allosteric",
        "akt_atp", "igf1r", "egfr", "her2", "mek", "braf", "ampk_activator"}


def test_validation_lists_all_problems():
    with pytest.raises(ModelError) as err:
        Drug("bad", "magic", ic50_nM=-1.0, hill=0.0)
    msg = str(err.value)
    assert "unknown mechanism" in msg and "ic50_nM" in msg and "hill" in msg


def test_cellular_potency_shifts():
    # ATP-competitive, biochemical 2.8 nM x shift 25 = 70 nM (hand arithmetic)
    assert Drug("a", "mtor_kinase", 2.8).cellular_k(25.0, 0.5) == pytest.approx((70.0, 70.0))
    # rapalog: x rapalog_shift; allosteric MEK: no shift; cellular potency: no shift
    assert Drug("r", "rapalog", 5.0).cellular_k(25.0, 0.2) == pytest.approx((1.0, 1.0))
    assert Drug("m", "mek", 0.9).cellular_k(25.0, 0.2) == (0.9, 0.9)
    assert Drug("c", "akt_atp", 400.0, potency="cellular").cellular_k(25.0) == (400.0, 400.0)
    # an antibody against HER2 is not ATP-competitive
    assert Drug("t", "her2", 1.0, atp_competitive=False).cellular_k(25.0) == (1.0, 1.0)
    # dual: PI3K 0.4 nM and mTOR 1.6 nM, both x 10
    assert REFERENCE_DRUGS["gedatolisib"].cellular_k(10.0) == pytest.approx((4.0, 16.0))


def test_reference_drugs_carry_source_and_status():
    for d in REFERENCE_DRUGS.values():
        assert d.source and d.status in ("firm", "likely", "unverified"), d.name
    # values as stated in science.md s.4
    assert REFERENCE_DRUGS["AZD8055"].ic50_nM == 0.8
    assert REFERENCE_DRUGS["alpelisib"].ic50_nM == 5.0
    assert REFERENCE_DRUGS["gedatolisib"].ic50_mtor_nM == 1.6


def test_resolve_dicts_drugs_and_names():
    d = resolve_drug({"name": "x", "mechanism": "pi3k_alpha", "ic50_nM": 4.0, "hill": 1.2,
                      "source": "test"})
    assert (d.mechanism, d.ic50_nM, d.hill, d.source) == ("pi3k_alpha", 4.0, 1.2, "test")
    assert resolve_drug(d) is d
    assert resolve_drug("AZD2014").name.lower() == "vistusertib"
    assert resolve_drug("everolimus").mechanism == "rapalog"
    with pytest.raises(ModelError, match="lacks"):
        resolve_drug({"name": "x", "mechanism": "mek"})
    with pytest.raises(ModelError, match="unknown drug"):
        resolve_drug("no-such-drug-xyz")


def test_names_from_the_compound_library_get_biochemical_potencies():
    # kinetor.compounds gives cellular potencies by default; the network asks for enzyme
    # (or unspecified) assays because it applies its own calibrated shifts
    d = resolve_drug("capivasertib")
    assert d.mechanism == "akt_atp" and d.potency == "biochemical"
    assert d.ic50_nM <= 10.0  # Davies 2012: AKT1-3 enzyme IC50 <= 10 nM
    g = resolve_drug("gedatolisib")
    assert g.mechanism == "dual_pi3k_mtor" and g.ic50_mtor_nM is not None
