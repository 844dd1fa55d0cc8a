"""Population fitting (FOCE-I): simulation-estimation on a rich and a sparse design.

``N`` data sets per design are simulated from known parameters (1-cmt oral, 300 mg, CL 2 L/h,
V 30 L, ka 1.2 1/h, log-normal BSV with variances 0.09/0.04/0.16, 15 % proportional
error) and refitted by ``kt.popfit`` from its own (NCA-based) initial estimates:

* rich: 24 subjects x 10 samples (0.25, 0.5, 1, 1.5, 2, 3, 4, 8, 12, 24 h);
* sparse: 80 subjects x 3 samples, one drawn uniformly in each of 0.25-2 h, 2-8 h and
  8-24 h.

Reported per parameter: relative bias of the mean estimate (targets: THETA < 5 %, OMEGA
< 15 %), relative RMSE, and the coverage of the 95 % Wald intervals under both covariance
estimators, the sandwich :math:`R^{-1}SR^{-1}` (the default) and :math:`2R^{-1}`, with
typical values, variances and the residual SD on the log scale. Fits that did not converge
or whose covariance step failed are counted and left out of the summaries.

Run: ``nice -n 10 .venv/bin/python benchmarks/popfit_simest.py [N] [n_jobs]`` (defaults
200 and 2; joblib processes, one data set per task, seeds fixed per data set).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))
import _record

TRUTH = {
    "cl": 2.0,
    "v": 30.0,
    "ka": 1.2,
    "omega_cl": 0.09,
    "omega_v": 0.04,
    "omega_ka": 0.16,
    "prop_sd": 0.15,
}
NAMES = list(TRUTH)
DESIGNS = {
    "rich": {"n_subjects": 24, "times": (0.25, 0.5, 1, 1.5, 2, 3, 4, 8, 12, 24)},
    "sparse": {"n_subjects": 80, "windows": ((0.25, 2.0), (2.0, 8.0), (8.0, 24.0))},
}
DOSE = 300.0


def simulate(seed: int, design: str):
    """One data set of ``design`` (a ``Study``) from the truth above."""
    from kinetor.data import Study

    rng = np.random.default_rng(seed)
    spec = DESIGNS[design]
    n = spec["n_subjects"]
    om = np.array([TRUTH["omega_cl"], TRUTH["omega_v"], TRUTH["omega_ka"]])
    eta = rng.normal(0.0, np.sqrt(om), size=(n, 3))
    cl, v, ka = (TRUTH[p] * np.exp(eta[:, i]) for i, p in enumerate(("cl", "v", "ka")))
    if "times" in spec:
        tt = np.broadcast_to(np.asarray(spec["times"], float), (n, len(spec["times"])))
    else:
        tt = np.column_stack([rng.uniform(lo, hi, n) for lo, hi in spec["windows"]])
        tt = np.round(tt, 2)
    k = (cl / v)[:, None]
    c = (
        DOSE
        * ka[:, None]
        / (v[:, None] * (ka[:, None] - k))
        * (np.exp(-k * tt) - np.exp(-ka[:, None] * tt))
    )
    y = c * (1.0 + TRUTH["prop_sd"] * rng.standard_normal(c.shape))
    ids = np.array([f"S{i:03d}" for i in range(n)])
    conc = pd.DataFrame(
        {"subject": np.repeat(ids, tt.shape[1]), "time": tt.ravel(), "conc": y.ravel()}
    )
    doses = pd.DataFrame({"subject": ids, "time": 0.0, "dose": DOSE, "route": "extravascular"})
    return Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"})


def fit_one(seed: int, design: str) -> dict:
    """Fit one data set; estimates and their SEs (log scale) under both estimators."""
    from kinetor.popfit import popfit

    t0, c0 = time.perf_counter(), time.process_time()
    f = popfit(simulate(seed, design), "1cmt-oral", error="proportional", npde=False)
    th = f.theta.set_index("parameter")["estimate"]
    om = f.omega_table.set_index("parameter")["variance"]
    est = np.array(
        [
            th["cl"],
            th["v"],
            th["ka"],
            om["omega_cl"],
            om["omega_v"],
            om["omega_ka"],
            f.sigma["estimate"].iloc[0],
        ]
    )
    out = {
        "seed": seed,
        "design": design,
        "converged": f.converged,
        "reason": f.reason,
        "est": est,
        "wall_s": time.perf_counter() - t0,
        "cpu_s": time.process_time() - c0,
    }
    for method in ("sandwich", "hessian"):
        cov = f.covariance(method)
        if cov is None:
            out[method] = None
            continue
        se = np.sqrt(np.diag(cov))
        # natural order: log typical values (SE already on the log scale), omega^2, sigma
        se_log = np.concatenate([se[:3], se[3:] / est[3:]])
        out[method] = se_log
    return out


def summarise(rows: list[dict], design: str) -> tuple[str, dict]:
    rs = [r for r in rows if r["design"] == design]
    ok = [r for r in rs if r["converged"] and r["sandwich"] is not None]
    n_fail = sum(not r["converged"] for r in rs)
    n_cov = sum(r["converged"] and r["sandwich"] is None for r in rs)
    E = np.array([r["est"] for r in ok])
    truth = np.array([TRUTH[n] for n in NAMES])
    bias = 100 * (E.mean(0) / truth - 1)
    rmse = 100 * np.sqrt(((E / truth - 1) ** 2).mean(0))
    z = 1.959964
    dist = np.abs(np.log(E) - np.log(truth))
    cover = {
        m: 100 * (dist <= z * np.array([r[m] for r in ok])).mean(0) for m in ("sandwich", "hessian")
    }
    lines = [
        f"| {n} | {truth[i]:g} | {E[:, i].mean():.4g} | {bias[i]:+.1f} % | "
        f"{rmse[i]:.1f} % | {cover['sandwich'][i]:.0f} % | {cover['hessian'][i]:.0f} % |"
        for i, n in enumerate(NAMES)
    ]
    stats = {
        "n": len(rs),
        "n_used": len(ok),
        "n_fail": n_fail,
        "n_cov_fail": n_cov,
        "theta_ok": bool(np.all(np.abs(bias[:3]) < 5)),
        "omega_ok": bool(np.all(np.abs(bias[3:6]) < 15)),
        "wall_per_fit": float(np.mean([r["wall_s"] for r in rs])),
        "cpu_per_fit": float(np.mean([r["cpu_s"] for r in rs])),
    }
    return "\n".join(lines), stats


def main(n_sets: int = 200, n_jobs: int = 2) -> None:
    from joblib import Parallel, delayed

    tasks = [(10_000 * (d == "sparse") + i, d) for d in DESIGNS for i in range(n_sets)]
    t0 = time.perf_counter()
    rows = Parallel(n_jobs=n_jobs)(delayed(fit_one)(s, d) for s, d in tasks)
    wall = time.perf_counter() - t0
    load = (
        Path("/proc/loadavg").read_text().split()[:3] if Path("/proc/loadavg").exists() else ["?"]
    )
    parts = []
    for d in DESIGNS:
        table, st = summarise(rows, d)
        spec = DESIGNS[d]
        what = (
            f"{spec['n_subjects']} subjects x {len(spec['times'])} samples"
            if "times" in spec
            else f"{spec['n_subjects']} subjects x 3 samples (one per window "
            + ", ".join(f"{a:g}-{b:g} h" for a, b in spec["windows"])
            + ")"
        )
        parts.append(f"""**{d}** ({what}): {st["n"]} data sets, {st["n_fail"]} not converged,
{st["n_cov_fail"]} with a failed covariance step (left out); per fit incl. the covariance
step {st["wall_per_fit"]:.1f} s wall, {st["cpu_per_fit"]:.2f} s CPU. THETA bias < 5 %: {"met" if st["theta_ok"] else "NOT met"};
OMEGA bias < 15 %: {"met" if st["omega_ok"] else "NOT met"}.

| parameter | true | mean estimate | relative bias | relative RMSE | 95 % CI coverage, sandwich | 95 % CI coverage, 2R^-1 |
|---|---:|---:|---:|---:|---:|---:|
{table}
""")
    md = f"""## Population fitting: simulation-estimation (`benchmarks/popfit_simest.py`)

1-cmt oral, 300 mg, CL 2 L/h, V 30 L, ka 1.2 1/h, omega^2 0.09/0.04/0.16, 15 % proportional
error; {n_sets} data sets per design, each refitted by FOCE-I from kinetor's own initial
estimates. Wald intervals on the log scale for typical values, variances and the residual
SD (symmetric intervals on the variances, used before, covered only 68-85 % in a 40-set
rich run: a variance estimated from a few dozen subjects has a skewed sampling
distribution). The sandwich's SEs of the variances are themselves noisy with 24 subjects (S
is a sum over subjects), so 2R^-1 (valid when the model is right, as here) covers closer to
95 %. The low coverage of CL in the sparse design comes from FOCE-I's bias in CL, not from
its SE (the empirical SD of log CL, about 4 %, matches the mean SE): on one 800-subject
sparse data set an importance-sampling evaluation of the exact likelihood (3,000 draws per
subject) prefers the true CL 2.0 over the FOCE-I estimate 2.046 by about 9 units of -2LL,
while the FOCE-I objective prefers 2.046 by 3.7, so the bias belongs to the FOCE-I
approximation (SAEM or importance sampling, not implemented, would remove it).

{chr(10).join(parts)}
{len(tasks)} fits in {wall:.0f} s wall on {n_jobs} joblib processes under `nice -n 10`;
load average at the end {" / ".join(load)} on 2 shared cores.
"""
    print(md)
    _record.record("popfit-simest", md)


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 200, int(sys.argv[2]) if len(sys.argv) > 2 else 2
    )
