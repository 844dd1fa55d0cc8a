"""Logistic dose-response models (3PL, 4PL, 5PL) evaluated for many curves at once.

Parameters are ``bottom, top, log_ic50, hill`` (3PL/4PL) or ``bottom, top, log_c, hill,
asym`` (5PL) with doses in the user's unit, ``log_ic50 = log10(IC50)`` and ``log_c`` the
5PL's location parameter (``log10 C``; its IC50, halfway between top and bottom, is
:func:`relative_log_ic50`, ``log_c + log10(2^(1/s) - 1) / h``):

.. math::

    y = \\mathrm{bottom} + \\frac{\\mathrm{top} - \\mathrm{bottom}}
        {\\left(1 + 10^{\\,h\\,(\\log_{10} x - c)}\\right)^{s}}

with ``c = log_ic50`` (3PL/4PL) or ``log_c`` (5PL).

``top`` is the response at zero dose and ``bottom`` the response at infinite dose, so an
inhibitor has ``hill > 0`` and ``top > bottom``; a stimulus has ``top < bottom``. ``s = 1``
(4PL; Hill slope also fixed at 1 for 3PL, GraphPad Prism's "standard slope" model) or free
(5PL, Gottschalk & Dunn 2005 Anal Biochem 343:54, doi:10.1016/j.ab.2005.04.035). Dose 0 is
allowed: its prediction is ``top``.

Examples
--------
>>> import numpy as np
>>> p = np.array([[0.0, 100.0, 0.0, 1.0]])   # IC50 = 1
>>> pred, jac = logistic(p, np.array([[0.0, 1.0, 1e9]]))
>>> np.round(pred, 3).tolist()
[[100.0, 50.0, 0.0]]
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit

LN10 = np.log(10.0)
PARAMS = {
    "3pl": ("bottom", "top", "log_ic50", "hill"),
    "4pl": ("bottom", "top", "log_ic50", "hill"),
    "5pl": ("bottom", "top", "log_c", "hill", "asym"),
}


def _logx(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pos = x > 0
    return np.where(pos, np.log10(np.where(pos, x, 1.0)), 0.0), pos


def logistic(p: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Prediction ``(n, m)`` and Jacobian ``(n, m, k)`` of the 4PL (k=4) or 5PL (k=5) model.

    Parameters
    ----------
    p : ndarray, shape (n, 4) or (n, 5)
        ``bottom, top, log_ic50, hill`` or ``bottom, top, log_c, hill, asym`` per curve.
    x : ndarray, shape (n, m)
        Doses (>= 0).
    """
    bottom, top, logc, hill = (p[:, i : i + 1] for i in range(4))
    s = p[:, 4:5] if p.shape[1] == 5 else np.ones_like(hill)
    lx, pos = _logx(x)
    dl = lx - logc
    z = hill * LN10 * dl
    f = np.where(pos, expit(-z), np.where(hill > 0, 1.0, np.where(hill < 0, 0.0, 0.5)))
    with np.errstate(divide="ignore", invalid="ignore"):
        fs = np.where(f > 0, f**s, 0.0)
        ln_f = np.where(f > 0, np.log(np.where(f > 0, f, 1.0)), 0.0)
    span = top - bottom
    pred = bottom + span * fs
    core = np.where(pos, span * s * fs * (1.0 - f) * LN10, 0.0)
    cols = [1.0 - fs, fs, core * hill, -core * dl]
    if p.shape[1] == 5:
        cols.append(span * fs * ln_f)
    jac = np.stack([np.broadcast_to(c, pred.shape) for c in cols], axis=-1)
    return pred, jac


def start_values(
    x: np.ndarray, y: np.ndarray, w: np.ndarray, k: int, *, spread: bool = False
) -> np.ndarray:
    """Starting values ``(n, k)`` for curves padded to ``(n, m)`` (weight 0 = padding): top
    and bottom from the lowest and highest doses (``spread=True``: the largest and smallest
    responses, a second start for when one low well at the lowest dose misleads the
    first), log IC50 where the response crosses their midpoint, Hill slope (and 5PL
    asymmetry) 1."""
    valid = w > 0
    if spread:
        top = np.where(valid, y, -np.inf).max(1)
        bottom = np.where(valid, y, np.inf).min(1)
    else:
        big = np.where(valid, x, np.inf)
        small = np.where(valid, x, -np.inf)
        lo = valid & (x == big.min(axis=1, keepdims=True))
        hi = valid & (x == small.max(axis=1, keepdims=True))
        top = (y * lo).sum(1) / lo.sum(1)
        bottom = (y * hi).sum(1) / hi.sum(1)
    mid = (top + bottom) / 2
    pos = valid & (x > 0)
    lx = np.log10(np.where(pos, x, 1.0))
    dist = np.where(pos, np.abs(y - mid[:, None]), np.inf)
    logc = np.take_along_axis(lx, dist.argmin(axis=1)[:, None], axis=1)[:, 0]
    p = np.column_stack([bottom, top, logc, np.ones_like(top)])
    if k == 5:
        p = np.column_stack([p, np.ones_like(top)])
    return p


def log_dose_at(p: np.ndarray, level: np.ndarray | float) -> np.ndarray:
    """``log10`` dose at which the curve crosses ``level`` (NaN when it never does).

    Examples
    --------
    >>> import numpy as np
    >>> float(log_dose_at(np.array([[0.0, 100.0, 0.0, 2.0]]), 50.0)[0])
    0.0
    """
    bottom, top, logc, hill = p[:, 0], p[:, 1], p[:, 2], p[:, 3]
    s = p[:, 4] if p.shape[1] == 5 else np.ones_like(hill)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = (level - bottom) / (top - bottom)
        ok = (q > 0) & (q < 1) & (hill != 0) & (s > 0)
        u = np.where(ok, q, 0.5) ** (-1.0 / np.where(s > 0, s, 1.0)) - 1.0
        out = logc + np.log10(np.where(u > 0, u, 1.0)) / np.where(hill != 0, hill, 1.0)
    return np.where(ok & (u > 0), out, np.nan)


def relative_log_ic50(p: np.ndarray) -> np.ndarray:
    """``log10`` of the dose giving the response halfway between top and bottom.

    Equal to ``log_ic50`` for 3PL/4PL; shifted by the asymmetry for 5PL.
    """
    return log_dose_at(p, (p[:, 0] + p[:, 1]) / 2.0)


def delta_se(fun, p: np.ndarray, cov: np.ndarray, free: np.ndarray) -> np.ndarray:
    """Delta-method standard error of a scalar function of the parameters, per curve.

    The gradient is a central finite difference (vectorised over curves).
    """
    grads = np.zeros_like(p)
    for j in range(p.shape[1]):
        h = 1e-6 * np.maximum(np.abs(p[:, j]), 1e-3)
        up, dn = p.copy(), p.copy()
        up[:, j] += h
        dn[:, j] -= h
        grads[:, j] = (fun(up) - fun(dn)) / (2 * h)
    grads = np.where(free, grads, 0.0)
    var = np.einsum("ni,nij,nj->n", grads, cov, grads)
    return np.sqrt(np.where(var >= 0, var, np.nan))
