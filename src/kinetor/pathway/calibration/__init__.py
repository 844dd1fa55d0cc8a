r"""Calibration of the network: the evidence fit and the legacy behaviour-window targets.

The shipped values (``fitted_parameters.csv``) come from
:func:`kinetor.pathway.calibration.evidence.calibrate_evidence`, a fit to the TRAINING
observations of ``pathway/evidence`` (``kinetor pathway calibrate``). What follows
describes the LEGACY fit to 27 behaviour windows chosen by hand (``targets.csv``), kept for
reproducibility (``kinetor pathway calibrate --targets``; values in
``fitted_targets_legacy.csv``); it is not judged on held-out data.

``targets.csv`` lists every behaviour with its source and status, and whether it is used
for fitting (``set = fit``: all 27 shipped targets) or held out (``set = holdout``, for
users' own splits). :func:`cross_validate` re-fits once per target without it (leave-one-out),
the out-of-sample check of every behaviour. ``free_parameters.csv`` lists
the parameters the fit may move, with bounds. :func:`calibrate` minimises, with
``scipy.optimize.least_squares`` over :math:`\log_{10}` parameters,

.. math::

    \sum_{fit} r_i^2 + \sum_j \left(\frac{\log_{10} p_j - \log_{10} p_j^{prior}}{2}\right)^2

where an IC50 target gives :math:`r = \log_{10}(IC_{50}^{model}/IC_{50}^{target})/0.1`
and a level target (a readout in % of its baseline that must lie in [lower, upper]) gives a
hinge :math:`r = \log_{10}(v/\mathrm{bound})/0.05` outside the window (narrowed by 5 % on
each side while fitting) and 0 inside.
Drugs are resolved by name through the compound library (``kinetor.compounds``), the only
drug source, with the potency rules of :mod:`kinetor.pathway.drugs`. The
second sum is a weak prior (two decades) that keeps unidentified parameters at their
``mtor.ant`` values. :func:`evaluate` reports every target, fitted and held out.

Examples
--------
>>> t = load_targets()
>>> sorted(t["set"].unique()), len(t)
(['fit'], 27)
>>> bool((t["source"].str.len() > 0).all() and (t["status"].str.len() > 0).all())
True
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem
from kinetor.pathway._model import FITTED_FILE, fitted_values, model_text, prior_parameters
from kinetor.pathway._model import read_fitted as load_fitted
from kinetor.pathway.analysis import fit_hill
from kinetor.pathway.drugs import resolve_drug
from kinetor.pathway.network import READOUTS, Network

__all__ = [
    "FREE_PARAMETERS_FILE",
    "LEGACY_FITTED_FILE",
    "TARGETS_FILE",
    "CalibrationResult",
    "calibrate",
    "cross_validate",
    "evaluate",
    "load_fitted",
    "load_free_parameters",
    "load_targets",
    "write_fitted",
]

HERE = Path(__file__).parent
TARGETS_FILE = HERE / "targets.csv"
FREE_PARAMETERS_FILE = HERE / "free_parameters.csv"
#: The values of the legacy targets fit (the shipped model uses the evidence fit instead).
LEGACY_FITTED_FILE = HERE / "fitted_targets_legacy.csv"
IC50_GRID = np.logspace(-1, 5, 13)
# prior sigma 2 decades: with 1 decade the prior outweighed the capivasertib PRAS40 window
# (804 vs <= 800 nM) when all 27 targets are fitted (docs/pathway.md, section 6)
_SIGMA_IC50, _SIGMA_LEVEL, _SIGMA_PRIOR = 0.1, 0.05, 2.0
_MARGIN = 0.02  # the fit aims ~5% inside each window so that it is met, not grazed


def load_targets(path: str | Path | None = None) -> pd.DataFrame:
    """Read and check a targets CSV (every bad row reported at once)."""
    path = Path(path or TARGETS_FILE)
    df = pd.read_csv(
        path,
        dtype={
            "lesions": str,
            "context": str,
            "base_lesions": str,
            "base_context": str,
            "drug": str,
        },
        keep_default_na=False,
        na_values={"conc_nM": [""], "target": [""], "lower": [""], "upper": [""]},
    )
    problems = []
    for i, row in df.iterrows():
        where = {"file": path.name, "row": int(i) + 2}
        if row["set"] not in ("fit", "holdout"):
            problems.append(
                Problem(f"set {row['set']!r}", column="set", fix="fit or holdout", **where)
            )
        if row["kind"] not in ("ic50", "level"):
            problems.append(
                Problem(f"kind {row['kind']!r}", column="kind", fix="ic50 or level", **where)
            )
        if row["readout"] not in READOUTS:
            problems.append(
                Problem(
                    f"readout {row['readout']!r}",
                    column="readout",
                    fix=f"one of {', '.join(READOUTS)}",
                    **where,
                )
            )
        if not str(row["source"]).strip() or not str(row["status"]).strip():
            problems.append(
                Problem(
                    "missing source or status",
                    column="source",
                    fix="every target needs a source and a status",
                    **where,
                )
            )
        if row["kind"] == "ic50" and not str(row["drug"]).strip():
            problems.append(Problem("ic50 target without drug", column="drug", **where))
        if pd.isna(row["target"]) and pd.isna(row["lower"]) and pd.isna(row["upper"]):
            problems.append(Problem("no target, lower or upper", column="target", **where))
    if problems:
        raise DataError(problems)
    return df


def load_free_parameters(path: str | Path | None = None) -> pd.DataFrame:
    """The parameters the fit may move: ``name, lower, upper, note``."""
    return pd.read_csv(path or FREE_PARAMETERS_FILE, comment="#")


def _context(text: str) -> dict[str, float]:
    out = {}
    for part in filter(None, (p.strip() for p in str(text).split(";"))):
        key, _, value = part.partition("=")
        out[key.strip()] = float(value)
    return out


def _value(row, text: str, params: Mapping[str, float]) -> float:
    """Model value of one target row (IC50 in nM, or a level in % of its baseline)."""
    lesions, ctx = row["lesions"], _context(row["context"])
    net = Network(lesions, ctx, params, model_text=text)
    j = READOUTS.index(row["readout"])
    if row["kind"] == "ic50":
        drug = resolve_drug(row["drug"])
        ys = [net.readouts_at([(drug, c)], float(row["time_h"]))[j] for c in IC50_GRID]
        return fit_hill(IC50_GRID, ys).ic50
    base_les = "" if row["base_lesions"] == "parental" else (row["base_lesions"] or lesions)
    base_ctx = {} if row["base_context"] == "default" else (_context(row["base_context"]) or ctx)
    base = Network(base_les, base_ctx, params, model_text=text)
    scale = float(net.steady_state()[row["readout"]] / base.steady_state()[row["readout"]])
    if row["drug"] and float(row["time_h"]) > 0:
        drug = resolve_drug(row["drug"])
        pct = net.readouts_at([(drug, float(row["conc_nM"]))], float(row["time_h"]))[j]
        return float(pct * scale)
    return 100.0 * scale


def _residual(row, value: float, margin: float = 0.0) -> float:
    """Scaled residual; ``margin`` (log10) moves window bounds inwards (used while fitting)."""
    if not np.isfinite(value) or value <= 0:
        return 10.0
    if row["kind"] == "ic50" and not pd.isna(row["target"]):
        return float(np.log10(value / row["target"]) / _SIGMA_IC50)
    sigma = _SIGMA_IC50 if row["kind"] == "ic50" else _SIGMA_LEVEL
    lower = row["lower"] * 10**margin
    upper = row["upper"] / 10**margin
    if not pd.isna(lower) and value < lower:
        return float(np.log10(value / lower) / sigma)
    if not pd.isna(upper) and value > upper:
        return float(np.log10(value / upper) / sigma)
    return 0.0


def evaluate(
    targets: pd.DataFrame | None = None, fitted=None, parameters: Mapping[str, float] | None = None
) -> pd.DataFrame:
    """Every target with the model's value, its residual and whether it is met.

    ``fitted`` as in :class:`~kinetor.pathway.Network` (None: the shipped values). The
    values are applied as parameter overrides on the prior model text, as while fitting,
    so evaluating a new set of values compiles nothing new.
    """
    targets = load_targets() if targets is None else targets
    text = model_text(False)
    params = {**fitted_values(fitted), **(parameters or {})}
    rows = []
    for _, row in targets.iterrows():
        value = _value(row, text, params)
        res = _residual(row, value)
        if row["kind"] == "ic50" and not pd.isna(row["target"]):
            met = abs(np.log10(value / row["target"])) <= np.log10(2.0) if value > 0 else False
        else:
            met = res == 0.0
        rows.append(
            {
                "id": row["id"],
                "set": row["set"],
                "kind": row["kind"],
                "readout": row["readout"],
                "model": value,
                "target": row["target"],
                "lower": row["lower"],
                "upper": row["upper"],
                "residual": res,
                "met": bool(met),
                "status": row["status"],
            }
        )
    return pd.DataFrame(rows)


@dataclass
class CalibrationResult:
    """Fitted values, the per-target report and the optimiser's summary."""

    values: dict[str, float]
    report: pd.DataFrame
    cost: float
    nfev: int
    message: str


def calibrate(
    targets: pd.DataFrame | None = None,
    free: pd.DataFrame | None = None,
    max_nfev: int = 300,
    start: Mapping[str, float] | None = None,
) -> CalibrationResult:
    """Fit the free parameters to the ``fit`` targets (priors from ``mtor.ant``)."""
    from scipy.optimize import least_squares

    targets = load_targets() if targets is None else targets
    free = load_free_parameters() if free is None else free
    priors = prior_parameters()
    names = list(free["name"])
    lo, hi = np.log10(free["lower"].to_numpy(float)), np.log10(free["upper"].to_numpy(float))
    p0 = np.log10([priors[n] for n in names])
    x0 = np.log10([(start or {}).get(n, priors[n]) for n in names])
    x0 = np.clip(x0, lo + 1e-9, hi - 1e-9)
    text = model_text(False)
    fit_rows = [row for _, row in targets.iterrows() if row["set"] == "fit"]

    def residuals(x):
        params = dict(zip(names, 10.0**x, strict=True))
        r = [_residual(row, _value(row, text, params), _MARGIN) for row in fit_rows]
        return np.concatenate([r, (x - p0) / _SIGMA_PRIOR])

    sol = least_squares(
        residuals, x0, bounds=(lo, hi), diff_step=1e-3, max_nfev=max_nfev, x_scale=1.0
    )
    values = dict(zip(names, map(float, 10.0**sol.x), strict=True))
    report = evaluate(targets, fitted=values)
    return CalibrationResult(values, report, float(sol.cost), int(sol.nfev), str(sol.message))


def _leave_out(targets: pd.DataFrame, target_id: str, free: pd.DataFrame, max_nfev: int) -> dict:
    """Fit without ``target_id`` (its row set to holdout), then evaluate that row."""
    folds = targets.copy()
    folds.loc[folds["id"] == target_id, "set"] = "holdout"
    res = calibrate(folds, free, max_nfev=max_nfev)
    row = res.report[res.report["id"] == target_id].iloc[0]
    return {
        "id": target_id,
        "model_left_out": float(row["model"]),
        "met_left_out": bool(row["met"]),
        "residual_left_out": float(row["residual"]),
        **{f"fold.{k}": v for k, v in res.values.items()},
    }


def cross_validate(
    targets: pd.DataFrame | None = None,
    free: pd.DataFrame | None = None,
    max_nfev: int = 300,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Leave-one-out cross-validation over the ``fit`` targets.

    For each fit target, the free parameters are re-fitted without it (from the priors, as
    :func:`calibrate`) and the left-out target is evaluated with those values: an
    out-of-sample check of every behaviour, instead of one arbitrary split. Returns one row
    per target: ``id, model_left_out, met_left_out, residual_left_out`` and the fold's
    fitted values (``fold.<name>``). Folds run in ``n_jobs`` processes (the shared executor).
    """
    targets = load_targets() if targets is None else targets
    free = load_free_parameters() if free is None else free
    ids = list(targets.loc[targets["set"] == "fit", "id"])
    from kinetor.numerics.executor import Executor

    rows = Executor(n_jobs).map(_leave_out, [(targets, i, free, max_nfev) for i in ids])
    return pd.DataFrame(rows)


def write_fitted(
    values: Mapping[str, float],
    path: str | Path | None = None,
    free: pd.DataFrame | None = None,
    note: str = "",
) -> Path:
    """Write fitted values as the CSV ``Network`` reads (default: the shipped file)."""
    path = Path(path or FITTED_FILE)
    free = load_free_parameters() if free is None else free
    priors = prior_parameters()
    bounds = {r["name"]: (r["lower"], r["upper"]) for _, r in free.iterrows()}
    lines = [
        "# fitted by kinetor.pathway.calibration.calibrate (kinetor pathway calibrate)",
        f"# {note}" if note else "# targets: calibration/targets.csv (set = fit)",
        "name,value,prior,lower,upper",
    ]
    for name, value in values.items():
        lo, hi = bounds.get(name, (float("nan"), float("nan")))
        lines.append(f"{name},{value:.6g},{priors.get(name, float('nan')):.6g},{lo:.6g},{hi:.6g}")
    path.write_text("\n".join(lines) + "\n")
    return path
