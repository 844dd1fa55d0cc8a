r"""Residual error models and their likelihood (vectorised over observations and groups).

==================  ==================================  ============================
``error``           parameters                          SD of the residual
==================  ==================================  ============================
``"additive"``      ``sigma_add`` (a)                    :math:`a`
``"proportional"``  ``sigma_prop`` (b)                   :math:`b\,|f|`
``"combined"``      ``sigma_add``, ``sigma_prop``        :math:`\sqrt{a^2 + b^2 f^2}`
``"log"``           ``sigma_log`` (s)                    :math:`s` on :math:`\ln y`
==================  ==================================  ============================

``"exponential"`` is an alias of ``"log"`` (NONMEM's exponential error on the log scale).
Residuals are taken on the model's scale (:math:`\ln y - \ln f` for ``"log"``). An
observation below its limit of quantification :math:`L` contributes Beal's M3 term
:math:`\Pr(y < L) = \Phi((L - f)/\mathrm{SD})` (on the log scale for ``"log"``); see
Beal, J Pharmacokinet Pharmacodyn 2001;28:481, doi:10.1023/A:1012299115260.

The per-observation contribution to :math:`-2\ln L` of a quantified value is
:math:`\ln(2\pi\,\mathrm{SD}^2) + r^2/\mathrm{SD}^2` (plus :math:`2\ln y` for ``"log"``,
the Jacobian that makes likelihoods comparable across error models).

Examples
--------
>>> import numpy as np
>>> y, f = np.array([1.0, 2.0, 4.0]), np.array([1.1, 1.8, 4.2])
>>> s = ml_error_params(y, f, np.full(3, np.nan), np.zeros(3, bool), np.zeros(3, int), 1,
...                     "proportional")
>>> round(float(s["sigma_prop"][0]), 6)   # sqrt(mean(((y - f) / f) ** 2))
0.087326
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_ndtr

from kinetor.errors import ModelError

__all__ = ["ERROR_MODELS", "canonical", "m2ll_terms", "ml_error_params", "on_scale", "sd"]

ERROR_MODELS: dict[str, tuple[str, ...]] = {
    "additive": ("sigma_add",),
    "proportional": ("sigma_prop",),
    "combined": ("sigma_add", "sigma_prop"),
    "log": ("sigma_log",),
}
_ALIASES = {"exponential": "log"}
_TINY = 1e-300
SD_FLOOR = 1e-150  # a residual SD is never exactly 0 (the division stays finite)


def canonical(error: str) -> str:
    """The error model's canonical name (``"exponential"`` -> ``"log"``)."""
    name = _ALIASES.get(error, error)
    if name not in ERROR_MODELS:
        raise ModelError(
            f"unknown error model {error!r}: use one of {', '.join([*ERROR_MODELS, *_ALIASES])}"
        )
    return name


def on_scale(v: np.ndarray, error: str) -> np.ndarray:
    """Values on the residual scale (the log for ``"log"``; non-positive -> NaN)."""
    v = np.asarray(v, dtype=float)
    if error != "log":
        return v
    return np.log(np.where(v > 0, v, np.nan))


def pred_on_scale(f: np.ndarray, error: str) -> np.ndarray:
    """Predictions on the residual scale (a non-positive prediction is floored for log)."""
    return np.log(np.maximum(f, _TINY)) if error == "log" else f


def sd(f: np.ndarray, sig: dict[str, np.ndarray], error: str) -> np.ndarray:
    """Residual SD of each observation (``sig``: error parameters per observation)."""
    if error in ("additive", "log"):
        out = np.asarray(sig[ERROR_MODELS[error][0]], dtype=float) * np.ones_like(f)
    elif error == "proportional":
        out = sig["sigma_prop"] * np.abs(f)
    else:
        out = np.sqrt(sig["sigma_add"] ** 2 + (sig["sigma_prop"] * f) ** 2)
    return np.maximum(out, SD_FLOOR)


def m2ll_terms(y, f, lq, cens, sdv, error: str, m3: bool = True) -> np.ndarray:
    """Per-observation contributions to -2 log-likelihood (censored: M3, or 0 if not m3)."""
    yt, ft = on_scale(np.where(cens, 1.0, y), error), pred_on_scale(f, error)
    r = (yt - ft) / sdv
    out = np.log(2 * np.pi * sdv**2) + r**2
    if error == "log":
        out = out + 2.0 * np.log(np.where(cens | ~(y > 0), 1.0, y))
    if np.any(cens):
        z = (on_scale(np.where(cens, lq, 1.0), error) - ft) / sdv
        out = np.where(cens, -2.0 * log_ndtr(z) if m3 else 0.0, out)
    return out


def _closed_form(y, f, cens, gidx, n_g, error):
    yt, ft = on_scale(np.where(cens, 1.0, y), error), pred_on_scale(f, error)
    r = yt - ft
    if error == "proportional":
        r = r / np.where(np.abs(f) > SD_FLOOR, f, SD_FLOOR)
    # a non-zero value where the prediction is ~0 gives a huge (finite) relative residual;
    # clipped so that its square cannot overflow (the error then shows as exploded)
    r2 = np.clip(np.where(cens | ~np.isfinite(r), 0.0, r), -1e100, 1e100) ** 2
    n = np.bincount(gidx, weights=(~cens).astype(float), minlength=n_g)
    return np.sqrt(np.bincount(gidx, weights=r2, minlength=n_g) / np.maximum(n, 1))


def group_m2ll(y, f, lq, cens, gidx, n_g, error, sig, m3=True) -> np.ndarray:
    """-2 log-likelihood of each group given predictions and error parameters per group."""
    s_obs = {k: np.asarray(v)[gidx] for k, v in sig.items()}
    t = m2ll_terms(y, f, lq, cens, sd(f, s_obs, error), error, m3)
    t = np.where(np.isfinite(t), t, 1e300)
    return np.bincount(gidx, weights=t, minlength=n_g)


def ml_error_params(
    y, f, lq, cens, gidx, n_g: int, error: str, m3: bool = True, rounds: int = 8
) -> dict[str, np.ndarray]:
    """Maximum-likelihood error parameters per group, given the predictions.

    Closed form (RMS residual on the model's scale) for a single-parameter model without
    censoring; otherwise golden-section searches on the log of each parameter within
    [start/1e4, start x 1e4], vectorised over groups (coordinate-wise for ``"combined"``).
    """
    names = ERROR_MODELS[error]
    if error == "combined":
        a0 = _closed_form(y, f, cens, gidx, n_g, "additive") / np.sqrt(2)
        b0 = _closed_form(y, f, cens, gidx, n_g, "proportional") / np.sqrt(2)
        sig = {"sigma_add": np.maximum(a0, 1e-12), "sigma_prop": np.maximum(b0, 1e-12)}
    else:
        s0 = _closed_form(y, f, cens, gidx, n_g, error)
        sig = {names[0]: np.where(s0 > 0, s0, 1e-12)}
        if not (m3 and np.any(cens)):
            return sig
    for _ in range(rounds if error == "combined" else 1):
        for name in names:
            sig[name] = _golden(
                lambda ls, name=name: group_m2ll(
                    y, f, lq, cens, gidx, n_g, error, {**sig, name: np.exp(ls)}, m3
                ),
                np.log(sig[name]),
            )
    return sig


def _golden(fun, x0: np.ndarray, span: float = float(np.log(1e4)), iters: int = 80):
    """Vectorised golden-section minimisation of ``fun`` (one value per group)."""
    a, b = x0 - span, x0 + span
    gr = (np.sqrt(5.0) - 1) / 2
    c, d = b - gr * (b - a), a + gr * (b - a)
    fc, fd = fun(c), fun(d)
    for _ in range(iters):
        left = fc < fd
        b, a = np.where(left, d, b), np.where(left, a, c)
        c, d = b - gr * (b - a), a + gr * (b - a)
        fc, fd = fun(c), fun(d)
    return np.exp((a + b) / 2)


def error_param_se(y, f, lq, cens, gidx, n_g, error, sig, m3=True) -> dict[str, np.ndarray]:
    """SE of each error parameter (delta method from the curvature of -2LL in its log).

    The curvature is a central second difference at fixed predictions, so the SE ignores
    the (small) correlation with the structural parameters.
    """
    out = {}
    h = 1e-3
    for name in ERROR_MODELS[error]:
        ls = np.log(sig[name])
        vals = [
            group_m2ll(y, f, lq, cens, gidx, n_g, error, {**sig, name: np.exp(ls + d)}, m3)
            for d in (-h, 0.0, h)
        ]
        curv = (vals[0] - 2 * vals[1] + vals[2]) / h**2  # d2(-2LL)/d(ln s)2 = 2 x info
        out[name] = sig[name] * np.sqrt(2.0 / np.where(curv > 0, curv, np.nan))
    return out
