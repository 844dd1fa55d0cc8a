r"""Concentration courses in closed form: :class:`Polyexponential` and :func:`polyexponential`.

Between two dose events the concentration of a linear compartmental model is a constant
(the steady-state share of running infusions) plus a sum of exponentials in the model's
rates (:mod:`kinetor.pk.closed_form`). A :class:`Polyexponential` stores that course
exactly: breakpoints :math:`s_0 < s_1 < \dots` (the dose events, where the course has a
kink or a jump, and the resets that end earlier doses) and, for each piece,

.. math::

    C(t) = c_k + \sum_j a_{kj}\, e^{-\lambda_j (t - s_k)}, \qquad s_k \le t < s_{k+1}.

The coefficients of piece :math:`k` follow from superposition over every event
:math:`e` at or before :math:`s_k` and not ended by a reset by then (weight :math:`w_e`:
amount or rate change; kind :math:`k_e`; ``coef``/``const`` from
``closed_form.exponentials``; steady-state trains divided by
:math:`1 - e^{-\lambda_j\,ii}` as in the simulation kernels):

.. math::

    c_k = \sum_{t_e \le s_k} w_e\, \mathrm{const}_{k_e}, \qquad
    a_{kj} = \sum_{t_e \le s_k} w_e\, \mathrm{coef}_{k_e j}\, e^{-\lambda_j (s_k - t_e)}.

Why: a consumer that integrates something driven by the concentration (the pathway
network, a PD model) can evaluate the input exactly at any time and needs to restart its
ODE solver only at the breakpoints (one per dose) instead of at every sample of a
tabulated profile (docs/pathway.md, section 8). The values equal ``kinetor.pk.simulate``'s
(tested to 1e-12 relative).

Examples
--------
>>> from kinetor.pk import OneCompartment, Regimen
>>> c = polyexponential(OneCompartment(cl="2 L/h", v="10 L"),
...                     Regimen.parse("10 mg IV bolus q12h x 2"), conc_unit="mg/L")[0]
>>> c.start.tolist(), [round(float(x), 6) for x in c([0.0, 5.0, 12.0])]
([0.0, 12.0], [1.0, 0.367879, 1.090718])
>>> c.unit, len(c.rate)
('mg/L', 1)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from kinetor.errors import ModelError
from kinetor.pk.events import Events
from kinetor.pk.models import PKModel
from kinetor.pk.regimen import Regimen

__all__ = ["Polyexponential", "courses", "polyexponential"]


@dataclass(frozen=True)
class Polyexponential:
    """A concentration course: a constant plus exponentials, piece by piece (module doc).

    Attributes
    ----------
    start : (K,) breakpoints, h, strictly increasing; the course is defined from ``start[0]``
    const : (K,) constant part of each piece
    amp : (K, J) amplitude of each exponential at the start of each piece
    rate : (J,) rates, 1/h (shared by all pieces)
    unit : concentration unit of ``const`` and ``amp``
    """

    start: np.ndarray
    const: np.ndarray
    amp: np.ndarray
    rate: np.ndarray
    unit: str = "ng/mL"

    def __post_init__(self):
        start = np.asarray(self.start, float).ravel()
        const = np.asarray(self.const, float).ravel()
        rate = np.asarray(self.rate, float).ravel()
        amp = np.asarray(self.amp, float).reshape(start.size, rate.size)
        if start.size == 0 or const.size != start.size:
            raise ModelError(
                f"a Polyexponential needs one constant per breakpoint: "
                f"{start.size} breakpoints, {const.size} constants"
            )
        if np.any(np.diff(start) <= 0):
            raise ModelError("Polyexponential breakpoints must increase strictly")
        if not (
            np.all(np.isfinite(start))
            and np.all(np.isfinite(const))
            and np.all(np.isfinite(amp))
            and np.all(np.isfinite(rate))
            and np.all(rate >= 0)
        ):
            raise ModelError("Polyexponential coefficients must be finite and rates >= 0")
        for name, value in (("start", start), ("const", const), ("amp", amp), ("rate", rate)):
            value.flags.writeable = False
            object.__setattr__(self, name, value)

    def __repr__(self) -> str:
        return (
            f"Polyexponential({self.start.size} pieces from {self.start[0]:g} h, "
            f"{self.rate.size} exponentials, unit {self.unit!r})"
        )

    def at(self, bounds) -> tuple[np.ndarray, np.ndarray]:
        """Coefficients re-based to new piece starts ``bounds`` (each >= ``start[0]``):
        ``(const (B,), amp (B, J))`` such that ``C(t) = const_b + sum_j amp_bj
        exp(-rate_j (t - b))`` holds from ``b`` to the next breakpoint."""
        b = np.asarray(bounds, float).ravel()
        if b.size and b.min() < self.start[0]:
            raise ModelError(f"the course starts at {self.start[0]:g} h; asked from {b.min():g} h")
        k = np.searchsorted(self.start, b, side="right") - 1
        decay = np.exp(-self.rate[None, :] * (b - self.start[k])[:, None])
        return self.const[k].copy(), self.amp[k] * decay

    def __call__(self, times) -> np.ndarray:
        """Concentrations at ``times`` (h); round-off below 0 is clipped to 0."""
        t = np.asarray(times, float)
        const, amp = self.at(t.ravel())
        return np.maximum(const + amp.sum(axis=1), 0.0).reshape(t.shape)

    def scaled(self, factor: float, unit: str | None = None) -> Polyexponential:
        """The course times ``factor`` (e.g. ``fu``), optionally in a new unit."""
        f = float(factor)
        if not (np.isfinite(f) and f >= 0):
            raise ModelError(f"scale factor must be a finite number >= 0, got {factor!r}")
        return Polyexponential(
            self.start, self.const * f, self.amp * f, self.rate, self.unit if unit is None else unit
        )

    def __mul__(self, factor: float) -> Polyexponential:
        return self.scaled(factor)

    __rmul__ = __mul__

    def to(self, unit: str, mw: float | None = None) -> Polyexponential:
        """The same course in ``unit`` (molar <-> mass needs ``mw``, g/mol)."""
        from kinetor.units import convert

        return self.scaled(float(convert(1.0, self.unit, unit, mw=mw)), unit)


def courses(
    model: PKModel,
    P: Mapping[str, np.ndarray],
    ev: Events,
    start: float = 0.0,
    factor: float | np.ndarray = 1.0,
    unit: str = "mg/L",
) -> list[Polyexponential]:
    """One :class:`Polyexponential` per subject from individual parameters ``P`` (base
    units) and events ``ev`` (:func:`kinetor.pk.population`); concentrations in mg/L times
    ``factor`` (a scalar or one per subject), labelled ``unit``."""
    if not model.linear:
        raise ModelError(
            f"{type(model).__name__} is nonlinear: its course has no closed "
            "form; simulate it with kinetor.pk.simulate and pass (times, concs)"
        )
    lam, coef, const = model.exponentials(dict(P), ev.has_depot, "conc")
    S = lam.shape[0]
    fac = np.broadcast_to(np.asarray(factor, float), (S,))
    out = []
    for s in range(S):
        te = ev.time[s]
        keep = np.isfinite(te)
        te, w, kind, ii = te[keep], ev.weight[s][keep], ev.kind[s][keep], ev.ii[s][keep]
        # a steady-state train acts from its own dose time on (``Events.active_from``); a
        # dose ended by a reset acts before its ``Events.until`` only
        af = np.full(te.size, -np.inf) if ev.active_from is None else ev.active_from[s][keep]
        end = np.full(te.size, np.inf) if ev.until is None else ev.until[s][keep]
        brk = np.concatenate([af[np.isfinite(af) & (af > start)], end[end > start]])
        starts = np.unique(np.concatenate([[start], te[te > start], brk[np.isfinite(brk)]]))
        with np.errstate(divide="ignore", invalid="ignore"):
            mult = np.where(
                ii[:, None] > 0,
                1.0 / -np.expm1(-lam[s][None, :] * np.where(ii > 0, ii, 1.0)[:, None]),
                1.0,
            )  # (E, J): steady-state trains
        gain = w[:, None] * coef[s, kind, :] * mult  # (E, J)
        lag = starts[:, None] - te[None, :]  # (K, E)
        on = (lag >= 0) & (starts[:, None] >= af[None, :]) & (starts[:, None] < end[None, :])
        decay = np.exp(-lam[s][None, None, :] * np.where(on, lag, 0.0)[:, :, None])  # (K, E, J)
        amp = np.einsum("ke,kej,ej->kj", on.astype(float), decay, gain)
        c0 = on.astype(float) @ (w * const[s, kind])
        out.append(Polyexponential(starts, c0 * fac[s], amp * fac[s], lam[s], unit))
    return out


def polyexponential(
    model: PKModel,
    regimen: Regimen | str | Mapping,
    *,
    start: float = 0.0,
    conc_unit: str = "ng/mL",
    free: bool = False,
    mw: float | None = None,
    seed=None,
    **population_kw,
) -> list[Polyexponential]:
    """Exact concentration courses of a linear model, one per subject.

    Parameters
    ----------
    model, regimen
        As :func:`kinetor.pk.simulate` (linear models only).
    start : float
        Where the courses begin (h); doses before it count (e.g. steady-state trains).
    conc_unit : str
        Unit of the courses (molar units need ``mw``).
    free : bool
        Unbound concentrations: multiply by the model's ``fu`` (required then).
    mw : float, optional
        Molecular weight (g/mol) for molar doses or a molar ``conc_unit``.
    seed, **population_kw
        ``n_subjects``, ``variability``, ``params``, ``covariates``, ``weight``, ``bsa``,
        ``allometry``, ``ref_weight`` as in :func:`kinetor.pk.simulate`; with the same seed
        the subjects are the same as ``simulate``'s.
    """
    from kinetor.pk.simulation import population
    from kinetor.units import convert

    P, ev, _, _, _ = population(model, regimen, mw=mw, seed=seed, **population_kw)
    factor = np.full(ev.shape[0], float(convert(1.0, "mg/L", conc_unit, mw=mw)))
    if free:
        if "fu" not in P:
            raise ModelError(
                f"free=True needs the unbound fraction: give {type(model).__name__}(..., fu=...)"
            )
        factor = factor * P["fu"]
    return courses(model, P, ev, start=float(start), factor=factor, unit=conc_unit)
