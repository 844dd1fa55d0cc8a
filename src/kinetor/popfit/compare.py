"""Serial-sacrifice (one sample per animal) designs: population fit, naive pooling, sparse NCA.

Three answers to "what are CL/F and V/F" from the same composite data set:

* **population (FOCE-I)**: ``popfit`` with between-animal variability on CL and V; the
  typical values with their Wald CIs (log scale);
* **naive pooling**: ``fit_pk(..., pooling="naive")``, every animal treated as the same
  animal (one residual error absorbs the between-animal spread; its CIs are too narrow
  because the samples are not independent draws of one profile);
* **sparse NCA**: the composite profile of each dose group (mean per nominal time), its
  AUC by the linear-up/log-down rule with the Bailer (1988, doi:10.1007/BF01062336; likely)
  standard error of AUClast; CL/F = dose/AUCinf, Vz/F = CL/F / lambda_z. The CI of CL/F
  uses the Bailer SE of AUClast (delta method: SE(log AUC) = SE/AUC, normal quantile).

``kinetor popfit DATA --compare-sparse`` writes the same table from the command line.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["serial_sacrifice_comparison"]


def serial_sacrifice_comparison(
    study,
    model: str = "1cmt-oral",
    *,
    eta=("cl", "v"),
    error: str = "proportional",
    ci_level: float = 0.95,
    fit=None,
) -> pd.DataFrame:
    """CL/F and V/F of a serial-sacrifice study by population fit, naive pooling and NCA.

    Parameters
    ----------
    study : Study
        One sample per animal (sparse); extravascular or IV doses, several dose groups.
    model, eta, error
        Passed to ``popfit`` (and the structure and error model to ``fit_pk``).
    fit : PopFitResult, optional
        An existing population fit to use instead of fitting again.

    Returns
    -------
    DataFrame
        ``method, group, parameter, estimate, ci_low, ci_high, unit, converged, reason``
        (``group`` is ``all`` for the model fits, the dose group for NCA).
    """
    import kinetor as kt
    from kinetor.popfit.fit import popfit

    z = stats.norm.ppf(0.5 + ci_level / 2)
    if fit is None:
        fit = popfit(study, model, eta=list(eta), error=error, npde=False, ci_level=ci_level)
    rows = []
    th = fit.theta.set_index("parameter")
    names = {"cl": "CL/F", "v": "V/F", "ka": "ka"} if fit.model.oral else {"cl": "CL", "v": "V"}
    for p, label in names.items():
        if p in th.index:
            r = th.loc[p]
            rows.append(
                {
                    "method": "population (FOCE-I)",
                    "group": "all",
                    "parameter": label,
                    "estimate": r["estimate"],
                    "ci_low": r["ci_low"],
                    "ci_high": r["ci_high"],
                    "unit": r["unit"],
                    "converged": fit.converged,
                    "reason": fit.reason,
                }
            )
    pooled = kt.fit_pk(study, fit.model.structure, pooling="naive", error=error)
    pp = pooled.params.set_index("parameter")
    for p, label in names.items():
        if p in pp.index:
            r = pp.loc[p]
            rows.append(
                {
                    "method": "naive pooling",
                    "group": "all",
                    "parameter": label,
                    "estimate": r["estimate"],
                    "ci_low": r["ci_lower"],
                    "ci_high": r["ci_upper"],
                    "unit": r["unit"],
                    "converged": bool(r["converged"]),
                    "reason": r["reason"],
                }
            )
    wide = kt.nca(study, sparse=True).to_wide()
    oral = fit.model.oral
    cl_col, v_col = ("CLFO", "VZFO") if oral else ("CLO", "VZO")
    for _, r in wide.iterrows():
        group = r.get("group", "all")
        auc, se, auc_inf = r.get("AUCLST"), r.get("AUCLSTSE"), r.get("AUCIFO")
        cl = r.get(cl_col, np.nan)
        half = z * se / auc if np.isfinite(se) and auc > 0 else np.nan
        ok = bool(np.isfinite(cl) and np.isfinite(auc_inf))
        reason = "" if ok else "no terminal phase (lambda_z) for AUCinf"
        rows.append(
            {
                "method": "sparse NCA",
                "group": group,
                "parameter": label_of(cl_col),
                "estimate": cl,
                "ci_low": cl * np.exp(-half),
                "ci_high": cl * np.exp(half),
                "unit": fit.units["clearance"],
                "converged": ok,
                "reason": reason,
            }
        )
        rows.append(
            {
                "method": "sparse NCA",
                "group": group,
                "parameter": label_of(v_col),
                "estimate": r.get(v_col, np.nan),
                "ci_low": np.nan,
                "ci_high": np.nan,
                "unit": fit.units["volume"],
                "converged": ok,
                "reason": reason,
            }
        )
    return pd.DataFrame(rows)


def label_of(col: str) -> str:
    return {"CLFO": "CL/F", "VZFO": "V/F", "CLO": "CL", "VZO": "V"}[col]
