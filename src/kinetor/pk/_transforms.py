"""Parameter transforms and a finite-difference Hessian for ``Fitter``.

Positive parameters (bounds (0, inf), the default) are estimated as log values; parameters
with two finite bounds (lo, hi) on a scaled logit; others as they are.

>>> spec = [transform_spec("cl", {}, {}), transform_spec("f", {"f": (0.0, 1.0)}, {})]
>>> spec
[('log', 0.0, inf), ('logit', 0.0, 1.0)]
>>> [round(float(v), 6) for v in to_natural(np.array([0.0, 0.0]), spec)]
[1.0, 0.5]
"""

from __future__ import annotations

import numpy as np

from kinetor.errors import ModelError

__all__ = ["hessian", "jac_natural", "to_natural", "to_phi", "transform_spec"]


def transform_spec(name: str, bounds: dict, transforms: dict) -> tuple[str, float, float]:
    """(kind, lower, upper) of a parameter: kind is ``log``, ``logit`` or ``none``."""
    lo, hi = bounds.get(name, (0.0, np.inf))
    kind = transforms.get(name)
    if kind is None:
        if lo == 0 and hi == np.inf:
            kind = "log"
        else:
            kind = "logit" if np.isfinite(lo) and np.isfinite(hi) else "none"
    return kind, float(lo), float(hi)


def to_natural(phi: np.ndarray, specs) -> np.ndarray:
    out = np.empty_like(phi)
    for i, (kind, lo, hi) in enumerate(specs):
        if kind == "log":
            out[i] = np.exp(np.clip(phi[i], -230, 230))
        elif kind == "logit":
            out[i] = lo + (hi - lo) / (1.0 + np.exp(-np.clip(phi[i], -230, 230)))
        else:
            out[i] = phi[i]
    return out


def to_phi(theta: np.ndarray, specs, names) -> np.ndarray:
    out = np.empty_like(theta)
    for i, (kind, lo, hi) in enumerate(specs):
        if kind == "log":
            if theta[i] <= 0:
                raise ModelError(f"initial {names[i]} = {theta[i]:g} must be > 0")
            out[i] = np.log(theta[i])
        elif kind == "logit":
            x = np.clip((theta[i] - lo) / (hi - lo), 1e-9, 1 - 1e-9)
            out[i] = np.log(x) - np.log1p(-x)
        else:
            out[i] = theta[i]
    return out


def jac_natural(theta: np.ndarray, specs) -> np.ndarray:
    """d theta / d phi (diagonal) for the delta method."""
    d = np.ones_like(theta)
    for i, (kind, lo, hi) in enumerate(specs):
        if kind == "log":
            d[i] = theta[i]
        elif kind == "logit":
            d[i] = (theta[i] - lo) * (hi - theta[i]) / (hi - lo)
    return d


def hessian(f, x: np.ndarray) -> np.ndarray:
    """Central finite-difference Hessian (steps 1e-4 x max(1, |x|)).

    >>> H = hessian(lambda v: v[0] ** 2 + 3 * v[0] * v[1], np.array([1.0, 2.0]))
    >>> np.round(H, 6).tolist()
    [[2.0, 3.0], [3.0, 0.0]]
    """
    k = x.size
    h = 1e-4 * np.maximum(1.0, np.abs(x))
    H = np.empty((k, k))
    f0 = f(x)
    for i in range(k):
        ei = np.zeros(k)
        ei[i] = h[i]
        H[i, i] = (f(x + ei) - 2 * f0 + f(x - ei)) / h[i] ** 2
        for j in range(i + 1, k):
            ej = np.zeros(k)
            ej[j] = h[j]
            H[i, j] = H[j, i] = (
                f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)
            ) / (4 * h[i] * h[j])
    return H
