"""Dual-target screening: mTOR and PI3Kalpha predictions side by side, the predicted
selectivity, and a ranking of candidate dual inhibitors with their intervals.

For each compound the table holds, per target, the predicted pIC50, its conformal interval
and the domain flag; then

- ``selectivity`` :math:`= p_{mTOR} - p_{PI3K\\alpha}` (positive: mTOR-selective; its
  interval combines the two conformal intervals conservatively, lower minus upper);
- ``dual_score`` :math:`= \\min(p_{mTOR}, p_{PI3K\\alpha})`, the potency on the weaker
  target, and ``dual_lower`` the same for the interval lower ends (a pessimistic bound);
- ``mechanism``: the network mechanism :func:`~kinetor.qsar.bridge.mechanism_for` assigns.

Compounds are ranked by ``dual_score`` (best first); out-of-domain compounds keep their
rank but are flagged.

Examples
--------
>>> import numpy as np
>>> from kinetor.qsar.predictor import PotencyPredictor
>>> smiles = [f"C{'C' * i}O" for i in range(12)] + [f"c1ccccc1{'C' * i}N" for i in range(12)]
>>> a = PotencyPredictor("svr", "mtor", n_calibration_folds=3).fit(smiles, np.linspace(5, 8, 24))
>>> b = PotencyPredictor("svr", "pi3ka", n_calibration_folds=3).fit(smiles, np.linspace(8, 5, 24))
>>> out = screen(["CCCCO", "c1ccccc1CCCCCN"], {"mtor": a, "pi3ka": b})
>>> out["smiles"].tolist(), out["mechanism"].tolist()
(['c1ccccc1CCCCCN', 'CCCCO'], ['mtor_kinase', 'pi3k_alpha'])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem

__all__ = ["screen"]


def screen(
    smiles: Sequence[str],
    predictors: Mapping[str, object],
    ids: Sequence[str] | None = None,
    dual_window: float = 1.0,
    file: str = "<input>",
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Predict every target for every compound and rank candidate dual inhibitors.

    Parameters
    ----------
    smiles : sequence of str
        The library (unparsable entries are reported in ``error`` and ranked last).
    predictors : mapping
        ``{target: PotencyPredictor}``, e.g. ``{"mtor": ..., "pi3ka": ...}``.
    ids : sequence of str, optional
        Compound names (default ``row<N>``).
    dual_window : float
        Selectivity window (log units) inside which a compound counts as dual.
    file : str
        Name used in problem messages.
    n_jobs : int
        Processes that featurise large libraries.
    """
    from kinetor.qsar.bridge import mechanism_for
    from kinetor.qsar.featureset import featurize_smiles

    if not predictors:
        raise DataError([Problem("no target models given", fix="pass e.g. --targets mtor,pi3ka")])
    smiles = list(smiles)
    ids = list(ids) if ids is not None else [f"row{i + 1}" for i in range(len(smiles))]
    needs_tab = any(p.model_.needs_tab for p in predictors.values())
    kinds = tuple(dict.fromkeys(k for p in predictors.values() for k in p.train_.fps))
    F, ok, problems = featurize_smiles(smiles, tab=needs_tab, n_jobs=n_jobs, file=file, kinds=kinds)
    out = pd.DataFrame({"id": ids, "smiles": smiles})
    for target, pred in predictors.items():
        cols = {c: np.full(len(smiles), np.nan) for c in ("p", "lower", "upper", "nn")}
        dom = np.zeros(len(smiles), dtype=bool)
        if F is not None:
            tab = pred.predict_features(F)
            cols["p"][ok], cols["lower"][ok] = tab["prediction"], tab["lower"]
            cols["upper"][ok], cols["nn"][ok] = tab["upper"], tab["nn_similarity"]
            dom[ok] = tab["in_domain"].to_numpy()
        out[f"p_{target}"] = cols["p"]
        out[f"lower_{target}"] = cols["lower"]
        out[f"upper_{target}"] = cols["upper"]
        out[f"nn_similarity_{target}"] = cols["nn"]
        out[f"in_domain_{target}"] = dom
    targets = list(predictors)
    if {"mtor", "pi3ka"} <= set(targets):
        out["selectivity"] = out["p_mtor"] - out["p_pi3ka"]
        out["selectivity_lower"] = out["lower_mtor"] - out["upper_pi3ka"]
        out["selectivity_upper"] = out["upper_mtor"] - out["lower_pi3ka"]
    out["dual_score"] = out[[f"p_{t}" for t in targets]].min(axis=1, skipna=False)
    out["dual_lower"] = out[[f"lower_{t}" for t in targets]].min(axis=1, skipna=False)
    out["in_domain"] = out[[f"in_domain_{t}" for t in targets]].all(axis=1)
    mech = []
    for _, row in out.iterrows():
        vals = {t: row[f"p_{t}"] for t in targets if t in ("mtor", "pi3ka")}
        mech.append(
            mechanism_for(vals, dual_window)
            if vals and all(np.isfinite(list(vals.values())))
            else ""
        )
    out["mechanism"] = mech
    out["error"] = ""
    for p in problems:
        out.loc[p.row - 2, "error"] = p.message
    out = out.sort_values("dual_score", ascending=False, na_position="last", kind="stable")
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out.reset_index(drop=True)
