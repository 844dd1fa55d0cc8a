"""``PKFitter``: a compartmental model fitted to one profile, pooled data or many subjects.

A subclass of :class:`kinetor.numerics.fitter.Fitter` (estimation, error models, M3,
t-based CIs, convergence diagnostics): it declares the model's parameters and predicts
concentrations through :func:`kinetor.pk.simulation.predict`, vectorised over subjects (one
parameter set per estimation group). Initial estimates come from non-compartmental
numbers per group (:mod:`kinetor.pk._initial`). The generic ``Fitter`` is re-exported here
for backward compatibility.

Examples
--------
>>> import numpy as np
>>> from kinetor.pk import OneCompartmentOral, Regimen, simulate
>>> t = np.array([0.25, 0.5, 1, 2, 4, 6, 8, 12, 24])
>>> sim = simulate(OneCompartmentOral(cl=2, v=20, ka=1.5), "100 mg PO single", t,
...                conc_unit="mg/L")
>>> fit = PKFitter(OneCompartmentOral, method="wls").fit(
...     t, sim.conc[0], data=Regimen.parse("100 mg PO single"))
>>> {k: round(float(v), 4) for k, v in fit.params_.iloc[0].items()}
{'cl': 2.0, 'v': 20.0, 'ka': 1.5}
>>> fit.summary.columns.tolist()[-2:]
['converged', 'reason']
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from kinetor.errors import ModelError
from kinetor.numerics.fitter import Fitter
from kinetor.pk._initial import initial_estimates
from kinetor.pk.events import Events, build_events
from kinetor.pk.models import PKModel, model_class
from kinetor.pk.regimen import Regimen

__all__ = ["Fitter", "PKFitter"]


@dataclass
class _PKData:
    """What ``PKFitter._predict`` needs: events per subject and each observation's subject."""

    events: Events
    subject_index: np.ndarray
    factor: float = 1.0  # model concentration (mg/L) -> data unit
    doses: np.ndarray = field(default_factory=lambda: np.zeros(1))  # mg (or mg/kg) per subject
    first_route: str = "extravascular"


def _as_data(data, n_obs: int, factor: float = 1.0) -> _PKData:
    if isinstance(data, _PKData):
        return data
    if isinstance(data, str):
        data = Regimen.parse(data)
    if isinstance(data, Regimen):
        if data.needs_weight or data.needs_bsa or data.needs_mw:
            raise ModelError(
                "PKFitter on a single profile takes doses in mg: for mg/kg "
                "doses use fit_pk(study, ...) (parameters per kg)"
            )
        return _PKData(
            build_events(data, 1),
            np.zeros(n_obs, int),
            factor,
            np.array([data.amounts_mg().sum()]),
            data.to_table()["route"].iloc[0],
        )
    raise ModelError("data must be a Regimen (or regimen text) for a PKFitter")


class PKFitter(Fitter):
    """Fit a compartmental model to one profile (or to pooled data).

    With a ``Regimen`` (or its text) as ``data``, doses are in mg, times in h and the
    observations in mg/L (so CL is in L/h, V in L); ``fit_pk`` handles study units.

    Parameters
    ----------
    model : PKModel class, instance or short name (``"2cmt-oral"``)
        An instance also provides initial values (and ``f``, ``tlag`` when not estimated).
    estimate : list of str, optional
        Parameters to estimate (default: the structural ones, plus ``ka`` when the doses
        include extravascular ones — also for an oral model fitted to IV-only data, where
        ka is not identifiable — plus ``tlag``/``f`` when given in ``init``). Names in
        ``fixed`` are parameters of the fit held at their value, listed in ``estimate``
        or not.
    method, error, weighting, blq, init, fixed, ci_level, n_starts, n_random, seed
        See :class:`kinetor.numerics.fitter.Fitter`.
    """

    def __init__(
        self,
        model: Any,
        *,
        estimate: list[str] | None = None,
        method="ml",
        error="proportional",
        weighting=None,
        blq="m3",
        init=None,
        fixed=None,
        ci_level=0.95,
        param_units: dict[str, str] | None = None,
        n_starts: int = 3,
        n_random: int = 6,
        seed=0,
    ):
        super().__init__(
            method=method,
            error=error,
            weighting=weighting,
            blq=blq,
            init=init,
            fixed=fixed,
            ci_level=ci_level,
            n_starts=n_starts,
            n_random=n_random,
            seed=seed,
        )
        self.model = model
        self.estimate = estimate
        self.param_units = dict(param_units or {})

    # ------------------------------------------------------------ set-up
    def _model(self) -> tuple[type[PKModel], dict[str, float]]:
        m = self.model
        if isinstance(m, str):
            m = model_class(m)
        if isinstance(m, PKModel):
            return type(m), dict(m.params)
        return m, {}

    def _names(self) -> tuple[str, ...]:
        cls, _ = self._model()
        if self.estimate is not None:
            names = list(self.estimate)
        else:
            names = list(cls.names)
            # ka is identifiable only from extravascular doses: an IV-only profile fitted
            # with an oral model keeps ka out of the estimation (no change to predictions)
            if getattr(self, "_depot", True):
                names.append("ka")
            names += [p for p in ("tlag", "f") if p in self.init]
        # a parameter held fixed is one of the fit's parameters, not estimated
        return tuple([*names, *[k for k in self.fixed if k not in names]])

    def fit(self, t, y, data=None, *, groups=None, censored=None, lloq=None) -> PKFitter:
        """Fit observations ``y`` (data unit) at times ``t`` (h); returns ``self``.

        ``data`` is a ``Regimen`` (or its text) for one profile, or the internal design
        ``fit_pk`` builds; ``groups`` (one label per observation, with that design) gives
        one parameter set per group, all fitted at once.
        """
        d = _as_data(data, np.size(t))
        sg = np.zeros(d.events.time.shape[0], int)
        if groups is not None:
            _, gidx = np.unique(np.asarray(groups), return_inverse=True)
            sg[d.subject_index] = gidx
        self._subject_group = sg
        self._depot = d.events.has_depot
        cls, typical = self._model()
        values = {**typical, **{k: 1.0 for k in cls.names}}
        if self._depot or cls.requires_ka:
            values.setdefault("ka", 1.0)
        self._instance = cls(**{k: v for k, v in values.items() if k not in ("f", "tlag")})
        self._typical = typical
        if typical:  # a model instance: its values are the initial estimates
            names = self._names()
            self.init = {**{k: v for k, v in typical.items() if k in names}, **self.init}
        self.bounds = {"f": (0.0, 1.0)}
        self.param_units = dict(self.param_units)
        if not self.param_units:
            self.param_units = {k: u for k, u in self._instance.units().items()}
        return super().fit(t, y, d, groups=groups, censored=censored, lloq=lloq)

    # ------------------------------------------------------------ model
    def _predict(self, params, t, data):
        from kinetor.pk.simulation import predict

        d = _as_data(data, np.size(t))
        S = d.events.time.shape[0]
        sg = self._subject_group if self._subject_group.size == S else np.zeros(S, int)
        full = {"f": 1.0, "tlag": 0.0, **self._typical, **params}
        # group-level values (one per group, or a scalar) -> one per subject
        P = {
            k: np.broadcast_to(np.asarray(v, float)[sg] if np.ndim(v) else float(v), (S,))
            for k, v in full.items()
            if k in self._instance.params or k in ("f", "tlag", "ka")
        }
        ev, too_long = d.events, None
        if np.any(P["tlag"] > 0) and ev.has_depot:
            shifted = np.where(ev.kind == 1, ev.time + P["tlag"][:, None], ev.time)
            # a steady-state oral train built without the lag holds one interval of
            # doses in the depot: a lag of an interval or more would need more (as
            # build_events adds them); such a trial value is rejected (a penalty)
            train = (ev.kind == 1) & (ev.ii > 0)
            too_long = np.any(train & (P["tlag"][:, None] >= np.where(train, ev.ii, np.inf)), 1)
            order = np.argsort(shifted, axis=1, kind="stable")
            tk = np.take_along_axis
            moved = replace(
                ev,
                time=tk(shifted, order, 1),
                weight=tk(ev.weight, order, 1),
                kind=tk(ev.kind, order, 1),
                ii=tk(ev.ii, order, 1),
            )
            if ev.active_from is not None:  # a train still acts from its own dose on
                moved.active_from = tk(ev.active_from, order, 1)
            if ev.until is not None:  # a dose ended by a reset still ends there
                moved.until = tk(ev.until, order, 1)
            ev = moved
        t = np.asarray(t, float)
        grid, inv = np.unique(t, return_inverse=True)
        conc, _ = predict(self._instance, P, ev, grid)
        if too_long is not None:
            conc[too_long] = np.nan
        sub = d.subject_index if d.subject_index.size == t.size else np.zeros(t.size, int)
        return conc[sub, inv] * d.factor

    def _extra_checks(self, theta: np.ndarray) -> list[list[str]]:
        """Flip-flop: a one-compartment model fitted to extravascular data only has a
        mirror solution (ka' = CL/V, V' = V ka/k') that fits identically; the conventional
        one has ka > k. An estimate with ka <= k is reported as not identified."""
        out = [[] for _ in range(theta.shape[0])]
        cls = self._model()[0]
        d = _as_data(self._data, self._y.size)
        free = list(self.free_)
        if (
            cls.n_cmt != 1
            or not cls.linear
            or not {"cl", "v", "ka"} <= set(free)
            or d.first_route != "extravascular"
        ):
            return out
        cl, v, ka = (theta[:, free.index(k)] for k in ("cl", "v", "ka"))
        for g in np.flatnonzero(ka <= cl / v):
            out[g].append(
                f"flip-flop: ka {ka[g]:.3g} <= k = CL/V {cl[g] / v[g]:.3g}; the "
                "mirror solution with the rates swapped fits identically (give "
                "IV data or fix ka)"
            )
        return out

    def _initial(self, t, y, data) -> list[dict[str, np.ndarray]]:
        """NCA-based starting values per group (see :mod:`kinetor.pk._initial`)."""
        d = _as_data(data, np.size(t))
        y = np.where(self._cens, np.nan, np.asarray(y, float))
        per_group = [
            initial_estimates(
                self._model()[0],
                t[self._gidx == g],
                y[self._gidx == g],
                d,
                self._names(),
                subjects=np.flatnonzero(self._subject_group == g),
            )
            for g in range(self._n_g)
        ]
        return [
            {k: np.array([c[i][k] for c in per_group]) for k in per_group[0][i]}
            for i in range(len(per_group[0]))
        ]
