"""Variance estimates at their lower boundary (zero).

Variances are estimated on the log scale, so a between-subject variance the data do not
support walks towards 0 while the gradient with respect to its logarithm shrinks with it:
the convergence test passes with, say, :math:`\\omega^2_{ka} = 10^{-7}` and an SE that means
nothing. NONMEM prints "PARAMETER ESTIMATE IS NEAR ITS BOUNDARY" in that case. Here each
variance (each diagonal :math:`\\omega^2`, and each component of a combined residual error)
is set to practically zero with every other estimate held, and the rise of the OFV is
recorded. Holding the others can only make that rise larger than a refit would, so it is an
upper bound on the likelihood-ratio statistic for dropping the term; a rise below
``BOUNDARY_DOFV`` means the estimate cannot be told from zero: it sits at its boundary.
"""

from __future__ import annotations

import numpy as np

BOUNDARY_DOFV = 0.01
"""OFV rise (at most) for setting a variance to ~0 below which the estimate is at its
boundary."""

_TINY_VARIANCE = 1e-10
_TINY_SD = 1e-8


def zero_variance_dofv(obj, des, x: np.ndarray, ofv: float) -> dict[str, float]:
    """OFV(x with one variance set to ~0) - OFV(x), per diagonal omega (``omega_<p>``),
    per inter-occasion variance (``iov_<p>``) and, with a combined error model, per
    residual SD; the other estimates are held."""
    mu, beta, omega, sig = des.unpack(x)
    out: dict[str, float] = {}
    for name, idx in des.variance_slots():
        om = omega.copy()
        om[idx, :] = 0.0
        om[:, idx] = 0.0
        om[idx, idx] = _TINY_VARIANCE
        out[name] = obj.value(des.pack(mu, beta, om, sig)) - ofv
    names = des.model.sigma_names
    if len(names) > 1:
        scale = {"add_sd": float(np.median(np.abs(des.data.dv[des.data.obs]))), "prop_sd": 1.0}
        for k, name in enumerate(names):
            s = sig.copy()
            s[k] = _TINY_SD * max(scale[name], 1e-300)
            out[name] = obj.value(des.pack(mu, beta, omega, s)) - ofv
    return out


def boundary_text(dofv: dict[str, float], variances: dict[str, float]) -> str:
    """The reason suffix naming the estimates at their boundary ('' when none)."""
    hits = [n for n, d in dofv.items() if np.isfinite(d) and d < BOUNDARY_DOFV]
    if not hits:
        return ""
    parts = []
    for n in hits:
        what = (
            f"between-subject variability of {n.removeprefix('omega_')}: refit without its eta"
            if n.startswith("omega_")
            else f"inter-occasion variability of {n.removeprefix('iov_')}: refit without it"
            if n.startswith("iov_")
            else f"the {'additive' if n == 'add_sd' else 'proportional'} error component: "
            "refit with the other error model alone"
        )
        change = (
            f"setting it to 0 lowers the OFV by {-dofv[n]:.3g}, so the optimum lies at 0"
            if dofv[n] < -BOUNDARY_DOFV
            else f"setting it to 0 changes the OFV by {dofv[n]:+.3g}"
        )
        parts.append(f"{n} = {variances[n]:.3g} ({change}; the data do not support {what})")
    return "; estimate at its boundary (0): " + "; ".join(parts)


RANK_RATIO = 0.05
"""Conditional SD of an eta given the earlier ones, relative to its SD, below which a block
Omega is taken to be at the boundary of positive definiteness (correlation > 0.9987)."""


def omega_rank_text(des, x: np.ndarray) -> str:
    """The reason suffix when a block Omega is practically singular ('' otherwise): an
    eta whose conditional SD given the earlier ones (the Cholesky diagonal) is below
    ``RANK_RATIO`` of its SD is a linear combination of them, the likelihood has no
    curvature in that direction and the covariance step cannot be trusted."""
    if not des.block:
        return ""
    _, _, omega, _ = des.unpack(x)
    q = des.q_bsv
    om = omega[:q, :q]
    L = np.linalg.cholesky(om)
    ratio = np.diag(L) / np.sqrt(np.diag(om))
    hits = [
        f"eta_{p} (conditional SD {L[i, i]:.3g}, {100 * ratio[i]:.2g} % of its SD)"
        for i, p in enumerate(des.model.eta)
        if ratio[i] < RANK_RATIO
    ]
    if not hits:
        return ""
    return (
        "; Omega at the boundary of positive definiteness: "
        + ", ".join(hits)
        + " is practically a linear combination of the etas before it (refit with a "
        "smaller block or a diagonal Omega)"
    )


THETA_DECADES = 4.0
"""Decades a typical structural value may move from its start before it is named as
collapsed (towards 0 or infinity: a term the data do not support)."""


def theta_collapse_text(des, x: np.ndarray, x0: np.ndarray) -> str:
    """The reason suffix naming typical structural values that moved more than
    ``THETA_DECADES`` decades from their start ('' when none): e.g. a peripheral volume
    falling to 1e-7 L when a two-compartment model is fitted to one-compartment data,
    which the convergence test and a failed covariance step do not name."""
    mu, mu0 = des.unpack(x)[0], des.unpack(x0)[0]
    hits = [
        f"{p} = {np.exp(m):.3g} (started at {np.exp(m0):.3g})"
        for p, m, m0 in zip(des.model.params, mu, mu0, strict=True)
        if np.isfinite(m) and abs(m - m0) > THETA_DECADES * np.log(10.0)
    ]
    if not hits:
        return ""
    return (
        "; typical value(s) collapsed: "
        + ", ".join(hits)
        + f" moved more than {THETA_DECADES:g} decades from the start (the data do not "
        "support that part of the model: fit a simpler structure, e.g. fewer compartments)"
    )
