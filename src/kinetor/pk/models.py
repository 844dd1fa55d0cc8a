"""Compartmental PK models: parameters with units, typical values, closed forms.

Parameters are given as pint quantities, strings (``"2 L/h"``, ``"0.5 L/h/kg"``,
``"30 mL/min/kg"``) or bare floats. **Bare floats are read in the base system**: hours,
litres, milligrams (so ``cl=2.0`` is 2 L/h, ``v1=10.0`` is 10 L, ``ka=1.0`` is 1/h,
``tlag=0.5`` is 0.5 h, ``f`` and ``fu`` are fractions). Per-body-weight parameters
(``L/h/kg``, ``L/kg``) are multiplied by each subject's body weight at simulation.

The route is decided by each dose of the regimen (IV bolus, IV infusion into the central
compartment, extravascular doses into a depot with first-order absorption ``ka``, lag
``tlag`` and bioavailability ``f``). ``OneCompartmentOral``, ``TwoCompartmentOral`` and
``ThreeCompartmentOral`` are the same models with ``ka`` required.

Examples
--------
>>> m = TwoCompartmentOral(cl="5 L/h", v1="20 L", q="3 L/h", v2="50 L", ka="1 1/h", f=0.5)
>>> m.params["cl"], m.params["v2"], m.params["f"]
(5.0, 50.0, 0.5)
>>> OneCompartment(cl="30 mL/min/kg", v="1 L/kg").per_kg
('cl', 'v')
>>> round(OneCompartment(cl="30 mL/min/kg", v="1 L/kg").params["cl"], 6)  # L/h/kg
1.8
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from kinetor.errors import ModelError
from kinetor.numerics.params import quantity_value

__all__ = [
    "OneCompartment",
    "OneCompartmentOral",
    "PKModel",
    "ThreeCompartment",
    "ThreeCompartmentOral",
    "TwoCompartment",
    "TwoCompartmentOral",
]

# parameter kind -> (base unit, base unit per kg or None)
_KINDS: dict[str, tuple[str, str | None]] = {
    "clearance": ("L/h", "L/h/kg"),
    "volume": ("L", "L/kg"),
    "rate": ("1/h", None),
    "time": ("h", None),
    "fraction": ("", None),
    "amount_rate": ("mg/h", "mg/h/kg"),
    "concentration": ("mg/L", None),
}


def parse_param(name: str, value: Any, kind: str, allow_zero: bool = False) -> tuple[float, bool]:
    """Value in base units and whether it is per kg of body weight
    (:func:`kinetor.numerics.params.quantity_value`, plus the sign rules of PK)."""
    base, per_kg = _KINDS[kind]
    out, pk = quantity_value(value, base, name, per_kg_unit=per_kg)
    if not np.isfinite(out) or out < 0 or (out == 0 and kind != "time" and not allow_zero):
        raise ModelError(f"{name} = {value!r} must be {'>= 0' if kind == 'time' else '> 0'}")
    return out, pk


def _unit(text: str):
    from kinetor.units import parse_unit

    return parse_unit(text) if text else parse_unit("1")


class PKModel:
    """Base class of the linear compartmental models.

    Subclasses declare ``n_cmt``, ``names`` (structural parameters in the user's names)
    and ``aliases`` (user name -> internal name among ``cl, v1, q2, v2, q3, v3``).
    """

    n_cmt: ClassVar[int] = 1
    names: ClassVar[tuple[str, ...]] = ()
    aliases: ClassVar[dict[str, str]] = {}
    kinds: ClassVar[dict[str, str]] = {}
    requires_ka: ClassVar[bool] = False
    optional: ClassVar[dict[str, str]] = {
        "ka": "rate",
        "f": "fraction",
        "tlag": "time",
        "fu": "fraction",
    }
    defaults: ClassVar[dict[str, float]] = {"f": 1.0, "tlag": 0.0}
    linear: ClassVar[bool] = True

    def __init__(self, **params: Any):
        allowed = {**dict.fromkeys(self.names), **self.optional}
        unknown = [k for k in params if k not in allowed]
        if unknown:
            raise ModelError(
                f"{type(self).__name__} has no parameter(s) {unknown}: use {', '.join(allowed)}"
            )
        needed = list(self.names) + (["ka"] if self.requires_ka else [])
        missing = [k for k in needed if params.get(k) is None]
        if missing:
            raise ModelError(f"{type(self).__name__} needs {', '.join(missing)}")
        self.raw = {k: v for k, v in params.items() if v is not None}
        self.params: dict[str, float] = dict(self.defaults)
        per_kg = []
        for k, v in self.raw.items():
            kind = self.kinds.get(k) or self.optional[k]
            self.params[k], pk = parse_param(k, v, kind)
            if pk:
                per_kg.append(k)
        self.per_kg: tuple[str, ...] = tuple(per_kg)
        if "f" in self.params and self.params["f"] > 1.0 + 1e-12:
            raise ModelError(f"f = {self.params['f']:g}: bioavailability must be <= 1")

    # -------------------------------------------------------------- views
    @property
    def has_ka(self) -> bool:
        return "ka" in self.params

    def units(self) -> dict[str, str]:
        """Base unit of every parameter (per kg where the parameter was given per kg)."""
        out = {}
        for k in self.params:
            kind = self.kinds.get(k) or self.optional[k]
            base, pk = _KINDS[kind]
            out[k] = pk if k in self.per_kg and pk is not None else base
        return out

    def replace(self, **params: Any) -> PKModel:
        """A copy with some parameters changed."""
        return type(self)(**{**self.raw, **params})

    def internal(self, P: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Per-subject parameter arrays renamed to the internal names (cl, v1, q2...)."""
        return {self.aliases.get(k, k): np.asarray(v, float) for k, v in P.items()}

    def exponentials(self, P: dict[str, np.ndarray], oral: bool, output: str = "conc"):
        from kinetor.pk.closed_form import exponentials

        if oral and "ka" not in P:
            raise ModelError(
                f"{type(self).__name__} has no ka (no absorption) but the regimen has "
                "extravascular doses: use an '-oral' model, or give the absorption rate "
                "(--param ka=... on the command line, ka=... in Python)"
            )
        return exponentials(self.n_cmt, self.internal(P), oral=oral, output=output)

    def outputs(self) -> list[str]:
        return ["depot", "central"] + [f"peripheral{p}" for p in range(2, self.n_cmt + 1)]

    def __repr__(self) -> str:
        units = self.units()
        body = ", ".join(
            f"{k}={v:g}" + (f" {units[k]}" if units[k] else "") for k, v in self.params.items()
        )
        return f"{type(self).__name__}({body})"


class OneCompartment(PKModel):
    """One-compartment model: ``cl``, ``v`` (+ ``ka``, ``f``, ``tlag``, ``fu``).

    .. math:: C(t) = \\frac{D}{V} e^{-(CL/V) t}
    """

    n_cmt = 1
    names = ("cl", "v")
    aliases: ClassVar[dict[str, str]] = {"v": "v1"}
    kinds: ClassVar[dict[str, str]] = {"cl": "clearance", "v": "volume"}


class TwoCompartment(PKModel):
    """Two-compartment model: ``cl``, ``v1``, ``q``, ``v2`` (+ ``ka``, ``f``, ``tlag``, ``fu``).

    .. math:: C(t) = D (A_1 e^{-\\alpha t} + A_2 e^{-\\beta t})
    """

    n_cmt = 2
    names = ("cl", "v1", "q", "v2")
    aliases: ClassVar[dict[str, str]] = {"q": "q2"}
    kinds: ClassVar[dict[str, str]] = {
        "cl": "clearance",
        "v1": "volume",
        "q": "clearance",
        "v2": "volume",
    }


class ThreeCompartment(PKModel):
    """Three-compartment model: ``cl``, ``v1``, ``q2``, ``v2``, ``q3``, ``v3`` (+ ``ka``...).

    .. math:: C(t) = D (A_1 e^{-\\alpha t} + A_2 e^{-\\beta t} + A_3 e^{-\\gamma t})
    """

    n_cmt = 3
    names = ("cl", "v1", "q2", "v2", "q3", "v3")
    kinds: ClassVar[dict[str, str]] = {
        "cl": "clearance",
        "v1": "volume",
        "q2": "clearance",
        "v2": "volume",
        "q3": "clearance",
        "v3": "volume",
    }


class OneCompartmentOral(OneCompartment):
    """One-compartment model with first-order absorption (``ka`` required)."""

    requires_ka = True


class TwoCompartmentOral(TwoCompartment):
    """Two-compartment model with first-order absorption (``ka`` required)."""

    requires_ka = True


class ThreeCompartmentOral(ThreeCompartment):
    """Three-compartment model with first-order absorption (``ka`` required)."""

    requires_ka = True


MODELS: dict[str, type[PKModel]] = {
    "1cmt": OneCompartment,
    "2cmt": TwoCompartment,
    "3cmt": ThreeCompartment,
    "1cmt-iv": OneCompartment,
    "2cmt-iv": TwoCompartment,
    "3cmt-iv": ThreeCompartment,
    "1cmt-oral": OneCompartmentOral,
    "2cmt-oral": TwoCompartmentOral,
    "3cmt-oral": ThreeCompartmentOral,
}


def model_class(name: str) -> type[PKModel]:
    """Model class by short name (``1cmt``, ``2cmt-oral``, ``mm-oral``...)."""
    key = name.lower().replace("_", "-").replace("cpt", "cmt")
    if key in MODELS:
        return MODELS[key]
    if key.startswith("mm"):
        from kinetor.pk.nonlinear import MichaelisMenten, MichaelisMentenOral

        return MichaelisMentenOral if "oral" in key else MichaelisMenten
    raise ModelError(f"unknown model {name!r}: use one of {', '.join(MODELS)}, mm, mm-oral")
