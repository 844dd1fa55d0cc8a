"""A bounded least-recently-used cache, for every cache an object owns.

Caches keyed by parameter sets (steady states, run starts, quasi-steady tables) grow with
every new set a fit or a scan tries; :class:`LRUCache` keeps the ``maxsize`` most
recently used entries and drops the oldest.

Examples
--------
>>> cache = LRUCache(maxsize=2)
>>> cache.get(("a",), lambda: 1), cache.get(("b",), lambda: 2), cache.get(("a",), lambda: 9)
(1, 2, 1)
>>> cache.get(("c",), lambda: 3); sorted(cache.keys())
3
[('a',), ('c',)]
>>> cache.hits, cache.misses
(1, 3)
>>> cache.items(), cache.values()
([(('a',), 1), (('c',), 3)], [1, 3])
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any

from kinetor.errors import ModelError

__all__ = ["LRUCache"]


class LRUCache:
    """A least-recently-used cache of at most ``maxsize`` entries (thread-safe).

    Parameters
    ----------
    maxsize : int
        Entries kept (>= 1); the least recently used is dropped when a new one arrives.
    """

    def __init__(self, maxsize: int = 64):
        if isinstance(maxsize, bool) or not isinstance(maxsize, int) or maxsize < 1:
            raise ModelError(
                f"{type(self).__name__} maxsize must be an integer >= 1, got {maxsize!r}"
            )
        self.maxsize = maxsize
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = Lock()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._data)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(maxsize={self.maxsize}, size={len(self)})"

    def keys(self) -> list[Hashable]:
        """Keys, least recently used first."""
        return list(self._data)

    def items(self) -> list[tuple[Hashable, Any]]:
        """``(key, entry)`` pairs, least recently used first (a snapshot)."""
        with self._lock:
            return list(self._data.items())

    def values(self) -> list[Any]:
        """Entries, least recently used first (a snapshot)."""
        return [v for _, v in self.items()]

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
        value = build()  # outside the lock: a build can take seconds
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)
        return value
