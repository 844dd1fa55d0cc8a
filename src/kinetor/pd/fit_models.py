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

from typing import Any, Literal

import numpy as np

from kinetor.errors import ModelError
from kinetor.pd import growth
from kinetor.pd._biomarker import BIOMARKER_MODELS, BiomarkerFitter, fit_biomarker
from kinetor.pd._design import (
    _Design,
    _DesignFitter,
    _step_budget,
    check_growing,
    estimation_groups,
    exposure_labels,
    name_failed,
)
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


# volumes: read_volumes converts every volume to mm^3 (the unit of the fitted table);
# "conc unit" is replaced by the exposure table's concentration unit when it gives one
_TUMOR_UNITS = {
    "v0": "mm^3",
    "vmax": "mm^3",
    "kg": "1/day",
    "l0": "1/day",
    "k1": "1/day",
    "kl": "mm^3/day",
    "l1": "mm^3/day",
    "k2": "1/(conc unit*day)",
}

_NO_CONC_UNIT = (
    "the exposure concentration had no unit (header such as 'conc (ng/mL)' or a unit "
    "column): k2 is per the exposure's own concentration unit, labelled "
    "'1/(conc unit*day)'"
)


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
        # tumour data: time in days (the `day` column), volumes in mm^3 (read_volumes
        # converts), concentrations in the exposure's unit
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
        groups = estimation_groups(df, by)
        animal = df["animal"].to_numpy(dtype=str)
        labels = exposure_labels(df, np.unique(animal), exposure)
        where = {"rows": df["source_row"], "file": df.attrs.get("kinetor_file"), "column": "day"}
        design = f._design(animal, df["day"].to_numpy(float), groups, exposure, labels, where)
        t, y = df["day"].to_numpy(float), df["volume"].to_numpy(float)
        src = {
            "rows": df["source_row"],
            "file": df.attrs.get("kinetor_file"),
            "columns": ("day", "volume"),
        }
        f.fit(t, y, design, groups=groups, lloq=lloq, source=src)
        if "conc unit" in f.param_units.get("k2", ""):
            f.data_notes_ = [_NO_CONC_UNIT]  # printed by `kinetor pd fit`
        f.observations_ = df.assign(predicted=f.fitted_, residual=f.residuals_)
        return f
    if model not in BIOMARKER_MODELS:
        raise ModelError(
            f"unknown model {model!r}: tumour {sorted(TUMOR_MODELS)}, "
            f"biomarker {sorted(BIOMARKER_MODELS)}"
        )
    return fit_biomarker(
        data, model, exposure=exposure, by=by, error=error, init=init, fixed=fixed, lloq=lloq
    )
