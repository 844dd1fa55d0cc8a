"""Engine rules that set whole profiles' parameters NaN with a reason.

``multi_dose``: an interval holding several doses is no dosing interval (PKNCA): tau and
the dose are NaN with the reason naming the doses, and what depends on them inherits it.
``no_dose_start``: a ``tau`` or ``single`` interval given explicitly where no dose is.
Both work on the engine's run (:class:`kinetor.nca.engine._Run`): its ``meta``, ``ctx``,
``reasons`` and interned reason messages ``why``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["multi_dose", "no_dose_start"]


def multi_dose(run, tunit: str) -> None:
    """An interval holding several doses is no dosing interval (PKNCA): tau and the
    dose NaN with the reason naming the doses; what depends on them inherits it."""
    meta = run.meta
    if "multi_dose" not in meta.columns or not meta["multi_dose"].any():
        return
    run.multi = meta["multi_dose"].to_numpy(bool)
    for i in np.flatnonzero(run.multi):
        r = meta.iloc[i]
        run.multi_code[i] = run.why.code(
            f"interval {r['start']:g}-{r['end']:g}{tunit} holds several doses (at "
            f"{r['doses_inside']}{tunit}): not one dosing interval; use "
            f"--interval {r['start']:g}-{r['end']:g}:partial (kind 'partial') for its area"
        )
    for key in ("tau", "dose"):
        run.ctx[key] = np.where(run.multi, np.nan, run.ctx[key])
        run.reasons[key] = np.where(run.multi, run.multi_code, run.reasons[key]).astype(np.int32)


def no_dose_start(run, units_by_analyte) -> None:
    """A ``tau`` or ``single`` interval given explicitly that does not start at a dose
    of the subject: every parameter of that profile NaN with the reason (the point
    Phoenix inserts at a dose has no place at its start)."""
    meta = run.meta
    off = meta["no_dose_start"].to_numpy(bool) if "no_dose_start" in meta else None
    if off is None or not off.any():
        return
    tunit = next((u.units.get("time", "") for u in units_by_analyte.values()), "")
    start = meta["start"].to_numpy(float)
    code = np.zeros(run.P, np.int32)
    for s in np.unique(start[off]):
        at = f"{s:g} {tunit}".strip()
        why = f"no dose at the interval start ({at}): use :partial (kind 'partial')"
        code[off & (start == s)] = run.why.code(why)
    for key, value in list(run.ctx.items()):
        if np.shape(value) == (run.P,):
            run.ctx[key] = np.where(off, np.nan, value)
            kept = run.reasons.get(key, run.no_reason)
            run.reasons[key] = np.where(off, code, kept).astype(np.int32)
    run.lz_used = run.lz_used & ~off[:, None]
