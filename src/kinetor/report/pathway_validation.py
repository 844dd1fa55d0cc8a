"""HTML report of :func:`kinetor.pathway.validation.validate`: summaries, misses, and one
small plot per simulated observation (measured value with its error bar, or its band, and
the model's prediction).

Examples
--------
>>> import pandas as pd
>>> row = pd.Series({"id": "x", "kind": "direction", "observed": float("nan"),
...                  "uncertainty": float("nan"), "low": 0.0, "high": 80.0,
...                  "predicted": 40.0, "passed": True, "readout_model": "pS6K1_T389",
...                  "compare": "level"})
>>> fig = plot_observation(row)
>>> len(fig.axes)
1
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from kinetor.report._common import new_figure
from kinetor.report.document import Report

__all__ = ["plot_observation", "validation_report"]


def plot_observation(row: pd.Series) -> Any:
    """One observation: measured (point +- uncertainty, or shaded band) vs predicted."""
    fig, axes = new_figure(3.2, 1.3)
    ax = axes[0, 0]
    unit = "nM" if row["compare"] == "ic50" else "% of baseline"
    lo, hi, pred = float(row["low"]), float(row["high"]), float(row["predicted"])
    vals = [v for v in (lo, hi, pred, float(row["observed"])) if math.isfinite(v) and v > 0]
    top = max(vals) * 1.3 if vals else 200.0
    if row["kind"] == "quantitative":
        v = float(row["observed"])
        ax.errorbar(
            [v], [1], xerr=[[v - lo], [hi - v]], fmt="o", color="black", capsize=3, label="measured"
        )
    else:
        ax.axvspan(lo, hi if math.isfinite(hi) else top, color="0.85", label="measured band")
    if math.isfinite(pred):
        ax.plot(
            [pred],
            [1],
            marker="D",
            linestyle="none",
            color="tab:green" if row["passed"] else "tab:red",
            label="predicted",
        )
    if unit != "nM":
        ax.axvline(100.0, color="0.6", lw=0.8, ls=":")
    ax.set_xlim(0, max(top, 150.0 if unit != "nM" else top))
    ax.set_yticks([])
    ax.set_xlabel(f"{row['readout_model']} ({unit})", fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=6, loc="upper right", frameon=False)
    return fig


def validation_report(result: Any, title: str = "Network validation") -> Report:
    """A :class:`~kinetor.report.Report` of a ``ValidationResult``: per-split and
    per-publication summaries, misses, unsimulable rows, then per split one plot per simulated observation."""
    rep = Report(title, subtitle="published observations vs the network's predictions")
    summ = result.summary()
    rep.add_section("Summary")
    rep.add_text(
        "Pass rates count simulable rows with status firm or likely; unverified and "
        "unsimulable rows are listed but in no pass rate. RMSE is of the log10 fold "
        "change (distance to the band for direction rows). Conditions 'stated': the "
        "paper's concentration and time; 'rule': 10 x the compound's cellular "
        "potency and 2 h (phosphorylation) / 24 h (expression) / 72 h (phenotype) "
        "where the paper states none."
    )
    rep.add_table(summ, caption="pass rates and RMSE by split")
    rep.add_table(
        result.by_part(),
        caption="pass rates and RMSE by evidence part (a 'blind' part was compiled without "
        "the model, first run after the shipped fit was frozen and is held out whole: the "
        "blind test)",
    )
    rep.add_table(
        result.blind(),
        caption="the blind parts together: the blind test of the shipped model",
    )
    rep.add_table(
        result.by_publication(),
        caption="pass rates and RMSE by publication (worst first within each split)",
    )
    t = result.table
    cols = [
        "id",
        "split",
        "conditions",
        "readout_model",
        "scenario",
        "baseline",
        "predicted",
        "low",
        "high",
    ]
    rep.add_section("Misses")
    rep.add_table(
        result.misses()[cols], caption="simulated observations outside their uncertainty or band"
    )
    rep.add_section("Unsimulable and unverified rows")
    rep.add_table(result.unsimulable(), caption="rows that cannot be simulated, and why")
    unver = t[(t["status"] == "unverified") & t["simulable"]]
    rep.add_table(unver[[*cols, "passed"]], caption="unverified rows (simulated, in no pass rate)")
    for split, name in (("train", "Training observations"), ("heldout", "Held-out observations")):
        rep.add_section(name)
        sim = t[(t["split"] == split) & t["simulable"]]
        for _, row in sim.iterrows():
            verdict = "pass" if row["passed"] else "MISS"
            status = " (unverified)" if row["status"] == "unverified" else ""
            rep.add_figure_from(
                lambda r=row: plot_observation(r),
                caption=f"{row['id']}{status}: {verdict}; {row['scenario']} vs {row['baseline']}",
            )
    rep.add_methods(
        {
            "model parameters": pd.DataFrame(
                sorted(result.parameters.items()), columns=["name", "value"]
            )
        }
    )
    return rep
