"""Direct-response exposure-response models: Emax, sigmoid Emax (Hill), inhibitory Imax.

The effect follows the concentration without delay (for a delay, drive these models with
the effect-site concentration of :class:`kinetor.pd.EffectCompartment`). Concentration and
potency (EC50/IC50) share the model's ``conc_unit``; baseline and maximal effect are in the
response's own units. Parameters are scalars or one value per animal; ``predict`` then
takes concentrations of shape ``(n_t,)`` or ``(n_animals, n_t)``.

Sources: the Hill equation and the Emax family in the form used here follow Holford &
Sheiner 1981 Clin Pharmacokinet 6:429 (status: likely) and Gabrielsson & Weiner,
*Pharmacokinetic and Pharmacodynamic Data Analysis*, 5th ed. 2016, ch. 3 (status: likely).

Examples
--------
>>> m = SigmoidEmax(e0=10.0, emax=90.0, ec50=50.0, hill=2.0)
>>> m.predict([0.0, 50.0, 150.0]).round(3)
array([10., 55., 91.])
>>> float(Imax(e0=100.0, imax=0.8, ic50=20.0).predict(20.0))
60.0
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from kinetor.errors import ModelError
from kinetor.pd._base import PDModel

__all__ = ["Emax", "Imax", "SigmoidEmax", "hill_fraction"]


def hill_fraction(conc, c50, hill=1.0) -> np.ndarray:
    r"""Fractional occupancy :math:`C^n / (C_{50}^n + C^n)` (0 at C = 0, 1/2 at C50).

    Negative concentrations are treated as 0 (they arise only from round-off).

    >>> float(hill_fraction(3.0, 1.0, 1.0))
    0.75
    """
    c = np.maximum(np.asarray(conc, dtype=float), 0.0)
    c50 = np.asarray(c50, dtype=float)
    n = np.asarray(hill, dtype=float)
    if np.any(c50 <= 0) or np.any(n <= 0):
        raise ModelError("EC50/IC50 and the Hill coefficient must be > 0")
    # (C/C50)^n / (1 + (C/C50)^n) is the same fraction without overflow of C^n
    with np.errstate(over="ignore", invalid="ignore"):
        r = (c / c50) ** n
        return np.where(np.isinf(r), 1.0, r / (1.0 + r))


def _shown(values: np.ndarray) -> str:
    """The out-of-range values of a parameter for a message (the first few)."""
    v = np.atleast_1d(values).ravel()
    return ", ".join(f"{x:g}" for x in v[:3]) + (", ..." if v.size > 3 else "")


def _per_animal(model: PDModel, conc) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Concentrations and parameters shaped to broadcast (params 1-D -> column vectors)."""
    c = np.asarray(conc, dtype=float)
    out = {}
    for k, v in model.params.items():
        if v.ndim == 1 and c.ndim >= 1:
            if c.ndim == 1 and v.size != 1:
                raise ModelError(
                    f"{type(model).__name__}: per-animal parameters need "
                    f"concentrations shaped (n_animals, n_t)"
                )
            v = v.reshape((-1,) + (1,) * (c.ndim - 1))
        out[k] = v
    return c, out


class SigmoidEmax(PDModel):
    r"""Sigmoid Emax (Hill) model with baseline.

    .. math::

        E(C) = E_0 + \frac{E_{max}\, C^{n}}{EC_{50}^{n} + C^{n}}

    Parameters
    ----------
    e0 : float or array
        Baseline effect :math:`E_0` (response units).
    emax : float or array
        Maximal drug effect :math:`E_{max}` (response units; negative for a decrease).
    ec50 : float, array or quantity
        Concentration giving half the maximal effect (``conc_unit``).
    hill : float or array
        Hill coefficient :math:`n` (dimensionless, > 0).
    conc_unit : str
        Unit of concentrations and EC50 (default ``"ng/mL"``).

    Examples
    --------
    >>> SigmoidEmax(e0=0.0, emax=100.0, ec50="0.1 uM", hill=1.0, conc_unit="nM").params["ec50"]
    array(100.)
    """

    param_units: ClassVar[dict[str, str]] = {"e0": "", "emax": "", "ec50": "{conc}", "hill": "1"}

    def __init__(
        self,
        e0: Any = 0.0,
        emax: Any = 1.0,
        ec50: Any = 1.0,
        hill: Any = 1.0,
        time_unit: str = "h",
        conc_unit: str = "ng/mL",
    ):
        super().__init__(
            time_unit=time_unit, conc_unit=conc_unit, e0=e0, emax=emax, ec50=ec50, hill=hill
        )

    def predict(self, conc) -> np.ndarray:
        """Effect at each concentration (shape of ``conc``)."""
        c, p = _per_animal(self, conc)
        return p["e0"] + p["emax"] * hill_fraction(c, p["ec50"], p["hill"])


class Emax(SigmoidEmax):
    r"""Hyperbolic Emax model with baseline (the sigmoid model with :math:`n = 1`).

    .. math::

        E(C) = E_0 + \frac{E_{max}\, C}{EC_{50} + C}

    Parameters
    ----------
    e0, emax, ec50 : float, array or quantity
        As in :class:`SigmoidEmax`.

    Examples
    --------
    >>> Emax(e0=0.0, emax=100.0, ec50=10.0).predict([10.0, 30.0])
    array([50., 75.])
    """

    param_units: ClassVar[dict[str, str]] = {"e0": "", "emax": "", "ec50": "{conc}"}

    def __init__(
        self,
        e0: Any = 0.0,
        emax: Any = 1.0,
        ec50: Any = 1.0,
        time_unit: str = "h",
        conc_unit: str = "ng/mL",
    ):
        PDModel.__init__(
            self, time_unit=time_unit, conc_unit=conc_unit, e0=e0, emax=emax, ec50=ec50
        )

    def predict(self, conc) -> np.ndarray:
        c, p = _per_animal(self, conc)
        return p["e0"] + p["emax"] * hill_fraction(c, p["ec50"], 1.0)


class Imax(PDModel):
    r"""Inhibitory (Imax) model: a fraction of the baseline is removed by the drug.

    .. math::

        E(C) = E_0 \left(1 - \frac{I_{max}\, C^{n}}{IC_{50}^{n} + C^{n}}\right)

    Parameters
    ----------
    e0 : float or array
        Baseline (response units), e.g. 100 for "% of control".
    imax : float or array
        Maximal fractional inhibition, 0 < Imax <= 1 (above 1: ``ModelError``).
    ic50 : float, array or quantity
        Concentration giving half the maximal inhibition (``conc_unit``).
    hill : float or array
        Hill coefficient (> 0).

    Examples
    --------
    >>> Imax(e0=100.0, imax=1.0, ic50=5.0, hill=1.0).predict([0.0, 5.0, 45.0])
    array([100.,  50.,  10.])
    """

    param_units: ClassVar[dict[str, str]] = {"e0": "", "imax": "1", "ic50": "{conc}", "hill": "1"}

    def __init__(
        self,
        e0: Any = 100.0,
        imax: Any = 1.0,
        ic50: Any = 1.0,
        hill: Any = 1.0,
        time_unit: str = "h",
        conc_unit: str = "ng/mL",
    ):
        super().__init__(
            time_unit=time_unit, conc_unit=conc_unit, e0=e0, imax=imax, ic50=ic50, hill=hill
        )
        imax = self._p["imax"]
        if np.any(imax > 1) or np.any(imax <= 0):
            raise ModelError(
                f"Imax: imax = {_shown(imax)} must be <= 1 and > 0 (0 < imax <= 1: the "
                "fraction of the baseline the drug can remove; above 1 the response falls "
                "below 0, at or below 0 the drug would not inhibit)"
            )

    def predict(self, conc) -> np.ndarray:
        """Effect at each concentration (shape of ``conc``)."""
        c, p = _per_animal(self, conc)
        return p["e0"] * (1.0 - p["imax"] * hill_fraction(c, p["ic50"], p["hill"]))
