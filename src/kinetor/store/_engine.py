"""Where the store lives and how to connect to it.

The default is an SQLite file in the user's data directory
(``$XDG_DATA_HOME/kinetor/store.sqlite``, ``~/.local/share/kinetor/store.sqlite`` when
``XDG_DATA_HOME`` is unset, ``%LOCALAPPDATA%\\kinetor`` on Windows); ``KINETOR_STORE``
overrides it with any SQLAlchemy URL (``postgresql://user@host/db`` for a team) or a file
path. SQLite runs in WAL mode and every write transaction starts with ``BEGIN IMMEDIATE``,
so concurrent writers queue (30 s busy timeout, ``KINETOR_STORE_TIMEOUT`` seconds when
set) instead of failing or losing rows; a store still busy after that is a ``StoreError``
saying that another process holds it and what to do.
"""

from __future__ import annotations

import os
import re
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


def display_url(url: str) -> str:
    """``url`` as shown in messages and titles: any password replaced by ``***``.

    >>> display_url("postgresql+psycopg2://kin:s3cret@db/kinetor")
    'postgresql+psycopg2://kin:***@db/kinetor'
    >>> display_url("sqlite:////tmp/a.sqlite")
    'sqlite:////tmp/a.sqlite'
    """
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # not a URL SQLAlchemy reads: hide user:pass@
        return re.sub(r"(://[^/@:]*:)[^/@]*@", r"\1***@", url)


def hide_password(text: str, url: str) -> str:
    """``text`` (e.g. a driver's error) with the password of ``url`` replaced by ``***``."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        password = make_url(url).password
    except (ArgumentError, ValueError):
        password = None
    text = text.replace(url, display_url(url))
    return text.replace(str(password), "***") if password else text


_SQLITE_MAGIC = b"SQLite format 3\x00"


def sqlite_file(url: str) -> Path | None:
    """The file of an SQLite URL (None for another database or an in-memory one)."""
    if not url.startswith("sqlite"):
        return None
    path = url.split("///", 1)[1] if "///" in url else ""
    path = path.split("?", 1)[0]
    return Path(path) if path and path != ":memory:" else None


def check_store_file(url: str, create: bool = False) -> None:
    """Refuse an SQLite store file that is not one, before anything is written to it.

    A file that exists must be an SQLite database (an empty or text file is never turned
    into one) holding a kinetor store or no table at all; a file that does not exist is
    created only when ``create`` (commands that save), never by one that only reads. Other
    databases (PostgreSQL) are not checked here. Raises ``StoreError``.
    """
    import sqlite3

    from kinetor.store._util import StoreError

    path = sqlite_file(url)
    if path is None:
        return
    if not path.exists():
        if create:
            return
        raise StoreError(
            f"no store at {path}: check the path (--store, KINETOR_STORE); a store is "
            "created by the first command that saves to it (kinetor nca DATA --store "
            "PATH, kinetor store add-user NAME --store PATH)"
        )
    if path.is_dir():
        raise StoreError(f"{path} is a folder: give the store's SQLite file (--store FILE)")
    try:
        with open(path, "rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
        if head != _SQLITE_MAGIC:
            raise StoreError(
                f"{path} is not a kinetor store ("
                + ("an empty file" if not head else "not an SQLite database")
                + "): give the store file, or a path that does not exist yet to create one"
            )
        con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        finally:
            con.close()
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"cannot open the store {path}: {exc}") from None
    if tables and "alembic_version" not in tables:
        raise StoreError(
            f"{path} is an SQLite database but not a kinetor store: give the store file"
        )
    if not tables and not create:
        raise StoreError(f"{path} is an empty database, not a kinetor store yet")


def busy_timeout() -> float:
    """Seconds an SQLite writer waits for another one (``KINETOR_STORE_TIMEOUT``, 30).

    >>> busy_timeout()
    30.0
    """
    from kinetor.store._util import StoreError

    text = os.environ.get("KINETOR_STORE_TIMEOUT", "").strip()
    try:
        value = float(text) if text else 30.0
    except ValueError:
        value = float("nan")
    if not (value > 0 and value < 1e6):  # also NaN and inf
        raise StoreError(
            f"KINETOR_STORE_TIMEOUT={text!r} is not a number of seconds: give one such as "
            "120, or unset it for the default of 30"
        )
    return value


def _busy_message(url: str, timeout: float) -> str:
    return (
        f"the store {display_url(url)} is busy: another process (a kinetor command or "
        f"'kinetor serve') has been writing to it for more than {timeout:g} s. Wait for it "
        "to finish and run the command again, or let writers wait longer with "
        "KINETOR_STORE_TIMEOUT=SECONDS"
    )


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite files get WAL, foreign keys and queued writers."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        timeout = busy_timeout()
        engine = create_engine(url, connect_args={"timeout": timeout, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None  # transactions are ours (BEGIN below)
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute(f"PRAGMA busy_timeout={int(timeout * 1000)}")
            cur.close()

        @event.listens_for(engine, "handle_error")
        def _on_error(ctx):
            import sqlite3

            from kinetor.store._util import StoreError

            exc = ctx.original_exception
            if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc).lower():
                raise StoreError(_busy_message(url, timeout)) from None

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)
