"""Helpers of :mod:`kinetor.translate.design`: dose brackets, the dose units of a reference
and a candidate schedule, and the default steady-state window of :func:`select_dose`.

* :func:`dose_bracket`: ``(lo, hi)`` finite with ``0 < lo < hi`` (a ``ModelError`` otherwise).
* :func:`Amounts`: the amounts of two regimens on a common footing. In one unit the totals
  stay in that unit; in different units (``mg`` vs ``mg/kg``) every dose is converted to mg
  with the body weight of the study (``study_kw['weight']`` or the species' reference weight)
  and, for a molar dose, the compound's molecular weight.
* :func:`check_regimens`: a per-m2 dose is refused (the virtual study has no body surface
  area); a ``weight=`` of the study must be a number of kg, finite, > 0 and plausible for
  the species (:func:`kinetor.pk._weights.weight_problem`: a 25 kg mouse is refused, with a
  grams hint where the value read as grams is plausible).
* :func:`last_day_window`: the 24 h from the first dose given within the last 24 h of dosing
  (QD: the 24 h after the last dose; BID: the last dosing day; weekly: the week's dosing
  day), whatever the study length.
* :func:`default_window`: that window and the study length (days) that holds it: the
  default length, lengthened to whole days until the window fits; with a study length
  given, a window running past its end is clipped to the end (with a note).

Examples
--------
>>> last_day_window("1 mg/kg PO QD 5 days on/2 days off x 1 week")
(96.0, 120.0)
>>> last_day_window("1 mg/kg PO BID x 3 days")
(48.0, 72.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from kinetor.errors import ModelError


def dose_bracket(dose_range: Any, unit: str) -> tuple[float, float]:
    """``dose_range`` as ``(lo, hi)`` floats with ``0 < lo < hi``, both finite."""
    try:
        lo, hi = (float(x) for x in dose_range)
    except (TypeError, ValueError):
        lo = hi = math.nan
    if not (math.isfinite(lo) and math.isfinite(hi) and 0 < lo < hi):
        raise ModelError(
            f"dose_range = {dose_range!r}: give (lo, hi) in {unit} with 0 < lo < hi, e.g. (1, 300)"
        )
    return lo, hi


def window_bounds(window: Any) -> tuple[float, float]:
    """A user's ``window`` as ``(start, end)`` h, finite, ``0 <= start < end``."""
    try:
        a, b = (float(x) for x in window)
    except (TypeError, ValueError):
        a = b = math.nan
    if not (math.isfinite(a) and math.isfinite(b) and 0 <= a < b):
        raise ModelError(
            f"window = {window!r}: give (start, end) in h with 0 <= start < end, e.g. (144, 168)"
        )
    return a, b


def last_day_window(regimen: str) -> tuple[float, float]:
    """The 24 h (h) from the first dose given within the last 24 h of dosing."""
    from kinetor.pk import Regimen

    times = sorted(float(t) for t in Regimen.parse(regimen).to_table()["time"])
    last = times[-1]
    start = min(t for t in times if t > last - 24.0 + 1e-9)
    return start, start + 24.0


def check_regimens(texts: list[str], species: Any, study_kw: dict) -> None:
    """Refuse per-m2 regimens and an implausible ``weight=`` (module docstring)."""
    from kinetor.pk import Regimen

    for text in texts:  # a schedule template is parsed with dose 1
        if Regimen.parse(text.replace("{dose}", "1")).needs_bsa:
            raise ModelError(
                f"regimen {text!r} is per body surface area (mg/m2): the virtual study "
                "(run_study) has no body surface area, so per-m2 doses are not supported; "
                "write the dose in mg/kg or mg"
            )
    if study_kw.get("weight") is not None:
        check_weight(study_kw["weight"], species)


def check_weight(weight: Any, species: Any) -> float:
    """``weight`` (kg) as a float: a finite number > 0, plausible for ``species``."""
    from kinetor.pk._weights import weight_problem

    try:
        w = float(weight) if not isinstance(weight, bool | str) else math.nan
    except (TypeError, ValueError):
        w = math.nan
    if not (math.isfinite(w) and w > 0):
        raise ModelError(
            f"weight = {weight!r}: give the body weight in kg as a number > 0 "
            "(e.g. weight=0.025 for a 25 g mouse)"
        )
    bad = weight_problem(w, species, f"weight of the {species}")
    if bad is not None:
        raise ModelError(f"weight = {weight!r}: {bad[0]} ({bad[1]})")
    return w


def default_window(regimen: str, days: float | None) -> tuple[tuple[float, float], float, str]:
    """``(window, days, note)``: :func:`last_day_window` and the study length holding it."""
    from kinetor.translate.arms import Arm, Treatment
    from kinetor.translate.chain import study_days

    a, b = last_day_window(regimen)
    if days is None:  # the length is chosen here: long enough for the window
        length = float(study_days([Arm("c", (Treatment("x", regimen),))]))
        return (a, b), max(length, float(math.ceil(b / 24.0 - 1e-9))), ""
    end = 24.0 * float(days)
    if b <= end + 1e-9:
        return (a, b), float(days), ""
    if a >= end - 1e-9:
        raise ModelError(
            f"days = {days!r}: the study ends at {end:g} h, at or before the last dosing "
            f"day's window ({a:g}, {b:g}) h: lengthen days or give window=(start, end)"
        )
    note = (
        f"the default window ({a:g}, {b:g}) h runs past the study end ({end:g} h, "
        f"days={days!r}): clipped to ({a:g}, {end:g}) h"
    )
    return (a, end), float(days), note


@dataclass
class Amounts:
    """Totals of a reference and a candidate regimen in a common unit (module docstring)."""

    reference: str
    template: str
    compound: str
    species: str
    study_kw: dict

    def __post_init__(self) -> None:
        from kinetor.pk import Regimen

        check_regimens([self.reference, self.template], self.species, self.study_kw)
        ref = Regimen.parse(self.reference)
        cand = Regimen.parse(self.template.format(dose="1"))
        self.schedule_unit = str(cand.to_table()["unit"].iloc[0])
        units = set(ref.units) | set(cand.units)
        self.mixed = len(units) > 1
        self.unit = "mg" if self.mixed else self.schedule_unit
        self.weight: float | None = None
        if self.mixed:
            self.weight = self._weight() if ref.needs_weight or cand.needs_weight else None
        # the reference's first dose in the schedule's unit (the default dose bracket)
        first = float(self.amounts(self.reference)[0])
        self.reference_dose = first / float(self.amounts(self.template.format(dose="1"))[0])

    def _weight(self) -> float:
        from kinetor.pk import SPECIES

        w = self.study_kw.get("weight")
        if w is None:
            sp = str(self.species).strip().lower()
            if sp not in SPECIES:
                raise ModelError(
                    f"no reference body weight for {self.species!r} to convert mg/kg to mg: "
                    "pass weight=... (kg), or write both regimens in the same unit"
                )
            w = SPECIES[sp]["weight"]
        return float(w)

    def amounts(self, text: str):
        """Amount of every dose of ``text`` in :attr:`unit`."""
        from kinetor.pk import Regimen

        reg = Regimen.parse(text)
        if not self.mixed:
            return reg.to_table()["amount"].to_numpy(float)
        mw = None
        if reg.needs_mw:
            from kinetor.translate.arms import drug_model

            pk = (self.study_kw.get("pk") or {}).get(self.compound)
            mw = drug_model(self.compound, self.species, pk).mw
        return reg.amounts_mg(weight=self.weight, mw=mw)

    def total(self, text: str) -> float:
        return float(self.amounts(text).sum())
