"""Status against source text: 'firm' means read in the cited source (docs/compounds.md).

A value whose every citation says it was not read there ("unverified", "not re-read", "vendor
page") cannot be firm; `kinetor compounds check` flags it (check ``status_vs_source``) and
the shipped library has none. A value citing a source that was read as well keeps 'firm'.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from compounds_testlib import make

import kinetor.compounds as kc

VENDOR = "Acme technical note (vendor page; unverified)"
SECONDARY = "Someone 2019 J Clin Oncol 1:1 (secondary: not re-read)"
READ = "Other 2020 Cancer Res 2:2 (abstract)"


def status_findings(c):
    return [
        (f["field"], f["severity"])
        for f in kc.check_compound(c)
        if f["check"] == "status_vs_source"
    ]


def dev(source: str, status: str = "firm") -> str:
    return f'\n[development]\nstage = {{ value = "phase I", source = "{source}", status = "{status}" }}\n'


def test_firm_value_from_a_vendor_page_is_flagged():
    assert status_findings(make(dev(VENDOR))) == [("development.stage", "inconsistent")]


def test_firm_value_from_a_paper_not_re_read_is_flagged():
    assert status_findings(make(dev(SECONDARY))) == [("development.stage", "inconsistent")]


def test_every_citation_unread_is_flagged():
    # two citations, neither read: "vendor page; unverified" inside the parentheses is one
    assert status_findings(make(dev(f"{VENDOR}; {SECONDARY}"))) == [
        ("development.stage", "inconsistent")
    ]


def test_a_read_citation_beside_an_unread_one_keeps_firm():
    assert status_findings(make(dev(f"{VENDOR}; {READ}"))) == []


def test_unverified_or_likely_status_is_not_flagged():
    assert status_findings(make(dev(VENDOR, "unverified"))) == []
    assert status_findings(make(dev(SECONDARY, "likely"))) == []
    assert status_findings(make(dev(READ))) == []


def test_targets_schedules_binding_and_pk_sets_are_checked():
    extra = f"""
[[binding]]
species = "human"
matrix = "plasma"
fu = {{ value = 0.05, unit = "1", source = "{VENDOR}", status = "firm" }}

[[schedules]]
regimen = "50 mg PO BID continuous"
context = "trial"
source = "{SECONDARY}"
status = "firm"

[[pk]]
species = "mouse"
route = "oral"
kind = "nca"
source = "{VENDOR}"
status = "firm"
[pk.parameters]
cmax = {{ value = 1, unit = "uM" }}
t_half = {{ value = 4, unit = "h" }}

[[pk]]
species = "mouse"
route = "oral"
kind = "model"
model = "1cmt"
source = "kinetor assumption set"
status = "assumption"
derivation = "hand-built"
[pk.parameters]
ka = {{ value = 2.0, unit = "1/h" }}
cl = {{ value = 0.2, unit = "L/h/kg" }}
v = {{ value = 1.3, unit = "L/kg" }}
f = {{ value = 0.29, unit = "1", source = "{VENDOR}", status = "firm" }}
"""
    header_target = make().targets[0]  # the test header's own target: read, firm
    assert header_target.status == "firm"
    # the set once (its inherited cmax and t_half are not repeated); the model set's own
    # f, which states its own source and status; the assumption set itself is fine
    assert sorted(status_findings(make(extra))) == [
        ("binding[0].fu", "inconsistent"),
        ("pk[0]", "inconsistent"),
        ("pk[1].f", "inconsistent"),
        ("schedules[0]", "inconsistent"),
    ]


# -- the shipped library, scanned straight from its TOML files (not through the checker) --
_UNREAD = re.compile(r"unverified|not re-read|vendor page", re.I)
# awaiting a change outside this test's files (the API test pins this fu's status)
_PENDING: set[tuple[str, str]] = set()  # firm values whose source says unread: none left


def _citations(source: str) -> list[str]:
    out, depth, cur = [], 0, ""
    for ch in source:
        depth += (ch == "(") - (ch == ")")
        if ch == ";" and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    return [*out, cur]


def _walk(node, path: str):
    if isinstance(node, dict):
        if isinstance(node.get("status"), str) and isinstance(node.get("source"), str):
            yield path, node
        for k, v in node.items():
            yield from _walk(v, f"{path}.{k}" if path else k)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _walk(v, f"{path}[{i}]")


def _firm_but_unread() -> set[tuple[str, str]]:
    data = Path(kc.__file__).parent / "data"
    bad = set()
    for f in sorted(data.glob("*.toml")):
        doc = tomllib.loads(f.read_text(encoding="utf-8"))
        for path, node in _walk(doc, ""):
            if node["status"] == "firm" and all(
                _UNREAD.search(x) for x in _citations(node["source"])
            ):
                bad.add((doc["name"], path.replace(".parameters.", ".")))
    return bad


def test_shipped_library_has_no_firm_value_its_source_calls_unread():
    assert _firm_but_unread() <= _PENDING


def test_shipped_library_check_agrees_with_the_scan():
    found = kc.check_library()
    flagged = {
        tuple(r)
        for r in found.loc[found["check"] == "status_vs_source", ["compound", "field"]].to_numpy()
    }
    assert flagged == _firm_but_unread()


def test_values_the_audit_named_are_now_unverified():
    # the values whose only citations are a vendor page or a paper not re-read
    want = {
        "vistusertib": ["development.stage", "development.context", "pk[0]", "pk[1]", "pk[2]"],
        "everolimus": ["pk[0]"],
        "gedatolisib": ["pk[0]"],
        "sapanisertib": ["potency[2]"],
        "inavolisib": ["development.stage"],
        "fulvestrant": ["development.stage"],
    }
    for name, fields in want.items():
        c = kc.get(name)
        got = {
            "development.stage": c.development.get("stage"),
            "development.context": c.development.get("context"),
            "potency[2]": c.potency[2].value if len(c.potency) > 2 else None,
            **{f"pk[{i}]": s for i, s in enumerate(c.pk)},
        }
        for field in fields:
            assert got[field].status == "unverified", (name, field, got[field].source)
    c = kc.get("vistusertib")
    assert {k: v.status for k, v in c.adme.items()} == dict.fromkeys(c.adme, "unverified")
