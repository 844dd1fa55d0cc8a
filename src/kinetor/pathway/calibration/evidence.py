r"""Calibration on the TRAINING observations of ``pathway/evidence`` (never the held-out).

Candidates (a CSV with bounds: the shipped fit's ``shipped_fit_parameters.csv``, the
screen's ``evidence_parameters.csv``) live in :math:`\log_{10}`. The objective is

.. math::

    \sum_{i \in train} \left(\frac{e_i}{\sigma_i}\right)^2 +
    \sum_j \left(\frac{\log_{10} p_j - \log_{10} p_j^{prior}}{\sigma_{prior}}\right)^2

where :math:`e_i` is the log10 residual of :func:`kinetor.pathway.validation.judge`
(observed vs predicted for a quantitative row; distance outside the band for a direction
row, so band edges are soft bounds); :math:`\sigma_i = \log_{10}(1 + u/v)` for a row with
stated uncertainty :math:`u`, :math:`\log_{10} 2` for a quantitative row without one and 0.1
for band edges. The prior is the ``mtor.ant`` value (with its literature source there) and
:math:`\sigma_{prior} = 1` decade. Only rows with ``split = train``, a status other than
``unverified`` and a simulable scenario enter; the held-out rows are not read.

Steps (:func:`calibrate_evidence`):

1. **Identifiability before fitting.** The data Jacobian :math:`J` (prior rows left
   out; one-sided steps of 0.05 decade) at the prior. A candidate whose column norm is
   below 1e-3 is *uninformed* (no Fisher information). QR with column pivoting of the
   informed columns picks the independent subset (pivots at least 5 % of the largest:
   Fisher condition number <= 400); a member is identifiable when its standard error from
   the subset's Fisher information :math:`J_s^T J_s` is below 0.5 decade. Every other
   candidate is **fixed at its prior** (the ``mtor.ant`` value) and listed with why:
   uninformed, collinear with a named subset member (largest column correlation), or
   standard error too large.
2. **Multi-start fit of the identifiable set** (the prior plus ``n_starts - 1`` starts
   drawn uniformly in the log-bounds from a seeded generator, ``n_jobs`` processes), each
   run to the convergence criterion of :mod:`kinetor.pathway.calibration._fitting`
   (relative cost change, relative step or gradient below 1e-6) within ``max_nfev``.
   A fitted parameter on which the starts reaching the best cost (within 1 unit) disagree
   by 0.5 decade or more is fixed at its prior as well and the fit repeated.
3. **Converged** when the best start met the criterion and, with two or more starts, at
   least two starts reach the best cost (within 1 unit) agreeing within 0.5 decade on every
   fitted parameter; otherwise not converged, with the reason (the fitted rows of the
   parameter table then say so: status ``fitted, NOT CONVERGED``).
4. **Checks at the optimum**: Fisher rank and standard errors of the fitted set, and a
   profile likelihood of each fitted parameter (the others re-optimised; 95 % interval
   where the cost rises by 1.92). A fitted value within 1 % (in log) of a bound is flagged
   ``at_bound`` with the training rows that push it there (largest gradient terms).

Examples
--------
>>> free = load_evidence_parameters()
>>> bool((free["lower"] < free["upper"]).all())
True
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.numerics.executor import Executor
from kinetor.pathway._model import prior_parameters
from kinetor.pathway.calibration import _fitting as F
from kinetor.pathway.calibration._evidence_table import (
    SE_MAX,
    bound_note,
    fitted_note,
    not_converged_reasons,
    parameter_table,
    why_fixed,
)
from kinetor.pathway.evidence import load_observations
from kinetor.pathway.scenarios import build_scenarios
from kinetor.pathway.validation import Predictor, judge

__all__ = [
    "EVIDENCE_PARAMETERS_FILE",
    "OUTPUT_PARAMETERS_FILE",
    "SHIPPED_PARAMETERS_FILE",
    "EvidenceCalibration",
    "calibrate_evidence",
    "load_evidence_parameters",
    "training_rows",
]

EVIDENCE_PARAMETERS_FILE = Path(__file__).parent / "evidence_parameters.csv"
OUTPUT_PARAMETERS_FILE = Path(__file__).parent / "output_parameters.csv"
SHIPPED_PARAMETERS_FILE = Path(__file__).parent / "shipped_fit_parameters.csv"  # shipped free set
_SIGMA_BAND, _SIGMA_PRIOR = 0.1, 1.0
_SPREAD_MAX = 0.5
_SE_MAX = SE_MAX
_PIVOT = 0.05  # QR pivot ratio for the identifiable subset (Fisher condition number 400)
_SCREEN = 1e-3  # Jacobian column norm (residual/decade) below which a candidate is uninformed
_CRIT = (
    f"least_squares trf: relative cost change, relative step or gradient below {F.FTOL:g}; "
    "with 2+ starts, 2 reach the best cost (within 1) agreeing within 0.5 decade"
)
_AGREE_COST = 1.0  # starts within this of the best cost count as reaching it


def load_evidence_parameters(
    path: str | Path | None = None, with_outputs: bool = False
) -> pd.DataFrame:
    """``name, lower, upper, note`` of the parameters the evidence fit may move; with
    ``with_outputs`` also :data:`OUTPUT_PARAMETERS_FILE` (``path``'s bounds win)."""
    from kinetor.errors import DataError, Problem

    if with_outputs:
        parts = [load_evidence_parameters(path), load_evidence_parameters(OUTPUT_PARAMETERS_FILE)]
        return pd.concat(parts, ignore_index=True).drop_duplicates("name")
    path = Path(path or EVIDENCE_PARAMETERS_FILE)
    df = pd.read_csv(path, comment="#")
    priors = prior_parameters()
    problems = []
    for i, r in df.iterrows():
        where = {"file": path.name, "row": int(i) + 2}
        if r["name"] not in priors:
            problems.append(
                Problem(f"{r['name']!r} is not a parameter of mtor.ant", column="name", **where)
            )
        elif not (0 < r["lower"] <= priors[r["name"]] <= r["upper"]):
            problems.append(
                Problem(
                    f"{r['name']}: prior {priors[r['name']]:g} outside "
                    f"[{r['lower']:g}, {r['upper']:g}] or bound <= 0",
                    column="lower",
                    fix="bounds > 0 around the prior",
                    **where,
                )
            )
    if problems:
        raise DataError(problems)
    return df


def training_rows(observations: pd.DataFrame | None = None) -> list[dict]:
    """The training rows that enter the fit: split train, not unverified, simulable."""
    obs = load_observations() if observations is None else observations
    obs = obs[(obs["split"] == "train") & (obs["status"] != "unverified")]
    built = build_scenarios(obs).set_index("id")
    rows = []
    for _, o in obs.iterrows():
        b = built.loc[o["id"]]
        if not b["simulable"]:
            continue
        if o["kind"] == "quantitative":
            u, v = float(o["uncertainty"]), float(o["value"])
            sigma = (
                math.log10(1 + u / v)
                if math.isfinite(u) and u > 0 and o["uncertainty_kind"] != "none"
                else math.log10(2.0)
            )
        else:
            sigma = _SIGMA_BAND
        rows.append(
            {
                "obs": o,
                "scenario": b["scenario"],
                "baseline": b["baseline"],
                "readout": b["readout_model"],
                "compare": b["compare"],
                "sigma": sigma,
            }
        )
    return rows


def _data_residuals(rows: list[dict], params: dict[str, float]) -> np.ndarray:
    pred = Predictor(params)
    out = np.empty(len(rows))
    for k, r in enumerate(rows):
        try:
            value = pred.predict(r["scenario"], r["baseline"], r["readout"], r["compare"])
        except Exception:  # a failed simulation scores as a large residual
            value = float("nan")
        _, _, _, e = judge(r["obs"], value)
        out[k] = e / r["sigma"] if math.isfinite(e) else 30.0
    return out


class _Objective:
    """Residuals (data over sigma, then the prior rows) of the log10 values of ``names``,
    the other parameters at ``fixed``; picklable for the worker processes."""

    def __init__(self, rows, names, prior_x, fixed, data_only=False):
        self.rows, self.names, self.prior_x = rows, list(names), np.asarray(prior_x, float)
        self.fixed, self.data_only = dict(fixed), data_only

    def __call__(self, x):
        params = {**self.fixed, **dict(zip(self.names, 10.0 ** np.asarray(x), strict=True))}
        data = _data_residuals(self.rows, params)
        return data if self.data_only else np.concatenate([data, (x - self.prior_x) / _SIGMA_PRIOR])


def _fit_start(rows, names, px, lo, hi, x0, fixed, max_nfev):
    return F.least_squares_fit(_Objective(rows, names, px, fixed), x0, lo, hi, max_nfev)


def _profile_point(rows, names, px, lo, hi, x_best, j, value, fixed, max_nfev):
    """(cost, CPU s) with ``names[j]`` held at ``value`` (log10), the others re-optimised."""
    cpu = time.process_time()
    others = [k for k in range(len(names)) if k != j]
    held = {**fixed, names[j]: 10.0**value}
    if not others:
        r = _Objective(rows, [names[j]], px[[j]], fixed)(np.array([value]))
        return 0.5 * float(r @ r), time.process_time() - cpu
    obj = _Objective(rows, [names[k] for k in others], px[others], held)
    fit = F.least_squares_fit(obj, x_best[others], lo[others], hi[others], max_nfev)
    prior_j = (value - px[j]) / _SIGMA_PRIOR
    return fit["cost"] + 0.5 * prior_j**2, time.process_time() - cpu


@dataclass
class EvidenceCalibration:
    """Fitted values, the parameter table, the starts, whether it converged and why."""

    values: dict[str, float]
    parameters: pd.DataFrame
    starts: pd.DataFrame
    n_rows: int
    cost: float
    converged: bool
    message: str
    cpu_s: float = float("nan")
    criterion: str = ""

    def summary(self) -> pd.DataFrame:
        """One row: converged, the reason (message), the criterion, rows, cost, CPU s (all
        processes: the main one plus the fits and profile points run in workers)."""
        return pd.DataFrame(
            [
                {
                    "converged": self.converged,
                    "reason": self.message,
                    "criterion": self.criterion,
                    "training_rows": self.n_rows,
                    "fitted": len(self.values),
                    "candidates": len(self.parameters),
                    "cost": self.cost,
                    "cpu_s": self.cpu_s,
                }
            ]
        )


def calibrate_evidence(
    free: pd.DataFrame | None = None,
    n_starts: int = 4,
    seed: int = 0,
    n_jobs: int = 2,
    max_nfev: int = 200,
    observations: pd.DataFrame | None = None,
    profile: bool = True,
) -> EvidenceCalibration:
    """Identifiability at the prior, multi-start fit of the identifiable set to the stated
    criterion, Fisher and profile checks at the optimum (see the module docstring)."""
    t_cpu = time.process_time()
    free = load_evidence_parameters() if free is None else free
    rows = training_rows(observations)
    priors = prior_parameters()
    all_names = list(free["name"])
    lo_all = np.log10(free["lower"].to_numpy(float))
    hi_all = np.log10(free["upper"].to_numpy(float))
    px_all = np.log10([priors[n] for n in all_names])
    data_fun = _Objective(rows, all_names, px_all, {}, data_only=True)
    _, jac0 = F.forward_jacobian(data_fun, px_all, lo_all, hi_all, 0.05)
    sens = np.linalg.norm(jac0, axis=0)
    informed = sens > _SCREEN
    inf_idx = [j for j in range(len(all_names)) if informed[j]]
    sub_local, se_local = F.independent_subset(jac0[:, inf_idx], _PIVOT)
    subset = [inf_idx[k] for k in sub_local]
    se_sub = np.full(len(all_names), np.inf)
    se_sub[inf_idx] = se_local
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = np.nan_to_num(np.corrcoef(jac0.T)) if jac0.shape[0] > 1 else np.eye(len(all_names))
    fit_idx = [j for j in subset if se_sub[j] < _SE_MAX]
    why = {
        all_names[j]: why_fixed(j, all_names, informed, subset, se_sub, corr)
        for j in range(len(all_names))
        if j not in fit_idx
    }
    rng = np.random.default_rng(seed)
    fits, best, spread, worker_cpu = [], None, np.zeros(0), 0.0
    while fit_idx:
        names = [all_names[j] for j in fit_idx]
        lo, hi, px = lo_all[fit_idx], hi_all[fit_idx], px_all[fit_idx]
        fixed = {n: priors[n] for n in all_names if n not in names}
        starts = [np.clip(px, lo + 1e-9, hi - 1e-9)]
        starts += [rng.uniform(lo, hi) for _ in range(max(n_starts - 1, 0))]
        args = [(rows, names, px, lo, hi, x0, fixed, max_nfev) for x0 in starts]
        fits = Executor(n_jobs).map(_fit_start, args)
        worker_cpu += sum(f["cpu_s"] for f in fits)
        best = min(fits, key=lambda f: f["cost"])
        good = [f for f in fits if f["cost"] <= best["cost"] + _AGREE_COST]
        xs = np.array([f["x"] for f in good])
        spread = xs.max(axis=0) - xs.min(axis=0)
        wide = [k for k in range(len(names)) if spread[k] >= _SPREAD_MAX]
        if not wide:
            break
        for k in wide:
            why[names[k]] = (
                f"identifiable at the prior, but the starts reaching the best cost disagree by "
                f"{spread[k]:.2g} decades (>= {_SPREAD_MAX}): fixed at the prior"
            )
        fit_idx = [j for k, j in enumerate(fit_idx) if k not in wide]
    if not fit_idx:
        cpu = time.process_time() - t_cpu + (worker_cpu if n_jobs > 1 else 0.0)
        table = parameter_table(free, priors, all_names, sens, se_sub, {}, why, {}, {})
        msg = (
            f"NOT CONVERGED: nothing fitted: none of the {len(all_names)} candidates is "
            f"identifiable from the {len(rows)} training rows"
        )
        return EvidenceCalibration(
            {}, table, pd.DataFrame(), len(rows), float("nan"), False, msg, cpu, _CRIT
        )
    names = [all_names[j] for j in fit_idx]
    lo, hi, px = lo_all[fit_idx], hi_all[fit_idx], px_all[fit_idx]
    fixed = {n: priors[n] for n in all_names if n not in names}
    values = dict(zip(names, map(float, 10.0 ** best["x"]), strict=True))
    jd = best["jac"][: len(rows)]
    fisher = jd.T @ jd
    rank = int(np.linalg.matrix_rank(fisher)) if fisher.size else 0
    with np.errstate(divide="ignore", invalid="ignore"):
        se_opt = np.sqrt(np.clip(np.diag(np.linalg.pinv(fisher)), 0, None))
    n_agree, reasons = not_converged_reasons(fits, best, _AGREE_COST)
    converged = not reasons
    fitted_info = {}
    r_data = _Objective(rows, names, px, fixed, data_only=True)(best["x"])
    for k, n in enumerate(names):
        span = hi[k] - lo[k]
        side = (
            "lower"
            if best["x"][k] - lo[k] < 0.01 * span
            else "upper"
            if hi[k] - best["x"][k] < 0.01 * span
            else None
        )
        note = fitted_note(len(fits), n_agree, converged)
        if side:
            note += bound_note(rows, names, k, side, r_data, jd)
        fitted_info[n] = {
            "se": float(se_opt[k]),
            "spread": float(spread[k]) if n_agree > 1 else float("nan"),  # one start: none
            "status": "fitted" if converged else "fitted, NOT CONVERGED",
            "at_bound": side is not None,
            "note": note,
        }
    prof = {}
    if profile:
        grids = {
            k: sorted(
                {
                    float(np.clip(best["x"][k] + d, lo[k], hi[k]))
                    for d in (-1, -0.5, -0.2, 0.2, 0.5, 1)
                }
                - {float(best["x"][k])}
            )
            for k in range(len(names))
        }
        args = [
            (rows, names, px, lo, hi, best["x"], k, g, fixed, max_nfev)
            for k in grids
            for g in grids[k]
        ]
        points = Executor(n_jobs).map(_profile_point, args)
        worker_cpu += sum(p[1] for p in points)
        costs = iter(p[0] for p in points)
        for k in grids:
            c = [next(costs) for _ in grids[k]]
            low, high = F.profile_interval(grids[k], c, float(best["x"][k]), best["cost"])
            prof[names[k]] = (10.0**low, 10.0**high)
    cpu = time.process_time() - t_cpu + (worker_cpu if n_jobs > 1 else 0.0)
    st = pd.DataFrame(
        [
            {
                "start": k,
                "cost": f["cost"],
                "nfev": f["nfev"],
                "converged": f["converged"],
                "reason": f["reason"],
                **{f"x.{n}": float(10.0 ** f["x"][j]) for j, n in enumerate(names)},
            }
            for k, f in enumerate(fits)
        ]
    )
    table = parameter_table(free, priors, all_names, sens, se_sub, values, why, fitted_info, prof)
    crit = f"criterion: {_CRIT}, max_nfev {max_nfev} per start"
    msg = (
        f"{'converged' if converged else 'NOT CONVERGED'}: "
        + ("; ".join(reasons) if reasons else f"best start: {best['reason']}")
        + f"; {n_agree}/{len(fits)} starts within {_AGREE_COST:g} of the best cost {best['cost']:.4g}"
        f"; {crit}; {len(rows)} training rows, {len(all_names)} candidates, "
        f"{int(informed.sum())} informed, {len(names)} fitted (Fisher rank {rank}/{len(names)} "
        f"at the optimum), {len(all_names) - len(names)} fixed at their priors"
    )
    return EvidenceCalibration(
        values, table, st, len(rows), best["cost"], converged, msg, cpu, _CRIT
    )
