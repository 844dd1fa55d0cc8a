"""Tumour library: every value labelled, lookup by synonyms, dict specs."""

import math
import tomllib

import pytest

from kinetor.errors import ModelError
from kinetor.pathway.lesions import LESIONS
from kinetor.translate.tumors import TUMOR_FILE, TumorSpec, get_tumor, list_tumors

STATUSES = {"firm", "likely", "unverified", "assumption"}


def test_every_value_has_source_status_and_unit():
    raw = tomllib.loads(TUMOR_FILE.read_text())
    assert {t["name"] for t in raw["tumor"]} >= {"MCF7", "PTEN_null", "PIK3CA_mut", "KRAS_mut"}
    for t in raw["tumor"]:
        for key in (
            "genotype",
            "doubling_time",
            "v0",
            "v0_cv",
            "growth_cv",
            "death_rate",
            "caliper_cv",
        ):
            v = t[key]
            assert v["source"].strip(), (t["name"], key)
            assert v["status"] in STATUSES, (t["name"], key)
            if v["status"] == "assumption" and key != "genotype":
                assert v.get("derivation", "").strip(), (t["name"], key)
        assert set(t["lesions"]) <= set(LESIONS), t["name"]


def test_mcf7_is_pik3ca_mutant_and_labelled_likely():
    t = get_tumor("mcf-7")
    assert t.name == "MCF7" and t.lesions == ("PIK3CA_mut",)
    assert "E545K" in t.genotype and "[likely]" in t.sources["genotype"]
    # 150-200 mm3 randomisation window: centre 175
    assert t.v0 == 175.0
    # ln 2 / 10 d = 0.0693147 /d
    assert t.growth_rate == pytest.approx(math.log(2) / 10.0, rel=1e-12)


def test_named_pten_null_and_kras_lines():
    assert "PTEN_loss" in get_tumor("MDA-MB-468").lesions
    assert get_tumor("PC-3").lesions == ("PTEN_loss", "TP53_loss")
    assert get_tumor("a549").lesions == ("KRAS_mut", "LKB1_loss")
    assert set(list_tumors()["name"]) >= {"MCF7", "MDA-MB-468", "PC3", "A549"}


def test_dict_spec_and_base_override():
    t = get_tumor({"name": "x", "lesions": "PTEN_loss", "doubling_time": 5.0})
    assert t.lesions == ("PTEN_loss",) and t.caliper_cv == 0.10
    assert t.sources["doubling_time"] == "user"
    b = get_tumor({"base": "MCF7", "doubling_time": 8.0})
    assert b.lesions == ("PIK3CA_mut",) and b.doubling_time == 8.0
    assert b.sources["doubling_time"] == "user" and "Euhus" in b.sources["caliper_cv"]
    assert b.without_variability().growth_cv == 0.0


def test_bad_specs_raise():
    with pytest.raises(ModelError, match="unknown tumour"):
        get_tumor("HeLa-xyz")
    with pytest.raises(ModelError, match="unknown tumour field"):
        get_tumor({"lesions": [], "speed": 3})
    with pytest.raises(ModelError, match="doubling_time"):
        TumorSpec("bad", doubling_time=0.0)
