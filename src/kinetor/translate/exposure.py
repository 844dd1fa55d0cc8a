r"""Exposure link: regimen -> plasma PK (per animal) -> unbound concentration at the target.

For every treatment of an arm, ``kinetor.pk.simulate`` draws the animals' PK (between-animal
variability, log-normal) and returns total plasma concentrations :math:`C_p` (ng/mL). The
pathway sees the unbound molar concentration at the site of action:

.. math::

    C_{u,p} = f_u \, C_p \, \frac{10^3}{MW} \ \mathrm{[nM]}, \qquad
    C_{site} = K_{p,uu}\, C_{u,p}

(:math:`C_p` in ng/mL = ug/L, MW in g/mol; the free-drug hypothesis). ``exposure="plasma"``
uses :math:`C_{u,p}`; ``exposure="tumor"`` uses :math:`C_{site}` with the unbound tumour-to-
plasma partition coefficient :math:`K_{p,uu}` (default 1: instantaneous equilibrium of
unbound drug, an assumption; no tumour PK for these compounds is in the sources).

Time grid: hourly points plus a dense set after every dose (absorption phase), so that the
piecewise-linear course the pathway and the tumour model read is accurate (docs/translate.md).

Examples
--------
>>> g = time_grid(days=1, dose_times=[0.0], dt=1.0)
>>> g[:8].tolist()
[0.0, 0.0833, 0.1667, 0.25, 0.5, 0.75, 1.0, 1.25]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from kinetor.errors import ModelError

__all__ = [
    "DEFAULT_PK_CV",
    "POST_DOSE_OFFSETS",
    "ArmExposure",
    "arm_exposure",
    "pk_seed",
    "time_grid",
]

#: Default between-animal variability (CV of the log-normal) when none is given: an
#: assumption (typical of preclinical PK; no mouse population PK of these compounds is in
#: the sources). ``volume`` means the model's central volume (``v`` or ``v1``).
DEFAULT_PK_CV = {"cl": 0.30, "volume": 0.20}

#: Extra grid points after each dose (h): the absorption phase, where hourly is too coarse.
POST_DOSE_OFFSETS = np.array(
    [0.0, 1 / 12, 1 / 6, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0]
)


def time_grid(days: float, dose_times: Sequence[float], dt: float = 1.0) -> np.ndarray:
    """Simulation times (h): every ``dt`` h from 0 to ``days`` x 24, plus the post-dose
    offsets after each dose time; rounded to 1e-4 h and unique."""
    end = float(days) * 24.0
    if not end > 0:
        raise ModelError(f"the study must last > 0 days, got {days!r}")
    if not dt > 0:
        raise ModelError(f"dt must be > 0 h, got {dt!r}")
    base = np.arange(0.0, end + 1e-9, dt)
    doses = np.asarray(list(dose_times), float)
    dense = (doses[:, None] + POST_DOSE_OFFSETS[None, :]).ravel()
    grid = np.unique(np.round(np.concatenate([base, dense, [end]]), 4))
    return grid[(grid >= 0.0) & (grid <= end + 1e-9)]


def pk_seed(seed: int, arm_index: int, treatment_index: int) -> np.random.Generator:
    """The random generator of one treatment's PK: ``default_rng([seed, arm, 0, treatment])``.

    Documented so that a study's PK can be reproduced with ``kinetor.pk.simulate`` alone.
    """
    return np.random.default_rng([int(seed), int(arm_index), 0, int(treatment_index)])


def _variability(spec, model, compound: str):
    if spec is None:
        return None
    if isinstance(spec, str):
        if spec != "default":
            raise ModelError(f"pk_variability={spec!r}: use 'default', None or a dict")
        vol = "v" if "v" in model.params else "v1"
        return {"cl": DEFAULT_PK_CV["cl"], vol: DEFAULT_PK_CV["volume"]}
    if isinstance(spec, Mapping) and spec and all(isinstance(v, Mapping) for v in spec.values()):
        return _variability(spec.get(compound, "default"), model, compound)
    return spec


@dataclass
class ArmExposure:
    """PK of one arm: per compound, (animals x times) arrays.

    Attributes
    ----------
    conc : dict
        Total plasma concentration, ng/mL.
    free : dict
        Unbound plasma concentration, nM.
    site : dict
        Unbound concentration at the pathway's site (plasma or tumour), nM.
    params : dict
        Individual PK parameters (DataFrame) per compound.
    courses : dict
        Per compound, the exact unbound site concentration of every animal as a
        :class:`kinetor.pk.Polyexponential` (nM), or None for a nonlinear PK model; the
        dynamic pathway mode integrates these (restarts only at doses).
    """

    conc: dict[str, np.ndarray]
    free: dict[str, np.ndarray]
    site: dict[str, np.ndarray]
    params: dict[str, object]
    courses: dict[str, list | None] = field(default_factory=dict)


def arm_exposure(
    arm,
    models: Mapping[str, object],
    times: np.ndarray,
    n: int,
    seed: int,
    arm_index: int,
    species_weight: float,
    pk_variability="default",
    exposure: str = "plasma",
    kp_uu: float = 1.0,
    with_courses: bool = True,
) -> ArmExposure:
    """Simulate every treatment of ``arm`` for ``n`` animals on ``times`` (h).

    ``with_courses=False`` skips the exact per-animal courses (only the dynamic pathway
    mode reads them).

    ``models`` maps compound -> :class:`~kinetor.translate.arms.DrugModel`. The call for
    treatment ``j`` is exactly ``kinetor.pk.simulate(model, regimen, times, n_subjects=n,
    variability=..., seed=pk_seed(seed, arm_index, j), weight=species_weight)``.
    """
    from kinetor.pk import simulate

    if exposure not in ("plasma", "tumor"):
        raise ModelError(f"exposure must be 'plasma' or 'tumor', got {exposure!r}")
    if not (np.isfinite(kp_uu) and kp_uu >= 0):
        raise ModelError(f"kp_uu must be a number >= 0, got {kp_uu!r}")
    conc, free, site, params, courses = {}, {}, {}, {}, {}
    for j, treat in enumerate(arm.treatments):
        dm = models[treat.compound]
        var = _variability(pk_variability, dm.model, dm.compound)
        sim = simulate(
            dm.model,
            treat.regimen,
            times,
            n_subjects=n,
            variability=var,
            seed=pk_seed(seed, arm_index, j),
            weight=species_weight,
            mw=dm.mw,
            conc_unit="ng/mL",
        )
        c = sim.conc
        conc[treat.compound] = c
        free[treat.compound] = c * dm.free_factor
        site[treat.compound] = free[treat.compound] * (kp_uu if exposure == "tumor" else 1.0)
        params[treat.compound] = sim.params
        scale = dm.free_factor * (kp_uu if exposure == "tumor" else 1.0)
        courses[treat.compound] = (
            site_courses(dm, treat.regimen, sim.params, species_weight, scale)
            if with_courses
            else None
        )
    return ArmExposure(conc=conc, free=free, site=site, params=params, courses=courses)


def site_courses(dm, regimen, params, weight: float, scale: float) -> list | None:
    """Exact courses (nM) of the animals whose individual parameters (base units, one row
    per animal, as returned by ``kinetor.pk.simulate``) are ``params``: total ng/mL times
    ``scale`` (``fu x 1000/MW``, times Kp,uu at the tumour). None for nonlinear PK."""
    from kinetor.pk import build_events
    from kinetor.pk.course import courses
    from kinetor.units import convert

    if not dm.model.linear:
        return None
    P = {k: params[k].to_numpy(float) for k in dm.model.params}
    ev = build_events(regimen, len(params), weight=weight, mw=dm.mw, tlag=P.get("tlag"))
    factor = float(convert(1.0, "mg/L", "ng/mL")) * scale
    return courses(dm.model, P, ev, factor=factor, unit="nM")
