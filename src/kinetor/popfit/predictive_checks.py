"""Visual predictive checks from a population fit (plain and prediction-corrected).

``n`` replicates of the data set's design are simulated from the final estimates
(between-subject and residual variability). Observations and simulations are binned on
time; in each bin the observed 5th/50th/95th percentiles are compared with the median and
the ``ci`` interval over replicates of the same percentiles of the simulations. The
prediction-corrected VPC (Bergstrand et al. 2011, doi:10.1208/s12248-011-9255-z) scales
every value by :math:`PRED_{bin}/PRED_{ij}` (median PRED of the bin over the population
prediction of the sample), removing the spread that comes from dose and covariates.
BLQ samples are left out of the observed percentiles; simulated values are not censored.

Examples
--------
>>> import numpy as np
>>> bin_edges(np.array([0.5, 1, 1, 2, 4, 8, 8, 24.0]), 3).round(2).tolist()
[0.5, 1.0, 8.0, 24.0]
"""

from __future__ import annotations

from dataclasses import dataclass

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
        Per bin: ``bin, time_low, time_high, time_mid, n_obs`` and for each quantile
        ``q`` (5, 50, 95): ``obs_q``, ``sim_q`` (median over replicates), ``sim_q_low``,
        ``sim_q_high`` (the ``ci`` interval).
    observed : DataFrame
        ``subject, time, dv`` (prediction-corrected when ``pred_corr``).
    pred_corr : bool
    n_sim : int
    """

    table: pd.DataFrame
    observed: pd.DataFrame
    pred_corr: bool
    n_sim: int
    quantiles: tuple[float, ...]
    ci: float
    units: dict


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
        Number of quantile bins of time, or the bin edges.
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
    valid = d.obs & ~d.blq
    ysim, _ = simulate_fit(fit, n, seed)
    t = d.t[valid]
    edges = bin_edges(t, int(bins)) if np.ndim(bins) == 0 else np.asarray(bins, float)
    if edges.size < 2 or np.any(np.diff(edges) <= 0):
        raise ModelError(f"bins {edges.tolist()}: need increasing edges")
    b = np.clip(np.searchsorted(edges, t, side="right") - 1, 0, edges.size - 2)
    B = edges.size - 1
    yobs = d.dv[valid]
    ys = ysim[:, valid]  # (n, N)
    if pred_corr:
        mu, beta, _, _ = fit.design.unpack(fit.x_)
        pred = fit.design.f(fit.design.typical_log(mu, beta))[valid]
        med = np.array([np.median(pred[b == k]) if (b == k).any() else np.nan for k in range(B)])
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = np.where(pred > 0, med[b] / pred, 1.0)
        yobs = yobs * scale
        ys = ys * scale[None]
    order = np.argsort(b, kind="stable")
    counts = np.bincount(b, minlength=B)
    C = int(counts.max())
    slot = np.empty(b.size, int)
    slot[order] = np.arange(b.size) - np.repeat(np.cumsum(counts) - counts, counts)
    obs_pad = np.full((B, C), np.nan)
    obs_pad[b, slot] = yobs
    sim_pad = np.full((n, B, C), np.nan)
    sim_pad[:, b, slot] = ys
    qs = np.asarray(quantiles, float)
    rows = {
        "bin": np.arange(B),
        "time_low": edges[:-1],
        "time_high": edges[1:],
        "time_mid": np.array([np.median(t[b == k]) if counts[k] else np.nan for k in range(B)]),
        "n_obs": counts,
    }
    keep = counts > 0
    with np.errstate(all="ignore"):
        obs_q = np.nanquantile(obs_pad[keep], qs, axis=1)  # (Q, B')
        sim_q = np.nanquantile(sim_pad[:, keep], qs, axis=2)  # (Q, n, B')
    lo_hi = [(1 - ci) / 2, 1 - (1 - ci) / 2]
    for i, q in enumerate(qs):
        tag = f"{100 * q:g}"
        full = np.full(B, np.nan)
        full[keep] = obs_q[i]
        rows[f"obs_{tag}"] = full.copy()
        for name, val in (
            ("sim", np.median(sim_q[i], axis=0)),
            ("sim_low", np.quantile(sim_q[i], lo_hi[0], axis=0)),
            ("sim_high", np.quantile(sim_q[i], lo_hi[1], axis=0)),
        ):
            full = np.full(B, np.nan)
            full[keep] = val
            key = f"sim_{tag}" if name == "sim" else f"sim_{tag}_{name.split('_')[1]}"
            rows[key] = full
    observed = pd.DataFrame(
        {
            "subject": np.broadcast_to(d.subjects[:, None], d.t.shape)[valid],
            "time": t,
            "dv": yobs,
            "bin": b,
        }
    )
    return VPCResult(pd.DataFrame(rows), observed, pred_corr, n, tuple(qs), ci, d.units)
