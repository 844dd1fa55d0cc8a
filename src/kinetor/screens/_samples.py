"""Sample lists (``-t``/``-c``, ``treatment=``/``control=``) resolved against a count table.

A token that is a sample name is that sample; otherwise a whole number below the number
of samples is a 0-based index (MAGeCK accepts both). Where the table's sample names are
themselves numbers, an index cannot be told from a name, so a token that is not a name is
refused rather than read as an index (``-c 0,1`` on samples ``1,2,3,4`` would otherwise be
samples ``1`` and ``1``). A sample named twice in one list is refused: its replicates
would be identical and the variance between them zero.

Examples
--------
>>> sample_names("T0,2", ["T0", "T1", "T2"], "counts.txt")
['T0', 'T2']
"""

from __future__ import annotations

from kinetor.errors import DataError, Problem

__all__ = ["sample_names"]


def sample_names(samples, known: list[str], source: str, what: str = "samples") -> list[str]:
    """Sample names for ``samples`` (names or 0-based indices; a list or a comma-separated
    string), each at most once; ``what`` names the list in messages."""
    if isinstance(samples, str):
        samples = [s.strip() for s in samples.split(",") if s.strip()]
    numeric = [k for k in known if k.isdigit()]
    out, given = [], []
    for s in map(str, samples):
        if s in known:
            out.append(s)
        elif s.isdigit() and int(s) < len(known) and not numeric:
            out.append(known[int(s)])
        elif s.isdigit() and int(s) < len(known):
            raise DataError(
                Problem(
                    f"{what}: {s!r} is not a sample name, and the table's sample names are "
                    f"numbers ({', '.join(numeric[:10])}), so it cannot be read as an index",
                    file=source,
                    row=1,
                    fix=f"name the samples as in the header: {', '.join(known)}",
                )
            )
        else:
            raise DataError(
                Problem(
                    f"sample {s!r} is not in the count table",
                    file=source,
                    fix=f"use one of: {', '.join(known)}",
                )
            )
        given.append(s)
    twice = [n for i, n in enumerate(out) if n in out[:i]]
    if twice:
        n = twice[0]
        how = ", ".join(repr(g) for g, o in zip(given, out, strict=True) if o == n)
        raise DataError(
            Problem(
                f"{what}: sample {n!r} is given more than once ({how})",
                file=source,
                fix="name each sample once: a repeated sample is not a replicate",
            )
        )
    return out
