"""Compound checks: per-kg and absolute CL/V mixed without a half-life, and a `firm` status
whose source is a Wikipedia mirror or recalled."""

from __future__ import annotations

import tomllib
from importlib.resources import files

import pytest
from compounds_testlib import make, nca

import kinetor.compounds as kc
from kinetor.errors import UnitError

_MODEL = """
[[pk]]
species = "rat"
route = "oral"
kind = "model"
model = "1cmt"
source = "hand-built test entry"
status = "firm"
[pk.parameters]
cl = { value = 1, unit = "L/h" }
v = { value = 2, unit = "L/kg" }
ka = { value = 1, unit = "1/h" }
f = { value = 0.5, unit = "1" }
"""


def _units(c):
    return [f for f in kc.check_compound(c) if f["check"] == "units"]


def test_a_model_set_mixing_per_kg_and_absolute_units_is_flagged_without_a_half_life():
    c = make(_MODEL)
    with pytest.raises(UnitError):  # the set cannot be used ...
        c.pk_params("rat")
    (f,) = _units(c)  # ... and the check says so
    assert f["severity"] == "unit" and f["field"] == "pk[0].v/cl"
    assert "per-kg (v)" in f["finding"] and "absolute (cl)" in f["finding"]


def test_an_nca_set_mixing_units_is_flagged_once():
    c = make(nca(route="iv", cl='value = 10, unit = "mL/min/kg"', vz='value = 2, unit = "L"'))
    assert len(_units(c)) == 1
    # with a half-life beside them: still one units finding, and no t1/2 comparison
    c = make(
        nca(
            route="iv",
            cl='value = 10, unit = "mL/min/kg"',
            vz='value = 2, unit = "L"',
            t_half='value = 2, unit = "h"',
        )
    )
    checks = [f["check"] for f in kc.check_compound(c)]
    assert checks.count("units") == 1 and "half_life_vs_cl_v" not in checks


def test_a_two_compartment_set_with_one_absolute_flow_is_flagged():
    block = _MODEL.replace('model = "1cmt"', 'model = "2cmt"').replace(
        'v = { value = 2, unit = "L/kg" }',
        'v1 = { value = 1, unit = "L/kg" }\nq = { value = 1, unit = "L/h" }\n'
        'v2 = { value = 2, unit = "L/kg" }',
    )
    block = block.replace('cl = { value = 1, unit = "L/h" }', 'cl = { value = 1, unit = "L/h/kg" }')
    (f,) = _units(make(block))
    assert "absolute (q)" in f["finding"]


def test_all_per_kg_or_all_absolute_passes():
    assert _units(make(_MODEL.replace('"L/kg"', '"L"'))) == []
    assert _units(make(_MODEL.replace('"L/h"', '"L/h/kg"'))) == []


def _target(source: str, status: str = "firm") -> str:
    return f"""
[[targets]]
name = "mTOR"
gene = "MTOR"
role = "secondary"
mechanism = "ATP-competitive"
source = "{source}"
status = "{status}"
"""


@pytest.mark.parametrize(
    "source",
    [
        "cryer.org.uk 'Trametinib Explained' (Wikipedia mirror)",
        "recalled, not checked",
        "Folkes 2008 J Med Chem 51:5522 (recalled)",
    ],
)
def test_firm_with_a_wikipedia_mirror_or_recalled_source_is_flagged(source):
    found = [f for f in kc.check_compound(make(_target(source))) if f["field"] == "targets[1]"]
    assert [f["check"] for f in found] == ["status_vs_source"]
    assert found[0]["stated"] == f"firm: {source}"


@pytest.mark.parametrize(
    ("source", "status"),
    [
        ("cryer.org.uk 'Trametinib Explained' (Wikipedia mirror)", "likely"),
        # a recalled detail of a citation whose abstract was read
        ("'A Phase I Study' (Saura 2017 Cancer Discov; authors recalled), abstract", "firm"),
        # one citation was read
        ("Gilmartin 2011 Clin Cancer Res 17:989 (abstract); piglix.com (Wikipedia mirror)", "firm"),
    ],
)
def test_not_flagged(source, status):
    found = kc.check_compound(make(_target(source, status)))
    assert not [f for f in found if f["check"] == "status_vs_source"]


def test_trametinib_identity_from_a_wikipedia_mirror_is_likely():
    doc = tomllib.loads(
        (files("kinetor.compounds") / "data" / "trametinib.toml").read_text(encoding="utf-8")
    )
    for key in ("chembl_id", "smiles", "formula", "mw"):
        assert doc["identity"][key]["status"] == "likely", key
    lib = kc.check_library()
    assert not ((lib["compound"] == "trametinib") & (lib["check"] == "status_vs_source")).any()
