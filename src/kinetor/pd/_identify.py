"""A likelihood check of the Hill coefficient of direct models (``emax``-type fits).

The fit's identifiability diagnostics read the Wald SEs and the correlation matrix. A Hill
coefficient on step-shaped data (the response jumps between two tested concentrations) can
have a finite local curvature, and so a finite Wald interval, while the likelihood stays
flat as the coefficient grows without bound. After a converged fit, the coefficient of every
group is held at 10 times and at a tenth of its estimate and the other parameters refitted;
when either changes -2 log L by less than 3.84 (the 95 % point of chi-square with 1 df),
the 95 % profile interval reaches beyond that factor of 10 and the group is reported as not
converged, with the reason. A steep Hill curve has one local optimum of the potency per gap
between tested concentrations, so each refit starts from the estimates and from potencies
spread (geometrically) over the tested concentrations, and keeps the best.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from kinetor.errors import KinetorError

__all__ = ["PROFILE_FACTOR", "conc_range", "hill_profile_check"]

PROFILE_FACTOR = 10.0
_CHI2_1_95 = 3.841458820694124


def _starts(fit, init: dict, conc_range) -> list[dict]:
    """The estimates, then the same with the potency (``*50``) at 4 points spread
    geometrically over ``conc_range`` (positive concentrations tested)."""
    out = [init]
    potency = [p for p in init if p.endswith("50")]
    if conc_range is None or not potency:
        return out
    lo, hi = conc_range
    if not (np.isfinite(lo) and np.isfinite(hi) and 0 < lo < hi):
        return out
    for c in np.geomspace(lo, hi, 6)[1:-1]:
        out.append({**init, **{p: np.full_like(init[p], c) for p in potency}})
    return out


def hill_profile_check(fit, refit: Callable[[np.ndarray, dict], object], conc_range=None) -> None:
    """Mark groups of ``fit`` whose ``hill`` is not bounded by the likelihood (in place).

    ``refit(hill, init)`` refits the same data with ``hill`` held at one value per group
    and the other parameters started at ``init`` (one value per group each);
    ``conc_range`` (lowest, highest positive concentration) spreads the potency's starts.
    """
    if "hill" in fit.fixed or "hill" not in fit.params_.columns:
        return
    est = fit.params_["hill"].to_numpy(float)
    ok = fit.converged_.to_numpy(bool) & np.isfinite(est) & (est > 0)
    if not ok.any():
        return
    init = {
        p: np.where(np.isfinite(v := fit.params_[p].to_numpy(float)), v, _neutral(fit, p))
        for p in fit.free_
        if p != "hill"
    }
    base = fit.loglik_.to_numpy(float)
    for factor, side in ((PROFILE_FACTOR, "larger"), (1.0 / PROFILE_FACTOR, "smaller")):
        best = np.full(base.shape, -np.inf)
        for start in _starts(fit, init, conc_range):
            try:
                other = refit(np.where(ok, est * factor, 1.0), start)
            except KinetorError:  # no verdict from a refit that cannot run
                continue
            ll = other.loglik_.to_numpy(float)
            best = np.where(np.isfinite(ll) & (ll > best), ll, best)
            if np.all(~ok | (2.0 * (base - best) < _CHI2_1_95)):
                break  # every group already flat that way: no need for more starts
        rise = 2.0 * (base - best)
        flat = ok & np.isfinite(rise) & (rise < _CHI2_1_95)
        for i in np.flatnonzero(flat):
            g = fit.groups_[i]
            why = (
                f"hill not identified: held {PROFILE_FACTOR:g} times {side} "
                f"({est[i] * factor:.3g}) it changes -2LL by only {rise[i]:.3g} (< 3.84), "
                "so its profile interval is unbounded that way (no concentrations across "
                "the transition): fix hill or test concentrations in between"
            )
            old = fit.convergence_reason_[g]
            fit.converged_[g] = False
            fit.convergence_reason_[g] = f"{old}; {why}" if old else why
            ok[i] = False


def _neutral(fit, name: str) -> float:
    """A start for a group without an estimate: 1, or the middle of a bounded interval
    (a fraction's start must lie strictly inside it)."""
    a, b = fit._natural_bounds(name)
    return 0.5 * (a + b) if np.isfinite(a) and np.isfinite(b) else 1.0


def conc_range(conc) -> tuple[float, float] | None:
    """Lowest and highest positive concentration of the data or the exposure courses."""
    try:
        c = (conc if isinstance(conc, pd.Series) else pd.DataFrame(conc)["conc"]).to_numpy(float)
    except (KeyError, TypeError, ValueError):
        return None
    c = c[np.isfinite(c) & (c > 0)]
    return (float(c.min()), float(c.max())) if c.size else None
