"""Population fitting (FOCE-I): reference accuracy, speed, block Omega.

1. Theoph (12 subjects, 1-cmt oral, additive error) against nlmixr2's FOCEi fit (nlmixr2est
   ``saveFit`` example, https://nlmixr2.github.io/nlmixr2est/reference/saveFit.html).
2. Time of the Theoph fit (target < 5 s) and of a 500-animal sparse data set (3 samples per
   animal; target < 60 s), each with and without the covariance step; CPU seconds beside
   wall seconds because the 2-core machine is shared.
3. A 1,000-replicate VPC of the Theoph fit (target < 20 s).
4. Theoph with a block (full) Omega: convergence, OFV against the diagonal model, the
   CL-V correlation.

The simulation-estimation study (200 data sets, rich and sparse designs) is
``benchmarks/popfit_simest.py``. Theoph timings are the median of ``REPEAT`` runs after a
warm-up (numba compilation excluded); the load average of the shared machine is stated.

Run: ``nice -n 10 .venv/bin/python benchmarks/popfit.py``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
import _record

ROOT = Path(__file__).resolve().parents[1]
NLMIXR2 = {
    "cl": np.exp(1.012),
    "v": np.exp(3.460),
    "ka": np.exp(0.4655),
    "omega_cl": np.log1p(0.2675**2),
    "omega_v": np.log1p(0.1390**2),
    "omega_ka": np.log1p(0.7052**2),
    "add_sd": 0.6947,
    "OFV": 116.8036,
}
TRUTH = {
    "cl": 2.0,
    "v": 30.0,
    "ka": 1.2,
    "omega_cl": 0.09,
    "omega_v": 0.04,
    "omega_ka": 0.16,
    "prop_sd": 0.15,
}


REPEAT = 3


def _timed(fn, repeat: int = REPEAT):
    """Result of the last run, median wall and CPU seconds over ``repeat`` runs."""
    walls, cpus = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        out = fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return out, float(np.median(walls)), float(np.median(cpus))


def _load() -> str:
    p = Path("/proc/loadavg")
    return p.read_text().split()[0] if p.exists() else "?"


def simulate(rng, n_subjects=24, times=(0.5, 1, 2, 4, 8, 12, 24), sparse=None):
    from kinetor.data import Study

    t = np.asarray(times, float)
    eta = rng.normal(
        0, np.sqrt([TRUTH["omega_cl"], TRUTH["omega_v"], TRUTH["omega_ka"]]), size=(n_subjects, 3)
    )
    cl, v, ka = (TRUTH[p] * np.exp(eta[:, i]) for i, p in enumerate(("cl", "v", "ka")))
    if sparse:
        tt = np.stack([rng.choice(t, sparse, replace=False) for _ in range(n_subjects)])
    else:
        tt = np.broadcast_to(t, (n_subjects, t.size))
    k = (cl / v)[:, None]
    c = (
        300.0
        * ka[:, None]
        / (v[:, None] * (ka[:, None] - k))
        * (np.exp(-k * tt) - np.exp(-ka[:, None] * tt))
    )
    y = c * (1 + TRUTH["prop_sd"] * rng.standard_normal(c.shape))
    ids = np.array([f"A{i:04d}" for i in range(n_subjects)])
    conc = pd.DataFrame(
        {"subject": np.repeat(ids, tt.shape[1]), "time": tt.ravel(), "conc": y.ravel()}
    )
    doses = pd.DataFrame({"subject": ids, "time": 0.0, "dose": 300.0, "route": "extravascular"})
    return Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"})


def main() -> None:
    from kinetor.data import read_study
    from kinetor.popfit import popfit, vpc

    load0 = _load()
    theoph = read_study(
        ROOT / "tests/popfit/fixtures/theoph.csv",
        units={"time": "h", "conc": "mg/L", "dose": "mg", "weight": "kg"},
    )
    popfit(theoph, "1cmt-oral", npde=False, cov_method="none")  # warm-up (numba, imports)
    fit, w_full, c_full = _timed(lambda: popfit(theoph, "1cmt-oral", npde=True))
    _, w_fit, c_fit = _timed(lambda: popfit(theoph, "1cmt-oral", npde=False, cov_method="none"))
    est = {
        **fit.theta.set_index("parameter")["estimate"].to_dict(),
        **fit.omega_table.set_index("parameter")["variance"].to_dict(),
        "add_sd": fit.sigma["estimate"].iloc[0],
        "OFV": fit.ofv,
    }
    ref_rows = "\n".join(
        f"| {k} | {est[k]:.4f} | {v:.4f} | {100 * (est[k] / v - 1):+.2f} % |"
        for k, v in NLMIXR2.items()
    )
    _, v_wall, v_cpu = _timed(lambda: vpc(fit, 1000))
    rng = np.random.default_rng(500)
    sparse = simulate(rng, n_subjects=500, sparse=3)
    big, b_wall, b_cpu = _timed(
        lambda: popfit(sparse, "1cmt-oral", error="proportional", npde=False, cov_method="none"),
        repeat=1,
    )
    _, bc_wall, bc_cpu = _timed(
        lambda: popfit(sparse, "1cmt-oral", error="proportional", npde=False), repeat=1
    )
    block, k_wall, k_cpu = _timed(
        lambda: popfit(theoph, "1cmt-oral", omega="block", npde=False), repeat=1
    )
    om = block.omega.to_numpy()
    corr = om[0, 1] / np.sqrt(om[0, 0] * om[1, 1])
    blk = block.omega_table.set_index("parameter")
    load1 = _load()
    rse = [blk.loc[f"omega_{p}", "rse_pct"] for p in ("cl", "v", "ka")]
    rse_text = (
        " (RSE " + " / ".join(f"{r:.0f}" for r in rse) + " %)"
        if np.all(np.isfinite(rse))
        else " (no SEs)"
    )
    md = f"""## Population fitting (FOCE-I)

**Reference: Theoph, 1-cmt oral, additive error** against nlmixr2 FOCEi (nlmixr2est
`saveFit` example output; OFV without N log 2pi in both).

| parameter | kinetor | nlmixr2 | difference |
|---|---:|---:|---:|
{ref_rows}

**Speed** (median of {REPEAT} runs after a warm-up for the Theoph rows, one run for the
others; wall s / CPU s of this process; the 2-core machine was shared with other jobs, load
average {load0} at the start and {load1} at the end, so CPU seconds are the steadier figure):

| task | wall s | CPU s | target |
|---|---:|---:|---|
| Theoph FOCE-I fit (no covariance step, no NPDE) | {w_fit:.2f} | {c_fit:.2f} | < 5 s |
| Theoph fit + sandwich covariance + NPDE (500 sims) | {w_full:.2f} | {c_full:.2f} | |
| 500 animals x 3 samples, proportional error, fit | {b_wall:.2f} | {b_cpu:.2f} | < 60 s |
| the same with the covariance step | {bc_wall:.2f} | {bc_cpu:.2f} | |
| VPC, 1,000 replicates of Theoph | {v_wall:.2f} | {v_cpu:.2f} | < 20 s |
| Theoph, block Omega, with covariance step | {k_wall:.2f} | {k_cpu:.2f} | |

500-animal fit converged: {big.converged} ({big.reason}); CL {big.theta.estimate.iloc[0]:.3f}
(true 2), V {big.theta.estimate.iloc[1]:.2f} (true 30).

**Block Omega on Theoph** (CL, V, ka; 3 more parameters than the diagonal model):
converged={block.converged} ({block.reason}); OFV {block.ofv:.4f} against {fit.ofv:.4f}
(diagonal); correlation of eta CL and eta V {corr:.3f}; omega^2 CL / V / ka
{blk.loc["omega_cl", "variance"]:.4f} / {blk.loc["omega_v", "variance"]:.4f} /
{blk.loc["omega_ka", "variance"]:.4f}; covariance step: {block.cov_method}{rse_text}. No
published FOCE-I fit of this block model was found to compare with.
"""
    print(md)
    _record.record("popfit", md, {"theoph_fit_cpu_s": f"{c_fit:.2f}"})


if __name__ == "__main__":
    main()
