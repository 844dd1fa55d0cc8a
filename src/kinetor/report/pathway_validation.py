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
>>> svg = observation_svg(row)
>>> svg.startswith(b"<svg") and b"pS6K1_T389 (% of baseline)" in svg
True
>>> b"<title>x</title>" in svg
True
"""

from __future__ import annotations

import html as _html
import math
from typing import Any

import pandas as pd

from kinetor.report.document import Report

__all__ = ["observation_svg", "validation_report"]


def observation_svg(row: pd.Series) -> bytes:
    """One observation as a small SVG: measured (point +- uncertainty, or a shaded band)
    vs predicted (a diamond, green when it passes, red when it misses): levels on a linear
    axis from 0 with a dotted line at 100 % of baseline, potencies (nM) on a log axis.
    Drawn directly (no plotting library): a validation report has one per observation,
    over a thousand of them. Its ``<title>`` is the observation's id."""
    unit = "nM" if row["compare"] == "ic50" else "% of baseline"
    lo, hi, pred = float(row["low"]), float(row["high"]), float(row["predicted"])
    obs = float(row["observed"])
    vals = [v for v in (lo, hi, pred, obs) if math.isfinite(v) and v > 0]
    x0, x1, ymid = 12.0, _W - 12.0, 30.0
    if unit == "nM":  # potencies: a log axis over whole decades (the RMSE is of log10)
        d0 = math.floor(math.log10(min(vals))) if vals else 0
        d1 = max(math.ceil(math.log10(max(vals))) if vals else 3, d0 + 1)
        every = max(1, math.ceil((d1 - d0) / 8))  # at most about nine labelled decades
        ticks = [10.0**d for d in range(d0, d1 + 1, every)]

        def x(v: float) -> float:
            f = (math.log10(v) - d0) / (d1 - d0) if v > 0 else 0.0
            return x0 + (x1 - x0) * min(max(f, 0.0), 1.0)

        top = ticks[-1]
    else:
        top = max(max(vals) * 1.3 if vals else 200.0, 150.0)
        step = _nice_step(top)
        ticks = [k * step for k in range(13) if k * step <= top * (1 + 1e-9)]

        def x(v: float) -> float:
            return x0 + (x1 - x0) * min(max(v, 0.0), top) / top

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W:g}" height="{_H:g}" '
        f'viewBox="0 0 {_W:g} {_H:g}" font-family="DejaVu Sans, Arial, sans-serif">',
        # the observation's id: a screen reader's name for the plot, and two observations
        # whose plots look alike stay two figures (a rescan keeps one per distinct file)
        f"<title>{_html.escape(str(row['id']))}</title>",
        f'<rect width="{_W:g}" height="{_H:g}" fill="white"/>',
    ]
    if row["kind"] == "quantitative":
        if math.isfinite(obs):
            a, b = x(lo if math.isfinite(lo) else obs), x(hi if math.isfinite(hi) else obs)
            out += [
                f'<line x1="{a:.1f}" y1="{ymid}" x2="{b:.1f}" y2="{ymid}" stroke="black"/>',
                *(
                    f'<line x1="{e:.1f}" y1="{ymid - 4}" x2="{e:.1f}" y2="{ymid + 4}" '
                    'stroke="black"/>'
                    for e in (a, b)
                ),
                f'<circle cx="{x(obs):.1f}" cy="{ymid}" r="3.5" fill="black"/>',
            ]
    elif math.isfinite(lo):
        a, b = x(lo), x(hi if math.isfinite(hi) else top)
        out.append(
            f'<rect x="{a:.1f}" y="8" width="{max(b - a, 0.5):.1f}" height="44" fill="#d9d9d9"/>'
        )
    if unit != "nM":
        out.append(
            f'<line x1="{x(100.0):.1f}" y1="6" x2="{x(100.0):.1f}" y2="54" stroke="#999" '
            'stroke-width="0.8" stroke-dasharray="1.5,2"/>'
        )
    if math.isfinite(pred):
        colour = "#2ca02c" if bool(row["passed"]) else "#d62728"
        px = x(pred)
        out.append(
            f'<path d="M{px:.1f},{ymid - 5} L{px + 5:.1f},{ymid} L{px:.1f},{ymid + 5} '
            f'L{px - 5:.1f},{ymid} Z" fill="{colour}"/>'
        )
    out.append(f'<line x1="{x0}" y1="56" x2="{x1}" y2="56" stroke="black" stroke-width="0.8"/>')
    for v in ticks:
        out += [
            f'<line x1="{x(v):.1f}" y1="56" x2="{x(v):.1f}" y2="59" stroke="black" '
            'stroke-width="0.8"/>',
            f'<text x="{x(v):.1f}" y="69" font-size="8" text-anchor="middle">{v:g}</text>',
        ]
    label = _html.escape(f"{row['readout_model']} ({unit})")
    kind = "measured" if row["kind"] == "quantitative" else "measured band"
    out += [
        f'<text x="{_W / 2:g}" y="84" font-size="9" text-anchor="middle">{label}</text>',
        f'<text x="{x1:g}" y="12" font-size="7" text-anchor="end">{kind}; '
        f'<tspan fill="{"#2ca02c" if bool(row["passed"]) else "#d62728"}">&#9670;</tspan> '
        "predicted</text>",
        "</svg>",
    ]
    return "\n".join(out).encode("utf-8")


_W, _H = 320.0, 90.0


def _nice_step(top: float) -> float:
    """A 1-2-5 tick step giving about five ticks from 0 to ``top``."""
    raw = top / 5.0
    mag = 10.0 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1.0, 2.0, 5.0, 10.0) if m * mag >= raw)


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
            rep.add_figure(
                observation_svg(row),
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
