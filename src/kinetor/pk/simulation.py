"""Population simulation: ``simulate(model, regimen, times, ...) -> SimulationResult``.

Linear models use the closed forms with superposition over doses (compiled kernel for
large problems, numpy for small ones); nonlinear models (and ``method="ode"``) use the
compiled ODE integrator. Outputs are concentrations in ``conc_unit`` (default ng/mL),
amounts in mg, times in h.

Examples
--------
>>> import numpy as np
>>> from kinetor.pk import OneCompartment, Regimen
>>> sim = simulate(OneCompartment(cl="2 L/h", v="10 L"), Regimen.parse("10 mg IV bolus single"),
...                np.array([0.0, 5.0]), conc_unit="mg/L")
>>> [round(float(c), 6) for c in sim.conc[0]]   # 10/10 * exp(-0.2 * t)
[1.0, 0.367879]
>>> sim.to_frame().columns.tolist()
['subject', 'time', 'conc', 'unit']
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial

import numpy as np
import pandas as pd

from kinetor.errors import ModelError
from kinetor.limits import check as check_limit
from kinetor.pk._exposure import checked_params, jump_times, pre_dose
from kinetor.pk._exposure import exposure as _exposure
from kinetor.pk.events import Events, build_events, by_reset, train_response
from kinetor.pk.models import PKModel
from kinetor.pk.regimen import Regimen
from kinetor.pk.variability import ResidualError, Variability, individual_parameters

__all__ = ["SimulationResult", "population", "predict", "simulate"]

_NUMBA_MIN = 200_000  # S * T * E above which the compiled kernel pays for its dispatch


@dataclass
class SimulationResult:
    """Simulated profiles.

    Attributes
    ----------
    times : (T,) h
    conc : (S, T) concentrations in ``conc_unit`` (with residual error when one was given)
    ipred : (S, T) noise-free concentrations
    params : DataFrame, one row per subject (base units: h, L, mg; weight in kg)
    amounts : dict of (S, T) arrays in mg (``depot``, ``central``, ``peripheral2``...) or None
    free : (S, T) unbound concentrations (``fu`` x total) when the model has ``fu``
    dose_times : (S, D) each subject's dose times, h (``inf`` pads)
    """

    times: np.ndarray
    conc: np.ndarray
    ipred: np.ndarray
    params: pd.DataFrame
    conc_unit: str
    time_unit: str = "h"
    amounts: dict[str, np.ndarray] | None = None
    free: np.ndarray | None = None
    subjects: list = field(default_factory=list)
    dose_times: np.ndarray | None = None
    _pre_dose: Callable | None = field(default=None, repr=False, compare=False)
    _jumps: np.ndarray | None = field(default=None, repr=False, compare=False)

    def to_frame(self) -> pd.DataFrame:
        """Tidy table: subject, time, conc, unit (+ ipred, free_conc when present)."""
        S, T = self.conc.shape
        out = pd.DataFrame(
            {
                "subject": np.repeat(np.asarray(self.subjects, dtype=object), T),
                "time": np.tile(self.times, S),
                "conc": self.conc.ravel(),
            }
        )
        if self.ipred is not self.conc:
            out["ipred"] = self.ipred.ravel()
        if self.free is not None:
            out["free_conc"] = self.free.ravel()
        out["unit"] = self.conc_unit
        return out

    def summary(self, quantiles=(0.05, 0.5, 0.95)) -> pd.DataFrame:
        """Quantiles of the concentration at every time (a prediction interval).

        Computed on ``conc``, i.e. *with* the residual error when the simulation had one
        (so it widens with it); :meth:`exposure` uses the noise-free ``ipred`` instead.
        """
        q = np.quantile(self.conc, quantiles, axis=0)
        out = pd.DataFrame({"time": self.times})
        for k, p in enumerate(quantiles):
            out[f"q{round(100 * p):g}"] = q[k]
        out["mean"] = self.conc.mean(axis=0)
        out["unit"] = self.conc_unit
        return out

    def exposure(self, start: float | None = None, end: float | None = None) -> pd.DataFrame:
        """Per subject over [start, end] of the grid: CMAX, TMAX, CMIN (after the first
        dose), CTROUGH (exact, just before the last dose; NaN with fewer than two doses)
        and AUC (linear trapezoid on the grid, which overestimates a declining curve), all
        on the noise-free ``ipred`` (:mod:`kinetor.pk._exposure`); :meth:`summary` uses
        ``conc``."""
        return _exposure(self, start, end)


def _times(times) -> np.ndarray:
    from kinetor.units import Q

    if isinstance(times, Q):
        times = times.to("hour").magnitude
    try:
        t = np.asarray(times, float).ravel()
    except (TypeError, ValueError):
        t = np.array([np.nan])  # text or objects: not a time
    if t.size == 0 or not np.all(np.isfinite(t)):
        raise ModelError(
            f"times must be finite numbers (hours), not {times!r:.80}: give e.g. "
            "[0, 0.5, 1, 2] or np.linspace(0, 24, 97) (a pint Quantity in any time unit too)"
        )
    check_limit("simulated_hours", float(t.max() - min(t.min(), 0.0)), "hours simulated")
    return t


def predict(
    model: PKModel,
    P: dict[str, np.ndarray],
    ev: Events,
    times: np.ndarray,
    outputs: tuple[str, ...] = (),
    method: str = "auto",
):
    """Central concentration (mg/L) and amounts (mg) on ``times`` (any order)."""
    if ev.until is not None:  # doses ended by a reset: each end time run on its own
        again = partial(predict, model, P, times=times, outputs=outputs, method=method)
        return by_reset(ev, times, lambda sub: again(ev=sub), exclusive=not model.linear)
    ordered = bool(np.all(np.diff(times) >= 0))
    order = np.arange(times.size) if ordered else np.argsort(times, kind="stable")
    ts = times[order]
    if not model.linear or method == "ode":
        from kinetor.pk.nonlinear import ode_predict

        conc, amts = ode_predict(model, P, ev, ts, outputs)
    else:
        S, E = ev.shape
        use_numba = method == "numba" or (method == "auto" and S * ts.size * E >= _NUMBA_MIN)
        if use_numba:
            from kinetor.pk._kernels import superpose
        else:
            from kinetor.pk.closed_form import superpose_numpy as superpose
        oral = ev.has_depot
        gate = ev.trains()  # steady-state trains: each only from its own dose time on
        weight = ev.weight if gate is None else np.where(gate, 0.0, ev.weight)

        def run(output):
            lam, coef, const = model.exponentials(P, oral, output)
            out = superpose(ts, ev.time, weight, ev.kind, ev.ii, lam, coef, const)
            if gate is not None:
                out += train_response(ts, ev, gate, lam, coef, const)
            # exact solutions are >= 0; the exponential sums can cancel to -1e-13 (e.g. an
            # oral dose at its own dose time): clip that round-off, in place
            return np.maximum(out, 0.0, out=out)

        conc = run("conc")
        amts = {o: run(o) for o in outputs if o != "depot" or oral}
    if ordered:
        return conc, amts
    back = np.empty_like(order)
    back[order] = np.arange(order.size)
    return conc[:, back], {k: v[:, back] for k, v in amts.items()}


def population(
    model: PKModel,
    regimen: Regimen | str | Mapping,
    *,
    n_subjects: int | None = None,
    variability=None,
    params: pd.DataFrame | None = None,
    covariates: pd.DataFrame | Mapping | None = None,
    weight=None,
    bsa=None,
    mw: float | None = None,
    allometry: Mapping[str, float] | None = None,
    ref_weight: float = 70.0,
    seed=None,
) -> tuple[dict[str, np.ndarray], Events, list, object, object]:
    """Individual parameters and dose events of a population (arguments as :func:`simulate`;
    the same ``seed`` draws the same subjects).

    Returns ``(P, events, subjects, weight, bsa)``: ``P`` maps each parameter to an array
    (n_subjects,) in base units (h, L, mg), ``events`` the sorted dose events.
    """
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    if isinstance(regimen, str):
        regimen = Regimen.parse(regimen)
    elif isinstance(regimen, Mapping):  # text values are parsed as a single regimen is
        regimen = {s: Regimen.parse(r) if isinstance(r, str) else r for s, r in regimen.items()}
        if odd := [s for s, r in regimen.items() if not isinstance(r, Regimen)]:
            raise ModelError(f"the regimen of subject(s) {odd[:5]} is not a Regimen or text")
    cov = (
        dict(covariates.items())
        if isinstance(covariates, Mapping)
        else (
            {c: covariates[c].to_numpy() for c in covariates.columns}
            if covariates is not None
            else {}
        )
    )
    if params is not None:
        cov.update(
            {
                c: params[c].to_numpy()
                for c in ("weight", "bsa", "subject")
                if c in params.columns and c not in cov
            }
        )
    weight = cov.get("weight", weight)
    bsa = cov.get("bsa", bsa)
    sizes = {len(params)} if params is not None else set()
    sizes |= {np.size(v) for v in (*cov.values(), weight, bsa) if v is not None and np.ndim(v) > 0}
    if isinstance(regimen, Mapping):
        sizes.add(len(regimen))
    if n_subjects is not None:
        sizes.add(int(n_subjects))
    if len(sizes) > 1:
        raise ModelError(f"inconsistent numbers of subjects: {sorted(sizes)}")
    S = sizes.pop() if sizes else 1
    if S < 1:
        raise ModelError(f"the number of subjects must be at least 1, not {S}")
    check_limit("subjects", S, "subjects")
    if isinstance(regimen, Mapping):
        subjects = list(cov["subject"]) if "subject" in cov else list(regimen)
        if missing := [s for s in subjects if s not in regimen]:
            raise ModelError(
                f"no regimen for subject(s) {missing[:5]} in the regimen dict (keys "
                f"{list(regimen)[:5]}): key it by the values of the 'subject' column"
            )
        regimen = [regimen[s] for s in subjects]
    else:
        subjects = list(cov["subject"]) if "subject" in cov else list(range(1, S + 1))

    if params is not None:
        if variability is not None:
            raise ModelError("give either individual params or variability, not both")
        unknown = [
            c
            for c in params.columns
            if c not in model.params
            and c not in ("subject", "weight", "bsa")
            and c not in model.names
        ]
        if unknown:
            raise ModelError(
                f"params columns {unknown} are not parameters of {type(model).__name__}"
            )
        given = checked_params(model, params, subjects)
        P = individual_parameters(
            model.params, S, None, weight, allometry, ref_weight, model.per_kg, rng
        )
        for c, value in given.items():
            # the same weight scaling as the typical value, applied to the given value
            unit = individual_parameters(
                {c: 1.0},
                S,
                None,
                weight,
                {c: (allometry or {})[c]} if c in (allometry or {}) else None,
                ref_weight,
                (c,) if c in model.per_kg else (),
                rng,
            )[c]
            P[c] = unit * value
    else:
        P = individual_parameters(
            model.params,
            S,
            Variability.coerce(variability),
            weight,
            allometry,
            ref_weight,
            model.per_kg,
            rng,
        )
    ev = build_events(regimen, S, weight=weight, bsa=bsa, mw=mw, tlag=P.get("tlag"))
    return P, ev, subjects, weight, bsa


def simulate(
    model: PKModel,
    regimen: Regimen | str | Mapping,
    times,
    *,
    n_subjects: int | None = None,
    variability=None,
    params: pd.DataFrame | None = None,
    covariates: pd.DataFrame | Mapping | None = None,
    weight=None,
    bsa=None,
    mw: float | None = None,
    allometry: Mapping[str, float] | None = None,
    ref_weight: float = 70.0,
    residual=None,
    seed=None,
    conc_unit: str = "ng/mL",
    amounts: bool = False,
    method: str = "auto",
) -> SimulationResult:
    """Simulate concentration-time profiles for one subject or a population.

    Parameters
    ----------
    model : PKModel
        e.g. ``TwoCompartmentOral(cl="5 L/h", v1="20 L", q="3 L/h", v2="50 L", ka="1 1/h")``.
    regimen : Regimen, str or dict
        One regimen for everyone (text is parsed), or ``{subject: Regimen}``.
    times : array of h (or a pint quantity array)
    n_subjects : int, optional
        Number of virtual subjects (default: 1, or the rows of ``params``/``covariates``).
    variability : dict or Variability
        ``{"cl": 0.3, "v1": 0.3}`` = log-normal BSV with CV 30%; a ``Variability`` gives
        omegas and correlations.
    params : DataFrame, optional
        Individual parameters, one row per subject (columns named as the model's
        parameters, in the model's units; missing columns take the typical value).
        Optional ``subject``, ``weight`` and ``bsa`` columns.
    covariates : DataFrame or dict, optional
        ``weight`` (kg) and ``bsa`` (m2) per subject; ``weight=``/``bsa=`` are shortcuts.
    mw : float, optional
        Molecular weight (g/mol) for molar doses or a molar ``conc_unit``.
    allometry : dict, optional
        Exponents of body weight, e.g. ``{"cl": 0.75, "v1": 1.0}`` relative to ``ref_weight``.
    residual : dict or ResidualError, optional
        ``{"prop": 0.1, "add": 0.5}`` (add in ``conc_unit``).
    seed : int or numpy Generator
    amounts : bool
        Also return amounts per compartment (mg).
    method : {"auto", "numba", "numpy", "ode"}
    """
    from kinetor.errors import UnitError
    from kinetor.units import convert

    try:  # checked before the simulation: a molar unit needs the molecular weight
        factor = float(convert(1.0, "mg/L", conc_unit, mw=mw))
    except UnitError as exc:
        if mw is None and "molecular weight" in str(exc):
            raise UnitError(
                f"concentrations in {conc_unit!r} need the molecular weight: give --mw "
                "G_PER_MOL on the command line (mw=... g/mol in Python)"
            ) from None
        raise
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    t = _times(times)
    n = n_subjects if n_subjects is not None else (len(params) if params is not None else 1)
    check_limit("values", float(n) * t.size, "simulated values (subjects x times)")
    P, ev, subjects, weight, bsa = population(
        model,
        regimen,
        n_subjects=n_subjects,
        variability=variability,
        params=params,
        covariates=covariates,
        weight=weight,
        bsa=bsa,
        mw=mw,
        allometry=allometry,
        ref_weight=ref_weight,
        seed=rng,
    )
    S = len(subjects)
    outputs = tuple(model.outputs()) if amounts else ()
    conc, amts = predict(model, P, ev, t, outputs, method)
    ipred = conc
    if factor != 1.0:
        ipred *= factor  # in place: population outputs are large
    res = ResidualError.coerce(residual)
    obs = res.apply(ipred, rng) if res is not None else ipred
    free = ipred * P["fu"][:, None] if "fu" in P else None
    table = pd.DataFrame({"subject": subjects, **P})
    if weight is not None:
        table["weight"] = np.broadcast_to(np.asarray(weight, float), (S,))
    if bsa is not None:
        table["bsa"] = np.broadcast_to(np.asarray(bsa, float), (S,))
    return SimulationResult(
        times=t,
        conc=obs,
        ipred=ipred,
        params=table,
        conc_unit=conc_unit,
        amounts=amts if amounts else None,
        free=free,
        subjects=subjects,
        dose_times=ev.dose_time,
        _pre_dose=partial(pre_dose, model, P, ev, method, factor),
        _jumps=jump_times(ev),
    )
