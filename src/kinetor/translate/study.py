r"""The virtual xenograft study in one call: ``run_study(compound, species, tumor, regimen, ...)``.

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

:func:`run_study` is the keyword form: it builds the design objects of
:mod:`kinetor.translate.options` (:class:`StudyDesign`, :class:`ExposureOptions`,
:class:`NetworkOptions`, :class:`Execution`) and runs the staged engine
:func:`kinetor.translate.chain.simulate_study`. The objects can be given instead of their
keywords (``design=``, ``exposure_options=``, ``network_options=``, ``execution=``).

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

import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from kinetor.errors import ModelError
from kinetor.numerics.executor import Executor
from kinetor.translate.arms import Arm
from kinetor.translate.chain import simulate_study, study_days
from kinetor.translate.options import (
    Execution,
    ExposureOptions,
    NetworkOptions,
    PathwayMode,
    StudyDesign,
)
from kinetor.translate.result import StudyResult
from kinetor.translate.tables import quasi_steady_table

__all__ = ["quasi_steady_table", "run_study", "simulate_study", "study_days"]

# keyword of run_study -> (design object, its field)
_GROUPS: dict[str, tuple[str, str]] = {
    **{
        k: ("design", k)
        for k in (
            "compound species tumor regimen n_animals seed arms vehicle days measure_days dt "
            "weight tumor_growth tumor_variability noise control tgi_formula"
        ).split()
    },
    "exposure": ("exposure_options", "site"),
    **{k: ("exposure_options", k) for k in ("kp_uu", "pk", "pk_variability", "exposure_scale")},
    "network_parameters": ("network_options", "parameters"),
    **{
        k: ("network_options", k)
        for k in (
            "pathway_mode drugs context readouts metabolic insulin_feedback tox_readout "
            "glucose_threshold"
        ).split()
    },
    **{k: ("execution", k) for k in ("n_jobs", "scheduler", "executor", "progress")},
}
_CLASSES = {
    "design": StudyDesign,
    "exposure_options": ExposureOptions,
    "network_options": NetworkOptions,
    "execution": Execution,
}


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
    design: StudyDesign | None = None,
    exposure_options: ExposureOptions | None = None,
    network_options: NetworkOptions | None = None,
    execution: Execution | None = None,
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

    design, exposure_options, network_options, execution : optional
        Design objects (:mod:`kinetor.translate.options`) used instead of their keywords;
        giving an object and one of its keywords is a ``ModelError``.

    Returns
    -------
    StudyResult
        ``.pk``, ``.biomarkers``, ``.tumor``, ``.tgi`` (tidy frames), ``.settings``,
        ``plot_pk()``, ``plot_biomarkers()``, ``plot_tumor()``, ``save(dir)``.
    """
    given = {k: v for k, v in locals().items() if k in _GROUPS}
    objects = {
        "design": design,
        "exposure_options": exposure_options,
        "network_options": network_options,
        "execution": execution,
    }
    fields: dict[str, dict[str, Any]] = {name: {} for name in objects}
    for key, value in given.items():
        group, name = _GROUPS[key]
        default = _DEFAULTS[key]
        if objects[group] is not None:
            if not (value is default or _same(value, default)):
                raise ModelError(
                    f"run_study got both {group}= and {key}=: set {key} in the "
                    f"{_CLASSES[group].__name__} (dataclasses.replace) or drop {group}="
                )
            continue
        fields[group][name] = value
    built = {g: obj if obj is not None else _CLASSES[g](**fields[g]) for g, obj in objects.items()}
    return simulate_study(
        built["design"], built["exposure_options"], built["network_options"], built["execution"]
    )


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # arrays and such: never equal to a default
        return False


_DEFAULTS = {
    k: p.default for k, p in inspect.signature(run_study).parameters.items() if k in _GROUPS
}
