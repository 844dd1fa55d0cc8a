"""Drugs by mechanism: validation, potency conversion, one drug source (kinetor.pathway.drugs)."""

import pytest

from kinetor import compounds
from kinetor.errors import ModelError
from kinetor.pathway import MECHANISMS, Drug, drug_from_compound, resolve_drug
from kinetor.pathway.drugs import ATP_CELL_UM, ATP_KM_UM, atp_factor


def test_mechanisms_include_the_new_slots():
    assert {
        "rapalog",
        "mtor_kinase",
        "dual_pi3k_mtor",
        "pi3k_alpha",
        "pi3k_beta",
        "pan_pi3k",
        "pi3k_covalent",
        "bivalent_mtor",
        "akt_allosteric",
        "akt_atp",
        "igf1r",
        "egfr",
        "her2",
        "erbb_kinase",
        "her2_antibody",
        "mek",
        "braf",
        "ampk_activator",
        "serd",
        "serm",
        "aromatase",
    } == set(MECHANISMS)


def test_validation_lists_all_problems():
    with pytest.raises(ModelError) as err:
        Drug("bad", "magic", ic50_nM=-1.0, hill=0.0)
    msg = str(err.value)
    assert "unknown mechanism" in msg and "ic50_nM" in msg and "hill" in msg


def test_cheng_prusoff_per_kinase():
    # Traut 1994: cellular ATP 3152 uM; EGFR Km,ATP 5.2 uM (Yun 2008); assay at ATP = Km:
    # factor (1 + 3152/5.2)/2 = 303.6 (hand arithmetic)
    assert ATP_CELL_UM == 3152.0 and ATP_KM_UM["EGFR"].km_uM == 5.2
    assert atp_factor("EGFR") == pytest.approx((1 + 3152 / 5.2) / 2)
    assert Drug("e", "egfr", 2.0).cellular_k() == pytest.approx((607.154, 607.154), rel=1e-5)
    # mTOR Km 50 uM: (1 + 63.04)/2 = 32.02
    assert Drug("a", "mtor_kinase", 2.8).cellular_k()[0] == pytest.approx(2.8 * 32.02, rel=1e-3)
    # a dual drug: PI3K and mTOR each with its own kinase
    assert Drug("d", "dual_pi3k_mtor", 1.0, ic50_mtor_nM=2.0).cellular_k() == pytest.approx(
        (atp_factor("PI3K"), 2 * atp_factor("MTOR"))
    )
    # rapalog: x rapalog_shift; allosteric MEK and antibodies: unchanged; cellular: as given
    assert Drug("r", "rapalog", 5.0).cellular_k(0.2) == pytest.approx((1.0, 1.0))
    assert Drug("m", "mek", 0.9).cellular_k(0.2) == (0.9, 0.9)
    assert Drug("c", "akt_atp", 400.0, potency="cellular").cellular_k() == (400.0, 400.0)
    assert Drug("t", "her2", 1.0, atp_competitive=False).cellular_k() == (1.0, 1.0)


def test_library_is_the_only_drug_source_cellular_potency_preferred():
    import kinetor.pathway as kp

    assert not hasattr(kp, "REFERENCE_DRUGS")
    v = resolve_drug("AZD2014")
    # the library's cellular p-AKT S473 record (MDA-MB-468, 80 nM) is used as given
    assert v.name == "vistusertib" and v.basis == "cellular" and v.ic50_nM == 80.0
    assert "MDA-MB-468" in v.source and "cellular" in v.source
    # capivasertib: cellular substrate IC50 0.3-0.8 uM (geometric mean 490 nM)
    c = resolve_drug("capivasertib")
    assert c.basis == "cellular" and c.ic50_nM == pytest.approx((300 * 800) ** 0.5, rel=1e-3)
    # alpelisib has only cell-free rows: extrapolated through the PI3K ATP model
    a = resolve_drug("alpelisib")
    assert a.basis == "extrapolated" and "extrapolated" in a.source
    assert a.cellular_k()[0] == pytest.approx(5.0 * atp_factor("PI3K"))


def test_tool_tor_kinase_inhibitors_from_their_papers():
    # Torin2: cellular EC50 250 pM on S6K1 T389 (Liu 2013 Cancer Res 73:2574, abstract):
    # used as given
    t = resolve_drug("torin2")
    assert t.mechanism == "mtor_kinase" and t.basis == "cellular" and t.ic50_nM == 0.25
    # Ku-0063794: cell-free IC50 ~10 nM (Garcia-Martinez 2009 Biochem J 421:29): through the
    # mTOR ATP model, 10 x (1 + 3152/50)/2 = 320.2 nM (hand arithmetic)
    k = resolve_drug("Ku-0063794")
    assert k.mechanism == "mtor_kinase" and k.basis == "extrapolated"
    assert k.cellular_k()[0] == pytest.approx(10 * (1 + 3152 / 50) / 2)


def test_new_compounds_and_their_mechanisms():
    want = {
        "pictilisib": "pan_pi3k",
        "mk-2206": "akt_allosteric",
        "lapatinib": "erbb_kinase",
        "trastuzumab": "her2_antibody",
        "wortmannin": "pi3k_covalent",
        "rapalink-1": "bivalent_mtor",
        "fulvestrant": "serd",
        "letrozole": "aromatase",
    }
    for name, mech in want.items():
        assert resolve_drug(name).mechanism == mech, name
    conj = resolve_drug("wortmannin-rapamycin-7c")
    assert [p.mechanism for p in conj.slots()] == ["rapalog", "pi3k_covalent"]


def test_every_library_compound_simulates_or_says_why():
    for comp in compounds.load_library():
        try:
            d = drug_from_compound(comp)
        except ModelError as exc:
            msg = str(exc)
            assert comp.name in msg and (
                "cannot be simulated" in msg
                or "no node" in msg
                or "needs a PI3K and an mTOR" in msg
            ), msg
            continue
        assert d.source and d.status in ("firm", "likely", "unverified", "assumption"), d.name
        assert d.cellular_k(0.2)[0] > 0


def test_resolve_dicts_drugs_and_names():
    d = resolve_drug(
        {"name": "x", "mechanism": "pi3k_alpha", "ic50_nM": 4.0, "hill": 1.2, "source": "test"}
    )
    assert (d.mechanism, d.ic50_nM, d.hill, d.source) == ("pi3k_alpha", 4.0, 1.2, "test")
    assert resolve_drug(d) is d
    assert resolve_drug("everolimus").mechanism == "rapalog"
    with pytest.raises(ModelError, match="lacks"):
        resolve_drug({"name": "x", "mechanism": "mek"})
    with pytest.raises(ModelError, match="unknown drug"):
        resolve_drug("no-such-drug-xyz")
    with pytest.raises(ModelError, match="SSTR"):
        resolve_drug("octreotide")


_DUAL = """
schema_version = 1
name = "dual-x"
drug_class = "dual_pi3k_mtor"
[[targets]]
name = "PI3Kalpha"
gene = "PIK3CA"
role = "primary"
mechanism = "ATP-competitive class I PI3K inhibitor"
source = "test"
status = "firm"
[[targets]]
name = "mTOR"
gene = "MTOR"
role = "primary"
mechanism = "ATP-competitive mTOR kinase inhibitor"
source = "test"
status = "firm"
[[potency]]
target = "PI3Kalpha"
measure = "IC50"
value = 4
unit = "nM"
assay = "enzyme"
readout = "PI3Kalpha kinase"
source = "test enzyme"
status = "firm"
[[potency]]
target = "mTOR"
measure = "IC50"
value = 10
unit = "nM"
assay = "enzyme"
readout = "mTOR kinase"
source = "test enzyme"
status = "firm"
"""

_CELL = """
[[potency]]
target = "{t}"
measure = "IC50"
value = {v}
unit = "nM"
assay = "cellular"
readout = "{r}"
cell_line = "PC3"
source = "test cell {t}"
status = "likely"
"""


def test_dual_drug_takes_each_kinase_cellular_potency_on_its_own_readout():
    from kinetor.compounds.library import parse_toml

    factor = (1 + 3152 / 50) / 2  # hand arithmetic: ATP model, Km 50 uM for both kinases
    both_free = drug_from_compound(parse_toml(_DUAL))
    assert both_free.basis == "extrapolated"
    assert both_free.cellular_k() == pytest.approx((4 * factor, 10 * factor))
    # only the mTOR side measured in cells: it is used as given, PI3K through the ATP model
    one = drug_from_compound(
        parse_toml(
            _DUAL
            + _CELL.format(t="mTOR", v=7, r="p-S6K1 T389")
            + _CELL.format(t="mTOR", v=90, r="proliferation")
        )
    )
    assert one.cellular_k() == pytest.approx((4 * atp_factor("PI3K"), 7.0))
    assert "cellular" in one.source and "extrapolated" in one.source and one.status == "likely"
    # both measured: p-AKT T308 for PI3K is preferred over S473 (mTORC2 also moves S473)
    two = drug_from_compound(
        parse_toml(
            _DUAL
            + _CELL.format(t="PI3Kalpha", v=20, r="p-AKT S473")
            + _CELL.format(t="PI3Kalpha", v=5, r="p-AKT T308")
            + _CELL.format(t="mTOR", v=7, r="p-S6K1 T389")
        )
    )
    assert two.cellular_k() == (5.0, 7.0)


def test_dual_drug_with_one_cellular_kinase_and_no_potency_for_the_other_says_why():
    from kinetor.compounds.library import parse_toml

    # the mTOR side measured in cells, the PI3K side with no potency at all (its enzyme row
    # removed): the same message as a dual drug without cellular rows
    head, pi3k, mtor = _DUAL.split("[[potency]]")
    text = head + "[[potency]]" + mtor + _CELL.format(t="mTOR", v=7, r="p-S6K1 T389")
    assert (
        'target = "PI3Kalpha"' in pi3k
        and 'target = "PI3Kalpha"' not in text.split("[[potency]]", 1)[1]
    )
    with pytest.raises(ModelError, match="needs a PI3K and an mTOR potency; no PI3K"):
        drug_from_compound(parse_toml(text))
