r"""The virtual xenograft study: ``run_study(compound, species, tumor, regimen, ...)``.

The chain, per arm and animal (equations in the modules and in docs/translate.md):

1. regimen -> plasma PK with between-animal variability (:mod:`.exposure`, ``kinetor.pk``);
2. unbound concentration at the target, nM (``fu``, MW; optional tumour :math:`K_{p,uu}`);
3. the pathway network with the tumour's lesions -> readouts, % of untreated control
   (:mod:`.signaling`; ``pathway_mode="quasi-steady"`` default, or ``"dynamic"``);
4. the ``proliferation`` readout (``growth`` when the network has none) drives tumour
   growth, the ``apoptosis`` readout (or deep pathway inhibition) drug-induced death through
   Simeoni transit compartments (:mod:`.growth`, :mod:`.response`);
5. caliper volumes with measurement error on measurement days (twice weekly);
6. TGI against the vehicle arm with ``kinetor.pd.tgi`` (formula recorded).

Random streams (reproducible with ``seed``): arm ``i``'s treatment ``j`` PK draws from
``default_rng([seed, i, 0, j])`` (:func:`.exposure.pk_seed`: the same call to
``kinetor.pk.simulate`` gives the same concentrations), its tumours from
``default_rng([seed, i, 1])``.

Examples
--------
>>> xs = run_study("vistusertib", "mouse", "MCF7", "15 mg/kg PO QD x 21 days",
...                n_animals=4, seed=1)
>>> [a.name for a in xs.arms]
['Vehicle', 'vistusertib 15 mg/kg PO QD x 21 days']
>>> sorted(xs.tumor.columns.tolist())[:4]
['animal', 'arm', 'day', 'unit']
>>> bool(xs.tgi.set_index("arm").loc[xs.arms[1].name, "tgi_pct"] > 0)
True
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

import numpy as np

from kinetor.errors import ModelError
from kinetor.numerics.executor import Executor
from kinetor.translate.arms import Arm, Treatment, arm_list, drug_model
from kinetor.translate.exposure import arm_exposure, time_grid
from kinetor.translate.growth import measurement_days, tumor_volumes
from kinetor.translate.response import kill_drive, signal_names
from kinetor.translate.result import ArmResult, StudyResult
from kinetor.translate.signaling import QuasiSteadyTable, dynamic_readouts_many, readout_names
from kinetor.translate.tumors import get_tumor

__all__ = ["quasi_steady_table", "run_study", "study_days"]

PathwayMode = Literal["quasi-steady", "dynamic"]
_TABLES: dict[tuple, QuasiSteadyTable] = {}
_G0, _I0 = 100.0, 10.0  # Topp 2000 untreated steady state (kinetor.translate.toxicity)


def quasi_steady_table(
    lesions: Sequence[str], context, drugs: tuple, parameters: Mapping[str, float] | None = None
) -> QuasiSteadyTable:
    """The quasi-steady table of a genotype/context/drug set, built once per process."""
    key = (
        tuple(lesions),
        tuple(sorted((context or {}).items())),
        tuple(drugs),
        tuple(sorted((parameters or {}).items())),
    )
    tab = _TABLES.get(key)
    if tab is None:
        tab = _TABLES[key] = QuasiSteadyTable(lesions, context, drugs, parameters=parameters)
    return tab


_INS_TABLES: dict[tuple, Any] = {}


def _insulin_tables(lesions, context, drugs, parameters):
    from kinetor.translate.toxicity import InsulinTables

    key = (
        tuple(lesions),
        tuple(sorted((context or {}).items())),
        tuple(drugs),
        tuple(sorted((parameters or {}).items())),
    )
    tab = _INS_TABLES.get(key)
    if tab is None:
        tab = _INS_TABLES[key] = InsulinTables(lesions, context, drugs, parameters)
    return tab


def _metabolic(arm, models, exposure, times, parameters, tox_readout) -> dict[str, np.ndarray]:
    """Host loss of insulin action (wild-type cell, unbound plasma concentration) ->
    glucose and insulin (:mod:`kinetor.translate.toxicity`)."""
    from kinetor.translate.toxicity import glucose_insulin, insulin_readout

    drugs = tuple(models[c].drug for c in arm.compounds)
    if len(drugs) > 2:
        raise ModelError("the glucose model tabulates one or two drugs per arm")
    name = tox_readout or next(
        (insulin_readout(d.mechanism) for d in drugs if "akt" in d.mechanism),
        insulin_readout(drugs[0].mechanism),
    )
    names = readout_names()
    if name not in names:
        raise ModelError(f"unknown tox_readout {name!r}: the network has {list(names)}")
    host = quasi_steady_table((), None, drugs, parameters)
    val = host([exposure.free[c] for c in arm.compounds], columns=[names.index(name)])[..., 0]
    inhib = np.clip(1.0 - val / 100.0, 0.0, 1.0)
    g, ins, _ = glucose_insulin(times, inhib)
    return {"glucose": g, "insulin": ins, "inhibition": inhib, "readout": name}


def study_days(arms: Sequence[Arm]) -> float:
    """Default study length (days): the day after the last dose, rounded up to a whole
    week (``QD x 21 days`` -> 21; ``2 days on/5 days off x 3 weeks`` -> 21)."""
    last = max(
        (float(t.regimen.to_table()["time"].max()) for a in arms for t in a.treatments),
        default=20 * 24.0,
    )
    return 7.0 * math.ceil((math.floor(last / 24.0 + 1e-9) + 1) / 7.0 - 1e-9)


def _default_arms(compound, regimen, arms, vehicle) -> list[Arm]:
    out: list[Arm] = []
    if compound is not None and regimen is not None:
        comp = compound if isinstance(compound, str) else str(compound)
        label = regimen if isinstance(regimen, str) else str(regimen)
        out.append(Arm(f"{comp} {label}", (Treatment(comp, regimen),)))
    elif (compound is None) != (regimen is None) and not arms:
        raise ModelError("give both compound and regimen, or arms=[...]")
    out += [Arm.coerce(a) for a in (arms or [])]
    if vehicle and not any(a.is_vehicle for a in out):
        out.insert(0, Arm("Vehicle"))
    return arm_list(out)


def run_study(
    compound: str | None = None,
    species: str = "mouse",
    tumor: Any = "MCF7",
    regimen: Any = None,
    n_animals: int = 10,
    seed: int | None = 0,
    *,
    arms: Sequence[Arm | str | Mapping[str, Any]] | None = None,
    vehicle: bool = True,
    days: float | None = None,
    measure_days: Sequence[float] | None = None,
    pathway_mode: PathwayMode = "quasi-steady",
    exposure: Literal["plasma", "tumor"] = "plasma",
    kp_uu: float = 1.0,
    pk: Mapping[str, Mapping[str, Any]] | None = None,
    drugs: Mapping[str, Any] | None = None,
    pk_variability: Any = "default",
    tumor_variability: bool = True,
    noise: bool = True,
    tumor_growth: bool | None = None,
    context: Mapping[str, float] | None = None,
    network_parameters: Mapping[str, float] | None = None,
    control: str | None = None,
    tgi_formula: str = "delta",
    dt: float = 1.0,
    weight: float | None = None,
    n_jobs: int = 1,
    scheduler: Any = None,
    executor: Executor | None = None,
    progress: Callable[[int, int], None] | None = None,
    readouts: Sequence[str] | None = None,
    metabolic: bool = False,
    insulin_feedback: float = 0.0,
    tox_readout: str | None = None,
    glucose_threshold: float = 200.0,
    exposure_scale: Mapping[str, Any] | None = None,
) -> StudyResult:
    """Simulate a virtual xenograft (or virtual patient) study.

    Parameters
    ----------
    compound, regimen : str, optional
        One treated arm ``"<compound> <regimen>"`` (regimen mini-language, e.g.
        ``"15 mg/kg PO QD x 21 days"``); more arms with ``arms``.
    species : str
        PK species (``Compound.pk_params(species)``; body weight from ``kinetor.pk.SPECIES``).
    tumor : str, dict or TumorSpec
        Tumour model (``kinetor.translate.list_tumors()``): lesions and growth parameters.
    n_animals : int
        Animals per arm.
    seed : int or None
        Seed of every random stream (None: a fresh one, recorded in ``settings``).
    arms : list, optional
        ``Arm``, ``"NAME=COMPOUND:REGIMEN[+COMPOUND:REGIMEN]"`` or dicts ``{"name",
        "compound", "regimen"}`` / ``{"name", "treatments": [...]}``; no compound = vehicle.
    vehicle : bool
        Add a ``Vehicle`` arm when none is given (the TGI control).
    days : float, optional
        Study length (default :func:`study_days`). ``measure_days`` default twice weekly.
    pathway_mode : {"quasi-steady", "dynamic"}
        See :mod:`kinetor.translate.signaling`.
    exposure : {"plasma", "tumor"}, kp_uu : float
        Site of the concentration the network sees (tumour: unbound plasma x ``kp_uu``).
    pk : dict, optional
        ``{compound: {model, cl, v, ka, f, fu, mw}}`` user PK replacing the library set.
    drugs : dict, optional
        ``{compound: Drug or dict}`` pathway potency replacing the library's.
    pk_variability : "default", None or dict
        Between-animal CVs passed to ``kinetor.pk.simulate`` (default CL 30 %, V 20 %;
        a dict of dicts is per compound).
    tumor_variability, noise : bool
        Between-animal tumour variability; caliper measurement error.
    tumor_growth : bool, optional
        Simulate tumours (False: PK and biomarkers only). Default: True except for
        ``species="human"`` (the tumour library holds xenograft growth parameters).
    context, network_parameters : dict, optional
        Network context inputs and parameter overrides.
    control : str, optional
        Control arm for TGI (default: the first vehicle arm).
    tgi_formula : str
        ``kinetor.pd.tgi`` formula (``delta`` default).
    dt : float
        Grid step (h) between the post-dose points.
    weight : float, optional
        Body weight (kg); default the species' reference weight.
    n_jobs, scheduler, executor
        Where the dynamic-mode pathway runs go (chunks of 8 animals): local processes, a
        Dask scheduler (address or ``distributed.Client``) or a
        :class:`kinetor.numerics.executor.Executor`; results identical on any of them.
    progress : callable, optional
        ``progress(done, total)`` in animal-arms.
    readouts : list of str, optional
        Compute only these readouts (plus the proliferation/apoptosis readouts the tumour
        needs); faster in quasi-steady mode for efficacy-only runs. Default: all.
    metabolic : bool
        Simulate plasma glucose and insulin (:mod:`kinetor.translate.toxicity`, Topp 2000)
        from the host's loss of insulin action at the unbound plasma concentration.
    insulin_feedback : float
        Weight :math:`w` of the systemic insulin rise on the tumour's growth-factor input
        (0 = off; > 0 implies ``metabolic``; quasi-steady mode only).
    tox_readout : str, optional
        Host readout for the loss of insulin action (default by mechanism:
        :func:`kinetor.translate.toxicity.insulin_readout`).
    glucose_threshold : float
        mg/dL for the ``hours_above`` column of the summary.
    exposure_scale : dict, optional
        ``{compound: factor}`` multiplying the unbound concentrations (plasma and site)
        of every arm's animals, one factor or one per animal (``(n_animals,)``): e.g. a
        sampled fu over the nominal fu (:func:`kinetor.translate.replicate_tgi`).

    Returns
    -------
    StudyResult
        ``.pk``, ``.biomarkers``, ``.tumor``, ``.tgi`` (tidy frames), ``.settings``,
        ``plot_pk()``, ``plot_biomarkers()``, ``plot_tumor()``, ``save(dir)``.
    """
    from kinetor.pk import SPECIES

    if pathway_mode not in ("quasi-steady", "dynamic"):
        raise ModelError(f"pathway_mode must be 'quasi-steady' or 'dynamic', got {pathway_mode!r}")
    n = int(n_animals)
    if n < 1:
        raise ModelError(f"n_animals must be >= 1, got {n_animals!r}")
    if seed is None:
        seed = int(np.random.SeedSequence().entropy % (2**63))
    tum = get_tumor(tumor)
    if not tumor_variability:
        tum = tum.without_variability()
    study_arms = _default_arms(compound, regimen, arms, vehicle)
    sp = str(species).lower()
    if tumor_growth is None:
        tumor_growth = sp != "human"
    if weight is None:
        if sp not in SPECIES:
            raise ModelError(f"no reference body weight for {species!r}: pass weight=... (kg)")
        weight = float(SPECIES[sp]["weight"])
    names = sorted({c for a in study_arms for c in a.compounds})
    models = {c: drug_model(c, sp, (pk or {}).get(c), (drugs or {}).get(c)) for c in names}
    days = float(days) if days is not None else study_days(study_arms)
    mdays = np.asarray(measure_days if measure_days is not None else measurement_days(days), float)
    if mdays.max() > days:
        days = float(mdays.max())
    dose_t = [
        t for a in study_arms for tr in a.treatments for t in tr.regimen.to_table()["time"].tolist()
    ]
    times = time_grid(days, dose_t, dt)
    run = Executor.coerce(executor, n_jobs, scheduler)
    total = n * sum(1 for a in study_arms if not a.is_vehicle)
    done = [0]

    def tick(k: int) -> None:
        done[0] += k
        if progress is not None:
            progress(done[0], total)

    all_names = readout_names()
    prolif, apop = signal_names(all_names)
    if readouts is None:
        keep = list(range(len(all_names)))
    else:
        unknown = sorted(set(readouts) - set(all_names))
        if unknown:
            raise ModelError(f"unknown readout(s) {unknown}: the network has {list(all_names)}")
        want = {*readouts, prolif, *([apop] if apop else [])}
        keep = [j for j, r in enumerate(all_names) if r in want]
    names_ro = tuple(all_names[j] for j in keep)
    exposures = [
        arm_exposure(
            arm,
            models,
            times,
            n,
            seed,
            i,
            weight,
            pk_variability,
            exposure,
            kp_uu,
            with_courses=pathway_mode == "dynamic",
        )
        for i, arm in enumerate(study_arms)
    ]
    for comp, fac in dict(exposure_scale or {}).items():
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
    treated = [i for i, a in enumerate(study_arms) if not a.is_vehicle]
    ro_by_arm: dict[int, np.ndarray] = {}
    specs = {
        i: (
            tuple(models[c].drug for c in study_arms[i].compounds),
            [exposures[i].site[c] for c in study_arms[i].compounds],
        )
        for i in treated
    }
    # the dynamic mode integrates exact PK courses where every compound's PK is linear
    inputs = {}
    for i in treated:
        courses = [exposures[i].courses.get(c) for c in study_arms[i].compounds]
        exact = all(c is not None for c in courses)
        inputs[i] = (specs[i][0], courses) if exact else specs[i]
    w_ins = float(insulin_feedback)
    if not (np.isfinite(w_ins) and w_ins >= 0):
        raise ModelError(f"insulin_feedback must be >= 0, got {insulin_feedback!r}")
    if w_ins > 0 and pathway_mode != "quasi-steady":
        raise ModelError(
            "insulin_feedback needs pathway_mode='quasi-steady' (the tumour's "
            "growth-factor input then varies with the simulated insulin)"
        )
    metab: dict[int, dict[str, np.ndarray]] = {}
    if metabolic or w_ins > 0:
        for i in treated:
            metab[i] = _metabolic(
                study_arms[i], models, exposures[i], times, network_parameters, tox_readout
            )
    if pathway_mode == "quasi-steady":
        for i in treated:
            drugs_i, concs = specs[i]
            if w_ins > 0:
                mult = 1.0 + w_ins * (metab[i]["insulin"] / _I0 - 1.0)
                ro_by_arm[i] = _insulin_tables(tum.lesions, context, drugs_i, network_parameters)(
                    concs, mult, columns=keep
                )
            else:
                ro_by_arm[i] = quasi_steady_table(
                    tum.lesions, context, drugs_i, network_parameters
                )(concs, columns=keep)
            tick(n)
    elif treated:  # every arm's animals share one pool of workers
        many = dynamic_readouts_many(
            [(tum.lesions, context, network_parameters, *inputs[i]) for i in treated],
            times,
            executor=run,
            on_chunk=tick,
        )
        ro_by_arm = {i: r[..., keep] for i, r in zip(treated, many, strict=True)}
    gj = names_ro.index(prolif)
    aj = None if apop is None else names_ro.index(apop)
    results = []
    for i, arm in enumerate(study_arms):
        ro = ro_by_arm.get(i)
        true = meas = None
        if tumor_growth:
            kill = None
            if ro is not None and tum.kill_rate > 0:
                kill = kill_drive(
                    ro[..., gj], None if aj is None else ro[..., aj], tum.kill_threshold
                )
            true, meas = tumor_volumes(
                tum,
                n,
                np.random.default_rng([int(seed), i, 1]),
                times / 24.0,
                None if ro is None else ro[..., gj],
                mdays,
                noise=noise,
                kill=kill,
            )
        met = metab.get(i)
        if met is None and (metabolic or w_ins > 0):
            met = {
                "glucose": np.full((n, times.size), _G0),
                "insulin": np.full((n, times.size), _I0),
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
    settings = {
        "species": sp,
        "weight_kg": weight,
        "tumor": tum.name,
        "lesions": list(tum.lesions),
        "n_animals": n,
        "seed": seed,
        "days": days,
        "measure_days": mdays.tolist(),
        "pathway_mode": pathway_mode,
        "exposure": exposure,
        "kp_uu": kp_uu,
        "pk_variability": pk_variability,
        "tumor_variability": tumor_variability,
        "noise": noise,
        "context": dict(context or {}),
        "tgi_formula": tgi_formula,
        "metabolic": bool(metabolic or w_ins > 0),
        "insulin_feedback": w_ins,
        "glucose_threshold_mg_dL": float(glucose_threshold),
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
            for c, m in models.items()
        },
        "tumor_sources": dict(tum.sources),
    }
    ctrl = control
    if ctrl is None:
        ctrl = next((a.name for a in study_arms if a.is_vehicle), None)
    elif ctrl not in [a.name for a in study_arms]:
        raise ModelError(
            f"control arm {ctrl!r} is not in the study: {[a.name for a in study_arms]}"
        )
    return StudyResult(
        arms=study_arms,
        times=times,
        days=mdays,
        results=results,
        readout_names=names_ro,
        tumor_spec=tum,
        control=ctrl,
        tgi_formula=tgi_formula,
        settings=settings,
    )
