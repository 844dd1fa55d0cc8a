"""Schema validation of the packaged library and of hand-built entries."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from compounds_testlib import HEADER, make

import kinetor.compounds as kc
from kinetor.compounds import _vocab as V
from kinetor.errors import DataError
from kinetor.units import parse_unit

FILES = sorted(kc.DATA_DIR.glob("*.toml"))


def _all_values(c):
    yield from c.identity.values()
    yield from c.development.values()
    yield from c.adme.values()
    for p in c.potency:
        yield p.value
    for b in c.binding:
        yield b.fu
    for s in c.pk:
        yield from s.parameters.values()
        if s.dose is not None:
            yield s.dose


def test_library_has_every_compound_the_brief_names():
    names = {c.name for c in kc.load_library()}
    wanted = {
        "vistusertib",
        "azd8055",
        "sapanisertib",
        "osi-027",
        "torin1",
        "pp242",
        "wye-354",
        "rapamycin",
        "everolimus",
        "temsirolimus",
        "ridaforolimus",
        "gedatolisib",
        "dactolisib",
        "bgt226",
        "voxtalisib",
        "apitolisib",
        "omipalisib",
        "pf-04691502",
        "alpelisib",
        "inavolisib",
        "capivasertib",
        "ipatasertib",
        "metformin",
        "fulvestrant",
        "letrozole",
        "exemestane",
        "trastuzumab",
        "erlotinib",
        "octreotide",
        "linsitinib",
        "trametinib",
        "selumetinib",
        "vemurafenib",
    }
    assert wanted <= names


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_file_validates_on_its_own(path: Path):
    c, problems = kc.parse_compound(tomllib.loads(path.read_text()), str(path))
    assert problems == []
    assert c.name == path.stem


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_value_has_source_status_and_readable_unit(path: Path):
    c = kc.get(path.stem)
    vals = list(_all_values(c))
    assert vals, "a compound without a single cited value"
    for v in vals:
        assert v.source.strip(), v
        assert v.status in V.STATUSES, v
        if v.unit is not None:
            parse_unit(v.unit)  # raises UnitError when unreadable
        if v.status == "assumption":
            assert (
                v.derivation
                or v.note
                or any(s.derivation for s in c.pk if v in s.parameters.values())
            ), v
    for t in c.targets:
        assert t.source.strip() and t.status in V.STATUSES
    for s in c.schedules:
        assert s.source.strip() and s.status in V.STATUSES


def test_synonyms_are_unique_across_the_library():
    seen = {}
    for c in kc.load_library():
        for n in c.names:
            key = V.name_key(n)
            assert key not in seen, f"{n} used by {seen.get(key)} and {c.name}"
            seen[key] = c.name


@pytest.mark.parametrize(
    "alias,name",
    [
        ("AZD2014", "vistusertib"),
        ("azd-2014", "vistusertib"),
        ("Vistusertib", "vistusertib"),
        ("AZD-8055", "azd8055"),
        ("OSI 027", "osi-027"),
        ("Torin 1", "torin1"),
        ("INK128", "sapanisertib"),
        ("MLN0128", "sapanisertib"),
        ("TAK-228", "sapanisertib"),
        ("sirolimus", "rapamycin"),
        ("RAD001", "everolimus"),
        ("CCI-779", "temsirolimus"),
        ("AP23573", "ridaforolimus"),
        ("PF-05212384", "gedatolisib"),
        ("PKI-587", "gedatolisib"),
        ("NVP-BEZ235", "dactolisib"),
        ("XL765", "voxtalisib"),
        ("GDC-0980", "apitolisib"),
        ("GSK2126458", "omipalisib"),
        ("BYL719", "alpelisib"),
        ("GDC-0077", "inavolisib"),
        ("AZD5363", "capivasertib"),
        ("GDC-0068", "ipatasertib"),
        ("OSI-906", "linsitinib"),
        ("GSK1120212", "trametinib"),
        ("AZD6244", "selumetinib"),
        ("PLX4032", "vemurafenib"),
    ],
)
def test_lookup_by_synonym(alias, name):
    assert kc.get(alias).name == name


def test_unknown_name_is_a_keyerror_with_suggestions():
    with pytest.raises(KeyError, match="did you mean"):
        kc.get("vistusertibb")


def test_every_problem_of_a_bad_file_is_reported_at_once():
    bad = """
schema_version = 1
name = "Bad Name"
drug_class = "kinase_thing"
[[targets]]
name = "mTOR"
role = "primary"
mechanism = "x"
source = "test"
status = "certain"
[[potency]]
target = "nothere"
measure = "IC50"
value = 3
assay = "enzyme"
source = ""
status = "firm"
[[pk]]
species = "mouse"
route = "oral"
kind = "nca"
source = "test"
status = "firm"
[pk.parameters]
cmax = { value = 1, unit = "bananas", status = "firm" }
"""
    with pytest.raises(DataError) as exc:
        kc.parse_toml(bad)
    text = str(exc.value)
    for expected in (
        "name 'Bad Name'",
        "drug_class 'kinase_thing'",
        "status 'certain'",
        "no source",
        "a number without a unit",
        "'nothere' is not listed",
        "unknown unit 'bananas'",
    ):
        assert expected in text, expected
    assert len(exc.value.problems) >= 7


def test_assumption_without_derivation_is_rejected():
    with pytest.raises(DataError, match="assumption without its derivation"):
        make("""
[[binding]]
species = "mouse"
fu = { value = 0.1, unit = "1", source = "guess", status = "assumption" }
""")


def test_assumption_set_needs_a_derivation():
    with pytest.raises(DataError, match="assumption set without derivation"):
        make("""
[[pk]]
species = "mouse"
route = "oral"
kind = "model"
model = "1cmt"
source = "guess"
status = "assumption"
[pk.parameters]
cl = { value = 1, unit = "L/h/kg" }
""")


def test_value_with_both_value_and_range_is_rejected():
    with pytest.raises(DataError, match="either value or low/high"):
        make("""
[[potency]]
target = "mTOR"
measure = "IC50"
value = 3
low = 1
high = 4
unit = "nM"
assay = "enzyme"
source = "t"
status = "firm"
""")


def test_duplicate_synonym_across_files_is_rejected(tmp_path):
    other = HEADER.replace('name = "testdrug"', 'name = "other"').replace('["TD-1"]', '["td 1"]')
    (tmp_path / "testdrug.toml").write_text(HEADER)
    (tmp_path / "other.toml").write_text(other)
    with pytest.raises(DataError, match="already used by"):
        kc.load_library(tmp_path)


def test_file_name_must_match_compound_name(tmp_path):
    (tmp_path / "wrong.toml").write_text(HEADER)
    with pytest.raises(DataError, match=r"rename the file to testdrug\.toml"):
        kc.load_library(tmp_path)


def test_value_helpers():
    v = (
        make("""
[[potency]]
target = "mTOR"
measure = "IC50"
low = 0.3
high = 0.8
unit = "uM"
assay = "cellular"
source = "t"
status = "firm"
""")
        .potency[0]
        .value
    )
    assert v.range() == (0.3, 0.8)
    assert v.to("nM") == pytest.approx((300.0, 800.0))
    # geometric mean of 0.3 and 0.8: sqrt(0.24) = 0.4899
    assert v.central == pytest.approx(0.489898, rel=1e-5)


def test_redundant_synonym_is_rejected():
    with pytest.raises(DataError, match="repeats a name already matched"):
        make("", header=HEADER.replace('["TD-1"]', '["TD-1", "td1"]'))
