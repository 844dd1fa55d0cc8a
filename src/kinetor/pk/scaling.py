r"""Translation helpers: free drug, allometric scaling, rule of exponents (the human dose for
a target exposure, :func:`human_dose`, is in :mod:`kinetor.pk.fih`, re-exported here).

Simple allometry scales a parameter with body weight :math:`W`:
:math:`CL = a W^{0.75}`, :math:`V = a W^{1}` (exponents as conventionally used; see
docs/pk.md). With data in several species, :func:`fit_allometry` regresses
:math:`\log CL` on :math:`\log W`, and :func:`predict_human_cl` applies the *rule of
exponents* (Mahmood & Balian 1996, Xenobiotica 26:887; status: likely, thresholds as
widely quoted, not re-read here) to choose the method from the fitted exponent b, rounded to
two decimals as the classes are stated (a fitted 1.2999999999999998 or 1.3000000000000003
is 1.3; 0.704 counts as 0.70 (simple), 0.706 as 0.71 (MLP)):

=============  =================================================================
b              method
=============  =================================================================
< 0.55         simple allometry, flagged: likely to under-predict
0.55 - 0.70    simple allometry
0.71 - 0.99    CL x MLP (maximum life-span potential) correction
1.0 - 1.3      CL x brain weight correction
> 1.3          brain weight correction, flagged: prediction may be inaccurate
=============  =================================================================

:math:`MLP = 185.4\, BrW^{0.636}\, W^{-0.225}` years (BrW, W in kg; Sacher 1959 as used
by Boxenbaum 1982; status: likely — it gives the commonly quoted 93.4 years for a 70 kg
human with a 1.53 kg brain). When the unbound fraction differs between species, scale the
unbound clearance :math:`CL_u = CL / f_u` and return :math:`CL_{u,h} f_{u,h}`.

With one or two species, or unbound fractions in rat and human, :func:`predict_human_cl`
also offers the published fixed-constant methods of :mod:`kinetor.pk._scaling_methods`
(``fixed_exponent``, ``tang_one_species``, ``liver_blood_flow``, ``rat_dog``,
``rat_monkey``, ``fcim``; Tang et al. 2007, Tang & Mayersohn 2005).

Examples
--------
>>> round(allometric_scale(0.1, "rat", "human", 0.75), 4)  # 0.1 x 280**0.75 = 0.1 x 68.449
6.8449
>>> fit = fit_allometry(["mouse", "rat", "dog"], [2 * w**0.75 for w in (0.025, 0.25, 10.0)])
>>> round(fit.exponent, 6), round(fit.coefficient, 6)
(0.75, 2.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from kinetor.errors import ModelError
from kinetor.pk._scaling_methods import FEW_SPECIES_METHODS, few_species_cl
from kinetor.pk.fih import human_dose

__all__ = [
    "SPECIES",
    "AllometryFit",
    "allometric_scale",
    "fit_allometry",
    "free_concentration",
    "human_dose",
    "mlp_years",
    "predict_human_cl",
]

# Reference body and brain weights (kg). Rat 0.25 and human 70 kg are the reference weights
# of Davies & Morris 1993 Pharm Res 10:1093, Table I (doi:10.1023/A:1018943613122;
# recalled, not re-read here: likely); the mouse's 0.025 kg is a typical adult laboratory
# mouse (Davies & Morris list 0.02 kg). Dog, monkey and all brain weights are textbook
# values recalled, not checked against a source here.
SPECIES: dict[str, dict[str, Any]] = {
    "mouse": {
        "weight": 0.025,
        "brain_weight": 0.00045,
        "source": "weight: typical adult (Davies & Morris 1993 Pharm Res 10:1093 list 0.02 kg); brain: recalled (Boxenbaum 1982)",
        "status": "weight likely; brain unverified",
    },
    "rat": {
        "weight": 0.25,
        "brain_weight": 0.0018,
        "source": "weight: Davies & Morris 1993 Pharm Res 10:1093, Table I; brain: recalled (Boxenbaum 1982)",
        "status": "weight likely; brain unverified",
    },
    "monkey": {
        "weight": 5.0,
        "brain_weight": 0.09,
        "source": "recalled (cynomolgus/rhesus typical)",
        "status": "unverified",
    },
    "dog": {
        "weight": 10.0,
        "brain_weight": 0.08,
        "source": "recalled (beagle typical)",
        "status": "unverified",
    },
    "human": {
        "weight": 70.0,
        "brain_weight": 1.53,
        "source": "weight: Davies & Morris 1993 Pharm Res 10:1093, Table I; brain: recalled (Boxenbaum 1982)",
        "status": "weight likely; brain unverified",
    },
}


def _weight(w, what: str = "weight") -> float:
    """A body weight in kg: a species name of :data:`SPECIES` or a finite number > 0."""
    if isinstance(w, str):
        key = w.strip().lower()
        if key not in SPECIES:
            raise ModelError(f"unknown species {w!r}: use {', '.join(SPECIES)} or a weight in kg")
        return float(SPECIES[key]["weight"])
    v = _number(w)
    if not v > 0:
        raise ModelError(
            f"{what} = {w!r}: give a body weight in kg > 0 or a species ({', '.join(SPECIES)})"
        )
    _plausible(v, None, what)
    return v


def _plausible(w: float, species: str | None, what: str) -> None:
    """A ``ModelError`` for a weight implausible for ``species`` (grams given as kg?; the
    ranges of ``kinetor fih hed``: :mod:`kinetor.pk._weights`)."""
    from kinetor.pk._weights import weight_problem

    bad = weight_problem(w, species, what)
    if bad is not None:
        raise ModelError(f"{bad[0]}: {bad[1]}")


def _problems(weights: Mapping[str, float]) -> list[tuple[str, str]]:
    from kinetor.pk._weights import weight_problem

    found = (weight_problem(w, name, f"weight of {name}") for name, w in weights.items())
    return [p for p in found if p is not None]


def _plausible_all(weights: Mapping[str, float]) -> None:
    for problem, fix in _problems(weights):
        raise ModelError(f"{problem}: {fix}")


def _number(x) -> float:
    """``x`` as a finite float; NaN for anything else (the caller names what is wrong)."""
    try:
        v = float(x)
    except (TypeError, ValueError):
        return float("nan")
    return v if np.isfinite(v) and not isinstance(x, bool) else float("nan")


def _per_species(values: Mapping, what: str, upper: float | None = None) -> dict[str, float]:
    """``{species: value}`` with the names lower-cased (``"Rat"`` is ``"rat"``, as in
    ``kinetor fih hed``) and every value finite and > 0 (and <= ``upper``)."""
    out: dict[str, float] = {}
    for name, value in dict(values).items():
        key, v = str(name).strip().lower(), _number(value)
        if key in out:
            raise ModelError(f"{what}: species {name!r} is given twice")
        if not (v > 0 and (upper is None or v <= upper)):
            rng = "in (0, 1]" if upper == 1.0 else "a finite number > 0"
            raise ModelError(f"{what} of {name!r} = {value!r}: must be {rng}")
        out[key] = v
    return out


def free_concentration(conc, fu: float):
    """Unbound concentration :math:`C_u = f_u C` (``fu`` the fraction unbound in plasma).

    >>> free_concentration(200.0, 0.05)
    10.0
    """
    if not 0.0 < float(fu) <= 1.0:
        raise ModelError(f"fu = {fu} must be in (0, 1]")
    return np.asarray(conc, float) * float(fu) if np.ndim(conc) else float(conc) * float(fu)


def allometric_scale(value: float, from_weight, to_weight, exponent: float = 0.75) -> float:
    """:math:`P_{to} = P_{from} (W_{to}/W_{from})^{b}`; weights in kg or species names.

    Use 0.75 for clearances, 1.0 for volumes, 0.25 for half-lives. ``value`` must be
    > 0, the weights > 0 (kg; a number above 10 000 kg, grams given as kg, is refused) and
    the exponent finite (a ``ModelError`` otherwise).
    """
    v, b = _number(value), _number(exponent)
    if not v > 0:
        raise ModelError(f"value = {value!r}: the parameter to scale must be a number > 0")
    if not np.isfinite(b):
        raise ModelError(f"exponent = {exponent!r}: give a finite number (0.75 for a clearance)")
    return v * (_weight(to_weight, "to_weight") / _weight(from_weight, "from_weight")) ** b


@dataclass
class AllometryFit:
    """log10(y) = log10(a) + b log10(W): coefficient, exponent and fit quality."""

    coefficient: float
    exponent: float
    se_exponent: float
    r2: float
    n: int

    def predict(self, weight) -> float:
        return self.coefficient * _weight(weight) ** self.exponent


def fit_allometry(weights, values) -> AllometryFit:
    """Least squares of log values on log body weight (>= 2 species of different weights,
    finite values > 0)."""
    w = np.array([_weight(x) for x in weights], float)
    y = np.array([_number(v) for v in values], float)
    if w.size < 2 or w.size != y.size or not np.all(y > 0):
        raise ModelError(
            f"allometry needs >= 2 species, one finite value > 0 per species, got {list(values)!r}"
        )
    if np.ptp(np.log(w)) < 1e-6:
        raise ModelError(
            f"the body weights do not differ ({w[0]:g} kg): allometry needs species of "
            "different weights (give each species' own weight, in kg)"
        )
    X, Y = np.log10(w), np.log10(y)
    b, a = np.polyfit(X, Y, 1)
    resid = Y - (a + b * X)
    ss = float(np.sum((Y - Y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / ss if ss > 0 else 1.0
    sxx = np.sum((X - X.mean()) ** 2)
    se = np.sqrt(np.sum(resid**2) / (w.size - 2) / sxx) if w.size > 2 else np.nan
    return AllometryFit(float(10**a), float(b), float(se), float(r2), int(w.size))


def mlp_years(brain_weight: float, weight: float) -> float:
    """Maximum life-span potential (years), Sacher's equation (weights in kg)."""
    return 185.4 * brain_weight**0.636 * weight**-0.225


def predict_human_cl(
    cl: Mapping[str, float],
    method: str = "rule_of_exponents",
    fu: Mapping[str, float] | None = None,
    human_fu: float | None = None,
    weights: Mapping[str, float] | None = None,
    brain_weights: Mapping[str, float] | None = None,
    exponent: float | None = None,
    cl_unit: str | None = None,
) -> dict[str, object]:
    """Predict human clearance from animal clearances (same unit, e.g. L/h, absolute).

    Parameters
    ----------
    cl : dict species -> clearance (species names are case-insensitive)
    method : {"rule_of_exponents", "simple", "mlp", "brain", "fixed_exponent",
        "tang_one_species", "liver_blood_flow", "rat_dog", "rat_monkey", "fcim"}
        The last six (one or two species, FCIM) are described in
        :mod:`kinetor.pk._scaling_methods` and docs/pk.md.
    fu, human_fu : unbound fractions per species and in human, in (0, 1] (scale unbound CL;
        for ``fcim`` only fu of rat and human_fu, giving Rfu = fu_rat/fu_human)
    weights, brain_weights : override the reference weights (kg); a body weight implausible
        for its species (e.g. in grams: rat 250, human 70000) is a ``ModelError``, with the
        ranges of ``kinetor fih hed`` (:mod:`kinetor.pk._weights`)
    exponent : body-weight exponent of ``fixed_exponent`` (default 0.75; that method only)
    cl_unit : the unit of the clearances, e.g. ``"L/h"`` (``fcim`` only, which needs it)

    Returns
    -------
    dict with ``cl`` (human, same unit), ``method`` used, ``exponent`` (simple allometry,
    unrounded; the rule classifies it rounded to two decimals), ``r2``, ``note``,
    ``species`` and ``equation`` (the equation and constants used); the one- and
    two-species methods and FCIM add ``coefficient``.

    The rule of exponents needs >= 3 species: with 2 it falls back to simple allometry
    (``note`` says so; a forced ``method`` is honoured). Clearances and weights must be
    finite and > 0, the weights must differ, and a fitted exponent <= 0 (clearance falling
    with body weight: per-kg clearances, or weights not in kg) is a ``ModelError``.

    Examples
    --------
    >>> out = predict_human_cl({s: 0.1 * SPECIES[s]["weight"] ** 0.65
    ...                         for s in ("mouse", "rat", "dog")})
    >>> out["method"], round(out["exponent"], 6), round(out["cl"], 4)  # 0.1 x 70**0.65
    ('simple', 0.65, 1.5824)
    """
    allometry = ("rule_of_exponents", "simple", "mlp", "brain")
    if method not in allometry + FEW_SPECIES_METHODS:
        raise ModelError(
            f"unknown method {method!r}: use {', '.join(allometry + FEW_SPECIES_METHODS)}"
        )
    cls = _per_species(cl, "cl")
    if "human" in cls:
        raise ModelError(
            "cl has a 'human' clearance: human is the species predicted; give the animal "
            "clearances (a human weight other than 70 kg is weights={'human': kg})"
        )
    given = _per_species(weights or {}, "weight")
    weights = {**{k: float(v["weight"]) for k, v in SPECIES.items()}, **given}
    brains = {
        **{k: float(v["brain_weight"]) for k, v in SPECIES.items()},
        **_per_species(brain_weights or {}, "brain weight"),
    }
    sp = list(cls)
    missing = [s for s in [*sp, "human"] if s not in weights]
    if missing:
        raise ModelError(f"no body weight for {missing}: pass weights={{...}}")
    if (fu is None) != (human_fu is None):
        raise ModelError("unbound scaling needs fu for every species and human_fu (or neither)")
    if method in FEW_SPECIES_METHODS:
        _plausible_all(given)
        h_fu = None if human_fu is None else _number(human_fu)
        if h_fu is not None and not 0.0 < h_fu <= 1.0:
            raise ModelError(f"human_fu = {human_fu!r}: must be in (0, 1]")
        return few_species_cl(
            method,
            cls,
            {s: weights[s] for s in [*sp, "human"]},
            exponent=exponent,
            fu=None if fu is None else _per_species(fu, "fu", upper=1.0),
            human_fu=h_fu,
            cl_unit=cl_unit,
        )
    if exponent is not None or cl_unit is not None:
        raise ModelError(
            f"exponent is used only by method 'fixed_exponent' and cl_unit only by 'fcim', "
            f"not by {method!r}: leave them out"
        )
    if len(sp) < 2:
        raise ModelError(
            f"method {method!r} fits allometry and needs >= 2 species, got {sp}: with one "
            "species use method='fixed_exponent', 'tang_one_species' or 'liver_blood_flow'"
        )
    y = np.array([cls[s] for s in sp])
    if fu is not None:
        fus = _per_species(fu, "fu", upper=1.0)
        if any(s not in fus for s in sp):
            raise ModelError("unbound scaling needs fu for every species and human_fu")
        hfu = _number(human_fu)
        if not 0.0 < hfu <= 1.0:
            raise ModelError(f"human_fu = {human_fu!r}: must be in (0, 1]")
        y = y / np.array([fus[s] for s in sp])
    W = np.array([weights[s] for s in sp])
    simple = fit_allometry(W, y)
    b = simple.exponent
    if not b > 0:
        grams = "".join(f"; {p[0]}: {p[1]}" for p in _problems(given))
        raise ModelError(
            f"fitted exponent b = {b:.3g} <= 0: clearance falls with body weight; give "
            f"absolute clearances (e.g. L/h, not L/h/kg) and body weights in kg{grams}"
        )
    _plausible_all(given)  # after the fit: equal or inverse weights have their own message
    notes = []
    if method == "rule_of_exponents":
        b2 = round(b, 2)  # the rule's classes are stated to two decimals (0.71-0.99, 1.0-1.3)
        method = "simple" if b2 <= 0.70 else "mlp" if b2 < 1.0 else "brain"
        if b2 < 0.55:
            notes.append("exponent < 0.55: simple allometry may under-predict")
        elif b2 > 1.3:
            notes.append("exponent > 1.3: the prediction may be inaccurate")
        if len(sp) < 3:
            method = "simple"
            notes.append(
                "the rule of exponents needs >= 3 species (Mahmood & Balian 1996): "
                f"simple allometry used with {len(sp)}"
            )
    wh, bh = weights["human"], brains["human"]
    if method == "simple":
        pred = simple.predict(wh)
    else:
        nob = [s for s in sp if s not in brains]
        if nob:
            raise ModelError(f"no brain weight for {nob}: pass brain_weights={{...}}")
        corr = np.array(
            [mlp_years(brains[s], weights[s]) if method == "mlp" else brains[s] for s in sp]
        )
        fitc = fit_allometry(W, y * corr)
        pred = fitc.predict(wh) / (mlp_years(bh, wh) if method == "mlp" else bh)
    if fu is not None:
        pred *= hfu
    return {
        "cl": float(pred),
        "method": method,
        "exponent": b,
        "r2": simple.r2,
        "note": "; ".join(notes),
        "species": sp,
        "equation": _equation(method, fu is not None),
    }


def _equation(method: str, unbound: bool) -> str:
    """The equation behind a result of simple/MLP/brain-weight allometry."""
    y = "CL/fu" if unbound else "CL"
    lhs = {"simple": y, "mlp": f"{y} x MLP", "brain": f"{y} x BrW"}[method]
    corr = {"simple": "", "mlp": " / MLP_human", "brain": " / BrW_human"}[method]
    rhs = f"a x W_human^b{corr}"
    tail = " x fu_human" if unbound else ""
    return (
        f"log10({lhs}) = log10(a) + b log10(W) fitted over the species (W in kg); "
        f"CL_human = {rhs}{tail}"
        + ("; MLP = 185.4 BrW^0.636 W^-0.225 years (Sacher)" if method == "mlp" else "")
    )
