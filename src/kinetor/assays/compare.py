"""Measured next to predicted: run an assay's dose design through the pathway network.

The cell line's genotype becomes network lesions through a small table (below); each
tested dose of the drug is simulated with :class:`kinetor.pathway.Network` for the assay's
duration, and the chosen readout (``growth`` for viability, ``pS6_S235_236`` or
``pAKT_S473`` for Western blots; % of the untreated cell) is set beside the measured
response (% of vehicle). This is a plausibility check of the network, not a fit.

Cell-line genotypes: :data:`kinetor.pathway.cell_lines.CELL_LINES`, the network's one
cell-line table (CCLE and COSMIC; sources there).

Examples
--------
>>> CELL_LINES["MCF7"]
('PIK3CA_mut',)
>>> CELL_LINES["A375"]
('BRAF_mut', 'ER_negative')
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.assays._tidy import require_numeric
from kinetor.errors import DataError, Problem
from kinetor.pathway.cell_lines import CELL_LINES

__all__ = ["CELL_LINES", "compare_network"]


def compare_network(
    data: pd.DataFrame,
    *,
    drug: str,
    cell_line: str,
    dose: str = "dose",
    response: str = "response",
    dose_unit: str,
    readout: str = "growth",
    t_end: str | float = "72 h",
    time: str | None = None,
    out: str | Path | None = None,
) -> tuple[pd.DataFrame, Path | None]:
    """Simulate the assay's doses through the network and tabulate measured vs predicted.

    Parameters
    ----------
    data : DataFrame
        Tidy measurements; rows of other compounds are ignored when a ``compound``
        column is present.
    drug : str
        Drug name as the pathway library knows it (e.g. ``capivasertib``).
    cell_line : str
        A key of :data:`CELL_LINES` (case-insensitive).
    dose_unit : str
        Unit of the dose column (required, e.g. ``"nM"``, ``"uM"``, ``"ng/mL"``; passed to the
        network as ``"<dose> <unit>"``, never guessed).
    readout : str
        Network readout (``growth``, ``pS6_S235_236``, ``pAKT_S473``...).
    t_end : str or float
        Assay duration (hours if a number); ignored with ``time``.
    time : str, optional
        Column of treatment times (h), e.g. a Western blot time course: each dose is
        simulated once to the last time and the readout taken at every measured time.
    out : path, optional
        Folder for ``measured_vs_predicted.png``.

    Returns
    -------
    table : DataFrame
        Per dose (and time): ``measured_mean, measured_sd, n, predicted, difference``
        (percentage points).
    png : Path or None
    """
    from kinetor.pathway import Network

    key = cell_line.upper()
    if key not in CELL_LINES:
        raise DataError(
            Problem(
                f"cell line {cell_line!r} is not in the genotype table",
                column="cell_line",
                fix=f"choose one of {', '.join(CELL_LINES)}",
            )
        )
    d = data
    if "compound" in d.columns:
        d = d[d["compound"].astype(str).str.lower() == drug.lower()]
        if d.empty:
            raise DataError(
                Problem(
                    f"no rows for compound {drug!r}",
                    column="compound",
                    fix="name the drug as written in the data",
                )
            )
    keys = [dose] if time is None else [dose, time]
    # a negative dose would be simulated as untreated, a blank time dropped by groupby
    require_numeric(d, keys, source="<DataFrame>", nonnegative=[dose])
    summ = d.groupby(keys)[response].agg(["mean", "std", "count"]).reset_index()
    if time is not None and not (summ[time] > 0).all():
        raise DataError(
            Problem(
                "treatment times must be > 0 h",
                column=time,
                fix="give the time of each lane in hours",
            )
        )
    net = Network(lesions=list(CELL_LINES[key]))
    pred = np.empty(len(summ))
    for c, rows in summ.groupby(dose).groups.items():  # one simulation per tested dose
        drugs = {drug: f"{c} {dose_unit}"} if c > 0 else None
        if time is None:
            res = net.simulate(drugs=drugs, t_end=t_end)
        else:
            ts = np.sort(summ.loc[rows, time].unique().astype(float))
            res = net.simulate(drugs=drugs, t_end=float(ts[-1]), times=ts)
        if readout not in res.readouts.columns:
            raise DataError(
                Problem(
                    f"unknown readout {readout!r}",
                    column="readout",
                    fix=f"one of {', '.join(res.readouts.columns[1:])}",
                )
            )
        r = res.readouts
        for i in rows:
            at = (
                r.iloc[-1]
                if time is None
                else r.iloc[int(np.argmin(np.abs(r["time"].to_numpy() - float(summ.at[i, time]))))]
            )
            pred[i] = float(at[readout])
    table = pd.DataFrame(
        {
            "drug": drug,
            "cell_line": key,
            "lesions": ";".join(CELL_LINES[key]),
            "dose": summ[dose],
            "dose_unit": dose_unit,
            "measured_mean": summ["mean"],
            "measured_sd": summ["std"],
            "n": summ["count"],
            "readout": readout,
            "predicted": pred,
        }
    )
    if time is not None:
        table.insert(5, "time_h", summ[time].to_numpy(dtype=float))
    table["difference"] = table["measured_mean"] - table["predicted"]
    png = None
    if out is not None:
        from kinetor._figures import save_figure

        png = save_figure(_plot(table), Path(out) / "measured_vs_predicted.png")
    return table, png


def _plot(t: pd.DataFrame):
    """Measured vs network-predicted readout against dose, and measured vs predicted."""
    from kinetor._figures import PALETTE, REFERENCE, new_figure

    fig, (a, b) = new_figure(9, 3.8, 1, 2, squeeze=True, layout="tight")
    x = t["dose"].where(t["dose"] > 0, t["dose"][t["dose"] > 0].min() / 10)
    groups = t.groupby("time_h").groups if "time_h" in t else {None: t.index}
    for k, (tm, idx) in enumerate(groups.items()):
        lab = "" if tm is None else f", {tm:g} h"
        a.errorbar(
            x[idx],
            t.loc[idx, "measured_mean"],
            yerr=np.nan_to_num(t.loc[idx, "measured_sd"].to_numpy()),
            marker="o",
            ls="none",
            color=PALETTE[k % len(PALETTE)],
            label=f"measured{lab}",
        )
        a.plot(
            x[idx],
            t.loc[idx, "predicted"],
            marker="s",
            color=PALETTE[k % len(PALETTE)],
            alpha=0.6,
            label=f"network ({t['readout'].iat[0]}){lab}",
        )
    a.set_xscale("log")
    a.set_xlabel(f"{t['drug'].iat[0]} ({t['dose_unit'].iat[0]})")
    a.set_ylabel("% of untreated")
    a.set_title(f"{t['cell_line'].iat[0]} ({t['lesions'].iat[0]})", fontsize=9)
    a.legend(frameon=False, fontsize="small")
    lim = [0, max(110.0, float(np.nanmax(t[["measured_mean", "predicted"]].to_numpy())))]
    b.plot(lim, lim, color=REFERENCE, lw=0.8)
    b.scatter(t["predicted"], t["measured_mean"])
    b.set_xlabel("predicted (%)")
    b.set_ylabel("measured (%)")
    return fig
