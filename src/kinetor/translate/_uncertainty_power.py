"""Animals per arm to detect a TGI difference (:func:`power`) and the per-design table.

Re-exported by :mod:`kinetor.translate.uncertainty`, whose docstring gives the method.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kinetor.translate._uncertainty_replicates import replicate_tgi
from kinetor.translate._uncertainty_sample_size import normal_sample_size, sample_size

__all__ = ["PowerResult", "design_summary", "power"]


@dataclass
class PowerResult:
    """Result of :func:`power`: ``table`` (one row per comparison) and the pool sizes."""

    table: pd.DataFrame
    settings: dict[str, Any]


def power(
    compound: str | None = None,
    species: str = "mouse",
    tumor: Any = "MCF7",
    regimen: Any = None,
    *,
    arms: Sequence[Any] | None = None,
    tgi_difference: float | None = None,
    alpha: float = 0.05,
    power: float = 0.8,
    pool: int = 1000,
    n_sim: int = 2000,
    n_max: int = 200,
    seed: int = 0,
    **study_kw: Any,
) -> PowerResult:
    """Animals per arm needed to detect a TGI difference (simulation-based).

    Simulates ``pool`` animals per arm once (the chain's between-animal variability, caliper
    noise), then for each comparison resamples ``n`` animals per arm ``n_sim`` times and
    runs a two-sided Welch t-test on the per-animal volume change (module docstring).

    Comparisons: every treated arm against the control (the effect the arm itself has),
    and, with ``tgi_difference`` (percentage points), every treated arm against a
    hypothetical arm whose TGI differs by that much with the same spread (its volume
    changes shifted by ``tgi_difference / 100`` x the control's mean change).

    Returns
    -------
    PowerResult
        ``table``: ``comparison, arm, reference, tgi_difference_pct, n_per_arm,
        achieved_power, n_normal_theory, sd_delta_v_mm3, alpha, power``; ``n_per_arm`` is
        empty when more than ``n_max`` animals would be needed.

    Examples
    --------
    >>> p = power("vistusertib", regimen="15 mg/kg PO QD x 14 days", pool=200, n_sim=400)
    >>> int(p.table["n_per_arm"].iloc[0]) >= 2
    True
    """
    rep = replicate_tgi(
        compound,
        species,
        tumor,
        regimen,
        arms=arms,
        n_animals=int(pool),
        n_replicates=1,
        seed=seed,
        parameter_uncertainty=False,
        **study_kw,
    )
    dv = rep.delta_v
    ctrl = rep.settings["control"]
    c = dv[ctrl]
    rows = []

    def resampler(x_pool: np.ndarray, y_pool: np.ndarray, shift: float = 0.0):
        def draw(n: int, n_sim_: int, rng: np.random.Generator):
            return (rng.choice(x_pool, (n_sim_, n)), rng.choice(y_pool, (n_sim_, n)) + shift)

        return draw

    for k, a in enumerate(dv):
        if a == ctrl:
            continue
        y = dv[a]
        diff = 100.0 * (1.0 - y.mean() / c.mean())
        comps = [("vs control", ctrl, c, y, 0.0, diff)]
        if tgi_difference is not None:
            shift = -float(tgi_difference) / 100.0 * c.mean()
            comps.append(
                (
                    f"TGI +{tgi_difference:g} points",
                    f"{a} (hypothetical)",
                    y,
                    y,
                    shift,
                    float(tgi_difference),
                )
            )
        for label, ref, xp, yp, shift, d in comps:
            sub = int(np.random.SeedSequence([int(seed), k, len(rows)]).generate_state(1)[0])
            ss = sample_size(resampler(xp, yp, shift), alpha, power, n_max, n_sim, seed=sub)
            sd = math.sqrt((xp.var(ddof=1) + yp.var(ddof=1)) / 2.0)
            delta = abs(yp.mean() + shift - xp.mean())
            rows.append(
                {
                    "comparison": label,
                    "arm": a,
                    "reference": ref,
                    "tgi_difference_pct": d,
                    "n_per_arm": ss.n,
                    "achieved_power": ss.achieved_power,
                    "n_normal_theory": (
                        normal_sample_size(delta, sd, alpha, power) if delta > 0 else np.inf
                    ),
                    "sd_delta_v_mm3": sd,
                    "alpha": alpha,
                    "power": power,
                }
            )
    table = pd.DataFrame(rows)
    table["n_per_arm"] = table["n_per_arm"].astype("Int64")
    return PowerResult(
        table=table,
        settings={
            "pool_per_arm": int(pool),
            "n_sim": n_sim,
            "n_max": n_max,
            "seed": seed,
            "endpoint": "per-animal volume change, day 0 to the last day (mm^3)",
            "test": "two-sided Welch t-test",
        },
    )


def design_summary(
    compound: str | None = None,
    species: str = "mouse",
    tumor: Any = "MCF7",
    regimen: Any = None,
    *,
    arms: Sequence[Any] | None = None,
    n_animals: int = 10,
    n_replicates: int = 500,
    seed: int = 0,
    study: Any = None,
    alpha: float = 0.05,
    power_target: float = 0.8,
    **study_kw: Any,
) -> pd.DataFrame:
    """One table per design: every number with what it is.

    Columns per arm: ``tgi_this_study_pct`` (one simulated study of ``n_animals``, when
    ``study`` is given), ``tgi_typical_pct`` (typical animal), ``tgi_population_mean_pct``,
    ``tgi_median_pct`` and ``tgi_lo_pct``/``tgi_hi_pct`` (95 % of ``n_replicates`` studies
    of this size), and ``n_per_arm_vs_control`` (animals per arm for 80 % power to detect
    the arm's effect against the control, :func:`power`).

    Examples
    --------
    >>> t = design_summary("vistusertib", regimen="30 mg/kg PO QD x 7 days", n_animals=4,
    ...                    n_replicates=10)
    >>> "n_per_arm_vs_control" in t.columns
    True
    """
    rep = replicate_tgi(
        compound,
        species,
        tumor,
        regimen,
        arms=arms,
        n_animals=n_animals,
        n_replicates=n_replicates,
        seed=seed,
        **study_kw,
    )
    pw = power(
        compound,
        species,
        tumor,
        regimen,
        arms=arms,
        alpha=alpha,
        power=power_target,
        seed=seed,
        **study_kw,
    ).table
    pw = pw[pw["comparison"] == "vs control"].set_index("arm")["n_per_arm"]
    out = rep.summary.drop(columns=["n_replicates", "level"])
    if study is not None:
        this = study.tgi.set_index("arm")["tgi_pct"]
        out.insert(2, "tgi_this_study_pct", out["arm"].map(this))
    out["n_per_arm_vs_control"] = out["arm"].map(pw).astype("Int64")
    out.attrs["n_replicates"] = n_replicates
    return out
