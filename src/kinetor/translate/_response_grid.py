"""Exponential growth with transit compartments solved in closed form per grid step.

Two pieces of :mod:`kinetor.translate.response` that use the same analytical solution of
the transit chain (lower incomplete gamma functions): the ``"grid"`` method of
:func:`~kinetor.translate.response.simulate_response` for the exponential law (exact
between grid points for piecewise-linear drives) and :func:`closed_form_exponential`, the
reference solution for constant drives that the tests check the ODE against.
"""

from __future__ import annotations

import math

import numpy as np

from kinetor.errors import ModelError

__all__ = ["closed_form_exponential", "grid_exponential"]


def grid_exponential(v0, rate, rates, m, grid, pin, kin, days) -> np.ndarray:
    """The ``"grid"`` method of :func:`simulate_response` (exponential law)."""
    from scipy.special import gammainc

    n, g_n = pin.shape
    kd, kk, ktr = rates["death_rate"], rates["kill_rate"], rates["transit_rate"]
    r = rate[:, None] * pin - kd[:, None] - kk[:, None] * kin  # (n, G)
    h = np.diff(grid)
    logx = np.concatenate(
        [np.zeros((n, 1)), np.cumsum((r[:, 1:] + r[:, :-1]) / 2 * h, axis=1)], axis=1
    )
    x1 = v0[:, None] * np.exp(logx)
    idx = np.searchsorted(grid, days, side="right") - 1  # last equal grid time
    out = np.zeros((n, 1 + m, days.size))
    out[:, 0, :] = x1[:, idx]
    if m == 0 or not np.any(kk > 0):
        return out
    f = kk[:, None] * kin * x1  # kill flux (n, G)
    uh, inv = np.unique(h, return_inverse=True)
    # per unique step h and animal: decay e^{-k h}, (k h)^j / j!, P(j+1, kh)/k, input terms
    kh = ktr[None, :] * uh[:, None]  # (H, n)
    decay = np.exp(-kh)
    powj = np.stack([kh**j / math.factorial(j) for j in range(m)], axis=-1)  # (H, n, m)
    with np.errstate(divide="ignore", invalid="ignore"):
        ga = np.stack([gammainc(j + 1, kh) / ktr[None, :] for j in range(m)], axis=-1)
        gb = np.stack(
            [(j + 1) * gammainc(j + 2, kh) / ktr[None, :] ** 2 for j in range(m)], axis=-1
        )
        slope = np.where(uh[:, None, None] > 0, gb / uh[:, None, None], 0.0)
    ga = np.nan_to_num(ga)
    slope = np.nan_to_num(slope)
    y = np.zeros((n, m))
    want = {int(k): [c for c, v in enumerate(idx) if v == k] for k in np.unique(idx)}
    for c in want.get(0, []):
        out[:, 1:, c] = y
    for s in range(g_n - 1):  # one vectorised step per grid interval (all animals)
        u = inv[s]
        if uh[u] > 0:
            p = powj[u]
            new = np.empty_like(y)
            for j in range(m):
                acc = np.zeros(n)
                for q in range(j + 1):
                    acc += p[:, q] * y[:, j - q]
                new[:, j] = (
                    decay[u] * acc
                    + f[:, s + 1] * ga[u, :, j]
                    - (f[:, s + 1] - f[:, s]) * slope[u, :, j]
                )
            y = new
        for c in want.get(s + 1, []):
            out[:, 1:, c] = y
    return out


def closed_form_exponential(
    v0: float,
    rate: float,
    kill_rate: float,
    transit_rate: float,
    n_transit: int,
    t: float,
    death_rate: float = 0.0,
) -> np.ndarray:
    """States ``[x1, x2, ..., x_{m+1}]`` at time ``t`` for exponential growth with constant
    proliferation 1 and kill drive 1 (module docstring); needs
    ``rate - death_rate - kill_rate + transit_rate > 0``."""
    from scipy.special import gammainc

    lam = rate - death_rate - kill_rate
    s = lam + transit_rate
    if not s > 0:
        raise ModelError("closed form needs rate - death_rate - kill_rate + transit_rate > 0")
    out = [v0 * math.exp(lam * t)]
    for j in range(1, int(n_transit) + 1):
        out.append(
            kill_rate
            * v0
            * transit_rate ** (j - 1)
            / s**j
            * math.exp(lam * t)
            * float(gammainc(j, s * t))
        )
    return np.array(out)
