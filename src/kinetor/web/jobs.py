"""Worker processes for the browser app: long runs never block the page.

One ``ProcessPoolExecutor`` per server (``spawn`` start: no forked event loop or database
connection in the workers). A :class:`Job` runs a list of steps one after another in the
pool; ``progress`` counts finished steps and ``cancel()`` stops before the next step and
drops any queued one (a step already computing finishes in its worker and its result is
discarded). A worker that dies (killed, out of memory) breaks the pool: it is rebuilt and
the step tried once more; when that fails too the step returns ``{"error": ...}``.
"""

from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

_POOL: ProcessPoolExecutor | None = None
_WORKERS: int | None = None
WORKER_LOST = (
    "the worker process running this step stopped unexpectedly (it may have run out of "
    "memory); it was replaced: try again, with a smaller study if it happens again"
)


def start_pool(workers: int | None = None) -> ProcessPoolExecutor:
    """The server's worker pool (created once; ``workers`` default: CPU count)."""
    global _POOL, _WORKERS
    if _POOL is None:
        from kinetor.web.tasks import warm

        _WORKERS = workers or _WORKERS
        n = _WORKERS or os.cpu_count() or 2
        _POOL = ProcessPoolExecutor(max_workers=n, mp_context=mp.get_context("spawn"))
        for _ in range(n):
            _POOL.submit(warm)
    return _POOL


def stop_pool() -> None:
    """End the pool: queued steps are dropped and the workers stopped, also those still
    warming up or computing (none outlives the server)."""
    global _POOL
    pool, _POOL = _POOL, None
    if pool is not None:
        # the executor has no public list of its workers before Python 3.14
        procs = list((pool._processes or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            p.terminate()
        for p in procs:
            p.join(10)


async def run(fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(*args)`` in a worker process, awaited without blocking the event loop.

    A broken pool (a worker died) is replaced and the call tried once more; if that
    fails too, ``{"error": WORKER_LOST, "problems": []}`` comes back."""
    loop = asyncio.get_running_loop()
    for _ in range(2):
        pool = start_pool()
        try:
            return await loop.run_in_executor(pool, fn, *args)
        except BrokenProcessPool:
            if _POOL is pool:
                stop_pool()
    return {"error": WORKER_LOST, "problems": []}


@dataclass
class Job:
    """Progress of a multi-step run (read by the page's status text)."""

    total: int = 0
    done: int = 0
    label: str = ""
    cancelled: bool = False
    results: list = field(default_factory=list)

    def text(self) -> str:
        if self.cancelled:
            return "cancelled"
        return f"{self.label}: step {min(self.done + 1, self.total)} of {self.total}"

    def cancel(self) -> None:
        self.cancelled = True

    async def run(self, steps: list[tuple[str, Callable[..., Any], tuple]]) -> list:
        """Run ``(label, fn, args)`` steps in order; stops at an error result or cancel."""
        self.total, self.done, self.cancelled, self.results = len(steps), 0, False, []
        for label, fn, args in steps:
            if self.cancelled:
                break
            self.label = label
            out = await run(fn, *args)
            if self.cancelled:
                break
            self.results.append(out)
            self.done += 1
            if isinstance(out, dict) and "error" in out:
                break
        return self.results
