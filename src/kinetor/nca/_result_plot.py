"""The concentration-time figure of an :class:`~kinetor.nca.result.NCAResult`.

:meth:`NCAResult.plot <kinetor.nca.result.NCAResult.plot>` delegates here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from kinetor.nca.result import natural_rank

if TYPE_CHECKING:
    from kinetor.nca.result import NCAResult

__all__ = ["plot_profiles"]


def plot_profiles(result: NCAResult, subject: Any = None, analyte: str | None = None) -> Any:
    """:meth:`NCAResult.plot <kinetor.nca.result.NCAResult.plot>`."""
    from kinetor._figures import HIGHLIGHT, PALETTE, new_figure

    pts = result.lambda_z_points
    if analyte is not None:
        pts = pts[pts["analyte"].astype(str) == str(analyte)]
    subs = pts["subject"].astype(str).unique()
    subs = subs[np.argsort(natural_rank(subs), kind="stable")]
    if subject is not None:
        want = [str(s) for s in (subject if isinstance(subject, list | tuple) else [subject])]
        subs = [s for s in subs if s in want]
    else:
        subs = list(subs[:12])
    w = result.to_wide()
    prof = pts.assign(subject=pts["subject"].astype(str)).groupby(
        ["subject", "start", "end"], sort=False
    )
    keys = [k for k in prof.groups if k[0] in subs]
    n = max(1, len(keys))
    cols = min(3, n)
    rows = -(-n // cols)
    fig, axes = new_figure(4.2 * cols, 3.4 * rows, rows, cols)
    axes = axes.ravel()
    tunit, cunit = result.units.get("time", ""), result.units.get("conc", "")
    for ax, key in zip(axes, keys, strict=False):
        d = prof.get_group(key)
        d = d[d["conc"] > 0]
        ax.plot(d["time_after_dose"], d["conc"], marker="o", color=PALETTE[0], label="observed")
        used = d[d["used"].astype(bool)]
        ax.plot(
            used["time_after_dose"],
            used["conc"],
            linestyle="none",
            marker="o",
            color=PALETTE[1],
            label="lambda_z points",
        )
        row = w[(w["subject"].astype(str) == key[0]) & (w["start"] == key[1])]
        if len(row) and {"LAMZ", "CLSTP", "TLST"} <= set(row.columns):
            r = row.iloc[0]
            if np.isfinite(r.LAMZ) and len(used):
                t = np.linspace(float(used["time_after_dose"].min()), float(r.TLST), 20)
                ax.plot(
                    t,
                    r.CLSTP * np.exp(-r.LAMZ * (t - r.TLST)),
                    color=HIGHLIGHT,
                    label=f"t1/2 = {np.log(2) / r.LAMZ:.3g} {tunit}",
                )
        ax.set_yscale("log")
        ax.set_title(
            f"Subject {key[0]}"
            + (f" ({key[1]:g}-{key[2]:g} {tunit})" if np.isfinite(key[2]) else "")
        )
        ax.set_xlabel(f"Time after dose ({tunit})")
        ax.set_ylabel(f"Concentration ({cunit})")
        ax.legend(fontsize=7)
    for ax in axes[len(keys) :]:
        ax.set_visible(False)
    return fig
