r"""Tumour response with proliferation, drug-induced death and Simeoni transit compartments.

Each animal's tumour is a proliferating compartment :math:`x_1` and :math:`m` compartments of
damaged, dying tissue :math:`x_2 .. x_{m+1}` (``n_transit``; 3 in Simeoni et al. 2004 Cancer
Res 64:1094, doi:10.1158/0008-5472.CAN-03-2524, status likely). The measured volume is
:math:`w = x_1 + \dots + x_{m+1}`:

.. math::

    \frac{dx_1}{dt} &= P(t)\, g(x_1, w) - k_d x_1 - k_{kill} K(t)\, x_1 \\
    \frac{dx_2}{dt} &= k_{kill} K(t)\, x_1 - k_{tr} x_2, \qquad
    \frac{dx_j}{dt} = k_{tr} (x_{j-1} - x_j),\ j = 3..m+1

* :math:`P(t)` is the proliferation drive: the network's ``proliferation`` readout / 100
  (``growth`` when the network has no ``proliferation`` readout), 1 in vehicle animals.
* :math:`K(t) \ge 0` is the kill drive (dimensionless): the excess of the network's
  ``apoptosis`` readout over the untreated level, :math:`\max(A/100 - 1, 0)`, or, when the
  network has no ``apoptosis`` readout, the inhibition of the proliferation readout above a
  threshold :math:`\theta`: :math:`\max(I - \theta, 0) / (1 - \theta)`,
  :math:`I = 1 - P(t)` (deep pathway inhibition kills, shallow inhibition only slows;
  :func:`kill_drive`).
* :math:`k_d` is drug-independent loss removed at once (``death_rate``), :math:`k_{kill}`
  the drug-induced death rate at :math:`K = 1` (``kill_rate``, 1/day), :math:`k_{tr}` the
  transit rate of dying tissue (``transit_rate``, 1/day).
* :math:`g` is the growth law, chosen per cell line (``growth_law``):

  =====================  ============================================================
  law                    :math:`g(x_1, w)`
  =====================  ============================================================
  exponential            :math:`\lambda x_1`
  exponential_linear     :math:`\lambda x_1 / [1 + (\lambda w / \lambda_1)^{\psi}]^{1/\psi}`,
                         :math:`\psi = 20` (Simeoni 2004)
  gompertz               :math:`k_g x_1 \ln(V_{max} / w)`
  logistic               :math:`k_g x_1 (1 - w / V_{max})`
  =====================  ============================================================

  with the rate chosen so that the vehicle tumour's initial specific growth rate at
  :math:`V_0` is :math:`\ln 2 / T_d + k_d`: :math:`\lambda = \ln 2/T_d + k_d`;
  :math:`k_g = (\ln 2/T_d + k_d) / \ln(V_{max}/V_0)` (Gompertz);
  :math:`k_g = (\ln 2/T_d + k_d) / (1 - V_0/V_{max})` (logistic).

Closed form used in the tests (exponential law, constant :math:`P = 1`, :math:`K = 1`,
:math:`\lambda_{net} = \lambda - k_d - k_{kill}`, :math:`s = \lambda_{net} + k_{tr} > 0`):
:math:`x_1 = V_0 e^{\lambda_{net} t}` and the :math:`j`-th transit compartment
(:math:`j = 1..m`) is the convolution of :math:`k_{kill} x_1` with an Erlang kernel,

.. math:: x_{j+1}(t) = \frac{k_{kill} V_0\, k_{tr}^{\,j-1}}{s^j}\, e^{\lambda_{net} t}\,
          P\!\left(j, s t\right)

(:math:`P` the regularised lower incomplete gamma function; :func:`closed_form_exponential`).

Examples
--------
>>> import numpy as np
>>> vol, st = simulate_response(np.array([100.0]), "exponential", np.array([0.1]), 0.0,
...                             0.0, kill_rate=0.3, transit_rate=1.0, n_transit=3,
...                             days=np.array([0.0, 10.0]), kill=1.0)
>>> bool(np.allclose(st[0, :, -1], closed_form_exponential(100.0, 0.1, 0.3, 1.0, 3, 10.0),
...                  rtol=1e-6))
True
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from kinetor.errors import ModelError
from kinetor.translate._response_grid import closed_form_exponential, grid_exponential
from kinetor.translate._response_vmax import vmax_message

__all__ = [
    "GROWTH_LAWS",
    "closed_form_exponential",
    "fit_vehicle_growth",
    "kill_drive",
    "law_rates",
    "signal_names",
    "simulate_response",
]

GROWTH_LAWS = ("exponential", "exponential_linear", "gompertz", "logistic")
_PSI = 20.0
_MAX_GRID_STEP = 1.0 / 24.0 + 1e-9  # days


def _rhs():
    """The compiled right-hand side (``kinetor.translate._response_rhs``, imported lazily so
    that importing this module does not import numba)."""
    from kinetor.translate._response_rhs import xenograft_rhs

    return xenograft_rhs


_LAW_CODE = {"exponential": 0, "exponential_linear": 2, "gompertz": 3, "logistic": 4}


def law_rates(
    law: str, specific_rate: np.ndarray, v0: np.ndarray, vmax: float, linear_rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Law parameters ``(a, b)`` giving the initial specific growth rate ``specific_rate``
    (1/day) at ``v0`` (module docstring)."""
    r = np.asarray(specific_rate, float)
    v0 = np.asarray(v0, float)
    if law == "exponential":
        return r, np.ones_like(r)
    if law == "exponential_linear":
        lr = np.broadcast_to(np.asarray(linear_rate, float), r.shape)
        if not np.all(lr > 0):
            raise ModelError("growth_law 'exponential_linear' needs linear_rate > 0 (mm^3/day)")
        return r, lr.copy()
    if law in ("gompertz", "logistic"):
        vm = np.broadcast_to(np.asarray(vmax, float), r.shape)
        if np.any(v0 >= vm):
            raise ModelError(vmax_message(law, v0, vm))
        denom = np.log(vm / v0) if law == "gompertz" else 1.0 - v0 / vm
        return r / denom, vm.copy()
    raise ModelError(f"unknown growth_law {law!r}: choose one of {', '.join(GROWTH_LAWS)}")


def simulate_response(
    v0: np.ndarray,
    law: str,
    specific_rate: np.ndarray,
    vmax: float,
    linear_rate: float,
    *,
    days: np.ndarray,
    death_rate: float = 0.0,
    kill_rate: float = 0.0,
    transit_rate: float = 1.0,
    n_transit: int = 3,
    grid_days: np.ndarray | None = None,
    proliferation=None,
    kill=None,
    rtol: float = 1e-8,
    method: str = "auto",
) -> tuple[np.ndarray, np.ndarray]:
    """Integrate the tumour response for ``n`` animals.

    Parameters
    ----------
    v0, specific_rate : (n,) arrays
        Starting volumes (mm^3) and initial specific growth rates (1/day, including
        ``death_rate``).
    law : str
        One of :data:`GROWTH_LAWS`.
    vmax, linear_rate : float or (n,) array
        Plateau (Gompertz, logistic; mm^3) and linear growth rate (exponential-linear;
        mm^3/day).
    days : (D,) array
        Output days.
    death_rate, kill_rate, transit_rate : float or (n,) array
        :math:`k_d`, :math:`k_{kill}`, :math:`k_{tr}` (1/day), one value or one per animal.
    n_transit : int
        Transit compartments of dying tissue (0: killed tissue vanishes at once).
    grid_days : (G,) array, optional
        Times of the drives (piecewise linear); without it the drives are constants.
    proliferation, kill : array or float, optional
        Proliferation drive (fraction of vehicle, default 1) and kill drive (default 0):
        ``(n, G)`` on ``grid_days`` or scalars / ``(n,)`` constants.
    rtol : float
        Relative tolerance of the compiled Dormand-Prince integrator.
    method : {"auto", "ode", "grid"}
        ``"grid"`` (exponential law, drives on a grid that contains every output day):
        :math:`x_1` exactly (the log-rate is piecewise linear, integrated by the
        trapezoid rule, which is exact for it) and the transit chain by its exact
        propagator with the kill flux :math:`k_{kill} K x_1` linear between grid points
        (grid steps of at most 1 h; relative error below 3e-5 on an hourly grid even with
        drives that jump randomly every hour,
        tested against the ODE);
        vectorised over animals. ``"ode"``: the compiled Dormand-Prince integrator.
        ``"auto"``: ``"grid"`` where it applies, else ``"ode"``.

    Returns
    -------
    volume : (n, D) array
        Total volume :math:`w`.
    states : (n, 1 + n_transit, D) array
        :math:`x_1` then the transit compartments.
    """
    from kinetor.pd._rhs import solve

    v0 = np.atleast_1d(np.asarray(v0, float))
    n = v0.size
    if int(n_transit) != n_transit or n_transit < 0:
        raise ModelError("n_transit must be a non-negative integer")
    rates = {}
    for name, val in (
        ("death_rate", death_rate),
        ("kill_rate", kill_rate),
        ("transit_rate", transit_rate),
    ):
        arr = np.broadcast_to(np.asarray(val, float), (n,))
        if not np.all(np.isfinite(arr) & (arr >= 0)):
            raise ModelError(f"{name} must be finite and >= 0, got {val!r}")
        rates[name] = arr
    if n_transit > 0 and np.any((rates["kill_rate"] > 0) & (rates["transit_rate"] <= 0)):
        raise ModelError(
            "transit_rate must be > 0 when dying tissue passes through transit compartments"
        )
    if law not in _LAW_CODE:
        raise ModelError(f"unknown growth_law {law!r}: choose one of {', '.join(GROWTH_LAWS)}")
    a, b = law_rates(law, np.broadcast_to(specific_rate, (n,)), v0, vmax, linear_rate)
    params = np.column_stack(
        [
            np.full(n, float(_LAW_CODE[law])),
            a,
            b,
            np.full(n, _PSI),
            rates["death_rate"],
            rates["kill_rate"],
            rates["transit_rate"],
        ]
    )
    y0 = np.zeros((n, 1 + int(n_transit)))
    y0[:, 0] = v0
    p_in = 1.0 if proliferation is None else proliferation
    k_in = 0.0 if kill is None else kill
    days = np.asarray(days, float)
    if method not in ("auto", "ode", "grid"):
        raise ModelError(f"method must be 'auto', 'ode' or 'grid', got {method!r}")
    on_grid = (
        grid_days is not None
        and law == "exponential"
        and bool(np.all(np.isin(days, np.asarray(grid_days, float))))
    )
    if on_grid and int(n_transit) > 0 and np.any(rates["kill_rate"] > 0):
        # the kill flux is taken as linear between grid points: steps of at most 1 h
        on_grid = bool(np.max(np.diff(np.asarray(grid_days, float)), initial=0.0) <= _MAX_GRID_STEP)
    if method == "grid" and not on_grid:
        raise ModelError(
            "method='grid' needs the exponential law, drives on a grid that "
            "contains every output day and, with kill through transit "
            "compartments, grid steps of at most 1 h"
        )
    if on_grid and method != "ode":
        g = np.asarray(grid_days, float)
        pin = np.broadcast_to(np.asarray(p_in, float), (n, g.size))
        kin = np.broadcast_to(np.asarray(k_in, float), (n, g.size))
        if np.any(pin < 0) or np.any(kin < 0):
            raise ModelError("proliferation and kill drives must be >= 0")
        states = grid_exponential(v0, a, rates, int(n_transit), g, pin, kin, days)
        return states.sum(axis=1), states
    if grid_days is None:
        inputs = np.column_stack(
            [
                np.broadcast_to(np.asarray(p_in, float), (n,)),
                np.broadcast_to(np.asarray(k_in, float), (n,)),
            ]
        )
    else:
        g = np.asarray(grid_days, float)
        inputs = np.stack(
            [
                np.broadcast_to(np.asarray(p_in, float), (n, g.size)),
                np.broadcast_to(np.asarray(k_in, float), (n, g.size)),
            ],
            axis=1,
        )
    if np.any(inputs < 0):
        raise ModelError("proliferation and kill drives must be >= 0")
    states, status = solve(
        _rhs(),
        params,
        y0,
        np.asarray(days, float),
        grid_days,
        np.ascontiguousarray(inputs),
        rtol=rtol,
    )
    if np.any(status):
        raise ModelError(
            f"tumour response: the integration failed for animals "
            f"{np.flatnonzero(status).tolist()} (status {int(status.max())})"
        )
    return states.sum(axis=1), states


def signal_names(readouts: Sequence[str]) -> tuple[str, str | None]:
    """``(proliferation readout, apoptosis readout or None)`` from the network's readout
    names: ``proliferation`` if the network has it, else ``growth``; ``apoptosis`` if it
    has it, else None (the kill then acts on inhibition of the proliferation readout)."""
    names = list(readouts)
    prolif = "proliferation" if "proliferation" in names else "growth"
    if prolif not in names:
        raise ModelError(
            f"the network has neither a 'proliferation' nor a 'growth' readout (readouts: {names})"
        )
    return prolif, ("apoptosis" if "apoptosis" in names else None)


def kill_drive(
    proliferation_pct: np.ndarray, apoptosis_pct: np.ndarray | None, threshold: float | np.ndarray
) -> np.ndarray:
    """The kill drive :math:`K(t)` (module docstring) from readouts in % of untreated.

    Examples
    --------
    >>> kill_drive(np.array([100.0, 50.0, 20.0, 0.0]), None, 0.5).round(3).tolist()
    [0.0, 0.0, 0.6, 1.0]
    >>> kill_drive(np.array([50.0]), np.array([180.0]), 0.5).tolist()
    [0.8]
    """
    if apoptosis_pct is not None:
        return np.maximum(np.asarray(apoptosis_pct, float) / 100.0 - 1.0, 0.0)
    threshold = np.asarray(threshold, float)
    if not np.all((threshold >= 0.0) & (threshold < 1.0)):
        raise ModelError(f"kill_threshold must be in [0, 1), got {threshold!r}")
    inhib = 1.0 - np.clip(np.asarray(proliferation_pct, float) / 100.0, 0.0, 1.0)
    return np.maximum(inhib - threshold, 0.0) / (1.0 - threshold)


def fit_vehicle_growth(
    data, law: str = "exponential", *, day: str = "day", volume: str = "volume"
) -> dict[str, float]:
    """Growth-law parameters from vehicle tumour curves (least squares on log volume).

    Parameters
    ----------
    data : DataFrame
        Vehicle measurements, one row per animal and day (columns ``day``, ``volume``;
        pooled over animals).
    law : str
        One of :data:`GROWTH_LAWS`.

    Returns
    -------
    dict
        ``v0``, ``doubling_time`` (initial, days) and ``vmax`` or ``linear_rate`` where
        the law has them, plus ``rmse_log`` and ``converged``: ready for
        ``get_tumor({"base": ..., **fit})`` (drop ``rmse_log``/``converged``).

    Examples
    --------
    >>> import pandas as pd
    >>> d = np.array([0.0, 7.0, 14.0, 21.0])
    >>> df = pd.DataFrame({"day": d, "volume": 150.0 * 2 ** (d / 7.0)})
    >>> fit = fit_vehicle_growth(df, "exponential")
    >>> round(fit["doubling_time"], 4), round(fit["v0"], 3)
    (7.0, 150.0)
    """
    from scipy.optimize import least_squares

    if law not in GROWTH_LAWS:
        raise ModelError(f"unknown growth_law {law!r}: choose one of {', '.join(GROWTH_LAWS)}")
    t = np.asarray(data[day], float)
    v = np.asarray(data[volume], float)
    if t.size < 3 or np.any(v <= 0) or not np.all(np.isfinite(v)):
        raise ModelError("vehicle fit needs >= 3 finite positive volumes")
    order = np.argsort(t)
    t, v = t[order], v[order]
    r0 = max(np.polyfit(t, np.log(v), 1)[0], 1e-3)
    v00 = float(np.exp(np.polyfit(t, np.log(v), 1)[1]))
    x0 = [math.log(v00), math.log(r0)]
    if law in ("gompertz", "logistic"):
        x0.append(math.log(v.max() * 3.0))
    elif law == "exponential_linear":
        x0.append(math.log(max(np.max(np.diff(v) / np.maximum(np.diff(t), 1e-9)), 1.0)))

    def model(x):
        v0, r = math.exp(x[0]), math.exp(x[1])
        extra = math.exp(x[2]) if len(x) > 2 else 0.0
        if law in ("gompertz", "logistic") and extra <= v0:
            return np.full(t.size, 1e3)
        vol, _ = simulate_response(
            np.array([v0]),
            law,
            np.array([r]),
            extra if law in ("gompertz", "logistic") else 0.0,
            extra if law == "exponential_linear" else 0.0,
            days=np.unique(t),
            n_transit=0,
            rtol=1e-7,
        )
        return np.log(np.interp(t, np.unique(t), vol[0])) - np.log(v)

    sol = least_squares(model, x0, method="lm" if t.size > len(x0) else "trf")
    out = {"v0": math.exp(sol.x[0]), "doubling_time": math.log(2.0) / math.exp(sol.x[1])}
    if law in ("gompertz", "logistic"):
        out["vmax"] = math.exp(sol.x[2])
    elif law == "exponential_linear":
        out["linear_rate"] = math.exp(sol.x[2])
    out["rmse_log"] = float(np.sqrt(np.mean(sol.fun**2)))
    out["converged"] = bool(sol.success)
    return out
