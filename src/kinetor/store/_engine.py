"""Where the store lives and how to connect to it.

The default is an SQLite file in the user's data directory
(``$XDG_DATA_HOME/kinetor/store.sqlite``, ``~/.local/share/kinetor/store.sqlite`` when
``XDG_DATA_HOME`` is unset, ``%LOCALAPPDATA%\\kinetor`` on Windows); ``KINETOR_STORE``
overrides it with any SQLAlchemy URL (``postgresql://user@host/db`` for a team) or a file
path. SQLite runs in WAL mode and every write transaction starts with ``BEGIN IMMEDIATE``,
so concurrent writers queue (30 s busy timeout) instead of failing or losing rows.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine


def default_url() -> str:
    """The store URL used when none is given (see the module docstring).

    >>> import os
    >>> os.environ["KINETOR_STORE"] = "sqlite:///x.sqlite"
    >>> default_url()
    'sqlite:///x.sqlite'
    >>> del os.environ["KINETOR_STORE"]
    """
    env = os.environ.get("KINETOR_STORE", "").strip()
    if env:
        return env
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        base = Path(os.environ["LOCALAPPDATA"])
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "").strip()
        base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return f"sqlite:///{base / 'kinetor' / 'store.sqlite'}"


def normalise_url(url: str | os.PathLike | None) -> str:
    """A URL from a URL or a plain file path (taken as an SQLite file).

    >>> normalise_url("/tmp/a.sqlite")
    'sqlite:////tmp/a.sqlite'
    >>> normalise_url("postgresql://kin@db/kinetor")
    'postgresql+psycopg2://kin@db/kinetor'
    """
    text = default_url() if url is None else str(url)
    if "://" not in text:
        return f"sqlite:///{Path(text).expanduser().resolve()}"
    if text.startswith("postgresql://") or text.startswith("postgres://"):
        text = "postgresql+psycopg2://" + text.split("://", 1)[1]
    return text


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys and queued writers."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # transactions are ours (BEGIN below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)
