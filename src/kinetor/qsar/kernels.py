"""Fast Tanimoto (MinMax) kernel of sparse count fingerprints: packed bit levels with
popcount for the common features and an inverted index for the rest, in one numba pass.

The MinMax intersection :math:`m = \\sum_j \\min(a_j, b_j)` splits exactly, per feature
:math:`j` and a level :math:`k_j \\ge 0`, into

.. math::

    \\min(a_j, b_j) = \\sum_{k=1}^{k_j} [a_j \\ge k][b_j \\ge k]
                    + \\min\\big((a_j - k_j)^+, (b_j - k_j)^+\\big).

The indicators :math:`[a_j \\ge k]` of all features and levels are packed into 64-bit
words per compound, so the first sum is the population count of the AND of two short
word rows (one machine instruction per 64 indicators). ``k_j`` is the number of count
levels held by more than ``dense_fraction`` (default 5 %) of the reference rows, so it
is non-zero only for common features (aromatic carbons, carbonyls). The remainder is
sparse and is accumulated through the reference's per-feature posting lists, so its cost
is the number of shared rare (feature, compound) pairs. Each query row is done in one
pass (numba, rows in parallel threads, without the GIL): words, posting lists, then
``m / (|a| + |b| - m)`` added to the output row. All intersections are exact integers,
so the result does not depend on ``dense_fraction`` and equals
:func:`kinetor.qsar.features.tanimoto_kernel`.

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
from numba import types
from numba.extending import intrinsic

__all__ = ["TanimotoReference", "tanimoto"]


@intrinsic
def _popcount(typingctx, x):  # pragma: no cover  (compiled)
    """Number of set bits of a uint64 (LLVM ``ctpop``: the ``popcnt`` instruction)."""

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return types.uint64(types.uint64), codegen


@numba.njit(cache=True)
def _split_rows(ptr, idx, val, levels, offset, n_words):  # pragma: no cover
    """Per CSR row: packed indicator words of the dense levels, the remainder above them
    (CSR) and the row sum |a|."""
    n = len(ptr) - 1
    bits = np.zeros((n, n_words), np.uint64)
    norms = np.zeros(n)
    r_ptr = np.zeros(n + 1, np.int64)
    r_idx = np.empty(len(idx), np.int64)
    r_val = np.empty(len(idx), np.int32)
    q = 0
    for i in range(n):
        for p in range(ptr[i], ptr[i + 1]):
            c = idx[p]
            v = np.int64(val[p])
            norms[i] += val[p]
            top = levels[c]
            for k in range(min(v, top)):
                b = offset[c] + k
                bits[i, b >> 6] |= np.uint64(1) << np.uint64(b & 63)
            if v > top:
                r_idx[q] = c
                r_val[q] = v - top
                q += 1
        r_ptr[i + 1] = q
    return bits, norms, r_ptr, r_idx[:q], r_val[:q]


@numba.njit(parallel=True, cache=True, fastmath=True)
def _accumulate(a_bits, a_ptr, a_idx, a_val, a_norm, b_bits, b_ptr, b_idx, b_val, b_norm, out, w):
    # out[i, j] += w * m / (|a_i| + |b_j| - m), m the exact integer MinMax intersection
    n_b, n_words = b_bits.shape
    for i in numba.prange(a_bits.shape[0]):  # pragma: no cover  (compiled)
        m = np.zeros(n_b, np.int64)
        if n_words:
            word = a_bits[i]
            for j in range(n_b):
                s = np.uint64(0)
                for k in range(n_words):
                    s += _popcount(word[k] & b_bits[j, k])
                m[j] = s
        for p in range(a_ptr[i], a_ptr[i + 1]):
            f = a_idx[p]
            v = a_val[p]
            for q in range(b_ptr[f], b_ptr[f + 1]):
                u = b_val[q]
                m[b_idx[q]] += v if v < u else u
        row = out[i]
        for j in range(n_b):
            mm = np.float64(m[j])
            union = a_norm[i] + b_norm[j] - mm
            if union > 0:
                row[j] += w * (mm / union)


def _dense_levels(Bc, dense_fraction: float) -> np.ndarray:
    """Per column, the number of count levels held by more than the fraction of rows."""
    m = int(np.floor(dense_fraction * Bc.shape[0]))  # a level needs >= m + 1 rows
    levels = np.zeros(Bc.shape[1], dtype=np.int64)
    for j in np.flatnonzero(np.diff(Bc.indptr) > m):
        vals = np.sort(Bc.data[Bc.indptr[j] : Bc.indptr[j + 1]])[::-1]
        levels[j] = int(vals[m])  # the (m+1)-th largest count: levels 1..it have > m rows
    return levels


class TanimotoReference:
    """The reference side of :func:`tanimoto`, prepared once for many queries.

    A fitted model keeps one per fingerprint (packed indicator words, posting lists of the
    remainder, row sums), so that predicting a large library in chunks pays it once.

    Parameters
    ----------
    B : sparse matrix or array
        Reference rows (non-negative integer counts).
    dense_fraction : float
        Count levels held by more than this fraction of the rows become packed indicator
        bits; the result is the same for every value, only the speed differs.
    """

    def __init__(self, B, dense_fraction: float = 0.05):
        from scipy import sparse

        Bc = sparse.csc_matrix(B, dtype=np.float64)
        self.shape = Bc.shape
        self.levels = (
            _dense_levels(Bc, dense_fraction) if Bc.shape[0] else np.zeros(Bc.shape[1], np.int64)
        )
        self.offset = np.cumsum(self.levels) - self.levels
        self.n_words = (int(self.levels.sum()) + 63) // 64
        bits, self.norms, r_ptr, r_idx, r_val = self._split(sparse.csr_matrix(Bc))
        self.bits = bits
        rest = sparse.csr_matrix((r_val, r_idx, r_ptr), shape=self.shape).tocsc()
        rest.sort_indices()
        self.ptr = rest.indptr.astype(np.int64)
        self.idx = rest.indices.astype(np.int64)
        self.val = rest.data.astype(np.int32)

    def _split(self, X):
        X.sum_duplicates()
        return _split_rows(
            X.indptr.astype(np.int64),
            X.indices.astype(np.int64),
            X.data.astype(np.float64),
            self.levels,
            self.offset,
            self.n_words,
        )

    def similarity(self, A, out: np.ndarray | None = None, weight: float = 1.0) -> np.ndarray:
        """Tanimoto/MinMax similarity of each row of ``A`` to each reference row.

        With ``out`` (C-contiguous ``float64``, shape ``(len(A), n_reference)``) the
        similarities times ``weight`` are added to it in place (a mean of kernels without
        temporaries).
        """
        from scipy import sparse

        A = sparse.csr_matrix(A, dtype=np.float64)
        if A.shape[1] != self.shape[1]:
            raise ValueError(f"fingerprints differ in length: {A.shape[1]} vs {self.shape[1]}")
        if out is None:
            out = np.zeros((A.shape[0], self.shape[0]))
        elif out.shape != (A.shape[0], self.shape[0]) or not out.flags.c_contiguous:
            raise ValueError(f"out must be C-contiguous {(A.shape[0], self.shape[0])}")
        bits, na, r_ptr, r_idx, r_val = self._split(A)
        _accumulate(
            bits, r_ptr, r_idx, r_val, na, self.bits, self.ptr, self.idx, self.val, self.norms,
            out, float(weight),
        )  # fmt: skip
        return out


def tanimoto(A, B, dense_fraction: float = 0.05) -> np.ndarray:
    """Tanimoto/MinMax similarity of each row of ``A`` to each row of ``B``.

    Parameters
    ----------
    A, B : scipy.sparse matrices (or dense arrays) with non-negative integer entries and
        the same number of columns.
    dense_fraction : float
        Count levels held by more than this fraction of ``B``'s rows become packed bits
        (speed only: the result is the same).

    Returns
    -------
    numpy.ndarray
        ``float64`` array of shape ``(A.shape[0], B.shape[0])``.
    """
    return TanimotoReference(B, dense_fraction).similarity(A)
