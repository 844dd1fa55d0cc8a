"""Design objects of a virtual study: what is studied, how exposure is made, how the
network is run, and where the work runs.

:func:`kinetor.translate.simulate_study` takes four small frozen dataclasses;
:func:`kinetor.translate.run_study` keeps the one-call keyword form and builds them:

* :class:`StudyDesign`: species, tumour, arms (or one ``compound`` + ``regimen``), animals
  per arm, seed, study length and measurement days, growth and caliper options, TGI control
  and formula;
* :class:`ExposureOptions`: the concentration site (plasma or tumour with ``kp_uu``), user
  PK, between-animal PK variability, per-animal exposure scaling;
* :class:`NetworkOptions`: pathway mode, drug potencies, context and parameter overrides,
  readouts, the glucose-insulin (metabolic) options, and the bounded table cache used;
* :class:`Execution`: local processes, a Dask scheduler or an
  :class:`~kinetor.numerics.executor.Executor`, and a progress callback.

Each object checks its own values when built (a :class:`~kinetor.errors.ModelError`
naming the option), and can be reused across studies (``dataclasses.replace`` makes a
variant).

Examples
--------
>>> d = StudyDesign(compound="vistusertib", regimen="15 mg/kg PO QD x 21 days", n_animals=4)
>>> [a.name for a in d.study_arms()]
['Vehicle', 'vistusertib 15 mg/kg PO QD x 21 days']
>>> NetworkOptions(pathway_mode="sideways")
Traceback (most recent call last):
...
kinetor.errors.ModelError: pathway_mode must be 'quasi-steady' or 'dynamic', got 'sideways'
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from kinetor.errors import ModelError
from kinetor.numerics.executor import Executor
from kinetor.translate.arms import Arm, Treatment, arm_list
from kinetor.translate.tables import TableCache

__all__ = ["Execution", "ExposureOptions", "NetworkOptions", "StudyDesign"]

PathwayMode = Literal["quasi-steady", "dynamic"]


@dataclass(frozen=True)
class StudyDesign:
    """What is studied: arms, animals, days, seed (see :func:`~kinetor.translate.run_study`
    for each option)."""

    compound: str | None = None
    regimen: Any = None
    species: str = "mouse"
    tumor: Any = "MCF7"
    n_animals: int = 10
    seed: int | None = 0
    arms: Sequence[Arm | str | Mapping[str, Any]] | None = None
    vehicle: bool = True
    days: float | None = None
    measure_days: Sequence[float] | None = None
    dt: float = 1.0
    weight: float | None = None
    tumor_growth: bool | None = None
    tumor_variability: bool = True
    noise: bool = True
    control: str | None = None
    tgi_formula: str = "delta"

    def __post_init__(self):
        n = self.n_animals
        if isinstance(n, bool) or not isinstance(n, numbers.Real) or not math.isfinite(n):
            raise ModelError(f"n_animals must be a whole number >= 1, got {n!r}")
        if int(n) != n:
            raise ModelError(f"n_animals must be a whole number (animals per arm), got {n!r}")
        if n < 1:
            raise ModelError(f"n_animals must be >= 1, got {n!r}")
        object.__setattr__(self, "n_animals", int(n))
        if self.weight is not None:  # kg, plausible for the species (a weight in g refused)
            from kinetor.translate._design_units import check_weight

            object.__setattr__(self, "weight", check_weight(self.weight, self.species))
        dt = self.dt
        if not (isinstance(dt, numbers.Real) and math.isfinite(dt) and dt > 0):
            raise ModelError(f"dt must be a positive number of hours, got {self.dt!r}")
        if self.arms is not None and not isinstance(self.arms, tuple):
            object.__setattr__(self, "arms", tuple(self.arms))
        from kinetor.pd.tgi_metrics import TGI_FORMULAS

        if self.tgi_formula not in TGI_FORMULAS:
            raise ModelError(
                f"tgi_formula must be one of {', '.join(sorted(TGI_FORMULAS))}, "
                f"got {self.tgi_formula!r}"
            )
        if self.measure_days is not None and not isinstance(self.measure_days, tuple):
            object.__setattr__(self, "measure_days", tuple(float(d) for d in self.measure_days))

    def study_arms(self) -> list[Arm]:
        """The arms: ``"<compound> <regimen>"`` first (when given), then ``arms``, with a
        ``Vehicle`` arm in front when ``vehicle`` and none is given."""
        out: list[Arm] = []
        if self.compound is not None and self.regimen is not None:
            comp = self.compound if isinstance(self.compound, str) else str(self.compound)
            label = self.regimen if isinstance(self.regimen, str) else str(self.regimen)
            out.append(Arm(f"{comp} {label}", (Treatment(comp, self.regimen),)))
        elif (self.compound is None) != (self.regimen is None) and not self.arms:
            raise ModelError("give both compound and regimen, or arms=[...]")
        out += [Arm.coerce(a) for a in (self.arms or [])]
        if self.vehicle and not any(a.is_vehicle for a in out):
            out.insert(0, Arm("Vehicle"))
        return arm_list(out)


@dataclass(frozen=True)
class ExposureOptions:
    """How the concentration the network sees is made: ``site`` ("plasma", or "tumor" =
    unbound plasma x ``kp_uu``), user ``pk``, ``pk_variability``, ``exposure_scale``.
    ``kp_uu`` (a number >= 0) acts on the tumour site only: another value than 1 with
    ``site="plasma"`` is refused (it would be recorded but unused)."""

    site: Literal["plasma", "tumor"] = "plasma"
    kp_uu: float = 1.0
    pk: Mapping[str, Mapping[str, Any]] | None = None
    pk_variability: Any = "default"
    exposure_scale: Mapping[str, Any] | None = None

    def __post_init__(self):
        if self.site not in ("plasma", "tumor"):
            raise ModelError(f"exposure must be 'plasma' or 'tumor', got {self.site!r}")
        kp = self.kp_uu
        if isinstance(kp, bool) or not (isinstance(kp, numbers.Real) and 0 <= kp < math.inf):
            raise ModelError(f"kp_uu must be a number >= 0, got {kp!r}")
        if self.site == "plasma" and kp != 1:
            raise ModelError(
                f"kp_uu = {kp!r} applies to the tumour exposure only; with exposure='plasma' "
                "it would be unused: pass exposure='tumor' (--exposure tumor on the command "
                "line) to use it, or leave kp_uu at 1"
            )


@dataclass(frozen=True)
class NetworkOptions:
    """How the pathway network is run: mode, potencies, context, parameters, readouts,
    the metabolic (glucose-insulin) options, and the cache of quasi-steady tables
    (default :data:`kinetor.translate.tables.DEFAULT_TABLES`)."""

    pathway_mode: PathwayMode = "quasi-steady"
    drugs: Mapping[str, Any] | None = None
    context: Mapping[str, float] | None = None
    parameters: Mapping[str, float] | None = None
    readouts: Sequence[str] | None = None
    metabolic: bool = False
    insulin_feedback: float = 0.0
    tox_readout: str | None = None
    glucose_threshold: float = 200.0
    tables: TableCache | None = field(default=None, compare=False, repr=False)

    def __post_init__(self):
        if self.pathway_mode not in ("quasi-steady", "dynamic"):
            raise ModelError(
                f"pathway_mode must be 'quasi-steady' or 'dynamic', got {self.pathway_mode!r}"
            )
        w = self.insulin_feedback
        if not (isinstance(w, numbers.Real) and math.isfinite(w) and w >= 0):
            raise ModelError(f"insulin_feedback must be >= 0, got {w!r}")
        if w > 0 and self.pathway_mode != "quasi-steady":
            raise ModelError(
                "insulin_feedback needs pathway_mode='quasi-steady' (the tumour's "
                "growth-factor input then varies with the simulated insulin)"
            )
        if self.tables is not None and not isinstance(self.tables, TableCache):
            raise ModelError(f"tables must be a TableCache, got {self.tables!r}")
        if self.readouts is not None and not isinstance(self.readouts, tuple):
            object.__setattr__(self, "readouts", tuple(self.readouts))

    @property
    def with_metabolism(self) -> bool:
        """Glucose and insulin are simulated (``metabolic`` or insulin feedback on)."""
        return bool(self.metabolic or self.insulin_feedback > 0)


@dataclass(frozen=True)
class Execution:
    """Where the dynamic-mode pathway runs go: ``n_jobs`` local processes, a Dask
    ``scheduler``, or an ``executor``; ``progress(done, total)`` in animal-arms."""

    n_jobs: int = 1
    scheduler: Any = None
    executor: Executor | None = None
    progress: Callable[[int, int], None] | None = field(default=None, compare=False)

    def __post_init__(self):
        self.resolve()  # bad n_jobs, missing dask, executor and n_jobs both: fail here

    def resolve(self) -> Executor:
        """The :class:`~kinetor.numerics.executor.Executor` these options describe."""
        return Executor.coerce(self.executor, self.n_jobs, self.scheduler)
