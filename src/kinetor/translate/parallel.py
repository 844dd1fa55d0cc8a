"""Running independent pieces of a study in parallel: local processes or a Dask cluster.

``runner(n_jobs, scheduler)`` returns ``None`` (run in this process) or a function
``run(fn, args_list, on_done) -> list`` that evaluates ``fn(*args)`` for every entry, in
parallel, and returns the results in input order. ``on_done(k)`` (optional) is called as
pieces finish (for progress bars), with the piece's size when the first argument list
holds arrays, else 1.

* ``n_jobs > 1`` (or -1 = all cores): joblib's ``loky`` process pool on this machine.
* ``scheduler``: a Dask ``distributed`` scheduler address (``"tcp://host:8786"``) or a
  ``distributed.Client``. ``dask.distributed`` is imported only then; without it the call
  is a ``ModelError`` saying how to install it (``pip install "kinetor[dask]"``).

Each worker process compiles the pathway model once (~0.5 s) and keeps it for later pieces.

Examples
--------
>>> runner(1, None) is None
True
>>> callable(runner(2, None))
True
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from kinetor.errors import ModelError

__all__ = ["dask_client", "runner"]


def _size(args: Sequence[Any]) -> int:
    last = args[-1] if args else None
    if isinstance(last, list | tuple) and last and isinstance(last[0], list):
        return len(last[0])  # one exact course per animal
    if isinstance(last, list | tuple) and last and hasattr(last[0], "shape"):
        return int(last[0].shape[0])
    return 1


def _distributed():
    try:
        import dask.distributed as distributed
    except ImportError as exc:
        raise ModelError(
            "a Dask scheduler was given but dask.distributed is not installed: "
            "pip install \"kinetor[dask]\" (or 'dask[distributed]')"
        ) from exc
    return distributed


def dask_client(scheduler: Any):
    """A ``distributed.Client`` for an address (or the client itself) and whether we own it."""
    Client = _distributed().Client
    if isinstance(scheduler, Client):
        return scheduler, False
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ModelError(
            f"scheduler must be a Dask address such as 'tcp://127.0.0.1:8786' "
            f"or a distributed.Client, got {scheduler!r}"
        )
    try:
        return Client(scheduler, timeout="10s"), True
    except (OSError, TimeoutError, ValueError) as exc:  # unreachable, or not an address
        raise ModelError(f"cannot reach the Dask scheduler at {scheduler!r}: {exc}") from exc


def runner(n_jobs: int = 1, scheduler: Any = None) -> Callable | None:
    """A parallel map for ``n_jobs`` local processes or a Dask ``scheduler`` (see module)."""
    if scheduler is not None:
        return _dask_runner(scheduler)
    if n_jobs is None or int(n_jobs) == 1:
        return None
    if int(n_jobs) == 0 or int(n_jobs) < -1:
        raise ModelError(f"n_jobs must be >= 1 or -1 (all cores), got {n_jobs!r}")
    return _joblib_runner(int(n_jobs))


def _joblib_runner(n_jobs: int) -> Callable:
    def run(
        fn: Callable,
        args_list: Sequence[Sequence[Any]],
        on_done: Callable[[int], None] | None = None,
    ) -> list:
        from joblib import Parallel, delayed

        par = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator")
        out = []
        for args, res in zip(args_list, par(delayed(fn)(*a) for a in args_list), strict=True):
            out.append(res)
            if on_done is not None:
                on_done(_size(args))
        return out

    return run


def _dask_runner(scheduler: Any) -> Callable:
    as_completed = _distributed().as_completed  # fail early when dask is missing

    def run(
        fn: Callable,
        args_list: Sequence[Sequence[Any]],
        on_done: Callable[[int], None] | None = None,
    ) -> list:
        client, owned = dask_client(scheduler)
        try:
            futures = [client.submit(fn, *a, pure=False) for a in args_list]
            sizes = {f.key: _size(a) for f, a in zip(futures, args_list, strict=True)}
            for fut in as_completed(futures):
                if fut.status == "error":
                    fut.result()  # re-raises the worker's exception here
                if on_done is not None:
                    on_done(sizes[fut.key])
            return client.gather(futures)
        finally:
            if owned:
                client.close()

    return run
