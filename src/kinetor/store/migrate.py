"""Schema migrations of the project store, run from Python (no ``alembic.ini``).

:func:`upgrade` brings a database to the newest schema (``kinetor.store.open_store`` calls
it), :func:`downgrade` goes back (``"base"`` drops every table), :func:`current` says
where a database stands. The scripts live in ``kinetor/store/migrations/versions``.
"""

from __future__ import annotations

import threading
from pathlib import Path

from sqlalchemy.engine import Engine

HEAD = "0005"
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

    now = current(engine)
    if revision == "head" and now == HEAD:
        return
    if now is not None and now not in _known():
        _refuse_newer(engine, now)
    with _LOCK, engine.connect() as conn:
        command.upgrade(_config(conn), revision)
        conn.commit()


def _known() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config(None))
    return {r.revision for r in script.walk_revisions()}


def _refuse_newer(engine: Engine, revision: str) -> None:
    """StoreError: the store's schema is one this kinetor does not know (a newer one)."""
    from sqlalchemy.exc import SQLAlchemyError

    import kinetor
    from kinetor.store._util import StoreError

    made = ""
    try:  # the newest kinetor that saved a result there, when the table reads
        with engine.connect() as conn:
            made = conn.exec_driver_sql(
                "SELECT kinetor_version FROM analyses ORDER BY id DESC LIMIT 1"
            ).scalar()
    except SQLAlchemyError:  # only for the message
        made = ""
    raise StoreError(
        f"this store was made by a newer kinetor (its schema is {revision}; kinetor "
        f"{kinetor.__version__} knows schemas up to {HEAD}): upgrade kinetor to "
        + (f"{made} or later" if made else "the version that wrote it")
        + " (pip install -U kinetor) to open it"
    )


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
