r"""Dose-response, IC50 (4PL), combination grids and parallel scans on the network.

The four-parameter logistic fitted to a readout :math:`y` (% of untreated) against the
free concentration :math:`C`:

.. math::

    y(C) = b + \frac{t - b}{1 + (C / IC_{50})^{n}}

``ic50`` is the inflection point (relative IC50); ``abs_ic50`` is where the fitted curve
crosses 50 % of the untreated value. A readout that does not fall by at least 10 % of its
top gives NaN with a reason instead of a fit.

Scans run one condition per simulation in parallel processes (joblib/loky); each worker
compiles the model once and caches steady states per genotype/context.

Examples
--------
>>> import numpy as np
>>> c = np.logspace(-1, 3, 9)
>>> y = 10 + 90 / (1 + (c / 20.0) ** 1.5)
>>> fit = fit_hill(c, y)
>>> round(fit.ic50, 3), round(fit.hill, 3)
(20.0, 1.5)
>>> net = Network()
>>> dr = dose_response(net, "vistusertib", [1, 10, 100, 1000], t=2.0)
>>> bool(dr["pAKT_S473"].is_monotonic_decreasing)
True
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kinetor.errors import DataError, ModelError, Problem
from kinetor.numerics.executor import Executor, interleaved
from kinetor.pathway._checks import conc_list, drug_pairs, duration_h
from kinetor.pathway._scan_checks import checked_conditions as _checked_conditions
from kinetor.pathway._scan_checks import grid_axis as _grid_axis
from kinetor.pathway.drugs import resolve_drug
from kinetor.pathway.network import READOUTS, Network

__all__ = ["HillFit", "combination_grid", "dose_response", "fit_hill", "ic50", "scan"]


@dataclass(frozen=True)
class HillFit:
    """A 4PL fit: relative ``ic50`` (nM), ``hill``, ``top``, ``bottom``, ``abs_ic50``;
    ``reason`` says why a fit is NaN, ``note`` what limits a fit kept (no covariance, an
    IC50 beyond the tested range, a Hill slope at its bound: :func:`fit_hill`)."""

    ic50: float
    hill: float
    top: float
    bottom: float
    abs_ic50: float
    reason: str = ""
    note: str = ""


def fit_hill(conc: Sequence[float], response: Sequence[float]) -> HillFit:
    """Fit the 4PL to a falling response; NaN with a reason when it does not fall.

    ``conc`` (nM) and ``response`` are numbers of the same length; points at
    concentration 0 (the control) or with a NaN response are left out of the fit, a
    negative concentration is an error. A kept fit's ``note`` says where the optimiser
    found no covariance, an IC50 is extrapolated beyond the tested concentrations, the
    absolute IC50 has < 2 of them on a side of 50 % (Sebaugh 2011) or hill is at a bound.
    """
    c, y = _fit_inputs(conc, response)
    ok = (c > 0) & np.isfinite(y)
    undefined = (c > 0).sum() >= 4 and not ok.any()
    c, y = c[ok], y[ok]
    nan = float("nan")
    if c.size < 4:
        why = (
            "the response is undefined at every concentration (a readout whose untreated "
            "value is 0, e.g. ER activity in an ER-negative cell)"
            if undefined
            else "fewer than 4 positive concentrations with a response"
        )
        return HillFit(nan, nan, nan, nan, nan, why)
    order = np.argsort(c)
    c, y = c[order], y[order]
    if y[-1] > y[0] - 0.1 * abs(y[0]):
        return HillFit(nan, nan, nan, nan, nan, "readout does not fall by 10% of its top")
    lc = np.log10(c)

    def model(x, top, bottom, log_ic50, hill):
        return bottom + (top - bottom) / (1.0 + 10.0 ** (hill * (x - log_ic50)))

    mid = 0.5 * (y[0] + y[-1])
    p0 = [y[0], y[-1], float(np.interp(-mid, -y, lc)), 1.0]
    lo = [y.min() - abs(y.max()), -abs(y.max()), lc[0] - 3, 0.05]
    hi = [y.max() + abs(y.max()), y.max(), lc[-1] + 3, 20.0]
    p0 = list(np.clip(p0, lo, hi))
    try:
        (top, bottom, log_ic50, hill), note = _curve_fit(model, lc, y, p0, lo, hi)
    except RuntimeError as exc:
        return HillFit(nan, nan, nan, nan, nan, f"4PL fit failed: {exc}")
    ic = 10.0**log_ic50
    absolute = nan
    if bottom < 50.0 < top:
        absolute = ic * ((top - bottom) / (50.0 - bottom) - 1.0) ** (1.0 / hill)
    note = "; ".join(x for x in (note, *_fit_notes(c, y, ic, absolute, hill, lo[3], hi[3])) if x)
    return HillFit(float(ic), float(hill), float(top), float(bottom), float(absolute), note=note)


def _fit_notes(c, y, ic, absolute, hill, hill_lo, hill_hi) -> list[str]:
    """The notes of a kept fit on sorted ``c`` (:func:`fit_hill`)."""
    out, span = [], f"{c[0]:.3g}-{c[-1]:.3g} nM"
    for what, x in (("IC50", ic), ("absolute IC50", absolute)):
        if np.isfinite(x) and not c[0] <= x <= c[-1]:
            out.append(f"{what} {x:.3g} nM extrapolated beyond the tested range ({span})")
    above, below = int((y > 50.0).sum()), int((y < 50.0).sum())  # Sebaugh 2011
    if np.isfinite(absolute) and min(above, below) < 2 and c[0] <= absolute <= c[-1]:
        out.append(f"absolute IC50 on {above} point(s) above, {below} below 50 % (2 a side needed)")
    for bound in (hill_lo, hill_hi):
        if abs(hill - bound) <= 1e-3 * bound:
            out.append(f"hill at its bound {bound:g} (the points do not determine the slope)")
    return out


def _fit_inputs(conc, response) -> tuple[np.ndarray, np.ndarray]:
    """``conc`` and ``response`` as float arrays of one length, concentrations >= 0."""
    out = []
    for name, values in (("conc", conc), ("response", response)):
        try:
            arr = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            raise DataError(
                Problem(
                    f"{name} holds something that is not a number: {values!r}",
                    column=name,
                    fix="give plain numbers (concentrations in nM)",
                )
            ) from None
        if arr.ndim != 1:
            raise DataError(
                Problem(f"{name} must be a list of numbers, got {values!r}", column=name)
            )
        out.append(arr)
    c, y = out
    if c.size != y.size:
        raise DataError(
            Problem(
                f"{c.size} concentrations but {y.size} responses",
                column="response",
                fix="give one response per concentration",
            )
        )
    neg = np.flatnonzero(c < 0)
    if neg.size:
        raise DataError(
            [
                Problem(
                    f"negative concentration {c[i]:g}",
                    row=int(i) + 1,
                    column="conc",
                    fix="concentrations must be >= 0 nM (0 = the control)",
                )
                for i in neg
            ]
        )
    return c, y


def _curve_fit(model, x, y, p0, lo, hi) -> tuple[np.ndarray, str]:
    """``curve_fit`` with its ``OptimizeWarning`` (no covariance: a poorly determined fit)
    returned as a note instead of printed; other warnings pass through."""
    import warnings

    from scipy.optimize import OptimizeWarning, curve_fit

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", OptimizeWarning)
        popt, _ = curve_fit(model, x, y, p0=p0, bounds=(lo, hi), maxfev=20000)
    notes = []
    for w in caught:
        if issubclass(w.category, OptimizeWarning):
            notes.append(f"4PL fit: {w.message} (the points determine the curve poorly)")
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return popt, "; ".join(dict.fromkeys(notes))


def dose_response(
    network: Network,
    drug: Any,
    concs: Iterable[float],
    t: float | str = 24.0,
    others: Mapping[Any, Any] | None = None,
    reference: str = "untreated",
) -> pd.DataFrame:
    """Readouts (%) at time ``t`` (h, or ``"2 h"``) for each free concentration of ``drug``.

    ``concs`` is a list of numbers (nM) or texts with a unit (``"1 uM"``), each >= 0;
    the ``conc_nM`` column holds them in nM. ``others`` are drugs given at fixed inputs
    alongside (combinations).
    """
    _check_network(network)
    d = resolve_drug(drug)
    t_h = duration_h(t, "the readout time t")
    extra = drug_pairs(others)
    rows = []
    for conc in conc_list(d, concs, "concs"):
        pairs = [(d, conc), *extra]
        rows.append([conc, *network.readouts_at(pairs, t_h, reference)])
    return pd.DataFrame(rows, columns=["conc_nM", *READOUTS])


def _check_network(network: Any) -> None:
    if not isinstance(network, Network):
        raise ModelError(
            f"network must be a kinetor.pathway.Network, got {network!r}; "
            "e.g. Network(lesions=['PTEN_loss'])"
        )


def ic50(
    network: Network,
    readout: str,
    drug: Any,
    concs: Iterable[float] | None = None,
    t: float | str = 2.0,
) -> HillFit:
    """IC50 of ``readout`` for ``drug`` at time ``t`` (h), from a 4PL fit."""
    if readout not in READOUTS:
        raise ModelError(f"unknown readout {readout!r}: one of {', '.join(READOUTS)}")
    concs = np.logspace(-2, 5, 22) if concs is None else concs
    dr = dose_response(network, drug, concs, t=t)
    return fit_hill(dr["conc_nM"], dr[readout])


def combination_grid(
    network: Network,
    drug_a: Any,
    concs_a: Iterable[float],
    drug_b: Any,
    concs_b: Iterable[float],
    readout: str = "growth",
    t: float | str = 24.0,
    n_jobs: int = 1,
) -> pd.DataFrame:
    """A checkerboard of two drugs with the Bliss independence excess.

    ``concs_a``/``concs_b`` are numbers (nM) or texts with a unit, each >= 0; the grid
    holds 0 and each distinct positive concentration, in increasing order. With fractional
    effects :math:`E = 1 - y/100`, the Bliss expectation is :math:`E_a + E_b - E_a E_b`;
    ``bliss_excess`` > 0 means more than independent action (exactly 0 where one drug is
    absent: the expectation is then the observed effect).
    """
    if readout not in READOUTS:
        raise ModelError(f"unknown readout {readout!r}: one of {', '.join(READOUTS)}")
    _check_network(network)
    a, b = resolve_drug(drug_a), resolve_drug(drug_b)
    t_h = duration_h(t, "the readout time t")
    ca, cb = _grid_axis(a, concs_a, "concs_a"), _grid_axis(b, concs_b, "concs_b")
    conds = [{"drugs": [(a, x), (b, y)]} for x in ca for y in cb]
    res = scan(conds, network=network, t=t_h, n_jobs=n_jobs)
    grid = pd.DataFrame(
        {
            "drug_a": a.name,
            "conc_a_nM": [x for x in ca for _ in cb],
            "drug_b": b.name,
            "conc_b_nM": [y for _ in ca for y in cb],
            readout: res[readout].to_numpy(),
        }
    )
    eff = 1.0 - grid[readout] / 100.0
    ea = grid.groupby("conc_a_nM")[readout].transform(
        lambda s: 1.0 - s.iloc[0] / 100.0
    )  # column at conc_b = 0
    eb = grid.groupby("conc_b_nM")[readout].transform(lambda s: 1.0 - s.iloc[0] / 100.0)
    single = (grid["conc_a_nM"] == 0) | (grid["conc_b_nM"] == 0)
    # one drug absent: the expectation is the observed effect (E_b = 0 gives E_a), set
    # exactly instead of leaving the round-off of E_a + 0 - E_a * 0 computed in floats
    grid["bliss_expected"] = np.where(single, eff, ea + eb - ea * eb)
    grid["bliss_excess"] = np.where(single, 0.0, eff - grid["bliss_expected"])
    return grid


# ---------------------------------------------------------------------- scans
def _scan_chunk(
    text: str, parameters: dict, items: list[dict], t: float, reference: str
) -> np.ndarray:
    rows = np.empty((len(items), len(READOUTS)))
    for i, item in enumerate(items):
        net = Network(
            item["lesions"], item["context"], {**parameters, **item["parameters"]}, model_text=text
        )
        rows[i] = net.readouts_at(item["drugs"], t, reference)
    return rows


def scan(
    conditions: Any,
    network: Network | None = None,
    t: float = 24.0,
    n_jobs: int = 1,
    reference: str = "untreated",
    scheduler: Any = None,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """Readouts (%) at time ``t`` (h) for many conditions (drug x dose x lesion x context x
    parameter values), in parallel processes.

    Parameters
    ----------
    conditions : DataFrame or iterable of dict
        One condition per row; the columns and keys are in
        :mod:`kinetor.pathway._conditions` (``lesions``, ``drug``/``conc_nM``, ...;
        checked, every problem listed with its row and column). Missing lesions/context
        are taken from ``network``.
    network : Network, optional
        Supplies the model text, parameter overrides and default lesions/context.
    t : float or str
        Readout time (h, or ``"2 h"``).
    n_jobs, scheduler, executor
        Where the conditions run: worker processes (1 = in this process), a Dask scheduler
        (address or ``distributed.Client``) or a
        :class:`kinetor.numerics.executor.Executor`. Each worker compiles the model once;
        the readouts do not depend on where they ran.
    """
    base = network or Network()
    t = duration_h(t, "the readout time t")
    items = _checked_conditions(conditions, base)
    for item in items:
        if not item["lesions"]:
            item["lesions"] = base.lesions
        item["context"] = {**base.context, **item["context"]}
    ex = Executor.coerce(executor, n_jobs, scheduler)
    # interleaved chunks (every n_chunks-th condition): each holds the same mix of drugs,
    # doses and genotypes, so the workers finish together (contiguous chunks of a
    # lesion-major table left one worker with 20 % more work); every condition is computed
    # on its own, so the chunking never changes a readout
    n_chunks = 1 if ex.kind == "serial" else 4 * ex.workers
    picks = interleaved(len(items), n_chunks)
    parts = ex.map(
        _scan_chunk,
        [
            (base.model_text, base.parameters, [items[i] for i in idx], t, reference)
            for idx in picks
        ],
    )
    rows = np.empty((len(items), len(READOUTS)))
    for idx, part in zip(picks, parts, strict=True):
        rows[idx] = part
    if isinstance(conditions, pd.DataFrame):
        out = conditions.reset_index(drop=True).copy()
    else:
        out = pd.DataFrame(
            {
                "lesions": [";".join(i["lesions"]) or "parental" for i in items],
                "drugs": [
                    ";".join(f"{resolve_drug(d).name}:{c}" for d, c in i["drugs"]) or "none"
                    for i in items
                ],
            }
        )
    for j, r in enumerate(READOUTS):
        out[r] = rows[:, j]
    return out
