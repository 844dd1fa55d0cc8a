"""Calibration curves: weighted least squares and back-calculation.

The response is the peak-area ratio analyte/internal standard (or the analyte area for an
external-standard method); the regressor is the nominal concentration ``x`` of each
non-zero calibration standard. Two models:

.. math::

    \\text{linear:}\\quad y = a + b\\,x \\qquad
    \\text{quadratic:}\\quad y = a + b\\,x + c\\,x^2

fitted by weighted least squares with weights :math:`w_i = 1`, :math:`1/x_i` or
:math:`1/x_i^2`, i.e. the coefficients minimise :math:`\\sum_i w_i (y_i - \\hat y_i)^2`.
This is solved as an ordinary least-squares problem on rows scaled by
:math:`\\sqrt{w_i}` (``numpy.linalg.lstsq``), which is the same solution as the normal
equations :math:`(X^T W X)\\beta = X^T W y` without forming :math:`X^T W X` (better
conditioned for quadratic fits over three decades), with :math:`x` divided by its
largest value first and the coefficients scaled back.

The reported :math:`R^2` is the weighted coefficient of determination

.. math::

    R^2_w = 1 - \\frac{\\sum w_i (y_i - \\hat y_i)^2}{\\sum w_i (y_i - \\bar y_w)^2},
    \\qquad \\bar y_w = \\frac{\\sum w_i y_i}{\\sum w_i}

(equal to the ordinary :math:`R^2` when all weights are 1), and the correlation
coefficient :math:`r = \\sqrt{R^2_w}` (the weighted multiple correlation coefficient; for
an unweighted line, Pearson's r of x and y; NaN when :math:`R^2_w < 0`).

Back-calculation inverts the curve. A usable curve rises over the calibrated range
(response grows with concentration); for the quadratic the root taken is the one on
that rising branch, where the slope :math:`b + 2cx` is positive. With
:math:`D = b^2 - 4c(a - y)`,

.. math::

    x = \\frac{2\\,(y - a)}{b + \\sqrt{D}}

which is :math:`(-b + \\sqrt{D})/(2c)` rewritten so that it stays exact as
:math:`c \\to 0` (it becomes :math:`(y-a)/b`). No real root (:math:`D < 0`, a response
beyond the vertex) gives NaN.

Examples
--------
>>> cal = fit_calibration([1, 2, 4], [1.1, 1.9, 4.2], model="linear", weighting="1/x")
>>> round(cal.intercept, 6), round(cal.slope, 6)        # 2/65, 66/65
(0.030769, 1.015385)
>>> round(float(cal.back_calculate(1.1)), 5)           # (1.1 - 2/65) / (66/65)
1.05303
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

__all__ = ["MODELS", "WEIGHTINGS", "Calibration", "fit_calibration", "normalise_weighting"]

Model = Literal["linear", "quadratic"]
Weighting = Literal["1", "1/x", "1/x^2"]
MODELS: tuple[str, ...] = ("linear", "quadratic")
WEIGHTINGS: tuple[str, ...] = ("1", "1/x", "1/x^2")
_WEIGHT_ALIASES = {
    "1": "1",
    "none": "1",
    "unweighted": "1",
    "1/x": "1/x",
    "1/x^2": "1/x^2",
    "1/x2": "1/x^2",
    "1/x**2": "1/x^2",
    "1/xx": "1/x^2",
}


def normalise_weighting(weighting: str) -> str:
    """Canonical weighting name (``"1"``, ``"1/x"`` or ``"1/x^2"``).

    >>> normalise_weighting("1/x2"), normalise_weighting("none")
    ('1/x^2', '1')
    """
    key = str(weighting).strip().lower().replace(" ", "")
    if key not in _WEIGHT_ALIASES:
        from kinetor.errors import KinetorError

        raise KinetorError(
            f"unknown weighting {weighting!r}: choose one of {', '.join(WEIGHTINGS)}"
        )
    return _WEIGHT_ALIASES[key]


def _weights(x: np.ndarray, weighting: str) -> np.ndarray:
    if weighting == "1":
        return np.ones_like(x)
    if weighting == "1/x":
        return 1.0 / x
    return 1.0 / x**2


@dataclass(frozen=True)
class Calibration:
    """A fitted calibration curve ``y = a + b x (+ c x^2)``.

    Attributes
    ----------
    model, weighting : str
        ``"linear"``/``"quadratic"`` and ``"1"``/``"1/x"``/``"1/x^2"``.
    coef : tuple of float
        ``(a, b)`` or ``(a, b, c)``; NaN when the curve could not be fitted.
    r2 : float
        Weighted coefficient of determination (see module docstring).
    n : int
        Number of standards used in the fit.
    x_range : tuple of float
        Lowest and highest nominal concentration used in the fit.
    reason : str
        Empty when the fit is usable; otherwise why not (too few standards, slope <= 0,
        quadratic turning inside the range).
    """

    model: str
    weighting: str
    coef: tuple[float, ...]
    r2: float
    n: int
    x_range: tuple[float, float]
    reason: str = ""

    @property
    def intercept(self) -> float:
        return self.coef[0]

    @property
    def slope(self) -> float:
        return self.coef[1]

    @property
    def quadratic(self) -> float:
        """The ``c`` coefficient (0 for a linear model)."""
        return self.coef[2] if len(self.coef) > 2 else 0.0

    @property
    def r(self) -> float:
        """Correlation coefficient :math:`\\sqrt{R^2_w}` (NaN when :math:`R^2_w < 0`)."""
        return float(np.sqrt(self.r2)) if self.r2 >= 0 else float("nan")

    @property
    def ok(self) -> bool:
        return not self.reason

    def predict(self, x) -> np.ndarray:
        """Response at concentration ``x``."""
        x = np.asarray(x, dtype=float)
        return self.intercept + self.slope * x + self.quadratic * x**2

    def back_calculate(self, y) -> np.ndarray:
        """Concentration that gives response ``y`` (NaN where the curve has no root)."""
        y = np.asarray(y, dtype=float)
        a, b, c = self.intercept, self.slope, self.quadratic
        if not np.all(np.isfinite([a, b, c])):
            return np.full(y.shape, np.nan)
        if c == 0.0:
            with np.errstate(divide="ignore", invalid="ignore"):
                return (y - a) / b if b != 0 else np.full(y.shape, np.nan)
        disc = b * b - 4.0 * c * (a - y)
        root = np.sqrt(np.where(disc >= 0, disc, np.nan))
        with np.errstate(divide="ignore", invalid="ignore"):
            return 2.0 * (y - a) / (b + root)


def fit_calibration(x, y, model: Model = "linear", weighting: str = "1/x^2") -> Calibration:
    """Fit a weighted linear or quadratic calibration curve.

    Parameters
    ----------
    x : array_like
        Nominal concentrations of the non-zero standards (> 0).
    y : array_like
        Responses (area ratios).
    model : {"linear", "quadratic"}
    weighting : {"1", "1/x", "1/x^2"}
        Weights from the nominal concentration (aliases ``"none"``, ``"1/x2"``).

    Returns
    -------
    Calibration
        Fits that cannot be made (fewer points than coefficients + 1, a non-increasing
        curve) carry a ``reason``; coefficients are still reported where they exist.

    Examples
    --------
    Exact quadratic data are recovered whatever the weighting:

    >>> x = [1, 2, 3, 4, 5]
    >>> y = [0.1 + 2 * v - 0.05 * v**2 for v in x]
    >>> cal = fit_calibration(x, y, model="quadratic", weighting="1/x^2")
    >>> [round(v, 10) for v in cal.coef]
    [0.1, 2.0, -0.05]
    >>> round(float(cal.back_calculate(5.65)), 10)   # roots 3 and 37: 3 is on the curve
    3.0
    """
    if model not in MODELS:
        from kinetor.errors import KinetorError

        raise KinetorError(
            f"unknown calibration model {model!r}: choose one of {', '.join(MODELS)}"
        )
    weighting = normalise_weighting(weighting)
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y) & (x > 0)
    x, y = x[keep], y[keep]
    p = 2 if model == "linear" else 3
    nan_coef = (np.nan,) * p
    rng = (float(x.min()), float(x.max())) if x.size else (np.nan, np.nan)
    # one residual degree of freedom at least: a curve through every point proves nothing
    if x.size < p + 1 or np.unique(x).size < p:
        return Calibration(
            model,
            weighting,
            nan_coef,
            np.nan,
            int(x.size),
            rng,
            reason=f"{x.size} usable standards: a {model} fit needs "
            f"at least {p + 1} at {p} or more levels",
        )
    w = _weights(x, weighting)
    # columns 1, x/s, (x/s)^2 with s = max x: comparable sizes, so lstsq keeps the
    # intercept's digits (1, x, x^2 over three decades span six orders of magnitude)
    scale = float(x.max())
    design = np.vander(x / scale, p, increasing=True)
    sw = np.sqrt(w)
    beta, *_ = np.linalg.lstsq(design * sw[:, None], y * sw, rcond=None)
    fitted = design @ beta
    coef = tuple(float(v) for v in beta / scale ** np.arange(p))
    ybar = np.sum(w * y) / np.sum(w)
    ss_tot = float(np.sum(w * (y - ybar) ** 2))
    r2 = 1.0 - float(np.sum(w * (y - fitted) ** 2)) / ss_tot if ss_tot > 0 else np.nan
    lo, hi = rng
    rise = coef[1] * (hi - lo) + (coef[2] * (hi**2 - lo**2) if p == 3 else 0.0)
    reason = ""
    if not rise > 0:
        reason = "the fitted curve does not increase over the calibrated range"
    elif p == 3 and coef[2] != 0.0:
        vertex = -coef[1] / (2.0 * coef[2])
        if lo < vertex < hi:
            reason = (
                f"the quadratic turns at x = {vertex:.4g}, inside the calibrated "
                f"range: back-calculation is ambiguous"
            )
    return Calibration(model, weighting, coef, r2, int(x.size), rng, reason)
