"""Plausibility of body weights (kg) for the first-in-human helpers (:mod:`kinetor.pk.fih`)
and allometry (:mod:`kinetor.pk.scaling`): a weight in grams given as kg is refused.

* An animal of the FDA 2005 Table 1 (``KM_FACTORS``: mouse, rat, dog, monkey...): at most 5x
  outside its working weight range, either side (the rule of ``fih hed``).
* Human: :data:`HUMAN_WEIGHT_RANGE_KG`, 20-300 kg (an assumption: adult volunteers and
  patients; not a guidance value).
* Any other species, or a bare number: at most :data:`MAX_WEIGHT_KG` (10 000 kg, above the
  heaviest species of allometric data sets; an assumption). A bare 250 may be a rat in
  grams or a 250 kg animal: only a named species can be checked against its range.

The fix suggests grams ("was it in grams?") only when the value read as grams
(``w / 1000`` kg) falls inside the plausible range.

Examples
--------
>>> weight_problem(0.25, "rat") is None
True
>>> weight_problem(70000.0, "human")[1]
'was it in grams (70000 g = 70 kg)? give kg'
>>> weight_problem(0.171, "mouse")[1]  # 0.000171 kg is no mouse either: no grams hint
'give kg'
"""

from __future__ import annotations

from typing import Any

#: common spellings of the species of ``kinetor.pk.fih.KM_FACTORS``
ALIASES = {
    "mice": "mouse",
    "rats": "rat",
    "dogs": "dog",
    "monkeys": "monkey",
    "cynomolgus": "monkey",
    "cynomolgus monkey": "monkey",
    "rhesus": "monkey",
    "rhesus monkey": "monkey",
    "primate": "monkey",
    "guineapig": "guinea pig",
    "guinea-pig": "guinea pig",
    "minipig": "mini-pig",
    "mini pig": "mini-pig",
    "micropig": "micro-pig",
    "micro pig": "micro-pig",
    "beagle": "dog",
}
HUMAN_WEIGHT_RANGE_KG = (20.0, 300.0)
MAX_WEIGHT_KG = 10000.0


def _grams(w: float, lo: float, hi: float) -> str:
    """The grams hint, only when ``w`` read as grams (``w / 1000`` kg) is plausible."""
    return f"was it in grams ({w:g} g = {w / 1000:g} kg)? " if lo <= w / 1000 <= hi else ""


def weight_problem(
    w: float, species: Any = None, label: str | None = None
) -> tuple[str, str] | None:
    """``(problem, fix)`` when ``w`` kg is implausible for ``species`` (module docstring);
    None when plausible. ``species`` may be None (a bare number) or any name: aliases and
    case as :func:`kinetor.pk.fih.human_equivalent_dose` ("Rat", "cynomolgus").
    ``label`` names the value in the message (default "weight of SPECIES")."""
    from kinetor.pk.fih import KM_FACTORS, _species

    raw = "" if species is None else str(species).strip()
    name = "human" if raw.lower() in ("human", "humans", "man") else _species(raw)
    label = label or (f"weight of {raw}" if raw else "body weight")
    if name == "human":
        lo, hi = HUMAN_WEIGHT_RANGE_KG
        if not lo <= w <= hi:
            problem = f"{label} = {w:g} kg is outside the plausible human range {lo:g}-{hi:g} kg"
            return problem, f"{_grams(w, lo, hi)}give kg"
        return None
    if name is not None:
        lo, hi = KM_FACTORS[name][1]
        if not lo / 5 <= w <= hi * 5:
            problem = (
                f"{label} = {w:g} kg is more than 5x outside the {name} working range "
                f"{lo:g}-{hi:g} kg (FDA 2005 Table 1)"
            )
            return problem, f"{_grams(w, lo / 5, hi * 5)}give kg"
        return None
    if w > MAX_WEIGHT_KG:
        problem = f"{label} = {w:g} kg is above {MAX_WEIGHT_KG:g} kg (no species weighs that)"
        return problem, f"{_grams(w, 0.0, MAX_WEIGHT_KG)}give kg"
    return None
