r"""Dose and schedule design by bisection on dose over the translational chain.

* :func:`equal_efficacy_dose`: the dose of a candidate schedule (e.g. intermittent) whose
  TGI equals that of a reference regimen (e.g. continuous daily dosing).
* :func:`select_dose`: the lowest dose keeping a readout inhibited by at least
  ``inhibition`` % for at least ``hours`` h of a 24 h window at steady state
  (e.g. p-S6 >= 80 % for >= 12 h a day).

Both evaluate the *typical* animal (no between-animal variability, no caliper noise), so the
metric is a deterministic, continuous, non-decreasing function of dose for an inhibitor,
and bisect on :math:`\log(\text{dose})` until the bracket is narrower than ``rtol``. A
schedule is written as a regimen template with ``{dose}``, e.g.
``"{dose} mg/kg PO QD 2 days on/5 days off x 3 weeks"``.

Time below a threshold is computed on the piecewise-linear readout course: on a segment
:math:`[t_0, t_1]` with values :math:`y_0, y_1` the time with :math:`y \le y^*` is the whole
segment, none of it, or the fraction :math:`(y^* - y_0)/(y_1 - y_0)` at its start or end.

Examples
--------
>>> time_below(np.array([0.0, 1.0, 2.0]), np.array([100.0, 0.0, 100.0]), 50.0)
1.0
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kinetor.errors import ModelError

__all__ = ["DoseSearch", "equal_efficacy_dose", "select_dose", "time_below", "typical_engagement"]


@dataclass
class DoseSearch:
    """Outcome of a dose search.

    ``dose`` is NaN with a ``reason`` when the criterion cannot be met inside
    ``dose_range``; ``evaluations`` lists every dose tried and its metric.
    ``upper_bound`` is True when the lowest dose of ``dose_range`` already meets the
    criterion: ``dose`` is then that lowest dose, an upper bound of the answer (the
    ``reason`` says so; lower ``dose_range``).
    """

    dose: float
    unit: str
    regimen: str
    criterion: str
    target: float
    achieved: float
    feasible: bool
    reason: str = ""
    evaluations: pd.DataFrame = field(default_factory=pd.DataFrame)
    extra: dict[str, Any] = field(default_factory=dict)
    upper_bound: bool = False


def time_below(t: np.ndarray, y: np.ndarray, threshold: float) -> float:
    """Time (units of ``t``) during which the piecewise-linear ``y`` is <= ``threshold``."""
    t0, t1, y0, y1 = t[:-1], t[1:], y[:-1], y[1:]
    below0, below1 = y0 <= threshold, y1 <= threshold
    dt = t1 - t0
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = (threshold - y0) / (y1 - y0)
    part = np.where(
        below0 & below1, dt, np.where(below0, frac * dt, np.where(below1, (1.0 - frac) * dt, 0.0))
    )
    return float(np.sum(part))


def _template(schedule: str) -> str:
    if "{dose}" not in schedule:
        raise ModelError(
            f"write the schedule with a {{dose}} field, e.g. "
            f"'{{dose}} mg/kg PO QD x 21 days'; got {schedule!r}"
        )
    return schedule


def _first_dose(regimen: str) -> tuple[float, str]:
    from kinetor.pk import Regimen

    tab = Regimen.parse(regimen).to_table()
    return float(tab["amount"].iloc[0]), str(tab["unit"].iloc[0])


def _typical(compound, species, tumor, regimen, days, kw):
    from kinetor.translate.study import run_study

    opts = {"pk_variability": None, "tumor_variability": False, "noise": False, **kw}
    return run_study(compound, species, tumor, regimen, n_animals=1, seed=0, days=days, **opts)


def _tgi(compound, species, tumor, regimen, days, kw) -> float:
    res = _typical(compound, species, tumor, regimen, days, kw)
    return float(res.tgi.set_index("arm").loc[res.arms[1].name, "tgi_pct"])


def _bisect(metric, goal: float, lo: float, hi: float, rtol: float):
    """Smallest dose in [lo, hi] with metric >= goal (log bisection); evaluations list."""
    evals = [(lo, metric(lo)), (hi, metric(hi))]
    if evals[1][1] < goal:
        return math.nan, evals, "above"
    if evals[0][1] >= goal:
        return lo, evals, "below"
    while hi / lo - 1.0 > rtol:
        mid = math.sqrt(lo * hi)
        m = metric(mid)
        evals.append((mid, m))
        lo, hi = (lo, mid) if m >= goal else (mid, hi)
    return hi, evals, ""


def equal_efficacy_dose(
    compound: str,
    reference: str,
    schedule: str,
    tumor: Any = "MCF7",
    species: str = "mouse",
    dose_range: tuple[float, float] | None = None,
    rtol: float = 0.01,
    days: float | None = None,
    **study_kw,
) -> DoseSearch:
    """Dose of ``schedule`` giving the same TGI as the ``reference`` regimen.

    Parameters
    ----------
    reference : str
        Regimen text, e.g. ``"15 mg/kg PO QD x 21 days"``.
    schedule : str
        Template with ``{dose}``; the result's ``dose`` and ``unit`` are in the schedule's
        unit (which may differ from the reference's: ``mg`` vs ``mg/kg``).
    dose_range : (lo, hi), optional
        Bracket in the schedule's unit, ``0 < lo < hi``; default the reference dose
        (converted to the schedule's unit) / 30 to x 30.
    days : float, optional
        Common study length (default: the longer of the two regimens').
    **study_kw
        Passed to :func:`~kinetor.translate.run_study` (``pathway_mode``, ``pk``...).

    Returns
    -------
    DoseSearch
        ``extra`` holds ``reference_tgi_pct``, the reference and candidate total amounts
        (``reference_total``, ``candidate_total``, in ``total_unit``) and their ratio
        ``total_ratio`` (candidate / reference) over the study. Regimens in the same unit
        are totalled in it; in different units (``mg`` and ``mg/kg``) every dose is
        converted to mg with the body weight (``weight=`` or the species' reference
        weight, reported as ``weight_kg``). A per-m2 regimen (the virtual study has no body
        surface area), a ``weight=`` that is no number of kg > 0 or implausible for the
        species (a 25 kg mouse), and a reference dose <= 0 are a ``ModelError``. When the lowest dose
        already reaches the reference TGI, ``dose`` is that dose, ``feasible`` False and
        ``upper_bound`` True.
    """
    from kinetor.translate._design_units import Amounts, dose_bracket
    from kinetor.translate.arms import Arm, Treatment
    from kinetor.translate.study import study_days

    tmpl = _template(schedule)
    ref_dose, ref_unit = _first_dose(reference)
    if not (math.isfinite(ref_dose) and ref_dose > 0):
        raise ModelError(
            f"reference {reference!r}: its dose is {ref_dose:g} {ref_unit}; give a reference "
            "regimen with a dose > 0 (a vehicle has no equal-efficacy dose)"
        )
    amounts = Amounts(reference, tmpl, compound, species, dict(study_kw))
    unit, ref_in_unit = amounts.schedule_unit, amounts.reference_dose
    lo, hi = dose_bracket(
        dose_range if dose_range is not None else (ref_in_unit / 30.0, ref_in_unit * 30.0), unit
    )
    if days is None:
        arms = [
            Arm("r", (Treatment(compound, reference),)),
            Arm("c", (Treatment(compound, tmpl.format(dose=f"{ref_in_unit:.6g}")),)),
        ]
        days = study_days(arms)
    target = _tgi(compound, species, tumor, reference, days, study_kw)

    def metric(d: float) -> float:
        return _tgi(compound, species, tumor, tmpl.format(dose=f"{d:.6g}"), days, study_kw)

    dose, evals, where = _bisect(metric, target, lo, hi, rtol)
    table = pd.DataFrame(evals, columns=["dose", "tgi_pct"]).sort_values("dose")
    reason = ""
    if where == "above":
        reason = (
            f"the schedule reaches TGI {evals[1][1]:.1f} % at {hi:g} {unit}, below the "
            f"reference's {target:.1f} %: widen dose_range"
        )
    elif where == "below":
        reason = (
            f"upper bound: already at or above the reference TGI at the lowest dose "
            f"{lo:g} {unit}; the equal-efficacy dose is <= {lo:g} {unit}: lower dose_range"
        )
    text = tmpl.format(dose=f"{dose:.6g}") if np.isfinite(dose) else ""
    ref_total = amounts.total(reference)
    extra: dict[str, Any] = {
        "reference_tgi_pct": target,
        "reference_total": ref_total,
        "total_unit": amounts.unit,
        "days": days,
    }
    if amounts.weight is not None:
        extra["weight_kg"] = amounts.weight
    if text:
        cand_total = amounts.total(text)
        extra.update(candidate_total=cand_total, total_ratio=cand_total / ref_total)
    achieved = metric(dose) if np.isfinite(dose) else float(evals[1][1])
    return DoseSearch(
        dose=dose,
        unit=unit,
        regimen=text,
        target=target,
        achieved=achieved,
        criterion=f"TGI equal to '{reference}' ({target:.2f} %)",
        feasible=bool(np.isfinite(dose) and where != "below"),
        reason=reason,
        evaluations=table.reset_index(drop=True),
        extra=extra,
        upper_bound=where == "below",
    )


def select_dose(
    compound: str,
    schedule: str = "{dose} mg/kg PO QD x 7 days",
    readout: str = "pS6_S235_236",
    inhibition: float = 80.0,
    hours: float = 12.0,
    tumor: Any = "MCF7",
    species: str = "mouse",
    dose_range: tuple[float, float] = (0.1, 1000.0),
    rtol: float = 0.01,
    window: tuple[float, float] | None = None,
    **study_kw,
) -> DoseSearch:
    """Lowest dose with ``readout`` inhibited >= ``inhibition`` % for >= ``hours`` h.

    The readout is inhibited by ``inhibition`` % when it is <= ``100 - inhibition`` % of
    the untreated control. ``window`` (h, ``(start, end)`` inside the study) defaults to
    the 24 h from the first dose given within the last 24 h of dosing: for QD the 24 h
    after the last dose, for BID the last dosing day, for '5 days on/2 days off' or weekly
    dosing the last dosing day (not the undosed days that end the study, whose length is
    rounded up to whole weeks): steady state for a compound with a half-life of hours.
    The window used is ``extra['window_h']``. With the default window the study lasts
    its default length (``study_days``), lengthened to whole days until the window fits
    (``Q40H x 7 days``: the last dose at 160 h, the window (160, 184) h, 8 days); with
    ``days=`` given, a default window running past the study end is clipped to it and
    ``extra['window_note']`` says so. Per-m2 regimens and an implausible ``weight=`` are a
    ``ModelError`` (as :func:`equal_efficacy_dose`). When the lowest dose of ``dose_range``
    already meets the criterion, ``dose`` is that dose and ``upper_bound`` True (the
    lowest dose meeting it may be lower; ``feasible`` stays True: that dose meets it).
    """
    from kinetor.translate._design_units import (
        check_regimens,
        default_window,
        dose_bracket,
        window_bounds,
    )
    from kinetor.translate.signaling import readout_names

    tmpl = _template(schedule)
    if readout not in readout_names():
        raise ModelError(f"unknown readout {readout!r}: use {list(readout_names())}")
    if not 0 < inhibition < 100 or not 0 < hours <= 24:
        raise ModelError("inhibition must be in (0, 100) % and hours in (0, 24]")
    threshold = 100.0 - float(inhibition)
    unit = _first_dose(tmpl.format(dose="1"))[1]
    lo, hi = dose_bracket(dose_range, unit)
    check_regimens([tmpl], species, study_kw)
    days, note = study_kw.pop("days", None), ""
    if window is None:
        w, days, note = default_window(tmpl.format(dose="1"), days)
    else:
        w = window_bounds(window)
    j = readout_names().index(readout)
    lows: dict[float, float] = {}

    def metric(d: float) -> float:
        res = _typical(
            compound,
            species,
            tumor,
            tmpl.format(dose=f"{d:.6g}"),
            days,
            {"tumor_growth": False, **study_kw},
        )
        t = res.times
        if w[1] > t[-1] + 1e-9:
            raise ModelError(f"window {w}: the study ends at {t[-1]:g} h; give a window inside it")
        sel = (t >= w[0] - 1e-9) & (t <= w[1] + 1e-9)
        y = res.readout_array(res.arms[1].name)[0, sel, j]
        lows[d] = float(100.0 - y.min())
        return time_below(t[sel], y, threshold)

    dose, evals, where = _bisect(metric, float(hours), lo, hi, rtol)
    table = pd.DataFrame(evals, columns=["dose", "hours_inhibited"]).sort_values("dose")
    table["max_inhibition_pct"] = table["dose"].map(lows)
    reason = ""
    if where == "above":
        reason = (
            f"{readout} inhibition reaches at most {lows[hi]:.1f} % "
            f"(>= {inhibition:g} % for {evals[1][1]:.1f} h) at {hi:g} {unit}"
        )
    elif where == "below":
        reason = (
            f"upper bound: the criterion is already met at the lowest dose tried "
            f"({lo:g} {unit}); the lowest dose meeting it is <= {lo:g} {unit}: lower dose_range"
        )
    text = tmpl.format(dose=f"{dose:.6g}") if np.isfinite(dose) else ""
    achieved = metric(dose) if np.isfinite(dose) else float(evals[1][1])
    return DoseSearch(
        dose=dose,
        unit=unit,
        regimen=text,
        target=float(hours),
        achieved=achieved,
        criterion=f"{readout} inhibited >= {inhibition:g} % for >= {hours:g} h per 24 h",
        feasible=bool(np.isfinite(dose)),
        reason=reason,
        evaluations=table.reset_index(drop=True),
        extra={"window_h": w, **({"window_note": note} if note else {})},
        upper_bound=where == "below",
    )


def typical_engagement(
    compound: str,
    regimens: Mapping[str, str],
    tumor: Any = "MCF7",
    species: str = "mouse",
    readout: str = "pS6_S235_236",
    threshold: float = 50.0,
    hours: float = 168.0,
    dt: float = 0.25,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Readouts of a typical animal per regimen, from the exact unbound PK course.

    Each regimen's typical-animal course (:func:`kinetor.pk.polyexponential`, library PK,
    unbound = fu x total) drives the tumour's network (dynamic, exact input) for ``hours``.

    Returns
    -------
    readouts : DataFrame
        ``regimen`` (the label), ``time`` (h) and one column per readout (% of untreated).
    engaged : dict
        Label -> hours per day with ``readout`` <= ``threshold`` % of untreated (the
        time below on the piecewise-linear course, crossings interpolated, as
        :func:`select_dose`), averaged over ``hours``.
    """
    from kinetor.pk import SPECIES, Regimen, polyexponential
    from kinetor.translate.arms import drug_model
    from kinetor.translate.signaling import network
    from kinetor.translate.tumors import get_tumor

    dm = drug_model(compound, species)
    net = network(get_tumor(tumor).lesions)
    weight = float(SPECIES[species]["weight"])
    parts, engaged = [], {}
    for label, text in regimens.items():
        course = polyexponential(
            dm.model, Regimen.parse(text), weight=weight, conc_unit="ng/mL", mw=dm.mw
        )[0]
        ro = net.simulate(
            {dm.drug: course.scaled(dm.free_factor, "nM")}, t_end=hours, dt=dt
        ).readouts
        # exact time below on the piecewise-linear course (as select_dose), per day
        t = ro["time"].to_numpy(float)
        engaged[label] = (
            time_below(t, ro[readout].to_numpy(float), threshold) * 24.0 / (t[-1] - t[0])
        )
        parts.append(ro.assign(regimen=label))
    return pd.concat(parts, ignore_index=True), engaged
