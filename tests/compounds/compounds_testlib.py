"""Helpers for the compound-library tests: hand-built TOML compounds (not a test module)."""

from __future__ import annotations

HEADER = """
schema_version = 1
name = "testdrug"
synonyms = ["TD-1"]
drug_class = "tor_kinase_inhibitor"

[[targets]]
name = "mTOR"
gene = "MTOR"
role = "primary"
mechanism = "ATP-competitive"
source = "hand-built test entry"
status = "firm"
"""


def make(extra: str = "", header: str = HEADER):
    """A Compound parsed from the test header plus ``extra`` TOML blocks."""
    from kinetor.compounds import parse_toml

    return parse_toml(header + extra, file="test.toml")


def nca(species="mouse", route="oral", dose="", **params) -> str:
    """A [[pk]] NCA block; params are name -> 'inline table body'."""
    lines = [
        f'[[pk]]\nspecies = "{species}"\nroute = "{route}"\nkind = "nca"',
        'source = "hand-built test entry"\nstatus = "firm"',
    ]
    if dose:
        lines.append(f"dose = {{ {dose} }}")
    lines.append("[pk.parameters]")
    lines += [f"{k} = {{ {v} }}" for k, v in params.items()]
    return "\n" + "\n".join(lines) + "\n"
