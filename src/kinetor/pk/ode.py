"""PK right-hand sides for the shared ODE integrator (:mod:`kinetor.numerics.ode`).

The integrator itself lives in :mod:`kinetor.numerics.ode` (it is generic); it is
re-exported here so that ``from kinetor.pk.ode import integrate`` keeps working.

Examples
--------
>>> import numpy as np
>>> y = integrate(linear_rhs, np.zeros((1, 4)), np.array([[1.0, 0.2, 0, 0, 0, 0]]),
...               np.array([0.0, 1.0, 5.0]), np.array([[0.0]]), np.array([[1]]),
...               np.array([[100.0]]), np.array([[0]]))
>>> [round(float(v), 6) for v in y[0, :, 1]]   # 100 exp(-0.2 t)
[100.0, 81.873075, 36.787944]
"""

from __future__ import annotations

import numba as nb

from kinetor.numerics.ode import RHS_SIGNATURE, integrate, linear_input_rhs

__all__ = ["RHS_SIGNATURE", "integrate", "linear_input_rhs", "linear_rhs", "mm_rhs"]


@nb.njit(RHS_SIGNATURE, cache=True)
def linear_rhs(t, y, p, u, dydt):  # pragma: no cover
    """Linear 1-3 compartment model with a depot. State: depot, central, periph 2, periph 3
    (amounts). ``p = [ka, k10, k12, k21, k13, k31]``."""
    ka, k10, k12, k21, k13, k31 = p[0], p[1], p[2], p[3], p[4], p[5]
    dydt[0] = -ka * y[0]
    dydt[1] = ka * y[0] - (k10 + k12 + k13) * y[1] + k21 * y[2] + k31 * y[3]
    dydt[2] = k12 * y[1] - k21 * y[2]
    dydt[3] = k13 * y[1] - k31 * y[3]


@nb.njit(RHS_SIGNATURE, cache=True)
def mm_rhs(t, y, p, u, dydt):  # pragma: no cover
    """Michaelis-Menten elimination (+ linear CL), optional depot and peripheral
    (elimination ``vmax c / (km + |c|)``: the amounts are >= 0, so the same).
    State: depot, central, peripheral (amounts, mg).
    ``p = [ka, v1, vmax, km, cl, q, v2]`` (1/h, L, mg/h, mg/L, L/h, L/h, L)."""
    ka, v1, vmax, km, cl, q, v2 = p[0], p[1], p[2], p[3], p[4], p[5], p[6]
    c = y[1] / v1
    # |c|: the same for c >= 0; a negative trial value inside a step is pulled back
    # towards 0 instead of dividing by km + c -> 0 (kinetor.pk._stiff)
    elim = vmax * c / (km + abs(c)) + cl * c
    back = q * y[2] / v2 if v2 > 0.0 else 0.0
    dydt[0] = -ka * y[0]
    dydt[1] = ka * y[0] - elim - q * c + back
    dydt[2] = q * c - back
