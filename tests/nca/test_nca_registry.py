"""The parameter registry: codes, routes, dependencies, summary statistics."""

from __future__ import annotations

import re

from kinetor.nca.registry import PARAMETERS, by_code, dependents, order

PHOENIX_CODES = {
    "CMAX",
    "CMAXD",
    "TMAX",
    "TLAG",
    "CLST",
    "CLSTP",
    "TLST",
    "LAMZ",
    "LAMZHL",
    "LAMZLL",
    "LAMZUL",
    "LAMZNPT",
    "R2",
    "R2ADJ",
    "CORRXY",
    "LAMZSPN",
    "AUCLST",
    "AUCALL",
    "AUCIFO",
    "AUCIFP",
    "AUCIFOD",
    "AUCIFPD",
    "AUCLSTD",
    "AUCPEO",
    "AUCPEP",
    "AUMCLST",
    "AUMCIFO",
    "AUMCIFP",
    "AUMCPEO",
    "AUMCPEP",
    "C0",
    "AUCPBEO",
    "AUCPBEP",
    "CLO",
    "CLP",
    "CLFO",
    "CLFP",
    "VZO",
    "VZP",
    "VZFO",
    "VZFP",
    "VSSO",
    "VSSP",
    "MRTIVLST",
    "MRTIVIFO",
    "MRTIVIFP",
    "MRTEVLST",
    "MRTEVIFO",
    "MRTEVIFP",
    "AUCINT",
    "AUCTAU",
    "CMIN",
    "CTROUGH",
    "CAVG",
    "DEGFLUC",
    "SWING",
    "PTROUGHR",
    "CLTAU",
    "CLFTAU",
    "VZTAU",
    "VZFTAU",
    "SPARSEAL",
    "AUCLSTSE",
    "AUCLSTDF",
    "SPARSEMA",
    "AUMLSTSE",
    "RCAMINT",
    "RCPCINT",
    "RENALCL",
}


def test_every_required_code_is_declared():
    declared = {c for p in PARAMETERS.values() for c in (p.code, p.ev_code) if c}
    assert PHOENIX_CODES <= declared


def test_codes_follow_the_cdisc_rule():
    for p in PARAMETERS.values():
        for code in filter(None, (p.code, p.ev_code)):
            assert re.fullmatch(r"[A-Z][A-Z0-9_]{0,7}", code), code


def test_route_specific_codes():
    assert PARAMETERS["cl_obs"].code_for("iv_infusion") == "CLO"
    assert PARAMETERS["vz_pred"].code_for("extravascular") == "VZFP"
    assert PARAMETERS["mrtlst"].code_for("extravascular") == "MRTEVLST"
    assert PARAMETERS["c0"].routes == {"iv_bolus"}
    assert PARAMETERS["tlag"].routes == {"extravascular"}
    assert "extravascular" not in PARAMETERS["vss_obs"].routes


def test_dependency_order_and_dependents():
    seq = order()
    pos = {k: i for i, k in enumerate(seq)}
    for p in PARAMETERS.values():
        for dep in p.depends:
            assert pos[dep] < pos[p.key], (dep, p.key)
    assert {"aucifo", "cl_obs", "vz_obs", "mrtifo", "lamzhl"} <= dependents("lamz")
    assert "auclst" not in dependents("lamz")


def test_default_summary_statistics_follow_pknca():
    assert PARAMETERS["cmax"].summary == "geometric"
    assert PARAMETERS["auclst"].summary == "geometric"
    assert PARAMETERS["cl_obs"].summary == "geometric"
    assert PARAMETERS["tmax"].summary == "median"
    assert PARAMETERS["tlag"].summary == "median"
    assert PARAMETERS["lamzhl"].summary == "arithmetic"
    assert PARAMETERS["r2adj"].summary == "arithmetic"
    assert PARAMETERS["aucpeo"].summary == "arithmetic"
    assert [p.key for p in by_code("MRTIVIFO")] == ["mrtifo", "mrtifo_tau"]
