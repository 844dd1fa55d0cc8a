"""Database-side guard against TRUNCATE (PostgreSQL): row triggers (0002, 0003) do not
fire on TRUNCATE, so ``TRUNCATE results`` (or blobs, analyses, studies; also reached
through ``CASCADE`` from projects or users) would wipe locked results. A statement
trigger refuses it while any locked result exists; a store without locked results can
still be emptied (the audit trail keeps its own guard, which always refuses). SQLite has
no TRUNCATE (``DELETE`` fires the row triggers).

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TABLES = ("results", "blobs", "analyses", "studies")

_PG_FUNC = """
CREATE FUNCTION kinetor_no_truncate_locked() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM results WHERE locked) THEN
    RAISE EXCEPTION 'TRUNCATE of % refused: the store holds locked results', TG_TABLE_NAME;
  END IF;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_PG_FUNC)
    for table in _TABLES:
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION kinetor_no_truncate_locked()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table in reversed(_TABLES):
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    op.execute("DROP FUNCTION IF EXISTS kinetor_no_truncate_locked()")
