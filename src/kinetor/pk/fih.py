"""First-in-human starting dose: human equivalent doses (HED) by body surface area and the
maximum recommended starting dose (MRSD), after the FDA guidance for industry *Estimating the
Maximum Safe Starting Dose in Initial Clinical Trials for Therapeutics in Adult Healthy
Volunteers* (CDER, July 2005).

* HED (mg/kg) = animal NOAEL (mg/kg) x Km(animal) / Km(human): Table 1 of the guidance, Km =
  body weight / body surface area (kg/m2), human 37 (60 kg, 1.62 m2).
* An animal outside its species' working weight range (the weights for which the Km factor
  stays within 20 % of the weight-exact value), or a species without a Km factor, takes the
  guidance's footnote formula HED = dose x (W_animal / W_human)^0.33. A weight more than 5x
  outside the range (either side) is refused: most likely grams given as kg.
* ``basis="mg/kg"`` keeps HED = NOAEL (the guidance's section V.B exceptions, e.g. a drug
  whose toxicity scales by weight, or a protein > 100 kDa given intravascularly).
* MRSD = the lowest HED over the species (the most sensitive species when no other is known
  to be more relevant, section VI) divided by the safety factor (10 by default, section VII).

:func:`human_dose` gives the dose per administration that reaches a target exposure.

The Table 1 values (``KM_FACTORS``) are as printed in the guidance, also reproduced by Nair &
Jacob 2016 (J Basic Clin Pharm 7:27, doi:10.4103/0976-0105.177703, Table 1): status firm for
the reference weight, body surface area and Km; the working weight ranges are the guidance's
(status likely: read from a secondary copy of Table 1).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from kinetor.errors import DataError, KinetorError, ModelError, Problem, UnitError
from kinetor.pk._weights import ALIASES as _ALIASES

__all__ = ["HUMAN_KM", "KM_FACTORS", "human_dose", "human_equivalent_dose", "starting_dose"]

#: species -> (reference weight kg, working range kg (low, high), body surface area m2, Km)
KM_FACTORS: dict[str, tuple[float, tuple[float, float], float, float]] = {
    "mouse": (0.020, (0.011, 0.034), 0.007, 3.0),
    "hamster": (0.080, (0.047, 0.157), 0.016, 5.0),
    "rat": (0.150, (0.080, 0.270), 0.025, 6.0),
    "ferret": (0.300, (0.160, 0.540), 0.043, 7.0),
    "guinea pig": (0.400, (0.208, 0.700), 0.050, 8.0),
    "rabbit": (1.8, (0.9, 3.0), 0.15, 12.0),
    "dog": (10.0, (5.0, 17.0), 0.50, 20.0),
    "monkey": (3.0, (1.4, 4.9), 0.25, 12.0),
    "marmoset": (0.350, (0.140, 0.720), 0.060, 6.0),
    "squirrel monkey": (0.600, (0.290, 0.970), 0.090, 7.0),
    "baboon": (12.0, (7.0, 23.0), 0.60, 20.0),
    "micro-pig": (20.0, (10.0, 33.0), 0.74, 27.0),
    "mini-pig": (40.0, (25.0, 64.0), 1.14, 35.0),
}
#: adult human: reference weight 60 kg, 1.62 m2, Km 37
HUMAN_KM = 37.0
HUMAN_WEIGHT = 60.0
_FIX_SPECIES = (
    "name one of: "
    + ", ".join(KM_FACTORS)
    + "; or give the animals' weight (--weight SPECIES=KG, weight= in Python) for the "
    "weight^0.33 formula"
)


def _species(name: Any) -> str | None:
    key = str(name).strip().lower().replace("_", " ")
    key = _ALIASES.get(key, key)
    return key if key in KM_FACTORS else None


def _keyed(values: Mapping, what: str) -> dict:
    """``values`` keyed by species ("Rat", "rats" and "rat" are one; twice is an error)."""
    out: dict = {}
    for k, v in dict(values).items():
        key = _species(k) or (k.strip().lower() if isinstance(k, str) else k)
        if key in out:
            raise DataError([Problem(f"species {key!r} has two {what}s", fix="give one")])
        out[key] = v
    return out


def _positive(value: Any, what: str, fix: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        v = math.nan
    if isinstance(value, bool) or not (math.isfinite(v) and v > 0):
        raise DataError([Problem(f"{what} = {value!r} is not a number > 0", fix=fix)])
    return v


def human_equivalent_dose(
    dose: float,
    species: str,
    *,
    weight: float | None = None,
    human_weight: float = HUMAN_WEIGHT,
    basis: str = "bsa",
) -> dict[str, Any]:
    """The human equivalent dose (mg/kg) of an animal dose (mg/kg) (module docstring).

    Parameters
    ----------
    dose : float
        Animal dose, mg/kg (a NOAEL for a starting dose).
    species : str
        A species of :data:`KM_FACTORS` (``"rat"``, ``"dog"``, ``"monkey"``...; common
        spellings such as "cynomolgus" or "minipig" are accepted). Another species needs
        ``weight``.
    weight : float, optional
        The animals' body weight (kg). Inside the working range of the species (or not
        given) the Km factor is used; outside it, or for a species without a Km factor, the
        guidance's formula dose x (weight / human_weight)^0.33. More than 5x outside the
        range (another species: above 10 000 kg) is a ``DataError`` (a weight in grams?).
    human_weight : float
        Human body weight for the weight formula and for the dose in mg (default 60 kg;
        20-300 kg, else a ``DataError``: a weight in grams?).
    basis : {"bsa", "mg/kg"}
        ``"mg/kg"``: HED = dose (the guidance's exceptions to body-surface-area scaling).

    Returns
    -------
    dict
        ``species``, ``dose_mg_per_kg``, ``hed_mg_per_kg``, ``hed_mg`` (for ``human_weight``),
        ``factor`` (HED / dose), ``method`` (``"Km"``, ``"weight^0.33"`` or ``"mg/kg"``) and
        ``note``.

    Examples
    --------
    >>> round(human_equivalent_dose(50, "rat")["hed_mg_per_kg"], 3)   # 50 x 6/37
    8.108
    """
    d = _positive(dose, "dose (mg/kg)", "give the animal dose in mg/kg, > 0")
    hw = _positive(human_weight, "human_weight (kg)", "give a human body weight > 0, e.g. 60")
    _plausible_weight(hw, "human", "human_weight")
    if basis not in ("bsa", "mg/kg"):
        raise DataError([Problem(f"basis {basis!r} is not 'bsa' or 'mg/kg'", fix="use 'bsa'")])
    name = _species(species)
    w = None if weight is None else _positive(weight, f"weight of {species}", "give kg, > 0")
    note = ""
    if w is not None:
        _plausible_weight(w, species)
    if basis == "mg/kg":
        factor, method = 1.0, "mg/kg"
        note = "mg/kg basis: HED = animal dose (FDA 2005 section V.B)"
    elif name is not None and (w is None or KM_FACTORS[name][1][0] <= w <= KM_FACTORS[name][1][1]):
        factor, method = KM_FACTORS[name][3] / HUMAN_KM, "Km"
    elif w is not None:
        factor, method = (w / hw) ** 0.33, "weight^0.33"
        if name is not None:
            lo, hi = KM_FACTORS[name][1]
            note = (
                f"{w:g} kg is outside the {name} working range {lo:g}-{hi:g} kg: "
                "HED = dose x (W_animal/W_human)^0.33 (FDA 2005 Table 1 footnote)"
            )
        else:
            note = f"{species!r} has no Km factor: HED = dose x (W_animal/W_human)^0.33"
    else:
        raise DataError([Problem(f"species {species!r} has no Km factor", fix=_FIX_SPECIES)])
    return {
        "species": name or str(species),
        "dose_mg_per_kg": d,
        "hed_mg_per_kg": d * factor,
        "hed_mg": d * factor * hw,
        "factor": factor,
        "method": method,
        "note": note,
    }


def _plausible_weight(w: float, species: Any, label: str | None = None) -> None:
    """Refuse an implausible weight (grams given as kg?): :mod:`kinetor.pk._weights`."""
    from kinetor.pk._weights import weight_problem

    bad = weight_problem(w, species, label)
    if bad is not None:
        raise DataError([Problem(bad[0], fix=bad[1])])


def starting_dose(
    noael: Mapping[str, float],
    *,
    weights: Mapping[str, float] | None = None,
    safety_factor: float = 10.0,
    human_weight: float = HUMAN_WEIGHT,
    basis: str = "bsa",
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """HED per species and the maximum recommended starting dose (module docstring).

    Parameters
    ----------
    noael : mapping
        ``{species: NOAEL in mg/kg}``, one per tested species.
    weights : mapping, optional
        ``{species: body weight in kg}`` of the animals tested (see
        :func:`human_equivalent_dose`).
    safety_factor : float
        Divides the lowest HED (default 10; >= 1).

    Returns
    -------
    (DataFrame, dict)
        One row per species (``species``, ``noael_mg_per_kg``, ``hed_mg_per_kg``,
        ``hed_mg``, ``factor``, ``method``, ``most_sensitive``, ``note``) and the summary
        (``species`` chosen, ``hed_mg_per_kg``, ``safety_factor``, ``mrsd_mg_per_kg``,
        ``mrsd_mg`` for ``human_weight``).

    Examples
    --------
    >>> table, mrsd = starting_dose({"rat": 50, "dog": 10})
    >>> mrsd["species"], round(mrsd["mrsd_mg"], 1)    # dog: 10 x 20/37 / 10 x 60 kg
    ('dog', 32.4)
    """
    if not isinstance(noael, Mapping) or not noael:
        raise DataError(
            [Problem("no NOAEL given", fix="give {species: NOAEL mg/kg}, e.g. {'rat': 50}")]
        )
    sf = _positive(safety_factor, "safety_factor", "give a safety factor >= 1 (default 10)")
    if sf < 1:
        raise DataError([Problem(f"safety_factor = {sf:g} is below 1", fix="give >= 1")])
    weights, noael = _keyed(weights or {}, "weight"), _keyed(noael, "NOAEL")
    unknown = sorted(set(weights) - set(noael))
    if unknown:
        raise DataError(
            [
                Problem(
                    f"weight given for {', '.join(map(repr, unknown))}, which has no NOAEL",
                    fix="name the same species in the NOAELs and the weights",
                )
            ]
        )
    rows = []
    for sp, value in noael.items():
        h = human_equivalent_dose(
            value, sp, weight=weights.get(sp), human_weight=human_weight, basis=basis
        )
        rows.append(
            {
                "species": h["species"],
                "noael_mg_per_kg": h["dose_mg_per_kg"],
                "hed_mg_per_kg": h["hed_mg_per_kg"],
                "hed_mg": h["hed_mg"],
                "factor": h["factor"],
                "method": h["method"],
                "note": h["note"],
            }
        )
    table = pd.DataFrame(rows)
    if table["species"].duplicated().any():
        dup = table.loc[table["species"].duplicated(), "species"].tolist()
        raise DataError(
            [Problem(f"species given twice: {', '.join(dup)}", fix="one NOAEL per species")]
        )
    best = int(table["hed_mg_per_kg"].to_numpy().argmin())
    table.insert(6, "most_sensitive", table.index == best)
    hed = float(table["hed_mg_per_kg"].iloc[best])
    summary = {
        "species": str(table["species"].iloc[best]),
        "hed_mg_per_kg": hed,
        "safety_factor": sf,
        "mrsd_mg_per_kg": hed / sf,
        "mrsd_mg": hed / sf * float(human_weight),
        "human_weight_kg": float(human_weight),
        "basis": basis,
    }
    return table, summary


def human_dose(
    target,
    measure: str = "auc",
    *,
    cl=None,
    f: float | None = None,
    tau="24 h",
    model=None,
    route: str = "PO",
    mw: float | None = None,
):
    """Dose per administration that reaches a target exposure at steady state.

    ``measure="auc"``: target AUC over one interval, :math:`D = AUC_\\tau\\, CL / F`;
    ``"css"``: average steady-state concentration, :math:`D = C_{ss}\\, CL\\, \\tau / F`;
    ``"cmin"`` (or ``"cmax"``): needs ``model`` (a PKModel with typical human values); by
    linearity the dose is target / (Cmin of a 1 mg dose at steady state). The trough (peak)
    is the lowest (highest) point of a 2001-point grid over tau, refined between its grid
    neighbours by bounded scalar optimisation (to ~1e-9 relative, not the grid's 1e-3).

    Returns a pint quantity in mg. ``target``, ``cl`` and ``tau`` must be > 0 and
    ``0 < f <= 1`` (default 1, or the model's F) (a ``ModelError`` otherwise: a negative
    input would give a negative dose); ``tau`` needs a time unit (``"24 h"``). With
    ``model``, a ``cl`` or ``f`` that differs from the model's own is refused (one of the
    two would be silently unused).

    Examples
    --------
    >>> human_dose("10 mg*h/L", "auc", cl="5 L/h", f=0.5)
    <Quantity(100.0, 'milligram')>
    >>> round(human_dose("1 mg/L", "css", cl="2 L/h", tau="12 h").magnitude, 6)
    24.0
    """
    from kinetor.units import Q, convert

    if measure not in ("auc", "css", "cmin", "cmax"):
        raise ModelError(f"unknown measure {measure!r}: use auc, css, cmin, cmax")
    if f is not None and not (isinstance(f, Real) and not isinstance(f, bool) and 0 < f <= 1):
        raise ModelError(f"f={f!r}: the bioavailability must be in (0, 1]")
    if model is not None:
        _agrees_with_model(model, cl, f)
    f = float(f) if f is not None else float(getattr(model, "params", {}).get("f", 1.0))
    tq = _quantity(target, "target", "the target", "mg*h/L" if measure == "auc" else "mg/L")
    tau_q = _quantity(tau, "tau", "the dosing interval", "h")
    tau_h = float(convert(1.0, f"{tau_q.units:~}", "h")) * float(tau_q.magnitude)
    if measure in ("auc", "css"):
        if cl is None:
            raise ModelError(f"measure={measure!r} needs cl=...")
        clq = _quantity(cl, "cl", "the clearance", "L/h", default_unit="L/h")
        cl_lh = float(convert(float(clq.magnitude), f"{clq.units:~}", "L/h"))
        if measure == "auc":
            auc = float(convert(tq.magnitude, f"{tq.units:~}", "mg*h/L", mw=mw))
            return Q(auc * cl_lh / f, "mg")
        css = float(convert(tq.magnitude, f"{tq.units:~}", "mg/L", mw=mw))
        return Q(css * cl_lh * tau_h / f, "mg")
    if model is None:
        raise ModelError(f"measure={measure!r} needs model=... (typical human parameters)")
    from kinetor.pk.regimen import Regimen
    from kinetor.pk.simulation import simulate

    reg = Regimen.parse(f"1 mg {route} q{tau_h:g}h ss")

    def conc(t) -> np.ndarray:
        return simulate(model, reg, np.atleast_1d(t), conc_unit="mg/L").ipred[0]

    per_mg = _ss_extreme(conc, tau_h, lowest=measure == "cmin")
    c = float(convert(tq.magnitude, f"{tq.units:~}", "mg/L", mw=mw))
    return Q(c / per_mg, "mg")


def _quantity(value, name: str, what: str, unit: str, default_unit: str | None = None):
    """``value`` as a quantity with a finite magnitude > 0; a ``ModelError`` naming ``name``
    otherwise, and a ``UnitError`` suggesting ``unit`` for a bare number."""
    from kinetor.units import parse_quantity

    try:
        q = parse_quantity(value, default_unit=default_unit)
    except UnitError as exc:
        if "has no unit" not in str(exc):
            raise
        raise UnitError(
            f"{name}={value!r} has no unit: write {what} with one, e.g. '{value} {unit}'"
        ) from None
    magnitude = np.asarray(q.magnitude, dtype=float)
    if magnitude.size != 1 or not (np.isfinite(magnitude).all() and (magnitude > 0).all()):
        raise ModelError(f"{name}={value!r}: {what} must be one number > 0")
    return q


def _agrees_with_model(model, cl, f) -> None:
    """A ``cl`` or ``f`` given with ``model`` must equal the model's (one would go unused)."""
    from kinetor.units import convert

    mp = getattr(model, "params", {})
    if f is not None and not np.isclose(float(f), mp.get("f", 1.0), rtol=1e-9, atol=0):
        raise ModelError(f"f={f!r} differs from the model's f = {mp.get('f', 1.0):g}: drop f=")
    if cl is None:
        return
    clq, unit = _quantity(cl, "cl", "the clearance", "L/h", "L/h"), model.units().get("cl")
    try:
        v = float(convert(float(clq.magnitude), f"{clq.units:~}", unit)) if unit else np.nan
    except KinetorError:
        v = np.nan
    if not np.isclose(v, mp.get("cl", np.nan), rtol=1e-9, atol=0):
        have = f"cl = {mp['cl']:g} {unit}" if unit else "no cl"
        raise ModelError(f"cl={cl!r} differs from the model's ({have}): drop cl=")


def _ss_extreme(conc, tau_h: float, lowest: bool) -> float:
    """Peak (or trough) of ``conc(t)`` over one interval [0, tau]: the best point of a
    2001-point grid, refined by bounded scalar optimisation between its grid neighbours
    (a grid alone reads a sharp peak low: Cmax off by up to 1e-3 for ka 3 /h, tau 504 h)."""
    from scipy.optimize import minimize_scalar

    sign = 1.0 if lowest else -1.0
    grid = np.linspace(0.0, tau_h, 2001)
    vals = sign * conc(grid)
    i = int(np.argmin(vals))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, grid.size - 1)]
    opts = {"xatol": 1e-12 * tau_h}
    res = minimize_scalar(
        lambda t: sign * float(conc(t)[0]), bounds=(lo, hi), method="bounded", options=opts
    )
    return sign * min(float(vals[i]), float(res.fun))
