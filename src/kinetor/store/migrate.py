"""Schema migrations of the project store, run from Python (no ``alembic.ini``).

:func:`upgrade` brings a database to the newest schema (``kinetor.store.open_store`` calls
it), :func:`downgrade` goes back (``"base"`` drops every table), :func:`current` says
where a database stands. The scripts live in ``kinetor/store/migrations/versions``.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy.engine import Engine

HEAD = "0004"
# Alembic's command context is module-global: one migration at a time per process
_LOCK = threading.Lock()


def _config(connection):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Migrate the database of ``engine`` up to ``revision`` (default: the newest)."""
    from alembic import command

    if revision == "head" and current(engine) == HEAD:
        return
    with _LOCK, engine.connect() as conn:
        command.upgrade(_config(conn), revision)
        conn.commit()


def downgrade(engine: Engine, revision: str = "base") -> None:
    """Migrate down to ``revision``; ``"base"`` removes the store's tables."""
    from alembic import command

    with _LOCK, engine.connect() as conn:
        command.downgrade(_config(conn), revision)
        conn.commit()


def current(engine: Engine) -> str | None:
    """The revision the database is at (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
