r"""The virtual-study engine: ``simulate_study(design, exposure, network, execution)``.

The chain runs as named stages, each a function of the design objects
(:mod:`kinetor.translate.options`) and the previous stages:

1. :func:`_setup`: arms, species weight, drug models (PK + potency), study days, time grid;
2. :func:`_exposures`: plasma PK per arm with between-animal variability, unbound
   concentration at the site (:mod:`.exposure`), optional per-animal scaling;
3. :func:`_metabolism`: host glucose and insulin from the loss of insulin action
   (:mod:`.toxicity`), when asked for;
4. :func:`_signalling`: the pathway readouts per treated arm, quasi-steady tables (from the
   bounded cache of :class:`~kinetor.translate.options.NetworkOptions`) or dynamic runs on
   the :class:`~kinetor.numerics.executor.Executor`;
5. :func:`_tumours`: tumour growth and drug-induced death, caliper volumes;
6. :func:`_settings`: every option and source, recorded in the result.

Random streams (reproducible with ``seed``): arm ``i``'s treatment ``j`` PK draws from
``default_rng([seed, i, 0, j])`` (:func:`.exposure.pk_seed`), its tumours from
``default_rng([seed, i, 1])``; none depends on the executor.

Examples
--------
>>> from kinetor.translate.options import StudyDesign
>>> design = StudyDesign("vistusertib", "15 mg/kg PO QD x 21 days", n_animals=4, seed=1)
>>> xs = simulate_study(design)
>>> bool(xs.tgi.set_index("arm").loc[xs.arms[1].name, "tgi_pct"] > 0)
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from kinetor.errors import ModelError
from kinetor.translate.arms import Arm, drug_model
from kinetor.translate.exposure import arm_exposure, time_grid
from kinetor.translate.growth import measurement_days, tumor_volumes
from kinetor.translate.options import Execution, ExposureOptions, NetworkOptions, StudyDesign
from kinetor.translate.response import kill_drive, signal_names
from kinetor.translate.result import ArmResult, StudyResult
from kinetor.translate.signaling import dynamic_readouts_many, readout_names
from kinetor.translate.tables import DEFAULT_TABLES, insulin_tables, quasi_steady_table
from kinetor.translate.tumors import get_tumor

__all__ = ["simulate_study", "study_days"]

_G0, _I0 = 100.0, 10.0  # Topp 2000 untreated steady state (kinetor.translate.toxicity)


def study_days(arms: Sequence[Arm]) -> float:
    """Default study length (days): the day after the last dose, rounded up to a whole
    week (``QD x 21 days`` -> 21; ``2 days on/5 days off x 3 weeks`` -> 21)."""
    last = max(
        (float(t.regimen.to_table()["time"].max()) for a in arms for t in a.treatments),
        default=20 * 24.0,
    )
    return 7.0 * math.ceil((math.floor(last / 24.0 + 1e-9) + 1) / 7.0 - 1e-9)


@dataclass
class _Setup:
    arms: list[Arm]
    species: str
    weight: float
    seed: int
    tumor: Any
    tumor_growth: bool
    models: dict
    days: float
    mdays: np.ndarray
    times: np.ndarray

    @property
    def treated(self) -> list[int]:
        return [i for i, a in enumerate(self.arms) if not a.is_vehicle]


def _setup(design: StudyDesign, exposure: ExposureOptions, network: NetworkOptions) -> _Setup:
    from kinetor.pk import SPECIES

    seed = design.seed
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    tum = get_tumor(design.tumor)
    if not design.tumor_variability:
        tum = tum.without_variability()
    arms = design.study_arms()
    sp = str(design.species).lower()
    growth = sp != "human" if design.tumor_growth is None else bool(design.tumor_growth)
    weight = design.weight
    if weight is None:
        if sp not in SPECIES:
            raise ModelError(
                f"no reference body weight for {design.species!r}: pass weight=... (kg)"
            )
        weight = float(SPECIES[sp]["weight"])
    names = sorted({c for a in arms for c in a.compounds})
    pk, drugs = exposure.pk or {}, network.drugs or {}
    models = {c: drug_model(c, sp, pk.get(c), drugs.get(c)) for c in names}
    days = float(design.days) if design.days is not None else study_days(arms)
    if not (math.isfinite(days) and days > 0):
        raise ModelError(f"the study must last > 0 days, got {days!r}")
    md = design.measure_days
    mdays = np.asarray(md if md is not None else measurement_days(days), float)
    if mdays.max() > days:
        days = float(mdays.max())
    dose_t = [t for a in arms for tr in a.treatments for t in tr.regimen.to_table()["time"]]
    times = time_grid(days, dose_t, design.dt)
    return _Setup(arms, sp, weight, int(seed), tum, growth, models, days, mdays, times)


def _exposures(s: _Setup, n: int, exposure: ExposureOptions, dynamic: bool) -> list:
    exposures = [
        arm_exposure(
            arm,
            s.models,
            s.times,
            n,
            s.seed,
            i,
            s.weight,
            exposure.pk_variability,
            exposure.site,
            exposure.kp_uu,
            with_courses=dynamic,
        )
        for i, arm in enumerate(s.arms)
    ]
    for comp, fac in dict(exposure.exposure_scale or {}).items():
        f = np.broadcast_to(np.asarray(fac, float), (n,))
        if not np.all(np.isfinite(f) & (f >= 0)):
            raise ModelError(f"exposure_scale for {comp!r} must be finite and >= 0")
        for ex in exposures:
            if comp in ex.free:
                ex.free[comp] = ex.free[comp] * f[:, None]
                ex.site[comp] = ex.site[comp] * f[:, None]
                if ex.courses.get(comp) is not None:
                    ex.courses[comp] = [
                        c.scaled(float(fi)) for c, fi in zip(ex.courses[comp], f, strict=True)
                    ]
    return exposures


def _metabolism(s: _Setup, exposures, network: NetworkOptions) -> dict[int, dict]:
    """Host loss of insulin action (wild-type cell, unbound plasma concentration) ->
    glucose and insulin per treated arm (:mod:`kinetor.translate.toxicity`)."""
    from kinetor.translate.toxicity import glucose_insulin, insulin_readout

    if not network.with_metabolism:
        return {}
    out = {}
    names = readout_names()
    for i in s.treated:
        arm = s.arms[i]
        drugs = tuple(s.models[c].drug for c in arm.compounds)
        if len(drugs) > 2:
            raise ModelError("the glucose model tabulates one or two drugs per arm")
        name = network.tox_readout or next(
            (insulin_readout(d.mechanism) for d in drugs if "akt" in d.mechanism),
            insulin_readout(drugs[0].mechanism),
        )
        if name not in names:
            raise ModelError(f"unknown tox_readout {name!r}: the network has {list(names)}")
        host = quasi_steady_table((), None, drugs, network.parameters, network.tables)
        conc = [exposures[i].free[c] for c in arm.compounds]
        val = host(conc, columns=[names.index(name)])[..., 0]
        inhib = np.clip(1.0 - val / 100.0, 0.0, 1.0)
        g, ins, _ = glucose_insulin(s.times, inhib)
        out[i] = {"glucose": g, "insulin": ins, "inhibition": inhib, "readout": name}
    return out


def _columns(network: NetworkOptions) -> tuple[list[int], tuple[str, ...], str, str | None]:
    """Readout columns to compute (those asked for plus what the tumour needs)."""
    all_names = readout_names()
    prolif, apop = signal_names(all_names)
    if network.readouts is None:
        keep = list(range(len(all_names)))
    else:
        unknown = sorted(set(network.readouts) - set(all_names))
        if unknown:
            raise ModelError(f"unknown readout(s) {unknown}: the network has {list(all_names)}")
        want = {*network.readouts, prolif, *([apop] if apop else [])}
        keep = [j for j, r in enumerate(all_names) if r in want]
    return keep, tuple(all_names[j] for j in keep), prolif, apop


def _signalling(s, n, exposures, metab, network, execution, keep) -> dict[int, np.ndarray]:
    """Readouts ``(n, T, R)`` per treated arm."""
    tables = DEFAULT_TABLES if network.tables is None else network.tables
    done = [0]
    total = n * len(s.treated)

    def tick(k: int) -> None:
        done[0] += k
        if execution.progress is not None:
            execution.progress(done[0], total)

    lesions, context, params = s.tumor.lesions, network.context, network.parameters
    drugs = {i: tuple(s.models[c].drug for c in s.arms[i].compounds) for i in s.treated}
    site = {i: [exposures[i].site[c] for c in s.arms[i].compounds] for i in s.treated}
    out: dict[int, np.ndarray] = {}
    if network.pathway_mode == "quasi-steady":
        w = float(network.insulin_feedback)
        for i in s.treated:
            if w > 0:
                mult = 1.0 + w * (metab[i]["insulin"] / _I0 - 1.0)
                tab = insulin_tables(lesions, context, drugs[i], params, tables)
                out[i] = tab(site[i], mult, columns=keep)
            else:
                tab = quasi_steady_table(lesions, context, drugs[i], params, tables)
                out[i] = tab(site[i], columns=keep)
            tick(n)
        return out
    if not s.treated:
        return out
    # the dynamic mode integrates exact PK courses where every compound's PK is linear
    inputs = {}
    for i in s.treated:
        courses = [exposures[i].courses.get(c) for c in s.arms[i].compounds]
        exact = all(c is not None for c in courses)
        inputs[i] = (drugs[i], courses) if exact else (drugs[i], site[i])
    many = dynamic_readouts_many(  # every arm's animals share one pool of workers
        [(lesions, context, params, *inputs[i]) for i in s.treated],
        s.times,
        executor=execution.resolve(),
        on_chunk=tick,
    )
    return {i: r[..., keep] for i, r in zip(s.treated, many, strict=True)}


def _tumours(s, n, design, exposures, readouts, metab, network, names_ro, prolif, apop):
    gj = names_ro.index(prolif)
    aj = None if apop is None else names_ro.index(apop)
    tum = s.tumor
    results = []
    for i, arm in enumerate(s.arms):
        ro = readouts.get(i)
        true = meas = None
        if s.tumor_growth:
            kill = None
            if ro is not None and tum.kill_rate > 0:
                kill = kill_drive(
                    ro[..., gj], None if aj is None else ro[..., aj], tum.kill_threshold
                )
            with np.errstate(over="ignore", invalid="ignore"):  # overflow: a failed arm
                true, meas = tumor_volumes(
                    tum,
                    n,
                    np.random.default_rng([s.seed, i, 1]),
                    s.times / 24.0,
                    None if ro is None else ro[..., gj],
                    s.mdays,
                    noise=design.noise,
                    kill=kill,
                )
        met = metab.get(i)
        if met is None and network.with_metabolism:
            met = {
                "glucose": np.full((n, s.times.size), _G0),
                "insulin": np.full((n, s.times.size), _I0),
                "inhibition": None,
            }
        results.append(
            ArmResult(
                arm=arm,
                animals=np.arange(i * n + 1, (i + 1) * n + 1),
                exposure=exposures[i],
                readouts=ro,
                volume_true=true,
                volume=meas,
                metabolic=met,
            )
        )
    return results


def _settings(s, design, exposure, network, prolif, apop) -> dict:
    tum = s.tumor
    return {
        "species": s.species,
        "weight_kg": s.weight,
        "tumor": tum.name,
        "lesions": list(tum.lesions),
        "n_animals": design.n_animals,
        "seed": s.seed,
        "days": s.days,
        "measure_days": s.mdays.tolist(),
        "pathway_mode": network.pathway_mode,
        "exposure": exposure.site,
        "kp_uu": exposure.kp_uu,
        "pk_variability": exposure.pk_variability,
        "tumor_variability": design.tumor_variability,
        "noise": design.noise,
        "context": dict(network.context or {}),
        "tgi_formula": design.tgi_formula,
        "metabolic": network.with_metabolism,
        "insulin_feedback": float(network.insulin_feedback),
        "glucose_threshold_mg_dL": float(network.glucose_threshold),
        "tumor_response": {
            "growth_law": tum.growth_law,
            "proliferation_readout": prolif,
            "kill_signal": (
                f"{apop} readout: max(A/100 - 1, 0)"
                if apop is not None
                else f"inhibition of the {prolif} readout above "
                f"{tum.kill_threshold:g} (no apoptosis readout in the network)"
            ),
            "kill_rate_per_day": tum.kill_rate,
            "transit_rate_per_day": tum.transit_rate,
            "n_transit": int(tum.n_transit),
            "death_rate_per_day": tum.death_rate,
        },
        "compounds": {
            c: {
                "pk_source": m.pk_source,
                "pk_status": m.pk_status,
                "fu": m.fu,
                "fu_source": m.fu_source,
                "mw": m.mw,
                "pk_model": repr(m.model),
                "potency_nM": m.drug.ic50_nM,
                "potency_type": m.drug.potency,
                "potency_basis": m.drug.basis,
                "mechanism": m.drug.mechanism,
                "potency_source": m.drug.source,
            }
            for c, m in s.models.items()
        },
        "tumor_sources": dict(tum.sources),
    }


def simulate_study(
    design: StudyDesign,
    exposure: ExposureOptions | None = None,
    network: NetworkOptions | None = None,
    execution: Execution | None = None,
) -> StudyResult:
    """Simulate a virtual xenograft (or virtual patient) study from its design objects.

    Parameters
    ----------
    design : StudyDesign
    exposure : ExposureOptions, optional
    network : NetworkOptions, optional
    execution : Execution, optional
        Defaults: ``ExposureOptions()``, ``NetworkOptions()``, ``Execution()`` (this
        process). :func:`kinetor.translate.run_study` documents every option.

    Returns
    -------
    StudyResult
    """
    for obj, cls in (
        (design, StudyDesign),
        (exposure, ExposureOptions),
        (network, NetworkOptions),
        (execution, Execution),
    ):
        if obj is not None and not isinstance(obj, cls):
            raise ModelError(f"expected a {cls.__name__}, got {type(obj).__name__}: {obj!r}")
    exposure = exposure or ExposureOptions()
    network = network or NetworkOptions()
    execution = execution or Execution()
    n = design.n_animals
    s = _setup(design, exposure, network)
    keep, names_ro, prolif, apop = _columns(network)
    ctrl = design.control
    if ctrl is None:
        ctrl = next((a.name for a in s.arms if a.is_vehicle), None)
    elif ctrl not in [a.name for a in s.arms]:
        raise ModelError(f"control arm {ctrl!r} is not in the study: {[a.name for a in s.arms]}")
    exposures = _exposures(s, n, exposure, network.pathway_mode == "dynamic")
    metab = _metabolism(s, exposures, network)
    readouts = _signalling(s, n, exposures, metab, network, execution, keep)
    results = _tumours(s, n, design, exposures, readouts, metab, network, names_ro, prolif, apop)
    return StudyResult(
        arms=s.arms,
        times=s.times,
        days=s.mdays,
        results=results,
        readout_names=names_ro,
        tumor_spec=s.tumor,
        control=ctrl,
        tgi_formula=design.tgi_formula,
        settings=_settings(s, design, exposure, network, prolif, apop),
    )
