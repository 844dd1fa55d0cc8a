"""Robust rank aggregation (alpha-RRA) of guide ranks into gene scores.

Li et al. 2014, Genome Biol 15:554 (doi:10.1186/s13059-014-0554-4), Methods "alpha-RRA",
after Kolde et al. 2012, Bioinformatics 28:573 (doi:10.1093/bioinformatics/btr709).
Guides are ranked on one list; each gets the percentile :math:`r = (i + 1/2)/N` of its
rank (ties share their mid-rank). For a gene with :math:`n` guides and sorted percentiles
:math:`r_{(1)} \\le \\dots \\le r_{(n)}`, the score is

.. math::

    \\rho = \\min_{j \\le j^*} \\beta_{j, n-j+1}(r_{(j)}),

the smallest probability that the :math:`j`-th of :math:`n` uniforms is at most
:math:`r_{(j)}` (a regularised incomplete beta function), over the guides below the
alpha cut-off (:math:`j^*` = number of guides with :math:`r \\le \\alpha`, at least 1).
The p-value is the mid-rank of :math:`\\rho` among scores of random genes of the same size
(uniform percentiles, or percentiles drawn from the control guides), with MAGeCK's number
of draws (``G x (P + 1)`` per size, ``P = 100`` raised to ``100000/G + 1`` for fewer than
1,000 genes); the FDR is Benjamini-Hochberg over genes.

Examples
--------
>>> import numpy as np
>>> lo, good = lo_values(np.array([[0.01, 0.5, 0.9]]), alpha=0.1)
>>> round(float(lo[0]), 6), int(good[0])  # 1 - (1 - 0.01)^3
(0.029701, 1)
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special

from kinetor.errors import DataError, ModelError, Problem
from kinetor.screens.guides import _bh

__all__ = ["LehmerStream", "lo_values", "mid_percentiles", "n_draws", "rra"]


def mid_percentiles(values: np.ndarray) -> np.ndarray:
    """Percentile of each value in the list: ``(first + last + 1) / (2 N)`` of its ties."""
    values = np.asarray(values, dtype=float)
    s = np.sort(values)
    first = np.searchsorted(s, values, side="left")
    last = np.searchsorted(s, values, side="right") - 1
    return (first + last + 1) / (2.0 * values.size)


def lo_values(perc: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """RRA score ``rho`` and number of guides below ``alpha`` for each row of ``perc``.

    ``perc`` is ``(m, n)``: m genes of n guides each (any order within a row).
    """
    perc = np.sort(np.asarray(perc, dtype=float), axis=1)
    m, n = perc.shape
    if n == 0:
        return np.ones(m), np.zeros(m, dtype=int)
    j = np.arange(1, n + 1, dtype=float)
    cdf = special.betainc(j[None, :], (n - j + 1)[None, :], perc)
    below = perc <= alpha
    use = below.copy()
    use[:, 0] = True  # the best guide always counts, as in MAGeCK
    # guides are sorted: `use` is a prefix, so masking with +inf keeps the minimum right
    lo = np.where(use, cdf, np.inf).min(axis=1)
    return lo, below.sum(axis=1)


def n_draws(n_genes: int, permutations: int | None = None) -> int:
    """Random genes drawn per gene size (MAGeCK RRA's rule when ``permutations`` is None)."""
    p = 100 if permutations is None else int(permutations)
    if permutations is None and p * n_genes < 100000:
        p = 100000 // n_genes + 1
    return n_genes * (p + 1)


class LehmerStream:
    """MAGeCK RRA's random stream: Park-Miller ``x <- 48271 x mod (2^31 - 1)``, seed 123456.

    Park & Miller 1988, Commun ACM 31:1192 (doi:10.1145/63039.63042); RRA re-seeds it with
    123456 for every ranked list, so drawing from it reproduces MAGeCK's permutation
    p-values. ``uniform(n)`` returns the next ``n`` values ``x / (2^31 - 1)``.
    """

    def __init__(self, seed: int = 123456):
        self.state = int(seed) % _MODULUS

    def uniform(self, n: int) -> np.ndarray:
        out, self.state = _lehmer(self.state, int(n))
        return out


_MODULUS = 2147483647


def _lehmer_py(state: int, n: int):
    out = np.empty(n)
    x = state
    for i in range(n):
        x = (48271 * x) % 2147483647
        out[i] = x / 2147483647.0
    return out, x


def _null_lo_py(u: np.ndarray, alpha: float) -> np.ndarray:
    # lo_values for many random rows: insertion sort, then the beta CDF of the j-th order
    # statistic as the binomial upper tail P(Bin(n, x) >= j) (integer beta parameters)
    m, n = u.shape
    out = np.empty(m)
    buf = np.empty(n)
    pmf = np.empty(n + 1)
    for r in range(m):
        for i in range(n):
            v = u[r, i]
            k = i
            while k > 0 and buf[k - 1] > v:
                buf[k] = buf[k - 1]
                k -= 1
            buf[k] = v
        best = 1.0
        for j in range(1, n + 1):
            x = buf[j - 1]
            if j > 1 and x > alpha:
                break
            if x <= 0.0:
                best = 0.0
                break
            if x >= 1.0:
                continue
            if x <= 0.5:
                pmf[0] = (1.0 - x) ** n
                ratio = x / (1.0 - x)
                for q in range(n):
                    pmf[q + 1] = pmf[q] * (n - q) / (q + 1) * ratio
                tail = 0.0
                for q in range(n, j - 1, -1):
                    tail += pmf[q]
            else:
                pmf[n] = x**n
                ratio = (1.0 - x) / x
                for q in range(n, 0, -1):
                    pmf[q - 1] = pmf[q] * q / (n - q + 1) * ratio
                head = 0.0
                for q in range(j):
                    head += pmf[q]
                tail = 1.0 - head
            if tail < best:
                best = tail
        out[r] = best
    return out


_JIT: dict[str, object] = {}


def _jit(name: str):
    fn = _JIT.get(name)
    if fn is None:
        import numba

        fn = _JIT[name] = numba.njit(cache=False, nogil=True)(
            {"lehmer": _lehmer_py, "null": _null_lo_py}[name]
        )
    return fn


def _lehmer(state: int, n: int):
    return _jit("lehmer")(state, n)


def _uniform(rng, shape: tuple[int, int]) -> np.ndarray:
    if isinstance(rng, LehmerStream):
        return rng.uniform(shape[0] * shape[1]).reshape(shape)
    return rng.random(shape)


def _null_lo(
    n: int, draws: int, alpha: float, rng, control: np.ndarray | None, chunk: int = 2_000_000
) -> np.ndarray:
    rows = max(1, chunk // max(n, 1))
    out = []
    left = draws
    while left > 0:
        m = min(rows, left)
        u = _uniform(rng, (m, n))
        if control is not None:
            u = control[np.minimum((control.size * u).astype(np.int64), control.size - 1)]
        out.append(_jit("null")(np.ascontiguousarray(u), float(alpha)))
        left -= m
    return np.sort(np.concatenate(out))


def _check_rra(genes, values, alpha, control, guides, permutations):
    """The inputs of :func:`rra` as 1-D arrays of one length; every problem is named."""
    genes = np.asarray(genes).astype(str)
    try:
        values = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise DataError(
            Problem("the guide values are not all numbers", column="values", fix="pass numbers")
        ) from None
    problems = []
    if genes.ndim != 1 or values.ndim != 1 or genes.size != values.size or genes.size == 0:
        problems.append(
            Problem(
                f"{genes.size} genes but {values.size} values (shapes {genes.shape}, "
                f"{values.shape})",
                column="values",
                fix="give one gene and one value per guide (1-D, same length, not empty)",
            )
        )
    for name, arr in (("control", control), ("guides", guides)):
        if arr is not None and np.shape(arr) != genes.shape:
            problems.append(
                Problem(
                    f"{name} has shape {np.shape(arr)}, genes {genes.shape}",
                    column=name,
                    fix=f"give one {name} entry per guide",
                )
            )
    if not problems:
        for i in np.flatnonzero(~np.isfinite(values))[:20]:
            problems.append(
                Problem(
                    f"value {values[i]:g} of guide {i} (gene {str(genes[i])!r}) is not finite",
                    column="values",
                    fix="drop untestable guides before ranking",
                )
            )
    if problems:
        raise DataError(problems)
    if isinstance(alpha, bool) or not isinstance(alpha, int | float | np.number):
        raise ModelError(f"alpha={alpha!r}: the percentile cut-off must be a number in [0, 1]")
    if not 0.0 <= alpha <= 1.0:
        raise ModelError(f"alpha={alpha!r}: the percentile cut-off must lie in [0, 1], e.g. 0.1")
    if permutations is not None and (
        isinstance(permutations, bool)
        or not isinstance(permutations, int | np.integer)
        or permutations < 1
    ):
        raise ModelError(
            f"permutations={permutations!r}: give a whole number >= 1 of random draws per "
            "gene, or None for MAGeCK's rule"
        )
    return genes, values


def rra(
    genes: np.ndarray,
    values: np.ndarray,
    alpha: float,
    *,
    control: np.ndarray | None = None,
    guides: np.ndarray | None = None,
    permutations: int | None = None,
    skip: tuple[str, ...] = ("NA", "na"),
    seed: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Aggregate guide ``values`` (low = strong; one list) into gene scores.

    Parameters
    ----------
    genes : array of str
        Gene of each guide.
    values : array of float
        Guide ranking value; smaller ranks first (MAGeCK: the guide score for depletion,
        minus the score for enrichment).
    alpha : float
        Percentile cut-off: only guides with percentile <= alpha (and always the best)
        contribute.
    control : array of bool, optional
        Control guides; the null then draws percentiles from theirs, and genes made only
        of control guides get p = 1.
    guides : array of str, optional
        Guide ids; the control percentiles are ordered by id, as MAGeCK orders them.
    permutations : int, optional
        Random draws per gene per size (default MAGeCK's rule, see :func:`n_draws`).
    skip : tuple of str
        Gene names left out of the permutation test (p = 1).
    seed : int, numpy.random.Generator or None
        Random draws for the null; None (default) uses MAGeCK's own stream
        (:class:`LehmerStream`), which reproduces its p-values.

    Returns
    -------
    pandas.DataFrame
        ``gene``, ``num``, ``score`` (rho), ``p_value``, ``fdr``, ``rank`` (1 = smallest
        rho) and ``goodsgrna``, sorted by rank. Genes made only of control guides are
        left out.

    Raises
    ------
    DataError
        ``genes``, ``values``, ``control`` or ``guides`` of different lengths, no guide,
        or a missing/infinite value.
    ModelError
        ``alpha`` outside [0, 1] or ``permutations`` not a whole number >= 1.
    """
    genes, values = _check_rra(genes, values, alpha, control, guides, permutations)
    perc = mid_percentiles(values)
    uniq, inv, num = np.unique(genes, return_inverse=True, return_counts=True)
    order = np.lexsort((perc, inv))
    starts = np.concatenate([[0], np.cumsum(num)[:-1]])
    lo = np.ones(uniq.size)
    good = np.zeros(uniq.size, dtype=int)
    ctrl_perc = None
    all_ctrl = np.zeros(uniq.size, dtype=bool)
    if control is not None and np.any(control):
        control = np.asarray(control, dtype=bool)
        ctrl_perc = perc[control]
        if guides is not None:
            ctrl_perc = ctrl_perc[
                np.argsort(np.asarray(guides).astype(str)[control], kind="stable")
            ]
        all_ctrl = np.bincount(inv, weights=control, minlength=uniq.size) == num
    skipped = np.isin(uniq, list(skip)) | all_ctrl
    pval = np.ones(uniq.size)
    draws = n_draws(uniq.size, permutations)
    rng = (
        LehmerStream()
        if seed is None
        else seed
        if isinstance(seed, np.random.Generator)
        else np.random.default_rng(seed)
    )
    for n in np.unique(num):
        g = np.flatnonzero(num == n)
        idx = order[starts[g][:, None] + np.arange(n)[None, :]]
        lo[g], good[g] = lo_values(perc[idx], alpha)
        test = g[~skipped[g]]
        if test.size == 0:
            continue
        null = _null_lo(int(n), draws, alpha, rng, ctrl_perc)
        below = np.searchsorted(null, lo[test] - 1e-9, side="left")
        upto = np.searchsorted(null, lo[test] + 1e-9, side="right")
        # mid-rank; a rho at or above every draw would give (2N + 1) / 2N: capped at 1
        pval[test] = np.minimum((below + upto + 1) / 2.0 / null.size, 1.0)
    keep = ~all_ctrl  # a gene made only of control guides is not reported (as in MAGeCK)
    out = pd.DataFrame(
        {
            "gene": uniq,
            "num": num,
            "score": lo,
            "p_value": pval,
            "fdr": np.minimum(_bh(pval), 1.0),  # capped at 1, as MAGeCK RRA's gene FDR
            "goodsgrna": good,
        }
    )[keep]
    out = out.sort_values("score", kind="stable").reset_index(drop=True)
    out.insert(5, "rank", np.arange(1, len(out) + 1))
    return out
