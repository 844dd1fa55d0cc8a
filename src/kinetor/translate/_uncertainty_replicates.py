"""TGI of a study design over replicate virtual studies: :func:`replicate_tgi`.

Re-exported by :mod:`kinetor.translate.uncertainty`, whose docstring gives the method.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from kinetor.errors import ModelError
from kinetor.translate._uncertainty_batch import (
    SAMPLED_TUMOR_PARAMETERS,
    _batch,
    _draw_parameters,
    _fu_ranges,
)

__all__ = ["ReplicateResult", "replicate_tgi"]


@dataclass
class ReplicateResult:
    """Result of :func:`replicate_tgi`.

    Attributes
    ----------
    summary : DataFrame
        Per arm: ``arm, n_animals, n_replicates, tgi_typical_pct,
        tgi_population_mean_pct, tgi_median_pct, tgi_lo_pct, tgi_hi_pct, tgi_sd_pct,
        level``.
    replicates : DataFrame
        ``replicate, arm, tgi_pct`` (one row per replicate study and arm) plus the sampled
        parameters (``param_<name>`` columns).
    delta_v : dict
        Arm -> per-animal volume change ``(n_replicates * n_animals,)`` (mm^3), the
        endpoint of :func:`power`.
    settings : dict
    """

    summary: pd.DataFrame
    replicates: pd.DataFrame
    delta_v: dict[str, np.ndarray] = field(repr=False)
    settings: dict[str, Any]

    def interval(self, arm: str) -> tuple[float, float]:
        """``(low, high)`` TGI interval of one arm."""
        row = self.summary.set_index("arm").loc[arm]
        return float(row["tgi_lo_pct"]), float(row["tgi_hi_pct"])


def replicate_tgi(
    compound: str | None = None,
    species: str = "mouse",
    tumor: Any = "MCF7",
    regimen: Any = None,
    *,
    arms: Sequence[Any] | None = None,
    n_animals: int = 10,
    n_replicates: int = 200,
    seed: int = 0,
    level: float = 0.95,
    parameter_uncertainty: bool = True,
    ranges: Mapping[str, tuple[float, float]] | None = None,
    noise: bool = True,
    batch: int | None = None,
    n_jobs: int = 1,
    fu_ranges: Mapping[str, tuple[float, float]] | None = None,
    scheduler: Any = None,
    executor: Any = None,
    **study_kw: Any,
) -> ReplicateResult:
    """TGI of a study design with its interval over replicate virtual studies.

    Parameters
    ----------
    compound, species, tumor, regimen, arms
        As :func:`kinetor.translate.run_study`.
    n_animals : int
        Animals per arm of one study.
    n_replicates : int
        Replicate studies.
    seed : int
        Seed of every stream (batch ``b`` uses ``SeedSequence([seed, b])``).
    level : float
        Interval coverage (0.95: 2.5th to 97.5th percentile).
    parameter_uncertainty : bool
        Draw the tumour's ranged parameters (and ``ranges``) per replicate.
    ranges : dict, optional
        Extra ``{tumour parameter: (low, high)}`` (e.g. ``{"kill_rate": (0.05, 0.3)}``).
    noise : bool
        Caliper error.
    fu_ranges : dict, optional
        ``{compound: (low, high)}`` ranges of the mouse unbound fraction, sampled per
        replicate (uniform) with ``parameter_uncertainty``; a compound whose library fu
        carries a range (``low``/``high``) is sampled without being named here. The
        unbound concentrations scale by sampled fu / nominal fu.
    batch : int, optional
        Replicates per vectorised run (default: about 500 animals per arm per run).
    n_jobs, scheduler, executor
        Where the batches run: local processes, a Dask scheduler, or a
        :class:`kinetor.numerics.executor.Executor` (results identical on any of them).
    **study_kw
        More :func:`run_study` options (``days``, ``pathway_mode``, ``kp_uu``, ``pk``...).

    Returns
    -------
    ReplicateResult

    Examples
    --------
    >>> r = replicate_tgi("vistusertib", regimen="15 mg/kg PO QD x 14 days", n_animals=4,
    ...                   n_replicates=20, seed=0)
    >>> r.summary[["arm", "tgi_lo_pct", "tgi_hi_pct"]].shape
    (2, 3)
    """
    from kinetor.numerics.executor import Executor, task_seed
    from kinetor.translate.study import run_study
    from kinetor.translate.tumors import get_tumor

    if not 0 < level < 1:
        raise ModelError(f"level must be in (0, 1), got {level!r}")
    n, n_rep = int(n_animals), int(n_replicates)
    if n < 2 or n_rep < 1:
        raise ModelError("replicate_tgi needs n_animals >= 2 and n_replicates >= 1")
    tum = get_tumor(tumor)
    bad = sorted(set(ranges or {}) - set(SAMPLED_TUMOR_PARAMETERS))
    if bad:
        raise ModelError(
            f"ranges for {bad} cannot be sampled per replicate: use "
            + ", ".join(SAMPLED_TUMOR_PARAMETERS)
        )
    params = (
        _draw_parameters(tum, n_rep, np.random.default_rng([seed, 99]), ranges)
        if parameter_uncertainty
        else {}
    )
    params = {k: v for k, v in params.items() if k in SAMPLED_TUMOR_PARAMETERS}
    fu_ranges = _fu_ranges(compound, regimen, arms, species, study_kw.get("pk"), fu_ranges)
    fu_draws = {}
    if parameter_uncertainty:
        rng_fu = np.random.default_rng([seed, 98])
        for c in sorted(fu_ranges):
            lo, hi, nominal = fu_ranges[c]
            fu_draws[c] = rng_fu.uniform(lo, hi, n_rep) / nominal
    study = {
        "compound": compound,
        "species": species,
        "tumor": tum,
        "regimen": regimen,
        "arms": arms,
        **study_kw,
    }
    study.setdefault("pathway_mode", "quasi-steady")
    b = int(batch or max(1, 500 // n))
    starts = list(range(0, n_rep, b))
    jobs = []
    for k, s in enumerate(starts):
        reps = min(b, n_rep - s)
        seed_b = task_seed(seed, k)
        jobs.append(
            (
                study,
                tum,
                n,
                reps,
                seed_b,
                {p: v[s : s + reps] for p, v in params.items()},
                noise,
                True,
                {c: v[s : s + reps] for c, v in fu_draws.items()},
            )
        )
    outs = Executor.coerce(executor, n_jobs, scheduler).map(_batch, jobs)
    tgi = np.concatenate([o[0] for o in outs])
    dv = np.concatenate([o[1] for o in outs])
    arm_names = outs[0][2]
    mean_vol = sum(o[3] for o in outs) / (n * n_rep)  # (arms, days)
    typ = run_study(
        **{**study, "pk_variability": None},
        n_animals=1,
        seed=seed,
        tumor_variability=False,
        noise=False,
    )
    tgi_typ = typ.tgi.set_index("arm")["tgi_pct"]
    control = typ.control
    ci = arm_names.index(control)
    d_pop = mean_vol[:, -1] - mean_vol[:, 0]
    q = [(1 - level) / 2 * 100, (1 + level) / 2 * 100]
    rows = []
    for j, a in enumerate(arm_names):
        lo, hi = np.nanpercentile(tgi[:, j], q)
        rows.append(
            {
                "arm": a,
                "n_animals": n,
                "n_replicates": n_rep,
                "tgi_typical_pct": float(tgi_typ.get(a, np.nan)),
                "tgi_population_mean_pct": float(100 * (1 - d_pop[j] / d_pop[ci])),
                "tgi_median_pct": float(np.nanmedian(tgi[:, j])),
                "tgi_lo_pct": float(lo),
                "tgi_hi_pct": float(hi),
                "tgi_sd_pct": float(np.nanstd(tgi[:, j], ddof=1)) if n_rep > 1 else np.nan,
                "level": level,
            }
        )
    rep = pd.DataFrame(
        {
            "replicate": np.repeat(np.arange(n_rep), len(arm_names)),
            "arm": np.tile(arm_names, n_rep),
            "tgi_pct": tgi.ravel(),
        }
    )
    for p, v in params.items():
        rep[f"param_{p}"] = np.repeat(v, len(arm_names))
    for c, v in fu_draws.items():
        rep[f"param_fu_{c}"] = np.repeat(v * fu_ranges[c][2], len(arm_names))
    settings = {
        "n_animals": n,
        "n_replicates": n_rep,
        "seed": seed,
        "level": level,
        "parameter_uncertainty": parameter_uncertainty,
        "sampled_parameters": {
            **{
                p: list(map(float, ({**dict(tum.ranges), **dict(ranges or {})})[p])) for p in params
            },
            **{f"fu_{c}": [fu_ranges[c][0], fu_ranges[c][1]] for c in fu_draws},
        },
        "control": control,
        "tumor": tum.name,
        "batch": b,
        "tgi_formula": "delta: 100 (1 - dT/dC), group means of measured volumes, "
        "day 0 to the last day",
        "pathway_mode": study["pathway_mode"],
    }
    return ReplicateResult(
        summary=pd.DataFrame(rows),
        replicates=rep,
        delta_v=dict(zip(arm_names, dv.T, strict=True)),
        settings=settings,
    )
