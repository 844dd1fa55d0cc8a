"""Benchmark: the virtual xenograft study end to end (kinetor.translate.run_study).

1. A 4-arm x 10-animal x 21-day study (vistusertib in MCF7: vehicle, 7.5, 15, 30 mg/kg PO QD)
   in the default ``quasi-steady`` pathway mode and in the exact ``dynamic`` mode (serial
   and two local processes). Baseline: the dynamic mode (one network integration per
   animal). Target: the 40-animal study in under 5 s.
2. 1,000 virtual animals per arm (vehicle + 15 mg/kg), both modes.
3. Accuracy of the quasi-steady approximation against the dynamic mode on study 1:
   per readout the largest and the time-averaged absolute difference (% points), and the
   TGI difference.
4. A 5-arm x 10-animal x 28-day study in the dynamic mode on 2 processes (target < 10 s)
   and 1,000 replicate virtual studies of it for the TGI interval
   (``kinetor.translate.replicate_tgi``, quasi-steady mode; target < 60 s), serial and on
   2 processes.

Timings are wall-clock medians of repeated runs after a warm-up run (which pays the
process's one-off costs: imports, compiling the pathway model, loading numba kernels,
building the quasi-steady table; reported separately as "cold").
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
import _record

ARMS = [f"{d} mg/kg=vistusertib:{d} mg/kg PO QD x 21 days" for d in (7.5, 15, 30)]
STUDY = {
    "compound": None,
    "species": "mouse",
    "tumor": "MCF7",
    "regimen": None,
    "n_animals": 10,
    "seed": 0,
    "arms": ARMS,
}


def timed(fn, repeat: int = 5) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    t0 = time.perf_counter()
    from kinetor.translate import run_study

    t_cold0 = time.perf_counter()
    run_study(**STUDY)
    cold = time.perf_counter() - t0
    cold_study = time.perf_counter() - t_cold0

    t_q, q = timed(lambda: run_study(**STUDY))
    t_d, d = timed(lambda: run_study(**STUDY, pathway_mode="dynamic"), repeat=3)
    run_study(**STUDY, pathway_mode="dynamic", n_jobs=2)  # start the workers
    t_d2, _ = timed(lambda: run_study(**STUDY, pathway_mode="dynamic", n_jobs=2), repeat=3)

    big = {
        "compound": "vistusertib",
        "species": "mouse",
        "tumor": "MCF7",
        "regimen": "15 mg/kg PO QD x 21 days",
        "n_animals": 1000,
        "seed": 0,
    }
    t_bq, bq = timed(lambda: run_study(**big), repeat=3)
    t_bd2, _ = timed(lambda: run_study(**big, pathway_mode="dynamic", n_jobs=2), repeat=1)

    # accuracy of the quasi-steady approximation on study 1 (same animals, same PK)
    names = q.readout_names
    tgi_q = q.tgi.set_index("arm")["tgi_pct"]
    tgi_d = d.tgi.set_index("arm")["tgi_pct"]
    rows = []
    span = q.times[-1] - q.times[0]
    for j, name in enumerate(names):
        mx, avg = 0.0, 0.0
        for a in q.arms[1:]:
            e = np.abs(q.readout_array(a.name)[..., j] - d.readout_array(a.name)[..., j])
            mx = max(mx, float(e.max()))
            avg = max(avg, float((np.trapezoid(e, q.times, axis=1) / span).mean()))
        rows.append(f"| {name} | {mx:.2f} | {avg:.2f} |")
    dtgi = max(abs(tgi_q[a.name] - tgi_d[a.name]) for a in q.arms[1:])

    arms28 = [f"{d} mg/kg=vistusertib:{d} mg/kg PO QD x 28 days" for d in (7.5, 15, 30)]
    arms28.append("30 mg/kg 2on/5off=vistusertib:30 mg/kg PO QD 2 days on/5 days off x 4 weeks")
    s28 = {
        "compound": None,
        "species": "mouse",
        "tumor": "MCF7",
        "regimen": None,
        "n_animals": 10,
        "seed": 0,
        "arms": arms28,
    }
    t_28d, _ = timed(lambda: run_study(**s28, pathway_mode="dynamic", n_jobs=2), repeat=3)
    from kinetor.translate import replicate_tgi

    replicate_tgi(arms=arms28, n_animals=10, n_replicates=20, seed=0)  # warm caches
    t_rep, rep = timed(
        lambda: replicate_tgi(arms=arms28, n_animals=10, n_replicates=1000, seed=0), repeat=1
    )
    replicate_tgi(arms=arms28, n_animals=10, n_replicates=20, seed=0, n_jobs=2)
    t_rep2, _ = timed(
        lambda: replicate_tgi(arms=arms28, n_animals=10, n_replicates=1000, seed=0, n_jobs=2),
        repeat=1,
    )
    width = rep.summary.set_index("arm")
    w15 = width.loc["15 mg/kg"]

    n40 = 4 * 10
    lines = [
        "## Virtual xenograft study (`benchmarks/xenograft.py`)",
        "",
        "vistusertib in MCF7 (mouse PK assumption set, PIK3CA_mut network), 21 days, "
        "measurements twice weekly. Baseline: the exact `dynamic` pathway mode.",
        "",
        "| study | mode | wall time (s) | animals/s | vs dynamic |",
        "|---|---|---|---|---|",
        f"| 4 arms x 10 animals | quasi-steady (default) | {t_q:.3f} | {n40 / t_q:.0f} | "
        f"{t_d / t_q:.0f}x faster |",
        f"| 4 arms x 10 animals | dynamic | {t_d:.2f} | {n40 / t_d:.1f} | 1 |",
        f"| 4 arms x 10 animals | dynamic, 2 processes | {t_d2:.2f} | {n40 / t_d2:.1f} | "
        f"{t_d / t_d2:.2f}x |",
        f"| 2 arms x 1,000 animals | quasi-steady | {t_bq:.2f} | {2000 / t_bq:.0f} | |",
        f"| 2 arms x 1,000 animals | dynamic, 2 processes | {t_bd2:.1f} | {2000 / t_bd2:.1f} | |",
        "",
        f"Target: the 40-animal study in under 5 s: **{'met' if t_q < 5 else 'NOT met'}** "
        f"({t_q:.3f} s warm). Cold, in a fresh process: {cold:.1f} s including imports, of "
        f"which the first study {cold_study:.1f} s (pathway model compilation, quasi-steady "
        "table of 161 steady states, numba kernels from cache). The 2,000-animal frames: "
        f"{len(bq.biomarkers):,} biomarker rows.",
        "",
        "Quasi-steady vs dynamic on the 40-animal study (30 treated animals; % points of "
        "the untreated control; largest over arms):",
        "",
        "| readout | max abs difference | time-averaged abs difference |",
        "|---|---|---|",
        *rows,
        "",
        f"TGI difference (quasi-steady - dynamic): at most {dtgi:.2f} % points.",
        "",
        "5 arms (vehicle, 7.5/15/30 mg/kg QD, 30 mg/kg 2 days on/5 off) x 10 animals x 28 days:",
        "",
        "| what | wall time (s) | target |",
        "|---|---|---|",
        f"| one study, dynamic mode, 2 processes | {t_28d:.2f} | < 10 s: "
        f"**{'met' if t_28d < 10 else 'NOT met'}** |",
        f"| 1,000 replicate studies (50,000 animals), quasi-steady, serial | {t_rep:.1f} | "
        f"< 60 s: **{'met' if t_rep < 60 else 'NOT met'}** |",
        f"| 1,000 replicate studies, quasi-steady, 2 processes | {t_rep2:.1f} | |",
        "",
        f"Interval from the 1,000 replicates, 15 mg/kg QD: TGI median "
        f"{w15['tgi_median_pct']:.1f} %, 95 % interval [{w15['tgi_lo_pct']:.1f}, "
        f"{w15['tgi_hi_pct']:.1f}] %, typical animal {w15['tgi_typical_pct']:.1f} %, "
        f"population mean {w15['tgi_population_mean_pct']:.1f} %.",
        "",
        "Timings on a 2-core machine shared with other jobs: expect noise of tens of %.",
    ]
    text = "\n".join(lines)
    print(text)
    figures = {
        "quasi_steady_speedup": f"{t_d / t_q:.0f}",
        "quasi_steady_tgi_diff_pp": f"{dtgi:.1f}",
        "study_40_animals_s": f"{t_q:.2f}",
        "replicates_1000_s": f"{t_rep:.0f}",
    }
    _record.record("xenograft", text, figures)


if __name__ == "__main__":
    main()
