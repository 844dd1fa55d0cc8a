"""Scans of dose x schedule x genotype: many small studies, run in parallel.

Every cell (tumour, schedule, dose) is an independent two-arm study (vehicle + treated,
``n_animals`` each, the same ``seed`` everywhere, so every cell sees the same virtual
animals: common random numbers make differences between doses and schedules smooth).
Cells run in this process, in ``n_jobs`` local processes (joblib/loky), on a Dask
cluster (``scheduler="tcp://..."`` or a ``distributed.Client``), or on any
:class:`kinetor.numerics.executor.Executor` (``executor=``).

Examples
--------
>>> df = scan("vistusertib", doses=[5, 20], schedules=["{dose} mg/kg PO QD x 14 days"],
...           tumors=["MCF7"], n_animals=2, noise=False)
>>> df[["tumor", "dose", "tgi_pct"]].shape
(2, 3)
>>> bool(df["tgi_pct"].iloc[1] > df["tgi_pct"].iloc[0])
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from kinetor.errors import ModelError
from kinetor.numerics.executor import Executor

__all__ = ["scan"]


def _cell(
    compound: str,
    species: str,
    tumor: Any,
    schedule: str,
    dose: float,
    n: int,
    seed: int,
    study_kw: dict,
) -> dict:
    from kinetor.translate.study import run_study

    regimen = schedule.format(dose=f"{dose:.6g}")
    res = run_study(compound, species, tumor, regimen, n_animals=n, seed=seed, **study_kw)
    treated = res.arms[1].name
    tgi = res.tgi.set_index("arm")
    summ = res.summary().set_index("arm").loc[treated]
    name = tumor if isinstance(tumor, str) else getattr(tumor, "name", str(tumor))
    return {
        "tumor": name,
        "schedule": schedule,
        "dose": float(dose),
        "regimen": regimen,
        "n": n,
        "tgi_pct": float(tgi.loc[treated, "tgi_pct"]),
        "tc_pct": float(tgi.loc[treated, "tc_pct"]),
        "mean_growth_pct": float(summ["mean_growth_pct"]),
        "mean_pS6_pct": float(summ["mean_pS6_S235_236_pct"]),
        "final_volume_mm3": float(summ["final_volume_mm3"]),
        "control_final_volume_mm3": float(tgi.loc[treated, "control_mean_day"]),
    }


def scan(
    compound: str,
    doses: Sequence[float],
    schedules: Sequence[str],
    tumors: Sequence[Any] = ("MCF7",),
    species: str = "mouse",
    n_animals: int = 8,
    seed: int = 0,
    n_jobs: int = 1,
    scheduler: Any = None,
    progress: Callable[[int, int], None] | None = None,
    executor: Executor | None = None,
    **study_kw,
) -> pd.DataFrame:
    """TGI over every tumour x schedule x dose.

    Parameters
    ----------
    schedules : list of str
        Regimen templates with ``{dose}`` (e.g. ``"{dose} mg/kg PO QD x 21 days"``).
    n_jobs, scheduler, executor
        Local processes, a Dask scheduler, or an
        :class:`~kinetor.numerics.executor.Executor` (results identical on any of them).
    **study_kw
        Passed to :func:`~kinetor.translate.run_study` (``pathway_mode``, ``noise``...).

    Returns
    -------
    DataFrame
        One row per cell: tumor, schedule, dose, regimen, n, tgi_pct, tc_pct,
        mean_growth_pct, mean_pS6_pct, final_volume_mm3, control_final_volume_mm3.
    """
    bad = [s for s in schedules if "{dose}" not in s]
    if bad:
        raise ModelError(f"schedules need a {{dose}} field: {bad}")
    if "arms" in study_kw or "vehicle" in study_kw:
        raise ModelError("scan builds its own arms (vehicle + one treated arm per cell)")
    cells = [
        (compound, species, t, s, float(d), int(n_animals), int(seed), dict(study_kw))
        for t in tumors
        for s in schedules
        for d in doses
    ]
    if not cells:
        raise ModelError("nothing to scan: give doses, schedules and tumours")
    done = [0]

    def tick(k: int) -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], len(cells))

    rows = Executor.coerce(executor, n_jobs, scheduler).map(_cell, cells, tick)
    return pd.DataFrame(rows)
