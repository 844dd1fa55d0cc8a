r"""Indirect response models I-IV (Dayneka, Garg & Jusko 1993).

The drug changes the production (:math:`k_{in}`) or the loss (:math:`k_{out}`) of a
response :math:`R` that starts at its baseline :math:`R_0 = k_{in}/k_{out}`:

.. math::

    I(C) = \frac{I_{max}\, C^{n}}{IC_{50}^{n} + C^{n}}, \qquad
    S(C) = \frac{E_{max}\, C^{n}}{EC_{50}^{n} + C^{n}}

=====  ==========================================  =========================
model  equation                                    steady state at constant C
=====  ==========================================  =========================
I      :math:`dR/dt = k_{in}(1 - I(C)) - k_{out}R`    :math:`R_0 (1 - I(C))`
II     :math:`dR/dt = k_{in} - k_{out}(1 - I(C))R`    :math:`R_0 / (1 - I(C))`
III    :math:`dR/dt = k_{in}(1 + S(C)) - k_{out}R`    :math:`R_0 (1 + S(C))`
IV     :math:`dR/dt = k_{in} - k_{out}(1 + S(C))R`    :math:`R_0 / (1 + S(C))`
=====  ==========================================  =========================

Source: Dayneka, Garg & Jusko 1993 J Pharmacokinet Biopharm 21:457 (status: likely). The concentration time course is given
on a grid (piecewise linear) and the ODE is integrated by the compiled Dormand-Prince kernel
shared with nonlinear PK (:mod:`kinetor.numerics.ode`, right-hand side in
:mod:`kinetor.pd._rhs`), vectorised over animals.

Examples
--------
>>> m = IndirectResponseI(kin=10.0, kout=0.5, imax=0.9, ic50=5.0)
>>> float(m.r0), float(m.steady_state(5.0))              # 20, 20 (1 - 0.45)
(20.0, 11.0)
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from kinetor.errors import ModelError
from kinetor.pd._base import PDModel, broadcast_animals, time_course
from kinetor.pd.direct import _shown, hill_fraction

__all__ = ["IndirectResponseI", "IndirectResponseII", "IndirectResponseIII", "IndirectResponseIV"]


class _IndirectResponse(PDModel):
    kind: ClassVar[str] = ""
    _cap: ClassVar[str] = "emax"
    _c50: ClassVar[str] = "ec50"

    def __init__(
        self,
        kin: Any,
        kout: Any,
        time_unit: str = "h",
        conc_unit: str = "ng/mL",
        hill: Any = 1.0,
        **drug: Any,
    ):
        missing = {self._cap, self._c50} - set(drug)
        if missing or set(drug) - {self._cap, self._c50}:
            raise ModelError(
                f"{type(self).__name__} takes kin, kout, {self._cap}, {self._c50}, hill"
            )
        super().__init__(
            time_unit=time_unit, conc_unit=conc_unit, kin=kin, kout=kout, hill=hill, **drug
        )
        if np.any(self._p["kin"] <= 0) or np.any(self._p["kout"] <= 0):
            raise ModelError("kin and kout must be > 0")
        cap = self._p[self._cap]
        if self.kind in ("I", "II") and (np.any(cap > 1) or np.any(cap <= 0)):
            raise ModelError(
                f"{type(self).__name__}: imax = {_shown(cap)} must be <= 1 and > 0 "
                "(0 < imax <= 1: above 1 production or loss becomes negative; at or below "
                "0 the drug would not inhibit)"
            )
        if self.kind in ("III", "IV") and np.any(cap <= 0):
            raise ModelError(
                f"{type(self).__name__}: emax = {_shown(cap)} must be > 0 (the fractional "
                "stimulation: a negative one makes the "
                + ("production" if self.kind == "III" else "loss rate")
                + " negative; for an inhibition use model I or II)"
            )

    @property
    def r0(self) -> np.ndarray:
        """Baseline response :math:`R_0 = k_{in} / k_{out}`."""
        return self._p["kin"] / self._p["kout"]

    def drug_effect(self, conc) -> np.ndarray:
        """I(C) (models I, II) or S(C) (models III, IV)."""
        p = self._p
        return p[self._cap] * hill_fraction(conc, p[self._c50], p["hill"])

    def steady_state(self, conc) -> np.ndarray:
        """Response at steady state under a constant concentration (table above)."""
        e = self.drug_effect(conc)
        r0 = self.r0
        if self.kind == "I":
            return r0 * (1 - e)
        if self.kind == "II":
            with np.errstate(divide="ignore"):  # Imax = 1 at high C: no steady state (inf)
                return r0 / (1 - e)
        if self.kind == "III":
            return r0 * (1 + e)
        return r0 / (1 + e)

    def simulate(
        self,
        t,
        *,
        grid=None,
        conc=None,
        r_init=None,
        t0: float = 0.0,
        rtol: float = 1e-8,
        max_steps: int = 2_000_000,
    ) -> np.ndarray:
        """Response at times ``t`` for a concentration course on ``grid``.

        Parameters
        ----------
        t : array
            Output times (>= ``t0``), ``time_unit``.
        grid : array, optional
            Times of the concentration course (piecewise linear; a repeated time is a
            jump); must cover ``[t0, max(t)]``. Without a grid ``conc`` is a constant.
        conc : array or float
            Concentration on the grid: ``(n_grid,)`` or ``(n_animals, n_grid)``; or a
            constant (scalar or one per animal) when ``grid`` is None. Default 0.
        r_init : float or array, optional
            Response at ``t0`` (default :math:`R_0`, the pre-dose baseline).
        rtol : float
            Relative tolerance of the integrator.
        max_steps : int
            Step budget per animal (more: ``ModelError`` with ``failed``; a fit's trial
            steps use a smaller one so that a stiff trial point fails fast).

        Returns
        -------
        (n_animals, n_t) array
        """
        from kinetor.pd._rhs import IDR_CODES, idr_rhs, solve

        t = np.asarray(t, dtype=float).ravel()
        if grid is None:
            c = np.atleast_1d(np.asarray(0.0 if conc is None else conc, dtype=float))
            u = None
        else:
            grid = np.asarray(grid, dtype=float).ravel()
            u = time_course(0.0 if conc is None else conc, grid.size, "conc")
            c = u
        n = broadcast_animals(
            *self._p.values(), c, np.atleast_1d(np.asarray(0.0 if r_init is None else r_init))
        )
        names = ("kin", "kout", self._cap, self._c50, "hill")
        params = np.column_stack(
            [self._col(k, n) for k in names] + [np.full(n, float(IDR_CODES[self.kind]))]
        )
        r0 = self.r0 if r_init is None else np.asarray(r_init, dtype=float)
        y0 = np.broadcast_to(r0, (n,)).astype(float)[:, None]
        if grid is None:
            inputs = np.zeros((n, 2))
            inputs[:, 0] = np.broadcast_to(c, (n,))
            inputs[:, 1] = 1.0
        else:
            inputs = np.zeros((n, 2, grid.size))
            inputs[:, 0, :] = np.broadcast_to(u, (n, grid.size))
            inputs[:, 1, :] = 1.0
        out, status = solve(
            idr_rhs, params, y0, t, grid, inputs, t0=t0, rtol=rtol, max_steps=max_steps
        )
        if np.any(status):
            err = ModelError(
                f"{type(self).__name__}: the integration failed for animals "
                f"{np.flatnonzero(status).tolist()} (status {status.max()})"
            )
            err.failed = np.flatnonzero(status)  # positions, for a caller that knows the IDs
            raise err
        return out[:, 0, :]


class IndirectResponseI(_IndirectResponse):
    r"""Model I: inhibition of production, :math:`dR/dt = k_{in}(1 - I(C)) - k_{out} R`.

    Parameters
    ----------
    kin : float or array
        Zero-order production rate (response units / ``time_unit``): a plain number in
        the data's own response units (a quantity such as ``"10 1/h"`` raises
        ``UnitError``).
    kout : float, array or quantity
        First-order loss rate constant (1 / ``time_unit``).
    imax : float or array
        Maximal fractional inhibition (0-1).
    ic50 : float, array or quantity
        Concentration of half-maximal inhibition (``conc_unit``).
    hill : float or array
        Hill coefficient.

    Examples
    --------
    >>> m = IndirectResponseI(kin=10.0, kout=1.0, imax=1.0, ic50=1.0)
    >>> m.simulate([0.0, 30.0], conc=1.0).round(6)        # 10 -> 10 (1 - 0.5)
    array([[10.,  5.]])
    """

    kind = "I"
    _cap, _c50 = "imax", "ic50"
    param_units: ClassVar[dict[str, str]] = {
        "kin": "",
        "kout": "1/{time}",
        "imax": "1",
        "ic50": "{conc}",
        "hill": "1",
    }


class IndirectResponseII(_IndirectResponse):
    r"""Model II: inhibition of loss, :math:`dR/dt = k_{in} - k_{out}(1 - I(C)) R`.

    Parameters as :class:`IndirectResponseI`.

    Examples
    --------
    >>> float(IndirectResponseII(kin=10.0, kout=1.0, imax=0.5, ic50=1.0).steady_state(1.0))
    13.333333333333334
    """

    kind = "II"
    _cap, _c50 = "imax", "ic50"
    param_units: ClassVar[dict[str, str]] = IndirectResponseI.param_units


class IndirectResponseIII(_IndirectResponse):
    r"""Model III: stimulation of production, :math:`dR/dt = k_{in}(1 + S(C)) - k_{out} R`.

    Parameters
    ----------
    kin : float or array
        As in :class:`IndirectResponseI` (a plain number, not a quantity).
    kout : float, array or quantity
        As in :class:`IndirectResponseI`.
    emax : float or array
        Maximal fractional stimulation (> 0; 1 doubles the rate).
    ec50 : float, array or quantity
        Concentration of half-maximal stimulation (``conc_unit``).
    hill : float or array
        Hill coefficient.

    Examples
    --------
    >>> float(IndirectResponseIII(kin=10.0, kout=1.0, emax=2.0, ec50=1.0).steady_state(1.0))
    20.0
    """

    kind = "III"
    param_units: ClassVar[dict[str, str]] = {
        "kin": "",
        "kout": "1/{time}",
        "emax": "1",
        "ec50": "{conc}",
        "hill": "1",
    }


class IndirectResponseIV(_IndirectResponse):
    r"""Model IV: stimulation of loss, :math:`dR/dt = k_{in} - k_{out}(1 + S(C)) R`.

    Parameters as :class:`IndirectResponseIII`.

    Examples
    --------
    >>> float(IndirectResponseIV(kin=10.0, kout=1.0, emax=1.0, ec50=1.0).steady_state(1.0))
    6.666666666666667
    """

    kind = "IV"
    param_units: ClassVar[dict[str, str]] = IndirectResponseIII.param_units
