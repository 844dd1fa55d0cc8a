"""Benchmark: the virtual xenograft study end to end (kinetor.translate.run_study).

1. A 4-arm x 10-animal x 21-day study (vistusertib in MCF7: vehicle, 7.5, 15, 30 mg/kg PO QD)
   in the default ``quasi-steady`` pathway mode and in the exact ``dynamic`` mode (serial
   and two local processes). Baseline: the dynamic mode (one network integration per
   animal). Target: the 40-animal study in under 5 s.
2. 1,000 virtual animals per arm (vehicle + 15 mg/kg), both modes.
3. Accuracy of the quasi-steady approximation against the dynamic mode on study 1:
   per readout the largest and the time-averaged absolute difference (% points), and the
   TGI difference.

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
STUDY = {"compound": None, "species": "mouse", "tumor": "MCF7", "regimen": None,
         "n_animals": 10, "seed": 0, "arms": ARMS}


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

    big = {"compound": "vistusertib", "species": "mouse", "tumor": "MCF7",
           "regimen": "15 mg/kg PO QD x 21 days", "n_animals": 1000, "seed": 0}
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
        f"| 2 arms x 1,000 animals | dynamic, 2 processes | {t_bd2:.1f} | {2000 / t_bd2:.1f} | "
        "|",
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
        "Timings on a 2-core machine shared with other jobs: expect noise of tens of %.",
    ]
    text = "\n".join(lines)
    print(text)
    _record.record("xenograft", text)


if __name__ == "__main__":
    main()
