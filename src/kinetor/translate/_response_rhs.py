"""Compiled right-hand side of the tumour response (:mod:`kinetor.translate.response`).

Signature :data:`kinetor.pk.ode.RHS_SIGNATURE`; parameter row ``law, a, b, psi, kd, kkill,
ktr``; inputs ``u[0]`` proliferation drive, ``u[1]`` kill drive (equations in
:mod:`kinetor.translate.response`). Law codes: 0 exponential, 2 exponential-linear,
3 Gompertz, 4 logistic (as in :data:`kinetor.pd._rhs.LAW_CODES`).
"""

from __future__ import annotations

import math

from numba import njit

from kinetor.pk.ode import RHS_SIGNATURE

__all__ = ["glucose_rhs", "xenograft_rhs"]


@njit(RHS_SIGNATURE, cache=True)
def xenograft_rhs(t, y, p, u, dydt):  # pragma: no cover - compiled
    """Growth law x proliferation drive - natural loss - kill, then the transit chain."""
    n = y.size
    w = 0.0
    for i in range(n):
        w += y[i]
    x1 = y[0]
    law = int(p[0])
    a = p[1]
    b = p[2]
    if law == 0:
        g = a * x1
    elif w <= 0.0:
        g = 0.0
    elif law == 2:
        z = a * w / b
        if z <= 1.0:
            g = a * x1 / (1.0 + z ** p[3]) ** (1.0 / p[3])
        else:
            g = b * x1 / (w * (1.0 + z ** (-p[3])) ** (1.0 / p[3]))
    elif law == 3:
        g = a * x1 * math.log(b / w)
    else:
        g = a * x1 * (1.0 - w / b)
    kill = p[5] * u[1] * x1
    dydt[0] = u[0] * g - p[4] * x1 - kill
    if n > 1:
        dydt[1] = kill - p[6] * y[1]
        for i in range(2, n):
            dydt[i] = p[6] * (y[i - 1] - y[i])


@njit(RHS_SIGNATURE, cache=True)
def glucose_rhs(t, y, p, u, dydt):  # pragma: no cover - compiled
    """Topp 2000 glucose and beta-cell mass with quasi-steady insulin; ``u[0]`` is the
    fractional loss of insulin action (0..1). ``p``: R0, EG0, SI, sigma, alpha, k, d0, r1,
    r2 (per day, mg/dL, uU/mL, mg)."""
    g = y[0]
    beta = y[1]
    ins = beta * p[3] * g * g / (p[4] + g * g) / p[5]
    dydt[0] = p[0] - (p[1] + p[2] * (1.0 - u[0]) * ins) * g
    dydt[1] = (-p[6] + p[7] * g - p[8] * g * g) * beta
