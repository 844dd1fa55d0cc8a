"""Database-side guards for what a locked result rests on: its analysis (options, input
hashes) and its study (the raw bytes) can no longer be changed or deleted once a result
that uses them is locked, whoever connects to the database (0002 guarded only the result,
its blobs and the audit trail).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

_LOCKED_ANALYSIS = "EXISTS (SELECT 1 FROM results WHERE analysis_id = OLD.id AND locked)"
_LOCKED_STUDY = "EXISTS (SELECT 1 FROM results WHERE study_id = OLD.id AND locked)"
_SQLITE = [
    (
        "analyses_locked_update",
        f"BEFORE UPDATE ON analyses WHEN {_LOCKED_ANALYSIS}",
        "SELECT RAISE(ABORT, 'a locked result uses this analysis')",
    ),
    (
        "analyses_locked_delete",
        f"BEFORE DELETE ON analyses WHEN {_LOCKED_ANALYSIS}",
        "SELECT RAISE(ABORT, 'a locked result uses this analysis')",
    ),
    (
        "studies_locked_update",
        f"BEFORE UPDATE ON studies WHEN {_LOCKED_STUDY}",
        "SELECT RAISE(ABORT, 'a locked result uses this study')",
    ),
    (
        "studies_locked_delete",
        f"BEFORE DELETE ON studies WHEN {_LOCKED_STUDY}",
        "SELECT RAISE(ABORT, 'a locked result uses this study')",
    ),
]

_PG_FUNCS = """
CREATE FUNCTION kinetor_analysis_locked() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM results WHERE analysis_id = OLD.id AND locked) THEN
    RAISE EXCEPTION 'a locked result uses this analysis';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE FUNCTION kinetor_study_locked() RETURNS trigger AS $$
BEGIN
  IF EXISTS (SELECT 1 FROM results WHERE study_id = OLD.id AND locked) THEN
    RAISE EXCEPTION 'a locked result uses this study';
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER analyses_locked BEFORE UPDATE OR DELETE ON analyses
  FOR EACH ROW EXECUTE FUNCTION kinetor_analysis_locked();
CREATE TRIGGER studies_locked BEFORE UPDATE OR DELETE ON studies
  FOR EACH ROW EXECUTE FUNCTION kinetor_study_locked();
"""

_PG_DROP = """
DROP TRIGGER IF EXISTS studies_locked ON studies;
DROP TRIGGER IF EXISTS analyses_locked ON analyses;
DROP FUNCTION IF EXISTS kinetor_study_locked();
DROP FUNCTION IF EXISTS kinetor_analysis_locked();
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
