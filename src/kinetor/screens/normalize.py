"""Read-count normalisation as MAGeCK does it (median ratio, total count, control guides).

Median ratio (Li et al. 2014, Genome Biol 15:554, doi:10.1186/s13059-014-0554-4, Methods):
for each guide with any reads the geometric mean of ``count + 1`` over samples is the
pseudo-reference; a sample's size factor is the inverse of the median of its
``count / reference`` ratios. MAGeCK takes the upper median (element ``n // 2`` of the
sorted ratios) and falls back to total-count normalisation when a sample has a zero median
or more than 45 % zero-count guides; both rules are kept so that normalised counts agree
with MAGeCK to round-off.

.. math::

    s_j = 1 \\Big/ \\operatorname{median}_i \\frac{c_{ij}}
          {\\exp\\big(\\tfrac{1}{n}\\sum_k \\log(c_{ik} + 1)\\big)},
    \\qquad \\tilde c_{ij} = s_j \\, c_{ij}

Examples
--------
>>> import numpy as np
>>> c = np.array([[10., 20.], [30., 60.], [5., 10.]])
>>> f, method = size_factors(c, "total")
>>> [round(float(x), 3) for x in f], method
([1.5, 0.75], 'total')
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from kinetor.errors import DataError, Problem

__all__ = ["normalize_counts", "size_factors"]

Method = Literal["median", "total", "control", "none"]


def _total(counts: np.ndarray) -> np.ndarray:
    sums = counts.sum(axis=0)
    return sums.mean() / sums


def _median(counts: np.ndarray) -> np.ndarray:
    keep = counts.sum(axis=1) > 0
    c = counts[keep]
    ref = np.exp(np.log(c + 1.0).mean(axis=1))
    ratio = np.sort(c / ref[:, None], axis=0)
    upper_median = ratio[ratio.shape[0] // 2]
    with np.errstate(divide="ignore"):
        return np.where(upper_median > 0, 1.0 / upper_median, 0.0)


def _check_counts(counts, samples: list[str] | None, source: str | None) -> np.ndarray:
    """Counts as a float ``(guides, samples)`` array; missing, non-numeric and negative
    counts are refused (row = spreadsheet row of the guide, header = row 1)."""
    try:
        arr = np.asarray(counts, dtype=float)
    except (TypeError, ValueError):
        raise DataError(
            Problem(
                "the counts are not all numbers",
                file=source,
                fix="pass a numeric (guides x samples) array, e.g. CountTable.counts",
            )
        ) from None
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise DataError(
            Problem(
                f"the counts have shape {arr.shape}: a (guides x samples) table is needed",
                file=source,
                fix="pass a 2-D array with one row per guide and one column per sample",
            )
        )
    if samples is not None and len(samples) != arr.shape[1]:
        raise DataError(
            Problem(
                f"{len(samples)} sample labels for {arr.shape[1]} count columns",
                file=source,
                fix="give one label per column of the counts",
            )
        )
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        names = samples or [f"sample {j + 1}" for j in range(arr.shape[1])]
        rows, cols = np.nonzero(bad)
        raise DataError(
            [
                Problem(
                    f"read count {arr[i, j]:g} is not a number >= 0",
                    file=source,
                    row=int(i) + 2,
                    column=names[j],
                    fix="read counts are non-negative numbers",
                )
                for i, j in zip(rows[:20], cols[:20], strict=True)
            ]
        )
    return arr


def size_factors(
    counts: np.ndarray,
    method: Method = "median",
    control: np.ndarray | None = None,
    samples: list[str] | None = None,
    source: str | None = None,
) -> tuple[np.ndarray, str]:
    """Size factors (multiply raw counts by them) and the method actually used.

    Parameters
    ----------
    counts : numpy.ndarray
        ``(n_guides, n_samples)`` raw counts.
    method : {"median", "total", "control", "none"}
        ``control`` is the median-ratio method on the control guides only.
    control : numpy.ndarray of bool, optional
        Control-guide mask (required for ``method="control"``).
    samples, source : optional
        Sample labels and file name for error messages.

    Returns
    -------
    factors : numpy.ndarray
    used : str
        ``"median"``, ``"total"`` (also when median falls back) , ``"control"`` or ``"none"``.

    Raises
    ------
    DataError
        Missing, non-numeric or negative counts; a sample with zero reads (in the guides
        used); no control guide in the table.
    """
    counts = _check_counts(counts, samples, source)
    samples = samples or [f"sample {j + 1}" for j in range(counts.shape[1])]
    if method not in ("median", "total", "control", "none"):
        raise DataError(
            Problem(
                f"unknown normalisation {method!r}", fix="choose median, total, control or none"
            )
        )
    if control is not None and np.shape(control) != (counts.shape[0],):
        raise DataError(
            Problem(
                f"the control mask has shape {np.shape(control)}, the counts "
                f"{counts.shape[0]} guides",
                file=source,
                fix="give one True/False per guide (row) of the counts",
            )
        )
    if method == "none":
        return np.ones(counts.shape[1]), "none"
    use = counts
    if method == "control":
        if control is None or not np.any(control):
            raise DataError(
                Problem(
                    "control normalisation needs control guides present in the "
                    "count table; none found",
                    file=source,
                    fix="give a control-guide list whose ids are in the table",
                )
            )
        use = counts[np.asarray(control, dtype=bool)]
    depth = use.sum(axis=0)
    zero = [samples[j] for j in np.flatnonzero(depth <= 0)]
    if zero:
        raise DataError(
            [
                Problem(
                    f"sample {s!r} has zero reads"
                    + (" in the control guides" if method == "control" else ""),
                    file=source,
                    column=s,
                    fix="drop the sample or check its FASTQ/counting",
                )
                for s in zero
            ]
        )
    if method == "total":
        return _total(use), "total"
    med = _median(use)
    zero_frac = (use == 0).mean(axis=0)
    if np.any(med == 0) or np.any(zero_frac > 0.45):
        return _total(use), "total"
    return med, method


def normalize_counts(
    counts: np.ndarray, method: Method = "median", control: np.ndarray | None = None, **kwargs
) -> np.ndarray:
    """Normalised counts ``counts * size_factors``; see :func:`size_factors`."""
    f, _ = size_factors(counts, method, control, **kwargs)
    return np.asarray(counts, dtype=float) * f[None, :]
