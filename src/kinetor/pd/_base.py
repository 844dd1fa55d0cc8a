"""Shared plumbing of the PD models: parameters with units, broadcasting over animals.

Every model stores its parameters as float arrays: a scalar (one animal or the same value
for all) or a 1-D array (one value per animal). A parameter may be given as a plain number
in the model's declared units, or as a quantity (``"0.273 1/day"``, a pint ``Quantity``)
that is converted to them; an incompatible unit is a ``UnitError``.

Examples
--------
>>> as_param("12 h", "day", "t")
array(0.5)
>>> as_param([1.0, 2.0], "1/day", "kg")
array([1., 2.])
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from kinetor.errors import ModelError
from kinetor.numerics.params import quantity_value

__all__ = ["PDModel", "as_param", "broadcast_animals", "time_course"]


def as_param(value: Any, unit: str | None, name: str) -> np.ndarray:
    """One parameter as a float array in ``unit`` (quantities are converted;
    :func:`kinetor.numerics.params.quantity_value`)."""
    return quantity_value(value, unit, name, array=True)[0]


def broadcast_animals(*arrays: np.ndarray) -> int:
    """Number of animals implied by per-animal arrays (1-D) and scalars; 1 if all scalar."""
    sizes = {a.shape[0] for a in arrays if np.ndim(a) >= 1 and a.shape[0] != 1}
    if len(sizes) > 1:
        raise ModelError(f"per-animal arrays disagree on the number of animals: {sorted(sizes)}")
    return sizes.pop() if sizes else 1


def time_course(values: Any, n_grid: int, name: str) -> np.ndarray:
    """An input time course as a ``(n_animals or 1, n_grid)`` float array."""
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0:
        arr = np.full((1, n_grid), float(arr))
    elif arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] != n_grid:
        raise ModelError(
            f"{name} must have one value per grid time ({n_grid}), optionally "
            f"one row per animal; got shape {np.shape(values)}"
        )
    if not np.all(np.isfinite(arr)):
        raise ModelError(f"{name} contains non-finite values")
    return arr


class PDModel:
    """Base class: declared parameter names and units, storage, repr, ``replace``.

    Subclasses set ``param_units`` (name -> unit template using ``{time}``, ``{conc}``;
    an empty template means "the model's own response or volume units").
    """

    param_units: ClassVar[dict[str, str]] = {}

    def __init__(self, time_unit: str = "h", conc_unit: str = "ng/mL", **params: Any):
        self.time_unit = time_unit
        self.conc_unit = conc_unit
        self._raw = dict(params)
        self._p: dict[str, np.ndarray] = {}
        for name, value in params.items():
            template = self.param_units.get(name, "")
            unit = template.format(time=time_unit, conc=conc_unit) if template else None
            self._p[name] = as_param(value, unit, name)
        broadcast_animals(*self._p.values())  # per-animal arrays must agree in length

    @property
    def params(self) -> dict[str, np.ndarray]:
        """Parameters in the model's units (arrays: scalar or one per animal)."""
        return dict(self._p)

    @property
    def n_animals(self) -> int:
        return broadcast_animals(*self._p.values())

    def units(self) -> dict[str, str]:
        """Unit of each parameter (``""`` = the model's own response or volume units)."""
        return {
            k: (v.format(time=self.time_unit, conc=self.conc_unit) if v else "")
            for k, v in self.param_units.items()
        }

    def replace(self, **params: Any):
        """A copy with some parameters changed."""
        new = dict(self._raw)
        new.update(params)
        return type(self)(time_unit=self.time_unit, conc_unit=self.conc_unit, **new)

    def _col(self, name: str, n: int) -> np.ndarray:
        """Parameter as an (n,) array."""
        return np.broadcast_to(self._p[name], (n,)).astype(float)

    def __repr__(self) -> str:
        def fmt(v: np.ndarray) -> str:
            return f"{float(v):.4g}" if v.ndim == 0 else f"[{v.size} values]"

        body = ", ".join(f"{k}={fmt(v)}" for k, v in self._p.items())
        return f"{type(self).__name__}({body})"
