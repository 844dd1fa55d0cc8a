r"""Therapeutic window: the schedule that maximises TGI under a glucose constraint.

:func:`optimise_schedule` evaluates every combination of dose, dosing interval and on/off
pattern for the typical animal (no variability, no noise; quasi-steady pathway mode), with
the glucose-insulin model and the insulin feedback into the tumour
(:mod:`kinetor.translate.toxicity`) switched on, and picks the candidate with the largest
TGI whose peak plasma glucose (and, optionally, hours above ``glucose_threshold``) stays
within the constraint. The winner's TGI then gets its interval from
:func:`kinetor.translate.replicate_tgi` (``n_replicates`` studies of ``n_animals``). The
trade-off curve is the best feasible TGI as a function of the glucose limit (the Pareto
front of TGI against peak glucose).

The search is exhaustive over the grid given (the TGI of the typical animal is a
deterministic function of the schedule, but not a smooth one of the pattern), so its
resolution is that of ``doses``.

Examples
--------
>>> opt = optimise_schedule("vistusertib", doses=[10, 40], intervals=["QD"],
...                         patterns=["continuous"], weeks=1, n_replicates=5, n_animals=3,
...                         insulin_feedback=0.0)
>>> sorted(opt.table.columns)[:3]
['dose_mg_kg', 'feasible', 'hours_above']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kinetor.errors import ModelError

__all__ = ["ScheduleOptimum", "optimise_schedule"]

_PATTERNS = ("continuous", "5 days on/2 days off", "4 days on/3 days off", "2 days on/5 days off")


@dataclass
class ScheduleOptimum:
    """Result of :func:`optimise_schedule`.

    Attributes
    ----------
    table : DataFrame
        One row per candidate: ``regimen, dose_mg_kg, interval, pattern,
        total_mg_kg, tgi_typical_pct, peak_glucose_mg_dL, hours_above,
        peak_insulin_uU_mL, feasible``, best TGI first.
    best : dict or None
        The best feasible candidate with its replicate interval (``tgi_median_pct``,
        ``tgi_lo_pct``, ``tgi_hi_pct``, ``n_replicates``, ``n_animals``); None when no
        candidate meets the constraint.
    frontier : DataFrame
        The trade-off curve: ``peak_glucose_mg_dL, tgi_typical_pct, regimen`` of the
        Pareto-optimal candidates.
    settings : dict
    """

    table: pd.DataFrame
    best: dict[str, Any] | None
    frontier: pd.DataFrame
    settings: dict[str, Any] = field(default_factory=dict)

    def plot(self):
        """TGI against peak glucose for every candidate, the Pareto front, the limit (a
        ``matplotlib.figure.Figure``; pyplot and the backend are not touched)."""
        from kinetor._figures import CONTROL, HIGHLIGHT, new_figure

        fig, ax = new_figure(7.5, 4.8, squeeze=True, layout="tight")
        for (iv, pat), sub in self.table.groupby(["interval", "pattern"], sort=False):
            ax.plot(
                sub["peak_glucose_mg_dL"],
                sub["tgi_typical_pct"],
                "o",
                ms=4,
                alpha=0.7,
                label=f"{iv} {pat}",
            )
        ax.step(
            self.frontier["peak_glucose_mg_dL"],
            self.frontier["tgi_typical_pct"],
            where="post",
            color=CONTROL,
            lw=1.2,
            label="trade-off (Pareto front)",
        )
        lim = self.settings.get("max_glucose")
        if lim is not None:
            ax.axvline(lim, color=HIGHLIGHT, ls="--", lw=1, label=f"limit {lim:g} mg/dL")
        if self.best:
            b = self.best
            ax.errorbar(
                [b["peak_glucose_mg_dL"]],
                [b["tgi_median_pct"]],
                yerr=[
                    [b["tgi_median_pct"] - b["tgi_lo_pct"]],
                    [b["tgi_hi_pct"] - b["tgi_median_pct"]],
                ],
                fmt="*",
                ms=14,
                color=HIGHLIGHT,
                label="chosen (95 % interval)",
            )
        ax.set(
            xlabel="peak plasma glucose (mg/dL)",
            ylabel="TGI (%), typical animal",
            title=f"Therapeutic window: {self.settings.get('compound')} in "
            f"{self.settings.get('tumor')}",
        )
        ax.legend(fontsize=7, ncol=2)
        return fig

    def save(self, out: str | Path) -> list[Path]:
        """Write schedules.csv, frontier.csv, best.json and tradeoff.png into ``out``."""
        import json

        d = Path(out)
        d.mkdir(parents=True, exist_ok=True)
        files = [d / "schedules.csv", d / "frontier.csv", d / "best.json", d / "tradeoff.png"]
        self.table.to_csv(files[0], index=False, float_format="%.6g")
        self.frontier.to_csv(files[1], index=False, float_format="%.6g")
        files[2].write_text(
            json.dumps({"best": self.best, "settings": self.settings}, indent=2, default=str)
        )
        from kinetor._figures import save_figure

        save_figure(self.plot(), files[3])
        return files


def _regimen(dose: float, interval: str, pattern: str, weeks: int) -> str:
    if pattern == "continuous":
        return f"{dose:g} mg/kg PO {interval} x {7 * weeks} days"
    return f"{dose:g} mg/kg PO {interval} {pattern} x {weeks} weeks"


def pareto_front(table: pd.DataFrame) -> pd.DataFrame:
    """The schedules no other beats: each has a higher TGI than every schedule with a peak
    glucose as low or lower (``peak_glucose_mg_dL, tgi_typical_pct, regimen``).

    Ties in glucose are common (the same dose per administration gives the same first-day
    peak whatever the on/off pattern); of tied schedules only the best TGI can be on it.

    >>> t = pd.DataFrame({"peak_glucose_mg_dL": [110.0, 110.0, 130.0, 120.0],
    ...                   "tgi_typical_pct": [25.0, 40.0, 35.0, 50.0],
    ...                   "regimen": ["a", "b", "c", "d"]})
    >>> pareto_front(t)["regimen"].tolist()
    ['b', 'd']
    """
    by_g = table.sort_values(
        ["peak_glucose_mg_dL", "tgi_typical_pct"], ascending=[True, False], kind="stable"
    )
    tgi = by_g["tgi_typical_pct"]
    front = by_g[tgi > tgi.cummax().shift(fill_value=-np.inf)]
    return front[["peak_glucose_mg_dL", "tgi_typical_pct", "regimen"]].reset_index(drop=True)


def optimise_schedule(
    compound: str,
    species: str = "mouse",
    tumor: Any = "MCF7",
    *,
    doses: Sequence[float] | None = None,
    intervals: Sequence[str] = ("QD", "BID", "q48h"),
    patterns: Sequence[str] = _PATTERNS,
    weeks: int = 3,
    max_glucose: float = 250.0,
    max_hours_above: float | None = None,
    glucose_threshold: float = 200.0,
    insulin_feedback: float = 1.0,
    n_animals: int = 10,
    n_replicates: int = 200,
    seed: int = 0,
    pk: Any = None,
    **study_kw: Any,
) -> ScheduleOptimum:
    """The dose, interval and on/off pattern with the best TGI under a glucose limit.

    Parameters
    ----------
    compound, species, tumor
        As :func:`kinetor.translate.run_study`.
    doses : list of float, optional
        mg/kg per administration (default 8 doses from 5 to 640 mg/kg, doubling).
    intervals : list of str
        Regimen frequencies (``QD``, ``BID``, ``q48h``, ...; on/off patterns apply to
        daily and twice-daily dosing only).
    patterns : list of str
        ``continuous`` or ``"N days on/M days off"``.
    weeks : int
        Treatment length (and study length).
    max_glucose : float
        Peak plasma glucose limit, mg/dL (default 250: CTCAE grade 3 hyperglycaemia).
    max_hours_above : float, optional
        Also limit the hours above ``glucose_threshold`` over the study.
    insulin_feedback : float
        Weight of the insulin rise on the tumour's growth-factor input
        (:mod:`kinetor.translate.toxicity`; 1 = the whole input follows insulin,
        assumption).
    n_animals, n_replicates, seed
        Design and replicates of the winner's TGI interval.
    pk, **study_kw
        Passed to :func:`run_study` (user PK, ``kp_uu``, ``context`` ...).

    Returns
    -------
    ScheduleOptimum
    """
    from kinetor.translate.study import run_study
    from kinetor.translate.uncertainty import replicate_tgi

    if weeks < 1:
        raise ModelError("weeks must be >= 1")
    doses = [float(d) for d in (doses if doses is not None else 5.0 * 2.0 ** np.arange(8))]
    if not doses or min(doses) <= 0:
        raise ModelError("doses must be positive mg/kg values")
    cands = []
    for iv in intervals:
        for pat in patterns:
            if pat != "continuous" and iv.lower() not in ("qd", "bid"):
                continue
            for d in doses:
                cands.append(
                    {
                        "regimen": _regimen(d, iv, pat, weeks),
                        "dose_mg_kg": d,
                        "interval": iv,
                        "pattern": pat,
                    }
                )
    arms = [f"c{k}={compound}:{c['regimen']}" for k, c in enumerate(cands)]
    kw = {
        "pk": None if pk is None else pk,
        "metabolic": True,
        "insulin_feedback": insulin_feedback,
        "glucose_threshold": glucose_threshold,
        **study_kw,
    }
    typ = run_study(
        None,
        species,
        tumor,
        arms=arms,
        n_animals=1,
        seed=seed,
        pk_variability=None,
        tumor_variability=False,
        noise=False,
        days=7.0 * weeks,
        readouts=(),
        **kw,
    )
    summ = typ.summary().set_index("arm")
    hcol = f"hours_glucose_above_{glucose_threshold:g}"
    rows = []
    for k, c in enumerate(cands):
        s = summ.loc[f"c{k}"]
        n_doses = len(typ.arms[k + 1].treatments[0].regimen.to_table())
        total = c["dose_mg_kg"] * n_doses
        rows.append(
            {
                **c,
                "total_mg_kg": total,
                "tgi_typical_pct": float(s["tgi_pct"]),
                "peak_glucose_mg_dL": float(s["peak_glucose_mg_dL"]),
                "hours_above": float(s[hcol]),
                "peak_insulin_uU_mL": float(s["peak_insulin_uU_mL"]),
            }
        )
    table = pd.DataFrame(rows)
    ok = table["peak_glucose_mg_dL"] <= max_glucose
    if max_hours_above is not None:
        ok &= table["hours_above"] <= max_hours_above
    table["feasible"] = ok
    table = table.sort_values(
        ["feasible", "tgi_typical_pct"], ascending=[False, False], ignore_index=True
    )
    frontier = pareto_front(table)
    best = None
    if bool(table["feasible"].any()):
        top = table.iloc[0].to_dict()
        rep = replicate_tgi(
            compound,
            species,
            tumor,
            top["regimen"],
            n_animals=n_animals,
            n_replicates=n_replicates,
            seed=seed,
            days=7.0 * weeks,
            **kw,
        )
        r = rep.summary.set_index("arm").loc[f"{compound} {top['regimen']}"]
        best = {
            **{k: (v.item() if hasattr(v, "item") else v) for k, v in top.items()},
            "tgi_median_pct": float(r["tgi_median_pct"]),
            "tgi_lo_pct": float(r["tgi_lo_pct"]),
            "tgi_hi_pct": float(r["tgi_hi_pct"]),
            "tgi_population_mean_pct": float(r["tgi_population_mean_pct"]),
            "n_replicates": int(n_replicates),
            "n_animals": int(n_animals),
        }
    settings = {
        "compound": compound,
        "species": species,
        "tumor": typ.tumor_spec.name,
        "weeks": weeks,
        "max_glucose": max_glucose,
        "max_hours_above": max_hours_above,
        "glucose_threshold": glucose_threshold,
        "insulin_feedback": insulin_feedback,
        "n_candidates": len(cands),
        "seed": seed,
        "glucose_model": "Topp et al. 2000 J Theor Biol 206:605 "
        "(parameters unverified; kinetor.translate.toxicity)",
    }
    return ScheduleOptimum(table=table, best=best, frontier=frontier, settings=settings)
