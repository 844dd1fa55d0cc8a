r"""Calibration on the TRAINING observations of ``pathway/evidence`` (never the held-out).

The free parameters (``evidence_parameters.csv``: the model's uncertain constants, with
bounds) are fitted in :math:`\log_{10}` by multi-start ``scipy.optimize.least_squares``
(starts drawn uniformly in the log-bounds from a seeded generator, run in parallel
processes) minimising

.. math::

    \sum_{i \in train} \left(\frac{e_i}{\sigma_i}\right)^2 +
    \sum_j \left(\frac{\log_{10} p_j - \log_{10} p_j^{prior}}{\sigma_{prior}}\right)^2

where :math:`e_i` is the log10 residual of :func:`kinetor.pathway.validation.judge`
(observed vs predicted for a quantitative row; distance outside the band for a direction
row, so band edges are soft bounds); :math:`\sigma_i = \log_{10}(1 + u/v)` for a row with
stated uncertainty :math:`u`, :math:`\log_{10} 2` for a quantitative row without one and
0.1 for band edges. The prior is the ``mtor.ant`` value with :math:`\sigma_{prior} = 1`
decade. Only rows with ``split = train``, a status other than ``unverified`` and a
simulable scenario enter; the held-out rows are not read.

Screen: a candidate parameter on which no training residual depends (data-Jacobian
column, one-sided step of 0.05 decade at the prior, below 1e-3) carries no Fisher
information; it is fixed at its prior before the multi-start and listed as such.

Identifiability: at the best start, the data Jacobian :math:`J` (prior rows left out) is
factorised by QR with column pivoting; the columns whose pivot is at least 5 % of the
largest form the independent subset (Fisher condition number <= 400), and the Fisher
information :math:`J_s^T J_s` of that subset gives each member's standard error in
decades. A parameter is identifiable when it is in the subset, its standard error is below
0.5 decade **and** the starts that reach the best cost (within 1 unit) agree on it within
0.5 decade. The full-matrix standard errors (pseudo-inverse of :math:`J^T J`) and the
Fisher rank are reported too. Non-identifiable parameters are
then fixed at their prior (literature/``mtor.ant``) values, the identifiable ones are
re-fitted from the best start, and both lists are reported. A fitted value within 1 % (in
log) of a bound is flagged ``at_bound``.

Examples
--------
>>> free = load_evidence_parameters()
>>> bool((free["lower"] < free["upper"]).all())
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.numerics.executor import Executor
from kinetor.pathway._model import prior_parameters
from kinetor.pathway.evidence import load_observations
from kinetor.pathway.scenarios import build_scenarios
from kinetor.pathway.validation import Predictor, judge

__all__ = [
    "EVIDENCE_PARAMETERS_FILE",
    "EvidenceCalibration",
    "calibrate_evidence",
    "load_evidence_parameters",
    "training_rows",
]

EVIDENCE_PARAMETERS_FILE = Path(__file__).parent / "evidence_parameters.csv"
_SIGMA_BAND, _SIGMA_PRIOR = 0.1, 1.0
_SE_MAX, _SPREAD_MAX = 0.5, 0.5
_PIVOT = 0.05  # QR pivot ratio for the identifiable subset (Fisher condition number 400)
_SCREEN = 1e-3  # data-Jacobian column norm (residual units per decade) below which a
# parameter is taken as uninformed and fixed at its prior before the fit


def load_evidence_parameters(path: str | Path | None = None) -> pd.DataFrame:
    """``name, lower, upper, note`` of the parameters the evidence fit may move."""
    from kinetor.errors import DataError, Problem

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


def _fit(rows, names, prior_x, lo, hi, x0, fixed, max_nfev):
    from scipy.optimize import least_squares

    def fun(x):
        params = {**fixed, **dict(zip(names, 10.0**x, strict=True))}
        return np.concatenate([_data_residuals(rows, params), (x - prior_x) / _SIGMA_PRIOR])

    sol = least_squares(fun, x0, bounds=(lo, hi), diff_step=1e-3, max_nfev=max_nfev)
    return {
        "x": sol.x,
        "cost": float(sol.cost),
        "nfev": int(sol.nfev),
        "status": int(sol.status),
        "message": str(sol.message),
        "jac": sol.jac[: len(rows)],
        "success": bool(sol.status > 0),
    }


@dataclass
class EvidenceCalibration:
    """Fitted values, the parameter table, the starts, and whether it converged."""

    values: dict[str, float]
    parameters: pd.DataFrame
    starts: pd.DataFrame
    n_rows: int
    cost: float
    converged: bool
    message: str


def calibrate_evidence(
    free: pd.DataFrame | None = None,
    n_starts: int = 8,
    seed: int = 0,
    n_jobs: int = 2,
    max_nfev: int = 40,
    observations: pd.DataFrame | None = None,
) -> EvidenceCalibration:
    """Multi-start fit on the training observations, identifiability, refit (see module)."""
    free = load_evidence_parameters() if free is None else free
    rows = training_rows(observations)
    priors = prior_parameters()
    names = list(free["name"])
    lo = np.log10(free["lower"].to_numpy(float))
    hi = np.log10(free["upper"].to_numpy(float))
    px = np.log10([priors[n] for n in names])
    # screen: columns of the data Jacobian at the prior (log10 step 0.05); a parameter no
    # training row depends on has no Fisher information and stays at its prior
    r0 = _data_residuals(rows, {n: 10.0**x for n, x in zip(names, px, strict=True)})
    col = np.empty(len(names))
    for j in range(len(names)):
        xj = px.copy()
        xj[j] = px[j] + 0.05 if px[j] + 0.05 <= hi[j] else px[j] - 0.05
        rj = _data_residuals(rows, {m: 10.0**x for m, x in zip(names, xj, strict=True)})
        col[j] = float(np.linalg.norm(rj - r0) / 0.05)
    screened = {n: float(c) for n, c in zip(names, col, strict=True)}
    active = [j for j in range(len(names)) if col[j] > _SCREEN]
    all_names, all_lo, all_hi, all_px = names, lo, hi, px
    names = [all_names[j] for j in active]
    lo, hi, px = all_lo[active], all_hi[active], all_px[active]
    if not names:
        table = pd.DataFrame(
            [
                {
                    "name": n,
                    "prior": priors[n],
                    "value": priors[n],
                    "sensitivity": screened[n],
                    "identifiable": False,
                    "at_bound": False,
                    "note": "no training row depends on it: fixed at the prior",
                }
                for n in all_names
            ]
        )
        return EvidenceCalibration(
            {},
            table,
            pd.DataFrame(),
            len(rows),
            float("nan"),
            False,
            f"{len(rows)} training rows inform none of the "
            f"{len(all_names)} candidate parameters: nothing fitted",
        )
    rng = np.random.default_rng(seed)
    starts = [np.clip(px, lo + 1e-9, hi - 1e-9)]
    starts += [rng.uniform(lo, hi) for _ in range(max(n_starts - 1, 0))]
    fits = Executor(n_jobs).map(
        _fit, [(rows, names, px, lo, hi, x0, {}, max_nfev) for x0 in starts]
    )
    best = min(range(len(fits)), key=lambda k: fits[k]["cost"])
    fb = fits[best]
    jtj = fb["jac"].T @ fb["jac"]
    with np.errstate(divide="ignore", invalid="ignore"):
        cov = np.linalg.pinv(jtj, rcond=1e-10)
    se = np.sqrt(np.clip(np.diag(cov), 0, None))
    se = np.where(np.diag(jtj) > 1e-12, se, np.inf)
    rank = int(np.linalg.matrix_rank(jtj, tol=1e-6 * max(np.abs(jtj).max(), 1e-300)))
    good = [f for f in fits if f["cost"] <= fb["cost"] + 1.0]
    xs = np.array([f["x"] for f in good])
    spread = xs.max(axis=0) - xs.min(axis=0) if len(xs) > 1 else np.zeros(len(names))
    # subset selection (QR with column pivoting of the data Jacobian): the most independent
    # columns whose pivots are within _PIVOT of the largest; their standard errors from the
    # Fisher information of that subset alone (the others held at the best fit)
    from scipy.linalg import qr

    jac = fb["jac"]
    _, rr, piv = qr(jac, mode="economic", pivoting=True)
    diag = np.abs(np.diag(rr))
    n_sub = int(np.sum(diag > _PIVOT * diag[0])) if diag.size and diag[0] > 0 else 0
    subset = sorted(piv[:n_sub].tolist())
    se_sub = np.full(len(names), np.inf)
    if subset:
        js = jac[:, subset]
        with np.errstate(divide="ignore", invalid="ignore"):
            cov_s = np.linalg.pinv(js.T @ js, rcond=1e-12)
        se_sub[subset] = np.sqrt(np.clip(np.diag(cov_s), 0, None))
    ident = (se_sub < _SE_MAX) & (spread < _SPREAD_MAX)
    keep = [n for n, ok in zip(names, ident, strict=True) if ok]
    fixed = {n: priors[n] for n, ok in zip(names, ident, strict=True) if not ok}
    if keep:
        idx = [names.index(n) for n in keep]
        final = _fit(
            rows,
            keep,
            px[idx],
            lo[idx],
            hi[idx],
            np.clip(fb["x"][idx], lo[idx] + 1e-9, hi[idx] - 1e-9),
            fixed,
            max_nfev,
        )
        values = dict(zip(keep, map(float, 10.0 ** final["x"]), strict=True))
    else:
        final, values = fb, {}
    table = []
    for jj, n in enumerate(all_names):
        j = names.index(n) if n in names else None
        v = values.get(n, priors[n])
        span = all_hi[jj] - all_lo[jj]
        at_bound = n in values and (
            abs(math.log10(v) - all_lo[jj]) < 0.01 * span
            or abs(math.log10(v) - all_hi[jj]) < 0.01 * span
        )
        if j is None:
            note = (
                "no training row depends on it (Fisher information 0 at the prior): "
                "fixed at the prior"
            )
            se_j, sp_j, best, ok = math.inf, float("nan"), float("nan"), False
        else:
            se_j, sp_j, ok = float(se[j]), float(spread[j]), bool(ident[j])
            best = float(10.0 ** fb["x"][j])
            sub = float(se_sub[j])
            if n in values:
                note = "fitted (identifiable subset)"
            elif j in subset:
                note = (
                    f"in the independent subset but SE {sub:.2g} decades or start spread "
                    f"{sp_j:.2g} >= 0.5: fixed at the prior"
                )
            else:
                note = (
                    "not identifiable: its sensitivity is (nearly) a combination of the "
                    f"subset's (full-FIM SE {se_j:.2g} decades): fixed at the prior"
                )
        if at_bound:
            note += "; AT BOUND: the training rows push it to the edge of its range"
        table.append(
            {
                "name": n,
                "prior": priors[n],
                "lower": free["lower"].iloc[jj],
                "upper": free["upper"].iloc[jj],
                "value": v,
                "best_start_value": best,
                "sensitivity": screened[n],
                "se_log10": se_j,
                "se_subset_log10": sub if j is not None else math.inf,
                "spread_log10": sp_j,
                "identifiable": ok,
                "at_bound": bool(at_bound),
                "note": note,
            }
        )
    st = pd.DataFrame(
        [
            {
                "start": k,
                "cost": f["cost"],
                "nfev": f["nfev"],
                "converged": f["success"],
                "message": f["message"],
                **{f"x.{n}": float(10.0 ** f["x"][j]) for j, n in enumerate(names)},
            }
            for k, f in enumerate(fits)
        ]
    )
    converged = bool(final["success"]) and final["status"] != 0
    msg = (
        f"{len(rows)} training rows, {len(all_names)} candidate parameters, "
        f"{len(names)} informed at the prior, {len(fits)} starts (seed {seed}), Fisher "
        f"rank {rank}/{len(names)}, {len(keep)} identifiable; final fit: "
        f"{final['message']}"
    )
    if final["status"] == 0:
        msg += " (stopped at max_nfev: not converged)"
    return EvidenceCalibration(
        values, pd.DataFrame(table), st, len(rows), final["cost"], converged, msg
    )
