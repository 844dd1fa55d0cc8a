"""Compound API: potency lookup and the network drug, pk_params, search, list, trials."""

from __future__ import annotations

import math

import pytest
from compounds_testlib import make

import kinetor as kt
import kinetor.compounds as kc
from kinetor.compounds import _vocab as V
from kinetor.errors import ModelError

POT = """
[[potency]]
target = "mTOR"
measure = "IC50"
value = {value}
unit = "{unit}"
assay = "{assay}"
readout = "{readout}"
source = "{source}"
status = "{status}"
"""


def pot(value=1, unit="nM", assay="enzyme", readout="", source="s", status="firm", extra=""):
    return (
        POT.format(
            value=value, unit=unit, assay=assay, readout=readout, source=source, status=status
        )
        + extra
    )


def test_kt_compounds_entry_points():
    assert kt.compounds.get("AZD2014") is kc.get("vistusertib")
    assert kc.get_compound("RAD001").name == "everolimus"
    df = kt.compounds.list()
    assert len(df) == len(kc.load_library()) and df["name"].is_unique


def test_network_drug_of_every_simulable_compound_is_consistent():
    from kinetor.pathway import drug_from_compound, resolve_drug

    n = 0
    for c in kc.load_library():
        if c.pathway_mechanism is None or not c.potency:
            continue
        try:
            d = drug_from_compound(c)
        except ModelError:
            continue  # no potency on a primary target (documented gap)
        n += 1
        assert d.mechanism in V.PATHWAY_MECHANISMS
        assert d.ic50_nM > 0 and d.hill > 0 and d.source
        # one source: the name resolves to the same drug
        assert resolve_drug(c.name) == d
    assert n >= 30


def test_potency_record_lookup_order():
    c = make(
        pot(2, assay="enzyme", source="enz")
        + pot(
            50,
            assay="cellular",
            readout="p-S6 S235/236",
            source="cell-unverified",
            status="unverified",
        )
        + pot(80, assay="cellular", readout="p-AKT S473", source="cell-firm")
    )
    assert c.potency_record().value.source == "cell-firm"
    assert c.potency_record(readout="pS6").value.to("nM") == (50, 50)
    assert c.potency_record(assay="enzyme").value.to("nM") == (2, 2)
    with pytest.raises(ModelError, match="no potency"):
        c.potency_record(readout="p-4EBP1")


def test_chosen_record_keeps_its_basis():
    """A cellular record is used as given, a cell-free one goes through the ATP model
    (mTOR Km 50 uM, cell ATP 3152 uM: factor (1 + 3152/50)/2 = 32.02)."""
    from kinetor.pathway import drug_from_compound

    c = make(
        pot(2, assay="enzyme", source="enz")
        + pot(80, assay="cellular", readout="p-AKT S473", source="cell")
        + pot(30, assay="cellular", readout="proliferation", source="growth")
    )
    cell = drug_from_compound(c, readout="S473")
    assert cell.potency == "cellular" and cell.cellular_k()[0] == pytest.approx(80)
    enz = drug_from_compound(c, assay="enzyme")
    assert enz.potency == "biochemical"
    assert enz.cellular_k()[0] == pytest.approx(2 * (1 + 3152 / 50) / 2)
    # by default the network takes target engagement, never the growth IC50
    assert drug_from_compound(c).cellular_k()[0] == pytest.approx(80)
    with pytest.raises(ModelError, match="no potency"):
        drug_from_compound(c, readout="p-4EBP1")


def test_growth_ic50_is_not_the_network_potency():
    """AZD8055: the PPTP median growth IC50 (24.7 nM, firm) is not target engagement; the
    network takes the cellular p-AKT S473 IC50 (24 nM) as given, never ATP-shifted."""
    from kinetor.pathway import drug_from_compound

    d = drug_from_compound(kc.get("azd8055"))
    assert d.potency == "cellular" and "S473" in d.source
    assert d.cellular_k()[0] == pytest.approx(24.0)


def test_units_and_assumed_hill():
    from kinetor.pathway import drug_from_compound

    c = make(pot(0.3, unit="uM", assay="cellular", readout="p-AKT S473"))
    d = drug_from_compound(c)
    assert d.ic50_nM == pytest.approx(300.0)
    assert d.hill == 1.0
    # mass concentration with the MW: 462.554 ng/mL / 462.554 g/mol = 1 uM = 1000 nM
    c2 = make(
        """
[identity]
mw = { value = 462.554, unit = "g/mol", source = "t", status = "firm" }
"""
        + pot(462.554, unit="ng/mL", assay="cellular", readout="p-AKT S473", extra="hill = 1.5\n")
    )
    d2 = drug_from_compound(c2)
    assert d2.ic50_nM == pytest.approx(1000.0)
    assert d2.hill == 1.5


def test_range_gives_geometric_mean():
    from kinetor.pathway import drug_from_compound

    # capivasertib cellular substrate IC50 0.3-0.8 uM: sqrt(300 * 800) = 489.9 nM
    d = drug_from_compound(kc.get("capivasertib"))
    assert d.mechanism == "akt_atp" and d.potency == "cellular"
    assert d.ic50_nM == pytest.approx(math.sqrt(300 * 800), rel=1e-6)


@pytest.mark.parametrize(
    "name,mechanism",
    [
        ("everolimus", "rapalog"),
        ("vistusertib", "mtor_kinase"),
        ("gedatolisib", "dual_pi3k_mtor"),
        ("alpelisib", "pi3k_alpha"),
        ("buparlisib", "pan_pi3k"),
        ("ipatasertib", "akt_atp"),
        ("linsitinib", "igf1r"),
        ("erlotinib", "egfr"),
        ("trametinib", "mek"),
        ("vemurafenib", "braf"),
    ],
)
def test_library_mechanisms(name, mechanism):
    from kinetor.pathway import drug_from_compound

    assert kc.get(name).pathway_mechanism == mechanism
    assert drug_from_compound(kc.get(name)).mechanism == mechanism


def test_no_mechanism_or_no_potency_is_a_modelerror():
    from kinetor.pathway import drug_from_compound

    with pytest.raises(ModelError, match="cannot be simulated by the pathway network"):
        drug_from_compound(kc.get("octreotide"))
    with pytest.raises(ModelError, match="no potency"):
        kc.get("exemestane").potency_record()  # a documented gap


def test_vistusertib_mouse_assumption_set_reproduces_seed000_cmax_range():
    p = kc.get("AZD2014").pk_params("mouse", route="PO")
    assert p["model"] == "1cmt" and p["per_kg"] and p["status"] == "assumption"
    assert p["units"] == {"ka": "1/h", "cl": "L/h/kg", "v": "L/kg", "f": "fraction"}
    assert p["fu"] == 0.05 and p["mw"] == pytest.approx(462.554)
    assert "derived" in p["source"] and "tmax" in p["derivation"]
    # independent 1-cmt oral arithmetic: C(t) = F D ka / (V (ka - k)) (e^-kt - e^-ka t)
    k = p["cl"] / p["v"]
    tmax = math.log(p["ka"] / k) / (p["ka"] - k)
    for dose, expected in ((7.5, 2.83), (15, 5.66)):
        cmax_mg_l = (
            p["f"]
            * dose
            * p["ka"]
            / (p["v"] * (p["ka"] - k))
            * (math.exp(-k * tmax) - math.exp(-p["ka"] * tmax))
        )
        cmax_um = cmax_mg_l / p["mw"] * 1000
        assert 1 <= cmax_um <= 16
        assert cmax_um == pytest.approx(expected, abs=0.01)
    # the half-life behind it is the seed's ~4 h
    assert math.log(2) / k == pytest.approx(4.0, rel=1e-3)


def test_pk_params_converts_to_base_units():
    c = make("""
[[pk]]
species = "rat"
route = "iv"
kind = "model"
model = "2cmt"
source = "t"
status = "firm"
[pk.parameters]
cl = { value = 6.3, unit = "mL/min/kg" }
v1 = { value = 500, unit = "mL/kg" }
q = { value = 1, unit = "L/h/kg" }
v2 = { value = 2, unit = "L/kg" }
""")
    p = c.pk_params("rats")
    # 6.3 mL/min/kg * 60 min/h / 1000 mL/L = 0.378 L/h/kg
    assert p["cl"] == pytest.approx(0.378)
    assert p["v1"] == pytest.approx(0.5)
    assert p["per_kg"] is True and p["route_class"] == "iv_bolus"
    assert p["fu"] is None and "no plasma fu" in p["fu_note"]


def test_pk_params_absolute_units_for_human():
    c = make("""
[[pk]]
species = "human"
route = "oral"
kind = "model"
model = "1cmt"
source = "t"
status = "unverified"
[pk.parameters]
cl = { value = 20, unit = "L/h" }
v = { value = 300, unit = "L" }
ka = { value = 30, unit = "1/day" }
f = { value = 50, unit = "%" }
""")
    p = c.pk_params("human", route="extravascular")
    assert p["per_kg"] is False and p["units"]["cl"] == "L/h"
    assert p["ka"] == pytest.approx(1.25)  # 30/day / 24 h
    assert p["f"] == pytest.approx(0.5) and p["status"] == "unverified"


def test_pk_params_missing_species_is_a_modelerror_naming_the_gap():
    with pytest.raises(ModelError, match="no PK model set for species='human'"):
        kc.get("vistusertib").pk_params("human")


def test_search_filters():
    torki = {c.name for c in kc.search(drug_class="tor_kinase_inhibitor")}
    assert {
        "vistusertib",
        "azd8055",
        "sapanisertib",
        "osi-027",
        "torin1",
        "torin2",
        "ku-0063794",
        "pp242",
        "wye-354",
        "rapalink-1",
    } == torki
    mtor_hits = {c.name for c in kc.search(target="mTOR")}
    assert "gedatolisib" in mtor_hits and "alpelisib" in mtor_hits  # off-target counts
    assert {c.name for c in kc.search(target="PIK3CA", mechanism="pi3k_alpha")} == {
        "alpelisib",
        "inavolisib",
    }
    assert [c.name for c in kc.search(name="BEZ")] == ["dactolisib"]


def test_fu_per_species():
    c = kc.get("vistusertib")
    assert c.fu("human").central == pytest.approx(0.05) and c.fu("human").status == "unverified"
    assert c.fu("mouse").status == "assumption"
    assert c.fu("dog") is None


def test_trials_queries():
    t = kc.trials(agent="RAD001", cancer="breast")
    assert set(t["agent"]) == {"everolimus"} and len(t) >= 6
    ink = kc.trials(agent="INK128")
    assert set(ink.loc[ink["nct_id"] != "", "nct_id"]) == {"NCT01058707", "NCT01118689"}
    assert len(kc.trials(partner="letrozole")) >= 3
    assert set(kc.trials(phase="approved")["agent"]) == {"everolimus", "temsirolimus"}
    full = kc.load_trials()
    assert full["status"].isin(V.STATUSES).all() and (full["source"] != "").all()
    # seed 001 Table 3 holds 13 trial rows
    assert (full["source_table"] == "T3").sum() == 13
