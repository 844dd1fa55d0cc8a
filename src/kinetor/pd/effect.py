r"""Effect compartment (link) model, exact for piecewise-linear plasma concentrations.

.. math::

    \frac{dC_e}{dt} = k_{e0}\,(C_p(t) - C_e)

Source: Sheiner, Stanski, Vozeh, Miller & Ham 1979 Clin Pharmacol Ther 25:358 (status:
likely).

The plasma concentration is given on a time grid and taken as linear between grid points
(a time repeated in the grid marks a jump, e.g. an IV bolus). On a segment of length
:math:`h` where :math:`C_p = a + b s` the solution is exact:

.. math::

    C_e(t_i + h) = C_e(t_i)\, e^{-k_{e0} h} + a\,(1 - e^{-k_{e0} h})
                   + b\left(h - \frac{1 - e^{-k_{e0} h}}{k_{e0}}\right)

so the result does not depend on a step size: it is the exact effect-site course of the
interpolated plasma course. The recurrence runs over time points, vectorised over animals.

Examples
--------
>>> import numpy as np
>>> ec = EffectCompartment(ke0=0.5)
>>> t = np.array([0.0, 10.0])
>>> float(ec.ce(t, cp=[4.0, 4.0])[-1].round(6))      # 4 (1 - exp(-5))
3.973048
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from kinetor.errors import ModelError
from kinetor.pd._base import PDModel, time_course

__all__ = ["EffectCompartment", "effect_site"]


def _phi_terms(k: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """exp(-k h), 1 - exp(-k h) and h - (1 - exp(-k h))/k, accurate for small k h."""
    x = k * h
    e = np.exp(-x)
    one_m = -np.expm1(-x)
    with np.errstate(invalid="ignore", divide="ignore"):
        # h - (1 - e^-x)/k = h (1 - (1 - e^-x)/x); series for small x avoids cancellation
        ratio = np.where(
            x > 1e-4, one_m / np.where(x > 0, x, 1.0), 1.0 - x / 2.0 + x * x / 6.0 - x**3 / 24.0
        )
    return e, one_m, h * (1.0 - ratio)


def effect_site(t, cp, ke0, ce0=0.0, t_out=None) -> np.ndarray:
    """Effect-site concentration for a piecewise-linear plasma course (exact).

    Parameters
    ----------
    t : (n_t,) array
        Non-decreasing grid times (a repeated time marks a jump in ``cp``).
    cp : (n_t,) or (n_animals, n_t) array
        Plasma (or free) concentration on the grid.
    ke0 : float or (n_animals,) array
        Equilibration rate constant (1/time, the time unit of ``t``).
    ce0 : float or (n_animals,) array
        Effect-site concentration at ``t[0]``.
    t_out : array, optional
        Output times inside ``[t[0], t[-1]]``; default ``t``.

    Returns
    -------
    (n_animals, n_out) array, or (n_out,) when ``cp`` and the parameters are 1-D/scalar.

    Examples
    --------
    >>> import numpy as np
    >>> # linear input cp = t: ce = t - (1 - exp(-k t)) / k
    >>> round(float(effect_site([0.0, 2.0], [0.0, 2.0], ke0=1.0)[-1]), 6)
    1.135335
    """
    t = np.asarray(t, dtype=float).ravel()
    if t.size < 1 or np.any(np.diff(t) < 0):
        raise ModelError("effect_site needs a non-decreasing time grid")
    squeeze = np.ndim(cp) <= 1 and np.ndim(ke0) == 0 and np.ndim(ce0) == 0
    c = time_course(cp, t.size, "cp")
    k = np.atleast_1d(np.asarray(ke0, dtype=float))
    if np.any(k <= 0):
        raise ModelError("ke0 must be > 0")
    n = max(c.shape[0], k.size, np.size(ce0))
    c = np.broadcast_to(c, (n, t.size))
    k = np.broadcast_to(k, (n,))
    ce = np.broadcast_to(np.asarray(ce0, dtype=float), (n,)).astype(float).copy()
    if t_out is not None:
        t_out = np.asarray(t_out, dtype=float).ravel()
        if np.any(t_out < t[0]) or np.any(t_out > t[-1]):
            raise ModelError("t_out must lie inside the concentration grid")
        # inserting points on a linear segment leaves the piecewise-linear input unchanged
        extra = np.setdiff1d(t_out, t)
        if extra.size:
            pos = np.searchsorted(t, extra, side="left")
            cins = _values_at(t, c, extra)
            t = np.insert(t, pos, extra)
            c = np.insert(c, pos, cins, axis=1)
    out = np.empty((n, t.size))
    out[:, 0] = ce
    h = np.diff(t)
    for i in range(t.size - 1):
        if h[i] == 0.0:  # a jump in cp: Ce is continuous
            out[:, i + 1] = ce
            continue
        e, one_m, lin = _phi_terms(k, h[i])
        a = c[:, i]
        b = (c[:, i + 1] - a) / h[i]
        ce = ce * e + a * one_m + b * lin
        out[:, i + 1] = ce
    if t_out is not None:
        # the last occurrence of a time is its right limit (after a jump); Ce is continuous
        idx = np.searchsorted(t, t_out, side="right") - 1
        out = out[:, idx]
    return out[0] if squeeze else out


def _values_at(t: np.ndarray, c: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Piecewise-linear values at sorted times ``x`` that are not grid times."""
    from kinetor.pd._grid import input_segments

    start, _ = input_segments(t, c, np.append(x, x[-1] + 1.0))
    return start


class EffectCompartment(PDModel):
    r"""Effect compartment linked to a direct-response model.

    .. math::

        \frac{dC_e}{dt} = k_{e0}\,(C_p - C_e), \qquad E = f(C_e)

    Parameters
    ----------
    ke0 : float, array or quantity
        Equilibration rate constant (1/``time_unit``); :math:`t_{1/2,ke0} = \ln 2 / k_{e0}`.
    response : SigmoidEmax, Emax or Imax, optional
        Direct model evaluated at the effect-site concentration.
    time_unit : str
        Time unit of ``ke0`` and of the grids passed in (default ``"h"``).
    conc_unit : str
        Unit of the plasma concentrations passed in (default ``"ng/mL"``); the effect-site
        concentration is converted to the response's ``conc_unit`` before the response is
        evaluated (a mass against a molar unit is a ``ModelError``).

    Examples
    --------
    >>> import numpy as np
    >>> from kinetor.pd import Emax
    >>> m = EffectCompartment(ke0=1.0, response=Emax(e0=0.0, emax=100.0, ec50=1.0))
    >>> m.predict(np.array([0.0, 50.0]), cp=[1.0, 1.0]).round(3)  # Ce -> 1 = EC50
    array([ 0., 50.])
    """

    param_units: ClassVar[dict[str, str]] = {"ke0": "1/{time}"}

    def __init__(
        self, ke0: Any, response: Any = None, time_unit: str = "h", conc_unit: str = "ng/mL"
    ):
        super().__init__(time_unit=time_unit, conc_unit=conc_unit, ke0=ke0)
        self.response = response
        self._to_response = _conc_factor(conc_unit, response)

    def replace(self, **params: Any) -> EffectCompartment:
        return EffectCompartment(
            params.get("ke0", self._raw["ke0"]), self.response, self.time_unit, self.conc_unit
        )

    def ce(self, t, cp, ce0=0.0, t_out=None) -> np.ndarray:
        """Effect-site concentration (see :func:`effect_site`)."""
        return effect_site(t, cp, self._p["ke0"], ce0=ce0, t_out=t_out)

    def predict(self, t, cp, ce0=0.0, t_out=None) -> np.ndarray:
        """Effect of ``response`` at the effect-site concentration."""
        if self.response is None:
            raise ModelError("EffectCompartment has no response model: pass response=...")
        # Ce is in this model's conc_unit, the response's potency in its own: convert
        return self.response.predict(self._to_response * self.ce(t, cp, ce0=ce0, t_out=t_out))


def _conc_factor(conc_unit: str, response: Any) -> float:
    """The factor taking a concentration in ``conc_unit`` to the response model's
    ``conc_unit`` (1 without a response); a ModelError when one is a mass and the other a
    molar concentration (that needs the molecular weight) or either is no unit."""
    to = getattr(response, "conc_unit", None)
    if response is None or to is None or to == conc_unit:
        return 1.0
    from kinetor.errors import UnitError
    from kinetor.units import convert

    try:
        return float(convert(1.0, conc_unit, to))
    except UnitError as exc:
        raise ModelError(
            f"EffectCompartment: the plasma concentrations are in {conc_unit!r} but the "
            f"response's potency in {to!r}, which cannot be converted ({exc}): give both in "
            "one unit (ng/mL and nM need the molecular weight: kinetor.units.to_molar)"
        ) from None
