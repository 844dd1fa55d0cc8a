"""Observations at a prediction of exactly 0 under a proportional error model.

A proportional model has the residual variance :math:`V = b^2 f^2`: where the prediction
:math:`f` is 0 the density of the observation is degenerate (a point mass at 0; NONMEM
stops on such a zero individual variance). What can be known before the fit is handled
here:

* samples at which the prediction is 0 whatever the parameters (before the first dose,
  at the time of an extravascular dose or of the start of an infusion, with no earlier
  dose) are left out of the likelihood, with a note naming their rows;
* with an estimated lag time, the prediction is 0 at any sample an extravascular dose has
  not yet reached, which depends on ``tlag``: an exact zero there would be rewarded
  without bound as ``tlag`` approaches its time, so exact zeros (not BLQ) after an
  extravascular dose are a ``DataError`` (mark them BLQ with the LLOQ, M3 then uses them,
  or leave them out). A positive sample that the lag time puts at a prediction of 0 is
  impossible under the model: the engine gives it an infinite objective (the limit of
  its density), never a floor constant.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from kinetor.errors import DataError, Problem
from kinetor.popfit._data import BOLUS, DEPOT, RATE, PopData

__all__ = ["structural_zeros", "zero_variance_rows"]


def _reached(data: PopData, kinds: tuple[int, ...]) -> np.ndarray:
    """(S, T) True where a dose of one of ``kinds`` already gives a concentration > 0:
    a bolus at or before the sample, a depot dose or an infusion start strictly before,
    and no reset (``ev_until``) between them."""
    t = data.t[:, :, None]
    te, amt, kind = (a[:, None, :] for a in (data.ev_t, data.ev_amt, data.ev_kind))
    finite = np.isfinite(te) & (amt > 0) & np.isin(kind, kinds)
    at_or_before = np.where(kind == BOLUS, te <= t, te < t)
    if data.ev_until is not None:
        at_or_before &= t < data.ev_until[:, None, :]
    return (finite & at_or_before).any(axis=2)


def structural_zeros(data: PopData) -> np.ndarray:
    """(S, T) samples whose prediction is 0 for every parameter value (lag time or not)."""
    return data.obs & ~_reached(data, (BOLUS, DEPOT, RATE))


def _rows(data: PopData, mask: np.ndarray) -> list[int]:
    return [int(r) for r in data.frame["source_row"].to_numpy()[data.row[mask]]]


def _listing(rows: list[int]) -> str:
    head = ", ".join(str(r) for r in rows[:12])
    return head + (f" and {len(rows) - 12} more" if len(rows) > 12 else "")


def zero_variance_rows(model, data: PopData, src) -> PopData:
    """The data a proportional-error model can take (see the module docstring); other
    error models (a variance :math:`a^2 > 0` at :math:`f = 0`) get ``data`` unchanged."""
    if model.error != "proportional":
        return data
    zero = structural_zeros(data)
    if model.lag:
        exact = data.obs & ~data.blq & (data.dv == 0) & ~zero & ~_reached(data, (BOLUS, RATE))
        if exact.any():
            raise DataError(
                [
                    Problem(
                        f"subject {s}: concentration exactly 0 at time {t:g} after an "
                        "extravascular dose; with an estimated lag time a proportional "
                        "error model gives it an unbounded density (its prediction can "
                        "be 0)",
                        file=src,
                        row=r,
                        column="conc",
                        fix="mark it BLQ with the assay's LLOQ (the M3 likelihood, "
                        "blq='m3' / --blq m3, then uses it), exclude it, or fit a model "
                        "without lag time (--model 1cmt-oral or 2cmt-oral)",
                    )
                    for s, t, r in zip(
                        np.broadcast_to(data.subjects[:, None], data.t.shape)[exact],
                        data.t[exact],
                        _rows(data, exact),
                        strict=True,
                    )
                ]
            )
    if not zero.any():
        return data
    rows = _listing(_rows(data, zero))
    positive = int((zero & ~data.blq & (data.dv > 0)).sum())
    extra = (
        f"; {positive} of them > 0, which this model cannot produce (pre-dose levels)"
        if positive
        else ""
    )
    note = (
        f"{int(zero.sum())} sample(s) at a prediction of 0 whatever the parameters (before "
        "the first dose, or at the time of an extravascular dose or infusion start) left "
        "out of the likelihood: a proportional error model gives them zero variance "
        f"(rows {rows}{extra}); AIC and BIC count only the observations in the "
        "likelihood: compare them with fits of the same observations"
    )
    return dataclasses.replace(
        data, obs=data.obs & ~zero, blq=data.blq & ~zero, notes=[*data.notes, note]
    )
