"""The biomarker fitter of :func:`kinetor.pd.fit_pd` (direct, indirect-response and
effect-compartment models); see :mod:`kinetor.pd.fit_models`.

Parameter units (the ``unit`` column of the summary) come from the data's headers and the
exposure table: potencies (``ec50``, ``ic50``) in the concentration unit (the data's
``conc (nM)`` for direct models, the exposure's for the others), rate constants
(``kout``, ``ke0``) per time unit of the data (or of the exposure when the data name none),
baselines and maximal effects (``e0``, ``emax`` of direct models, ``r0``) in the response's
unit (``value (%)``); a unit no header gives is named by a placeholder (``conc unit``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from kinetor.errors import ModelError
from kinetor.pd import direct, effect, idr
from kinetor.pd._bio_table import DIRECT_MODELS, prepare_biomarker
from kinetor.pd._checks import check_paired_conc
from kinetor.pd._design import (
    _Design,
    _DesignFitter,
    _step_budget,
    estimation_groups,
    exposure_labels,
    name_failed,
)

__all__ = ["BIOMARKER_MODELS", "BiomarkerFitter", "fit_biomarker"]

_IDR = {
    "idr1": idr.IndirectResponseI,
    "idr2": idr.IndirectResponseII,
    "idr3": idr.IndirectResponseIII,
    "idr4": idr.IndirectResponseIV,
}
BIOMARKER_MODELS = {
    "emax": ("e0", "emax", "ec50"),
    "sigmoid_emax": ("e0", "emax", "ec50", "hill"),
    "imax": ("e0", "imax", "ic50", "hill"),
    "idr1": ("r0", "kout", "imax", "ic50", "hill"),
    "idr2": ("r0", "kout", "imax", "ic50", "hill"),
    "idr3": ("r0", "kout", "emax", "ec50", "hill"),
    "idr4": ("r0", "kout", "emax", "ec50", "hill"),
    "effect_emax": ("ke0", "e0", "emax", "ec50", "hill"),
}

_UNITS = {
    "e0": "response unit",
    "emax": "response unit",
    "r0": "response unit",
    "ec50": "conc unit",
    "ic50": "conc unit",
    "kout": "1/time unit",
    "ke0": "1/time unit",
    "imax": "1",
    "hill": "1",
}


def _param_units(model: str, units: dict[str, str]) -> dict[str, str]:
    """The unit of each parameter of ``model``, the placeholders replaced by the units the
    data's headers give (``units``: time, conc, value)."""
    out = {}
    for p in BIOMARKER_MODELS[model]:
        u = "1" if p == "emax" and model in ("idr3", "idr4") else _UNITS[p]
        for holder, key in (("response unit", "value"), ("time unit", "time")):
            u = u.replace(holder, units.get(key, holder))
        if model in DIRECT_MODELS and "conc" in units:
            u = u.replace("conc unit", units["conc"])
        out[p] = u
    return out


class BiomarkerFitter(_DesignFitter):
    """Fit an exposure-response model to biomarker data (see ``BIOMARKER_MODELS``).

    Direct models (``emax``, ``sigmoid_emax``, ``imax``) take the concentration paired
    with each observation; ``idr1``-``idr4`` and ``effect_emax`` integrate an exposure
    time course (baseline ``r0`` = kin/kout, so ``kin = r0 * kout``).
    """

    bounds: ClassVar[dict[str, tuple[float, float]]] = {"imax": (0.0, 1.0)}

    def __init__(self, model: str = "sigmoid_emax", error: str = "additive", init=None, fixed=None):
        super().__init__(error=error, init=init, fixed=fixed)
        if model not in BIOMARKER_MODELS:
            raise ModelError(
                f"unknown biomarker model {model!r}: use one of {sorted(BIOMARKER_MODELS)}"
            )
        self.model = model
        self.param_names = BIOMARKER_MODELS[model]
        self.positive = frozenset(set(self.param_names) - {"e0", "emax"}) | (
            {"emax"} if model in ("idr3", "idr4") else set()
        )
        self.param_units = _param_units(model, {})

    def _predict(self, params, t, data):
        if self.model in ("emax", "sigmoid_emax", "imax"):
            p = self.per_observation(params)
            cls = {"emax": direct.Emax, "sigmoid_emax": direct.SigmoidEmax, "imax": direct.Imax}[
                self.model
            ]
            # one model per observation: parameters broadcast with the concentrations
            return np.asarray(
                cls(**{k: v for k, v in p.items()}).predict(np.asarray(data.conc_obs)[:, None])
            )[:, 0]
        d: _Design = data.design
        p = {k: np.asarray(v)[d.unit_group] for k, v in params.items()}
        if self.model == "effect_emax":
            ce = effect.effect_site(d.grid, d.conc, p["ke0"], t_out=d.times)
            ce = np.atleast_2d(ce)
            c_obs = ce[d.unit_of_obs, d.time_index]
            po = {k: v[d.unit_of_obs] for k, v in p.items()}
            return po["e0"] + po["emax"] * direct.hill_fraction(c_obs, po["ec50"], po["hill"])
        cls = _IDR[self.model]
        cap, c50 = cls._cap, cls._c50
        m = cls(
            kin=p["r0"] * p["kout"], kout=p["kout"], hill=p["hill"], **{cap: p[cap], c50: p[c50]}
        )
        try:
            r = m.simulate(
                d.times, grid=d.grid, conc=d.conc, t0=d.t0, rtol=1e-7, max_steps=_step_budget(d)
            )
        except ModelError as exc:
            raise name_failed(exc, d) from None
        return r[d.unit_of_obs, d.time_index]

    def _initial(self, t, y, data):
        direct_model = data.conc_obs is not None
        conc = np.asarray(data.conc_obs if direct_model else data.design.conc, float).ravel()
        cpos = conc[conc > 0]
        c50 = float(np.median(cpos)) if cpos.size else 1.0
        span = float(np.ptp(y)) or max(float(np.max(np.abs(y))), 1.0)
        if direct_model:
            base = float(np.mean(y[conc == conc.min()]))
            rising = np.corrcoef(conc, y)[0, 1] >= 0 if np.ptp(conc) > 0 and np.ptp(y) > 0 else True
        else:
            base = float(np.mean(y[t == t.min()]))
            rising = True
        return {
            "e0": base,
            "emax": span if rising else -span,
            "ec50": c50,
            "ic50": c50,
            "hill": 1.0,
            "imax": 0.8,
            "r0": max(base, 1e-6),
            "kout": 5.0 / max(float(np.ptp(t)), 1e-9),
            "ke0": 1.0,
        }


@dataclass
class _BioData:
    conc_obs: np.ndarray | None
    design: _Design | None


def fit_biomarker(data, model, *, exposure, by, error, init, fixed, lloq):
    """:func:`kinetor.pd.fit_pd` for a biomarker model (see there)."""
    df, notes = prepare_biomarker(data, model, lloq)
    direct_model = model in DIRECT_MODELS
    if not direct_model and exposure is None:
        raise ModelError(f"model {model!r} needs an exposure time course (exposure=...)")
    if direct_model:
        check_paired_conc(df)
    f = _fit_biomarker(df, model, direct_model, exposure, by, error, init, fixed, lloq)
    f.data_notes_ = notes
    from kinetor.pd._identify import conc_range, hill_profile_check

    # an ODE model's refits start from the estimates only (one start: each costs ODE solves)
    hill_profile_check(
        f,
        lambda hill, start: _fit_biomarker(
            df,
            model,
            direct_model,
            exposure,
            by,
            error,
            start,
            {**(fixed or {}), "hill": hill},
            lloq,
            single_start=not direct_model,
        ),
        conc_range(df["conc"] if direct_model else exposure),
    )
    from kinetor.pd._profile import PROFILED_RATES, rate_profile

    for name in (n for n in PROFILED_RATES if n in f.param_names):
        held = dict(fixed or {})  # the others, hill included, are re-estimated
        rate_profile(
            f,
            name,
            lambda v, start, name=name, held=held: _fit_biomarker(
                df,
                model,
                direct_model,
                exposure,
                by,
                error,
                {k: x for k, x in start.items() if k not in held},
                {**held, name: v},
                lloq,
                single_start=True,
            ),
        )
    return f


def _fit_biomarker(
    df, model, direct_model, exposure, by, error, init, fixed, lloq, single_start=False
):
    f = BiomarkerFitter(model, error=error or "additive", init=init, fixed=fixed)
    if single_start:
        f.n_starts, f.n_random = 1, 0
    units = df.attrs.get("kinetor_units", {})
    f.param_units = _param_units(model, units)
    groups = estimation_groups(df, by)
    tcol = "time" if "time" in df.columns else "conc"
    t = df[tcol].to_numpy(float)
    rows = df["source_row"] if "source_row" in df.columns else None
    file = df.attrs.get("kinetor_file")
    if direct_model:
        bdata = _BioData(df["conc"].to_numpy(float), None)
    else:
        animal = df["animal"].astype(str).to_numpy()
        labels = exposure_labels(df, np.unique(animal), exposure)
        where = {"rows": rows, "file": file, "column": "time"}
        design = f._design(animal, t, groups, exposure, labels, where, units.get("time"))
        bdata = _BioData(None, design)
    lq = (
        pd.to_numeric(df["lloq"], errors="coerce").to_numpy(float)
        if (lloq is None and "lloq" in df.columns)
        else lloq
    )
    src = {"rows": rows, "file": file, "columns": (tcol, "value")}
    f.fit(t, df["value"].to_numpy(float), bdata, groups=groups, lloq=lq, source=src)
    f.observations_ = df.assign(predicted=f.fitted_, residual=f.residuals_)
    return f
