"""A throwaway PostgreSQL server for the store tests (Debian's ``postgresql`` package).

The server runs from a temporary folder on a free port (``initdb`` + ``pg_ctl``), as the
``postgres`` system user when the tests run as root (PostgreSQL refuses root). When the
binaries are absent the fixture tries ``make web-test-deps``'s apt-get install (root
only) and otherwise skips, saying why.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest


def _pg_bin() -> Path | None:
    for cand in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if Path(cand, "initdb").exists():
            return Path(cand)
    exe = shutil.which("initdb")
    return Path(exe).parent if exe else None


def _install() -> str:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return "not root (or no apt-get), so it cannot be installed here"
    try:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "postgresql"],
            env=env,
            capture_output=True,
            timeout=600,
            check=True,
        )
    except (subprocess.SubprocessError, OSError) as exc:
        return f"apt-get install postgresql failed: {exc}"
    return ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server():
    """URL prefix ``postgresql://kinetor@127.0.0.1:PORT/`` of a running server."""
    binary = _pg_bin()
    if binary is None:
        why = _install()
        binary = _pg_bin()
        if binary is None:
            pytest.skip(
                "PostgreSQL server binaries (Debian package 'postgresql') are absent "
                f"and {why or 'were not found after installing'}; run "
                "'make web-test-deps' as root"
            )
    try:
        import psycopg2  # noqa: F401
    except ImportError:
        pytest.skip("the PostgreSQL driver psycopg2 is not installed (pip install 'kinetor[dev]')")
    # not under pytest's tmp root: that is private to the test user (0700)
    root = Path(tempfile.mkdtemp(prefix="kinetor-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    prefix: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run(
        [
            *prefix,
            str(binary / "initdb"),
            "-D",
            str(data),
            "-U",
            "kinetor",
            "--auth=trust",
            "-E",
            "UTF8",
        ],
        check=True,
        capture_output=True,
    )
    opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [
            *prefix,
            str(binary / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            opts,
            "-w",
            "-l",
            str(root / "log.txt"),
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql://kinetor@127.0.0.1:{port}/"
    finally:
        subprocess.run(
            [*prefix, str(binary / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server):
    """A fresh, empty database on the throwaway server."""
    import sqlalchemy as sa

    name = "t_" + uuid.uuid4().hex[:12]
    from kinetor.store import normalise_url

    eng = sa.create_engine(normalise_url(pg_server + "postgres"), isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    eng.dispose()
    return pg_server + name


# the PostgreSQL variants start a server (initdb + pg_ctl, several seconds on 2 shared
# cores): they run in the full tier (`make test`), the SQLite ones in `make test-fast` too
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def store_url(request, tmp_path):
    """Each store test runs on an SQLite file and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return request.getfixturevalue("pg_url")
