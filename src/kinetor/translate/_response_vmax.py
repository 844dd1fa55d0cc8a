"""The message of a gompertz/logistic run whose starting volume reaches vmax (used by
:func:`kinetor.translate.response.law_rates`)."""

from __future__ import annotations

import numpy as np

__all__ = ["vmax_message"]


def vmax_message(law: str, v0: np.ndarray, vm: np.ndarray) -> str:
    """Why a starting volume at or above vmax stops the run, naming the animal; starting
    volumes that differ between animals are the tumour's v0 times random log-normal draws
    (v0_cv), so one draw can pass vmax although the tumour's v0 is below it."""
    over = np.flatnonzero(v0 >= vm)
    i = int(over[np.argmax(v0[over] - vm[over])])
    head = (
        f"growth_law {law!r} needs vmax > every starting volume: simulated animal "
        f"{i + 1} of {v0.size} starts at v0 = {float(v0[i]):.4g} >= vmax = "
        f"{float(vm[i]):.4g} ({over.size} of {v0.size} animals at or above vmax)"
    )
    logs = np.log(v0[v0 > 0])
    if logs.size < 2 or np.ptp(logs) == 0:
        return head + ": raise vmax above v0 or lower v0"
    gm, sd = float(np.exp(logs.mean())), float(logs.std(ddof=1))
    return (
        f"{head}; the starting volumes are random draws (the tumour's v0 times a "
        f"log-normal factor with CV v0_cv, replicates stacked): geometric mean of the "
        f"draws {gm:.4g}, their CV {float(np.sqrt(np.expm1(sd**2))):.3g}, largest "
        f"{float(v0.max()):.4g}: raise vmax well above the largest draw (e.g. "
        f"--tumor-param vmax={float(v0.max()) * 2:.4g}) or lower v0_cv (--tumor-param "
        "v0_cv=...; 0 starts every animal at v0)"
    )
