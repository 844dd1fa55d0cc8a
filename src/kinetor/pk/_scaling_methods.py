r"""Human clearance from one or two animal species, and the fu-corrected intercept method
(the methods :func:`kinetor.pk.scaling.predict_human_cl` offers besides allometry over
three or more species and the rule of exponents).

Every constant below was read in the paper's abstract (the full texts were not at hand:
the constants are **firm** as printed there, the methods' fine print is not re-read):

* Tang et al. 2007, *Drug Metab Dispos* 35:1886
  (doi:10.1124/dmd.107.016188), "Interspecies prediction of human drug clearance based on
  scaling data from one or two animal species", derived from 102 drugs:

  - one species: :math:`CL_h/W_h = c\,CL_a/W_a` with c = 0.152 (rat), 0.410 (dog),
    0.407 (monkey) ("rat, dog and monkey methods");
  - the liver blood flow (LBF) methods, as the same abstract gives their coefficients:
    c = 0.247 (rat), 0.700 (dog), 0.467 (monkey) (c = human over animal hepatic blood flow
    per kg);
  - two species: :math:`CL_h = a\,W_h^{0.628}` (rat-dog) and :math:`a\,W_h^{0.650}`
    (rat-monkey), a the allometric coefficient fitted to the two species.

* Tang & Mayersohn 2005, *Drug Metab Dispos* 33:1297-1303 (doi:10.1124/dmd.105.004143),
  the fu-corrected intercept method (FCIM): :math:`CL_h = 33.35\ \mathrm{mL/min}\,
  (a/R_{fu})^{0.770}`, :math:`R_{fu} = f_{u,rat}/f_{u,human}`, a the coefficient of simple
  allometry (CL in mL/min, W in kg, the units of the 33.35 mL/min).

* A fixed exponent from one species, :math:`CL_h = CL_a (W_h/W_a)^{b}`, b = 0.75 by default:
  Hu & Hayton 2001, *AAPS PharmSci* 3:E29 (doi:10.1208/ps030429; abstract read) found
  b = 0.74 (99% CI 0.71-0.76) over 460 normalised clearances of 91 compounds and 0.65 for
  renally excreted ones; Mahmood, "Application of fixed exponent 0.75 to the prediction
  of human drug clearance: an inaccurate and misleading concept" (abstract read), found
  single-species predictions with 0.75 erratic. Treat it as a rough estimate.

Not implemented, because their constants could not be verified here: hepatic blood flows
per species of Davies & Morris 1993 (*Pharm Res* 10:1093; the liver blood flow method uses
Tang 2007's published ratios instead, so mouse has none), and a monkey exponent of 0.80
(Hosea et al. 2009 *J Clin Pharmacol* 49:513: its abstract gives no exponent).

Examples
--------
>>> out = few_species_cl("tang_one_species", {"rat": 5.0}, {"rat": 0.25, "human": 70.0})
>>> round(out["cl"], 6)  # 0.152 x 5/0.25 x 70
212.8
"""

from __future__ import annotations

import math

from kinetor.errors import ModelError, UnitError

# Tang et al. 2007 (abstract): CL_h/kg = c x CL_animal/kg
TANG_ONE_SPECIES = {"rat": 0.152, "dog": 0.410, "monkey": 0.407}
# Tang et al. 2007 (abstract): coefficients of the liver blood flow methods, same form
LIVER_BLOOD_FLOW = {"rat": 0.247, "dog": 0.700, "monkey": 0.467}
# Tang et al. 2007 (abstract): CL_h = a x W_h^exponent, a fitted to the two species
TWO_SPECIES = {"rat_dog": (("rat", "dog"), 0.628), "rat_monkey": (("rat", "monkey"), 0.650)}
# Tang & Mayersohn 2005 (abstract): CL_h = 33.35 mL/min x (a/Rfu)^0.770
FCIM_ML_MIN, FCIM_EXPONENT = 33.35, 0.770

# the largest fixed exponent accepted: the top of the rule of exponents' classes
# (Mahmood & Balian 1996: 1.0-1.3 brain weight correction; > 1.3 "may be inaccurate")
FIXED_EXPONENT_MAX = 1.3

FEW_SPECIES_METHODS = (
    "fixed_exponent",
    "tang_one_species",
    "liver_blood_flow",
    "rat_dog",
    "rat_monkey",
    "fcim",
)
_TANG = "Tang et al. 2007 Drug Metab Dispos 35:1886"
_FCIM = "Tang & Mayersohn 2005 Drug Metab Dispos 33:1297"


def few_species_cl(
    method: str,
    cls: dict[str, float],
    weights: dict[str, float],
    *,
    exponent: float | None = None,
    fu: dict[str, float] | None = None,
    human_fu: float | None = None,
    cl_unit: str | None = None,
) -> dict[str, object]:
    """Human clearance by one of :data:`FEW_SPECIES_METHODS` (see the module docstring).

    ``cls`` and ``weights`` (kg, with ``"human"``) are validated by the caller (finite,
    > 0, lower-case names); so are ``fu`` (in (0, 1]) and ``human_fu``. The result has
    ``cl`` (the unit of ``cls``), ``method``, ``exponent`` (of body weight, used or, for
    FCIM, fitted), ``coefficient``, ``r2`` (FCIM's fit; None otherwise), ``note``,
    ``species`` and ``equation`` (the equation, its constants and source, the numbers put in).
    """
    out = _few_species(method, cls, weights, exponent, fu, human_fu, cl_unit)
    order = ("cl", "method", "exponent", "coefficient", "r2", "note", "species", "equation")
    return {k: out[k] for k in order}


def _few_species(method, cls, weights, exponent, fu, human_fu, cl_unit) -> dict[str, object]:
    if method not in FEW_SPECIES_METHODS:
        raise ModelError(f"unknown method {method!r}: use {', '.join(FEW_SPECIES_METHODS)}")
    sp = list(cls)
    if exponent is not None and method != "fixed_exponent":
        raise ModelError(f"exponent is used only by method 'fixed_exponent', not {method!r}")
    if cl_unit is not None and method != "fcim":
        raise ModelError(f"cl_unit is used only by method 'fcim', not {method!r}")
    if fu is not None and method not in ("fixed_exponent", "fcim"):
        raise ModelError(
            f"method {method!r} scales total clearance as published: leave out fu and human_fu"
        )
    wh = weights["human"]
    out: dict[str, object] = {"method": method, "species": sp, "r2": None, "note": ""}
    if method == "fcim":
        return {**out, **_fcim(cls, weights, fu, human_fu, cl_unit)}
    if method in TWO_SPECIES:
        pair, b_h = TWO_SPECIES[method]
        if sorted(sp) != sorted(pair):
            raise ModelError(
                f"method {method!r} needs clearances of exactly {' and '.join(pair)}, got "
                f"{', '.join(sp)}; with one species use tang_one_species or fixed_exponent"
            )
        a, b = _two_point_fit([weights[s] for s in pair], [cls[s] for s in pair])
        cl = a * wh**b_h
        eq = (
            f"CL_human = a x W_human^{b_h} ({_TANG}, {pair[0]}-{pair[1]} method); a = {a:.6g} "
            f"from {pair[0]} and {pair[1]} (fitted exponent {b:.4g}); W_human = {wh:g} kg"
        )
        return {**out, "cl": cl, "exponent": b_h, "coefficient": a, "equation": eq}
    if len(sp) != 1:
        raise ModelError(
            f"method {method!r} uses one species, got {len(sp)} ({', '.join(sp)}): pass one, "
            "or use rat_dog / rat_monkey (two species) or the rule of exponents (>= 3)"
        )
    (s,) = sp
    wa = weights[s]
    if method == "fixed_exponent":
        b = 0.75 if exponent is None else exponent
        if not (isinstance(b, (int, float)) and math.isfinite(b) and b > 0):
            raise ModelError(f"exponent = {exponent!r}: give a finite number > 0 (e.g. 0.75)")
        if b > FIXED_EXPONENT_MAX:
            raise ModelError(
                f"exponent = {exponent!r}: a body-weight exponent of clearance above "
                f"{FIXED_EXPONENT_MAX:g} is beyond the classes of the rule of exponents "
                f"(Mahmood & Balian 1996: predictions above {FIXED_EXPONENT_MAX:g} are "
                "inaccurate even when corrected); give 0 < exponent <= "
                f"{FIXED_EXPONENT_MAX:g} (0.75 by default; Hu & Hayton 2001 found 0.74, 0.65 "
                "for renally excreted drugs)"
            )
        cl, unbound = cls[s], ""
        if fu is not None:
            if s not in fu or human_fu is None:
                raise ModelError("unbound scaling needs fu of the species and human_fu")
            cl, unbound = (
                cl / fu[s] * human_fu,
                f" with CLu = CL/fu (fu {fu[s]:g}, human {human_fu:g})",
            )
        cl *= (wh / wa) ** b
        eq = (
            f"CL_human = CL_{s} x (W_human/W_{s})^{b:g}{unbound}; W_{s} = {wa:g} kg, "
            f"W_human = {wh:g} kg (fixed exponent; Hu & Hayton 2001 AAPS PharmSci 3:E29)"
        )
        return {**out, "cl": cl, "exponent": float(b), "coefficient": None, "equation": eq}
    table = TANG_ONE_SPECIES if method == "tang_one_species" else LIVER_BLOOD_FLOW
    if s not in table:
        raise ModelError(
            f"method {method!r} has published coefficients for {', '.join(table)} only, not "
            f"{s!r}: use fixed_exponent for another species"
        )
    c = table[s]
    cl = c * cls[s] / wa * wh
    what = "one-species method" if method == "tang_one_species" else "liver blood flow method"
    eq = (
        f"CL_human/W_human = {c} x CL_{s}/W_{s} ({_TANG}, {s} {what}); W_{s} = {wa:g} kg, "
        f"W_human = {wh:g} kg"
    )
    return {**out, "cl": cl, "exponent": 1.0, "coefficient": c, "equation": eq}


def _two_point_fit(w: list[float], y: list[float]) -> tuple[float, float]:
    """(a, b) of y = a w^b through two points; weights that do not differ, or b <= 0, are
    a ModelError (as for simple allometry)."""
    if abs(math.log(w[1] / w[0])) < 1e-6:
        raise ModelError(
            f"the body weights do not differ ({w[0]:g} kg): give each species' own weight, in kg"
        )
    b = math.log(y[1] / y[0]) / math.log(w[1] / w[0])
    if not b > 0:
        raise ModelError(
            f"fitted exponent b = {b:.3g} <= 0: clearance falls with body weight; give "
            "absolute clearances (e.g. L/h, not L/h/kg) and body weights in kg"
        )
    return y[0] / w[0] ** b, b


def _fcim(cls, weights, fu, human_fu, cl_unit) -> dict[str, object]:
    """FCIM (Tang & Mayersohn 2005): simple allometry over >= 2 species gives a (mL/min,
    W in kg); CL_h = 33.35 mL/min x (a/Rfu)^0.770, Rfu = fu_rat/fu_human."""
    import numpy as np

    from kinetor.units import convert

    if cl_unit is None:
        raise ModelError(
            "method 'fcim' needs cl_unit, the unit of the clearances (e.g. 'mL/min' or "
            "'L/h'): its 33.35 mL/min and the coefficient a are in mL/min with W in kg"
        )
    if fu is None or "rat" not in fu or human_fu is None:
        raise ModelError(
            "method 'fcim' needs the unbound fraction in rat (fu={'rat': ...}) and in human "
            "(human_fu=...): Rfu = fu_rat/fu_human"
        )
    if len(cls) < 2:
        raise ModelError(
            "method 'fcim' needs clearances of >= 2 species (a is their allometric "
            "coefficient); with one species use tang_one_species or fixed_exponent"
        )
    try:
        to_ml_min = float(convert(1.0, cl_unit, "mL/min"))
    except UnitError as exc:
        raise ModelError(
            f"cl_unit = {cl_unit!r}: {exc}; give a clearance unit, e.g. 'L/h'"
        ) from None
    sp = list(cls)
    W = np.log10([weights[s] for s in sp])
    Y = np.log10([cls[s] * to_ml_min for s in sp])
    if np.ptp(W) < 1e-6:
        raise ModelError(
            f"the body weights do not differ ({weights[sp[0]]:g} kg): give each species' own "
            "weight, in kg"
        )
    b, log_a = np.polyfit(W, Y, 1)
    if not b > 0:
        raise ModelError(
            f"fitted exponent b = {b:.3g} <= 0: clearance falls with body weight; give "
            "absolute clearances (e.g. L/h, not L/h/kg) and body weights in kg"
        )
    resid = Y - (log_a + b * W)
    ss = float(np.sum((Y - Y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / ss if ss > 0 else 1.0
    a, rfu = float(10**log_a), fu["rat"] / human_fu
    cl_ml_min = FCIM_ML_MIN * (a / rfu) ** FCIM_EXPONENT
    note = "" if len(sp) >= 3 else "a from 2 species (the method was derived on larger sets)"
    eq = (
        f"CL_human = {FCIM_ML_MIN} mL/min x (a/Rfu)^{FCIM_EXPONENT} ({_FCIM}, FCIM); "
        f"a = {a:.6g} mL/min (simple allometry, W in kg, b = {b:.4g}); Rfu = fu_rat/fu_human "
        f"= {fu['rat']:g}/{human_fu:g} = {rfu:.4g}; = {cl_ml_min:.6g} mL/min"
    )
    return {
        "cl": cl_ml_min / to_ml_min,
        "exponent": float(b),
        "coefficient": a / to_ml_min,
        "r2": r2,
        "note": note,
        "equation": eq,
    }
