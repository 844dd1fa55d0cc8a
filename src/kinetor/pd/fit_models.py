"""Fitters for tumour-volume and biomarker data, and :func:`fit_pd`.

* :class:`TumorFitter` -- any tumour model of :mod:`kinetor.pd.tumor` fitted to a tidy
  volume table (``animal, group, day, volume``), the drug effect driven by an exposure
  table (``animal`` or ``group``, ``time``/``day``, ``conc``) interpolated linearly.
* :class:`BiomarkerFitter` -- direct models (Emax, sigmoid Emax, Imax) on paired
  concentration/response data; indirect response I-IV and effect-compartment Emax on
  response-time data with an exposure table.

Estimation groups (``by``): ``"pooled"`` (one parameter set), ``"group"`` (one per
treatment group) or ``"animal"`` (one per animal, all fitted at once by the vectorised
base class :class:`kinetor.pd.fit.PDFitter`). Animals (or groups) missing from the
exposure table receive no drug (c = 0; listed in ``no_exposure_``).

Examples
--------
>>> import numpy as np, pandas as pd
>>> c = np.array([0.0, 1.0, 3.0, 10.0, 30.0, 100.0])
>>> data = pd.DataFrame({"animal": "a", "conc": c,
...                      "value": 5.0 + 80.0 * c / (10.0 + c)})
>>> f = fit_pd(data, "emax")
>>> f.params_.round(4).to_dict("records")
[{'e0': 5.0, 'emax': 80.0, 'ec50': 10.0}]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import numpy as np
import pandas as pd

from kinetor.errors import DataError, ModelError, Problem
from kinetor.pd import direct, effect, growth, idr
from kinetor.pd._checks import check_paired_conc
from kinetor.pd._design import _Design, _DesignFitter, _step_budget, check_growing, name_failed
from kinetor.pd.fit import PDFitter
from kinetor.pd.volumes import ensure_volumes

__all__ = ["BIOMARKER_MODELS", "TUMOR_MODELS", "BiomarkerFitter", "TumorFitter", "fit_pd"]


TUMOR_MODELS = {
    "exponential": (growth.ExponentialGrowth, ("v0", "kg")),
    "linear": (growth.LinearGrowth, ("v0", "kl")),
    "exponential_linear": (growth.ExponentialLinearGrowth, ("v0", "l0", "l1")),
    "gompertz": (growth.GompertzGrowth, ("v0", "kg", "vmax")),
    "logistic": (growth.LogisticGrowth, ("v0", "kg", "vmax")),
    "simeoni": (growth.Simeoni, ("v0", "l0", "l1", "k1", "k2")),
}
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


_TUMOR_UNITS = {
    "v0": "volume unit",
    "vmax": "volume unit",
    "kg": "1/day",
    "l0": "1/day",
    "k1": "1/day",
    "kl": "volume unit/day",
    "l1": "volume unit/day",
    "k2": "1/(conc unit*day)",
}


class TumorFitter(_DesignFitter):
    """Fit a tumour growth (inhibition) model to tumour volumes.

    Parameters
    ----------
    model : str
        One of ``TUMOR_MODELS``. With exposure, non-Simeoni models gain a kill ``k2``
        (and ``k1`` if ``n_transit > 0``).
    error : str
        Error model (default ``"log"``: log-normal volumes).
    init, fixed : dict, optional
        Initial / fixed values.
    n_transit : int, optional
        Transit compartments (Simeoni default 3, others 0).
    """

    positive = frozenset({"v0", "kg", "kl", "l0", "l1", "k1", "k2", "vmax"})

    def __init__(
        self,
        model: str = "simeoni",
        error: str = "log",
        init=None,
        fixed=None,
        n_transit: int | None = None,
        with_drug: bool = True,
    ):
        super().__init__(error=error, init=init, fixed=fixed)
        if model not in TUMOR_MODELS:
            raise ModelError(f"unknown tumour model {model!r}: use one of {sorted(TUMOR_MODELS)}")
        self.model = model
        self.n_transit = (3 if model == "simeoni" else 0) if n_transit is None else n_transit
        names = list(TUMOR_MODELS[model][1])
        if with_drug and model != "simeoni":
            names += ["k2"] + (["k1"] if self.n_transit > 0 else [])
        if not with_drug and model == "simeoni":
            raise ModelError("the Simeoni model needs an exposure (k1, k2 describe the drug)")
        self.param_names = tuple(names)
        # tumour data: time in days (the `day` column); volumes and concentrations in the
        # data's own units, named as such
        self.param_units = {k: _TUMOR_UNITS[k] for k in names}

    def _build(self, params: dict[str, np.ndarray], unit_group: np.ndarray):
        cls = TUMOR_MODELS[self.model][0]
        kw = {k: np.asarray(v)[unit_group] for k, v in params.items()}
        if self.model == "simeoni":
            return cls(**kw, n_transit=self.n_transit)
        return cls(**kw, n_transit=self.n_transit) if "k2" in kw else cls(**kw)

    def _predict(self, params, t, data: _Design):
        m = self._build(params, data.unit_group)
        budget = _step_budget(data)
        try:
            sim = m.simulate(
                data.times,
                grid=data.grid,
                conc=data.conc,
                t0=data.t0,
                rtol=1e-7,
                max_steps=budget,
            )
        except ModelError as exc:
            raise name_failed(exc, data) from None
        return sim.volume[data.unit_of_obs, data.time_index]

    def _initial(self, t, y, data: _Design):
        if self.model == "exponential" and "k2" not in self.param_names:
            check_growing(t, y, self.groups_[self._gidx], self.model)  # kg > 0: fail fast
        first = y[data.time_index == 0]
        v0 = float(np.median(first)) if first.size else float(np.min(y))
        pos = y > 0
        slope = np.polyfit(t[pos], np.log(y[pos]), 1)[0] if pos.sum() > 1 else 0.1
        kg = max(float(slope), 0.02)
        vmax = 2.0 * float(np.max(y))
        cmean = (
            float(np.mean(data.conc[data.conc > 0]))
            if data.conc is not None and np.any(data.conc > 0)
            else 1.0
        )
        return {
            "v0": v0,
            "kg": kg,
            "kl": max(float(np.ptp(y)) / max(np.ptp(t), 1e-9), 1e-6),
            "l0": kg,
            "l1": kg * float(np.max(y)) / 2.0,
            "vmax": vmax,
            "k1": 1.0,
            "k2": kg / cmean,
        }


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


def _groups(df: pd.DataFrame, by: str) -> np.ndarray:
    if by == "pooled":
        return np.full(len(df), "pooled", dtype=object)
    if by not in ("animal", "group"):
        raise ModelError("by must be 'pooled', 'group' or 'animal'")
    if by not in df.columns:
        raise DataError(Problem(f"no '{by}' column to fit by {by}", column=by))
    return df[by].astype("string").to_numpy()


def fit_pd(
    data,
    model: str,
    *,
    exposure=None,
    by: Literal["pooled", "group", "animal"] = "pooled",
    error: str | None = None,
    init: dict[str, Any] | None = None,
    fixed: dict[str, Any] | None = None,
    lloq=None,
    n_transit: int | None = None,
) -> PDFitter:
    """Fit a PD or tumour model to tidy data; returns the fitted fitter.

    Parameters
    ----------
    data : DataFrame or path
        Tumour models: volumes (``animal, group, day, volume``). Biomarker models:
        ``animal`` (or ``subject``), ``time``, ``value``, plus ``conc`` for direct models,
        optional ``lloq``.
    model : str
        A key of ``TUMOR_MODELS`` or ``BIOMARKER_MODELS``.
    exposure : DataFrame, optional
        ``animal`` or ``group``, ``time`` (or ``day``), ``conc`` (time units of the data).
    by : {"pooled", "group", "animal"}
        Estimation groups.
    error : str, optional
        Error model; default ``"log"`` for tumour models, ``"additive"`` otherwise.
    init, fixed : dict, optional
        Initial / fixed values (``hill`` of biomarker models is estimated unless fixed).
    lloq : float or array, optional
        Limit of quantification for M3 censoring (or a ``lloq`` column in ``data``).
    """
    if model in TUMOR_MODELS:
        df = ensure_volumes(data)
        df = df[df["volume"].notna()].reset_index(drop=True)
        f = TumorFitter(
            model,
            error=error or "log",
            init=init,
            fixed=fixed,
            n_transit=n_transit,
            with_drug=exposure is not None,
        )
        groups = _groups(df, by)
        units = np.unique(df["animal"].to_numpy(dtype=str))
        labels = pd.Series(units)
        if exposure is not None and "animal" not in pd.DataFrame(exposure).columns:
            # exposure given per treatment group: each animal takes its group's course
            grp = df.drop_duplicates("animal")
            labels = pd.Series(
                grp["group"].to_numpy(dtype=str), index=grp["animal"].to_numpy(dtype=str)
            ).reindex(units)
            labels = labels.reset_index(drop=True)
        design = f._design(
            df["animal"].to_numpy(dtype=str), df["day"].to_numpy(float), groups, exposure, labels
        )
        t, y = df["day"].to_numpy(float), df["volume"].to_numpy(float)
        src = {
            "rows": df["source_row"],
            "file": df.attrs.get("kinetor_file"),
            "columns": ("day", "volume"),
        }
        f.fit(t, y, design, groups=groups, lloq=lloq, source=src)
        f.observations_ = df.assign(predicted=f.fitted_, residual=f.residuals_)
        return f
    if model not in BIOMARKER_MODELS:
        raise ModelError(
            f"unknown model {model!r}: tumour {sorted(TUMOR_MODELS)}, "
            f"biomarker {sorted(BIOMARKER_MODELS)}"
        )
    attrs = dict(getattr(data, "attrs", {}))
    df = pd.DataFrame(data).rename(columns={"subject": "animal"}).reset_index(drop=True)
    df.attrs = attrs
    if "animal" not in df.columns:
        df["animal"] = "1"
    direct_model = model in ("emax", "sigmoid_emax", "imax")
    need = ["value"] + (["conc"] if direct_model else ["time"])
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise DataError([Problem(f"no '{c}' column", column=c) for c in missing])
    if not direct_model and exposure is None:
        raise ModelError(f"model {model!r} needs an exposure time course (exposure=...)")
    if df.empty:
        raise DataError(Problem("the data have no rows", fix="give one row per observation"))
    if direct_model:
        check_paired_conc(df)
    f = _fit_biomarker(df, model, direct_model, exposure, by, error, init, fixed, lloq)
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
    return f


def _fit_biomarker(
    df, model, direct_model, exposure, by, error, init, fixed, lloq, single_start=False
):
    f = BiomarkerFitter(model, error=error or "additive", init=init, fixed=fixed)
    if single_start:
        f.n_starts, f.n_random = 1, 0
    groups = _groups(df, by)
    tcol = "time" if "time" in df.columns else "conc"
    t = df[tcol].to_numpy(float)
    if direct_model:
        bdata = _BioData(df["conc"].to_numpy(float), None)
    else:
        bdata = _BioData(None, f._design(df["animal"].astype(str).to_numpy(), t, groups, exposure))
    lq = df["lloq"].to_numpy(float) if lloq is None and "lloq" in df.columns else lloq
    rows = df["source_row"] if "source_row" in df.columns else None
    src = {"rows": rows, "file": df.attrs.get("kinetor_file"), "columns": (tcol, "value")}
    f.fit(t, df["value"].to_numpy(float), bdata, groups=groups, lloq=lq, source=src)
    f.observations_ = df.assign(predicted=f.fitted_, residual=f.residuals_)
    return f
