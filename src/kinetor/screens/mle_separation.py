"""Betas of :func:`kinetor.screens.mle` without a finite maximum-likelihood estimate.

A gene's betas have no finite estimate when its reads leave a direction in which the
likelihood keeps rising (separation): all its guides without reads in every sample of a
condition (the beta rises in likelihood as it falls to minus infinity), or in every
sample that condition is compared with (plus infinity). Along such a direction every
count with reads keeps its mean and every zero count's mean falls to 0; a negative
binomial log-likelihood of a zero count, :math:`r \\log(r / (r + \\mu))`, rises
strictly as :math:`\\mu \\to 0`. The fit then stops where the ridge term 0.01 stops it,
and the beta, its standard error and its Wald test are artefacts of that point (a gene
without reads in two treated samples came out at beta -10.3, SE 0.64, p 1e-58,
``converged`` True).

**Detection** (exact, for any design): with :math:`X` the design (baseline first) and
:math:`R` the samples in which the gene has reads, a direction :math:`(c, w)` raises the
likelihood without limit when :math:`X_R (c, w) = 0` and :math:`X_{\\bar R} (c, w) \\le 0`,
not all 0 (the guide intercepts take :math:`-c`; under EM the inefficient copy of each
non-baseline sample is one more row, with a zero design row). Beta ``k`` is unbounded below
when such a direction has :math:`w_k < 0`, above when one has :math:`w_k > 0`: two linear
programmes per condition and per distinct pattern of samples with reads, none where a gene
has reads in every sample (ordinary genes are not touched). Betas already held at 0 for
lack of reads (:func:`~._mle_design.informative`) are left out.

**Reported**: ``COND|beta`` is ``-inf`` or ``+inf`` (NaN where either sign is possible),
``|se`` NaN, ``converged`` False and ``reason`` naming the samples without reads. ``|z`` is
the signed root of the likelihood-ratio statistic for beta = 0 (the Wald statistic of an
infinite estimate does not exist; under separation inference is based on the likelihood,
not on Wald statistics: Heinze G & Schemper M 2002, Stat Med 21:2409,
doi:10.1002/sim.1047): each guide's dispersion fixed at the trend's value at its mean
normalised count (the fit's dispersion follows the fitted mean, and a ratio needs one
likelihood), both models refitted, and the alternative's likelihood taken where its fit
stopped, a lower bound of its supremum (conservative). Under EM the likelihood is the one
its M-step maximises (the fit's efficiencies fixed). The p-values and the FDR (over all
genes) follow from that z. Permutation p-values: null pseudo-genes that are separated too
get an infinite beta, and an infinite beta's one-sided p counts ties,
``(#{null <= beta} + 1) / (N + 1)``.

Examples
--------
>>> x = np.array([[1, 0], [1, 1], [1, 1.0]])          # baseline, then "treat" x 2
>>> sign, zero = unbounded(np.array([[250.0, 0, 0]]), x, em=False)
>>> int(sign[0, 0]), zero[0, 0].tolist()
(-1, [False, True, True])
"""

from __future__ import annotations

import functools

import numpy as np
from scipy import optimize, special, stats

from kinetor.screens._mle_design import informative
from kinetor.screens.guides import _bh
from kinetor.screens.mle_perm import empirical_p

__all__ = ["fill", "lr_z", "mark", "reasons", "unbounded"]

_TOL = 1e-7


@functools.lru_cache(maxsize=4096)  # permutation rounds meet the same patterns again
def _cached(key: bytes, xkey: bytes, shape: tuple[int, int], em: bool):
    x = np.frombuffer(xkey).reshape(shape)
    pat = np.frombuffer(key, dtype=bool)
    return _pattern(pat[: shape[0]], x, pat[shape[0] :], em)


def _pattern(present, x, free, em):
    """(sign (K,), zero (K, S)) for one pattern of samples with reads and free betas."""
    s, k = x.shape[0], x.shape[1] - 1
    sign, zero = np.zeros(k, dtype=np.int8), np.zeros((k, s), dtype=bool)
    cols = np.concatenate([[0], 1 + np.flatnonzero(free)])
    rows, back = x[:, cols], np.arange(s)
    if em:  # the inefficient copy of each non-baseline sample: a zero design row
        sel = np.flatnonzero(np.abs(x[:, 1:]).sum(axis=1) > 0)
        copy = np.zeros((sel.size, cols.size))
        copy[:, 0] = 1.0
        rows, back = np.vstack([rows, copy]), np.concatenate([back, sel])
        present = np.concatenate([present, present[sel]])
    if cols.size == 1 or np.linalg.matrix_rank(rows[present]) == cols.size:
        return sign, zero  # reads in every direction: the only such direction is 0
    eq, ub = rows[present], rows[~present]
    for p in range(1, cols.size):
        for sgn in (-1, 1):
            obj = np.zeros(cols.size)
            obj[p] = -sgn  # linprog minimises: maximise sgn * w_k
            r = optimize.linprog(
                obj,
                A_ub=ub,
                b_ub=np.zeros(len(ub)),
                A_eq=eq if len(eq) else None,
                b_eq=np.zeros(len(eq)) if len(eq) else None,
                bounds=(-1, 1),
                method="highs",
            )
            if r.status == 0 and -r.fun > _TOL:
                kk = cols[p] - 1
                sign[kk] = sgn if sign[kk] in (0, sgn) else 2
                zero[kk, back[~present][ub @ r.x < -_TOL]] = True
    return sign, zero


def unbounded(totals, x, em: bool):
    """Which betas have no finite estimate.

    ``totals`` (G, S): each gene's reads per sample; ``x`` (S, 1 + K): the design, baseline
    first; ``em``: guide-efficiency EM. Betas held at 0 for lack of reads
    (:func:`~._mle_design.informative`) are left out. Returns ``sign`` (G, K): 0 finite,
    -1 / +1 unbounded below / above, 2 either; ``zero`` (G, K, S): the samples without
    reads that the direction drives to 0.
    """
    present = np.asarray(totals) > 0
    free = informative(np.asarray(totals), x[:, 1:])
    g, k = free.shape
    sign, zero = np.zeros((g, k), dtype=np.int8), np.zeros((g, k, x.shape[0]), dtype=bool)
    todo = ~present.all(axis=1) & free.any(axis=1)
    if not todo.any():
        return sign, zero
    uniq, inv = np.unique(np.hstack([present, free])[todo], axis=0, return_inverse=True)
    rows, xf = np.flatnonzero(todo), np.ascontiguousarray(x, dtype=float)
    for u, pat in enumerate(uniq):
        hit = rows[inv.ravel() == u]
        sign[hit], zero[hit] = _cached(pat.tobytes(), xf.tobytes(), xf.shape, bool(em))
    return sign, zero


def mark(beta: np.ndarray, sign: np.ndarray) -> np.ndarray:
    """``beta`` with unbounded entries set to -inf / +inf (NaN where either)."""
    out = np.where(sign == -1, -np.inf, beta)
    out = np.where(sign == 1, np.inf, out)
    return np.where(sign == 2, np.nan, out)


def _nb(y, mu, alpha):
    r = 1.0 / alpha
    return stats.nbinom.logpmf(y, r, r / (r + np.maximum(mu, 1e-300)))


def _objective(y, beta, mu, logs, d, alpha, eff):
    """What the IRLS of :func:`~.mle_model.mle` maximises, at its fit (``beta`` (G, K),
    ``mu`` (G, n, S)): the NB log-likelihood with dispersions ``alpha`` (G, n); under EM
    each non-baseline sample's rows weighted by ``max(eff, 0.01)`` plus their inefficient
    copy (mean without the betas) by ``max(1 - eff, 0.01)``."""
    live = y.sum(axis=2) > 0
    a = alpha[:, :, None]
    m = np.where(live[:, :, None], mu, 1.0)
    if eff is None:
        return np.where(live[:, :, None], _nb(y, m, a), 0.0).sum(axis=(1, 2))
    on = np.abs(d).sum(axis=1) > 0
    b = np.log(m[:, :, :1]) - logs[0] - (np.nan_to_num(beta) @ d[0])[:, None, None]
    w1 = np.where(on, np.maximum(eff, 0.01)[:, :, None], 1.0)
    w0 = np.maximum(1.0 - eff, 0.01)[:, :, None] * on
    q = w1 * _nb(y, m, a) + w0 * _nb(y, np.exp(b + logs), a)
    return np.where(live[:, :, None], q, 0.0).sum(axis=(1, 2))


def lr_z(counts, genes, sign, refit, logs, d, alpha_fn, eff, em: bool) -> np.ndarray:
    """Signed likelihood-ratio root for beta = 0 where ``sign`` (G, K) is -1 or +1, NaN
    elsewhere. ``counts`` (guides, S); ``genes``: (guide count, guide order, first row) per
    gene, as :func:`~.mle_model.mle` groups them; ``refit(y, eff, hold, alpha_fn)``: the
    fitted betas and means of genes ``y`` (G, n, S) with the betas in ``hold`` (K,) held
    at 0; ``logs``: the log offsets; ``d``: the design without its baseline; ``eff``:
    guide efficiencies (used with ``em``). Each guide's dispersion is fixed at the trend
    ``alpha_fn`` at its mean normalised count, so that both fits maximise one likelihood
    (the IRLS updates a mean-dependent dispersion, which no likelihood ratio can use)."""
    num, order, starts = genes
    z = np.full(sign.shape, np.nan)
    on = (np.abs(sign) == 1).any(axis=1)
    for n in np.unique(num[on]):  # genes with the same guide count, together
        gi = np.flatnonzero((num == n) & on)
        idx = order[starts[gi][:, None] + np.arange(n)[None, :]]
        y, e, sg = counts[idx], eff[idx] if em else None, sign[gi]
        alpha = alpha_fn((y * np.exp(-logs)).mean(axis=2))

        def fixed(mu, alpha=alpha):  # per guide, whatever the shape IRLS asks it for
            g, n = alpha.shape
            return np.broadcast_to(alpha[:, :, None], (g, n, mu.size // (g * n))).reshape(mu.shape)

        ll1 = _objective(y, *refit(y, e, None, fixed), logs, d, alpha, e)
        for k in np.flatnonzero((np.abs(sg) == 1).any(axis=0)):
            hold = np.arange(sign.shape[1]) == k
            ll0 = _objective(y, *refit(y, e, hold, fixed), logs, d, alpha, e)
            lr = np.sqrt(np.maximum(2 * (ll1 - ll0), 0.0))
            z[gi, k] = np.where(np.abs(sg[:, k]) == 1, sg[:, k] * lr, np.nan)
    return z


def fill(out, sign, z, conds, null, num) -> None:
    """Write the unbounded betas into the gene table ``out`` of :func:`~._mle_cnv.gene_columns`
    (which saw them as NaN): beta +-inf, z from :func:`lr_z`, its p-values, and the FDRs
    and permutation p-values again over the whole column."""
    for k, c in enumerate(conds):
        on = sign[:, k] != 0
        if not on.any():
            continue
        fitted = f"{c}|beta_uncorrected" if f"{c}|beta_uncorrected" in out else f"{c}|beta"
        for col in {f"{c}|beta", fitted}:  # NaN there for these genes
            out[col] = mark(out[col].to_numpy(), sign[:, k])
        zk = np.where(on, z[:, k], out[f"{c}|z"].to_numpy())
        pn, pp = special.ndtr(zk), special.ndtr(-zk)
        out[f"{c}|z"], out[f"{c}|p_neg"], out[f"{c}|p_pos"] = zk, pn, pp
        out[f"{c}|p_twosided"] = 2 * np.minimum(pn, pp)
        out[f"{c}|fdr"] = np.minimum(_bh(out[f"{c}|p_twosided"].to_numpy()), 1.0)
        if null is not None:  # as gene_columns: on the fitted beta
            qn, qp = empirical_p(out[fitted].to_numpy(), num, null, k)
            out[f"{c}|p_perm_neg"], out[f"{c}|p_perm_pos"] = qn, qp
            out[f"{c}|p_perm"] = np.minimum(2 * np.minimum(qn, qp), 1.0)
            out[f"{c}|fdr_perm"] = np.minimum(_bh(out[f"{c}|p_perm"].to_numpy()), 1.0)


def _names(samples, mask, most: int = 6) -> str:
    names = [s for s, m in zip(samples, mask, strict=True) if m]
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def reasons(base, sign, zero, conds, samples) -> list[str]:
    """Per gene, ``base`` (:func:`~._mle_design.not_estimable`) with the unbounded betas
    named; their IRLS non-convergence is not repeated (it follows from them)."""
    out = list(base)
    for g in np.flatnonzero((sign != 0).any(axis=1)):
        parts = [] if out[g].startswith("IRLS") or not out[g] else [out[g]]
        for k in np.flatnonzero(sign[g]):
            way = {-1: "-inf", 1: "+inf", 2: "either sign"}[int(sign[g, k])]
            parts.append(
                f"{conds[k]} beta unbounded ({way}): no reads in {_names(samples, zero[g, k])}"
            )
        out[g] = "; ".join(parts)
    return out
