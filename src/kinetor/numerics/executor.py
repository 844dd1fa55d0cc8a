"""One executor for independent pieces of work: serial, local processes or a Dask cluster.

Every parallel map in kinetor (virtual-study pathway runs and replicate batches in
:mod:`kinetor.translate`, dose x schedule scans, pathway condition scans, the multi-start of
the pathway calibration) goes through :class:`Executor`:

* ``Executor()`` (or ``n_jobs=1``): in this process, in order;
* ``Executor(n_jobs=2)`` (``-1`` = all cores): joblib's ``loky`` process pool on this machine;
* ``Executor(scheduler="tcp://host:8786")`` or ``Executor(scheduler=client)``: a Dask
  ``distributed`` cluster (``dask.distributed`` is imported only then; without it the call is
  a :class:`~kinetor.errors.ModelError` saying how to install it).

Results come back in input order and never depend on the backend: the work is cut into
pieces by the caller (:func:`interleaved`, :func:`contiguous`) from the number of items only,
and random streams come from :func:`task_seed` (``SeedSequence([seed, k])`` for piece ``k``),
never from the worker that ran the piece. ``initializer(*initargs)`` runs once per worker
process (once in this process for the serial backend) before its first piece, e.g. to
compile a model.

Errors: a :class:`~kinetor.errors.KinetorError` raised by a piece reaches the caller
unchanged (its message already says what to fix); any other exception keeps its type and
gains a note naming the piece and the backend; a worker process that dies (a crash, killed
for memory) is a ``ModelError`` that says to rerun with ``n_jobs=1`` to see the cause.

Examples
--------
>>> ex = Executor()
>>> ex.kind, ex.map(pow, [(2, 3), (3, 2)])
('serial', [8, 9])
>>> [p.tolist() for p in interleaved(5, 2)]
[[0, 2, 4], [1, 3]]
>>> task_seed(0, 1) == task_seed(0, 1) != task_seed(0, 2)
True
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from kinetor.errors import KinetorError, ModelError

__all__ = ["Executor", "contiguous", "dask_client", "interleaved", "task_seed"]

# (initializer, initargs) already run in this process
_INITIALISED: set[tuple] = set()


def interleaved(n_items: int, n_chunks: int) -> list[np.ndarray]:
    """Indices of ``n_chunks`` interleaved pieces (every ``n_chunks``-th item), no empty one.

    Each piece holds the same mix of a table's rows (e.g. every genotype and dose of a
    lesion-major scan), so workers finish together.
    """
    n_items, n_chunks = int(n_items), max(1, int(n_chunks))
    return [np.arange(k, n_items, n_chunks) for k in range(min(n_chunks, n_items))]


def contiguous(n_items: int, size: int) -> list[np.ndarray]:
    """Indices of consecutive pieces of ``size`` items (the last one may be shorter)."""
    size = max(1, int(size))
    return [np.arange(s, min(s + size, n_items)) for s in range(0, int(n_items), size)]


def task_seed(seed: int, k: int) -> int:
    """The seed of piece ``k`` of a job seeded with ``seed`` (``SeedSequence([seed, k])``)."""
    return int(np.random.SeedSequence([int(seed), int(k)]).generate_state(1)[0])


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
    """``(client, owned)``: a ``distributed.Client`` for an address, a cluster (anything with
    ``scheduler_address``, e.g. ``LocalCluster``) or the client itself; ``owned`` says
    whether the caller must close it."""
    Client = _distributed().Client
    if isinstance(scheduler, Client):
        return scheduler, False
    address = getattr(scheduler, "scheduler_address", scheduler)
    if not isinstance(address, str) or not address.strip():
        raise ModelError(
            f"scheduler must be a Dask address such as 'tcp://127.0.0.1:8786', "
            f"a distributed.Client or a cluster, got {scheduler!r}"
        )
    try:
        return Client(address, timeout="10s"), True
    except (OSError, TimeoutError, ValueError) as exc:  # unreachable, or not an address
        raise ModelError(f"cannot reach the Dask scheduler at {address!r}: {exc}") from exc


def _no_loky_leak_restarts() -> None:
    """Turn off loky's memory-leak restarts in this (worker) process.

    With psutil installed, a loky worker whose memory grew by more than 300 MB since its
    first piece announces a "leak" and waits, without a timeout, for the main process to
    let it exit; that path was seen to deadlock (joblib 1.6: the worker blocked on its
    exit lock, the main process waiting for results forever). kinetor workers grow by
    design (compiled networks, up to 16, and bounded result caches), so the heuristic
    fires on them; the worker loop reads the flag anew after every piece.
    """
    try:
        from joblib.externals.loky import process_executor
    except ImportError:  # pragma: no cover - joblib without its vendored loky
        return
    process_executor._USE_PSUTIL = False


class _Piece:
    """``fn(*args)`` after this process has run ``initializer(*initargs)`` once (picklable
    when ``fn`` and ``initializer`` are module-level functions)."""

    def __init__(self, fn: Callable, initializer: Callable | None, initargs: tuple):
        self.fn, self.initializer, self.initargs = fn, initializer, initargs

    def __call__(self, *args: Any) -> Any:
        _no_loky_leak_restarts()
        if self.initializer is not None:
            key = (self.initializer, self.initargs)
            if key not in _INITIALISED:
                self.initializer(*self.initargs)
                _INITIALISED.add(key)
        return self.fn(*args)

    def run(self, where: str, *args: Any) -> Any:
        """``self(*args)``; a non-kinetor exception gains the note ``where`` (added in the
        worker, so that it names the piece that failed whatever order pieces finish in)."""
        try:
            return self(*args)
        except KinetorError:
            raise
        except Exception as exc:
            exc.add_note(f"kinetor: in {where}")
            raise


class Executor:
    """A parallel map over independent pieces: serial, local processes or Dask (see module).

    Parameters
    ----------
    n_jobs : int
        Local worker processes (1 = in this process, -1 = all cores).
    scheduler : str, distributed.Client or cluster, optional
        A Dask scheduler; takes precedence over ``n_jobs``.
    initializer, initargs
        ``initializer(*initargs)`` runs once in each worker process before its first piece
        (hashable ``initargs``).
    """

    def __init__(
        self,
        n_jobs: int | None = 1,
        scheduler: Any = None,
        initializer: Callable | None = None,
        initargs: tuple = (),
    ):
        jobs = 1 if n_jobs is None else n_jobs
        if (
            isinstance(jobs, bool)
            or not isinstance(jobs, int | np.integer)
            or int(jobs) == 0
            or int(jobs) < -1
        ):
            raise ModelError(f"n_jobs must be >= 1 or -1 (all cores), got {n_jobs!r}")
        self.n_jobs = int(jobs)
        self.scheduler = scheduler
        self.initializer, self.initargs = initializer, tuple(initargs)
        if scheduler is not None:
            _distributed()  # fail early when dask is missing
            self.kind = "dask"
        else:
            self.kind = "serial" if self.n_jobs == 1 else "processes"

    @classmethod
    def coerce(
        cls, executor: Executor | None = None, n_jobs: int | None = 1, scheduler: Any = None
    ) -> Executor:
        """``executor`` itself, or one built from the ``n_jobs``/``scheduler`` options."""
        if executor is None:
            return cls(n_jobs, scheduler)
        if not isinstance(executor, Executor):
            raise ModelError(
                f"executor must be a kinetor.numerics.executor.Executor, got {executor!r}"
            )
        if (n_jobs not in (None, 1)) or scheduler is not None:
            raise ModelError("give either executor=... or n_jobs/scheduler, not both")
        return executor

    def __repr__(self) -> str:
        where = {"serial": "", "processes": f"n_jobs={self.n_jobs}"}.get(
            self.kind, f"scheduler={self.scheduler!r}"
        )
        return f"Executor({where})"

    @property
    def workers(self) -> int:
        """How many pieces run at once (Dask: the cluster's worker threads, at least 1)."""
        if self.kind == "serial":
            return 1
        if self.kind == "processes":
            return (os.cpu_count() or 1) if self.n_jobs == -1 else self.n_jobs
        client, owned = dask_client(self.scheduler)
        try:
            return max(1, sum(client.nthreads().values()))
        finally:
            if owned:
                client.close()

    def with_initializer(self, initializer: Callable, initargs: tuple = ()) -> Executor:
        """The same backend with another worker initialiser."""
        return Executor(self.n_jobs, self.scheduler, initializer, initargs)

    def map(
        self,
        fn: Callable,
        tasks: Sequence[Sequence[Any]],
        on_done: Callable[[int], None] | None = None,
        sizes: Sequence[int] | None = None,
    ) -> list:
        """``[fn(*t) for t in tasks]``, computed on this executor, in input order.

        ``on_done(k)`` (optional) is called as pieces finish, with the piece's entry of
        ``sizes`` (default 1): e.g. animals per chunk, for a progress bar.
        """
        tasks = [tuple(t) for t in tasks]
        sizes = [1] * len(tasks) if sizes is None else [int(s) for s in sizes]
        if len(sizes) != len(tasks):
            raise ModelError(f"{len(sizes)} sizes for {len(tasks)} tasks")
        piece = _Piece(fn, self.initializer, self.initargs)
        if not tasks:
            return []
        if self.kind == "serial" or (len(tasks) == 1 and self.kind == "processes"):
            return self._serial(piece, tasks, on_done, sizes)
        if self.kind == "processes":
            return self._processes(piece, tasks, on_done, sizes)
        return self._dask(piece, tasks, on_done, sizes)

    __call__ = map  # ``executor(fn, tasks, on_done)``: the runner contract of older callers

    def _where(self, k: int, n: int) -> str:
        return f"piece {k + 1} of {n} ({self.kind})"

    def _serial(self, piece, tasks, on_done, sizes) -> list:
        out = []
        for k, t in enumerate(tasks):
            out.append(piece.run(self._where(k, len(tasks)), *t))
            if on_done is not None:
                on_done(sizes[k])
        return out

    def _processes(self, piece, tasks, on_done, sizes) -> list:
        from joblib import Parallel, delayed

        par = Parallel(n_jobs=self.n_jobs, backend="loky", return_as="generator")
        n = len(tasks)
        out = []
        try:
            for k, res in enumerate(
                par(delayed(piece.run)(self._where(k, n), *t) for k, t in enumerate(tasks))
            ):
                out.append(res)
                if on_done is not None:
                    on_done(sizes[k])
        except Exception as exc:
            if type(exc).__name__ in ("TerminatedWorkerError", "BrokenProcessPool"):
                raise ModelError(
                    f"a worker process died ({str(exc).splitlines()[0]}); rerun with "
                    "n_jobs=1 to see the cause in this process"
                ) from exc
            raise
        return out

    def _dask(self, piece, tasks, on_done, sizes) -> list:
        as_completed = _distributed().as_completed
        client, owned = dask_client(self.scheduler)
        n = len(tasks)
        try:
            futures = [
                client.submit(piece.run, self._where(k, n), *t, pure=False)
                for k, t in enumerate(tasks)
            ]
            index = {f.key: k for k, f in enumerate(futures)}
            for fut in as_completed(futures):
                if fut.status == "error":
                    fut.result()  # re-raises the worker's exception here
                if on_done is not None:
                    on_done(sizes[index[fut.key]])
            return client.gather(futures)
        finally:
            if owned:
                client.close()
