"""Alembic environment of the project store: always run programmatically by
:func:`kinetor.store.migrate.upgrade` with an open connection (no ``alembic.ini``).
Importing this file outside an Alembic run (doctest collection) does nothing."""

from __future__ import annotations

from alembic import context

from kinetor.store.schema import Base


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            # two servers starting on a fresh database: one migrates, the other waits
            connection.exec_driver_sql("SELECT pg_advisory_xact_lock(727274)")
        context.run_migrations()


try:
    _connection = context.config.attributes["connection"]
except Exception:  # not inside an Alembic command
    _connection = None
if _connection is not None:
    _run(_connection)
