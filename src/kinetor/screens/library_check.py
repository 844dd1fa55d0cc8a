"""Does a count table match its guide library? Every disagreement, named at once.

A count table and the library it was counted with must list the same guides, each with
the same gene. :func:`check_library` reports every guide of the table that the library
lacks or assigns to another gene (file, 1-based row with the header as row 1, column),
and the library guides the table lacks, in one :class:`~kinetor.errors.DataError`. It is
also importable from :mod:`kinetor.screens.io`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from kinetor.errors import DataError, Problem

if TYPE_CHECKING:
    from kinetor.screens.io import CountTable

__all__ = ["check_library"]


def check_library(counts: CountTable, library: pd.DataFrame, source: str = "library") -> None:
    """Check that a count table and its library describe the same guides.

    Raises
    ------
    DataError
        Count-table guides absent from the library, or assigned to another gene (row of
        the count table, header = row 1), and library guides absent from the table.
    """
    lib = dict(zip(library["guide"].astype(str), library["gene"].astype(str), strict=True))
    problems = []
    for i, (g, gene) in enumerate(zip(counts.guides, counts.genes, strict=True)):
        if len(problems) >= 30:
            break
        if g not in lib:
            problems.append(
                Problem(
                    f"guide {g!r} is not in the library",
                    file=counts.source,
                    row=i + 2,
                    column="sgRNA",
                    fix="use the library the table was counted with",
                )
            )
        elif lib[g] != gene:
            problems.append(
                Problem(
                    f"guide {g!r} targets {gene!r} here but {lib[g]!r} in the library",
                    file=counts.source,
                    row=i + 2,
                    column="Gene",
                    fix="fix the gene of this guide",
                )
            )
    missing = set(lib) - set(counts.guides.tolist())
    if missing:
        some = ", ".join(sorted(missing)[:5])
        problems.append(
            Problem(
                f"{len(missing)} library guide(s) are not in the count table "
                f"({some}{', ...' if len(missing) > 5 else ''})",
                file=source,
                fix="count with this library or give the matching one",
            )
        )
    if problems:
        raise DataError(problems)
