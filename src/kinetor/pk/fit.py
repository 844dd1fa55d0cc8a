"""Study-level compartmental fitting: ``fit_pk`` and its ``PKFitResult``.

``fit_pk(study, model)`` fits every subject of a ``kinetor.data.Study`` (``pooling=
"individual"``, one parameter set per subject, all subjects of a design fitted at once)
or all subjects with shared parameters (``pooling="naive"``, for sparse preclinical
designs with one or two samples per animal). Doses in mg/kg give parameters per kg (CL in
L/h/kg, V in L/kg); doses in mg give L/h and L. With extravascular doses only and ``f``
not estimated, CL and V are apparent (CL/F, V/F).

Pre-dose samples (at or before a subject's first dose: a t = 0 sample taken just before
dosing, or carry-over from earlier dosing) cannot be predicted by a model that starts
from zero: ``predose="exclude"`` (default) leaves them out, ``"baseline"`` subtracts each
subject's mean pre-dose concentration from its later samples (an endogenous or
carried-over baseline held constant). Either way they are flagged in the ``predose``
column of the predictions and counted in the statistics; nothing is dropped silently.
Samples the study excludes (no concentration value, no time...) are not fitted but stay
in the predictions, with NaN predictions and the reason in the ``exclude`` column.

Initial estimates, when not given, come from non-compartmental numbers per subject
(:mod:`kinetor.pk._initial`) with multi-start; every table carries ``converged`` and
``reason`` (:mod:`kinetor.numerics.diagnostics`). A subject that cannot be fitted at all
(every sample BLQ, or fewer observations than parameters) is reported not converged with
NaN estimates and the reason; the others are fitted without it, as if it were absent.

Examples
--------
>>> import pandas as pd
>>> from kinetor.data import Study
>>> conc = pd.DataFrame({"subject": "a", "time": [0.0, 0.5, 1, 2, 4, 8, 12, 24],
...                      "conc": [0.2, 5.2, 7.6, 8.4, 6.6, 3.9, 2.1, 0.45]})
>>> doses = pd.DataFrame({"subject": ["a"], "time": [0.0], "dose": [100.0],
...                       "route": ["extravascular"]})
>>> st = Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"})
>>> res = fit_pk(st, "1cmt-oral")
>>> res.stats[["subject", "n_obs", "n_predose", "converged"]].to_dict("records")
[{'subject': 'a', 'n_obs': 7, 'n_predose': 1, 'converged': True}]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from kinetor.data._checks import require_study
from kinetor.data._resets import dose_until
from kinetor.errors import DataError, ModelError, Problem
from kinetor.pk._initial import not_fitted_rows, predose_rule, unfitted_reasons, unfitted_rows
from kinetor.pk.events import build_events
from kinetor.pk.fitter import PKFitter, _PKData
from kinetor.pk.models import _KINDS, PKModel, model_class
from kinetor.pk.regimen import Regimen

__all__ = ["PKFitResult", "fit_parameters", "fit_pk"]


@dataclass
class PKFitResult:
    """Fits of a study: parameter table, predictions (GOF), statistics, fitters.

    ``params`` (subject, parameter, estimate, se, rse_pct, ci_lower, ci_upper, unit,
    fixed, converged, reason), ``predictions`` (subject, time, dv, pred, ipred, res, wres,
    blq, lloq, predose, baseline, exclude: why the study excluded a sample, else "",
    converged: that of the row's fit), ``stats`` (subject, n_obs, n_predose, loglik, aic,
    bic, converged, reason); ``fits`` maps each fitted subject (or ``"pooled"``) to the
    fitter that holds it (subjects of one design share one vectorised fitter; a subject
    not fitted has none).
    """

    params: pd.DataFrame
    predictions: pd.DataFrame
    stats: pd.DataFrame
    fits: dict[str, PKFitter]
    notes: list[str] = field(default_factory=list)

    def to_wide(self) -> pd.DataFrame:
        """One row per subject, one column per parameter estimate, plus ``converged`` and
        ``reason``."""
        wide = self.params.pivot(index="subject", columns="parameter", values="estimate")
        st = self.stats.set_index("subject").reindex(wide.index)
        return wide.assign(converged=st["converged"].to_numpy(), reason=st["reason"].to_numpy())

    @property
    def n_failed(self) -> int:
        """Number of fits that did not converge."""
        return int((~self.stats["converged"].astype(bool)).sum())


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
    conc = conc.copy()
    conc["t"] = conc["time"].fillna(conc["nominal_time"])
    # rows the fit cannot use stay in the predictions with their reason (never dropped)
    no_conc = conc["conc"].isna() & ~conc["blq"].astype(bool)
    why = np.where(
        conc["exclude"] != "",
        conc["exclude"],
        np.where(conc["t"].isna(), "no time", np.where(no_conc, "no concentration value", "")),
    )
    excluded = conc[why != ""].assign(exclude=why[why != ""])
    conc = conc[why == ""]
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
    return conc, tf, factor, kind == "mass/kg", excluded


def _param_units(cls: type[PKModel], per_kg: bool) -> dict[str, str]:
    out = {}
    for k in (*cls.names, *cls.optional):
        base, pk = _KINDS[cls.kinds.get(k) or cls.optional[k]]
        out[k] = pk if (per_kg and pk) else base
    return out


def fit_parameters(cls: type[PKModel]) -> tuple[str, ...]:
    """The parameters a fit of ``cls`` can estimate or hold fixed: the structural ones,
    then the optional ones (``ka``, ``f``, ``tlag``...) except ``fu``, which does not
    change the total concentration."""
    return (*cls.names, *[k for k in cls.optional if k != "fu"])


def _oral_hint(name: str) -> str:
    key = str(name).lower()
    return f" ({key}-oral)" if key in ("1cmt", "2cmt", "3cmt", "mm") else ""


def _check_names(cls, init, fixed, estimate):
    """Names in ``estimate``, ``init`` and ``fixed`` must be parameters of the model and
    their values > 0 (``f`` at most 1). Initial values of parameters left out of
    ``estimate`` hold them fixed at that value."""
    allowed = fit_parameters(cls)
    init, fixed = dict(init or {}), dict(fixed or {})
    cli = {"estimate": " (--estimate on the command line)", "init": " (--init on the command line)"}
    for what, names in (("estimate", estimate or []), ("init", init), ("fixed", fixed)):
        unknown = [k for k in names if k not in allowed]
        if unknown:
            raise ModelError(
                f"unknown parameter(s) {', '.join(map(repr, unknown))} in {what}="
                f"{cli.get(what, '')}: {cls.__name__} has {', '.join(allowed)}"
            )
    for what, values in (("init", init), ("fixed", fixed)):
        for k, v in values.items():
            x = np.asarray(v, float)
            if not (np.all(np.isfinite(x)) and np.all(x > 0)) or (k == "f" and np.any(x > 1)):
                raise ModelError(
                    f"{what} {k}={v}{cli.get(what, '')}: "
                    + ("f must be in (0, 1]" if k == "f" else f"{k} must be a number > 0")
                )
    if estimate is not None:
        estimate = list(estimate)
        fixed.update({k: v for k, v in init.items() if k not in estimate})
        init = {k: v for k, v in init.items() if k in estimate}
    return init or None, fixed or None, estimate


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
    predose: Literal["exclude", "baseline"] = "exclude",
    n_starts: int = 3,
    seed=0,
) -> PKFitResult:
    """Fit a compartmental model to a ``Study`` (see module docstring).

    Parameters
    ----------
    study : Study
    model : PKModel class, instance or short name (``"1cmt-oral"``)
    pooling : {"individual", "naive"}
    method, error, weighting, blq, init, fixed, estimate
        See :class:`kinetor.pk.fitter.PKFitter`. ``method="wls"`` with ``weighting=None``
        weights 1/pred² (reweighted) under ``error="proportional"``, else uniformly.
    analyte : str, optional
        Required when the study has several analytes.
    predose : {"exclude", "baseline"}
        Pre-dose samples: left out, or their mean subtracted as a baseline. ``"baseline"``
        is refused (``DataError``) for a subject whose first dose is a steady-state dose:
        its pre-dose sample is the drug's own trough, which the model predicts.
    n_starts, seed
        Multi-start runs and the seed of the random starts.

    Returns
    -------
    PKFitResult
    """
    require_study(study, "fit_pk")
    if pooling not in ("individual", "naive"):
        raise ModelError("pooling must be 'individual' or 'naive'")
    cls = (
        model_class(model)
        if isinstance(model, str)
        else (type(model) if isinstance(model, PKModel) else model)
    )
    init, fixed, estimate = _check_names(cls, init, fixed, estimate)
    if predose not in ("exclude", "baseline"):
        raise ModelError("predose must be 'exclude' or 'baseline'")
    conc, tf, factor, per_kg, excluded = _study_tables(study, analyte)
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
    dsub = doses[doses["subject"].isin(subjects)]
    # NONMEM resets (EVID 3/4, SS = 1): each dose acts before its ``until`` only; a dose
    # at the time of a reset recorded after it never acts
    until = dose_until(dsub)
    dsub = dsub.assign(until=until)[dsub["time"].to_numpy(float) < until]
    cols.append("until")
    regs = Regimen.from_table(dsub[cols], unit=study.units["dose"], time_unit=study.units["time"])
    first = dsub.groupby("subject")["time"].min()
    ss = pd.to_numeric(dsub["ss"], errors="coerce").fillna(0).to_numpy(float)
    at_first = dsub["time"].to_numpy(float) == dsub["subject"].map(first).to_numpy(float)
    steady = set(dsub["subject"][(ss != 0) & at_first])  # the model predicts their pre-dose
    conc = predose_rule(conc, first, predose, steady, study.source)
    unit_of = _param_units(cls, per_kg)
    unit_of["conc"] = study.units["conc"]
    # subjects fitted together share a design: same estimated parameters (IV-only
    # subjects do not estimate ka); each design is one vectorised fit
    w = 1.0 if per_kg else None
    depot = {s: bool(build_events([regs[s]], 1, weight=w).has_depot) for s in subjects}
    given_ka = isinstance(model, PKModel) and "ka" in model.params
    if subjects and all(depot.values()) and not cls.requires_ka and not given_ka:
        name = model if isinstance(model, str) else cls.__name__
        raise ModelError(
            f"model {name} has no absorption but the data has extravascular doses only: "
            f"use an '-oral' model{_oral_hint(name)}"
        )
    held = set(estimate or []) | set(fixed or {})
    if estimate is not None and any(depot.values()) and "ka" not in held and not given_ka:
        raise ModelError(
            "the data has extravascular doses but ka is neither estimated nor fixed: add "
            "ka to estimate= (--estimate ka), or hold it fixed with init={'ka': VALUE} "
            "(--init ka=VALUE)"
        )
    pooled = pooling == "naive"
    designs = [subjects] if pooled else [[s for s in subjects if depot[s] == d] for d in (1, 0)]
    rows, preds, stats, fits, not_run = [], [], [], {}, []
    for group in [g for g in designs if g]:
        sub = conc[conc["subject"].isin(group)]
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
            n_starts=n_starts,
            seed=seed,
        )
        # subjects that cannot be fitted are reported and left out: the others are fitted
        # as if they were absent (the design's parameters are known before the fit)
        fitter._depot = any(depot[s] for s in group)
        names = fitter._names()
        post = sub[~sub["predose"]]
        why = unfitted_reasons(
            ["pooled"] if pooled else group,
            np.full(len(post), "pooled") if pooled else post["subject"].to_numpy(),
            post["blq"].to_numpy(bool),
            [k for k in names if k not in fitter.fixed],
            method == "wls" or blq == "drop",
            pooled,
        )
        if why:
            p_nf, s_nf, g_nf = not_fitted_rows(why, sub, names, fitter, tf, pooled)
            rows.append(p_nf)
            stats += s_nf
            not_run += g_nf
        group = [] if "pooled" in why else [s for s in group if s not in why]
        if not group:
            continue
        sub = sub[sub["subject"].isin(group)]
        fit_rows = sub[~sub["predose"]]
        idx = pd.Categorical(fit_rows["subject"], categories=group).codes.astype(int)
        reg_list = [regs[s] for s in group]
        ev = build_events(reg_list, len(group), weight=1.0 if per_kg else None)
        data = _PKData(ev, idx, factor, ev.dose_mg, reg_list[0].to_table()["route"].iloc[0])
        y = fit_rows["conc"].to_numpy(float) - fit_rows["baseline"].to_numpy(float)
        fitter.fit(
            fit_rows["t"].to_numpy(float) * tf,
            y,
            data,
            groups=idx if pooling == "individual" else None,
            censored=fit_rows["blq"].to_numpy(bool),
            lloq=fit_rows["lloq"].to_numpy(float),
        )
        names = [group[int(g)] for g in fitter.groups_] if pooling == "individual" else ["pooled"]
        label = dict(zip(fitter.groups_, names, strict=True))
        fits.update(dict.fromkeys(names, fitter))
        summ = fitter.summary
        summ.insert(0, "subject", summ.pop("group").map(label))
        rows.append(summ)
        g = fitter.gof_.copy()
        g.insert(0, "subject", fit_rows["subject"].to_numpy())
        g["predose"], g["baseline"] = False, fit_rows["baseline"].to_numpy(float)
        pre = sub[sub["predose"]]
        if len(pre):  # flagged, shown, not fitted
            g = pd.concat([g, unfitted_rows(pre, tf, predose=True)], ignore_index=True)
        preds.append(g.assign(exclude=""))
        st = fitter.fit_statistics()
        n_pre = pre.groupby("subject").size()
        for _, r in st.iterrows():
            subj = label[r["group"]]
            stats.append(
                {
                    "subject": subj,
                    "n_obs": int(r["n"]),
                    "n_predose": int(n_pre.get(subj, 0)) if pooling == "individual" else len(pre),
                    "loglik": r["loglik"],
                    "aic": r["aic"],
                    "bic": r["bic"],
                    "converged": bool(r["converged"]),
                    "reason": r["reason"],
                }
            )
    notes = []
    if "f" not in (estimate or []) and (doses["route"] == "extravascular").all():
        notes.append("extravascular doses only: clearances and volumes are apparent (CL/F, V/F)")
    n_pre = int(conc["predose"].sum())
    if n_pre:
        notes.append(
            f"{n_pre} pre-dose sample(s) "
            + (
                "excluded from the fit"
                if predose == "exclude"
                else "used as each subject's baseline"
            )
            + " (predose column)"
        )
    preds += not_run
    if len(excluded):  # shown with their reason, not fitted
        preds.append(unfitted_rows(excluded, tf, predose=False, exclude=excluded["exclude"]))
    order = {s: i for i, s in enumerate([*subjects, "pooled"])}
    stats_df = pd.DataFrame(stats).sort_values("subject", key=lambda c: c.map(order))
    params = (
        pd.concat(rows, ignore_index=True)
        .sort_values("subject", key=lambda c: c.map(order), kind="stable")
        .reset_index(drop=True)
    )
    conv = dict(zip(stats_df["subject"], stats_df["converged"], strict=True))
    pred = pd.concat(preds, ignore_index=True)
    pred["converged"] = [bool(conv.get("pooled" if pooled else s, False)) for s in pred["subject"]]
    cols = ["subject", "time", "dv", "pred", "ipred", "res", "wres", "blq", "lloq", "predose"]
    pred = pred.reindex(columns=[*cols, "baseline", "exclude", "converged"])
    return PKFitResult(params, pred, stats_df.reset_index(drop=True), fits, notes)
