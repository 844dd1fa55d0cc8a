"""Count guides in FASTQ files: exact or one-mismatch matching against a library.

Reads are streamed in blocks (gzip or plain), the guide window ``[trim5, trim5 + L)`` of
every read is 2-bit encoded into an integer key and matched with a sorted-array search
(no per-read Python dictionary lookup). With ``mismatches=1`` the reads left unmatched are
searched among all single-substitution variants of the library guides; a variant shared
by two guides is ambiguous and not counted, and a read with one ``N`` counts for the guide
that the ``N`` could be. ``reverse_complement=True`` matches the reverse complement of the
library spacers (MAGeCK ``--reverse-complement``); ``trim5="auto"`` picks the offset with
the most exact matches in the first 2 MB of reads of each file. All spacers of a library
must have the same length.

Examples
--------
>>> import io, gzip, pandas as pd
>>> lib = pd.DataFrame({"guide": ["s1", "s2"], "sequence": ["ACGTACGT", "TTTTCCCC"],
...                     "gene": ["A", "B"]})
>>> fq = b"@r1\\nGGACGTACGTAA\\n+\\nIIIIIIIIIIII\\n@r2\\nGGTTTTCCCAAA\\n+\\nIIIIIIIIIIII\\n"
>>> res = count_fastq({"s": io.BytesIO(fq)}, lib, trim5=2, mismatches=1)
>>> res.counts.counts[:, 0].tolist(), int(res.mapping["mapped"].iloc[0])
([1.0, 1.0], 2)
"""

from __future__ import annotations

import gzip
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem
from kinetor.screens.io import CountTable
from kinetor.screens.qc import gini

__all__ = ["CountResult", "count_fastq", "encode", "reverse_complement"]

_LUT = np.full(256, 4, dtype=np.uint8)
for _i, _b in enumerate(b"ACGT"):
    _LUT[_b] = _i
    _LUT[_b + 32] = _i  # lower case
_COMP = bytes.maketrans(b"ACGTNacgtn", b"TGCANtgcan")


def reverse_complement(seq: str) -> str:
    """Reverse complement of a DNA string (N stays N)."""
    return seq.encode().translate(_COMP)[::-1].decode()


def encode(codes: np.ndarray) -> np.ndarray:
    """2-bit keys of rows of base codes (0..3; any 4 makes the row invalid -> max uint64)."""
    codes = codes.astype(np.uint64)
    n = codes.shape[1]
    weights = (np.uint64(4) ** np.arange(n - 1, -1, -1, dtype=np.uint64))
    key = (codes * weights[None, :]).sum(axis=1, dtype=np.uint64)
    bad = (codes >= 4).any(axis=1)
    key[bad] = np.iinfo(np.uint64).max
    return key


_rc = reverse_complement  # count_fastq's argument of the same name shadows it


@dataclass
class CountResult:
    """Counts and per-sample mapping statistics.

    Attributes
    ----------
    counts : CountTable
        Guides x samples (library order).
    mapping : pandas.DataFrame
        ``sample``, ``file``, ``reads``, ``mapped``, ``mapped_fraction``, ``exact``,
        ``one_mismatch``, ``zero_guides``, ``gini``, ``trim5``.
    """

    counts: CountTable
    mapping: pd.DataFrame


class _Matcher:
    """Sorted keys of the library guides of one length, and of their 1-mismatch variants."""

    def __init__(self, seqs: list[str], idx: np.ndarray):
        self.length = len(seqs[0])
        if self.length == 0:
            raise DataError(Problem("empty spacer sequence in the library", column="sequence",
                                    fix="give each guide its spacer"))
        if self.length > 32:
            raise DataError(Problem(f"guides longer than 32 nt are not supported "
                                    f"({self.length})", column="sequence",
                                    fix="trim the library spacers to <= 32 nt"))
        codes = _LUT[np.frombuffer("".join(seqs).encode(), dtype=np.uint8)].reshape(
            len(seqs), self.length)
        keys = encode(codes)
        o = np.argsort(keys)
        self.keys, self.idx = keys[o], idx[o]
        # variants: each position x each of the 3 other bases
        length = codes.shape[1]
        var_codes = np.repeat(codes[:, None, :], 3 * length, axis=1)
        pos = np.repeat(np.arange(length), 3)
        shift = np.tile(np.arange(1, 4), length)
        var_codes[:, np.arange(3 * length), pos] = (codes[:, pos] + shift[None, :]) % 4
        vkeys = encode(var_codes.reshape(-1, length))
        vidx = np.repeat(idx, 3 * length)
        # a variant that equals a real guide or is shared by two guides is ambiguous
        o = np.argsort(vkeys, kind="stable")
        vkeys, vidx = vkeys[o], vidx[o]
        uniq, first = np.unique(vkeys, return_index=True)
        same = np.minimum.reduceat(vidx, first) == np.maximum.reduceat(vidx, first)
        ok = same & ~np.isin(uniq, self.keys)
        self.vkeys, self.vidx = uniq[ok], vidx[first[ok]]

    @staticmethod
    def _lookup(keys, table, idx):
        if table.size == 0:
            return np.full(keys.size, -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(table, keys), table.size - 1)
        return np.where(table[pos] == keys, idx[pos], -1)

    def match(self, keys: np.ndarray, npos: np.ndarray, mismatches: int
              ) -> tuple[np.ndarray, np.ndarray]:
        """Guide index per read (-1 = none) and whether the match is exact.

        ``keys`` are the read windows' keys (an ``N`` encoded as A), ``npos`` the position
        of the single ``N`` (-1 none, -2 several or a short read).
        """
        clean = npos == -1
        out = np.full(keys.size, -1, dtype=np.int64)
        out[clean] = self._lookup(keys[clean], self.keys, self.idx)
        exact = out >= 0
        if mismatches >= 1:
            todo = np.flatnonzero(clean & ~exact)
            out[todo] = self._lookup(keys[todo], self.vkeys, self.vidx)
            one_n = np.flatnonzero(npos >= 0)
            if one_n.size:
                w = np.uint64(4) ** (self.length - 1 - npos[one_n]).astype(np.uint64)
                cand = np.array([self._lookup(keys[one_n] + np.uint64(b) * w, self.keys,
                                              self.idx) for b in range(4)])
                found = (cand >= 0).sum(axis=0)
                out[one_n] = np.where(found == 1, cand.max(axis=0), -1)
        return out, exact


def _scan_py(buf, line0, off, length, keys, npos):
    """Encode the guide window of every sequence line of a block of FASTQ text.

    Returns (reads, lines, bad_line): reads written to keys/npos, lines seen, and the
    1-based line number of a record header not starting with '@' (0 if none).
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
                    c = buf[i + off + q]
                    if c > 96:
                        c -= 32
                    if c == 65:
                        v = 0
                    elif c == 67:
                        v = 1
                    elif c == 71:
                        v = 2
                    elif c == 84:
                        v = 3
                    else:
                        v = 0
                        pos = q if pos == -1 else -2
                    key = key * np.uint64(4) + np.uint64(v)
            keys[r] = key
            npos[r] = pos
            r += 1
        line += 1
        i = j + 1
    return r, line - line0, 0


_KERNEL: list = []


def _scan(buf: bytes, line0: int, off: int, length: int):
    if not _KERNEL:
        import numba

        _KERNEL.append(numba.njit(cache=False, nogil=True)(_scan_py))
    arr = np.frombuffer(buf, dtype=np.uint8)
    cap = arr.size // 4 + 2
    keys = np.empty(cap, dtype=np.uint64)
    npos = np.empty(cap, dtype=np.int64)
    r, lines, bad = _KERNEL[0](arr, line0, off, length, keys, npos)
    return keys[:r], npos[:r], lines, bad


def _open(source):
    if isinstance(source, str | Path):
        p = Path(source)
        if not p.exists():
            raise FileNotFoundError(f"no such file: {p}")
        with open(p, "rb") as fh:
            magic = fh.read(2)
        return gzip.open(p, "rb") if magic == b"\x1f\x8b" else open(p, "rb")
    data = source.read(2)
    source.seek(0)
    return gzip.open(source, "rb") if data == b"\x1f\x8b" else source


def _blocks(source, block: int = 1 << 24, limit: int | None = None):
    if limit is not None:
        block = min(block, limit)
    """Blocks of whole lines; the next block is read (decompressed) in a second thread."""
    from concurrent.futures import ThreadPoolExecutor

    fh = _open(source)
    rest = b""
    got = 0
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            fut = pool.submit(fh.read, block)
            while True:
                chunk = fut.result()
                if chunk:
                    fut = pool.submit(fh.read, block)
                buf = rest + chunk
                if not chunk:
                    if buf:
                        yield buf if buf.endswith(b"\n") else buf + b"\n"
                    break
                cut = buf.rfind(b"\n")
                if cut < 0:
                    rest = buf
                    continue
                rest = buf[cut + 1:]
                yield buf[:cut + 1]
                got += cut + 1
                if limit is not None and got >= limit:
                    fut.result()
                    break
    finally:
        if isinstance(source, str | Path):
            fh.close()
        elif hasattr(source, "seek"):
            source.seek(0)


def _read_keys(source, name: str, off: int, length: int, limit: int | None = None):
    line = 0
    for buf in _blocks(source, limit=limit):
        keys, npos, lines, bad = _scan(buf, line, off, length)
        if bad:
            raise DataError(Problem("not a FASTQ record (the header line does not start "
                                    "with '@')", file=name, row=bad,
                                    fix="give FASTQ (4 lines per read), gzip or plain"))
        line += lines
        yield keys, npos


def _auto_trim(source, name: str, m: _Matcher, max_offset: int = 50) -> int:
    head = next(iter(_blocks(source, limit=1 << 21)), b"")
    best, best_n = 0, -1
    for off in range(max_offset + 1):
        keys, npos, _, _ = _scan(head, 0, off, m.length)
        n = int((m.match(keys, npos, 0)[0] >= 0).sum())
        if n > best_n:
            best, best_n = off, n
    return best


def count_fastq(fastqs: dict[str, str | Path] | list, library: pd.DataFrame, *,
                trim5: int | str = 0, mismatches: int = 0,
                reverse_complement: bool = False) -> CountResult:
    """Count library guides in FASTQ files (one per sample).

    Parameters
    ----------
    fastqs : dict or list
        ``{sample: path}`` (or a list of paths; samples named after the files). Paths may
        be gzip-compressed; file-like objects are accepted.
    library : pandas.DataFrame
        ``guide``, ``sequence``, ``gene`` (:func:`~kinetor.screens.read_library`).
    trim5 : int or "auto"
        Bases before the guide in each read.
    mismatches : {0, 1}
        Allowed substitutions.
    reverse_complement : bool
        Reads carry the reverse complement of the spacer.

    Returns
    -------
    CountResult
    """
    if mismatches not in (0, 1):
        raise DataError(Problem(f"mismatches must be 0 or 1, got {mismatches!r}",
                                fix="use exact (0) or one-mismatch (1) matching"))
    if isinstance(fastqs, list | tuple):
        fastqs = {Path(p).name.split(".")[0]: p for p in fastqs}
    seqs = library["sequence"].astype(str).str.upper().tolist()
    if reverse_complement:
        seqs = [_rc(s) for s in seqs]
    lengths = sorted({len(s) for s in seqs})
    if len(lengths) > 1:
        first = next(i for i, s in enumerate(seqs) if len(s) != lengths[0])
        raise DataError(Problem(f"library spacers have several lengths {lengths}; guide "
                                f"{library['guide'].iat[first]!r} differs", column="sequence",
                                fix="count each spacer length with its own library"))
    matchers = [_Matcher(seqs, np.arange(len(seqs)))]
    counts = np.zeros((len(seqs), len(fastqs)))
    stats = []
    for j, (sample, src) in enumerate(fastqs.items()):
        name = str(src) if isinstance(src, str | Path) else sample
        off = _auto_trim(src, name, matchers[0]) if trim5 == "auto" else int(trim5)
        reads = mapped = exact_n = 0
        for m in matchers:
            for keys, npos in _read_keys(src, name, off, m.length):
                reads += keys.size
                hit, ex = m.match(keys, npos, mismatches)
                ok = hit >= 0
                counts[:, j] += np.bincount(hit[ok], minlength=len(seqs))
                mapped += int(ok.sum())
                exact_n += int(ex.sum())
        if reads == 0:
            raise DataError(Problem("the FASTQ has no reads", file=name, column=sample,
                                    fix="check the file"))
        stats.append({"sample": sample, "file": name, "reads": reads, "mapped": mapped,
                      "mapped_fraction": mapped / reads, "exact": exact_n,
                      "one_mismatch": mapped - exact_n,
                      "zero_guides": int((counts[:, j] == 0).sum()),
                      "gini": gini(np.log(counts[:, j] + 1.0)), "trim5": off})
    table = CountTable(library["guide"].astype(str).to_numpy(),
                       library["gene"].astype(str).to_numpy(), list(fastqs), counts)
    return CountResult(table, pd.DataFrame(stats))

