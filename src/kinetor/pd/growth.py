"""Tumour growth laws (exponential, linear, exponential-linear, Gompertz, logistic) and the
Simeoni 2004 model, each a :class:`kinetor.pd.tumor.TumorModel` with its closed form.

The shared ODE (growth law, kill, transit compartments, drives) is documented in
:mod:`kinetor.pd.tumor`; ``docs/pd.md`` lists the sources.

Examples
--------
>>> GompertzGrowth(v0=100.0, kg=0.1, vmax=3000.0).unperturbed([0.0]).tolist()
[[100.0]]
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from kinetor.errors import ModelError
from kinetor.pd.tumor import TumorModel

__all__ = [
    "PACLITAXEL_A2780",
    "ExponentialGrowth",
    "ExponentialLinearGrowth",
    "GompertzGrowth",
    "LinearGrowth",
    "LogisticGrowth",
    "Simeoni",
]

# Simeoni et al. 2004 Cancer Res 64:1094, Table 2, paclitaxel in A2780 xenografts
# (experiment 1). Status: likely -- the same four values are in nlmixr2lib's
# oncology_xenograft_simeoni_2004 model (which cites Table 2); the paper itself was not
# re-read. w is tumour weight in g; c is plasma concentration in ng/mL.
PACLITAXEL_A2780 = {
    "l0": 0.273,
    "l1": 0.814,
    "k1": 0.968,
    "k2": 6.29e-4,
    "psi": 20.0,
    "units": {"l0": "1/day", "l1": "g/day", "k1": "1/day", "k2": "mL/ng/day"},
    "source": "Simeoni et al. 2004 Cancer Res 64:1094, Table 2 (paclitaxel, A2780)",
    "status": "likely",
}


class ExponentialGrowth(TumorModel):
    r"""Exponential growth, :math:`dV/dt = k_g V`; :math:`V = V_0 e^{k_g t}`.

    Parameters
    ----------
    v0 : float or array
        Initial volume (volume units).
    kg : float, array or quantity
        Growth rate constant (1/``time_unit``); doubling time :math:`\ln 2 / k_g`.
    k2, k1, n_transit, kill_input
        Drug effect (module docstring); default no drug effect.

    Examples
    --------
    >>> ExponentialGrowth(v0=1.0, kg="0.1 1/day", time_unit="week").params["kg"]
    array(0.7)
    """

    law = "exponential"
    growth_names = ("kg",)
    param_units: ClassVar[dict[str, str]] = {
        "v0": "",
        "kg": "1/{time}",
        "k1": "1/{time}",
        "psi": "1",
    }

    def __init__(self, v0: Any, kg: Any, **kw: Any):
        super().__init__(v0=v0, kg=kg, **kw)

    def _closed_form(self, t, v0, a, b):
        return v0 * np.exp(a * t)


class LinearGrowth(TumorModel):
    r"""Linear (zero-order) growth, :math:`dV/dt = k_l`; :math:`V = V_0 + k_l t`.

    Parameters
    ----------
    v0 : float or array
        Initial volume.
    kl : float or array
        Growth rate (volume units / ``time_unit``).

    Examples
    --------
    >>> LinearGrowth(v0=100.0, kl=20.0).unperturbed([0.0, 5.0])
    array([[100., 200.]])
    """

    law = "linear"
    growth_names = ("kl",)
    param_units: ClassVar[dict[str, str]] = {"v0": "", "kl": "", "k1": "1/{time}", "psi": "1"}

    def __init__(self, v0: Any, kl: Any, **kw: Any):
        super().__init__(v0=v0, kl=kl, **kw)

    def _closed_form(self, t, v0, a, b):
        return v0 + a * t


class ExponentialLinearGrowth(TumorModel):
    r"""Exponential then linear growth (Simeoni 2004 unperturbed growth).

    .. math::

        \frac{dV}{dt} = \frac{\lambda_0 V}{\left[1 + (\lambda_0 V / \lambda_1)^{\psi}
        \right]^{1/\psi}}

    exponential (rate :math:`\lambda_0`) while :math:`V \ll \lambda_1/\lambda_0`, linear
    (slope :math:`\lambda_1`) beyond. ``psi = inf`` is the hard switch, whose closed form
    is :math:`V_0 e^{\lambda_0 t}` up to :math:`\tau = \ln(V_{th}/V_0)/\lambda_0` with
    :math:`V_{th} = \lambda_1/\lambda_0`, then :math:`V_{th} + \lambda_1 (t - \tau)`.

    Parameters
    ----------
    v0 : float or array
        Initial volume.
    l0 : float, array or quantity
        Exponential growth rate :math:`\lambda_0` (1/``time_unit``).
    l1 : float or array
        Linear growth rate :math:`\lambda_1` (volume units / ``time_unit``).
    psi : float
        Switch sharpness (20 in Simeoni 2004; ``numpy.inf`` = hard switch).

    Examples
    --------
    >>> m = ExponentialLinearGrowth(v0=0.1, l0=0.5, l1=1.0, psi=float("inf"))
    >>> m.unperturbed([0.0, 2.0 * np.log(20.0), 2.0 * np.log(20.0) + 3.0]).round(6)
    array([[0.1, 2. , 5. ]])
    """

    law = "exponential_linear"
    growth_names = ("l0", "l1")
    param_units: ClassVar[dict[str, str]] = {
        "v0": "",
        "l0": "1/{time}",
        "l1": "",
        "k1": "1/{time}",
        "psi": "1",
    }

    def __init__(self, v0: Any, l0: Any, l1: Any, psi: Any = 20.0, **kw: Any):
        super().__init__(v0=v0, l0=l0, l1=l1, psi=psi, **kw)
        if np.any(self._p["l1"] <= 0) or np.any(self._p["l0"] <= 0):
            raise ModelError("l0 and l1 must be > 0")

    def unperturbed(self, t) -> np.ndarray:
        """Drug-free growth: closed form for ``psi = inf``, else the ODE without drug."""
        if np.all(np.isinf(self._p["psi"])):
            return super().unperturbed(t)
        base = ExponentialLinearGrowth(
            v0=self._raw["v0"],
            l0=self._raw["l0"],
            l1=self._raw["l1"],
            psi=self._raw["psi"],
            time_unit=self.time_unit,
            conc_unit=self.conc_unit,
        )
        return base.simulate(t).volume

    def _closed_form(self, t, v0, a, b):
        vth = b / a
        tau = np.log(np.maximum(vth / v0, 1.0)) / a
        exp_part = v0 * np.exp(a * np.minimum(t, tau))
        return np.where(t <= tau, exp_part, np.maximum(vth, v0) + b * (t - tau))


class GompertzGrowth(TumorModel):
    r"""Gompertz growth to a plateau.

    .. math::

        \frac{dV}{dt} = k_g V \ln\frac{V_{max}}{V}, \qquad
        V(t) = V_{max} \exp\!\left(\ln\frac{V_0}{V_{max}}\, e^{-k_g t}\right)

    Parameters
    ----------
    v0 : float or array
        Initial volume.
    kg : float, array or quantity
        Rate constant (1/``time_unit``).
    vmax : float or array
        Plateau volume (volume units).

    Examples
    --------
    >>> GompertzGrowth(v0=1.0, kg=1.0, vmax=np.e).unperturbed([0.0, np.log(2.0)]).round(6)
    array([[1.      , 1.648721]])
    """

    law = "gompertz"
    growth_names = ("kg", "vmax")
    param_units: ClassVar[dict[str, str]] = {
        "v0": "",
        "kg": "1/{time}",
        "vmax": "",
        "k1": "1/{time}",
        "psi": "1",
    }

    def __init__(self, v0: Any, kg: Any, vmax: Any, **kw: Any):
        super().__init__(v0=v0, kg=kg, vmax=vmax, **kw)
        if np.any(self._p["vmax"] <= 0):
            raise ModelError("vmax must be > 0")

    def _closed_form(self, t, v0, a, b):
        return b * np.exp(np.log(v0 / b) * np.exp(-a * t))


class LogisticGrowth(TumorModel):
    r"""Logistic growth to a plateau.

    .. math::

        \frac{dV}{dt} = k_g V \left(1 - \frac{V}{V_{max}}\right), \qquad
        V(t) = \frac{V_{max} V_0}{V_0 + (V_{max} - V_0)\, e^{-k_g t}}

    Parameters
    ----------
    v0 : float or array
        Initial volume.
    kg : float, array or quantity
        Rate constant (1/``time_unit``).
    vmax : float or array
        Plateau volume.

    Examples
    --------
    >>> LogisticGrowth(v0=1.0, kg=1.0, vmax=2.0).unperturbed([0.0, np.log(3.0)]).round(6)
    array([[1. , 1.5]])
    """

    law = "logistic"
    growth_names = ("kg", "vmax")
    param_units: ClassVar[dict[str, str]] = GompertzGrowth.param_units

    def __init__(self, v0: Any, kg: Any, vmax: Any, **kw: Any):
        super().__init__(v0=v0, kg=kg, vmax=vmax, **kw)
        if np.any(self._p["vmax"] <= 0):
            raise ModelError("vmax must be > 0")

    def _closed_form(self, t, v0, a, b):
        return b * v0 / (v0 + (b - v0) * np.exp(-a * t))


class Simeoni(ExponentialLinearGrowth):
    r"""Simeoni et al. 2004 tumour growth inhibition model.

    .. math::

        \frac{dx_1}{dt} &= \frac{\lambda_0 x_1}{[1 + (\lambda_0 w/\lambda_1)^{\psi}]^{1/\psi}}
                          - k_2 c(t) x_1 \\
        \frac{dx_2}{dt} &= k_2 c(t) x_1 - k_1 x_2, \quad
        \frac{dx_3}{dt} = k_1 (x_2 - x_3), \quad
        \frac{dx_4}{dt} = k_1 (x_3 - x_4)

    with :math:`w = x_1 + x_2 + x_3 + x_4` and :math:`\psi = 20`. Source: Simeoni et al.
    2004 Cancer Res 64:1094 (status: likely). :data:`PACLITAXEL_A2780` holds the published
    paclitaxel/A2780 example (:meth:`paclitaxel_a2780`).

    Parameters
    ----------
    v0 : float or array
        Initial volume / weight (:math:`x_1(0)`).
    l0 : float, array or quantity
        :math:`\lambda_0`, exponential growth rate (1/``time_unit``).
    l1 : float or array
        :math:`\lambda_1`, linear growth rate (volume / ``time_unit``).
    k1 : float, array or quantity
        Transit rate through the damage compartments (1/``time_unit``).
    k2 : float, array or quantity
        Kill potency: 1/(conc x time) with ``kill_input="conc"``, 1/time with ``"drive"``.
    psi : float
        Switch sharpness (default 20).
    n_transit : int
        Number of damage compartments (default 3).

    Examples
    --------
    >>> m = Simeoni.paclitaxel_a2780(v0=0.05)
    >>> float(m.params["l0"]), float(m.params["k2"])
    (0.273, 0.000629)
    """

    def __init__(
        self,
        v0: Any,
        l0: Any,
        l1: Any,
        k1: Any,
        k2: Any,
        psi: Any = 20.0,
        n_transit: int = 3,
        **kw: Any,
    ):
        super().__init__(v0=v0, l0=l0, l1=l1, psi=psi, k1=k1, k2=k2, n_transit=n_transit, **kw)

    def _structure(self) -> dict[str, Any]:
        return {"n_transit": self.n_transit}

    @classmethod
    def paclitaxel_a2780(cls, v0: Any = 0.05) -> Simeoni:
        """The published paclitaxel/A2780 parameters (weights in g, days, ng/mL).

        ``v0`` (g) is not part of the published table; the default 0.05 g is an
        illustration only.
        """
        p = PACLITAXEL_A2780
        return cls(
            v0=v0,
            l0=p["l0"],
            l1=p["l1"],
            k1=p["k1"],
            k2=p["k2"],
            psi=p["psi"],
            time_unit="day",
            conc_unit="ng/mL",
        )
