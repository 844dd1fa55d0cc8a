"""Concurrent writers lose nothing: threads and separate processes (SQLite in WAL mode
and PostgreSQL) save results of one study at once; every write lands once, with a
distinct version number, and the audit trail has one entry per write."""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from kinetor.store import Store

N_WORKERS, N_EACH = 6, 8


def _writer(url: str, study_id: int, worker: int) -> list[int]:
    st = Store(url)
    out = [
        st.save_result(
            study_id,
            "nca",
            {"worker": worker, "i": i},
            {"t.csv": f"{worker},{i}".encode()},
            user="ana",
        )["version"]
        for i in range(N_EACH)
    ]
    st.close()
    return out


def _check(url: str, study_id: int, versions: list[int]) -> None:
    st = Store(url)
    rows = st.results("ana", study_id)
    n = N_WORKERS * N_EACH
    assert sorted(versions) == list(range(1, n + 1))  # none lost, none twice
    assert sorted(r["version"] for r in rows) == list(range(1, n + 1))
    payloads = {st.blob(r["id"], "t.csv", "ana") for r in rows}
    assert payloads == {f"{w},{i}".encode() for w in range(N_WORKERS) for i in range(N_EACH)}
    saves = [a for a in st.audit("ana") if a["action"] == "result.save"]
    assert len(saves) == n
    st.close()


def _study(url: str) -> int:
    st = Store(url)
    sid = st.add_study(st.create_project("p", user="ana"), "a.csv", b"x", user="ana")
    st.close()
    return sid


def test_threads_lose_nothing(store_url):
    sid = _study(store_url)
    with ThreadPoolExecutor(N_WORKERS) as pool:
        futs = [pool.submit(_writer, store_url, sid, w) for w in range(N_WORKERS)]
        versions = [v for f in futs for v in f.result()]
    _check(store_url, sid, versions)


def test_processes_lose_nothing(store_url):
    url = store_url
    sid = _study(url)
    with ProcessPoolExecutor(3, mp_context=mp.get_context("spawn")) as pool:
        futs = [pool.submit(_writer, url, sid, w) for w in range(N_WORKERS)]
        versions = [v for f in futs for v in f.result()]
    _check(url, sid, versions)
