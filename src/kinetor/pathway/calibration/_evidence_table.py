"""Tables and notes of the evidence calibration: which parameter is fixed and why, why the
fit did not converge, what a fitted value is worth (one start, no convergence), which rows
push a fitted one to its bound, and the parameter table."""

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


def not_converged_reasons(fits, best, agree_cost) -> tuple[int, list[str]]:
    """How many starts reach the best cost (within ``agree_cost``) and why the fit is not
    converged (empty: converged): the best start met no criterion, or with two or more
    starts only one reached the best cost."""
    n_agree = sum(f["cost"] <= best["cost"] + agree_cost for f in fits)
    reasons = []
    if not best["converged"]:
        reasons.append(f"best start: {best['reason']}")
    if len(fits) > 1 and n_agree < 2:
        reasons.append("only one start reached the best cost")
    return n_agree, reasons


def fitted_note(n_starts: int, n_agree: int, converged: bool) -> str:
    """Why a parameter is fitted, and what its value and standard error are worth: the
    agreement of the starts is claimed only when two or more reached the best cost, and a
    fit that did not converge says that its value is where the optimiser stopped."""
    if n_agree > 1:
        starts = f"{n_agree} of {n_starts} starts reach the best cost, agreeing within 0.5 decade"
    elif n_starts == 1:
        starts = "one start: agreement between starts not checked (--starts 2 or more)"
    else:
        starts = f"only 1 of {n_starts} starts reached the best cost: agreement not checked"
    note = (
        f"fitted (identifiable at the prior: independent subset, subset SE < 0.5 decade; {starts})"
    )
    if converged:
        return note
    return (
        "NOT CONVERGED: the value is where the optimiser stopped, not an optimum, and "
        "se_log10 (from the Jacobian there) is not the standard error of a fitted value; " + note
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
                "status": fi.get("status", "fitted" if n in values else "fixed at prior"),
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
