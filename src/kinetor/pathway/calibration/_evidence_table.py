"""Tables and notes of the evidence calibration (which parameter is fixed and why, which
rows push a fitted one to its bound, the parameter table) and the checked reading of a
fitted-parameter file (:func:`kinetor.pathway._model.read_fitted`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

SE_MAX = 0.5  # decades: largest standard error of an identifiable parameter


def why_fixed(j, names, informed, subset, se_sub, corr) -> str:
    if not informed[j]:
        return "uninformed: no training row depends on it (Fisher information 0 at the prior)"
    if j not in subset:
        partner = max(subset, key=lambda k: abs(corr[j, k])) if subset else None
        with_ = (
            f" (column correlation {corr[j, partner]:+.2f} with {names[partner]})"
            if partner is not None
            else ""
        )
        return f"not identifiable: its sensitivity is nearly a combination of the independent subset's{with_}"
    return (
        f"in the independent subset but its standard error is {se_sub[j]:.2g} decades (>= {SE_MAX})"
    )


def bound_note(rows, names, k, side, r_data, jac) -> str:
    """Which training rows push fitted parameter ``k`` to its bound (gradient terms)."""
    g = r_data * jac[:, k]  # d(0.5 r^2)/dx_k per row: negative pushes x_k up
    order = np.argsort(g if side == "upper" else -g)
    push = [
        rows[i]["obs"]["id"] for i in order[:3] if (g[i] < 0) == (side == "upper") and g[i] != 0
    ]
    who = ", ".join(push) if push else "the prior rows alone"
    return (
        f"; AT {side.upper()} BOUND: the fit would move it further, pushed by {who}; "
        "the bound is the literature range of the constant (evidence_parameters.csv)"
    )


def parameter_table(free, priors, all_names, sens, se_sub, values, why, fitted_info, prof):
    """One row per candidate: prior, bounds, value, fitted or fixed, standard errors, start
    spread, 95 % profile interval (NaN: open), at_bound and the note saying why."""
    out = []
    for jj, n in enumerate(all_names):
        fi = fitted_info.get(n, {})
        lo_v, hi_v = prof.get(n, (float("nan"), float("nan")))
        out.append(
            {
                "name": n,
                "prior": priors[n],
                "lower": float(free["lower"].iloc[jj]),
                "upper": float(free["upper"].iloc[jj]),
                "value": values.get(n, priors[n]),
                "status": "fitted" if n in values else "fixed at prior",
                "identifiable": n in values,
                "sensitivity": float(sens[jj]),
                "se_subset_prior_log10": float(se_sub[jj]),
                "se_log10": fi.get("se", float("nan")),
                "spread_log10": fi.get("spread", float("nan")),
                "profile_low": lo_v,
                "profile_high": hi_v,
                "at_bound": fi.get("at_bound", False),
                "note": fi.get("note", why.get(n, "")),
            }
        )
    return pd.DataFrame(out)
