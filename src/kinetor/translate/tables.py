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

from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from threading import Lock
from typing import Any

from kinetor.errors import ModelError

__all__ = ["DEFAULT_TABLES", "TableCache", "insulin_tables", "quasi_steady_table"]


class TableCache:
    """A least-recently-used cache of at most ``maxsize`` entries (thread-safe).

    Parameters
    ----------
    maxsize : int
        Entries kept (>= 1); the least recently used is dropped when a new one arrives.
    """

    def __init__(self, maxsize: int = 64):
        if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize < 1:
            raise ModelError(f"TableCache maxsize must be an integer >= 1, got {maxsize!r}")
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = Lock()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"TableCache(maxsize={self.maxsize}, size={len(self)})"

    def keys(self) -> list[Hashable]:
        """Keys, least recently used first."""
        return list(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def get(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The entry for ``key``, built with ``build()`` (and kept) when absent."""
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            self.misses += 1
        value = build()  # outside the lock: building a table takes seconds
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)
        return value


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
