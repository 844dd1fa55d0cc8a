"""Drug-combination synergy on dose matrices: Bliss, HSA, Loewe (excess and combination
index), ZIP, with SynergyFinder's sign convention.

Conventions (Ianevski et al. 2020 Nucleic Acids Res 48:W488, doi:10.1093/nar/gkaa216):
scores are ``expected - observed`` viability in **percentage points** (equivalently
observed minus expected inhibition): positive = synergy, negative = antagonism, 0 =
additive. The combination index is unitless: CI < 1 synergy, CI > 1 antagonism.

Every matrix needs the vehicle cell (0, 0), a monotherapy row (dose 2 = 0) and column
(dose 1 = 0) and every dose pair; replicates are averaged per cell. Monotherapies are
fitted with 4-parameter Hill curves (all matrices at once); the null models use the fits
(``reference="fit"``, the default). With ``reference="observed"`` Bliss and HSA use the
observed single-agent wells at the same doses instead (replicates averaged), as
SynergyFinder and the ``synergy`` package do by default; Loewe and ZIP always use the fits.
Summaries per matrix: the mean over combination cells (both doses > 0) and the most
synergistic area (the 3 x 3 block of adjacent combination cells with the highest mean,
as in SynergyFinder), with percentile bootstrap intervals over replicate wells
(``n_boot``, ``seed``).

Examples
--------
>>> import numpy as np, pandas as pd
>>> d = np.r_[0, 0.1, 1, 10]
>>> d1, d2 = np.meshgrid(d, d, indexing="ij")
>>> e = (1 / (1 + d1 / 1.0)) * (1 / (1 + d2 / 2.0))        # Bliss-additive surface
>>> df = pd.DataFrame({"a": d1.ravel(), "b": d2.ravel(), "v": 100 * e.ravel()})
>>> res = synergy(df, dose1="a", dose2="b", response="v", methods=["bliss", "hsa"])
>>> res.summary[["method", "mean"]].round(3).to_string(index=False)
'method   mean\\n bliss -0.000\\n   hsa  5.592'
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from kinetor.assays import _reference as ref
from kinetor.assays._checks import check_synergy_options
from kinetor.assays._matrices import build_matrices
from kinetor.assays._tidy import check_vehicle_scale, require_numeric
from kinetor.assays.curves import logistic, start_values
from kinetor.numerics.lm import levenberg_marquardt

METHODS = ("bliss", "hsa", "loewe", "zip")
UNITS = {
    "bliss": "percentage points",
    "hsa": "percentage points",
    "loewe": "percentage points",
    "loewe_ci": "unitless (CI < 1 synergy)",
    "zip": "percentage points",
}

__all__ = ["METHODS", "SynergyResult", "synergy"]


@dataclass
class SynergyResult:
    """Per-cell scores, per-matrix summaries and monotherapy fits."""

    cells: pd.DataFrame
    summary: pd.DataFrame
    monotherapy: pd.DataFrame
    dose_columns: tuple[str, str] = ("dose1", "dose2")
    by: list = field(default_factory=list)

    def matrix(self, method: str, **key) -> pd.DataFrame:
        """One matrix of scores (rows: dose 1, columns: dose 2); ``key`` selects the
        matrix by its ``by`` columns (default: the first)."""
        c = self.cells
        if self.by:
            first = c.iloc[0]
            for col in self.by:
                c = c[c[col] == key.get(col, first[col])]
        a, b = self.dose_columns
        return c.pivot(index=a, columns=b, values=method)


def _fit_mono(d1, d2, e):
    """4-parameter Hill fits of both monotherapies of every matrix (one batch)."""
    b = len(e)
    x = np.concatenate([d1, d2])
    y = np.concatenate([e[:, :, 0], e[:, 0, :]]) if d1.shape == d2.shape else None
    if y is None:
        n = max(d1.shape[1], d2.shape[1])
        x = np.zeros((2 * b, n))
        y = np.zeros((2 * b, n))
        w = np.zeros((2 * b, n))
        x[:b, : d1.shape[1]], y[:b, : d1.shape[1]], w[:b, : d1.shape[1]] = d1, e[:, :, 0], 1
        x[b:, : d2.shape[1]], y[b:, : d2.shape[1]], w[b:, : d2.shape[1]] = d2, e[:, 0, :], 1
    else:
        w = np.ones_like(x)
    p0 = start_values(x, y, w, 4)
    pos = np.where((w > 0) & (x > 0), np.log10(np.where(x > 0, x, 1.0)), np.nan)
    lower = np.column_stack(
        [
            np.full(2 * b, -np.inf),
            np.full(2 * b, -np.inf),
            np.nanmin(pos, 1) - 4,
            np.full(2 * b, 1e-3),
        ]
    )
    upper = np.column_stack(
        [
            np.full(2 * b, np.inf),
            np.full(2 * b, np.inf),
            np.nanmax(pos, 1) + 4,
            np.full(2 * b, 50.0),
        ]
    )
    p0[:, 3] = np.clip(p0[:, 3], 1e-3, 50)
    res = levenberg_marquardt(
        logistic, x, y, np.clip(p0, lower, upper), weights=w, lower=lower, upper=upper
    )
    return res.params[:b], res.params[b:], res.converged[:b], res.converged[b:]


def _scores(e, d1, d2, methods, reference="fit"):
    p1, p2, c1, c2 = _fit_mono(d1, d2, e)

    out = {}
    obs = reference == "observed"
    if "bliss" in methods:
        out["bliss_ref"], out["bliss"] = ref.bliss(e, d1, d2, p1, p2, observed=obs)
    if "hsa" in methods:
        out["hsa_ref"], out["hsa"] = ref.hsa(e, d1, d2, p1, p2, observed=obs)
    if "loewe" in methods:
        out["loewe_ref"], out["loewe"], out["loewe_ci"] = ref.loewe(e, d1, d2, p1, p2)
    failed = {(False, True): "drug1", (True, False): "drug2", (False, False): "drug1, drug2"}
    mono = np.array(
        [
            f"monotherapy fit of {failed[(a, b)]} did not converge" if not (a and b) else ""
            for a, b in zip(c1.tolist(), c2.tolist(), strict=True)
        ],
        dtype=object,
    )
    note = {m: mono for m in methods}  # per method: only ZIP has slice fits of its own
    if "zip" in methods:
        out["zip_ref"], out["zip"], n_bad = ref.zip_delta(e, d1, d2, p1, p2)
        zip_note = mono + np.where(
            n_bad > 0, [f"; {k} ZIP slice fits did not converge (flat slices)" for k in n_bad], ""
        )
        note["zip"] = np.array([t.lstrip("; ") for t in zip_note], dtype=object)
    for k in list(out):
        if k != "loewe_ci":
            out[k] = 100.0 * out[k]
    return out, p1, p2, (c1, c2), note


def _msa(s):
    """Most synergistic area: best mean of a 3 x 3 block of combination cells."""
    c = s[:, 1:, 1:]
    if c.shape[1] < 3 or c.shape[2] < 3:
        return np.nanmax(c.reshape(len(c), -1), axis=1)
    win = np.lib.stride_tricks.sliding_window_view(c, (3, 3), axis=(1, 2))
    return np.nanmax(np.nanmean(win, axis=(-1, -2)).reshape(len(c), -1), axis=1)


def _summ(s, method):
    c = s[:, 1:, 1:].reshape(len(s), -1)
    # all-NaN blocks (a CI beyond both drugs' ranges everywhere) give NaN, not a warning
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        if method == "loewe_ci":  # geometric mean of the finite CIs
            lc = np.where(np.isfinite(c) & (c > 0), np.log(np.where(c > 0, c, 1.0)), np.nan)
            return np.exp(np.nanmean(lc, 1)), np.exp(-_msa(-np.log(np.clip(s, 1e-300, None))))
        return np.nanmean(c, 1), _msa(s)


def _n_cells(s, method):
    """Combination cells entering each matrix's summary (finite; for the CI also > 0)."""
    c = s[:, 1:, 1:].reshape(len(s), -1)
    ok = np.isfinite(c) & (c > 0) if method == "loewe_ci" else np.isfinite(c)
    return ok.sum(1), c.shape[1]


def _ci_note(notes, n_used, n_all):
    """Per matrix: the note, plus over how many cells the CI summaries are."""
    out = []
    for text, k in zip(notes, n_used, strict=True):
        extra = (
            f"CI defined in {k} of {n_all} combination cells (NaN where the effect is"
            f" beyond a drug's range): mean and lowest block over those {k}"
        )
        out.append("; ".join(t for t in (str(text), extra) if t) if k < n_all else str(text))
    return np.array(out, dtype=object)


def synergy(
    data: pd.DataFrame,
    *,
    dose1: str,
    dose2: str,
    response: str,
    by: str | Sequence[str] | None = None,
    methods: Sequence[str] = ("bliss", "hsa", "loewe", "zip"),
    scale: Literal["percent", "fraction"] = "percent",
    n_boot: int = 0,
    seed: int | np.random.Generator | None = None,
    level: float = 0.95,
    reference: Literal["fit", "observed"] = "fit",
    source: str = "<DataFrame>",
) -> SynergyResult:
    """Synergy scores of every dose matrix (vectorised over matrices).

    Parameters
    ----------
    data : DataFrame
        One row per well: both doses, the response (viability) and grouping columns.
    dose1, dose2, response : str
        Column names.
    by : str or list of str, optional
        Columns identifying a matrix (combination, cell line, plate...).
    methods : sequence of {"bliss", "hsa", "loewe", "zip"}
        ``loewe`` gives the Loewe excess and the combination index ``loewe_ci``.
    scale : {"percent", "fraction"}
        Response unit: percent of vehicle (100 = no effect) or fraction (1 = no effect).
    n_boot : int
        Bootstrap resamples of replicate wells for the summary intervals (0: none).
    seed : int or Generator
        Seeds the bootstrap.
    level : float
        Confidence level of the bootstrap intervals, in (0, 1).
    reference : {"fit", "observed"}
        Single-agent effects of the Bliss and HSA references: the monotherapy Hill fits
        (default) or the observed monotherapy wells at the same doses (replicates
        averaged; SynergyFinder's and the ``synergy`` package's default). Loewe and ZIP
        always use the fits. The summary's ``reference`` column says which was used.

    Returns
    -------
    SynergyResult
        ``cells`` (per dose pair: response, reference and score per method),
        ``summary`` (per matrix and method: mean, most synergistic area, intervals,
        ``n_cells`` (the combination cells the summaries are over: for ``loewe_ci`` only
        those where the index is defined, also said in ``note``), unit, converged),
        ``monotherapy`` (Hill fits).
    """
    methods = check_synergy_options(methods, scale, n_boot, level, METHODS, reference)
    by_cols = [by] if isinstance(by, str) else list(by or [])
    require_numeric(
        data, [dose1, dose2, response], by_cols, source=source, nonnegative=[dose1, dose2]
    )
    df = data.copy()
    df[response] = df[response].astype(float)
    veh = df[(df[dose1].astype(float) == 0) & (df[dose2].astype(float) == 0)]
    for _, part in veh.groupby(by_cols) if by_cols else [(None, veh)]:
        check_vehicle_scale(float(part[response].mean()), scale, source=source, column=response)
    df[response] = df[response] / (100.0 if scale == "percent" else 1.0)
    rng = np.random.default_rng(seed)
    cells, summ, mono = [], [], []
    keys = by_cols or ["_matrix"]
    for cell_idx, d1, d2, e, vals, counts in build_matrices(
        df, dose1, dose2, response, by_cols, source
    ).values():
        out, p1, p2, (c1, c2), note = _scores(e, d1, d2, methods, reference)
        conv = c1 & c2
        boot = (
            _bootstrap(vals, counts, methods, n_boot, rng, d1, d2, level, reference, out)
            if n_boot
            else {}
        )
        cell = cell_idx.assign(response_pct=100 * e.reshape(-1))
        for k, v in out.items():
            cell[k] = v.reshape(-1)
        cells.append(cell)
        mkeys = cell_idx[keys].iloc[:: e.shape[1] * e.shape[2]].reset_index(drop=True)
        for drug, p, c in (("drug1", p1, c1), ("drug2", p2, c2)):
            mono.append(
                mkeys.assign(
                    drug=drug,
                    E0_pct=100 * p[:, 1],
                    Emax_pct=100 * p[:, 0],
                    ic50=10 ** p[:, 2],
                    hill=p[:, 3],
                    converged=c,
                )
            )
        for m in [m for m in ("bliss", "hsa", "loewe", "loewe_ci", "zip") if m in out]:
            mean, msa = _summ(out[m], m)
            n_used, n_all = _n_cells(out[m], m)
            text = note["loewe" if m == "loewe_ci" else m]
            if m == "loewe_ci":
                text = _ci_note(text, n_used, n_all)
            part = mkeys.assign(
                method=m,
                mean=mean,
                msa=msa,
                n_cells=n_used,
                unit=UNITS[m],
                reference=reference if m in ("bliss", "hsa") else "fit",
                converged=conv,
                note=text,
            )
            for k, v in boot.get(m, {}).items():
                part[k] = v
            summ.append(part)
    drop = [] if by_cols else ["_matrix"]
    order = [*by_cols, "method"]
    summary = pd.concat(summ, ignore_index=True).drop(columns=drop)
    summary = summary.sort_values(order, kind="stable").reset_index(drop=True)
    return SynergyResult(
        pd.concat(cells, ignore_index=True).drop(columns=drop),
        summary,
        pd.concat(mono, ignore_index=True).drop(columns=drop),
        (dose1, dose2),
        by_cols,
    )


def _bootstrap(vals, counts, methods, n_boot, rng, d1, d2, level, reference, point):
    """Resample replicate wells within each cell; all resamples are scored as one batch.

    Each resample is summarised over the cells where the point estimate (``point``, the
    scores of the data) is defined, never over whichever cells happen to be defined in
    it; where the point summary is NaN (e.g. a CI defined in no cell) so is its interval.
    """
    b, ncell, rmax = vals.shape
    draw = np.floor(rng.random((n_boot, b, ncell, rmax)) * counts[None, :, :, None])
    valid = np.arange(rmax) < counts[:, :, None]
    picked = np.take_along_axis(np.broadcast_to(vals, draw.shape), draw.astype(int), axis=3)
    e = ((picked * valid).sum(3) / counts).reshape(n_boot * b, d1.shape[1], d2.shape[1])
    one_rep = (counts < 2).all(1)
    out, *_ = _scores(e, np.tile(d1, (n_boot, 1)), np.tile(d2, (n_boot, 1)), methods, reference)
    q = [(1 - level) / 2, (1 + level) / 2]
    nan = np.where(one_rep, np.nan, 1.0)
    res = {}
    for m, v in out.items():
        if m.endswith("_ref"):
            continue
        pt = point[m]
        defined = (np.isfinite(pt) & (pt > 0)) if m == "loewe_ci" else np.isfinite(pt)
        v = np.where(np.tile(defined, (n_boot, 1, 1)), v, np.nan)
        mean, msa = (a.reshape(n_boot, b) for a in _summ(v, m))
        p_mean, p_msa = (np.where(np.isfinite(a), 1.0, np.nan) for a in _summ(pt, m))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lo_m, hi_m = np.nanquantile(mean, q, axis=0)
            lo_a, hi_a = np.nanquantile(msa, q, axis=0)
        res[m] = {
            "mean_ci_low": lo_m * nan * p_mean,
            "mean_ci_high": hi_m * nan * p_mean,
            "msa_ci_low": lo_a * nan * p_msa,
            "msa_ci_high": hi_a * nan * p_msa,
        }
    return res
