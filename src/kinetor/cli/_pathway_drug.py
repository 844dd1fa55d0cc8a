"""``--drug`` values of ``kinetor pathway simulate`` read into ``(drug, input)`` pairs
for :meth:`kinetor.pathway.Network.simulate_pairs` (the command is in
:mod:`kinetor.cli.pathway`).

Examples
--------
>>> parse_drug("everolimus:10nM")[1]
'10nM'
>>> try:
...     parse_drug("capivasertib")
... except typer.BadParameter as exc:
...     print(exc.param_hint, exc.message[:40])
--drug 'capivasertib': write NAME:CONC (e.g. ev
"""

from __future__ import annotations

import re

import typer

__all__ = ["parse_drug"]

_DOSE_WORDS = re.compile(r"(?i)\b(po|iv|sc|ip|oral|bolus|infusion|qd|bid|tid|q\d+h)\b|/kg")


def parse_drug(spec: str, species: str = "mouse"):
    """``name:10nM``, ``name:1 uM``, ``name:profile.csv`` (columns time_h, conc_nM) or
    ``name:REGIMEN`` (e.g. ``vistusertib:15 mg/kg PO BID x 3 days``): the exact unbound
    course from the compound library's ``species`` PK set (``kinetor.pk.polyexponential``)."""
    from pathlib import Path

    from kinetor.pathway import resolve_drug

    name, sep, value = spec.partition(":")
    if not sep or not value.strip() or not name.strip():
        raise typer.BadParameter(
            f"{spec!r}: write NAME:CONC (e.g. everolimus:10nM), "
            "NAME:FILE.csv or NAME:REGIMEN (e.g. 'vistusertib:15 mg/kg PO QD x 3 "
            "days')",
            param_hint="--drug",
        )
    value = value.strip()
    path = Path(value)
    if path.suffix.lower() == ".csv" or path.exists():  # read_profile names a folder as one
        from kinetor.pathway._profile_file import read_profile

        return resolve_drug(name.strip()), read_profile(path)
    if _DOSE_WORDS.search(value):
        return _course(name.strip(), value, species)
    from kinetor.pathway._inputs import _is_number  # the API's rule (loaded with resolve_drug)

    if _is_number(value):
        raise typer.BadParameter(
            f"{spec!r}: {value!r} has no unit: write a free concentration with one, e.g. "
            f"'{name.strip()}:{value} nM', or a regimen, e.g. "
            f"'{name.strip()}:{value} mg/kg PO QD x 3 days'",
            param_hint="--drug",
        )
    return resolve_drug(name.strip()), value


def _course(compound: str, regimen: str, species: str):
    """(pathway drug, unbound course in nM) for a dose regimen in ``species``."""
    from kinetor.errors import ModelError
    from kinetor.pk import SPECIES, Regimen, polyexponential
    from kinetor.translate.arms import drug_model

    if species not in SPECIES:
        raise ModelError(f"--species {species!r}: use one of {', '.join(SPECIES)}")
    dm = drug_model(compound, species)
    course = polyexponential(
        dm.model,
        Regimen.parse(regimen),
        conc_unit="ng/mL",
        mw=dm.mw,
        weight=float(SPECIES[species]["weight"]),
    )[0]
    return dm.drug, course.scaled(dm.free_factor, "nM")
