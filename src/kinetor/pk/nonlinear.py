r"""Nonlinear PK (Michaelis-Menten elimination) and the ODE path of every model.

.. math::

    \frac{dA_d}{dt} = -k_a A_d, \qquad
    \frac{dA_c}{dt} = k_a A_d - \frac{V_{max} C}{K_m + C} - CL\,C - Q\,C + Q\frac{A_p}{V_2},
    \qquad \frac{dA_p}{dt} = Q\,C - Q \frac{A_p}{V_2}, \qquad C = A_c / V_1

(``q``/``v2`` optional: one or two compartments; ``cl`` an optional parallel linear
clearance). The equations are integrated by the compiled Dormand-Prince integrator of
:mod:`kinetor.pk.ode` with each dose as a discontinuity; bioavailability ``f`` scales the
amount entering the depot and ``tlag`` delays it, as in the linear models.

A stiff problem (a small :math:`K_m`: once a dose is eliminated the central amount decays
at :math:`V_{max}/(V_1 K_m)`, e.g. 50,000 /h) is beyond an explicit method: a subject whose
explicit run spends its step budget, collapses its step, or returns non-finite or negative
amounts is integrated again by scipy's LSODA (stiff BDF, analytic Jacobian, tolerances 100
times tighter) in :mod:`kinetor.pk._stiff`. A subject that fails there too raises a
``ModelError`` naming it and why (never NaN or negative concentrations as results);
negative values within the integration tolerance of 0 are set to 0.

Examples
--------
>>> m = MichaelisMenten(vmax="10 mg/h", km="1 mg/L", v1="10 L")
>>> m.params["km"], m.linear
(1.0, False)
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from kinetor.errors import ModelError
from kinetor.pk.models import PKModel, parse_param

__all__ = ["MichaelisMenten", "MichaelisMentenOral", "ode_predict"]


class MichaelisMenten(PKModel):
    """Michaelis-Menten elimination: ``vmax`` (mg/h), ``km`` (concentration), ``v1`` (L);
    optional ``cl``, ``q``, ``v2``, ``ka``, ``f``, ``tlag``, ``fu``."""

    n_cmt = 1
    names = ("vmax", "km", "v1")
    kinds: ClassVar[dict[str, str]] = {"vmax": "amount_rate", "km": "concentration", "v1": "volume"}
    optional: ClassVar[dict[str, str]] = {
        **PKModel.optional,
        "cl": "clearance",
        "q": "clearance",
        "v2": "volume",
    }
    linear = False

    def __init__(self, **params):
        km = params.get("km")
        if isinstance(km, str):  # a molar Km needs the molecular weight: say so plainly
            from kinetor.units import is_molar, parse_quantity

            if is_molar(parse_quantity(km).units):
                raise ModelError(
                    "give km as a mass concentration (e.g. '500 ng/mL'); "
                    "convert molar values with kinetor.units.to_mass(..., mw)"
                )
        super().__init__(**{k: v for k, v in params.items() if k != "cl"})
        if params.get("cl") is not None:
            self.raw["cl"] = params["cl"]
            self.params["cl"], pk = parse_param("cl", params["cl"], "clearance", allow_zero=True)
            if pk:
                self.per_kg = (*self.per_kg, "cl")
        if ("q" in self.params) != ("v2" in self.params):
            raise ModelError("a peripheral compartment needs both q and v2")
        if "v2" in self.params:
            self.n_cmt = 2

    def exponentials(self, P, oral, output="conc"):
        raise ModelError("a Michaelis-Menten model has no closed form: use the ODE path")

    def outputs(self) -> list[str]:
        return ["depot", "central"] + (["peripheral2"] if "v2" in self.params else [])


class MichaelisMentenOral(MichaelisMenten):
    """Michaelis-Menten elimination with first-order absorption (``ka`` required)."""

    requires_ka = True


def _ode_inputs(model: PKModel, P: dict[str, np.ndarray], S: int):
    from kinetor.pk import ode

    ka = P.get("ka", np.ones(S))
    if model.linear:
        I = model.internal(P)  # noqa: E741 - internal parameter dict
        zero = np.zeros(S)
        k10 = I["cl"] / I["v1"]
        k12 = I["q2"] / I["v1"] if "q2" in I else zero
        k21 = I["q2"] / I["v2"] if "q2" in I else zero
        k13 = I["q3"] / I["v1"] if "q3" in I else zero
        k31 = I["q3"] / I["v3"] if "q3" in I else zero
        return ode.linear_rhs, np.stack([ka, k10, k12, k21, k13, k31], 1), 4, I["v1"]
    zero = np.zeros(S)
    p = np.stack(
        [ka, P["v1"], P["vmax"], P["km"], P.get("cl", zero), P.get("q", zero), P.get("v2", zero)], 1
    )
    return ode.mm_rhs, p, 3, P["v1"]


def ode_predict(
    model: PKModel,
    P: dict[str, np.ndarray],
    ev,
    times: np.ndarray,
    outputs: tuple[str, ...] = (),
    rtol: float = 1e-8,
    atol: float = 1e-12,
):
    """Central concentration (mg/L) and requested amounts (mg) through the ODE path.

    ``ev`` are the events of :func:`kinetor.pk.events.build_events`. Steady-state doses
    need the closed form (the ODE path has no steady-state solver): ``ModelError``. A reset
    (doses with an ``until``) starts the system again from 0: the doses before and after
    it are integrated separately (:func:`kinetor.pk.events.by_reset`).
    """
    if ev.until is not None:  # doses ended by a reset: each end time integrated on its own
        from kinetor.pk.events import by_reset

        def run(sub):
            return ode_predict(model, P, sub, times, outputs, rtol, atol)

        return by_reset(ev, times, run, exclusive=not model.linear)
    S = ev.time.shape[0]
    if np.any(ev.ii > 0):
        raise ModelError(
            "steady-state doses ('ss') are not available on the ODE path: use the closed "
            "form (method='auto', 'numpy' or 'numba')"
            if model.linear
            else "steady-state doses ('ss') need a linear model: with a nonlinear "
            "model simulate enough doses to reach steady state"
        )
    if ev.has_depot and "ka" not in P:
        raise ModelError(
            f"{type(model).__name__} has no ka (no absorption) but the regimen has "
            "extravascular doses: use 'mm-oral', or give the absorption rate (--param "
            "ka=... on the command line, ka=... in Python)"
        )
    rhs, p, n, v1 = _ode_inputs(model, P, S)
    f = P.get("f", np.ones(S))[:, None]
    cmt = np.where(ev.kind == 1, 0, 1).astype(np.int64)
    amt = np.where(ev.kind == 1, ev.weight * f, ev.weight)
    typ = np.where(ev.kind == 2, 1, 0).astype(np.int64)
    y = _integrate(model, rhs, p, n, times, (ev.time, cmt, amt, typ), rtol, atol)
    conc = y[:, :, 1] / v1[:, None]
    names = {"depot": 0, "central": 1, "peripheral2": 2, "peripheral3": 3}
    return conc, {o: y[:, :, names[o]] for o in outputs}


def _integrate(model, rhs, p, n, times, events, rtol, atol):
    """(S, T, n) amounts: the explicit integrator with a step budget, the subjects it
    cannot handle (:func:`kinetor.pk._stiff.screen`) again by the implicit solver, and a
    ``ModelError`` naming the subjects that fail both (``failed``: their positions)."""
    from kinetor.pk import _stiff, ode

    budget = _stiff.step_budget(events[0].shape[1])
    S = p.shape[0]
    y, status = ode.integrate(
        rhs, np.zeros((S, n)), p, times, *events, rtol, atol, budget, return_status=True
    )
    lo, tol = _stiff.bounds(y, rtol, atol)
    if not (why := _stiff.screen(y, status, lo, tol, times, budget)):
        return _stiff.clip_roundoff(y, lo, tol)
    redo = np.array(sorted(why))
    tight = rtol / 100.0, np.broadcast_to(np.asarray(atol, float), (S,))[redo] / 100.0
    again, failures = _stiff.implicit(
        model.linear, p[redo], times, *(a[redo] for a in events), *tight
    )
    y[redo] = again
    lo[redo], tol[redo] = _stiff.bounds(again, rtol, atol)
    late = _stiff.screen(again, np.zeros(redo.size, int), lo[redo], tol[redo], times, budget)
    why = {int(s): w or late.get(k) for k, (s, w) in enumerate(zip(redo, failures, strict=True))}
    failed = np.array([s for s, w in why.items() if w is not None], dtype=int)
    if failed.size:
        err = ModelError(
            f"{type(model).__name__}: the ODE integration failed for subject(s) "
            f"{', '.join(str(s + 1) for s in failed[:10])}"
            f"{' and more' if failed.size > 10 else ''} (numbered in simulation order): "
            f"{why[int(failed[0])]}; check the parameters of these subjects "
            f"({', '.join(model.names)}): values far outside a plausible range, or a problem beyond both solvers"
        )
        err.failed = failed  # a fitter's trial step treats it as a rejected point
        raise err
    return _stiff.clip_roundoff(y, lo, tol)
