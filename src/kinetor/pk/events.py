"""Dose events: regimens x subjects -> sorted event arrays for the kernels.

Every dose becomes one or two *events* per subject:

==============  ========  ===========================================================
dose            kind      event(s)
==============  ========  ===========================================================
IV bolus        0         amount at the dose time
extravascular   1         amount into the depot at the dose time + ``tlag``
IV infusion     2         rate ``+R`` at the start and ``-R`` at the end (R = amount/duration)
==============  ========  ===========================================================

A steady-state dose (``ss = 1``, interval ``ii``, at time :math:`t_0`) adds the same
events ``k`` intervals earlier, flagged with ``ii``: the kernels turn each into the infinite
train of earlier doses every ``ii`` (geometric series :math:`\\sum_m e^{-\\lambda (t + m\\,ii)}
= e^{-\\lambda t}/(1 - e^{-\\lambda\\,ii})`). ``k = 1``, except for an extravascular dose
whose lag exceeds the interval: ``k = ceil(tlag / ii)``, and the doses of the intervals in
between (still in their lag at :math:`t_0`) are ordinary events. A train acts only from
:math:`t_0` on (``active_from``): before its steady-state dose the concentration is that of
the other doses alone (NONMEM ``SS = 2``; a later ``ss`` part of a text regimen).
A dose ended by a reset (its ``until`` in the regimen) acts before that time only
(``until``): :func:`by_reset` runs the doses of each end time separately and cuts each
run there (exact for linear models; for a nonlinear one the runs must not overlap).

Examples
--------
>>> from kinetor.pk.regimen import Regimen
>>> ev = build_events(Regimen.parse("10 mg IV over 1 h q12h x 2"), n_subjects=1)
>>> ev.time.tolist(), ev.weight.tolist()
([[0.0, 1.0, 12.0, 13.0]], [[10.0, -10.0, 10.0, -10.0]])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from kinetor.errors import ModelError
from kinetor.pk.regimen import Regimen

__all__ = ["Events", "build_events", "by_reset", "train_response"]


@dataclass
class Events:
    """Sorted per-subject event arrays (S, E); padding has ``time = inf``, weight 0.

    ``dose_time`` (S, D) holds each subject's dose times (the regimen rows; ``inf`` pads).
    ``active_from`` (S, E) is the time from which each steady-state train acts (``-inf``
    for ordinary events); it is set by :func:`build_events` and, being aligned with that
    event order, is not an ``__init__`` argument: a copy rearranged with
    ``dataclasses.replace`` has none, and its trains act from their first event.
    ``until`` (S, E), set the same way, is the time from which each event no longer acts
    (a reset ended its dose); None when no event ends (every regimen without resets).
    """

    time: np.ndarray
    weight: np.ndarray
    kind: np.ndarray
    ii: np.ndarray
    has_depot: bool
    dose_mg: np.ndarray  # (S,) total amount given per subject (SS trains excluded), mg
    dose_time: np.ndarray | None = None
    active_from: np.ndarray | None = field(default=None, init=False, repr=False)
    until: np.ndarray | None = field(default=None, init=False, repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return self.time.shape

    def trains(self) -> np.ndarray | None:
        """(S, E) mask of the steady-state trains that act from ``active_from`` (or None)."""
        if self.active_from is None:
            return None
        gate = self.ii > 0
        return gate if gate.any() else None

    def before(self, cut: np.ndarray) -> Events:
        """The events of the doses given before ``cut`` (S,) only (the others weigh 0):
        evaluated at ``cut`` they give the concentration just before a dose there (also
        before a reset at ``cut``: the doses it ends still act at ``cut`` here)."""
        cut = np.asarray(cut, float)[:, None]
        start = self.time if self.active_from is None else np.maximum(self.time, self.active_from)
        out = self.only(start < cut)
        if self.until is not None:  # at ``cut`` itself: the value just before a reset there
            out.until = np.where(self.until >= cut, np.inf, self.until)
        return out

    def only(self, mask: np.ndarray) -> Events:
        """The events of ``mask`` (S, E) (the others weigh 0), none of them ending."""
        out = Events(
            self.time,
            np.where(mask, self.weight, 0.0),
            self.kind,
            self.ii,
            self.has_depot,
            self.dose_mg,
            self.dose_time,
        )
        out.active_from = self.active_from
        return out


def by_reset(ev: Events, times: np.ndarray, run, exclusive: bool = False):
    """``run(events)`` -> ``(conc, amounts)`` summed over the groups of events that end at
    the same time (per subject), each group's result cut to 0 from its end on.

    Superposition makes the sum exact for a linear model. With ``exclusive`` (a nonlinear
    model) a group must start at or after the end of the one before it (then at most one
    group acts at a time); otherwise ``ModelError``."""
    assert ev.until is not None
    order = np.argsort(ev.until, axis=1, kind="stable")
    ends_sorted = np.take_along_axis(ev.until, order, 1)
    new = np.ones(ends_sorted.shape, bool)
    new[:, 1:] = ends_sorted[:, 1:] != ends_sorted[:, :-1]
    rank_sorted = np.cumsum(new, axis=1) - 1
    rank = np.empty_like(rank_sorted)
    np.put_along_axis(rank, order, rank_sorted, axis=1)
    S, R = ev.time.shape[0], int(rank_sorted.max()) + 1
    ends = np.full((S, R), np.inf)
    ends[np.arange(S)[:, None], rank_sorted] = ends_sorted
    times = np.asarray(times, float)
    conc: np.ndarray = np.zeros((S, times.size))
    amts: dict[str, np.ndarray] = {}
    for r in range(R):
        group = (rank == r) & (ev.weight != 0)
        if exclusive and r > 0:
            start = np.where(group, ev.time, np.inf).min(axis=1)
            if np.any(start < ends[:, r - 1]):
                raise ModelError(
                    "a dose ended by a reset ('until') overlaps doses given before its end: "
                    "a nonlinear model cannot superpose them; give the doses after the reset"
                )
        c, a = run(ev.only(group))
        live = times[None, :] < ends[:, r][:, None]
        conc = conc + np.where(live, c, 0.0)
        amts = {k: amts.get(k, 0.0) + np.where(live, v, 0.0) for k, v in a.items()}
    return conc, amts


def train_response(times, ev: Events, gate, lam, coef, const) -> np.ndarray:
    """Response (S, T) on sorted ``times`` to the steady-state trains ``gate`` (S, E), each
    from its ``active_from`` time on (the kernels get them with weight 0): per train and
    rate, :math:`w\\,c_j e^{-\\lambda_j (t - t_e)}/(1 - e^{-\\lambda_j\\,ii})`, plus the
    constant part."""
    times = np.asarray(times, float)
    S = ev.time.shape[0]
    rows = np.arange(S)
    out = np.zeros((S, times.size))
    active = ev.active_from
    assert active is not None  # gate comes from ev.trains(), which needs it
    for e in np.flatnonzero(gate.any(axis=0)):
        g = gate[:, e]
        start = active[:, e]
        first = int(np.searchsorted(times, start[g].min()))  # nothing acts before
        tt = times[first:]
        on = (tt[None, :] >= start[:, None]) & g[:, None]
        dt = np.maximum(tt[None, :] - np.where(g, ev.time[:, e], 0.0)[:, None], 0.0)
        k, ii = ev.kind[:, e], np.where(g, ev.ii[:, e], 1.0)
        w = np.where(g, ev.weight[:, e], 0.0)
        acc = np.empty_like(dt)
        acc[:] = (w * const[rows, k])[:, None]
        for j in range(lam.shape[1]):
            x = np.multiply(-lam[:, j][:, None], dt)
            np.exp(x, out=x)
            x *= (w * coef[rows, k, j] / -np.expm1(-lam[:, j] * ii))[:, None]
            acc += x
        acc *= on
        out[:, first:] += acc
    return out


def _one(reg: Regimen, weight, bsa, mw, tlag):
    """Event columns for subjects sharing one regimen (vectorised over those subjects)."""
    t = reg.to_table()
    amt = np.atleast_2d(reg.amounts_mg(weight, bsa, mw))  # (n, E)
    n = amt.shape[0]
    if amt.shape[0] == 1 and len(tlag) > 1:
        amt = np.repeat(amt, len(tlag), axis=0)
        n = amt.shape[0]
    cols_t, cols_w, cols_k, cols_ii, cols_on, cols_end = [], [], [], [], [], []
    end = np.inf

    def add(time, w, kind, ii=0.0, on=-np.inf):
        cols_t.append(time)
        cols_w.append(w)
        cols_k.append(kind)
        cols_ii.append(ii)
        cols_on.append(on)
        cols_end.append(end)  # every event of a dose ends with it (a reset)

    for e, row in enumerate(t.to_dict("records")):
        a, t0, ii = amt[:, e], row["time"], row["ii"] if row["ss"] else 0.0
        end = row["until"]
        route = row["route"]
        if route == "iv_bolus":
            add(t0, a, 0)
            if ii:
                add(t0 - ii, a, 0, ii, t0)
        elif route == "extravascular":
            add(t0 + tlag, a, 1)
            if ii:
                # the train must hold every dose already in the depot at t0: start it
                # k >= tlag / ii intervals back; the k - 1 doses after it are still in
                # their lag at t0 (ordinary events, padding where a subject needs fewer)
                k = np.maximum(1.0, np.ceil(tlag / ii))
                k = np.where(t0 - k * ii + tlag > t0, k + 1.0, k)
                for m in range(1, int(k.max()) if k.size else 1):
                    pending = m < k
                    add(np.where(pending, t0 - m * ii + tlag, np.inf), np.where(pending, a, 0.0), 1)
                add(t0 - k * ii + tlag, a, 1, ii, t0)
        else:
            d = row["duration"]
            if ii and d > ii * (1 + 1e-12):  # d == ii: back to back (a constant rate)
                raise ModelError(
                    f"a steady-state infusion of {d:g} h is longer than its "
                    f"interval ({ii:g} h): not supported"
                )
            add(t0, a / d, 2)
            add(t0 + d, -a / d, 2)
            if ii:
                add(t0 - ii, a / d, 2, ii, t0)
                add(t0 - ii + d, -a / d, 2, ii, t0)
    depot = bool((t["route"] == "extravascular").any())
    E = len(cols_t)
    T = np.empty((n, E))
    W = np.empty((n, E))
    for j in range(E):
        T[:, j] = cols_t[j]
        W[:, j] = cols_w[j]
    K = np.broadcast_to(np.asarray(cols_k, np.int64), (n, E)).copy()
    II = np.broadcast_to(np.asarray(cols_ii, float), (n, E)).copy()
    ON = np.broadcast_to(np.asarray(cols_on, float), (n, E)).copy()
    ends = np.asarray(cols_end, float)
    END = np.broadcast_to(ends, (n, E)).copy() if np.isfinite(ends).any() else None
    return T, W, K, II, ON, END, depot, amt.sum(axis=1), t["time"].to_numpy(float)


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
        *cols, dep, tot, times = _one(
            reg, None if w is None else w[idx], None if b is None else b[idx], mw, lag[idx]
        )
        parts.append((idx, cols, times))
        depot |= dep
        dose[idx] = tot
    E = max(p[1][0].shape[1] for p in parts)
    T = np.full((S, E), np.inf)
    W = np.zeros((S, E))
    K = np.zeros((S, E), np.int64)
    II = np.zeros((S, E))
    ON = np.full((S, E), -np.inf)
    END = None if all(p[1][5] is None for p in parts) else np.full((S, E), np.inf)
    D = np.full((S, max(p[2].size for p in parts)), np.inf)
    for idx, (et, ew, ek, eii, eon, eend), times in parts:
        m = et.shape[1]
        T[idx, :m], W[idx, :m], K[idx, :m], II[idx, :m], ON[idx, :m] = et, ew, ek, eii, eon
        if eend is not None and END is not None:
            END[idx, :m] = eend
        D[idx, : times.size] = times
    if np.all(T == T[:1]) and np.all(K == K[:1]):  # shared schedule: one order for all
        order = np.broadcast_to(np.argsort(T[0], kind="stable"), T.shape)
    else:
        order = np.argsort(T, axis=1, kind="stable")
    T, W, K, II, ON = (np.take_along_axis(x, order, 1) for x in (T, W, K, II, ON))
    ev = Events(T, W, K, II, depot, dose, np.sort(D, axis=1))
    ev.active_from = ON
    if END is not None:  # doses ended by a reset (none in the common case)
        ev.until = np.take_along_axis(END, order, 1)
    return ev
