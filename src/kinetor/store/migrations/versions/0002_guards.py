"""Database-side guards: the audit trail is append-only and locked results (and their
blobs) cannot be changed or deleted, whoever connects to the database.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SQLITE = [
    (
        "audit_no_update",
        "BEFORE UPDATE ON audit",
        "SELECT RAISE(ABORT, 'the audit trail is append-only')",
    ),
    (
        "audit_no_delete",
        "BEFORE DELETE ON audit",
        "SELECT RAISE(ABORT, 'the audit trail is append-only')",
    ),
    (
        "results_locked_update",
        "BEFORE UPDATE ON results WHEN OLD.locked",
        "SELECT RAISE(ABORT, 'result is locked')",
    ),
    (
        "results_locked_delete",
        "BEFORE DELETE ON results WHEN OLD.locked",
        "SELECT RAISE(ABORT, 'result is locked')",
    ),
    (
        "blobs_locked_insert",
        "BEFORE INSERT ON blobs WHEN (SELECT locked FROM results WHERE id = NEW.result_id)",
        "SELECT RAISE(ABORT, 'result is locked')",
    ),
    (
        "blobs_locked_update",
        "BEFORE UPDATE ON blobs WHEN (SELECT locked FROM results WHERE id = OLD.result_id)",
        "SELECT RAISE(ABORT, 'result is locked')",
    ),
    (
        "blobs_locked_delete",
        "BEFORE DELETE ON blobs WHEN (SELECT locked FROM results WHERE id = OLD.result_id)",
        "SELECT RAISE(ABORT, 'result is locked')",
    ),
]

_PG_FUNCS = """
CREATE FUNCTION kinetor_audit_append_only() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$ LANGUAGE plpgsql;
CREATE FUNCTION kinetor_result_locked() RETURNS trigger AS $$
BEGIN
  IF OLD.locked THEN RAISE EXCEPTION 'result is locked'; END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE FUNCTION kinetor_blob_locked() RETURNS trigger AS $$
DECLARE rid integer;
BEGIN
  IF TG_OP = 'INSERT' THEN rid := NEW.result_id; ELSE rid := OLD.result_id; END IF;
  IF (SELECT locked FROM results WHERE id = rid) THEN
    RAISE EXCEPTION 'result is locked';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER audit_no_change BEFORE UPDATE OR DELETE ON audit
  FOR EACH ROW EXECUTE FUNCTION kinetor_audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
  FOR EACH STATEMENT EXECUTE FUNCTION kinetor_audit_append_only();
CREATE TRIGGER results_locked BEFORE UPDATE OR DELETE ON results
  FOR EACH ROW EXECUTE FUNCTION kinetor_result_locked();
CREATE TRIGGER blobs_locked BEFORE INSERT OR UPDATE OR DELETE ON blobs
  FOR EACH ROW EXECUTE FUNCTION kinetor_blob_locked();
"""

_PG_DROP = """
DROP TRIGGER IF EXISTS blobs_locked ON blobs;
DROP TRIGGER IF EXISTS results_locked ON results;
DROP TRIGGER IF EXISTS audit_no_truncate ON audit;
DROP TRIGGER IF EXISTS audit_no_change ON audit;
DROP FUNCTION IF EXISTS kinetor_blob_locked();
DROP FUNCTION IF EXISTS kinetor_result_locked();
DROP FUNCTION IF EXISTS kinetor_audit_append_only();
"""


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name, when, body in _SQLITE:
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN {body}; END")
    elif dialect == "postgresql":
        op.execute(_PG_FUNCS)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for name, _, _ in reversed(_SQLITE):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    elif dialect == "postgresql":
        op.execute(_PG_DROP)
