"""Helpers of :func:`kinetor.pk.simulate`: checks of an individual-parameter table and the
per-subject exposure metrics of a :class:`~kinetor.pk.simulation.SimulationResult`.

Exposure over a window [start, end] of the time grid, on the noise-free ``ipred``:

* ``CMAX``, ``TMAX``: the highest value and its time; ``CMIN``: the lowest value at times
  after the subject's first dose (``t >`` the first dose time), so that the concentration
  before dosing (0) does not count. The values are those of the grid, plus, at a grid time
  where the concentration jumps (see ``AUC``), the exact value just before the jump; at the
  window end only that value before the jump counts (a dose at the end belongs to the next
  interval, as for ``AUC`` and ``CTROUGH``), at the window start only the value after it.
  1-cmt CL 2 L/h, V 20 L, 100 mg IV QD x 4, window [24, 48] h: CMAX 5453.59 ng/mL at 24 h
  (the peak of dose 2, not the 5494.74 after dose 3 at 48 h) and CMIN 494.74 = CTROUGH
  (before dose 3; the 47 h grid value 546.77 was reported before);
* ``CTROUGH``: the concentration just before the last dose given in the window, computed
  exactly from the model with the doses before that one (not read off the grid); NaN when
  the window holds fewer than two doses;
* ``AUC``: the linear trapezoid on the grid, with the concentration just before a jump
  at a grid time (an IV bolus, a steady-state train that starts acting, a reset) as the
  end of the interval that ends there: the value after the jump belongs to the next
  interval only. (Reading the value after an IV bolus as the end of the interval before it
  added a triangle of half the grid step times the jump: 1-cmt IV 100 mg QD x 2, CL 2 L/h,
  V 20 L, 0-48 h on a 1 h grid gave 97.63 mg·h/L against 95.13 now and the exact 95.05.)

Examples
--------
>>> import numpy as np
>>> from kinetor.pk import OneCompartment, simulate
>>> sim = simulate(OneCompartment(cl=2, v=20), "100 mg IV QD x 2", np.arange(0, 49.0),
...                conc_unit="mg/L")
>>> e = sim.exposure()
>>> round(float(e["CTROUGH"][0]), 5)   # 5 e^{-2.4} mg/L: C at 24 h, before dose 2
0.45359
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.errors import ModelError


def _zero_allowed(model, name: str) -> bool:
    """Whether the model's constructor accepts 0 for ``name`` (a lag time, MM's cl)."""
    try:
        model.replace(**{name: 0.0})
    except ModelError:
        return False
    return True


def checked_params(model, params: pd.DataFrame, subjects: list) -> dict[str, np.ndarray]:
    """The model-parameter columns of ``params`` as floats, each value checked as the
    model's constructor checks one (finite; > 0, or >= 0 where the model allows 0;
    ``f`` <= 1). A bad value is a ``ModelError`` naming the subject(s) and the parameter."""
    out = {}
    for c in params.columns:
        if c not in model.params and c not in model.names:
            continue
        raw = params[c].to_numpy()
        x = pd.to_numeric(params[c], errors="coerce").to_numpy(float)
        zero_ok = _zero_allowed(model, c)
        sign = "must be >= 0" if zero_ok else "must be > 0"
        bad = ~np.isfinite(x) | (x < 0) | ((x == 0) & (not zero_ok))
        if c == "f":
            bad |= x > 1.0 + 1e-12
            sign = "must be in (0, 1] (a bioavailability)"
        if bad.any():
            idx = np.flatnonzero(bad)
            who = ", ".join(
                f"{subjects[i]} ({c} = {raw[i]!r})"
                if isinstance(raw[i], str)
                else f"{subjects[i]} ({c} = {x[i]:g})"
                for i in idx[:5]
            )
            more = f" and {idx.size - 5} more" if idx.size > 5 else ""
            raise ModelError(
                f"params: {c} {sign} (as in the model); subject {who}{more}: correct "
                f"the '{c}' column (leave the column out to use the typical value)"
            )
        out[c] = x
    return out


def pre_dose(model, P, ev, method: str, factor: float, cut: np.ndarray) -> np.ndarray:
    """Noise-free concentration of every subject just before ``cut`` (S,), h: the model
    evaluated at ``cut`` with the doses given before it only (``conc_unit`` via ``factor``)."""
    from kinetor.pk.simulation import predict

    grid, inv = np.unique(cut, return_inverse=True)
    c, _ = predict(model, P, ev.before(cut), grid, (), method)
    return c[np.arange(c.shape[0]), inv] * factor


def jump_times(ev) -> np.ndarray:
    """(S, E) the times at which a subject's concentration can jump (``inf`` elsewhere):
    IV boluses, steady-state trains at the time they start acting, and resets."""
    start = ev.time if ev.active_from is None else np.maximum(ev.time, ev.active_from)
    jump = (ev.weight != 0) & ((ev.kind == 0) | (ev.ii > 0))
    out = np.where(jump, start, np.inf)
    if ev.until is not None:
        out = np.concatenate([out, np.where(np.isfinite(ev.until), ev.until, np.inf)], axis=1)
    return out


def _left_limits(res, c: np.ndarray, tt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``c`` with the value just before each jump (:func:`jump_times`) at the grid times
    where a subject has one (the first grid time excepted: no interval ends there), and
    the (S, T) mask of those places."""
    jumps = res._jumps
    at = np.zeros(c.shape, bool)
    if jumps is None or res._pre_dose is None or tt.size < 2:
        return c, at
    left = c.copy()
    for u in np.unique(jumps[np.isfinite(jumps)]):
        k = int(np.argmin(np.abs(tt - u)))
        if k == 0 or abs(tt[k] - u) > 1e-9 * max(1.0, abs(u)):
            continue
        who = np.any(jumps == u, axis=1)
        left[who, k] = res._pre_dose(np.full(c.shape[0], u))[who]
        at[who, k] = True
    return left, at


def exposure(res, start: float | None = None, end: float | None = None) -> pd.DataFrame:
    """CMAX, TMAX, CMIN, CTROUGH and AUC per subject (module docstring)."""
    t = res.times
    lo = t[0] if start is None else start
    hi = t[-1] if end is None else end
    sel = (t >= lo) & (t <= hi)
    c, tt = res.ipred[:, sel], t[sel]
    S = c.shape[0]
    left, at = _left_limits(res, c, tt)
    auc = np.sum((left[:, 1:] + c[:, :-1]) * np.diff(tt) / 2.0, axis=1)
    # the values the concentration takes in the window, in time order: at a jump inside
    # the window the value before it, then the one after; at the window end the value
    # before a jump only (that jump belongs to the next interval)
    after_jump = np.ones(c.shape, bool)
    after_jump[:, -1] = ~at[:, -1]
    vals = np.stack([left, c], axis=2).reshape(S, -1)
    ok = np.stack([at, after_jump], axis=2).reshape(S, -1)
    times = np.repeat(tt, 2)
    doses = res.dose_times if res.dose_times is not None else np.full((S, 1), -np.inf)
    imax = np.argmax(np.where(ok, vals, -np.inf), axis=1)
    after = ok & (times[None, :] > doses[:, :1])
    cmin = np.where(after.any(axis=1), np.where(after, vals, np.inf).min(axis=1), np.nan)
    inside = (doses >= lo) & (doses <= hi)
    last = np.where(inside, doses, -np.inf).max(axis=1)
    two = inside.sum(axis=1) >= 2
    trough = np.full(S, np.nan)
    if two.any() and res._pre_dose is not None:
        trough[two] = res._pre_dose(np.where(two, last, lo))[two]
    return pd.DataFrame(
        {
            "subject": res.subjects,
            "CMAX": vals[np.arange(S), imax] if S else np.zeros(0),
            "TMAX": times[imax] if S else np.zeros(0),
            "CMIN": cmin,
            "CTROUGH": trough,
            "AUC": auc,
            "unit": res.conc_unit,
        }
    )
