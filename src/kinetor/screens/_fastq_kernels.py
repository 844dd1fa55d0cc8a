"""Compiled FASTQ kernels for :mod:`kinetor.screens.count`.

Two kernels walk a block of whole FASTQ lines byte by byte:

* ``scan`` writes the 2-bit key of every read's guide window (used to pick ``trim5="auto"``
  and by the tests);
* ``count`` fuses the scan with the lookup: the key is looked up in an open-addressing hash
  table (library guides and their unambiguous one-substitution variants) at each guide
  offset given, and the guide's count is incremented in place, so no per-read array is
  materialised; it also checks the '+' line and the quality length of every record.

Both run without the GIL (``nogil=True``), so the decompression of the next block (in a
reader thread) overlaps the counting of this one on a second core.
"""

from __future__ import annotations

import numpy as np

__all__ = ["build_table", "count_block", "scan_block"]


def _hash_slot(key, shift):
    return (key * np.uint64(0x9E3779B97F4A7C15)) >> shift


# base code of every byte: A/C/G/T (either case) -> 0..3, anything else -> 4 (a table
# lookup: branching on random bases mispredicts about every other base)
_LUT = np.full(256, 4, dtype=np.uint8)
for _i, _b in enumerate(b"ACGT"):
    _LUT[_b] = _i
    _LUT[_b + 32] = _i


def _base(c):
    return _LUT[c]


def _lookup(key, hkeys, hvals, shift, mask):
    s = _hash_slot(key, shift)
    while True:
        v = hvals[s]
        if v < 0 or hkeys[s] == key:
            return v
        s = (s + np.uint64(1)) & mask


def _scan_py(buf, line0, off, length, keys, npos):
    """Encode the guide window of every sequence line of a block of FASTQ text.

    Returns (reads, lines, bad_line): reads written to keys/npos, lines seen, and the
    1-based line number of a record header not starting with '@' (0 if none).
    An ``N`` is encoded as A and its position stored in ``npos`` (-1 none, -2 several
    or a read too short for the window).
    """
    n = buf.size
    line = line0
    i = 0
    r = 0
    while i < n:
        j = i
        while j < n and buf[j] != 10:
            j += 1
        kind = line % 4
        if kind == 0 and j > i and buf[i] != 64:
            return r, line - line0, line + 1
        if kind == 1:
            end = j
            if end > i and buf[end - 1] == 13:
                end -= 1
            key = np.uint64(0)
            pos = -1
            if end - i < off + length:
                pos = -2
            else:
                for q in range(length):
                    v = _base(buf[i + off + q])
                    if v == 4:
                        v = 0
                        pos = q if pos == -1 else -2
                    key = key * np.uint64(4) + np.uint64(v)
            keys[r] = key
            npos[r] = pos
            r += 1
        line += 1
        i = j + 1
    return r, line - line0, 0


def _window(buf, start, length):
    """2-bit key of ``buf[start:start + length]`` and the position of its ``N`` (-1 none,
    -2 several); an ``N`` is encoded as A."""
    key = np.uint64(0)
    pos = -1
    for q in range(length):
        v = _base(buf[start + q])
        if v == 4:
            v = 0
            pos = q if pos == -1 else -2
        key = key * np.uint64(4) + np.uint64(v)
    return key, pos


def _count_py(buf, line0, offs, length, ek, ev, es, em, vk, vv, vs, vm, mismatches, counts, stats):
    """Count the reads of a block into ``counts`` (guides) and ``stats``.

    ``ek/ev`` (shift ``es``, mask ``em``) is the hash table of the library keys -> guide
    index, ``vk/vv`` that of the unambiguous one-substitution variants (-1: empty slot).
    ``offs`` are the guide offsets to try, in order: a read counts for the first exact
    match, else (``mismatches`` >= 1) for the first one-substitution match. ``stats``
    accumulates [reads, mapped, exact] and carries the length of the last sequence line
    in ``stats[3]`` (a record may span two blocks); ``stats[4]`` counts the reads shorter
    than the first guide window (smallest offset + ``length``), ``stats[5]`` keeps the
    longest read. A read with a single ``N`` maps (as a
    one-mismatch read) when exactly one of the four bases at that position gives a library
    guide. Returns (lines, bad_line, why): why 1 = a header line not starting with '@',
    2 = a third line not starting with '+', 3 = a quality line of another length than
    its sequence, 5 = a blank line where a record's header should be (0: none).
    """
    n = buf.size
    line = line0
    need = offs.min() + length
    i = 0
    while i < n:
        j = i
        while j < n and buf[j] != 10:
            j += 1
        end = j
        if end > i and buf[end - 1] == 13:
            end -= 1
        kind = line % 4
        if kind == 0 and end == i:
            return line - line0, line + 1, 5
        if kind == 0 and buf[i] != 64:
            return line - line0, line + 1, 1
        if kind == 2 and (j == i or buf[i] != 43):
            return line - line0, line + 1, 2
        if kind == 3 and end - i != stats[3]:
            return line - line0, line + 1, 3
        if kind == 1:
            stats[0] += 1
            stats[3] = end - i
            if end - i < need:
                stats[4] += 1
            stats[5] = max(stats[5], end - i)
            hit = -1
            for off in offs:  # exact match at any offset first
                if end - i >= off + length:
                    key, pos = _window(buf, i + off, length)
                    if pos == -1:
                        hit = _lookup(key, ek, ev, es, em)
                        if hit >= 0:
                            stats[2] += 1
                            break
            if hit < 0 and mismatches >= 1:
                for off in offs:
                    if end - i < off + length:
                        continue
                    key, pos = _window(buf, i + off, length)
                    if pos == -1:
                        hit = _lookup(key, vk, vv, vs, vm)
                    elif pos >= 0:
                        w = np.uint64(1) << np.uint64(2 * (length - 1 - pos))
                        nfound = 0
                        for b in range(4):
                            v = _lookup(key + np.uint64(b) * w, ek, ev, es, em)
                            if v >= 0:
                                hit = v
                                nfound += 1
                        if nfound != 1:
                            hit = -1
                    if hit >= 0:
                        break
            if hit >= 0:
                counts[hit] += 1
                stats[1] += 1
        line += 1
        i = j + 1
    return line - line0, 0, 0


def _insert_py(hkeys, hvals, keys, vals, shift, mask):
    for k in range(keys.size):
        s = _hash_slot(keys[k], shift)
        while hvals[s] >= 0:
            s = (s + np.uint64(1)) & mask
        hkeys[s] = keys[k]
        hvals[s] = vals[k]


_JIT: dict = {}


def _compiled():
    if not _JIT:
        import numba

        jit = numba.njit(cache=True, nogil=True)
        g = globals()
        for name in ("_hash_slot", "_base", "_lookup", "_window"):
            g[name] = jit(g[name])
        _JIT["scan"] = jit(_scan_py)
        _JIT["count"] = jit(_count_py)
        _JIT["insert"] = jit(_insert_py)
    return _JIT


def build_table(keys: np.ndarray, vals: np.ndarray):
    """Open-addressing hash table (load <= 0.5) of distinct uint64 ``keys`` -> ``vals``.

    Returns (hkeys, hvals, shift, mask); :func:`count_block` takes two of them.
    """
    bits = max(4, int(np.ceil(np.log2(max(keys.size, 1) * 2))))
    hkeys = np.zeros(1 << bits, dtype=np.uint64)
    hvals = np.full(1 << bits, -1, dtype=np.int32)
    shift, mask = np.uint64(64 - bits), np.uint64((1 << bits) - 1)
    _compiled()["insert"](hkeys, hvals, keys.astype(np.uint64), vals.astype(np.int32), shift, mask)
    return hkeys, hvals, shift, mask


def scan_block(buf: bytes, line0: int, off: int, length: int):
    """(keys, npos, lines, bad_line) of the guide windows of a block of whole lines."""
    arr = np.frombuffer(buf, dtype=np.uint8)
    cap = arr.size // 4 + 2
    keys = np.empty(cap, dtype=np.uint64)
    npos = np.empty(cap, dtype=np.int64)
    r, lines, bad = _compiled()["scan"](arr, line0, off, length, keys, npos)
    return keys[:r], npos[:r], lines, bad


def count_block(
    buf: bytes,
    line0: int,
    offs: np.ndarray,
    length: int,
    tables: tuple,
    mismatches: int,
    counts: np.ndarray,
    stats: np.ndarray,
):
    """Count a block of whole FASTQ lines in place; returns (lines, bad_line, why).

    ``offs`` (int64) are the guide offsets tried in order; ``tables`` is the exact table
    followed by the variant table (8 items); ``stats`` has 6 int64 slots (see
    :func:`_count_py`).
    """
    return _compiled()["count"](
        np.frombuffer(buf, dtype=np.uint8), line0, offs, length, *tables, mismatches, counts, stats
    )
