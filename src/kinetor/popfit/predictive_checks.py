"""Visual predictive checks from a population fit (plain and prediction-corrected).

``n`` replicates of the data set's design are simulated from the final estimates
(between-subject and residual variability). Observations and simulations are binned on
time; in each bin the observed 5th/50th/95th percentiles are compared with the median and
the ``ci`` interval over replicates of the same percentiles of the simulations. The
prediction-corrected VPC (Bergstrand et al. 2011, doi:10.1208/s12248-011-9255-z) scales
every value by :math:`PRED_{bin}/PRED_{ij}` (median PRED of the bin over the population
prediction of the sample), removing the spread that comes from dose and covariates;
samples whose population prediction is 0 (before the first dose reaches the sampling
compartment) cannot be corrected and are left out of it, with a note.

Samples below the LLOQ follow Bergstrand & Karlsson (2009, doi:10.1208/s12248-009-9112-5):
simulated values are censored exactly as the observations were, each below its sample's
LLOQ, and the percentiles are those of the censored distributions (censored values rank
below every quantified one). A percentile whose rank falls among the censored values is
not a concentration: it is reported as NaN with the flag ``<column>_blq``. The observed
fraction of BLQ samples per bin is given with the median and interval of the simulated
fractions.

Examples
--------
>>> import numpy as np
>>> bin_edges(np.array([0.5, 1, 1, 2, 4, 8, 8, 24.0]), 3).round(2).tolist()
[0.5, 1.0, 8.0, 24.0]
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from kinetor.errors import ModelError

__all__ = ["VPCResult", "bin_edges", "simulate_fit", "vpc"]


@dataclass
class VPCResult:
    """Binned observed and simulated percentiles.

    Attributes
    ----------
    table : DataFrame
        Per bin: ``bin, time_low, time_high, time_mid, n_obs`` (samples, BLQ included),
        ``n_blq``, ``lloq`` (median LLOQ of the bin's samples, prediction-corrected with
        ``pred_corr``), ``obs_blq_frac``, ``sim_blq_frac`` (median over replicates),
        ``sim_blq_frac_low``, ``sim_blq_frac_high``; for each quantile ``q`` (5, 50, 95):
        ``obs_q``, ``sim_q`` (median over replicates), ``sim_q_low``, ``sim_q_high`` (the
        ``ci`` interval), NaN where the percentile is below the LLOQ, and the flags
        ``obs_q_blq``, ``sim_q_blq``, ``sim_q_low_blq``, ``sim_q_high_blq`` that say so.
    observed : DataFrame
        ``subject, time, dv, blq, bin`` (``dv`` prediction-corrected when ``pred_corr``;
        NaN for BLQ samples).
    pred_corr : bool
    n_sim : int
    notes : list of str
        Samples left out (prediction 0 in a prediction-corrected VPC).
    """

    table: pd.DataFrame
    observed: pd.DataFrame
    pred_corr: bool
    n_sim: int
    quantiles: tuple[float, ...]
    ci: float
    units: dict
    notes: list = field(default_factory=list)


def bin_edges(times: np.ndarray, n_bins: int) -> np.ndarray:
    """Edges at quantiles of the observed times (ties merged), covering all times."""
    times = np.asarray(times, float)
    edges = np.unique(np.quantile(times, np.linspace(0, 1, n_bins + 1), method="nearest"))
    return edges


def simulate_fit(fit, n: int = 100, seed=0) -> tuple[np.ndarray, np.ndarray]:
    """Simulated observations ``(n, S, T)`` of the fitted design and its mask ``(S, T)``
    (with inter-occasion variability, ``S`` individuals, their occasions side by side)."""
    from kinetor.popfit._report import simulate_design

    rng = np.random.default_rng(seed)
    y, _ = simulate_design(fit.design, fit.x_, n, rng)
    return y, fit.design.data.obs


def _cens_quantile(a: np.ndarray, qs: np.ndarray, axis: int):
    """Quantiles ``(Q, ...)`` of ``a`` along ``axis`` (NaN = no value, -inf = censored
    below the LLOQ) by linear interpolation, and where they fall among the censored
    values: the lower order statistic of the interpolation is censored (then NaN)."""
    valid = ~np.isnan(a)
    n_c = np.isneginf(a).sum(axis)
    n_v = valid.sum(axis)
    filled = np.where(np.isneginf(a), -np.finfo(float).max, a)
    shape = (-1,) + (1,) * n_v.ndim
    with np.errstate(all="ignore"):
        q = np.nanquantile(filled, qs, axis=axis)
    below = np.floor((n_v[None] - 1) * qs.reshape(shape)) < n_c[None]
    return np.where(below, np.nan, q), below


def vpc(
    fit,
    n: int = 1000,
    bins: int | np.ndarray = 6,
    pred_corr: bool = False,
    quantiles=(0.05, 0.5, 0.95),
    ci: float = 0.95,
    seed=0,
) -> VPCResult:
    """Visual predictive check of a ``PopFitResult``.

    Parameters
    ----------
    fit : PopFitResult
    n : int
        Number of simulated replicates of the data set.
    bins : int or array
        Number of quantile bins of time (of all samples, BLQ included), or the bin edges.
    pred_corr : bool
        Prediction-corrected VPC.
    quantiles : tuple of float
    ci : float
        Width of the interval around each simulated percentile.
    seed : int or Generator

    Returns
    -------
    VPCResult
    """
    if n < 20:
        raise ModelError(f"n={n}: a VPC needs at least 20 replicates")
    d = fit.design.data  # one row per individual (its occasions side by side with IOV)
    valid = d.obs
    ysim, _ = simulate_fit(fit, n, seed)
    t = d.t[valid]
    edges = bin_edges(t, int(bins)) if np.ndim(bins) == 0 else np.asarray(bins, float)
    if edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ModelError(f"bins {edges.tolist()}: need increasing edges")
    b = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, edges.size - 2)
    B = edges.size - 1
    blq = d.blq[valid]
    lloq = d.lloq[valid]
    # censoring: observations as read, simulations below their sample's LLOQ
    yobs = np.where(blq, -np.inf, d.dv[valid])
    ys = ysim[:, valid]  # (n, N)
    with np.errstate(invalid="ignore"):
        cens = ys < lloq[None]  # no LLOQ (NaN): never censored
    ys = np.where(cens, -np.inf, ys)
    notes: list[str] = []
    use = np.ones(t.size, bool)
    if pred_corr:
        mu, beta, _, _ = fit.design.unpack(fit.x_)
        pred = fit.design.f(fit.design.typical_log(mu, beta))[valid]
        use = pred > 0
        if not use.all():
            notes.append(
                f"{int((~use).sum())} sample(s) with a population prediction of 0 (before "
                "the first dose reaches the sampling compartment) left out of the "
                "prediction-corrected VPC: PRED_bin/PRED cannot scale them"
            )
        med = np.array(
            [
                np.median(pred[use & (b == k)]) if (use & (b == k)).any() else np.nan
                for k in range(B)
            ]
        )
        scale = np.where(use, med[b] / np.where(use, pred, 1.0), np.nan)
        yobs, ys, lloq = yobs * scale, ys * scale[None], lloq * scale
    t, b, yobs, ys, blq, lloq, cens = (
        t[use],
        b[use],
        yobs[use],
        ys[:, use],
        blq[use],
        lloq[use],
        cens[:, use],
    )
    order = np.argsort(b, kind="stable")
    counts = np.bincount(b, minlength=B)
    C = int(max(counts.max(), 1))
    slot = np.empty(b.size, int)
    slot[order] = np.arange(b.size) - np.repeat(np.cumsum(counts) - counts, counts)
    obs_pad = np.full((B, C), np.nan)
    obs_pad[b, slot] = yobs
    sim_pad = np.full((n, B, C), np.nan)
    sim_pad[:, b, slot] = ys
    qs = np.asarray(quantiles, float)
    keep = counts > 0
    n_blq = np.bincount(b, weights=blq, minlength=B).astype(int)
    # fraction of each replicate's samples censored, per bin: (n, B')
    sim_frac = np.stack(
        [cens[:, b == k].mean(1) for k in np.flatnonzero(keep)] or [cens[:, :0].sum(1)], 1
    )
    lo_hi = [(1 - ci) / 2, 1 - (1 - ci) / 2]

    def full(values, fill=np.nan):
        out = np.full(B, fill)
        out[keep] = values
        return out

    def bin_lloq(k):
        v = lloq[(b == k) & np.isfinite(lloq)]
        return float(np.median(v)) if v.size else np.nan

    rows = {
        "bin": np.arange(B),
        "time_low": edges[:-1],
        "time_high": edges[1:],
        "time_mid": np.array([np.median(t[b == k]) if counts[k] else np.nan for k in range(B)]),
        "n_obs": counts,
        "n_blq": n_blq,
        "lloq": np.array([bin_lloq(k) for k in range(B)]),
        "obs_blq_frac": full(n_blq[keep] / counts[keep]),
        "sim_blq_frac": full(np.median(sim_frac, axis=0)),
        "sim_blq_frac_low": full(np.quantile(sim_frac, lo_hi[0], axis=0)),
        "sim_blq_frac_high": full(np.quantile(sim_frac, lo_hi[1], axis=0)),
    }
    flags = {}
    obs_q, obs_b = _cens_quantile(obs_pad[keep], qs, axis=1)  # (Q, B')
    sim_q, sim_b = _cens_quantile(sim_pad[:, keep], qs, axis=2)  # (Q, n, B')
    sim_q = np.where(sim_b, -np.inf, sim_q)  # below the LLOQ ranks lowest over replicates
    summ = {
        "": _cens_quantile(sim_q, np.array([0.5]), axis=1),
        "_low": _cens_quantile(sim_q, np.array([lo_hi[0]]), axis=1),
        "_high": _cens_quantile(sim_q, np.array([lo_hi[1]]), axis=1),
    }
    for i, q in enumerate(qs):
        tag = f"{100 * q:g}"
        rows[f"obs_{tag}"] = full(obs_q[i])
        flags[f"obs_{tag}_blq"] = full(obs_b[i], fill=False)
        for suffix, (val, below) in summ.items():
            rows[f"sim_{tag}{suffix}"] = full(val[0, i])
            flags[f"sim_{tag}{suffix}_blq"] = full(below[0, i], fill=False)
    observed = pd.DataFrame(
        {
            "subject": np.broadcast_to(d.subjects[:, None], d.t.shape)[valid][use],
            "time": t,
            "dv": np.where(blq, np.nan, yobs),
            "blq": blq,
            "bin": b,
        }
    )
    table = pd.DataFrame({**rows, **flags})
    return VPCResult(table, observed, pred_corr, n, tuple(qs), ci, d.units, notes)
