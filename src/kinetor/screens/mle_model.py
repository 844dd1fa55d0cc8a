"""Design-matrix model: gene beta scores per condition (MAGeCK MLE-style).

Li et al. 2015, Genome Biol 16:281 (doi:10.1186/s13059-015-0843-6), eq. 1-3: the count of
guide :math:`i` of a gene in sample :math:`j` is negative binomial with

.. math::

    \\log \\mu_{ij} = \\log s_j + b_i + \\sum_{k \\ge 1} d_{jk} \\beta_k, \\qquad
    \\operatorname{Var} y_{ij} = \\mu_{ij} + \\alpha_{ij} \\mu_{ij}^2,

with :math:`s_j` the median-ratio size factor, :math:`b_i` a guide intercept (the
baseline column of the design), :math:`d_{jk}` the design matrix and :math:`\\beta_k` the
gene's selection in condition :math:`k` (negative = depleted). Fitted per gene by
iteratively reweighted least squares with MAGeCK's ridge term 0.01 on all coefficients;
genes with the same number of guides are fitted together (batched linear algebra, no
Python loop per gene). Dispersions come from a mean-variance trend fitted on the residuals
of a first pass with :math:`\\alpha = 0.01` (MAGeCK's two-pass scheme):
:math:`\\log(\\text{residual}^2) = a + c \\log \\mu` over guides, then
:math:`\\alpha(\\mu) = \\max(\\hat v(\\mu) - \\mu, 0.01\\mu) / \\mu^2`.

Standard errors follow MAGeCK's computation: :math:`A X^T W^2 X A` with
:math:`A = (X^T W X + 0.01 I)^{-1}`, scaled by the residual variance on the log scale
:math:`\\sum ((y - \\mu)/\\mu)^2 / v`, :math:`v = N - \\operatorname{tr}(2H - HH^T)`.

Guide efficiency (``efficiency=``, ``update_efficiency=True``): EM as in MAGeCK MLE (see
:func:`_irls`); permutation p-values and copy-number correction: :mod:`.mle_perm` (the
correction shifts the reported beta after every test, as MAGeCK: :mod:`._mle_cnv`).
Differences from MAGeCK MLE (docs/screens.md): a simpler dispersion trend, an E-step that
profiles the guide intercept, and permutation p-values ``(k + 1) / (N + 1)``. Without
permutations the ``p-value`` columns of :meth:`MLEResult.gene_summary` hold the Wald
p-values. Guides without reads carry no weight; a beta without reads behind it (a gene
without reads; none in a condition's samples nor in those they are compared with:
:func:`~._mle_design.informative`) is not fitted: NaN, ``converged`` False, a ``reason``.
A beta whose likelihood rises without limit (separation: e.g. no reads in any sample of
its condition) is -inf or +inf, ``converged`` False, tested by likelihood ratio
(:mod:`.mle_separation`).

Examples
--------
>>> import numpy as np, pandas as pd
>>> from kinetor.screens import CountTable
>>> rng = np.random.default_rng(0)
>>> base = rng.integers(200, 400, size=(8, 1)).astype(float)
>>> counts = np.hstack([base, base, base * 0.25, base])  # gene G0 depleted 4x in "drug"
>>> ct = CountTable(np.array([f"g{i}" for i in range(8)]), np.repeat(["G0", "G1"], 4),
...                 ["t0a", "t0b", "drugA", "ctlA"], counts)
>>> counts[4:, 2] = base[4:, 0]                        # G1 unchanged
>>> design = pd.DataFrame({"baseline": 1.0, "drug": [0, 0, 1, 0]},
...                       index=["t0a", "t0b", "drugA", "ctlA"])
>>> res = mle(ct, design)
>>> bool(res.genes.set_index("gene").loc["G0", "drug|beta"] < -1)
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special

from kinetor.errors import DataError, Problem
from kinetor.screens import mle_separation as sep
from kinetor.screens._mle_cnv import gene_columns
from kinetor.screens._mle_design import check_design, check_options, not_estimable, pinned
from kinetor.screens.io import CountTable
from kinetor.screens.normalize import size_factors

__all__ = ["MLEResult", "mle"]

_RIDGE = 0.01
_EM_Z = 2.0  # first-pass Wald |z| above which a gene's guide efficiencies are updated


@dataclass
class MLEResult:
    """Beta scores per gene and condition.

    Attributes
    ----------
    genes : pandas.DataFrame
        ``gene``, ``num``, then per condition ``COND|beta``, ``|se``, ``|z``,
        ``|p_neg``, ``|p_pos``, ``|p_twosided``, ``|fdr``, ``converged`` and ``reason``
        (why a beta is NaN or infinite, or why the fit did not converge; "" when neither;
        infinite betas: :mod:`.mle_separation`). With a copy-number correction ``|beta``
        is the corrected and ``|beta_uncorrected`` the fitted beta, which the z and
        p-values are computed from.
    conditions : list of str
        Non-baseline design columns.
    size_factors : dict
    dispersion_model : tuple of float
        ``(a, c)`` of the residual variance trend.
    converged : numpy.ndarray of bool
        Per gene, whether IRLS converged within the iteration limit, every beta estimable
        and finite.
    guides : pandas.DataFrame
        ``guide``, ``gene``, ``efficiency`` (probability that the guide is efficient;
        1 without EM).
    permutation_rounds : int
        Rounds behind the ``|p_perm*`` columns (0: none).
    """

    genes: pd.DataFrame
    conditions: list[str]
    size_factors: dict[str, float]
    dispersion_model: tuple[float, float]
    converged: np.ndarray
    guides: pd.DataFrame | None = None
    permutation_rounds: int = 0

    def gene_summary(self) -> pd.DataFrame:
        """MAGeCK MLE ``gene_summary`` columns: ``Gene``, ``sgRNA``, per condition ``beta``,
        ``z``, ``p-value``, ``fdr`` (permutation values when permutations were run, else
        Wald), ``wald-p-value``, ``wald-fdr``."""
        out = {"Gene": self.genes["gene"], "sgRNA": self.genes["num"]}
        perm = self.permutation_rounds > 0
        for c in self.conditions:
            out[f"{c}|beta"] = self.genes[f"{c}|beta"]
            out[f"{c}|z"] = self.genes[f"{c}|z"]
            out[f"{c}|p-value"] = self.genes[f"{c}|p_perm" if perm else f"{c}|p_twosided"]
            out[f"{c}|fdr"] = self.genes[f"{c}|fdr_perm" if perm else f"{c}|fdr"]
            out[f"{c}|wald-p-value"] = self.genes[f"{c}|p_twosided"]
            out[f"{c}|wald-fdr"] = self.genes[f"{c}|fdr"]
        return pd.DataFrame(out)


def _nb_logpmf(y, mu, alpha):
    r = 1.0 / alpha
    return (
        special.gammaln(y + r)
        - special.gammaln(r)
        - special.gammaln(y + 1.0)
        + r * np.log(r / (r + mu))
        + y * np.log(mu / (r + mu))
    )


def _settled(new, old, tol):  # the betas, and the guide intercepts, each by relative change
    return ((new - old) ** 2).sum(axis=1) < tol * np.maximum((new**2).sum(axis=1), 1e-9)


def _irls(
    y: np.ndarray,
    logs: np.ndarray,
    d: np.ndarray,
    alpha_fn,
    n_iter: int = 100,
    tol: float = 1e-9,
    eff: np.ndarray | None = None,
    update_eff: bool = False,
    hold: np.ndarray | None = None,
):
    """Batched IRLS. ``y``: (G, n, S) counts; ``logs``: (S,); ``d``: (S, K) conditions.

    With ``eff`` (G, n: probability that each guide is efficient) the likelihood is the EM
    expected log-likelihood: every sample with a non-zero design row enters twice, once
    with the gene's betas (prior weight ``eff``) and once without (``1 - eff``); both
    floored at 0.01 as in MAGeCK. ``update_eff`` runs the E-step at every iteration:
    ``eff_i = 1 / (1 + exp(l0_i - l1_i))``, ``l1`` the guide's NB log-likelihood over all
    its samples under the current fit, ``l0`` under no effect with its own intercept
    (``b_i = log(sum_j y_ij / sum_j s_j)``). MAGeCK instead takes ``min_j (l0_ij - l1_ij)``
    over the non-baseline samples with the intercept of the efficient fit, which can lock
    an inert guide in as efficient (its intercept then splits the difference between the
    baseline and treated counts). ``hold`` (K,): betas held at 0 (a likelihood-ratio null).
    Returns (beta, se, mu, converged, eff).
    """
    g, n, s = y.shape
    k = d.shape[1]
    sel = np.flatnonzero(np.abs(d).sum(axis=1) > 0)
    y0 = y
    live, free, keep, both, pin = pinned(y, d)  # guides without reads, betas without data
    if hold is not None:
        keep[:, n:] &= ~hold
        both, pin = keep[:, :, None] & keep[:, None, :], np.eye(n + k) * ~keep[:, :, None]
    # the guide's fit without any effect (for the E-step): b_i = log(sum y / sum s_j)
    mu0 = (y.sum(axis=2, keepdims=True) / np.exp(logs).sum()) * np.exp(logs)[None, None, :]
    mu0 = np.maximum(mu0, 1e-3)
    if eff is not None:  # augmented samples: the inefficient copies have a zero design row
        d = np.vstack([d, np.zeros((sel.size, k))])
        logs = np.concatenate([logs, logs[sel]])
        y = np.concatenate([y, y[:, :, sel]], axis=2)
        eff = np.clip(np.asarray(eff, dtype=float), 0.0, 1.0).copy()
    sa = d.shape[0]
    upd = np.broadcast_to(np.asarray(update_eff, dtype=bool), (g,))
    # X rows ordered (guide i, sample j): [one-hot guide i | d_j]
    x = np.zeros((n * sa, n + k))
    x[np.arange(n * sa), np.repeat(np.arange(n), sa)] = 1.0
    x[:, n:] = np.tile(d, (n, 1))
    yy = y.reshape(g, n * sa)
    off = np.tile(logs, n)[None, :]

    def prior():
        pw = np.ones((g, n, sa)) * live[:, :, None]
        if eff is not None:
            pw[:, :, sel] *= np.maximum(eff, 0.01)[:, :, None]
            pw[:, :, s:] *= np.maximum(1.0 - eff, 0.01)[:, :, None]
        return pw.reshape(g, n * sa)

    theta = np.zeros((g, n + k))
    theta[:, :n] = np.log(y[:, :, :s].mean(axis=2) + 1.0) - logs[:s].mean()
    ridge = _RIDGE * np.eye(n + k)
    converged = np.zeros(g, dtype=bool)
    for _ in range(n_iter):
        eta = off + theta @ x.T
        mu = np.exp(np.clip(eta, -30, 30))
        if upd.any() and eff is not None and sel.size:
            m3 = mu.reshape(g, n, sa)[:, :, :s]
            l1 = _nb_logpmf(y0, m3, alpha_fn(m3)).sum(axis=2)
            l0 = _nb_logpmf(y0, mu0, alpha_fn(mu0)).sum(axis=2)
            e_new = special.expit(np.clip(l1 - l0, -100.0, 100.0))
            eff = np.where(upd[:, None] & live, e_new, eff)
        w = prior() / (1.0 / mu + alpha_fn(mu))
        z = eta - off + (yy - mu) / mu
        xtwx = np.where(both, np.einsum("ri,gr,rj->gij", x, w, x) + ridge, 0.0) + pin
        xtwz = np.where(keep, np.einsum("ri,gr->gi", x, w * z), 0.0)
        new = np.linalg.solve(xtwx, xtwz[..., None])[..., 0]
        converged = _settled(new[:, n:], theta[:, n:], tol) & _settled(
            new[:, :n], theta[:, :n], tol
        )
        theta = new
        if converged.all():
            break
    eta = off + theta @ x.T
    mu = np.exp(np.clip(eta, -30, 30))
    w = prior() / (1.0 / mu + alpha_fn(mu))
    xwx = np.where(both, np.einsum("ri,gr,rj->gij", x, w, x), 0.0)
    a = np.linalg.inv(xwx + ridge + pin)
    # MAGeCK's covariance: A X'W^2X A, scaled by the residual variance on the log scale
    # sum(((y - mu)/mu)^2) / v with v = N - tr(2H - HH') (H the weighted hat matrix); with
    # EM the rows carry their prior weights (an inefficient guide's residuals under the
    # effect model, and an efficient guide's under no effect, do not count)
    pw = np.broadcast_to(prior(), yy.shape)
    cov = a @ np.where(both, np.einsum("ri,gr,rj->gij", x, w * w, x), 0.0) @ a
    m = a @ xwx
    tr_h = np.trace(m, axis1=1, axis2=2)
    tr_hh = np.einsum("gij,gji->g", m, m)
    v = np.maximum(pw.sum(axis=1) - (2 * tr_h - tr_hh), 1.0)
    scale = (pw * ((yy - mu) / mu) ** 2).sum(axis=1) / v
    se = np.sqrt(np.diagonal(cov, axis1=1, axis2=2)[:, n:] * scale[:, None])
    mu_real = np.where(live[:, :, None], mu.reshape(g, n, sa)[:, :, :s], np.nan)
    beta = np.where(free, theta[:, n:], np.nan)
    return beta, np.where(free, se, np.nan), mu_real, converged & free.all(axis=1), eff


def mle(
    counts: CountTable,
    design: pd.DataFrame,
    *,
    norm_method: str = "median",
    n_iter: int = 100,
    efficiency: pd.Series | dict | None = None,
    update_efficiency: bool = False,
    permutation_rounds: int = 0,
    control_guides: list[str] | None = None,
    cnv: pd.DataFrame | None = None,
    cell_lines: dict[str, str] | str | None = None,
    seed: int = 0,
) -> MLEResult:
    """Fit beta scores for every gene and non-baseline condition of ``design``.

    Parameters
    ----------
    counts : CountTable
        Raw counts.
    design : pandas.DataFrame
        Samples x conditions (0/1), first column the baseline (all ones), as read by
        :func:`~kinetor.screens.read_design`. Every design sample must be in ``counts``.
    norm_method : str
        Size factors (see :func:`~kinetor.screens.size_factors`).
    n_iter : int
        IRLS iteration limit.
    efficiency : pandas.Series or dict, optional
        Guide id -> prior probability (0-1) that the guide is efficient (MAGeCK
        ``--sgrna-efficiency`` after its conversion); guides not named start at 1.
    update_efficiency : bool
        EM over guide efficiency (MAGeCK ``--update-efficiency``): the E-step updates
        each guide's probability from the likelihood with and without the gene's betas,
        for genes with an effect (first-pass Wald ``|z| > 2`` in some condition; elsewhere
        efficiency is not identifiable and the guides keep their prior).
    permutation_rounds : int
        Rounds of permutation (MAGeCK ``--permutation-round``, default there 10); 0 = none.
        Adds ``|p_perm_neg``, ``|p_perm_pos``, ``|p_perm`` and ``|fdr_perm``.
    control_guides : list of str, optional
        Negative-control guides: the permutation null draws from their genes only.
    cnv : pandas.DataFrame, optional
        Gene x cell line log2 copy number (:func:`~kinetor.screens.read_cnv`): the
        reported ``COND|beta`` is corrected with MAGeCK's piecewise-linear CN model (see
        :func:`cnv_correct`), not recentred. As in MAGeCK, z, every p-value and FDR come
        from the fitted beta, kept in ``COND|beta_uncorrected``.
    cell_lines : dict or str, optional
        Condition -> CNV column (a str: the same column for every condition). Default: a
        condition is matched to a column of the same name (case-insensitive).
    seed : int
        Permutation seed.

    Returns
    -------
    MLEResult

    Raises
    ------
    DataError
        A design that cannot be fitted (see :mod:`kinetor.screens._mle_design`: a
        non-number or a condition value other than 0/1, a baseline that is not all 1, a
        sample missing or listed twice, a condition without samples, collinear conditions).
    ModelError
        ``n_iter`` below 1 or ``permutation_rounds`` below 0.
    """
    from kinetor.screens import mle_perm

    if not isinstance(counts, CountTable):
        raise DataError(
            Problem(
                f"counts is a {type(counts).__name__}, not a CountTable",
                fix="read it with read_counts(path) or CountTable.from_frame(frame)",
            )
        )
    check_options(n_iter, permutation_rounds)
    dm = check_design(design, counts.samples, counts.source)
    sel = counts.select([str(s) for s in design.index])
    f, _ = size_factors(sel.counts, norm_method, samples=sel.samples, source=counts.source)
    logs = -np.log(f)  # MAGeCK's factors multiply counts; the GLM offset is their inverse
    d = dm[:, 1:]
    conds = [str(c) for c in design.columns[1:]]
    eff0 = mle_perm.initial_efficiency(sel, efficiency)
    em = efficiency is not None or update_efficiency
    uniq, inv, num = np.unique(sel.genes, return_inverse=True, return_counts=True)
    order = np.argsort(inv, kind="stable")
    starts = np.concatenate([[0], np.cumsum(num)[:-1]])
    beta = np.zeros((uniq.size, d.shape[1]))
    se = np.ones_like(beta)
    conv = np.zeros(uniq.size, dtype=bool)
    eff = eff0.copy()
    resid_mu, resid_r2 = [], []
    identifiable = np.ones(uniq.size, dtype=bool)

    def fit(alpha_fn, collect: bool, use_em: bool):
        for n in np.unique(num):
            gi = np.flatnonzero(num == n)
            idx = order[starts[gi][:, None] + np.arange(n)[None, :]]
            y, e0 = sel.counts[idx], eff0[idx] if use_em else None  # y: (G, n, S)
            up = update_efficiency & identifiable[gi]
            b, s_, mu, c, e = _irls(y, logs, d, alpha_fn, n_iter, eff=e0, update_eff=up)
            beta[gi], se[gi], conv[gi] = b, s_, c
            if e is not None:
                eff[idx] = e
            if collect:
                resid_mu.append(mu.ravel())
                resid_r2.append(((y - mu) ** 2).ravel())

    fit(lambda mu: _RIDGE, True, False)
    # guide efficiency is identifiable only where the gene has an effect: with none, every
    # guide fits both models and a free E-step splits a null gene's guides by noise (and
    # inflates its beta); the E-step runs for genes with first-pass Wald |z| > 2
    identifiable = (np.abs(beta / se) > _EM_Z).any(axis=1)
    m, r2 = np.concatenate(resid_mu), np.concatenate(resid_r2)
    ok = (m > 1) & (r2 > 0)
    if ok.sum() > 10:
        c_, a_ = np.polyfit(np.log(m[ok]), np.log(r2[ok]), 1)
    else:
        a_, c_ = 0.0, 1.0

    def alpha_fn(mu):
        v = np.exp(a_ + c_ * np.log(np.maximum(mu, 1e-3)))
        return np.maximum(v - mu, 0.01 * mu) / np.maximum(mu, 1e-3) ** 2

    fit(alpha_fn, False, em)
    tot = np.add.reduceat(sel.counts[order], starts, axis=0)  # reads per gene and sample
    unb, zero = sep.unbounded(tot, dm, em)  # betas without a finite estimate
    out = pd.DataFrame({"gene": uniq, "num": num})
    null = None
    if permutation_rounds > 0:

        def fit_null(y, e):
            b = _irls(y, logs, d, alpha_fn, n_iter, eff=e if em else None)[0]
            return sep.mark(b, sep.unbounded(y.sum(axis=1), dm, em)[0])

        null = mle_perm.permutation_null(
            sel, num, order, starts, eff, fit_null, permutation_rounds, control_guides, seed
        )
    # every test on the fitted beta; a CNV correction only shifts the reported beta
    nan = np.where(unb != 0, np.nan, 0.0)
    beta = gene_columns(out, beta + nan, se + nan, conds, null, cnv, cell_lines)

    def refit(y, e, hold, afn):  # betas and means, for the likelihood ratio of unbounded betas
        return _irls(y, logs, d, afn, n_iter, eff=e, hold=hold)[0:3:2]

    z = sep.lr_z(sel.counts, (num, order, starts), unb, refit, logs, d, alpha_fn, eff, em)
    sep.fill(out, unb, z, conds, null, num)
    why = not_estimable(tot.sum(axis=1), np.where(unb != 0, 0.0, beta), conds, conv, n_iter)
    out["converged"] = conv = conv & ~(unb != 0).any(axis=1)
    out["reason"] = sep.reasons(why, unb, zero, conds, sel.samples)
    guides = pd.DataFrame({"guide": sel.guides, "gene": sel.genes, "efficiency": eff})
    sf, disp = dict(zip(sel.samples, map(float, f), strict=True)), (float(a_), float(c_))
    return MLEResult(out, conds, sf, disp, conv, guides, int(permutation_rounds))
