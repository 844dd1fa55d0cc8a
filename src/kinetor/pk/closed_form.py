r"""Closed-form solutions of linear mammillary models as sums of exponentials.

A linear model with central compartment 1 (volume :math:`V_1`), peripheral
compartments :math:`p` (rate constants :math:`k_{1p}`, :math:`k_{p1}`) and elimination
:math:`k_{10} = CL/V_1` answers a unit bolus into the central compartment with

.. math::

    C(t) = \sum_i A_i e^{-\lambda_i t}, \qquad
    A_i = \frac{1}{V_1}\,
          \frac{\prod_p (k_{p1} - \lambda_i)}{\prod_{j \ne i} (\lambda_j - \lambda_i)}

where :math:`\lambda_i` are the roots of the characteristic polynomial (1 cmt:
:math:`\lambda = k_{10}`; 2 cmt: the quadratic; 3 cmt: the cubic, solved
trigonometrically and polished by Newton steps). A first-order absorption from a depot
(rate :math:`k_a`, bioavailability :math:`F`) convolves this with
:math:`F k_a e^{-k_a t}`, and a zero-order input of unit rate starting at 0 integrates it:

.. math::

    C_{oral}(t) = \sum_i \frac{F k_a A_i}{k_a - \lambda_i}
                  \left(e^{-\lambda_i t} - e^{-k_a t}\right), \qquad
    C_{rate}(t) = \sum_i \frac{A_i}{\lambda_i}\left(1 - e^{-\lambda_i t}\right).

Every input kind is therefore a constant plus a sum of exponentials in the same rates
(:math:`\lambda_1..\lambda_n, k_a`), which is what the superposition kernels consume:
``coef[s, kind, j]`` (kind 0 = bolus into central, 1 = dose into the depot, 2 = a step of
unit rate into central) and ``const[s, kind]``. Amounts use the same machinery with
:math:`V_1 A_i` (central), :math:`V_1 A_i k_{1p}/(k_{p1} - \lambda_i)` (peripheral p) and
:math:`F e^{-k_a t}` (depot).

Examples
--------
>>> import numpy as np
>>> P = {"cl": np.array([2.0]), "v1": np.array([10.0])}
>>> lam, coef, const = exponentials(1, P, oral=False)
>>> float(lam[0, 0]), float(coef[0, 0, 0])  # k10 = 2/10, A = 1/V
(0.2, 0.1)
"""

from __future__ import annotations

import numpy as np

from kinetor.errors import ModelError

__all__ = ["KINDS", "exponentials", "superpose_numpy"]

KINDS = {"bolus": 0, "depot": 1, "rate": 2}
_KA_GAP = 1e-7  # relative distance below which ka is nudged away from a disposition rate
_KA_STEP = 1e-5  # the nudge: ka (1 +- _KA_STEP), both, averaged


def _micro(n_cmt: int, P: dict[str, np.ndarray]):
    v1 = P["v1"]
    k10 = P["cl"] / v1
    kin, kout = [], []  # k_1p and k_p1 of each peripheral compartment
    for p in range(2, n_cmt + 1):
        q, vp = P[f"q{p}"], P[f"v{p}"]
        kin.append(q / v1)
        kout.append(q / vp)
    return k10, kin, kout


def _rates(n_cmt: int, k10, kin, kout) -> np.ndarray:
    if n_cmt == 1:
        return k10[:, None]
    if n_cmt == 2:
        a = k10 + kin[0] + kout[0]
        b = k10 * kout[0]
        big = 0.5 * (a + np.sqrt(np.maximum(a * a - 4.0 * b, 0.0)))
        return np.stack([big, b / big], axis=1)  # b/big: no cancellation for the slow rate
    a2 = k10 + kin[0] + kin[1] + kout[0] + kout[1]
    a1 = k10 * kout[0] + k10 * kout[1] + kout[0] * kout[1] + kin[0] * kout[1] + kin[1] * kout[0]
    a0 = k10 * kout[0] * kout[1]
    p = a1 - a2 * a2 / 3.0
    q = -2.0 * a2**3 / 27.0 + a2 * a1 / 3.0 - a0
    m = 2.0 * np.sqrt(np.maximum(-p / 3.0, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        arg = np.clip(3.0 * q / (p * m), -1.0, 1.0)
    arg = np.where(np.isfinite(arg), arg, 1.0)
    theta = np.arccos(arg) / 3.0
    lam = np.stack([m * np.cos(theta - 2.0 * np.pi * k / 3.0) for k in range(3)], axis=1)
    lam = lam + a2[:, None] / 3.0
    for _ in range(3):  # Newton polish on lambda^3 - a2 lambda^2 + a1 lambda - a0
        f = ((lam - a2[:, None]) * lam + a1[:, None]) * lam - a0[:, None]
        df = (3.0 * lam - 2.0 * a2[:, None]) * lam + a1[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            step = np.where(df != 0, f / df, 0.0)
        lam = lam - step
    return np.sort(lam, axis=1)[:, ::-1]


def exponentials(
    n_cmt: int, P: dict[str, np.ndarray], oral: bool = True, output: str = "conc"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rates and coefficients of every input kind for one output.

    Parameters
    ----------
    n_cmt : {1, 2, 3}
    P : dict of arrays (n_subjects,)
        ``cl, v1`` (+ ``q2, v2`` (+ ``q3, v3``)) and, with ``oral``, ``ka`` and ``f``;
        base units h, L.
    oral : bool
        Include the absorption rate (needed when any dose goes into the depot).
    output : str
        ``"conc"`` (central concentration per unit amount, 1/L), ``"central"``,
        ``"peripheral2"``, ``"peripheral3"`` or ``"depot"`` (amounts per unit amount).

    Returns
    -------
    lam : (S, J) rates; coef : (S, 3, J); const : (S, 3)
    """
    k10, kin, kout = _micro(n_cmt, P)
    lam = _rates(n_cmt, k10, kin, kout)
    v1 = P["v1"][:, None]
    num = np.ones_like(lam)
    for ko in kout:
        num = num * (ko[:, None] - lam)
    den = np.ones_like(lam)
    for i in range(n_cmt):
        for j in range(n_cmt):
            if i != j:
                den[:, i] = den[:, i] * (lam[:, j] - lam[:, i])
    A = num / (v1 * den)  # conc per unit bolus
    if output == "conc":
        G = A
    elif output == "central":
        G = A * v1
    elif output.startswith("peripheral") and output[-1].isdigit() and 2 <= int(output[-1]) <= n_cmt:
        p = int(output[-1]) - 2
        G = A * v1 * kin[p][:, None] / (kout[p][:, None] - lam)
    elif output == "depot":
        G = np.zeros_like(A)
    else:
        raise ModelError(f"unknown output {output!r} for a {n_cmt}-compartment model")
    S = lam.shape[0]
    kas: list[tuple[np.ndarray, np.ndarray]] = []  # absorption rates and their weights
    if oral:
        ka = np.asarray(P["ka"], float)
        close = (np.abs(ka[:, None] - lam) < _KA_GAP * ka[:, None]).any(axis=1)
        kas = [(ka, np.ones(S))]
        if close.any():
            # the closed form is singular at ka == lambda, and its limit F ka A t e^{-ka t}
            # is no sum of exponentials: the mean of the forms at ka (1 +- _KA_STEP) is,
            # to O(_KA_STEP^2) (~1e-10 relative); the second rate is unused (weight 0)
            # for the other subjects
            kas = [
                (np.where(close, ka * (1.0 + _KA_STEP), ka), np.where(close, 0.5, 1.0)),
                (np.where(close, ka * (1.0 - _KA_STEP), ka), np.where(close, 0.5, 0.0)),
            ]
    J = n_cmt + len(kas)
    coef = np.zeros((S, 3, J))
    const = np.zeros((S, 3))
    coef[:, 0, :n_cmt] = G
    coef[:, 2, :n_cmt] = -G / lam
    const[:, 2] = (G / lam).sum(axis=1)
    rates = lam
    f = np.asarray(P.get("f", np.ones(S)), float)
    for j, (ka, weight) in enumerate(kas):
        fk = (weight * f * ka)[:, None] * G / (ka[:, None] - lam)
        coef[:, 1, :n_cmt] += fk
        coef[:, 1, n_cmt + j] = -fk.sum(axis=1) if output != "depot" else weight * f
    if kas:
        rates = np.concatenate([lam, *(ka[:, None] for ka, _ in kas)], axis=1)
    return rates, coef, const


def superpose_numpy(times, ev_t, ev_w, ev_k, ev_ii, lam, coef, const) -> np.ndarray:
    """Straightforward superposition: loop over events, broadcast over subjects x times.

    Reference implementation (and the fast path for small problems); the compiled
    kernel in ``_kernels.superpose`` computes the same sums in O(S (T + E) J).
    Events with ``ev_ii > 0`` stand for an infinite train every ``ii`` (steady state):
    each exponential is divided by :math:`1 - e^{-\\lambda\\,ii}`.
    """
    times = np.asarray(times, float)
    S, E = ev_t.shape
    out = np.zeros((S, times.size))
    rows = np.arange(S)
    for e in range(E):
        te = ev_t[:, e]
        finite = np.isfinite(te)
        if not finite.any():
            continue
        dt = times[None, :] - np.where(finite, te, 0.0)[:, None]
        active = (dt >= 0) & finite[:, None]
        dtc = np.where(active, dt, 0.0)
        k = ev_k[:, e]
        c = coef[rows, k, :]  # (S, J)
        ii = ev_ii[:, e][:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            mult = np.where(ii > 0, 1.0 / -np.expm1(-lam * np.where(ii > 0, ii, 1.0)), 1.0)
        w = (ev_w[:, e][:, None] * c * mult)[:, None, :]  # (S, 1, J)
        contrib = (w * np.exp(-lam[:, None, :] * dtc[:, :, None])).sum(axis=2)
        contrib = contrib + (ev_w[:, e] * const[rows, k])[:, None]
        out += np.where(active, contrib, 0.0)
    return out
