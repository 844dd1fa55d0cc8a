"""Output units of NCA parameters, derived from the study units.

Rule (docs/nca.md, "Units"): concentrations, times and doses keep the study's units; AUC is
``time*conc``, AUMC ``time^2*conc``; dose-normalised values are ``(conc)/(dose)``.
Clearances and volumes are converted from ``dose/(conc*time)`` and ``dose/conc`` to
``L/<time>`` and ``L`` (per kg or per m^2 when the dose is per kg or per m^2), or to the
units given in ``Options.cl_unit``/``volume_unit``. A mass dose with a molar
concentration (or the reverse) needs the analyte's molecular weight; without it the
clearances and volumes are NaN with that reason.

Examples
--------
>>> u = output_units({"time": "h", "conc": "ng/mL", "dose": "mg/kg"})
>>> u.units["auc"], u.units["clearance"], u.units["volume"]
('h*ng/mL', 'L/h/kg', 'L/kg')
>>> round(u.cl_factor, 9)   # (mg/kg)/(ng/mL*h) -> L/h/kg
1000.0
>>> output_units({"time": "h", "conc": "nM", "dose": "mg"}).problem
'dose in mg and concentration in nM: give the molecular weight (Study.mw) to get CL and V'
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pint

from kinetor.errors import UnitError
from kinetor.units import Q, dose_basis, format_unit, is_molar, parse_unit

__all__ = ["OutputUnits", "output_units"]


@dataclass
class OutputUnits:
    """Unit strings per unit type and the factors applied to CL and V."""

    units: dict[str, str] = field(default_factory=dict)
    cl_factor: float = float("nan")
    v_factor: float = float("nan")
    # urine: amount in ``units["amount"]`` = conc x volume x amount_factor (e.g. 1000 for
    # ng/mL x L -> ng)
    amount_factor: float = 1.0
    problem: str = ""


def _paren(text: str) -> str:
    return f"({text})" if any(ch in text for ch in "/*^") else text


def _per_body(dose_q) -> str:
    """'' for an absolute dose, '/kg' per body weight, '/m^2' per body surface area."""
    return dose_basis(dose_q.units)


def _per_mass(q) -> bool:
    """ng/g, nmol/g: a tissue content (dimensionless mass ratio or amount per mass)."""
    dim = str(q.dimensionality)
    return dim in ("dimensionless", "[substance] / [mass]")


def output_units(
    units: dict[str, str],
    mw: float | None = None,
    cl_unit: str | None = None,
    volume_unit: str | None = None,
    volume_in: str | None = None,
) -> OutputUnits:
    """Unit strings and CL/V conversion factors for a study's ``units`` dict.

    ``volume_in`` is the unit of urine volumes (for amounts excreted).
    """
    t, c, d = units["time"], units["conc"], units["dose"]
    out = OutputUnits()
    u = out.units
    u.update(
        time=t,
        conc=c,
        dose=d,
        auc=f"{t}*{c}",
        aumc=f"{t}^2*{c}",
        inverse_time=f"1/{t}",
        unitless="",
        count="",
        percent="%",
        conc_dose=f"{_paren(c)}/{_paren(d)}",
        auc_dose=f"({t}*{c})/{_paren(d)}",
    )
    tq, cq, dq = Q(1.0, parse_unit(t)), Q(1.0, parse_unit(c)), Q(1.0, parse_unit(d))
    suffix = _per_body(dq)
    u["clearance"] = cl_unit or f"L/{format_unit(t)}{suffix}"
    u["volume"] = volume_unit or f"L{suffix}"
    if volume_in:
        amount = (cq * Q(1.0, parse_unit(volume_in))).to_reduced_units()
        if str(amount.dimensionality) == "[substance]" and "mol" not in format_unit(amount.units):
            # a molarity x volume (nM x mL) is an amount of substance: in the mol unit of
            # the molarity's prefix (nM -> nmol), its factor kept
            molar = [p for p in format_unit(amount.units).split("*") if p.endswith("M")]
            if molar:
                amount = amount.to(parse_unit(molar[0][:-1] + "mol"))
        u["amount"] = format_unit(amount.units)
        out.amount_factor = float(amount.magnitude)
        u["urine_volume"] = volume_in
        u["rate"] = f"{u['amount']}/{t}"
        u["renal_clearance"] = f"L/{format_unit(t)}"
    if _per_mass(cq):
        out.problem = (
            f"tissue concentration in {c}: clearance and volume need a "
            "concentration per volume (convert with "
            "kinetor.data.tissue_to_volume and an explicit tissue density)"
        )
        return out
    if is_molar(dq.units) != is_molar(cq.units):
        if mw is None:
            dose_amount = "a molar dose" if is_molar(dq.units) else f"dose in {d}"
            out.problem = (
                f"{dose_amount} and concentration in {c}: give the molecular "
                "weight (Study.mw) to get CL and V"
            )
            return out
        g_per_mol = Q(float(mw), "g/mol")
        dq = dq * g_per_mol if is_molar(dq.units) else dq / g_per_mol
    try:
        out.cl_factor = float((dq / (cq * tq)).to(parse_unit(u["clearance"])).magnitude)
        out.v_factor = float((dq / cq).to(parse_unit(u["volume"])).magnitude)
    except pint.errors.DimensionalityError as exc:
        raise UnitError(
            f"cannot express dose/(conc*time) = ({d})/(({c})*{t}) in "
            f"{u['clearance']!r} or dose/conc in {u['volume']!r}"
        ) from exc
    return out
