"""FASTQ reading for :mod:`kinetor.screens.count`: blocks of whole lines, problems named.

Files are read in blocks of whole lines (gzip decompressed in a reader thread, with ISA-L
when the optional ``isal`` package is installed). A truncated or corrupt gzip file, a
record whose header does not start with ``@`` or whose third line does not start with
``+``, a quality line of another length than its sequence, and a file that ends inside a
record are each a :class:`~kinetor.errors.DataError` naming the file and the line, as is
a blank line inside the file (at its own line). Blank lines at the end of a file are
ignored.

``trim5="auto"`` follows MAGeCK's AUTO rule (mageck ``mageckcount_trim5_auto``): in the
first 2 MB of reads, each read counts for the smallest offset 0..50 at which it matches a
guide exactly; offsets are taken by decreasing count until they cover more than 75 % of
those reads, stopping early at one covering under 5 % or under a third of the one
before (staggered adapters give several offsets).

Examples
--------
>>> import io
>>> [len(b) for b in _blocks(io.BytesIO(b"@r\\nACGT\\n+\\nIIII\\n\\n\\n"), name="x")]
[15]
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

from kinetor.errors import DataError, Problem
from kinetor.screens._fastq_kernels import scan_block

__all__ = ["auto_offsets", "fastq_problem"]

_WHY = {
    1: "not a FASTQ record (the header line does not start with '@')",
    2: "not a FASTQ record (the third line of the record does not start with '+')",
    3: "the quality line is not as long as the sequence line",
    4: "the file ends inside a FASTQ record (the last record has fewer than 4 lines)",
    5: "a blank line inside the FASTQ, where the next record's '@' header should be",
}


def fastq_problem(name: str, line: int, why: int) -> DataError:
    """The error for problem ``why`` (1-5, see ``_WHY``) at 1-based ``line`` of ``name``."""
    return DataError(
        Problem(
            _WHY[why],
            file=name,
            row=line,
            fix="give FASTQ (4 lines per read: @header, sequence, +, quality), gzip or plain"
            + ("; a cut file must be copied or downloaded again" if why == 4 else "")
            + ("; remove the blank line" if why == 5 else ""),
        )
    )


def _gzip_open(source):
    """A gzip reader: ISA-L (optional ``isal`` package, 2.4x faster) when installed, else zlib."""
    try:
        from isal import igzip
    except ImportError:
        return gzip.open(source, "rb")
    return igzip.open(source, "rb")


def _gzip_errors() -> tuple:
    errors = (EOFError, gzip.BadGzipFile, zlib.error)
    try:
        from isal.isal_zlib import error as isal_error
    except ImportError:
        return errors
    return (*errors, isal_error)


def _open(source):
    if isinstance(source, str | Path):
        p = Path(source)
        if not p.exists():
            raise FileNotFoundError(f"no such file: {p}")
        with open(p, "rb") as fh:
            magic = fh.read(2)
        return _gzip_open(p) if magic == b"\x1f\x8b" else open(p, "rb")
    data = source.read(2)
    source.seek(0)
    return _gzip_open(source) if data == b"\x1f\x8b" else source


def _blocks(source, block: int = 1 << 24, limit: int | None = None, name: str | None = None):
    """Blocks of whole lines; the next block is read (decompressed) in a second thread.

    Trailing blank lines are held back and dropped at the end of the file. A truncated or
    corrupt gzip stream is a ``DataError`` naming the file (``name``).
    """
    if limit is not None:
        block = min(block, limit)
    from concurrent.futures import ThreadPoolExecutor

    fh = _open(source)
    rest = b""
    got = 0
    try:
        with ThreadPoolExecutor(max_workers=1) as pool:
            fut = pool.submit(fh.read, block)
            while True:
                try:
                    chunk = fut.result()
                except _gzip_errors() as e:
                    raise DataError(
                        Problem(
                            f"the gzip file is truncated or corrupt ({e})",
                            file=name or str(source),
                            fix="copy or download the file again (gzip -t FILE checks it)",
                        )
                    ) from None
                if chunk:
                    fut = pool.submit(fh.read, block)
                buf = rest + chunk
                if not chunk:
                    if buf.strip(b"\r\n"):
                        yield buf if buf.endswith(b"\n") else buf + b"\n"
                    break
                end = buf.rfind(b"\n")
                while end >= 0 and buf[end] in (10, 13):  # back to the last text byte
                    end -= 1
                if end < 0:
                    rest = buf
                    continue
                cut = buf.index(b"\n", end)
                rest = buf[cut + 1 :]  # blank lines after the last text are held back
                yield buf[: cut + 1]
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
    for buf in _blocks(source, limit=limit, name=name):
        keys, npos, lines, bad = scan_block(buf, line, off, length)
        if bad:
            raise fastq_problem(name, bad, 1)
        line += lines
        yield keys, npos


def auto_offsets(source, name: str, matcher, max_offset: int = 50) -> list[int]:
    """MAGeCK's AUTO offsets (module docstring), most frequent first."""
    head = next(iter(_blocks(source, limit=1 << 21, name=name)), b"")
    hits = []
    for off in range(max_offset + 1):
        keys, npos, _, _ = scan_block(head, 0, off, matcher.length)
        hits.append(matcher.match(keys, npos, 0)[0] >= 0)
    hits = np.array(hits)  # (offsets, reads)
    found = hits.any(axis=0)
    if not found.any():
        return [0]
    n = np.bincount(hits[:, found].argmax(axis=0), minlength=max_offset + 1)
    frac = n / n.sum()
    out, last = [], 0.01
    for off in np.argsort(-n, kind="stable"):
        if last > 3 * frac[off]:
            break
        out.append(int(off))
        if frac[out].sum() > 0.75 or frac[off] < 0.05:
            break
        last = frac[off]
    return out
