"""One executor (kinetor.numerics.executor): serial, local processes and Dask give the same
results in the same order, seeds depend on the piece only, workers are initialised once,
and failures are clear."""

from __future__ import annotations

import os
import sys
import warnings

import numpy as np
import pytest

from kinetor.errors import ModelError
from kinetor.numerics.executor import Executor, contiguous, interleaved, task_seed

_INIT_CALLS: dict[str, int] = {}


def _by_value():
    # the helpers below live in a test module that worker processes cannot import
    import cloudpickle  # joblib's loky and distributed both pickle functions with it

    cloudpickle.register_pickle_by_value(sys.modules[__name__])


def _draws(seed: int, k: int, n: int) -> np.ndarray:
    """Piece ``k`` of a seeded job: its draws depend on (seed, k) only."""
    return np.random.default_rng(task_seed(seed, k)).normal(size=n)


def _init(tag: str) -> None:
    _INIT_CALLS[tag] = _INIT_CALLS.get(tag, 0) + 1


def _inits(tag: str) -> tuple[int, int]:
    return os.getpid(), _INIT_CALLS.get(tag, 0)


def _fail(k: int) -> int:
    if k == 1:
        raise ValueError("bad piece")
    if k == 2:
        raise ModelError("a kinetor error says what to fix")
    return k


def _die(k: int) -> int:
    if k == 1:
        os._exit(3)
    return k


def test_chunks_by_hand():
    assert [p.tolist() for p in interleaved(7, 3)] == [[0, 3, 6], [1, 4], [2, 5]]
    assert [p.tolist() for p in interleaved(2, 5)] == [[0], [1]]  # never an empty piece
    assert interleaved(0, 4) == []
    assert [p.tolist() for p in contiguous(7, 3)] == [[0, 1, 2], [3, 4, 5], [6]]
    assert contiguous(0, 8) == []


def test_task_seed_is_the_seed_sequence_of_seed_and_piece():
    # SeedSequence([seed, k]): the stream of piece k, whatever ran it
    expected = int(np.random.SeedSequence([11, 4]).generate_state(1)[0])
    assert task_seed(11, 4) == expected
    assert len({task_seed(11, k) for k in range(50)}) == 50
    assert task_seed(11, 4) != task_seed(12, 4)


def test_serial_map_keeps_order_and_reports_sizes():
    seen = []
    out = Executor().map(pow, [(2, 3), (3, 2), (5, 0)], seen.append, sizes=[4, 4, 2])
    assert out == [8, 9, 1]
    assert seen == [4, 4, 2]
    assert Executor()(divmod, [(7, 2)]) == [(3, 1)]  # the runner call form
    assert Executor().map(pow, []) == []


def test_bad_options_are_model_errors():
    for bad in (0, -2, 1.5, True):
        with pytest.raises(ModelError, match="n_jobs must be >= 1 or -1"):
            Executor(n_jobs=bad)
    with pytest.raises(ModelError, match="not both"):
        Executor.coerce(Executor(), n_jobs=2)
    with pytest.raises(ModelError, match="must be a kinetor"):
        Executor.coerce("processes")
    with pytest.raises(ModelError, match="sizes for"):
        Executor().map(pow, [(1, 1)], sizes=[1, 2])
    assert Executor(n_jobs=-1).workers == (os.cpu_count() or 1)


def test_errors_keep_their_type_and_name_the_piece():
    _by_value()
    for ex in (Executor(), Executor(n_jobs=2)):
        with pytest.raises(ValueError, match="bad piece") as info:
            ex.map(_fail, [(0,), (1,)])
        assert any("piece 2 of 2" in note for note in info.value.__notes__)
        with pytest.raises(ModelError, match="what to fix") as info:
            ex.map(_fail, [(0,), (2,)])
        assert not getattr(info.value, "__notes__", None)  # kinetor errors pass unchanged


def test_a_dead_worker_is_a_model_error():
    _by_value()
    with pytest.raises(ModelError, match=r"worker process died.*n_jobs=1"):
        Executor(n_jobs=2).map(_die, [(0,), (1,), (2,)])


def test_processes_initialise_each_worker_once_and_match_serial():
    _by_value()
    tasks = [(5, k, 3) for k in range(6)]
    serial = Executor().map(_draws, tasks)
    two = Executor(n_jobs=2).map(_draws, tasks)
    for a, b in zip(serial, two, strict=True):
        np.testing.assert_array_equal(a, b)
    ex = Executor(n_jobs=2, initializer=_init, initargs=("compile",))
    seen = ex.map(_inits, [("compile",)] * 6) + ex.map(_inits, [("compile",)] * 6)
    assert {count for _, count in seen} == {1}  # once per process, however many pieces
    assert (
        Executor(initializer=_init, initargs=("here",)).map(_inits, [("here",)] * 3)
        == [(os.getpid(), 1)] * 3
    )


def test_dask_cluster_gives_the_serial_answer():
    distributed = pytest.importorskip("dask.distributed")
    _by_value()
    tasks = [(9, k, 4) for k in range(5)]
    serial = Executor().map(_draws, tasks)
    done = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # distributed's start-up and shutdown chatter
        with distributed.LocalCluster(
            n_workers=1,
            threads_per_worker=2,
            processes=False,
            protocol="tcp://",
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster:
            by_address = Executor(scheduler=cluster.scheduler_address)
            assert by_address.kind == "dask" and by_address.workers == 2
            out = by_address.map(_draws, tasks, done.append, sizes=[4] * 5)
            with distributed.Client(cluster) as client:
                again = Executor(scheduler=client).map(_draws, tasks)
                with pytest.raises(ValueError, match="bad piece") as info:
                    Executor(scheduler=client).map(_fail, [(0,), (1,)])
    assert any("piece 2 of 2 (dask)" in note for note in info.value.__notes__)
    assert done == [4] * 5
    for a, b, c in zip(serial, out, again, strict=True):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)


def test_missing_dask_is_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "dask.distributed", None)  # import now fails
    with pytest.raises(ModelError, match=r"pip install \"kinetor\[dask\]\""):
        Executor(scheduler="tcp://127.0.0.1:1")


def _leak_restarts_on(k: int) -> tuple[int, bool]:
    from joblib.externals.loky import process_executor

    return os.getpid(), bool(process_executor._USE_PSUTIL)


def test_workers_do_not_restart_on_loky_memory_heuristic():
    """kinetor workers grow by design (compiled models); loky's psutil "leak" restart waits
    on a lock without a timeout and was seen to deadlock, so every worker turns it off
    before its first piece."""
    _by_value()
    seen = Executor(n_jobs=2).map(_leak_restarts_on, [(k,) for k in range(6)])
    assert {pid for pid, _ in seen} - {os.getpid()}  # ran in worker processes
    assert not any(flag for _, flag in seen)
