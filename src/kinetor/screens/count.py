"""Count guides in FASTQ files: exact or one-mismatch matching against a library.

Reads are streamed in blocks (gzip or plain; decompressed in a reader thread, with ISA-L
when the optional ``isal`` package is installed), the guide window ``[trim5, trim5 + L)``
of every read is 2-bit encoded into an integer key and looked up in a hash table of the
library keys by a compiled kernel that counts in place (no per-read Python work). With
``mismatches=1`` the reads left unmatched are searched among all single-substitution
variants of the library guides; a variant shared by two guides is ambiguous and not
counted, and a read with one ``N`` counts for the guide that the ``N`` could be. ``reverse_complement=True`` matches the reverse complement of the
library spacers (MAGeCK ``--reverse-complement``). Several offsets (staggered adapters,
``trim5=[24, 25, 26]``) are tried in order, exact matches first; ``trim5="auto"`` takes
MAGeCK's AUTO offsets from the first 2 MB of reads of each file (:mod:`._fastq_io`). All
spacers of a library must have the same length, in A/C/G/T only (an ``N`` is a DataError);
a spacer given twice counts for its first guide (a :class:`UserWarning` names the others,
which stay 0). Malformed or cut FASTQ and gzip files are a ``DataError`` naming the file
and line. A sample with fewer than half of its reads mapped gives a :class:`UserWarning`
(a wrong ``trim5`` or strand, or reads too short for the guide window: it says which); its
Gini index is NaN when no read mapped.

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

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from kinetor.errors import DataError, Problem
from kinetor.screens._fastq_io import _blocks, _open, _read_keys, auto_offsets, fastq_problem
from kinetor.screens._fastq_kernels import build_table, count_block
from kinetor.screens.io import CountTable, read_library
from kinetor.screens.qc import gini

__all__ = ["CountResult", "count_fastq", "encode", "reverse_complement"]
_READERS = (_open, _read_keys)  # kept here for benchmarks/screens.py and the tests

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
    codes = np.asarray(codes)
    key = np.zeros(codes.shape[0], dtype=np.uint64)
    for q in range(codes.shape[1]):  # Horner: one pass per position, no (n, L) uint64 copy
        key = key * np.uint64(4) + (codes[:, q] & 3).astype(np.uint64)
    key[(codes >= 4).any(axis=1)] = np.iinfo(np.uint64).max
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
            raise DataError(
                Problem(
                    "empty spacer sequence in the library",
                    column="sequence",
                    fix="give each guide its spacer",
                )
            )
        if self.length > 32:
            raise DataError(
                Problem(
                    f"guides longer than 32 nt are not supported ({self.length})",
                    column="sequence",
                    fix="trim the library spacers to <= 32 nt",
                )
            )
        codes = _LUT[np.frombuffer("".join(seqs).encode(), dtype=np.uint8)].reshape(
            len(seqs), self.length
        )
        keys = encode(codes)
        o = np.argsort(keys)
        self.keys, self.idx = keys[o], idx[o]
        # variants: each position x each of the 3 other bases, as key arithmetic
        length = self.length
        pos = np.repeat(np.arange(length), 3)
        shift = np.tile(np.arange(1, 4), length).astype(np.uint8)
        w = (np.uint64(4) ** (length - 1 - pos).astype(np.uint64))[None, :]
        old = (codes[:, pos] & 3).astype(np.uint64)
        new = ((codes[:, pos] + shift[None, :]) % 4).astype(np.uint64)
        vkeys = (keys[:, None] - old * w + new * w).ravel()
        valid = np.repeat(keys != np.iinfo(np.uint64).max, 3 * length)
        vkeys, vidx = vkeys[valid], np.repeat(idx, 3 * length)[valid]
        # a variant that equals a real guide or is shared by two guides is ambiguous
        o = np.argsort(vkeys, kind="stable")
        vkeys, vidx = vkeys[o], vidx[o]
        uniq, first = np.unique(vkeys, return_index=True)
        same = np.minimum.reduceat(vidx, first) == np.maximum.reduceat(vidx, first)
        ok = same & ~np.isin(uniq, self.keys)
        self.vkeys, self.vidx = uniq[ok], vidx[first[ok]]
        # hash tables for the compiled counter: exact keys (small, cache-resident: most reads
        # stop there) and variant keys; a duplicated spacer counts for its first guide
        ukeys, ufirst = np.unique(keys, return_index=True)
        keep = ukeys != np.iinfo(np.uint64).max
        self.table = (
            *build_table(ukeys[keep], idx[ufirst[keep]]),
            *build_table(self.vkeys, self.vidx),
        )

    @staticmethod
    def _lookup(keys, table, idx):
        if table.size == 0:
            return np.full(keys.size, -1, dtype=np.int64)
        pos = np.minimum(np.searchsorted(table, keys), table.size - 1)
        return np.where(table[pos] == keys, idx[pos], -1)

    def match(
        self, keys: np.ndarray, npos: np.ndarray, mismatches: int
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
                cand = np.array(
                    [
                        self._lookup(keys[one_n] + np.uint64(b) * w, self.keys, self.idx)
                        for b in range(4)
                    ]
                )
                found = (cand >= 0).sum(axis=0)
                out[one_n] = np.where(found == 1, cand.max(axis=0), -1)
        return out, exact


LOW_MAPPING = 0.5  # warn below this mapped fraction (MAGeCK's QC expects >= 65 %)


def _warn_low_mapping(stats: list[dict], trim5, reverse_complement: bool, short: dict) -> None:
    """Warn of samples with few reads mapped; where most reads are shorter than the guide
    window (``short``: sample -> reads too short, longest read, first offset, spacer
    length), say so instead of suggesting another offset or strand."""
    low = [s for s in stats if s["mapped_fraction"] < LOW_MAPPING]
    too_short = [s for s in low if short[s["sample"]][0] > s["reads"] / 2]
    if too_short:
        parts = []
        for s in too_short:
            n, longest, off, length = short[s["sample"]]
            parts.append(
                f"{s['sample']}: {100 * n / s['reads']:.1f} % of reads shorter than "
                f"{off + length} nt (trim5 {off} + spacer {length} nt), longest read {longest} nt"
            )
        text = "; ".join(parts)
        warnings.warn(
            f"few reads map to the library: the reads are too short for the guide window "
            f"({text}); lower --trim-5 (trim5) to the bases before the guide, or count reads "
            "that reach the whole spacer",
            UserWarning,
            stacklevel=3,
        )
        low = [s for s in low if s not in too_short]
    if not low:
        return
    hints = []
    if trim5 != "auto":
        hints.append("--trim-5 auto (trim5='auto' in Python) to find the guide offset")
    hints.append(
        "--reverse-complement if the reads carry the reverse strand"
        if not reverse_complement
        else "dropping --reverse-complement"
    )
    text = ", ".join(f"{s['sample']} {100 * s['mapped_fraction']:.1f} %" for s in low)
    warnings.warn(
        f"few reads map to the library ({text} of reads mapped, offset "
        f"{low[0]['trim5']}); try {'; or '.join(hints)}",
        UserWarning,
        stacklevel=3,
    )


def _offsets(trim5) -> list[int] | None:
    """Guide offsets to try, in order (None: "auto")."""
    if isinstance(trim5, str) and trim5.strip().lower() == "auto":
        return None
    items = trim5.split(",") if isinstance(trim5, str) else np.atleast_1d(trim5).tolist()
    try:
        offs = [int(str(x).strip()) for x in items]
    except ValueError:
        offs = [-1]
    if not offs or min(offs) < 0:
        raise DataError(
            Problem(
                f"trim5 {trim5!r} is not 'auto' or whole numbers >= 0",
                fix="give the bases before the guide (e.g. 23), several for staggered "
                "adapters (e.g. 24,25,26,27), or auto",
            )
        )
    return list(dict.fromkeys(offs))


def _check_spacers(library: pd.DataFrame, seqs: list[str]) -> None:
    """Refuse spacers with other letters than A/C/G/T (an ``N`` matches no read)."""
    bad = [i for i, q in enumerate(seqs) if not q.isascii() or q.strip("ACGT")]
    if bad:
        ids = library["guide"].astype(str).to_numpy()
        raise DataError(
            Problem(
                f"{len(bad)} library spacer(s) have letters other than A/C/G/T (an N matches "
                "no read, the guide would stay 0): "
                + ", ".join(f"{ids[i]!r} ({seqs[i]!r}, library entry {i + 1})" for i in bad[:10])
                + (" ..." if len(bad) > 10 else ""),
                file=library.attrs.get("source"),
                column="sequence",
                fix="give the full spacers in A/C/G/T, or remove those guides",
            )
        )


def _warn_shared_spacers(library: pd.DataFrame, seqs: list[str]) -> None:
    dup = pd.Series(seqs).duplicated().to_numpy()
    if dup.any():
        ids = library["guide"].astype(str).to_numpy()
        first = {q: ids[i] for i, q in reversed(list(enumerate(seqs)))}
        pairs = [f"{ids[i]} (= {first[seqs[i]]})" for i in np.flatnonzero(dup)]
        warnings.warn(
            f"{len(pairs)} guide(s) share the spacer of an earlier guide: "
            f"{', '.join(pairs[:10])}{' ...' if len(pairs) > 10 else ''}; their reads count "
            "for the earlier guide and they stay 0 (MAGeCK drops them)",
            UserWarning,
            stacklevel=3,
        )


def count_fastq(
    fastqs: dict[str, str | Path] | list,
    library: pd.DataFrame | str | Path,
    *,
    trim5: int | str = 0,
    mismatches: int = 0,
    reverse_complement: bool = False,
) -> CountResult:
    """Count library guides in FASTQ files (one per sample).

    Parameters
    ----------
    fastqs : dict or list
        ``{sample: path}`` (or a list of paths; samples named after the files). Paths may
        be gzip-compressed; file-like objects are accepted.
    library : pandas.DataFrame or path
        ``guide``, ``sequence``, ``gene`` (:func:`~kinetor.screens.read_library`; a path
        is read by it).
    trim5 : int, list of int, str or "auto"
        Bases before the guide in each read; several (a list or ``"24,25,26"``, staggered
        adapters): each read counts at the first offset where it matches, exact matches
        at any offset first. ``"auto"``: MAGeCK's AUTO offsets (:mod:`._fastq_io`).
    mismatches : {0, 1}
        Allowed substitutions.
    reverse_complement : bool
        Reads carry the reverse complement of the spacer.

    Returns
    -------
    CountResult
    """
    if mismatches not in (0, 1):
        raise DataError(
            Problem(
                f"mismatches must be 0 or 1, got {mismatches!r}",
                fix="use exact (0) or one-mismatch (1) matching",
            )
        )
    if isinstance(library, str | Path):
        library = read_library(library)
    offs = _offsets(trim5)
    if isinstance(fastqs, list | tuple):
        names = [Path(p).name.split(".")[0] for p in fastqs]
        twice = [f"{n!r} ({fastqs[i]})" for i, n in enumerate(names) if names.index(n) != i]
        if twice:
            raise DataError(
                Problem(
                    f"two FASTQ files give the same sample name: {', '.join(twice)}",
                    fix="name the samples ({sample: path}; --sample-label on the command line)",
                )
            )
        fastqs = dict(zip(names, fastqs, strict=True))
    seqs = library["sequence"].astype(str).str.upper().tolist()
    _check_spacers(library, seqs)
    _warn_shared_spacers(library, seqs)
    if reverse_complement:
        seqs = [_rc(s) for s in seqs]
    lens = np.array([len(s) for s in seqs])
    if len(set(lens.tolist())) > 1:
        common = int(pd.Series(lens).mode().max())  # the length most guides have
        odd = np.flatnonzero(lens != common)
        names = library["guide"].astype(str).to_numpy()
        raise DataError(
            Problem(
                f"library spacers have several lengths {sorted(set(lens.tolist()))}; most are "
                f"{common} nt, {len(odd)} guide(s) differ: "
                + ", ".join(f"{names[i]!r} ({lens[i]} nt)" for i in odd[:5])
                + (" ..." if len(odd) > 5 else ""),
                file=library.attrs.get("source"),
                column="sequence",
                fix="count each spacer length with its own library",
            )
        )
    matchers = [_Matcher(seqs, np.arange(len(seqs)))]
    counts = np.zeros((len(seqs), len(fastqs)))
    stats, short = [], {}
    for j, (sample, src) in enumerate(fastqs.items()):
        name = str(src) if isinstance(src, str | Path) else sample
        off = auto_offsets(src, name, matchers[0]) if offs is None else offs
        col = np.zeros(len(seqs), dtype=np.int64)
        tally = np.zeros(6, dtype=np.int64)  # reads, mapped, exact, last/short/longest read
        for m in matchers:
            line = 0
            for buf in _blocks(src, name=name):
                lines, bad, why = count_block(
                    buf, line, np.array(off), m.length, m.table, mismatches, col, tally
                )
                if bad:
                    raise fastq_problem(name, bad, why)
                line += lines
            if line % 4:
                raise fastq_problem(name, line, 4)
        counts[:, j] = col
        reads, mapped, exact_n = (int(x) for x in tally[:3])
        short[sample] = (int(tally[4]), int(tally[5]), min(off), matchers[0].length)
        if reads == 0:
            raise DataError(
                Problem("the FASTQ has no reads", file=name, column=sample, fix="check the file")
            )
        stats.append(
            {
                "sample": sample,
                "file": name,
                "reads": reads,
                "mapped": mapped,
                "mapped_fraction": mapped / reads,
                "exact": exact_n,
                "one_mismatch": mapped - exact_n,
                "zero_guides": int((counts[:, j] == 0).sum()),
                "gini": gini(np.log(counts[:, j] + 1.0)),
                "trim5": off[0] if len(off) == 1 else ",".join(map(str, off)),
            }
        )
    _warn_low_mapping(stats, trim5, reverse_complement, short)
    table = CountTable(
        library["guide"].astype(str).to_numpy(),
        library["gene"].astype(str).to_numpy(),
        list(fastqs),
        counts,
    )
    return CountResult(table, pd.DataFrame(stats))
