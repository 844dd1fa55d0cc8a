"""Compartmental PK fitting: ``PKFitter`` (one profile or naive-pooled data) and ``fit_pk``.

``fit_pk(study, model)`` fits every subject of a ``kinetor.data.Study`` (``pooling=
"individual"``) or all subjects at once with shared parameters (``pooling="naive"``, for
sparse preclinical designs with one or two samples per animal). Doses in mg/kg give
parameters per kg (CL in L/h/kg, V in L/kg); doses in mg give L/h and L. With
extravascular doses only and ``f`` not estimated, CL and V are apparent (CL/F, V/F).

Initial estimates, when not given, come from quick non-compartmental numbers computed
here: terminal slope (log-linear regression on the last three positive points after
Tmax), AUC to infinity by the linear trapezoidal rule, CL = dose/AUC, V = CL/lambda_z,
ka from Tmax; several starting points are tried and the best is refined.

Examples
--------
>>> import numpy as np
>>> from kinetor.pk import OneCompartmentOral, Regimen, simulate
>>> t = np.array([0.25, 0.5, 1, 2, 4, 6, 8, 12, 24])
>>> sim = simulate(OneCompartmentOral(cl=2, v=20, ka=1.5), "100 mg PO single", t,
...                conc_unit="mg/L")
>>> fit = PKFitter(OneCompartmentOral, method="wls").fit(
...     t, sim.conc[0], data=Regimen.parse("100 mg PO single"))
>>> {k: round(float(v), 4) for k, v in fit.params_.items()}
{'cl': 2.0, 'v': 20.0, 'ka': 1.5}
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from kinetor.errors import DataError, ModelError, Problem
from kinetor.pk._initial import initial_estimates
from kinetor.pk.events import Events, build_events
from kinetor.pk.fitter import Fitter
from kinetor.pk.models import _KINDS, PKModel, model_class
from kinetor.pk.regimen import Regimen

__all__ = ["PKFitResult", "PKFitter", "fit_pk"]


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
        ka is not identifiable — plus ``tlag``/``f`` when given in ``init``).
    method, error, weighting, blq, init, fixed, ci_level
        See :class:`kinetor.pk.fitter.Fitter`.
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
    ):
        super().__init__(
            method=method,
            error=error,
            weighting=weighting,
            blq=blq,
            init=init,
            fixed=fixed,
            ci_level=ci_level,
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
            return tuple(self.estimate)
        names = list(cls.names)
        # ka is identifiable only from extravascular doses: an IV-only profile fitted with
        # an oral model keeps ka out of the estimation (it does not change predictions)
        if getattr(self, "_depot", True):
            names.append("ka")
        names += [p for p in ("tlag", "f") if p in self.init]
        return tuple(names)

    def fit(self, t, y, data=None, *, censored=None, lloq=None) -> PKFitter:
        d = _as_data(data, np.size(t))
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
        if not self.param_units:
            self.param_units = {k: u for k, u in self._instance.units().items()}
        return super().fit(t, y, d, censored=censored, lloq=lloq)

    # ------------------------------------------------------------ model
    def _predict(self, params, t, data):
        from kinetor.pk.simulate import predict

        d = _as_data(data, np.size(t))
        S = d.events.time.shape[0]
        full = {"f": 1.0, "tlag": 0.0, **self._typical, **params}
        P = {
            k: np.full(S, float(v))
            for k, v in full.items()
            if k in self._instance.params or k in ("f", "tlag", "ka")
        }
        ev = d.events
        if full.get("tlag", 0.0) > 0 and ev.has_depot:
            shifted = np.where(ev.kind == 1, ev.time + full["tlag"], ev.time)
            order = np.argsort(shifted, axis=1, kind="stable")
            tk = np.take_along_axis
            ev = replace(
                ev,
                time=tk(shifted, order, 1),
                weight=tk(ev.weight, order, 1),
                kind=tk(ev.kind, order, 1),
                ii=tk(ev.ii, order, 1),
            )
        t = np.asarray(t, float)
        grid, inv = np.unique(t, return_inverse=True)
        conc, _ = predict(self._instance, P, ev, grid)
        sub = d.subject_index if d.subject_index.size == t.size else np.zeros(t.size, int)
        return conc[sub, inv] * d.factor

    def _initial(self, t, y, data) -> list[dict[str, float]]:
        return initial_estimates(
            self._model()[0],
            np.asarray(t, float),
            np.asarray(y, float),
            _as_data(data, np.size(t)),
            self._names(),
        )


# ---------------------------------------------------------------- study level
@dataclass
class PKFitResult:
    """Fits of a study: long parameter table, predictions (GOF), statistics, fitters."""

    params: pd.DataFrame
    predictions: pd.DataFrame
    stats: pd.DataFrame
    fits: dict[str, PKFitter]
    notes: list[str] = field(default_factory=list)

    def to_wide(self) -> pd.DataFrame:
        """One row per subject, one column per parameter estimate."""
        return self.params.pivot(index="subject", columns="parameter", values="estimate")


def _study_tables(study, analyte):
    from kinetor.pk._grammar import dose_kind
    from kinetor.units import convert, parse_unit

    conc = study.conc_with_subjects()
    if analyte is None:
        if conc["analyte"].nunique() > 1:
            raise ModelError(f"several analytes {study.analytes}: choose one with analyte=...")
    else:
        conc = conc[conc["analyte"] == analyte]
    an = conc["analyte"].iloc[0] if len(conc) else ""
    conc = conc[conc["exclude"] == ""].copy()
    conc["t"] = conc["time"].fillna(conc["nominal_time"])
    conc = conc[conc["t"].notna() & (conc["conc"].notna() | conc["blq"])]
    bad = conc[conc["blq"] & conc["lloq"].isna()]
    if len(bad):
        raise DataError(
            [
                Problem(
                    "BLQ sample without an LLOQ",
                    file=study.source,
                    row=int(r),
                    column="lloq",
                    fix="give the LLOQ",
                )
                for r in bad["source_row"]
            ]
        )
    units = study.units
    tf = float(convert(1.0, units["time"], "h"))
    kind = dose_kind(parse_unit(units["dose"]))
    if kind not in ("mass", "mass/kg"):
        raise ModelError(f"fitting needs doses in mass or mass/kg units (got {units['dose']})")
    mw = study.mw.get(an)
    factor = float(convert(1.0, "mg/L", units["conc"], mw=mw))
    return conc, tf, factor, kind == "mass/kg"


def _param_units(cls: type[PKModel], per_kg: bool) -> dict[str, str]:
    out = {}
    for k in (*cls.names, *cls.optional):
        base, pk = _KINDS[cls.kinds.get(k) or cls.optional[k]]
        out[k] = pk if (per_kg and pk) else base
    return out


def fit_pk(
    study,
    model: Any,
    *,
    pooling: str = "individual",
    method: str = "ml",
    error: str = "proportional",
    weighting: str | None = None,
    blq: str = "m3",
    init: dict | None = None,
    fixed: dict | None = None,
    estimate: list[str] | None = None,
    analyte: str | None = None,
) -> PKFitResult:
    """Fit a compartmental model to a ``Study`` (see module docstring).

    Returns
    -------
    PKFitResult
        ``params`` (subject, parameter, estimate, se, rse_pct, ci_lower, ci_upper, unit),
        ``predictions`` (subject, time, dv, pred, ipred, res, wres, blq, lloq),
        ``stats`` (subject, n_obs, loglik, aic, bic, converged).
    """
    conc, tf, factor, per_kg = _study_tables(study, analyte)
    doses = study.doses
    subjects = list(pd.unique(conc["subject"]))
    no_dose = [s for s in subjects if s not in set(doses["subject"])]
    if no_dose:
        raise DataError(
            [
                Problem(
                    f"subject {s} has concentrations but no dose",
                    file=study.source,
                    column="subject",
                    fix="add its dose records",
                )
                for s in no_dose
            ]
        )
    cols = ["subject", "time", "dose", "route", "duration", "ss", "ii", "addl"]
    regs = Regimen.from_table(
        doses[doses["subject"].isin(subjects)][cols],
        unit=study.units["dose"],
        time_unit=study.units["time"],
    )
    cls = (
        model_class(model)
        if isinstance(model, str)
        else (type(model) if isinstance(model, PKModel) else model)
    )
    unit_of = _param_units(cls, per_kg)
    unit_of["conc"] = study.units["conc"]
    groups = [[s] for s in subjects] if pooling == "individual" else [subjects]
    if pooling not in ("individual", "naive"):
        raise ModelError("pooling must be 'individual' or 'naive'")
    rows, preds, stats, fits = [], [], [], {}
    for group in groups:
        sub = conc[conc["subject"].isin(group)]
        idx = pd.Categorical(sub["subject"], categories=group).codes.astype(int)
        reg_list = [regs[s] for s in group]
        ev = build_events(reg_list, len(group), weight=1.0 if per_kg else None)
        data = _PKData(ev, idx, factor, ev.dose_mg, reg_list[0].to_table()["route"].iloc[0])
        fitter = PKFitter(
            model,
            estimate=estimate,
            method=method,
            error=error,
            weighting=weighting,
            blq=blq,
            init=init,
            fixed=fixed,
            param_units=unit_of,
        )
        name = group[0] if pooling == "individual" else "pooled"
        fitter.fit(
            sub["t"].to_numpy(float) * tf,
            sub["conc"].to_numpy(float),
            data,
            censored=sub["blq"].to_numpy(bool),
            lloq=sub["lloq"].to_numpy(float),
        )
        fits[name] = fitter
        summ = fitter.summary.reset_index()
        summ.insert(0, "subject", name)
        rows.append(summ)
        g = fitter.gof_.copy()
        g.insert(0, "subject", sub["subject"].to_numpy())
        preds.append(g)
        stats.append(
            {
                "subject": name,
                "n_obs": fitter.n_obs_,
                "loglik": fitter.loglik_,
                "aic": fitter.aic_,
                "bic": fitter.bic_,
                "converged": fitter.converged_,
            }
        )
    notes = []
    if "f" not in (estimate or []) and (doses["route"] == "extravascular").all():
        notes.append("extravascular doses only: clearances and volumes are apparent (CL/F, V/F)")
    return PKFitResult(
        pd.concat(rows, ignore_index=True),
        pd.concat(preds, ignore_index=True),
        pd.DataFrame(stats),
        fits,
        notes,
    )
