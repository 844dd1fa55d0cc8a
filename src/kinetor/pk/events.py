"""Dose events: regimens x subjects -> sorted event arrays for the kernels.

Every dose becomes one or two *events* per subject:

==============  ========  ===========================================================
dose            kind      event(s)
==============  ========  ===========================================================
IV bolus        0         amount at the dose time
extravascular   1         amount into the depot at the dose time + ``tlag``
IV infusion     2         rate ``+R`` at the start and ``-R`` at the end (R = amount/duration)
==============  ========  ===========================================================

A steady-state dose (``ss = 1``, interval ``ii``) adds the same events one interval
earlier, flagged with ``ii``: the kernels turn each into the infinite train of doses every
``ii`` (geometric series :math:`\\sum_k e^{-\\lambda (t + k\\,ii)} =
e^{-\\lambda t}/(1 - e^{-\\lambda\\,ii})`), which is exact from the steady-state dose on.

Examples
--------
>>> from kinetor.pk.regimen import Regimen
>>> ev = build_events(Regimen.parse("10 mg IV over 1 h q12h x 2"), n_subjects=1)
>>> ev.time.tolist(), ev.weight.tolist()
([[0.0, 1.0, 12.0, 13.0]], [[10.0, -10.0, 10.0, -10.0]])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kinetor.errors import ModelError
from kinetor.pk.regimen import Regimen

__all__ = ["Events", "build_events"]


@dataclass
class Events:
    """Sorted per-subject event arrays (S, E); padding has ``time = inf``, weight 0."""

    time: np.ndarray
    weight: np.ndarray
    kind: np.ndarray
    ii: np.ndarray
    has_depot: bool
    dose_mg: np.ndarray  # (S,) total amount given per subject (SS trains excluded), mg

    @property
    def shape(self) -> tuple[int, int]:
        return self.time.shape


def _one(reg: Regimen, weight, bsa, mw, tlag):
    """Event columns for subjects sharing one regimen (vectorised over those subjects)."""
    t = reg.to_table()
    amt = np.atleast_2d(reg.amounts_mg(weight, bsa, mw))  # (n, E)
    n = amt.shape[0]
    if amt.shape[0] == 1 and len(tlag) > 1:
        amt = np.repeat(amt, len(tlag), axis=0)
        n = amt.shape[0]
    cols_t, cols_w, cols_k, cols_ii = [], [], [], []

    def add(time, w, kind, ii=0.0):
        cols_t.append(time)
        cols_w.append(w)
        cols_k.append(kind)
        cols_ii.append(ii)

    for e, row in enumerate(t.to_dict("records")):
        a, t0, ii = amt[:, e], row["time"], row["ii"] if row["ss"] else 0.0
        route = row["route"]
        if route == "iv_bolus":
            add(t0, a, 0)
            if ii:
                add(t0 - ii, a, 0, ii)
        elif route == "extravascular":
            add(t0 + tlag, a, 1)
            if ii:
                add(t0 - ii + tlag, a, 1, ii)
        else:
            d = row["duration"]
            if ii and d > ii:
                raise ModelError(
                    f"a steady-state infusion of {d:g} h is longer than its "
                    f"interval ({ii:g} h): not supported"
                )
            add(t0, a / d, 2)
            add(t0 + d, -a / d, 2)
            if ii:
                add(t0 - ii, a / d, 2, ii)
                add(t0 - ii + d, -a / d, 2, ii)
    depot = bool((t["route"] == "extravascular").any())
    E = len(cols_t)
    T = np.empty((n, E))
    W = np.empty((n, E))
    for j in range(E):
        T[:, j] = cols_t[j]
        W[:, j] = cols_w[j]
    K = np.broadcast_to(np.asarray(cols_k, np.int64), (n, E)).copy()
    II = np.broadcast_to(np.asarray(cols_ii, float), (n, E)).copy()
    return T, W, K, II, depot, amt.sum(axis=1)


def build_events(
    regimen: Regimen | Sequence[Regimen],
    n_subjects: int,
    weight=None,
    bsa=None,
    mw: float | None = None,
    tlag=None,
) -> Events:
    """Events for ``n_subjects`` from one shared regimen or one regimen per subject.

    ``weight``, ``bsa`` and ``tlag`` are scalars or arrays (n_subjects,); amounts are
    converted to mg with them (per-kg doses need ``weight``: never guessed).
    """
    S = int(n_subjects)

    def per_subject(x, name):
        if x is None:
            return None
        arr = np.broadcast_to(np.asarray(x, float), (S,)).copy()
        if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
            raise ModelError(f"{name} must be a positive number for every subject")
        return arr

    w, b = per_subject(weight, "weight"), per_subject(bsa, "bsa")
    lag = np.zeros(S) if tlag is None else np.broadcast_to(np.asarray(tlag, float), (S,))
    if isinstance(regimen, Regimen):
        groups = [(np.arange(S), regimen)]
    else:
        regs = list(regimen)
        if len(regs) != S:
            raise ModelError(f"{len(regs)} regimens for {S} subjects: give one per subject")
        by_id: dict[int, list[int]] = {}
        for i, r in enumerate(regs):
            by_id.setdefault(id(r), []).append(i)
        groups = [(np.array(ix), regs[ix[0]]) for ix in by_id.values()]
    parts, depot = [], False
    dose = np.zeros(S)
    for idx, reg in groups:
        et, ew, ek, eii, dep, tot = _one(
            reg, None if w is None else w[idx], None if b is None else b[idx], mw, lag[idx]
        )
        parts.append((idx, et, ew, ek, eii))
        depot |= dep
        dose[idx] = tot
    E = max(p[1].shape[1] for p in parts)
    T = np.full((S, E), np.inf)
    W = np.zeros((S, E))
    K = np.zeros((S, E), np.int64)
    II = np.zeros((S, E))
    for idx, et, ew, ek, eii in parts:
        m = et.shape[1]
        T[idx, :m], W[idx, :m], K[idx, :m], II[idx, :m] = et, ew, ek, eii
    if np.all(T == T[:1]) and np.all(K == K[:1]):  # shared schedule: one order for all
        order = np.argsort(T[0], kind="stable")
        return Events(T[:, order], W[:, order], K[:, order], II[:, order], depot, dose)
    order = np.argsort(T, axis=1, kind="stable")
    take = np.take_along_axis
    return Events(
        take(T, order, 1), take(W, order, 1), take(K, order, 1), take(II, order, 1), depot, dose
    )
