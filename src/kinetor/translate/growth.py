r"""Tumour link: the network's readouts drive xenograft growth and death; caliper measurements.

The full model (growth laws, drug-induced kill through Simeoni transit compartments) is in
:mod:`kinetor.translate.response`; with the default exponential law and no kill
(``kill_rate`` 0) each animal's tumour grows exponentially with a proliferation rate scaled
by the network's proliferation readout :math:`G(t)` (``proliferation``, or ``growth`` when
the network has none; % of the untreated control, so 100 % = vehicle growth) and loses
tissue at a drug-independent rate :math:`k_d` (``death_rate``, default 0):

.. math::

    \frac{dV_i}{dt} = \left(k_{p,i}\, \frac{G_i(t)}{100} - k_d\right) V_i, \qquad
    k_{p,i} = \left(\frac{\ln 2}{T_d} + k_d\right) e^{\eta_{g,i}}, \qquad
    V_i(0) = V_0\, e^{\eta_{v,i}}

with :math:`\eta \sim N(0, \omega^2)`, :math:`\omega = \sqrt{\ln(1 + CV^2)}` (``growth_cv``,
``v0_cv``). Integrated by the compiled Dormand-Prince kernel of ``kinetor.pk.ode`` (G/100 on
the study grid). Vehicle animals have :math:`G = 100` and grow with doubling time
:math:`T_d`.

Caliper error model: the two diameters are each read with an independent proportional
error, :math:`L' = L(1 + \varepsilon_L)`, :math:`W' = W(1 + \varepsilon_W)`,
:math:`\varepsilon \sim N(0, \sigma_d^2)`, and the volume is :math:`L' W'^2 / 2`, so

.. math::

    V' = V (1 + \varepsilon_L)(1 + \varepsilon_W)^2, \qquad
    CV(V') \approx \sqrt{\sigma_d^2 + 4 \sigma_d^2} = \sqrt{5}\,\sigma_d

and :math:`\sigma_d = CV_{caliper} / \sqrt 5` (``caliper_cv`` = 0.10 gives
:math:`\sigma_d` = 0.0447). The tumour's true shape (:math:`L/W`) does not enter.

Examples
--------
>>> import numpy as np
>>> from kinetor.translate.tumors import get_tumor
>>> t = get_tumor("MCF7").without_variability()
>>> true, meas = tumor_volumes(t, 1, np.random.default_rng(0), grid_days=None,
...                            growth=None, days=np.array([0.0, 10.0]), noise=False)
>>> true.round(3).tolist()       # 175 x 2 after one doubling time
[[175.0, 350.0]]
>>> measurement_days(21)
[0.0, 3.0, 7.0, 10.0, 14.0, 17.0, 21.0]
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from kinetor.errors import ModelError

__all__ = ["caliper_noise", "measurement_days", "tumor_volumes"]


def measurement_days(days: float, weekdays: tuple[int, ...] = (0, 3)) -> list[float]:
    """Twice-weekly caliper days (study days whose weekday index is in ``weekdays``, i.e.
    days 0, 3, 7, 10, ...) up to ``days``, the last day always included.

    ``days`` is a finite number >= 0; ``weekdays`` one or more whole numbers 0..6 (day
    0 = the first study day's weekday); anything else raises ``ModelError``.
    """
    try:
        last = float(days)
    except (TypeError, ValueError):
        raise ModelError(f"days must be a number of study days, got {days!r}") from None
    if not (math.isfinite(last) and last >= 0):
        raise ModelError(f"days must be a finite number >= 0, got {days!r}")
    wd = list(weekdays) if isinstance(weekdays, tuple | list | range) else None
    if not wd or any(
        isinstance(w, bool) or not isinstance(w, numbers.Integral) or not 0 <= w <= 6 for w in wd
    ):
        raise ModelError(
            f"weekdays must be whole numbers 0..6 (days of the week from the study's first "
            f"day), got {weekdays!r}; e.g. (0, 3) for twice weekly"
        )
    out = [float(d) for d in range(math.floor(last) + 1) if d % 7 in weekdays]
    if not out or out[-1] < last:
        out.append(last)
    return out


def caliper_noise(volume: np.ndarray, caliper_cv: float, rng: np.random.Generator) -> np.ndarray:
    """Measured volumes under the caliper error model (module docstring)."""
    sd = float(caliper_cv) / math.sqrt(5.0)
    e = rng.standard_normal((2, *np.shape(volume)))
    fl = np.maximum(1.0 + sd * e[0], 0.0)
    fw = np.maximum(1.0 + sd * e[1], 0.0)
    return np.asarray(volume, float) * fl * fw**2


def _lognormal(rng: np.random.Generator, cv: float, n: int) -> np.ndarray:
    if cv <= 0:
        return np.ones(n)
    return np.exp(math.sqrt(math.log1p(cv**2)) * rng.standard_normal(n))


def tumor_volumes(
    tumor,
    n: int,
    rng: np.random.Generator,
    grid_days: np.ndarray | None,
    growth: np.ndarray | None,
    days: np.ndarray,
    noise: bool = True,
    variability: bool = True,
    kill: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """True and measured volumes ``(n, len(days))`` for ``n`` animals.

    Parameters
    ----------
    tumor : TumorSpec
        Growth law, rates, kill and transit parameters (:mod:`kinetor.translate.response`).
    rng : Generator
        Draws, in this order: growth-rate effects, starting-volume effects, caliper errors.
    grid_days : (G,) array or None
        Times of ``growth`` and ``kill`` (days); None = vehicle (100 %, no kill).
    growth : (n, G) array or None
        The proliferation drive: the network's proliferation (or growth) readout, % of
        untreated control.
    days : (D,) array
        Measurement days (>= 0).
    noise, variability : bool
        Caliper noise; between-animal variability of growth rate and starting volume.
    kill : (n, G) array, optional
        Kill drive (dimensionless, :func:`kinetor.translate.response.kill_drive`); used
        with ``tumor.kill_rate``.
    """
    from kinetor.translate.response import simulate_response

    days = np.asarray(days, float)
    if days.size == 0 or days.min() < 0:
        raise ModelError("measurement days must be >= 0")
    kp = tumor.growth_rate * (_lognormal(rng, tumor.growth_cv, n) if variability else np.ones(n))
    v0 = tumor.v0 * (_lognormal(rng, tumor.v0_cv, n) if variability else np.ones(n))
    opts = {
        "days": days,
        "death_rate": tumor.death_rate,
        "kill_rate": tumor.kill_rate,
        "transit_rate": tumor.transit_rate,
        "n_transit": int(tumor.n_transit),
    }
    if growth is None:
        true, _ = simulate_response(v0, tumor.growth_law, kp, tumor.vmax, tumor.linear_rate, **opts)
    else:
        drive = np.maximum(np.asarray(growth, float) / 100.0, 0.0)
        k = None if kill is None else np.maximum(np.asarray(kill, float), 0.0)
        true, _ = simulate_response(
            v0,
            tumor.growth_law,
            kp,
            tumor.vmax,
            tumor.linear_rate,
            grid_days=grid_days,
            proliferation=drive,
            kill=k,
            **opts,
        )
    measured = caliper_noise(true, tumor.caliper_cv, rng) if noise else true.copy()
    return true, measured
