"""Population fitting (FOCE-I): reference accuracy, speed and a simulation-estimation study.

1. Theoph (12 subjects, 1-cmt oral, additive error) against nlmixr2's FOCEi fit (nlmixr2est
   ``saveFit`` example, https://nlmixr2.github.io/nlmixr2est/reference/saveFit.html).
2. Time of the Theoph fit (target < 5 s) and of a 500-animal sparse data set (3 samples per
   animal; target < 60 s), each with and without the covariance step; CPU seconds beside
   wall seconds because the 2-core machine is shared.
3. A 1,000-replicate VPC of the Theoph fit (target < 20 s).
4. Simulation-estimation: ``N`` data sets (24 subjects x 7 samples, 1-cmt oral, CL 2 L/h,
   V 30 L, ka 1.2 1/h, omega 0.09/0.04/0.16, 15 % proportional error) refitted; relative
   bias of THETA (target < 5 %) and OMEGA (< 15 %), coverage of the 95 % CIs (sandwich).

Run: ``.venv/bin/python benchmarks/popfit.py [N]`` (default N = 200).
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
NLMIXR2 = {"cl": np.exp(1.012), "v": np.exp(3.460), "ka": np.exp(0.4655),
           "omega_cl": np.log1p(0.2675**2), "omega_v": np.log1p(0.1390**2),
           "omega_ka": np.log1p(0.7052**2), "add_sd": 0.6947, "OFV": 116.8036}
TRUTH = {"cl": 2.0, "v": 30.0, "ka": 1.2, "omega_cl": 0.09, "omega_v": 0.04,
         "omega_ka": 0.16, "prop_sd": 0.15}


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - w, time.process_time() - c


def simulate(rng, n_subjects=24, times=(0.5, 1, 2, 4, 8, 12, 24), sparse=None):
    from kinetor.data import Study

    t = np.asarray(times, float)
    eta = rng.normal(0, np.sqrt([TRUTH["omega_cl"], TRUTH["omega_v"], TRUTH["omega_ka"]]),
                     size=(n_subjects, 3))
    cl, v, ka = (TRUTH[p] * np.exp(eta[:, i]) for i, p in enumerate(("cl", "v", "ka")))
    if sparse:
        tt = np.stack([rng.choice(t, sparse, replace=False) for _ in range(n_subjects)])
    else:
        tt = np.broadcast_to(t, (n_subjects, t.size))
    k = (cl / v)[:, None]
    c = 300.0 * ka[:, None] / (v[:, None] * (ka[:, None] - k)) * (
        np.exp(-k * tt) - np.exp(-ka[:, None] * tt))
    y = c * (1 + TRUTH["prop_sd"] * rng.standard_normal(c.shape))
    ids = np.array([f"A{i:04d}" for i in range(n_subjects)])
    conc = pd.DataFrame({"subject": np.repeat(ids, tt.shape[1]), "time": tt.ravel(),
                         "conc": y.ravel()})
    doses = pd.DataFrame({"subject": ids, "time": 0.0, "dose": 300.0,
                          "route": "extravascular"})
    return Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"})


def main(n_sets: int = 200) -> None:
    from kinetor.data import read_study
    from kinetor.popfit import popfit, vpc

    theoph = read_study(ROOT / "tests/popfit/fixtures/theoph.csv",
                        units={"time": "h", "conc": "mg/L", "dose": "mg", "weight": "kg"})
    fit, w_full, c_full = _timed(lambda: popfit(theoph, "1cmt-oral", npde=True))
    _, w_fit, c_fit = _timed(lambda: popfit(theoph, "1cmt-oral", npde=False,
                                            cov_method="none"))
    est = {**fit.theta.set_index("parameter")["estimate"].to_dict(),
           **fit.omega_table.set_index("parameter")["variance"].to_dict(),
           "add_sd": fit.sigma["estimate"].iloc[0], "OFV": fit.ofv}
    ref_rows = "\n".join(
        f"| {k} | {est[k]:.4f} | {v:.4f} | {100 * (est[k] / v - 1):+.2f} % |"
        for k, v in NLMIXR2.items())
    _, v_wall, v_cpu = _timed(lambda: vpc(fit, 1000))
    rng = np.random.default_rng(500)
    sparse = simulate(rng, n_subjects=500, sparse=3)
    big, b_wall, b_cpu = _timed(lambda: popfit(sparse, "1cmt-oral", error="proportional",
                                               npde=False, cov_method="none"))
    # simulation-estimation
    rng = np.random.default_rng(2026)
    names = list(TRUTH)
    est_rows, cover, failed = [], [], 0
    t_sse = time.perf_counter()
    for _ in range(n_sets):
        st = simulate(rng)
        f = popfit(st, "1cmt-oral", error="proportional", npde=False,
                   init={k: TRUTH[k] for k in ("cl", "v", "ka")})
        if not f.converged:
            failed += 1
            continue
        th = f.theta.set_index("parameter")
        om = f.omega_table.set_index("parameter")
        vals = [th.loc[p, "estimate"] for p in ("cl", "v", "ka")] + [
            om.loc[p, "variance"] for p in ("omega_cl", "omega_v", "omega_ka")] + [
            f.sigma["estimate"].iloc[0]]
        lo = [th.loc[p, "ci_low"] for p in ("cl", "v", "ka")]
        hi = [th.loc[p, "ci_high"] for p in ("cl", "v", "ka")]
        se_om = [om.loc[p, "se"] for p in ("omega_cl", "omega_v", "omega_ka")]
        lo += [v - 1.96 * s for v, s in zip(vals[3:6], se_om, strict=True)]
        hi += [v + 1.96 * s for v, s in zip(vals[3:6], se_om, strict=True)]
        est_rows.append(vals)
        cover.append([lo[i] <= TRUTH[n] <= hi[i] for i, n in enumerate(names[:6])])
    t_sse = time.perf_counter() - t_sse
    E = np.array(est_rows)
    truth = np.array([TRUTH[n] for n in names])
    bias = 100 * (E.mean(0) / truth - 1)
    cov_pct = 100 * np.array(cover).mean(0)
    sse_rows = "\n".join(
        f"| {n} | {truth[i]:g} | {E[:, i].mean():.4g} | {bias[i]:+.1f} % | "
        + (f"{cov_pct[i]:.0f} %" if i < 6 else "-") + " |" for i, n in enumerate(names))
    theta_ok = np.all(np.abs(bias[:3]) < 5)
    omega_ok = np.all(np.abs(bias[3:6]) < 15)
    md = f"""## Population fitting (FOCE-I)

**Reference: Theoph, 1-cmt oral, additive error** against nlmixr2 FOCEi (nlmixr2est
`saveFit` example output; OFV without N log 2pi in both).

| parameter | kinetor | nlmixr2 | difference |
|---|---:|---:|---:|
{ref_rows}

**Speed** (wall s / CPU s; the 2-core machine is shared with other jobs, so CPU seconds are
the steadier figure):

| task | wall s | CPU s | target |
|---|---:|---:|---|
| Theoph FOCE-I fit (no covariance step, no NPDE) | {w_fit:.2f} | {c_fit:.2f} | < 5 s |
| Theoph fit + sandwich covariance + NPDE (500 sims) | {w_full:.2f} | {c_full:.2f} | |
| 500 animals x 3 samples, proportional error, fit | {b_wall:.2f} | {b_cpu:.2f} | < 60 s |
| VPC, 1,000 replicates of Theoph | {v_wall:.2f} | {v_cpu:.2f} | < 20 s |

500-animal fit converged: {big.converged} ({big.reason}); CL {big.theta.estimate.iloc[0]:.3f}
(true 2), V {big.theta.estimate.iloc[1]:.2f} (true 30).

**Simulation-estimation**: {n_sets} data sets (24 subjects x 7 samples), {failed} not
converged and left out; {t_sse:.0f} s wall in all. Relative bias of the mean estimate and
coverage of the 95 % CIs (sandwich SEs; log-scale CIs for THETA, symmetric for OMEGA).
THETA bias < 5 %: {"met" if theta_ok else "NOT met"}; OMEGA bias < 15 %:
{"met" if omega_ok else "NOT met"}.

| parameter | true | mean estimate | relative bias | 95 % CI coverage |
|---|---:|---:|---:|---:|
{sse_rows}
"""
    print(md)
    _record.record("popfit", md)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
