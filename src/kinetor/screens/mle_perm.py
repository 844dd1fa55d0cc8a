"""MLE extras: guide-efficiency priors, permutation p-values and copy-number correction.

Follows MAGeCK MLE (Li et al. 2015, Genome Biol 16:281, doi:10.1186/s13059-015-0843-6;
firm) as implemented in ``mageck2`` 0.3.0 (``mageck2 mle --permutation-round`` and
``--cnv-norm``, read in its source). The copy-number effect it corrects: Cas9 cutting in
amplified regions reduces proliferation independently of the gene (Aguirre AJ et al. 2016
Cancer Discov 6:914, doi:10.1158/2159-8290.CD-16-0154; firm, abstract read).

* **Permutation** (``--permutation-round``): the guides of the background genes (all genes,
  or the genes of the negative-control guides) are shuffled and dealt out to pseudo-genes
  of each guide count present in the screen; every pseudo-gene is refitted with the same
  dispersion model and fixed guide efficiencies. A gene's one-sided p-values are the
  fractions of null betas of its guide count beyond its beta. MAGeCK reports ``k / N``
  (so 0 is possible); here ``(k + 1) / (N + 1)``, never 0.
* **Copy number** (``--cnv-norm``): per condition, the betas of genes with a copy number
  ``CN = 2^log2CN`` are regressed on CN with a piecewise-linear model (linear up to a
  breakpoint, flat after); each gene's beta is shifted by ``model(1) - model(CN)``. MAGeCK
  looks for the breakpoint with a gradient optimiser started at 2; the SSE is a step
  function of the breakpoint, so here every observed CN in ``[1, 99.9th percentile]`` is
  tried (exact minimum, computed with cumulative sums). As in MAGeCK the correction comes
  after every test: it shifts the reported beta, not z, p-values or FDRs.

Examples
--------
>>> import numpy as np, pandas as pd
>>> cn = np.array([1, 1, 2, 2, 4, 4, 8.0])
>>> cnv = pd.DataFrame({"X": np.log2(cn)}, index=list("abcdefg"))
>>> beta = (-0.5 * (np.minimum(cn, 4) - 1))[:, None]   # CN effect, flat above CN 4
>>> out = cnv_correct(np.array(list("abcdefg")), beta, ["X"], cnv, None)
>>> np.round(out[:, 0], 6).tolist()
[0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem
from kinetor.screens._controls import control_mask
from kinetor.screens.io import CountTable

__all__ = ["cnv_correct", "empirical_p", "initial_efficiency", "permutation_null", "read_cnv"]


def initial_efficiency(counts: CountTable, efficiency) -> np.ndarray:
    """Per guide prior probability of being efficient (1 where not given)."""
    eff = np.ones(counts.guides.size)
    if efficiency is None:
        return eff
    ser = pd.Series(efficiency, dtype=float)
    bad = ser[(ser < 0) | (ser > 1) | ser.isna()]
    if len(bad):
        raise DataError(
            Problem(
                f"guide efficiency {float(bad.iloc[0]):g} of {bad.index[0]!r} is not a probability",
                column="efficiency",
                fix="give values between 0 and 1",
            )
        )
    known = ser.reindex(counts.guides)
    if known.notna().sum() == 0:
        raise DataError(
            Problem(
                "no guide of the efficiency table is in the count table",
                column="guide",
                fix="use the count table's guide ids",
            )
        )
    return np.where(known.notna(), known.to_numpy(), 1.0)


def permutation_null(
    counts: CountTable,
    num,
    order,
    starts,
    eff,
    fit_null,
    rounds: int,
    control_guides=None,
    seed: int = 0,
) -> dict[int, np.ndarray]:
    """Null betas per guide count: ``{n: (rounds * genes, conditions)}``."""
    rng = np.random.default_rng(seed)
    if control_guides:
        ctl = set(map(str, control_guides))
        is_ctl = np.array([g in ctl for g in counts.guides])
        genes = set(counts.genes[is_ctl].tolist())
        if not genes:
            raise DataError(
                Problem(
                    "none of the control guides is in the count table",
                    file=counts.source,
                    column="sgRNA",
                    fix="give control-guide ids of this table",
                )
            )
        pool = np.flatnonzero(np.isin(counts.genes, list(genes)))
        mixed = pool[~is_ctl[pool]]
        if mixed.size:
            raise DataError(
                Problem(
                    f"gene {counts.genes[mixed[0]]!r} has control and non-control guides",
                    file=counts.source,
                    column="Gene",
                    fix="list every guide of the control genes (MAGeCK requires the same)",
                )
            )
        control_mask(control_guides, counts.guides, counts.source)  # 2 or more
    else:
        pool = np.arange(counts.guides.size)
    n_genes = num.size
    null = {}
    for n in np.unique(num):
        draws = []
        for _ in range(rounds):
            need = n_genes * n
            reps = -(-need // pool.size)
            idx = np.concatenate([rng.permutation(pool) for _ in range(reps)])[:need]
            idx = idx.reshape(n_genes, n)
            draws.append(fit_null(counts.counts[idx], eff[idx]))
        null[int(n)] = np.vstack(draws)
    return null


def empirical_p(beta: np.ndarray, num: np.ndarray, null: dict, k: int):
    """(p_neg, p_pos) of ``beta`` (genes) against the null of the same guide count; a NaN
    beta (not estimable) has NaN p-values, and NaN null betas are left out. An infinite
    beta (unbounded: :mod:`.mle_separation`) counts the null betas equal to it as beyond."""
    pn, pp = np.full(beta.size, np.nan), np.full(beta.size, np.nan)
    for n, nb in null.items():
        ref = np.sort(nb[:, k][~np.isnan(nb[:, k])])
        m = num == n
        inf = np.isinf(beta[m])
        lo, hi = (np.searchsorted(ref, beta[m], side=s) for s in ("left", "right"))
        below = np.where(inf, hi, lo)
        above = ref.size - np.where(inf, lo, hi)
        ok = ~np.isnan(beta[m])
        pn[m] = np.where(ok, (below + 1) / (ref.size + 1), np.nan)
        pp[m] = np.where(ok, (above + 1) / (ref.size + 1), np.nan)
    return pn, pp


def read_cnv(path) -> pd.DataFrame:
    """MAGeCK ``--cnv-norm`` file: tab-separated, ``SYMBOL`` then one log2 CN column per
    cell line. Returns genes x cell lines (log2 CN)."""
    try:
        df = pd.read_csv(path, sep="\t")
    except (OSError, ValueError) as e:
        raise DataError(
            Problem(
                f"cannot read the copy-number file ({e})",
                file=str(path),
                fix="give a tab-separated file with SYMBOL and cell-line columns",
            )
        ) from None
    if "SYMBOL" not in df.columns:
        raise DataError(
            Problem(
                "no SYMBOL column",
                file=str(path),
                row=1,
                fix="name the gene column SYMBOL (MAGeCK's layout)",
            )
        )
    if df.shape[1] < 2:
        raise DataError(
            Problem(
                "no cell-line column",
                file=str(path),
                row=1,
                fix="add one log2 copy-number column per cell line",
            )
        )
    vals = df.drop(columns="SYMBOL").apply(pd.to_numeric, errors="coerce")
    bad = vals.isna() & df.drop(columns="SYMBOL").notna()
    if bad.any().any():
        r, c = np.argwhere(bad.to_numpy())[0]
        raise DataError(
            Problem(
                f"copy number {df.iat[r, c + 1]!r} is not a number",
                file=str(path),
                row=int(r) + 2,
                column=vals.columns[c],
                fix="give log2 copy numbers",
            )
        )
    vals.index = df["SYMBOL"].astype(str)
    vals.attrs["source"] = str(path)  # named in cnv_correct's problems
    return vals


def _columns(conds, cnv, cell_lines) -> dict[int, str]:
    cols = {str(c).upper(): c for c in cnv.columns}
    if isinstance(cell_lines, str):
        cell_lines = dict.fromkeys(conds, cell_lines)
    out = {}
    for k, c in enumerate(conds):
        name = (cell_lines or {}).get(c, c)
        if str(name).upper() in cols:
            out[k] = cols[str(name).upper()]
    if not out:
        raise DataError(
            Problem(
                f"no condition ({', '.join(conds)}) matches a copy-number "
                f"column ({', '.join(map(str, cnv.columns))})",
                file=cnv.attrs.get("source"),
                column="cell line",
                fix="name the cell line of each condition (cell_lines / --cell-line)",
            )
        )
    return out


def _piecewise(cn: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Least-squares (slope, intercept, breakpoint): linear for CN <= bp, flat after."""
    o = np.argsort(cn, kind="stable")
    x, v = cn[o], y[o]
    cx, cy = np.cumsum(x), np.cumsum(v)
    cxx, cxy, cyy = np.cumsum(x * x), np.cumsum(x * v), np.cumsum(v * v)
    ty, tyy = cy[-1], cyy[-1]
    hi = np.percentile(cn, 99.9)
    best = (np.inf, 0.0, float(np.mean(y)), 1.0)
    for i in np.flatnonzero((x >= 1) & (x <= hi)):
        if i + 1 < len(x) and x[i + 1] == x[i]:
            continue  # a breakpoint takes every gene with CN <= bp
        m = i + 1
        sxx = cxx[i] - cx[i] ** 2 / m
        if m < 2 or sxx <= 0:
            continue
        slope = (cxy[i] - cx[i] * cy[i] / m) / sxx
        icpt = (cy[i] - slope * cx[i]) / m
        sse_lo = (cyy[i] - cy[i] ** 2 / m) - slope**2 * sxx
        c = icpt + slope * x[i]
        sse_hi = (tyy - cyy[i]) - 2 * c * (ty - cy[i]) + (len(x) - m) * c * c
        if sse_lo + sse_hi < best[0]:
            best = (sse_lo + sse_hi, float(slope), float(icpt), float(x[i]))
    return best[1], best[2], best[3]


def cnv_correct(
    genes: np.ndarray, beta: np.ndarray, conds: list[str], cnv: pd.DataFrame, cell_lines
) -> np.ndarray:
    """Betas (genes x conditions) corrected for copy number (module docstring)."""
    out = beta.copy()
    idx = pd.Index(cnv.index)
    pos = idx.get_indexer(pd.Index(genes))
    have = pos >= 0
    if have.sum() < 3:
        raise DataError(
            Problem(
                f"only {int(have.sum())} screen genes have a copy number (3 or more are needed)",
                file=cnv.attrs.get("source"),
                column="SYMBOL",
                fix="give copy numbers for the screen's genes, with the gene symbols of the "
                "count table in SYMBOL (--cnv-norm FILE, or cnv= in Python)",
            )
        )
    for k, col in _columns(conds, cnv, cell_lines).items():
        cn = 2.0 ** cnv[col].to_numpy(dtype=float)[pos[have]]
        ok = np.isfinite(cn) & np.isfinite(beta[have, k])
        slope, _, bp = _piecewise(cn[ok], beta[have, k][ok])
        rows = np.flatnonzero(have)[ok]
        out[rows, k] += slope * (1.0 - np.minimum(cn[ok], bp))
    return out
