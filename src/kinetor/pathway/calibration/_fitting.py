r"""Generic least-squares machinery of the evidence calibration: the stated convergence
criterion, the data Jacobian, the identifiable subset (QR with column pivoting + Fisher
standard errors), multi-start in parallel processes and profile likelihoods.

Everything here works on an objective ``fun(x) -> residual vector`` over :math:`\log_{10}`
parameters with box bounds, so it is tested on closed forms
(``tests/pathway/test_pathway_calibration_fitting.py``) independently of the network.

Convergence criterion (``scipy.optimize.least_squares``, method ``trf``): the fit has
converged when one of its tolerances is met before ``max_nfev`` evaluations:

* relative cost change ``dF < FTOL * F`` (``FTOL`` = 1e-6),
* relative step ``||dx|| < XTOL * (XTOL + ||x||)`` (``XTOL`` = 1e-6), or
* scaled gradient ``||g||_inf < GTOL`` (``GTOL`` = 1e-6);

scipy's ``status`` 1 to 4. ``status`` 0 (budget exhausted) or negative is *not
converged*, with scipy's message as the reason.

Profile likelihood: for a fitted parameter :math:`j`, :math:`x_j` is fixed on a grid and
the other fitted parameters are re-optimised (same objective, same criterion); the
cost :math:`F = \tfrac12 \sum r^2` is recorded. The 95 % interval is where
:math:`F - F_{min} < 1.92` (:math:`\Delta\chi^2_{1} = 3.84`, Raue et al. 2009
Bioinformatics 25:1923, DOI 10.1093/bioinformatics/btp358, status firm); an end where the
profile does not reach the threshold within the grid or the bound is *open* (NaN).
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "FTOL",
    "GTOL",
    "PROFILE_DELTA",
    "XTOL",
    "forward_jacobian",
    "independent_subset",
    "least_squares_fit",
    "profile_interval",
]

FTOL = XTOL = GTOL = 1e-6
#: half of the chi-square(1) 95 % quantile: least_squares' cost is half the sum of squares
PROFILE_DELTA = 1.92
_REASONS = {
    1: "gradient criterion met (||g||_inf < gtol)",
    2: "cost-change criterion met (dF < ftol F)",
    3: "step criterion met (||dx|| < xtol (xtol + ||x||))",
    4: "cost-change and step criteria met",
    0: "evaluation budget (max_nfev) exhausted before any criterion was met",
    -1: "improper input",
}


def least_squares_fit(fun, x0, lo, hi, max_nfev: int) -> dict:
    """One bounded ``least_squares`` run with the stated criterion.

    Returns ``x``, ``cost``, ``nfev``, ``status``, ``converged`` (status 1-4), ``reason``
    (which criterion was met, or why none was), ``jac`` and ``cpu_s`` (CPU seconds of the
    process that ran it).

    Examples
    --------
    >>> import numpy as np
    >>> f = least_squares_fit(lambda x: np.array([x[0] - 0.3]), [0.0], [-1.0], [1.0], 50)
    >>> f["converged"], round(float(f["x"][0]), 6)
    (True, 0.3)
    """
    import time

    from scipy.optimize import least_squares

    cpu = time.process_time()
    sol = least_squares(
        fun,
        np.asarray(x0, float),
        bounds=(np.asarray(lo, float), np.asarray(hi, float)),
        diff_step=1e-3,
        max_nfev=max_nfev,
        ftol=FTOL,
        xtol=XTOL,
        gtol=GTOL,
    )
    status = int(sol.status)
    return {
        "x": sol.x,
        "cost": float(sol.cost),
        "nfev": int(sol.nfev),
        "status": status,
        "converged": status > 0,
        "reason": _REASONS.get(status, str(sol.message)),
        "jac": np.asarray(sol.jac),
        "cpu_s": time.process_time() - cpu,
    }


def forward_jacobian(fun, x, lo, hi, step: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """``(r(x), J)`` by one-sided differences of ``step`` (backwards at an upper bound)."""
    x = np.asarray(x, float)
    r0 = np.asarray(fun(x), float)
    jac = np.empty((r0.size, x.size))
    for j in range(x.size):
        xj = x.copy()
        h = step if x[j] + step <= hi[j] else -step
        xj[j] = x[j] + h
        jac[:, j] = (np.asarray(fun(xj), float) - r0) / h
    return r0, jac


def independent_subset(jac: np.ndarray, pivot: float = 0.05) -> tuple[list[int], np.ndarray]:
    """Columns of ``jac`` that are independent (QR with column pivoting: pivots at least
    ``pivot`` times the largest) and each column's standard error from the Fisher
    information :math:`J_s^T J_s` of that subset (``inf`` outside it).

    Examples
    --------
    >>> import numpy as np
    >>> J = np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 1.0], [1.0, 2.0, 0.0]])
    >>> sub, se = independent_subset(J)
    >>> len(sub), bool(np.isinf(se).sum() == 1)   # column 1 = 2 x column 0
    (2, True)
    """
    from scipy.linalg import qr

    n = jac.shape[1]
    se = np.full(n, np.inf)
    if n == 0 or not np.any(jac):
        return [], se
    _, rr, piv = qr(jac, mode="economic", pivoting=True)
    diag = np.abs(np.diag(rr))
    n_sub = int(np.sum(diag > pivot * diag[0])) if diag.size and diag[0] > 0 else 0
    subset = sorted(int(i) for i in piv[:n_sub])
    if subset:
        js = jac[:, subset]
        cov = np.linalg.inv(js.T @ js)
        se[subset] = np.sqrt(np.clip(np.diag(cov), 0, None))
    return subset, se


def profile_interval(grid, costs, best_x: float, best_cost: float) -> tuple[float, float]:
    """The 95 % profile interval ``(low, high)`` from a profile ``costs`` on ``grid``
    (linear interpolation of the crossing of ``best_cost + 1.92``; NaN for an open end).

    Examples
    --------
    >>> import numpy as np
    >>> g = np.linspace(-3, 3, 61)      # cost 0.5 x^2: interval +-sqrt(3.84) = +-1.96
    >>> lo, hi = profile_interval(g, 0.5 * g**2, 0.0, 0.0)
    >>> round(lo, 2), round(hi, 2)
    (-1.96, 1.96)
    """
    g = np.asarray(grid, float)
    c = np.asarray(costs, float) - best_cost - PROFILE_DELTA
    out = []
    for side in (-1, 1):
        pts = sorted(
            (k for k in range(g.size) if (g[k] - best_x) * side > 0),
            key=lambda k: abs(g[k] - best_x),
        )
        x_prev, c_prev, found = best_x, -PROFILE_DELTA, float("nan")
        for k in pts:
            if np.isfinite(c[k]) and c[k] >= 0:
                found = x_prev + (g[k] - x_prev) * (-c_prev) / (c[k] - c_prev)
                break
            if np.isfinite(c[k]):
                x_prev, c_prev = g[k], c[k]
        out.append(float(found))
    return out[0], out[1]
