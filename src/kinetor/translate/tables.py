"""Bounded caches of the quasi-steady pathway tables a virtual study reuses.

Building a :class:`~kinetor.translate.signaling.QuasiSteadyTable` (one genotype, context
and drug set) runs the network to steady state over a concentration grid (seconds); studies,
scans and replicate batches reuse it. A :class:`TableCache` keeps the most recently used
tables up to ``maxsize`` (least recently used dropped first), so a long session of scans
over many genotypes and drugs cannot grow without bound. ``DEFAULT_TABLES`` (64 entries)
serves every study that does not bring its own (``NetworkOptions(tables=TableCache(8))``).

Examples
--------
>>> cache = TableCache(maxsize=2)
>>> cache.get(("a",), lambda: 1), cache.get(("b",), lambda: 2), cache.get(("a",), lambda: 9)
(1, 2, 1)
>>> cache.get(("c",), lambda: 3); sorted(cache.keys())
3
[('a',), ('c',)]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kinetor.numerics.lru import LRUCache

__all__ = ["DEFAULT_TABLES", "TableCache", "insulin_tables", "quasi_steady_table"]


class TableCache(LRUCache):
    """A least-recently-used cache of quasi-steady tables, at most ``maxsize`` (thread-safe).

    Parameters
    ----------
    maxsize : int
        Tables kept (>= 1); the least recently used is dropped when a new one arrives.
    """


DEFAULT_TABLES = TableCache(64)


def _key(kind: str, lesions, context, drugs, parameters) -> tuple:
    return (
        kind,
        tuple(lesions),
        tuple(sorted((context or {}).items())),
        tuple(drugs),
        tuple(sorted((parameters or {}).items())),
    )


def quasi_steady_table(
    lesions: Sequence[str],
    context: Mapping[str, float] | None,
    drugs: tuple,
    parameters: Mapping[str, float] | None = None,
    cache: TableCache | None = None,
):
    """The :class:`~kinetor.translate.signaling.QuasiSteadyTable` of a genotype, context and
    drug set, from ``cache`` (default ``DEFAULT_TABLES``), built on first use."""
    from kinetor.translate.signaling import QuasiSteadyTable

    return (DEFAULT_TABLES if cache is None else cache).get(
        _key("quasi-steady", lesions, context, drugs, parameters),
        lambda: QuasiSteadyTable(lesions, context, drugs, parameters=parameters),
    )


def insulin_tables(
    lesions: Sequence[str],
    context: Mapping[str, float] | None,
    drugs: tuple,
    parameters: Mapping[str, float] | None = None,
    cache: TableCache | None = None,
):
    """The :class:`~kinetor.translate.toxicity.InsulinTables` of a genotype, context and drug
    set (readouts vs concentration and insulin-driven growth factor), from ``cache``."""
    from kinetor.translate.toxicity import InsulinTables

    cache = DEFAULT_TABLES if cache is None else cache
    return cache.get(
        _key("insulin", lesions, context, drugs, parameters),
        lambda: InsulinTables(lesions, context, drugs, parameters, cache=cache),
    )
