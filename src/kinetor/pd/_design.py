"""The observation design shared by the tumour and biomarker fitters of :mod:`.fit_models`.

Which animal and output time each observation belongs to, each animal's estimation group,
and the exposure (drug concentration) of each animal on a common time grid, read from a
tidy exposure table (``animal`` or ``group``, ``time`` or ``day``, ``conc``; linear between
rows; units from the headers, ``time (h)``, ``conc (ug/mL)``, or a unit column). Problems in
that table are :class:`~kinetor.errors.DataError` naming the row and column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kinetor.errors import DataError, ModelError, Problem
from kinetor.pd._exposure import _exposure_matrix
from kinetor.pd.fit import PDFitter

__all__: list[str] = []


@dataclass
class _Design:
    """Simulation structure shared by the ODE-based fitters."""

    unit_of_obs: np.ndarray  # (n_obs,) index of the animal of each observation
    time_index: np.ndarray  # (n_obs,) index into times
    times: np.ndarray  # unique observation times
    unit_group: np.ndarray  # (n_units,) estimation-group index of each animal
    grid: np.ndarray | None  # exposure grid
    conc: np.ndarray | None  # (n_units, n_grid) exposure
    t0: float
    units: np.ndarray | None = None  # (n_units,) animal IDs as written in the data


def _step_budget(design) -> int:
    """Integration steps per animal allowed in a fit's trial evaluation."""
    # a step budget per animal far above what plausible dynamics need (about the number
    # of exposure grid points plus a few hundred: 500 steps for a 61-point grid, 2,000
    # for 1,501, measured), so that a stiff trial point (a kill rate far beyond the
    # data) fails in a fraction of a second instead of running to the 2 million steps
    # of a plain simulation; the trial is then rejected by the optimiser
    n_grid = 0 if design.grid is None else np.asarray(design.grid).size
    return 20_000 + 20 * n_grid


def name_failed(exc: ModelError, design: _Design) -> ModelError:
    """``exc`` (an integration failure listing animal positions) naming the animal IDs."""
    failed = getattr(exc, "failed", None)
    if failed is None or design.units is None:
        return exc
    ids = ", ".join(str(design.units[i]) for i in failed)
    model, _, rest = str(exc).partition(": ")
    status = rest[rest.rfind("(") :] if "(" in rest else ""
    err = ModelError(f"{model}: the integration failed for animal(s) {ids} {status}".strip())
    err.failed = failed  # a fitter's trial step treats it as a rejected point
    return err


def exposure_labels(df: pd.DataFrame, units: np.ndarray, exposure) -> pd.Series | None:
    """The key of each animal (``units``) in the exposure table: None when the table is
    keyed by animal, each animal's ``group`` when it is keyed by group (a DataError when
    the data have no group column then)."""
    if exposure is None or "animal" in pd.DataFrame(exposure).columns:
        return None
    if "group" not in df.columns:
        fix = "give the data a group column, or key the exposure by animal"
        raise DataError(
            Problem(
                "the exposure is given per group but the data have no 'group' column",
                df.attrs.get("kinetor_file"),
                1,
                "group",
                fix,
            )
        )
    # exposure given per treatment group: each animal takes its group's course
    grp = df.drop_duplicates("animal")
    labels = pd.Series(
        grp["group"].to_numpy(dtype=str), index=grp["animal"].to_numpy(dtype=str)
    ).reindex(units)
    return labels.reset_index(drop=True)


def estimation_groups(df: pd.DataFrame, by: str) -> np.ndarray:
    """The estimation group of each row: ``pooled``, its ``group`` or its ``animal``."""
    if by == "pooled":
        return np.full(len(df), "pooled", dtype=object)
    if by not in ("animal", "group"):
        raise ModelError("by must be 'pooled', 'group' or 'animal'")
    if by not in df.columns:
        raise DataError(Problem(f"no '{by}' column to fit by {by}", column=by))
    return df[by].astype("string").to_numpy()


class _DesignFitter(PDFitter):
    def _design(
        self,
        animal: np.ndarray,
        t: np.ndarray,
        group_of_obs: np.ndarray,
        exposure,
        key_of_unit: pd.Series | None = None,
        source: dict | None = None,
        time_unit: str | None = None,
    ) -> _Design:
        """The design; ``source`` (``rows``, ``file``, ``column``) names the data rows of
        the observations in errors; ``time_unit`` is the data's (None: tumour fitters
        take days, biomarker fitters the exposure's)."""
        units, unit_of_obs = np.unique(animal, return_inverse=True)
        times, time_index = np.unique(t, return_inverse=True)
        _, gidx = np.unique(group_of_obs, return_inverse=True)
        unit_group = np.zeros(units.size, dtype=int)
        unit_group[unit_of_obs] = gidx
        grid = conc = None
        self.no_exposure_, self.exposure_notes_ = [], []
        if exposure is not None:
            labels = pd.Series(units) if key_of_unit is None else key_of_unit
            punits = getattr(self, "param_units", None) or {}
            # tumour fitters name their rates per day (the `day` column); the biomarker
            # fitters name the data's time unit, if any
            tu = time_unit or ("day" if any("day" in u for u in punits.values()) else None)
            src = source or {}
            rows = src.get("rows")
            rows = [None] * len(t) if rows is None else list(np.asarray(rows))
            obs = pd.DataFrame({"unit": unit_of_obs, "time": t, "row": rows})
            obs.attrs = {"file": src.get("file"), "column": src.get("column", "time")}
            grid, conc, self.no_exposure_, cu, self.exposure_notes_, etu = _exposure_matrix(
                exposure, units, labels, obs, tu
            )
            self.exposure_time_unit_ = etu
            if cu is not None:  # k2 per concentration unit: the table's
                punits = {k: u.replace("conc unit", cu) for k, u in punits.items()}
                self.param_units = punits
            if tu is None and etu is not None:  # data times taken in the exposure's unit
                self.param_units = {k: u.replace("time unit", etu) for k, u in punits.items()}
        # the model starts where the drug does when the exposure course begins before the
        # first observation (R(t0) = R0, V(t0) = v0 there): drug given before the first
        # sample acts on the predictions (starting at the first sample ignored it)
        t0 = float(times[0]) if grid is None else min(float(times[0]), float(grid[0]))
        return _Design(unit_of_obs, time_index, times, unit_group, grid, conc, t0, units)


def check_growing(t: np.ndarray, y: np.ndarray, groups: np.ndarray, model: str) -> None:
    """A ModelError, before any fitting, when the tumours of every estimation group shrink
    (the least-squares slope of ln V on day is <= 0, which growth without a drug, k > 0,
    cannot follow: the fit would run to its evaluation limit). Where only some shrink the
    fit goes on: those groups end ``converged=False`` with their reasons, the others are
    kept."""
    ok = y > 0
    df = pd.DataFrame({"g": groups[ok], "t": t[ok], "ly": np.log(y[ok])})
    dev = df.groupby("g")[["t", "ly"]].transform(lambda c: c - c.mean())
    sxy = (dev["t"] * dev["ly"]).groupby(df["g"]).sum()
    sxx = (dev["t"] ** 2).groupby(df["g"]).sum()
    bad = sorted(map(str, sxy.index[(sxx > 0) & (sxy <= 0)]))
    if bad and len(bad) == int((sxx > 0).sum()):
        raise ModelError(
            f"{model} growth needs a growing tumour, but the slope of ln V on day is <= 0 for "
            f"{', '.join(bad)}: give the exposure (--exposure) to fit a drug effect, or leave "
            "the shrinking animals out of a growth fit"
        )


def uncertain_rates(summary: pd.DataFrame, positive) -> list[str]:
    """Notes for the estimated log-scale (``positive``) parameters of converged groups with
    a relative SE above 100 %: their CI, built on the log scale, is then no reliable
    interval (a Wald interval of the estimate itself reaches below 0), so the parameter
    is not told apart from 0 by the data."""
    s = summary[summary["parameter"].isin(list(positive)) & ~summary["fixed"].astype(bool)]
    s = s[s["converged"].astype(bool) & (s["rse_pct"] > 100.0)]
    return [
        f"{r.parameter} ({r.group}): relative SE {r.rse_pct:.3g} % > 100 %: its CI "
        f"{r.ci_lower:.3g}-{r.ci_upper:.3g}, built on the log scale, is not a reliable "
        f"interval, and {r.parameter} is not distinguishable from 0 by these data"
        for r in s.itertuples()
    ]
