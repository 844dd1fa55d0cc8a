r"""Translation helpers: free drug, allometric scaling, rule of exponents, human dose.

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


def _weight(w) -> float:
    if isinstance(w, str):
        key = w.lower()
        if key not in SPECIES:
            raise ModelError(f"unknown species {w!r}: use {', '.join(SPECIES)} or a weight in kg")
        return float(SPECIES[key]["weight"])
    return float(w)


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

    Use 0.75 for clearances, 1.0 for volumes, 0.25 for half-lives.
    """
    return float(value) * (_weight(to_weight) / _weight(from_weight)) ** float(exponent)


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
    """Least squares of log values on log body weight (>= 2 species)."""
    w = np.array([_weight(x) for x in weights], float)
    y = np.asarray(values, float)
    if w.size < 2 or w.size != y.size or np.any(w <= 0) or np.any(y <= 0):
        raise ModelError("allometry needs >= 2 species with positive weights and values")
    X, Y = np.log10(w), np.log10(y)
    b, a = np.polyfit(X, Y, 1)
    resid = Y - (a + b * X)
    ss = float(np.sum((Y - Y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / ss if ss > 0 else 1.0
    se = (
        np.sqrt(np.sum(resid**2) / (w.size - 2) / np.sum((X - X.mean()) ** 2))
        if w.size > 2
        else np.nan
    )
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
) -> dict[str, object]:
    """Predict human clearance from animal clearances (same unit, e.g. L/h, absolute).

    Parameters
    ----------
    cl : dict species -> clearance
    method : {"rule_of_exponents", "simple", "mlp", "brain"}
    fu, human_fu : unbound fractions per species and in human (scale unbound CL)
    weights, brain_weights : override the reference weights (kg)

    Returns
    -------
    dict with ``cl`` (human, same unit), ``method`` used, ``exponent`` (simple allometry,
    unrounded; the rule classifies it rounded to two decimals), ``r2``, ``note``.

    Examples
    --------
    >>> out = predict_human_cl({s: 0.1 * SPECIES[s]["weight"] ** 0.65
    ...                         for s in ("mouse", "rat", "dog")})
    >>> out["method"], round(out["exponent"], 6), round(out["cl"], 4)  # 0.1 x 70**0.65
    ('simple', 0.65, 1.5824)
    """
    weights = {**{k: float(v["weight"]) for k, v in SPECIES.items()}, **dict(weights or {})}
    brains = {
        **{k: float(v["brain_weight"]) for k, v in SPECIES.items()},
        **dict(brain_weights or {}),
    }
    sp = list(cl)
    missing = [s for s in [*sp, "human"] if s not in weights]
    if missing:
        raise ModelError(f"no body weight for {missing}: pass weights={{...}}")
    y = np.array([float(cl[s]) for s in sp])
    if fu is not None:
        if human_fu is None or any(s not in fu for s in sp):
            raise ModelError("unbound scaling needs fu for every species and human_fu")
        y = y / np.array([float(fu[s]) for s in sp])
    W = np.array([weights[s] for s in sp])
    simple = fit_allometry(W, y)
    b = simple.exponent
    note = ""
    if method == "rule_of_exponents":
        b2 = round(b, 2)  # the rule's classes are stated to two decimals (0.71-0.99, 1.0-1.3)
        if b2 < 0.55:
            method, note = "simple", "exponent < 0.55: simple allometry may under-predict"
        elif b2 <= 0.70:
            method = "simple"
        elif b2 < 1.0:
            method = "mlp"
        else:
            method = "brain"
            if b2 > 1.3:
                note = "exponent > 1.3: the prediction may be inaccurate"
    wh, bh = weights["human"], brains["human"]
    if method == "simple":
        pred = simple.predict(wh)
    elif method in ("mlp", "brain"):
        nob = [s for s in sp if s not in brains]
        if nob:
            raise ModelError(f"no brain weight for {nob}: pass brain_weights={{...}}")
        corr = np.array(
            [mlp_years(brains[s], weights[s]) if method == "mlp" else brains[s] for s in sp]
        )
        fitc = fit_allometry(W, y * corr)
        pred = fitc.predict(wh) / (mlp_years(bh, wh) if method == "mlp" else bh)
    else:
        raise ModelError(f"unknown method {method!r}: use rule_of_exponents, simple, mlp, brain")
    if fu is not None and human_fu is not None:  # both or neither (checked above)
        pred *= float(human_fu)
    return {
        "cl": float(pred),
        "method": method,
        "exponent": b,
        "r2": simple.r2,
        "note": note,
        "species": sp,
    }


def human_dose(
    target,
    measure: str = "auc",
    *,
    cl=None,
    f: float = 1.0,
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
    ``0 < f <= 1`` (a ``ModelError`` otherwise: a negative input would give a negative
    dose); ``tau`` needs a time unit (``"24 h"``).

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
    if not (np.isfinite(f) and 0 < f <= 1):
        raise ModelError(f"f={f!r}: the bioavailability must be in (0, 1]")
    tq = _positive(target, "target", "the target", "mg*h/L" if measure == "auc" else "mg/L")
    tau_q = _positive(tau, "tau", "the dosing interval", "h")
    tau_h = float(convert(1.0, f"{tau_q.units:~}", "h")) * float(tau_q.magnitude)
    if measure in ("auc", "css"):
        if cl is None:
            raise ModelError(f"measure={measure!r} needs cl=...")
        clq = _positive(cl, "cl", "the clearance", "L/h", default_unit="L/h")
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


def _positive(value, name: str, what: str, unit: str, default_unit: str | None = None):
    """``value`` as a quantity with a finite magnitude > 0; a ``ModelError`` naming ``name``
    otherwise, and a ``UnitError`` suggesting ``unit`` for a bare number."""
    from kinetor.errors import UnitError
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
    res = minimize_scalar(
        lambda t: sign * float(conc(t)[0]),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-12 * tau_h},
    )
    return sign * min(float(vals[i]), float(res.fun))
