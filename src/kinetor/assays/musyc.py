"""MuSyC: synergy of potency (alpha), efficacy (beta) and cooperativity (gamma).

Meyer CT et al. (2019) Cell Syst 8:97, doi:10.1016/j.cels.2019.01.003; with gamma,
Wooten DJ et al. (2021) Nat Commun 12:4607, doi:10.1038/s41467-021-24789-z. The 2-D Hill
surface is fitted per matrix by the reference implementation of those authors (the
``synergy`` package, ``synergy.combination.MuSyC``; a non-linear 12-parameter fit, one
matrix at a time), and kinetor adds seeded bootstrap intervals, per-cell scores and the
sign conventions used elsewhere in :mod:`kinetor.assays`:

- ``alpha12 > 1``: drug 1 raises the potency of drug 2 (synergy); ``< 1`` antagonism;
- ``gamma12 > 1``: drug 1 raises the cooperativity of drug 2;
- ``beta > 0``: the combination is more efficacious than the better drug alone,
  ``beta = (min(E1, E2) - E3) / (E0 - min(E1, E2))``;
- per cell, ``musyc = 100 x (reference - fitted)``, the reference being the MuSyC surface
  with alpha = gamma = 1 and E3 = min(E1, E2) (positive = synergy, percentage points);
- the surface is fitted from several starts and the lowest sum of squares kept
  (:mod:`kinetor.assays._musyc_starts`); a parameter the data do not determine keeps the
  best fit's value with ``converged = False`` and the reason in ``note``: equally good
  fits disagree on it (from other starts, or with an alpha or gamma held at 1e-6 or
  1e6), an alpha or gamma ran to the edge (at or beyond [1e-6, 1e6]), or the fit does
  not change with it (a singular Jacobian);
- a drug with no detectable effect of its own (F-test of its monotherapy wells against
  one mean, p > 0.05, with the error SD of the replicate wells or, without replicates,
  of the best fit) leaves its E, h, C and all four alpha and gamma not identifiable
  (and beta where it uses that drug's plateau): they are reported as NaN with
  ``converged = False`` and the reason in ``note``, not as the package's starting values.

Examples
--------
>>> "alpha12" in PARAMETERS and "beta" in PARAMETERS
True
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special, stats

from kinetor.assays._musyc_starts import best_fit, package_fit
from kinetor.assays._tidy import require_numeric
from kinetor.errors import DataError, Problem

PARAMETERS = (
    "E0",
    "E1",
    "E2",
    "E3",
    "h1",
    "h2",
    "C1",
    "C2",
    "alpha12",
    "alpha21",
    "gamma12",
    "gamma21",
    "beta",
)

__all__ = ["PARAMETERS", "fit_musyc"]

#: Largest fraction of failed bootstrap refits for which intervals are still given.
MAX_FAILED = 0.2
#: A drug whose monotherapy wells differ from the vehicle with F-test p above this has no
#: detectable effect of its own (the threshold of the dose-response ``flat`` status).
INACTIVE_P = 0.05


def _resid_sd(model, d1, d2, e) -> float:
    """Residual SD of a fit (12 parameters)."""
    return float(np.sqrt(np.sum((e - _surface(model, d1, d2)) ** 2) / max(e.size - 12, 1)))


def _surface(model, d1, d2, reference: bool = False):
    """The fitted (or reference) surface at the dose pairs; a fit that ran to extreme
    parameters (an undetermined alpha or gamma of 1e-40) overflows quietly inside it.

    The reference (alpha = gamma = 1, E3 = min(E1, E2)) is computed from its closed form:
    with no potency or cooperativity shift the fractions occupied by the two drugs are
    independent Hill fractions :math:`x_i = 1 / (1 + (C_i/d_i)^{h_i})`, so
    :math:`E = E_0 (1-x_1)(1-x_2) + E_1 x_1 (1-x_2) + E_2 (1-x_1) x_2 + E_3 x_1 x_2`. The
    package's general formula overflows there for Hill slopes of ~100 (an inactive drug's
    step) and returns NaN."""
    if not reference:
        with np.errstate(all="ignore"):
            return model.E(d1, d2)
    x1, x2 = (
        np.where(d > 0, special.expit(h * (np.log(np.where(d > 0, d, 1.0)) - np.log(c))), 0.0)
        for d, h, c in ((d1, model.h1, model.C1), (d2, model.h2, model.C2))
    )
    e3 = min(model.E1, model.E2)
    return (
        model.E0 * (1 - x1) * (1 - x2)
        + model.E1 * x1 * (1 - x2)
        + model.E2 * (1 - x1) * x2
        + e3 * x1 * x2
    )


def _error_sd(model, d1, d2, e) -> tuple[float, int]:
    """(error SD, its df): pure error of the replicate wells (pooled within dose pairs)
    where any dose pair has two or more wells, else the best fit's residual SD (n - 12);
    the latter also holds lack of fit."""
    pair = np.unique(np.column_stack([d1, d2]), axis=0, return_inverse=True)[1].ravel()
    n_k = np.bincount(pair)
    df = e.size - n_k.size
    if df > 0:
        ss = float(((e - (np.bincount(pair, e) / n_k)[pair]) ** 2).sum())
        return float(np.sqrt(ss / df)), df
    return _resid_sd(model, d1, d2, e), max(e.size - 12, 1)


def _flat_p(own, other, e, sd: float, df: int) -> float:
    """F-test p that the monotherapy wells of a drug (``other == 0``, vehicle included)
    share one mean, against the error SD ``sd`` on ``df`` degrees of freedom."""
    sel = other == 0
    doses, inv = np.unique(own[sel], return_inverse=True)
    n_k = np.bincount(inv)
    means = np.bincount(inv, e[sel]) / n_k
    ss = float((n_k * (means - e[sel].mean()) ** 2).sum())
    if doses.size < 2 or ss == 0:
        return 1.0
    if sd == 0:
        return 0.0
    f = ss / (doses.size - 1) / sd**2
    return float(stats.f.sf(f, doses.size - 1, df))


def _not_identifiable(pars: dict, d1, d2, e, sd: float, df: int) -> dict[str, str]:
    """Parameters the data cannot determine, with the reason. A drug with no detectable
    effect of its own (its monotherapy wells no different from the vehicle) shows its
    potency, Hill slope and plateau only through the other drug, so these and the potency
    and cooperativity shifts (alpha, gamma, both directions) are not identifiable: the
    ``synergy`` package then returns its starting values (alpha = gamma = 1) as converged,
    or values that change by orders of magnitude from one noise draw to the next. Beta
    goes with them where it is computed from that drug's plateau (``min(E1, E2)``)."""
    out: dict[str, str] = {}
    for i, own, other in ((1, d1, d2), (2, d2, d1)):
        p = _flat_p(own, other, e, sd, df)
        if p > INACTIVE_P:
            why = (
                f"not identifiable: drug {i} alone has no detectable effect (monotherapy "
                f"wells vs vehicle: F-test p = {p:.2g}), so its potency, slope and plateau "
                "and the alpha and gamma shifts cannot be told apart; test doses where it acts"
            )
            names = [f"E{i}", f"h{i}", f"C{i}", "alpha12", "alpha21", "gamma12", "gamma21"]
            if pars[f"E{i}"] <= pars[f"E{3 - i}"]:  # beta = f(min(E1, E2)) uses E_i
                names.append("beta")
            for name in names:
                out.setdefault(name, why)
    return out


def fit_musyc(
    data: pd.DataFrame,
    *,
    dose1: str,
    dose2: str,
    response: str,
    by: str | Sequence[str] | None = None,
    scale: Literal["percent", "fraction"] = "percent",
    n_boot: int = 0,
    seed: int | np.random.Generator | None = None,
    level: float = 0.95,
    source: str = "<DataFrame>",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit MuSyC to every dose matrix.

    Parameters
    ----------
    data : DataFrame
        One row per well (replicates allowed).
    dose1, dose2, response, by, scale
        As in :func:`kinetor.assays.synergy`.
    n_boot : int
        Bootstrap refits for the intervals: replicate wells are resampled within each
        dose pair (or, without replicates, normal residuals with the fit's SD are added).
        Refits that fail (the ``synergy`` package gives up, or does not converge) are
        left out and counted (``n_boot_failed``); the percentile intervals are taken over
        the others, and not given (NaN, with the reason in ``note``) when more than 20 %
        fail, because the refits that worked would then understate the spread. Each
        refit is the package's fit from its own start only (the several starts and
        checks of the point estimate take about 0.6 s on a 7 x 7 matrix, the package's
        fit typically 0.05 s); a refit ending at a local optimum widens the intervals
        rather than narrowing them.
    seed : int or Generator
        Seeds the bootstrap.

    Returns
    -------
    parameters : DataFrame
        Per matrix and parameter: ``estimate, ci_low, ci_high, converged,
        n_boot_failed, note`` (why a fit failed; which parameters are not identifiable
        and why, those NaN with ``converged = False``; which ones the data do not
        determine and why, those with the best fit's value and ``converged = False``;
        how the intervals were made); the rows
        ``musyc_mean`` and ``musyc_msa`` summarise the per-cell scores (mean over
        combination cells, most synergistic 3 x 3 area).
    cells : DataFrame
        Per dose pair: ``fitted_pct, reference_pct, musyc`` (percentage points).
    """
    by_cols = [by] if isinstance(by, str) else list(by or [])
    require_numeric(
        data, [dose1, dose2, response], by_cols, source=source, nonnegative=[dose1, dose2]
    )
    rng = np.random.default_rng(seed)
    div = 100.0 if scale == "percent" else 1.0
    groups = data.groupby(by_cols, sort=True) if by_cols else [((), data)]
    params, cells = [], []
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        keyd = dict(zip(by_cols, key, strict=True))
        d1 = g[dose1].to_numpy(float)
        d2 = g[dose2].to_numpy(float)
        e = g[response].to_numpy(float) / div
        if not ((d1 == 0) & (d2 == 0)).any() or not (d1 == 0).any() or not (d2 == 0).any():
            raise DataError(
                Problem(
                    f"{keyd or 'the matrix'}: MuSyC needs monotherapy and vehicle wells",
                    file=source,
                    column=dose1,
                    fix="include dose-0 rows of each drug",
                )
            )
        n_pairs = len(set(zip(d1, d2, strict=True)))
        if n_pairs != np.unique(d1).size * np.unique(d2).size:
            raise DataError(
                Problem(
                    f"{keyd or 'the matrix'}: "
                    f"{np.unique(d1).size * np.unique(d2).size - n_pairs} dose "
                    "pairs have no well",
                    file=source,
                    fix="every dose pair must be measured",
                )
            )
        pars, model, unsettled = best_fit(d1, d2, e)
        unident = _not_identifiable(pars, d1, d2, e, *_error_sd(model, d1, d2, e)) if pars else {}
        if pars is None:
            params += [
                {
                    **keyd,
                    "parameter": p,
                    "estimate": np.nan,
                    "ci_low": np.nan,
                    "ci_high": np.nan,
                    "converged": False,
                    "n_boot_failed": 0,
                    "note": f"MuSyC {model}",
                }
                for p in PARAMETERS
            ]
            continue
        u = pd.DataFrame({dose1: d1, dose2: d2}).drop_duplicates().sort_values([dose1, dose2])
        u1, u2 = u[dose1].to_numpy(), u[dose2].to_numpy()
        boot = _bootstrap(model, d1, d2, e, n_boot, rng, u1, u2) if n_boot else None
        n_failed, note = _boot_note(boot, n_boot, level)
        if n_failed > MAX_FAILED * n_boot:
            boot = None  # intervals over the easy resamples only would be too narrow
        q = [(1 - level) / 2, (1 + level) / 2]
        score = _scores(model, u1, u2)
        est = {**pars, "musyc_mean": score[0], "musyc_msa": score[1]}
        for j, p in enumerate([*PARAMETERS, "musyc_mean", "musyc_msa"]):
            lo, hi = (
                np.nanquantile(boot[:, j], q)
                if boot is not None and np.isfinite(boot[:, j]).sum() >= 2
                else (np.nan, np.nan)
            )
            no = p in unident  # reported as not identifiable, not as the package's value
            why = unident.get(p) or unsettled.get(p, "")
            params.append(
                {
                    **keyd,
                    "parameter": p,
                    "estimate": np.nan if no else est[p],
                    "ci_low": np.nan if no else lo,
                    "ci_high": np.nan if no else hi,
                    "converged": not why,
                    "n_boot_failed": n_failed,
                    "note": "; ".join(t for t in (why, note) if t),
                }
            )
        fitted, refv = _surface(model, u1, u2), _surface(model, u1, u2, reference=True)
        cells.append(
            u.assign(
                **keyd,
                fitted_pct=100 * fitted,
                reference_pct=100 * refv,
                musyc=100 * (refv - fitted),
            )
        )
    cell_frame = pd.concat(cells, ignore_index=True) if cells else pd.DataFrame()
    return pd.DataFrame(params), cell_frame


def _boot_note(boot, n_boot: int, level: float) -> tuple[int, str]:
    """Failed bootstrap refits and how the intervals were made of the others."""
    if boot is None:
        return 0, ""
    n_failed = int((~np.isfinite(boot).any(axis=1)).sum())
    pct = f"{100 * level:g} %"
    if n_failed > MAX_FAILED * n_boot:
        return n_failed, (
            f"no intervals: {n_failed} of {n_boot} bootstrap refits failed (more than "
            f"{100 * MAX_FAILED:g} %), so the refits that worked are not a fair sample; "
            "add replicate wells or doses around the IC50s"
        )
    return n_failed, (
        f"{pct} percentile intervals over the {n_boot - n_failed} of {n_boot} bootstrap"
        " refits that converged" + (f" ({n_failed} failed and left out)" if n_failed else "")
    )


def _scores(model, u1, u2):
    """Mean of the per-cell MuSyC score over combination cells and the most synergistic
    3 x 3 area (as for the other methods), percentage points."""
    from kinetor.assays.synergy_scores import _msa

    s = 100 * (_surface(model, u1, u2, reference=True) - _surface(model, u1, u2))
    n1, n2 = np.unique(u1).size, np.unique(u2).size
    grid = s.reshape(1, n1, n2)
    return float(grid[0, 1:, 1:].mean()), float(_msa(grid)[0])


def _bootstrap(model, d1, d2, e, n_boot, rng, u1, u2):
    """Refit on resampled data; returns (n_boot, n_parameters + 2 summaries), NaN for
    failed refits."""
    pairs = pd.DataFrame({"a": d1, "b": d2}).groupby(["a", "b"]).indices
    replicated = any(len(ix) > 1 for ix in pairs.values())
    sd = _resid_sd(model, d1, d2, e)
    out = np.full((n_boot, len(PARAMETERS) + 2), np.nan)
    for b in range(n_boot):  # each refit is a 12-parameter non-linear fit
        if replicated:
            idx = np.concatenate([rng.choice(ix, size=len(ix)) for ix in pairs.values()])
            dd1, dd2, ee = d1[idx], d2[idx], e[idx]
        else:
            dd1, dd2 = d1, d2
            ee = _surface(model, d1, d2) + rng.normal(0.0, sd, e.size)
        pars, m = package_fit(dd1, dd2, ee)  # the package's start (see fit_musyc)
        if pars is not None:
            out[b] = [*(pars[p] for p in PARAMETERS), *_scores(m, u1, u2)]
    return out
