"""Fast Tanimoto (MinMax) kernel of sparse count fingerprints: a dense BLAS part for the
common features and a numba inverted-index part for the rest.

The MinMax intersection :math:`m = \\sum_j \\min(a_j, b_j)` splits exactly, per feature
:math:`j` and a level :math:`k_j \\ge 0`, into

.. math::

    \\min(a_j, b_j) = \\sum_{k=1}^{k_j} [a_j \\ge k][b_j \\ge k]
                    + \\min\\big((a_j - k_j)^+, (b_j - k_j)^+\\big).

The first sum is a product of dense 0/1 indicator matrices (BLAS); ``k_j`` is the number of
count levels held by more than ``dense_fraction`` (default 20 %) of the reference rows, so it is non-zero
only for common features (aromatic carbons, carbonyls). The remainder is sparse and is
accumulated through the reference's per-feature posting lists (numba, rows in parallel
threads), so its cost is the number of shared rare (feature, compound) pairs. The result
equals :func:`kinetor.qsar.features.tanimoto_kernel`.

Examples
--------
>>> from scipy import sparse
>>> A = sparse.csr_matrix([[2, 1, 0], [0, 0, 1]])
>>> tanimoto(A, A).round(3).tolist()
[[1.0, 0.0], [0.0, 1.0]]
>>> B = sparse.csr_matrix([[1, 1, 1]])
>>> float(tanimoto(A, B)[0, 0])  # min-sum 2 / max-sum 4
0.5
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["TanimotoReference", "tanimoto"]


@numba.njit(parallel=True, cache=True, fastmath=True)
def _intersect(a_ptr, a_idx, a_val, b_ptr, b_idx, b_val, out):  # pragma: no cover
    for i in numba.prange(len(a_ptr) - 1):
        row = out[i]
        for p in range(a_ptr[i], a_ptr[i + 1]):
            f = a_idx[p]
            v = a_val[p]
            for q in range(b_ptr[f], b_ptr[f + 1]):
                w = b_val[q]
                row[b_idx[q]] += v if v < w else w


@numba.njit(parallel=True, cache=True, fastmath=True)
def _normalise_into(inter, na, nb, out, weight):  # pragma: no cover
    # out += weight * m / (|a| + |b| - m); m is an exact integer sum held in float32
    for i in numba.prange(inter.shape[0]):
        for j in range(inter.shape[1]):
            m = np.float64(inter[i, j])
            u = na[i] + nb[j] - m
            if u > 0:
                out[i, j] += weight * (m / u)


def _dense_levels(Bc, dense_fraction: float) -> np.ndarray:
    """Per column, the number of count levels held by more than the fraction of rows."""
    m = int(np.floor(dense_fraction * Bc.shape[0]))  # a level needs >= m + 1 rows
    levels = np.zeros(Bc.shape[1], dtype=np.int64)
    for j in np.flatnonzero(np.diff(Bc.indptr) > m):
        vals = np.sort(Bc.data[Bc.indptr[j] : Bc.indptr[j + 1]])[::-1]
        levels[j] = int(vals[m])  # the (m+1)-th largest count: levels 1..it have > m rows
    return levels


def _split(X, cols: np.ndarray, levels: np.ndarray):
    """Dense 0/1 indicators [x_j >= k] (k <= levels[j]) and the shifted sparse remainder."""
    from scipy import sparse

    X = sparse.csr_matrix(X, dtype=np.float64)
    tops = levels[cols]
    if len(cols):
        sub = X[:, cols].toarray()
        rep = np.repeat(np.arange(len(cols)), tops)  # one indicator column per (j, k)
        k = np.arange(len(rep)) - np.repeat(np.cumsum(tops) - tops, tops) + 1
        ind = (sub[:, rep] >= k[None, :]).astype(np.float32)
    else:
        ind = np.zeros((X.shape[0], 0), np.float32)
    rest = X.copy()
    rest.data = np.maximum(rest.data - levels[rest.indices], 0.0)
    rest.eliminate_zeros()
    return ind, rest


class TanimotoReference:
    """The reference side of :func:`tanimoto`, prepared once for many queries.

    Splitting the reference into dense indicator levels and a sparse remainder (posting
    lists) costs as much as a small kernel block; a fitted model keeps one per
    fingerprint so that predicting a large library in chunks pays it once.

    Parameters
    ----------
    B : sparse matrix or array
        Reference rows (non-negative integer counts).
    dense_fraction : float
        Count levels held by more than this fraction of the rows go to the dense part.
    """

    def __init__(self, B, dense_fraction: float = 0.2):
        from scipy import sparse

        Bc = sparse.csc_matrix(B, dtype=np.float64)
        self.shape = Bc.shape
        self.norms = np.asarray(Bc.sum(axis=1), dtype=np.float64).ravel()
        self.levels = (
            _dense_levels(Bc, dense_fraction) if Bc.shape[0] else np.zeros(Bc.shape[1], np.int64)
        )
        self.cols = np.flatnonzero(self.levels)
        ind, rest = _split(Bc, self.cols, self.levels)
        self.ind_t = np.ascontiguousarray(ind.T)  # (levels, rows) for one BLAS product
        rest = sparse.csc_matrix(rest)
        self.ptr = rest.indptr.astype(np.int64)
        self.idx = rest.indices.astype(np.int64)
        self.val = rest.data.astype(np.float32)

    def similarity(self, A, out: np.ndarray | None = None, weight: float = 1.0) -> np.ndarray:
        """Tanimoto/MinMax similarity of each row of ``A`` to each reference row.

        With ``out`` (``float64``, shape ``(len(A), n_reference)``) the similarities times
        ``weight`` are added to it in place (a mean of kernels without temporaries). The
        intersections are integer sums, exact in ``float32`` below 2^24.
        """
        from scipy import sparse

        A = sparse.csr_matrix(A, dtype=np.float64)
        if A.shape[1] != self.shape[1]:
            raise ValueError(f"fingerprints differ in length: {A.shape[1]} vs {self.shape[1]}")
        na = np.asarray(A.sum(axis=1), dtype=np.float64).ravel()
        ind_a, rest_a = _split(A, self.cols, self.levels)
        inter = (
            ind_a @ self.ind_t
            if len(self.cols)
            else np.zeros((A.shape[0], self.shape[0]), np.float32)
        )
        rest_a = sparse.csr_matrix(rest_a)
        _intersect(
            rest_a.indptr.astype(np.int64),
            rest_a.indices.astype(np.int64),
            rest_a.data.astype(np.float32),
            self.ptr,
            self.idx,
            self.val,
            inter,
        )
        if out is None:
            out = np.zeros((A.shape[0], self.shape[0]))
        _normalise_into(inter, na, self.norms, out, float(weight))
        return out


def tanimoto(A, B, dense_fraction: float = 0.2) -> np.ndarray:
    """Tanimoto/MinMax similarity of each row of ``A`` to each row of ``B``.

    Parameters
    ----------
    A, B : scipy.sparse matrices (or dense arrays) with non-negative integer entries and
        the same number of columns.
    dense_fraction : float
        Count levels held by more than this fraction of ``B``'s rows go to the dense part.

    Returns
    -------
    numpy.ndarray
        ``float64`` array of shape ``(A.shape[0], B.shape[0])``.
    """
    return TanimotoReference(B, dense_fraction).similarity(A)
