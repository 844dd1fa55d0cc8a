"""Arms, treatments and drug models (library and user PK)."""

import pytest

from kinetor.errors import ModelError
from kinetor.pathway.drugs import resolve_drug
from kinetor.translate.arms import Arm, Treatment, arm_list, drug_model


def test_parse_arms():
    a = Arm.parse("High = vistusertib:20 mg/kg PO QD x 21 days")
    assert a.name == "High" and a.compounds == ["vistusertib"]
    assert a.treatments[0].regimen.n_doses == 21
    assert a.describe() == "vistusertib: 20 mg/kg PO QD x 21 days"
    combo = Arm.parse("C=vistusertib:15 mg/kg PO QD x 7 days+everolimus:5 mg/kg PO QD x 7 days")
    assert combo.compounds == ["vistusertib", "everolimus"]
    assert Arm.parse("Ctrl=vehicle").is_vehicle
    d = Arm.coerce({"name": "D", "compound": "vistusertib", "regimen": "1 mg/kg PO single"})
    assert d.treatments[0].regimen.n_doses == 1


@pytest.mark.parametrize("text", ["noequals", "A=", "A=vistusertib", "A=:15 mg/kg PO QD"])
def test_bad_arm_text(text):
    with pytest.raises(ModelError):
        Arm.parse(text)


def test_arm_names_unique_and_no_duplicate_compound():
    with pytest.raises(ModelError, match="unique"):
        arm_list(["A=vehicle", "A=vehicle"])
    with pytest.raises(ModelError, match="twice"):
        Arm("x", (Treatment("a", "1 mg PO single"), Treatment("A", "1 mg PO single")))


def test_library_drug_model_vistusertib_mouse():
    dm = drug_model("AZD2014", "mouse")
    # compounds assumption set (docs/compounds.md): CL 0.2284 L/h/kg, V 1.318 L/kg, ka 2, F 0.29
    assert dm.model.params["cl"] == pytest.approx(0.2284)
    assert dm.model.params["v"] == pytest.approx(1.318)
    assert dm.model.per_kg == ("cl", "v")
    assert dm.model.params["ka"] == 2.0 and dm.model.params["f"] == 0.29
    assert dm.fu == 0.05 and dm.pk_status == "assumption"
    # free nM per ng/mL: 0.05 x 1000 / 462.554 = 0.108096
    assert dm.free_factor == pytest.approx(0.05 * 1000 / 462.554, rel=1e-9)
    # the pathway drug is the network's own resolution of the name (its potency basis and
    # calibrated shift), so the chain and kinetor.pathway agree
    assert dm.drug == resolve_drug("vistusertib") and dm.drug.mechanism == "mtor_kinase"


def test_missing_human_pk_names_the_gap_and_user_pk_works():
    with pytest.raises(ModelError, match=r"no human PK parameter set.*pk=\{'vistusertib'"):
        drug_model("vistusertib", "human")
    dm = drug_model(
        "vistusertib",
        "human",
        pk={"model": "1cmt", "cl": "20 L/h", "v": "100 L", "ka": "1 1/h", "f": 0.5},
    )
    # fu taken from the library's human binding (95 % bound, seed 000)
    assert dm.fu == pytest.approx(0.05) and dm.pk_source == "user-supplied"
    assert dm.model.params["cl"] == 20.0 and dm.model.per_kg == ()
    with pytest.raises(ModelError, match="unknown PK parameter"):
        drug_model("vistusertib", "human", pk={"model": "1cmt", "clearance": "2 L/h"})


def test_unknown_compound_needs_pk_and_drug():
    with pytest.raises(ModelError, match="unknown compound"):
        drug_model("zz-9999", "mouse")
    dm = drug_model(
        "zz-9999",
        "mouse",
        pk={
            "model": "1cmt",
            "cl": "1 L/h/kg",
            "v": "1 L/kg",
            "ka": "1 1/h",
            "fu": 0.1,
            "mw": 500.0,
        },
        drug={"name": "zz", "mechanism": "akt_atp", "ic50_nM": 100.0, "potency": "cellular"},
    )
    assert dm.drug.mechanism == "akt_atp" and dm.mw == 500.0
