r"""Tumour growth and inhibition models: exponential, linear, exponential-linear (Simeoni),
Gompertz, logistic, and the Simeoni 2004 model with transit compartments.

Every model is one family of ODEs. :math:`x_1` holds proliferating tissue, :math:`x_2 ..
x_{m+1}` damaged tissue passing through :math:`m` transit compartments (``n_transit``, 3 in
Simeoni 2004), :math:`w = x_1 + \dots + x_{m+1}` is the measured volume (or weight):

.. math::

    \frac{dx_1}{dt} &= g(t)\, G(x_1, w) - k_2\, u(t)\, x_1 \\
    \frac{dx_2}{dt} &= k_2\, u(t)\, x_1 - k_1 x_2, \qquad
    \frac{dx_j}{dt} = k_1 (x_{j-1} - x_j),\ j = 3..m+1

with :math:`x_1(0) = V_0` and no damaged tissue at the start. With ``n_transit = 0`` the
killed tissue disappears at once. The kill input :math:`u(t)` is either a drug
concentration (``kill_input="conc"``, :math:`k_2` in 1/(conc x time) as in Simeoni) or a
dimensionless drive (``kill_input="drive"``, :math:`k_2` in 1/time, e.g. an Emax function
of exposure or a pathway readout). The growth drive :math:`g(t)` (default 1) scales the net
growth; feed it e.g. the pathway network's ``growth`` readout / 100.

Growth laws :math:`G` (each reduces to the classical equation when :math:`x_1 = w`):

=====================  =====================================================================
law                    :math:`G(x_1, w)`
=====================  =====================================================================
exponential            :math:`k_g x_1`
linear                 :math:`k_l x_1 / w`  (zero order: :math:`dV/dt = k_l`)
exponential-linear     :math:`\lambda_0 x_1 / [1 + (\lambda_0 w / \lambda_1)^{\psi}]^{1/\psi}`
Gompertz               :math:`k_g x_1 \ln(V_{max} / w)`
logistic               :math:`k_g x_1 (1 - w / V_{max})`
=====================  =====================================================================

Sources: Simeoni et al. 2004 Cancer Res 64:1094 (exponential-linear growth with
:math:`\psi = 20`, transit compartments, linear kill :math:`k_2 c`; status: likely, the
equations as in the nlmixr2lib model library); Gompertz and
logistic forms as catalogued by Benzekry et al. 2014 PLoS Comput Biol 10:e1003800 (status:
likely). Closed forms (``unperturbed``) are given in each class.

Volumes and times are in the model's own units (``time_unit`` default ``"day"``; the
volume unit is whatever ``v0`` is in: mm^3, or g as in Simeoni's paper).

The growth laws are the classes of :mod:`kinetor.pd.growth`.

Examples
--------
>>> import numpy as np
>>> from kinetor.pd.growth import ExponentialGrowth
>>> m = ExponentialGrowth(v0=100.0, kg=0.1)
>>> m.unperturbed([0.0, 10.0]).round(3)
array([[100.   , 271.828]])
>>> sim = m.simulate([0.0, 10.0])
>>> bool(np.allclose(sim.volume, m.unperturbed([0.0, 10.0]), rtol=1e-7))
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from kinetor.errors import ModelError
from kinetor.pd._base import PDModel, broadcast_animals, time_course

__all__ = ["TumorModel", "TumorSimulation"]


@dataclass
class TumorSimulation:
    """Result of :meth:`TumorModel.simulate`.

    Attributes
    ----------
    t : (n_t,) array
        Output times.
    volume : (n_animals, n_t) array
        Total tumour volume :math:`w = \\sum_j x_j`.
    states : (n_animals, n_states, n_t) array
        :math:`x_1` (proliferating) then the transit compartments.
    model : str
        Model class name.
    """

    t: np.ndarray
    volume: np.ndarray
    states: np.ndarray
    model: str

    def to_frame(self, animals=None) -> pd.DataFrame:
        """Tidy table: ``animal, time, volume, x1, x2, ...``."""
        n_a, n_s, n_t = self.states.shape
        ids = np.arange(1, n_a + 1) if animals is None else np.asarray(animals)
        data = {
            "animal": np.repeat(ids, n_t),
            "time": np.tile(self.t, n_a),
            "volume": self.volume.ravel(),
        }
        for j in range(n_s):
            data[f"x{j + 1}"] = self.states[:, j, :].ravel()
        return pd.DataFrame(data)


class TumorModel(PDModel):
    """Base of the tumour models (see the module docstring for the equations).

    Subclasses declare the growth law and the names of its two parameters. Common
    parameters: ``v0`` (initial volume), ``k2`` (kill potency, default 0), ``k1``
    (transit rate, 1/time), ``n_transit`` (number of damage compartments), ``kill_input``.
    """

    law: ClassVar[str] = ""
    growth_names: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *,
        v0: Any,
        k2: Any = 0.0,
        k1: Any = 0.0,
        n_transit: int = 0,
        psi: Any = np.inf,
        kill_input: Literal["conc", "drive"] = "conc",
        time_unit: str = "day",
        conc_unit: str = "ng/mL",
        **growth: Any,
    ):
        if kill_input not in ("conc", "drive"):
            raise ModelError("kill_input must be 'conc' or 'drive'")
        if int(n_transit) != n_transit or n_transit < 0:
            raise ModelError("n_transit must be a non-negative integer")
        self.kill_input = kill_input
        self.n_transit = int(n_transit)
        units = dict(self.param_units)
        units["k2"] = "1/({conc}*{time})" if kill_input == "conc" else "1/{time}"
        self.param_units = units
        super().__init__(
            time_unit=time_unit, conc_unit=conc_unit, v0=v0, **growth, k2=k2, k1=k1, psi=psi
        )
        p = self._p
        if np.any(p["v0"] <= 0):
            raise ModelError("v0 must be > 0")
        for name in self.growth_names:
            if np.any(p[name] < 0):
                raise ModelError(f"{name} must be >= 0")
        if np.any(p["k2"] < 0) or np.any(p["k1"] < 0):
            raise ModelError("k1 and k2 must be >= 0")

    def replace(self, **params: Any):
        new = dict(self._raw)
        new.update(params)
        return type(self)(
            time_unit=self.time_unit,
            conc_unit=self.conc_unit,
            kill_input=self.kill_input,
            **self._structure(),
            **new,
        )

    def _structure(self) -> dict[str, Any]:
        return {"n_transit": self.n_transit}

    def unperturbed(self, t) -> np.ndarray:
        """Drug-free growth from ``v0`` at t = 0, closed form: ``(n_animals, n_t)``."""
        t = np.asarray(t, dtype=float).ravel()
        n = self.n_animals
        v0 = self._col("v0", n)[:, None]
        a = self._col(self.growth_names[0], n)[:, None]
        b = self._col(self.growth_names[1], n)[:, None] if len(self.growth_names) > 1 else None
        return self._closed_form(t[None, :], v0, a, b)

    def _closed_form(self, t, v0, a, b):  # pragma: no cover - every subclass overrides
        raise ModelError(f"{type(self).__name__} has no closed form")

    def simulate(
        self,
        t,
        *,
        grid=None,
        conc=None,
        kill_drive=None,
        growth_drive=None,
        t0: float = 0.0,
        rtol: float = 1e-8,
        max_steps: int = 2_000_000,
    ) -> TumorSimulation:
        """Integrate the model with drug and drive time courses.

        Parameters
        ----------
        t : array
            Output times (>= ``t0``), ``time_unit``.
        grid : array, optional
            Times of the input courses (piecewise linear, a repeated time is a jump); must
            cover ``[t0, max(t)]``. Without it the inputs are constants.
        conc : array or float, optional
            Drug concentration (``kill_input="conc"``): ``(n_grid,)`` or
            ``(n_animals, n_grid)``, or a constant without ``grid``.
        kill_drive : array or float, optional
            Dimensionless kill drive (``kill_input="drive"``), same shapes.
        growth_drive : array or float, optional
            Multiplier of the growth term, >= 0 (default 1).
        t0 : float
            Start time (state = ``v0`` in :math:`x_1`, empty transit compartments).
        rtol : float
            Relative tolerance of the compiled Dormand-Prince integrator.
        max_steps : int
            Step budget per animal; an animal that needs more fails (``ModelError`` with
            ``failed``). A fit's trial steps use a smaller budget: parameters that make the
            model stiff (a kill rate far beyond the data) fail fast and are rejected.

        Returns
        -------
        TumorSimulation
        """
        from kinetor.pd._rhs import LAW_CODES, solve, tumor_rhs

        if self.kill_input == "conc" and kill_drive is not None:
            raise ModelError(
                "this model's kill is driven by conc=; build it with "
                "kill_input='drive' to pass kill_drive="
            )
        if self.kill_input == "drive" and conc is not None:
            raise ModelError(
                "this model's kill is driven by kill_drive=; build it with "
                "kill_input='conc' to pass conc="
            )
        kill = conc if self.kill_input == "conc" else kill_drive
        t = np.asarray(t, dtype=float).ravel()
        if grid is None:
            ku = np.atleast_1d(np.asarray(0.0 if kill is None else kill, dtype=float))
            gu = np.atleast_1d(
                np.asarray(1.0 if growth_drive is None else growth_drive, dtype=float)
            )
            if ku.ndim > 1 or gu.ndim > 1:
                raise ModelError("without grid=, inputs are constants (one per animal)")
        else:
            grid = np.asarray(grid, dtype=float).ravel()
            ku = time_course(0.0 if kill is None else kill, grid.size, "kill input")
            gu = time_course(
                1.0 if growth_drive is None else growth_drive, grid.size, "growth_drive"
            )
        if np.any(ku < 0) or np.any(gu < 0):
            raise ModelError("concentrations and drives must be >= 0")
        n = broadcast_animals(*self._p.values(), ku, gu)
        law = LAW_CODES[self.law]
        a = self._col(self.growth_names[0], n)
        b = self._col(self.growth_names[1], n) if len(self.growth_names) > 1 else np.ones(n)
        params = np.column_stack(
            [
                np.full(n, float(law)),
                a,
                b,
                self._col("psi", n),
                self._col("k2", n),
                self._col("k1", n),
            ]
        )
        y0 = np.zeros((n, 1 + self.n_transit))
        y0[:, 0] = self._col("v0", n)
        if grid is None:
            inputs = np.column_stack([np.broadcast_to(ku, (n,)), np.broadcast_to(gu, (n,))])
        else:
            inputs = np.stack(
                [np.broadcast_to(ku, (n, grid.size)), np.broadcast_to(gu, (n, grid.size))], axis=1
            )
        states, status = solve(
            tumor_rhs, params, y0, t, grid, inputs, t0=t0, rtol=rtol, max_steps=max_steps
        )
        if np.any(status):
            err = ModelError(
                f"{type(self).__name__}: the integration failed for animals "
                f"{np.flatnonzero(status).tolist()} (status {status.max()})"
            )
            err.failed = np.flatnonzero(status)  # positions, for a caller that knows the IDs
            raise err
        return TumorSimulation(
            t=t, volume=states.sum(axis=1), states=states, model=type(self).__name__
        )
