"""The observation design shared by the tumour and biomarker fitters of :mod:`.fit_models`.

Which animal and output time each observation belongs to, each animal's estimation group,
and the exposure (drug concentration) of each animal on a common time grid, read from a
tidy exposure table (``animal`` or ``group``, ``time`` or ``day``, ``conc``; linear between
rows). Problems in that table are :class:`~kinetor.errors.DataError` naming the row and
column.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kinetor.errors import DataError, ModelError, Problem
from kinetor.pd._checks import concentration_problems
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


def _exposure_matrix(
    exposure, units: np.ndarray, unit_labels: pd.Series, t_span: tuple[float, float]
):
    """Common grid and (n_units, n_grid) concentrations from a tidy exposure table.

    Two rows of one course at one time are a jump (an IV bolus: the first row is the
    value just before, the second just after); the common grid repeats that time and
    courses without a jump there take their value twice.
    """
    attrs = dict(getattr(exposure, "attrs", {}))
    ex = pd.DataFrame(exposure).copy()
    file = attrs.get("kinetor_file")
    rows = np.asarray(attrs.get("kinetor_rows", []), dtype=int)
    rows = rows if rows.size == len(ex) else np.arange(2, len(ex) + 2)
    tcol = "time" if "time" in ex.columns else "day"
    key = "animal" if "animal" in ex.columns else "group"
    missing = [c for c in (key, tcol, "conc") if c not in ex.columns]
    if missing or key not in ex.columns:
        fix = "exposure needs animal (or group), time (or day), conc"
        raise DataError(
            [Problem(f"exposure table has no '{c}' column", file, 1, c, fix) for c in missing]
        )
    ex[key] = ex[key].astype("string").str.strip()
    ex["_row"] = rows
    blank = (ex[key].isna() | ex[key].eq("")).to_numpy(bool)
    if blank.any():
        fix = f"every exposure row needs its {key}"
        raise DataError([Problem("empty value", file, int(r), key, fix) for r in rows[blank]])
    bad = concentration_problems(ex, rows, file, time=tcol, what="exposure concentration")
    if bad:  # an infinite, negative or missing concentration or time is no exposure course
        raise DataError(bad)
    ex[tcol] = ex[tcol].astype(float)
    ex = ex.sort_values([key, tcol], kind="stable")  # a jump keeps its rows' order
    _check_keys(ex, key, unit_labels, file)
    size = ex.groupby([key, tcol], sort=False)[tcol].transform("size").to_numpy()
    if (size > 2).any():
        problems = []
        for (k, t), sub in ex[size > 2].groupby([key, tcol], sort=False):
            listed = ", ".join(str(r) for r in sub["_row"])
            msg = f"{len(sub)} exposure rows for {k} at {tcol} {t:g} (rows {listed})"
            fix = "give one row per time, or two for a jump (the value before, then after)"
            problems += [Problem(msg, file, int(r), tcol, fix) for r in sub["_row"]]
        raise DataError(problems)
    times = np.unique(ex[tcol].to_numpy(dtype=float))
    mult = ex.groupby([key, tcol])[tcol].size().groupby(level=1).max()
    grid = np.repeat(times, mult.reindex(times).to_numpy(dtype=int))
    first = np.r_[True, grid[1:] != grid[:-1]]  # a repeated time: left then right limit
    courses = {
        k: np.where(
            first,
            _course_at(sub[tcol].to_numpy(float), sub["conc"].to_numpy(float), grid, "left"),
            _course_at(sub[tcol].to_numpy(float), sub["conc"].to_numpy(float), grid, "right"),
        )
        for k, sub in ex.groupby(key, sort=False)
    }
    if grid[0] > t_span[0] or grid[-1] < t_span[1]:
        raise DataError(
            Problem(
                f"exposure covers {tcol} {grid[0]:g}-{grid[-1]:g} but the "
                f"data span {t_span[0]:g}-{t_span[1]:g}",
                file,
                column=tcol,
                fix="extend the exposure time course over the whole study",
            )
        )
    labels = unit_labels.astype("string").to_numpy()
    absent = sorted(set(labels) - set(courses))
    nan = np.full(grid.size, np.nan)
    mat = np.array([courses.get(lab, nan) for lab in labels]).reshape(labels.size, grid.size)
    if np.isnan(mat[~np.isin(labels, absent)]).any():
        raise DataError(
            Problem(
                "an exposure course does not cover the study span",
                file,
                column="conc",
                fix="give every course from the first to the last study time",
            )
        )
    return grid, np.nan_to_num(mat, nan=0.0), absent


def _course_at(g: np.ndarray, v: np.ndarray, x: np.ndarray, side: str) -> np.ndarray:
    """A piecewise-linear course (times ``g``, a repeat a jump) at ``x``: the left or right
    limit; NaN outside ``[g[0], g[-1]]``."""
    inside = (x >= g[0]) & (x <= g[-1])
    if g.size == 1:
        return np.where(inside, v[0], np.nan)
    idx = np.clip(np.searchsorted(g, x, side=side) - 1, 0, g.size - 2)
    g0, g1 = g[idx], g[idx + 1]
    step = 0.0 if side == "left" else 1.0  # on a jump: the value before or after
    w = np.where(g1 > g0, (x - g0) / np.where(g1 > g0, g1 - g0, 1.0), step)
    w = np.clip(w, 0.0, 1.0)
    return np.where(inside, v[idx] * (1.0 - w) + v[idx + 1] * w, np.nan)


def _check_keys(ex: pd.DataFrame, key: str, unit_labels: pd.Series, file) -> None:
    """A DataError for exposure courses that match no animal (or group) of the data."""
    present = sorted(set(unit_labels.astype("string")))
    unknown = [k for k in dict.fromkeys(ex[key]) if k not in present]
    if not unknown:
        return
    problems = []
    for k in unknown:
        near = [p for p in present if p.casefold() == str(k).casefold()]
        hint = f"did you mean {near[0]!r}? " if near else ""
        row = int(ex.loc[ex[key] == k, "_row"].min())
        msg = f"exposure {key} {k!r} matches no {key} of the data ({', '.join(present)})"
        fix = f"{hint}write the {key} exactly as in the data (case counts)"
        problems.append(Problem(msg, file, row, key, fix))
    raise DataError(problems)


class _DesignFitter(PDFitter):
    def _design(
        self,
        animal: np.ndarray,
        t: np.ndarray,
        group_of_obs: np.ndarray,
        exposure,
        key_of_unit: pd.Series | None = None,
    ) -> _Design:
        units, unit_of_obs = np.unique(animal, return_inverse=True)
        times, time_index = np.unique(t, return_inverse=True)
        _, gidx = np.unique(group_of_obs, return_inverse=True)
        unit_group = np.zeros(units.size, dtype=int)
        unit_group[unit_of_obs] = gidx
        grid = conc = None
        self.no_exposure_ = []
        if exposure is not None:
            labels = pd.Series(units) if key_of_unit is None else key_of_unit
            grid, conc, self.no_exposure_ = _exposure_matrix(
                exposure, units, labels, (times[0], times[-1])
            )
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
