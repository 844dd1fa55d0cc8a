"""The libroadrunner adapter: one compiled model per process, explicit resets, tidy arrays.

``engine(text)`` returns the process's :class:`Engine` for a model text (built on first
use, then kept by the text's SHA-1; a new process loads the compiled model from the on-disk
cache of :mod:`._cache` in ~20 ms, or compiles it in ~0.5 s and stores it). It compiles
the text with each Hill occupancy in its one-power form (``_model.one_pow_occupancy``:
the same function, a quarter less CPU per run).
Every run starts from the state that ``resetAll()`` (all parameters back to the compiled
model's values, time 0) and ``reset()`` (initial assignments re-evaluated) give, so
nothing a previous run set can leak into the next: the steady-state search calls them, a
simulation sets the same parameter vector in one call (cached per genotype and context;
identical results, 0.5 ms less per run). Conserved-moiety analysis is on, which makes the
steady-state Jacobian non-singular; setting a full state vector re-derives the moiety
totals.

Examples
--------
>>> from kinetor.pathway._model import model_text
>>> eng = engine(model_text())
>>> x = eng.steady_state({})
>>> len(x) == len(eng.species), engine(model_text()) is eng
(True, True)
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from difflib import get_close_matches
from itertools import pairwise
from typing import Any

import numpy as np

from kinetor.errors import ModelError
from kinetor.numerics.lru import LRUCache
from kinetor.pathway._cache import load_or_compile
from kinetor.pathway._model import one_pow_occupancy, to_sbml
from kinetor.pathway.drugs import MECHANISMS

__all__ = ["READOUT_VARS", "Engine", "engine"]

#: Readout name -> model variable (absolute value in model units).
READOUT_VARS: dict[str, str] = {
    "pAKT_S473": "pAKT_S473",
    "pAKT_T308": "pAKT_T308",
    "pS6K1_T389": "pS6K1_T389",
    "pS6_S235_236": "pS6_S235_236",
    "p4EBP1_T37_46": "p4EBP1_T37_46",
    "pPRAS40_T246": "pPRAS40_T246",
    "pERK": "pERK",
    "IRS1": "IRS1_total",
    "eIF4E_free": "eIF4E_free",
    "growth": "growth",
    "p4EBP1_S65": "p4EBP1_S65",
    "pGSK3B_S9": "pGSK3B_S9",
    "FOXO_nuclear": "FOXO_nuclear",
    "HER3": "HER3_total",
    "pHER3_Y1289": "pHER3_Y1289",
    "ER_activity": "ER_activity",
    "proliferation": "proliferation",
    "apoptosis": "apoptosis",
}

#: Compiled engines by model text, at most 16 per process (a long session that runs many
#: model variants, e.g. fitted-parameter files, keeps the most recent; an evicted one is
#: reloaded from the on-disk compile cache in ~25 ms).
_ENGINES = LRUCache(16)
_RTOL, _ATOL = 1e-7, 1e-10
#: CVODE rtol for piecewise-linear inputs with kinks (measurements: docs/pathway.md, s. 8).
_RTOL_TV = 1e-5
#: CVODE's largest BDF order with kinks (5 otherwise): fewer steps and less CPU on the
#: network's damped feedback oscillations, closer to ``exact=True`` (docs/pathway.md, s. 8).
_ORDER_TV = 4
#: Relative slope change below which a knot is not a kink (round-off of collinear knots).
_KINK = 1e-9


def engine(text: str) -> Engine:
    """The per-process engine for ``text`` (compiled once)."""
    key = hashlib.sha1(text.encode()).hexdigest()
    return _ENGINES.get(key, lambda: Engine(text))


class Engine:
    """One RoadRunner instance for one model text, with a steady-state cache."""

    def __init__(self, text: str):
        import roadrunner

        # the same model with each Hill occupancy as one power (4/3 x faster runs)
        exe = one_pow_occupancy(text)

        def compile_model():
            cfg = roadrunner.Config
            old = cfg.getValue(cfg.LOADSBMLOPTIONS_CONSERVED_MOIETIES)
            cfg.setValue(cfg.LOADSBMLOPTIONS_CONSERVED_MOIETIES, True)
            try:
                return roadrunner.RoadRunner(to_sbml(exe))
            finally:
                cfg.setValue(cfg.LOADSBMLOPTIONS_CONSERVED_MOIETIES, old)

        self.rr = load_or_compile(exe, compile_model)
        integ = self.rr.integrator
        integ.relative_tolerance = _RTOL
        integ.absolute_tolerance = _ATOL
        integ.setValue("maximum_num_steps", 100000)
        model = self.rr.model
        self.species: list[str] = list(model.getFloatingSpeciesIds())
        self.parameter_ids: list[str] = list(model.getGlobalParameterIds())
        self._pidx = {p: i for i, p in enumerate(self.parameter_ids)}
        self.defaults: dict[str, float] = dict(
            zip(self.parameter_ids, map(float, model.getGlobalParameterValues()), strict=True)
        )
        self.readout_vars = list(READOUT_VARS.values())
        self.selections = ["time", *self.species, *self.readout_vars]
        self.rr.selections = self.selections
        # caches keyed by parameter sets are bounded: a fit or a profile tries thousands
        self._ss = LRUCache(512)
        self._ro = LRUCache(512)
        # the run's start without resetAll() (0.4 ms) and reset() (0.1 ms): every parameter
        # that no rule or initial assignment defines, rate-rule states included, set in one
        # call from its value after resetAll() + overrides + reset() (cached per override
        # set); the floating species come from x0 and the moiety totals follow from them.
        # Only where no parameter has its own initial assignment (it could depend on a
        # drug parameter); otherwise every run takes the full reset.
        rr_ids = set(self.rr.getAssignmentRuleIds()) | set(model.getConservedMoietyIds())
        assigned = set(self.rr.getInitialAssignmentIds()) - set(model.getConservedMoietyIds())
        self._free_idx = np.array(
            [i for i, p in enumerate(self.parameter_ids) if p not in rr_ids], dtype=np.int32
        )
        self._computed = frozenset(rr_ids & set(self.parameter_ids))
        self._moieties = frozenset(model.getConservedMoietyIds())
        self._settable = [p for p in self.parameter_ids if p not in self._computed]
        self._fast_start = not (assigned & set(self.parameter_ids))
        self._start = LRUCache(256)
        self._slot_idx = {
            m: np.array([self._pidx[f"{p}_{m}"] for p in ("c0", "sl", "t0")], dtype=np.int32)
            for m in MECHANISMS
        }

    # ------------------------------------------------------------------ basics
    def species_index(self, name: str) -> int:
        return self.species.index(name)

    def parameter_problems(self, names) -> list[str]:
        """Why each of ``names`` cannot be overridden (empty: all can): an unknown name, or
        a variable the model computes (an assignment rule, e.g. ``growth`` or the slot
        concentration ``C_rapalog``; a conserved-moiety total), which libroadrunner refuses
        to set or ``reset()`` overwrites."""
        out = []
        for name in dict.fromkeys(names):
            if name not in self._pidx:
                near = get_close_matches(str(name), self._settable, n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                out.append(f"unknown model parameter {name!r}{hint}")
            elif name in self._computed:
                what = (
                    "a conserved-moiety total" if name in self._moieties else "an assignment rule"
                )
                out.append(
                    f"{name!r} is computed by the model, not settable ({what}); override "
                    "the rate constants, totals or weights it is computed from"
                )
        return out

    def check_parameters(self, names) -> None:
        """A :class:`ModelError` listing every name of ``names`` that cannot be set."""
        bad = self.parameter_problems(names)
        if bad:
            raise ModelError("; ".join(bad))

    def _prepare(self, params: Mapping[str, float]) -> None:
        rr = self.rr
        rr.resetAll()
        if params:
            idx = [self._pidx[k] for k in params]
            rr.model.setGlobalParameterValues(idx, [float(v) for v in params.values()])
        rr.reset()

    def _start_run(
        self, params: Mapping[str, float], drug_params: Mapping[str, float], x0: np.ndarray
    ) -> np.ndarray:
        """The state of ``_prepare({**params, **drug_params})`` then amounts ``x0``, time 0.

        Returns the selections at time 0 *before* ``drug_params`` are set: the drug-free
        state ``x0`` the drugs start from (the reference row), for a constant input as
        for a profile or a course, whose slots are set only when integration starts.
        """
        model = self.rr.model
        if not self._fast_start:
            self._prepare(params)
            model.setFloatingSpeciesAmounts(x0)
            row0 = np.array(self.rr.getSelectedValues())
            self._prepare({**params, **drug_params})
            model.setFloatingSpeciesAmounts(x0)
            return row0
        key = tuple(sorted((k, float(v)) for k, v in params.items()))

        def build() -> np.ndarray:
            self._prepare(params)
            return np.array(model.getGlobalParameterValues())[self._free_idx]

        model.setGlobalParameterValues(self._free_idx, self._start.get(key, build))
        model.setTime(0.0)
        model.setFloatingSpeciesAmounts(x0)
        row0 = np.array(self.rr.getSelectedValues())
        if drug_params:
            idx = np.array([self._pidx[k] for k in drug_params], dtype=np.int32)
            model.setGlobalParameterValues(idx, [float(v) for v in drug_params.values()])
        return row0

    # ------------------------------------------------------------------ steady state
    def steady_state(self, params: Mapping[str, float]) -> np.ndarray:
        """Steady-state amounts (in ``self.species`` order) for drug-free ``params``."""
        key = tuple(sorted((k, float(v)) for k, v in params.items()))
        return self._ss.get(key, lambda: self._solve_steady_state(params))

    def _solve_steady_state(self, params: Mapping[str, float]) -> np.ndarray:
        rr = self.rr
        self._prepare(params)
        # a short pre-simulation moves the state into the basin of the stable state, then
        # Newton (NLEQ2) polishes; if either fails, a long simulation is the fallback
        try:
            rr.simulate(0.0, 50.0, 2)
            rr.steadyState()
            if self._converged():
                return np.array(rr.model.getFloatingSpeciesAmounts(), dtype=float)
        except RuntimeError:
            pass
        self._prepare(params)
        why = "Newton and 5000 h simulation"
        try:
            rr.simulate(0.0, 5000.0, 2)
            converged = self._converged(tol=1e-6)
        except RuntimeError as exc:  # CVODE gave up: values the network cannot carry
            converged, why = False, f"the 5000 h simulation failed: {_solver_message(exc)}"
        if not converged:
            raise ModelError(
                f"no steady state reached for parameters {dict(params)!r} ({why}): check "
                "the parameter and context values (each context level is nominally 0..1)"
            )
        return np.array(rr.model.getFloatingSpeciesAmounts(), dtype=float)

    def _converged(self, tol: float = 1e-8) -> bool:
        x = np.asarray(self.rr.model.getFloatingSpeciesAmounts())
        rates = np.asarray(self.rr.getRatesOfChange())
        return bool(np.all(np.isfinite(x)) and x.min() > -1e-9 and np.abs(rates).max() < tol)

    def readouts_at(self, params: Mapping[str, float], x: np.ndarray) -> np.ndarray:
        """Readout variables (``READOUT_VARS`` order) at drug-free state ``x`` (cached)."""
        key = (tuple(sorted((k, float(v)) for k, v in params.items())), x.tobytes())

        def build() -> np.ndarray:
            self._prepare(params)
            self.rr.model.setFloatingSpeciesAmounts(x)
            return np.array([self.rr.getValue(n) for n in self.readout_vars])

        return self._ro.get(key, build)

    # ------------------------------------------------------------------ simulation
    def run(
        self,
        params: Mapping[str, float],
        x0: np.ndarray,
        drug_params: Mapping[str, float],
        profiles: Mapping[str, tuple[np.ndarray, np.ndarray]],
        times: np.ndarray,
        exact: bool = False,
        courses: Mapping[str, Any] | None = None,
    ) -> np.ndarray:
        """Integrate from state ``x0``; returns rows (time, species..., readout vars...).

        ``drug_params`` holds potencies and constant concentrations (``c0_<mech>``);
        ``profiles[mech] = (knot_times, knot_concs)`` are piecewise-linear inputs and
        ``courses[mech]`` :class:`~kinetor.pk.Polyexponential` inputs in nM (the model text
        must carry their exponential terms: ``_model.with_exponential_inputs``). CVODE
        restarts at every segment bound: the knots where some profile changes slope
        (collinear knots are dropped: the line goes on) and every breakpoint of a course
        (a dose: a kink or a jump). With more than one segment, the default runs CVODE at
        ``rtol`` = ``_RTOL_TV`` (readouts within 0.1 percentage point of ``_RTOL``, measured
        <= 0.07; docs/pathway.md) with BDF order <= ``_ORDER_TV``; ``exact=True`` keeps
        every knot, ``_RTOL`` and order 5.
        """
        rr = self.rr
        courses = dict(courses or {})
        row0 = self._start_run(params, drug_params, x0)
        t_end = float(times[-1])
        forced = [float(b) for c in courses.values() for b in c.start if 0.0 < b < t_end]
        bounds, slots = _segments(profiles, t_end, exact, forced)
        integ = rr.integrator
        loose = not exact and len(bounds) > 2
        if loose:
            integ.relative_tolerance = _RTOL_TV
            integ.maximum_bdf_order = _ORDER_TV
        model = rr.model  # the property builds a new proxy at every access
        # one (indices, values) pair per segment: all slots set in one call
        starts = np.asarray(bounds[:-1])
        idx_parts, cols = [], []
        for m, (c0, sl) in slots.items():
            idx_parts.append(self._slot_idx[m])
            cols += [c0, sl, starts]
        for m, course in courses.items():
            const, amp = course.at(starts)
            names = [f"{p}{j}_{m}" for j in range(amp.shape[1]) for p in ("a", "r")]
            missing = [n for n in names if n not in self._pidx]
            if missing:
                raise ModelError(
                    f"slot {m!r}: the model has no exponential input terms "
                    f"{', '.join(missing)} (use _model.with_exponential_inputs)"
                )
            idx_parts += [self._slot_idx[m], np.array([self._pidx[n] for n in names], np.int32)]
            cols += [const, np.zeros_like(const), starts]
            for j in range(amp.shape[1]):
                cols += [amp[:, j], np.full_like(const, course.rate[j])]
        idx = np.concatenate(idx_parts or [np.zeros(0, np.int32)])
        seg_vals = np.column_stack(cols or [np.zeros(len(bounds) - 1)]).tolist()
        now = 0.0
        try:
            out = np.empty((len(times), len(self.selections)))
            out[0] = row0
            stops = [float(x) for x in times]  # Python floats: cheaper in the loop
            n_out, i = len(stops), 1
            for k, (a, b) in enumerate(pairwise(bounds)):
                if len(idx):
                    model.setGlobalParameterValues(idx, seg_vals[k])
                integ.restart(a)  # the input's slope changes here: CVODE starts afresh
                now = a
                while i < n_out and stops[i] <= b:
                    integ.integrate(now, stops[i] - now)
                    now = stops[i]
                    out[i] = rr.getSelectedValues()
                    i += 1
                if now < b:
                    integ.integrate(now, b - now)
        except RuntimeError as exc:  # CVODE gave up: inputs the network cannot carry
            varying = sorted({*profiles, *courses})
            slots = f", time-varying inputs in slots {', '.join(varying)}" if varying else ""
            raise ModelError(
                f"the simulation failed after {now:g} h ({_solver_message(exc)}) for "
                f"parameters {dict(params)!r}, drug inputs {dict(drug_params)!r}{slots}: "
                "check the drugs' potencies, Hill slopes and concentrations and the "
                "parameter values"
            ) from exc
        finally:
            if loose:
                integ.relative_tolerance = _RTOL
                integ.maximum_bdf_order = 5
        return out


def _solver_message(exc: BaseException) -> str:
    """libroadrunner's error text without its C++ location.

    Examples
    --------
    >>> _solver_message(RuntimeError("CVODE Error: CV_CONV_FAILURE: x; In virtual double f()"))
    'CVODE Error: CV_CONV_FAILURE: x'
    """
    return str(exc).split("; In ", 1)[0].strip()


def _segments(
    profiles: Mapping[str, tuple[np.ndarray, np.ndarray]],
    t_end: float,
    exact: bool,
    forced: Sequence[float] = (),
) -> tuple[list[float], dict[str, tuple[np.ndarray, np.ndarray]]]:
    """Segment bounds and, per input, each segment's start value and slope.

    A knot stays a bound only where some input's slope changes by more than ``_KINK`` of
    its own scale (``exact=False``): collinear knots change nothing in the forcing. The
    ``forced`` times (course breakpoints in (0, t_end)) always stay.

    Examples
    --------
    >>> t = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    >>> bounds, slots = _segments({"m": (t, np.array([0.0, 1.0, 2.0, 2.0, 2.0]))}, 4.0, False)
    >>> bounds, slots["m"][1].tolist()
    ([0.0, 2.0, 4.0], [1.0, 0.0])
    >>> len(_segments({"m": (t, np.array([0.0, 1.0, 2.0, 2.0, 2.0]))}, 4.0, True)[0])
    5
    """
    must = {float(c) for c in forced if 0.0 < c < t_end}
    cuts = sorted({float(c) for t, _ in profiles.values() for c in t if 0.0 < c < t_end} | must)
    bounds = np.array([0.0, *cuts, t_end])
    vals = {m: np.interp(bounds, t, v) for m, (t, v) in profiles.items()}
    if not exact and len(bounds) > 2:
        keep = np.isin(bounds, list(must))
        keep[[0, -1]] = True
        for v in vals.values():
            sl = np.diff(v) / np.diff(bounds)
            scale = np.maximum(np.abs(sl[1:]), np.abs(sl[:-1]))
            keep[1:-1] |= np.abs(np.diff(sl)) > _KINK * scale
        bounds = bounds[keep]
        vals = {m: v[keep] for m, v in vals.items()}
    slots = {m: (v[:-1], np.diff(v) / np.diff(bounds)) for m, v in vals.items()}
    return [float(b) for b in bounds], slots
