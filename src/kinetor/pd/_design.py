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
    """Common grid and (n_units, n_grid) concentrations from a tidy exposure table."""
    ex = pd.DataFrame(exposure).copy()
    tcol = "time" if "time" in ex.columns else "day"
    key = "animal" if "animal" in ex.columns else "group"
    missing = [c for c in (key, tcol, "conc") if c not in ex.columns]
    if missing or key not in ex.columns:
        raise DataError(
            [
                Problem(
                    f"exposure table has no '{c}' column",
                    column=c,
                    fix="exposure needs animal (or group), time (or day), conc",
                )
                for c in missing
            ]
        )
    ex[key] = ex[key].astype("string")
    dup = ex.duplicated([key, tcol]).to_numpy()
    if dup.any():
        raise DataError(
            [
                Problem(
                    f"two exposure rows for {ex[key].iloc[i]} at {tcol} {ex[tcol].iloc[i]}",
                    row=int(i) + 2,
                    column=tcol,
                )
                for i in np.flatnonzero(dup)
            ]
        )
    wide = ex.pivot(index=tcol, columns=key, values="conc").sort_index()
    wide = wide.interpolate(method="index", limit_area="inside")
    grid = wide.index.to_numpy(dtype=float)
    if grid[0] > t_span[0] or grid[-1] < t_span[1]:
        raise DataError(
            Problem(
                f"exposure covers {tcol} {grid[0]:g}-{grid[-1]:g} but the "
                f"data span {t_span[0]:g}-{t_span[1]:g}",
                column=tcol,
                fix="extend the exposure time course over the whole study",
            )
        )
    labels = unit_labels.astype("string").to_numpy()
    absent = sorted(set(labels) - set(wide.columns))
    mat = wide.reindex(columns=labels).to_numpy(dtype=float).T
    if np.isnan(mat[~np.isin(labels, absent)]).any():
        raise DataError(
            Problem(
                "an exposure course does not cover the study span",
                column="conc",
                fix="give every course from the first to the last study time",
            )
        )
    return grid, np.nan_to_num(mat, nan=0.0), absent


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
