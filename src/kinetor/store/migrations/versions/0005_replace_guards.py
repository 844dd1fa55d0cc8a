"""Database-side guards against ``REPLACE`` (SQLite) and against deleting the project
or account a locked result belongs to.

SQLite's ``INSERT OR REPLACE`` (and ``UPDATE OR REPLACE``, ``REPLACE INTO``) deletes a
conflicting row without firing its DELETE triggers (unless ``PRAGMA recursive_triggers``,
which is per connection, so a plain ``sqlite3`` shell would not set it), then inserts the
new row: 0002 and 0003 guarded UPDATE and DELETE only, so a locked result could be
unlocked, its analysis or study rewritten, a file moved off it and an audit entry
rewritten that way. These triggers refuse every insert or update that would replace a
protected row: a locked result (by id or by study, kind and version), the analysis or
study a locked result uses, a file of a locked result (by id, or by result and name),
a project holding a locked result, and any audit entry. Deleting a project that holds a
locked result, or the account that owns it, is refused too (without foreign-key checks,
which are per connection in SQLite, the result would be orphaned). PostgreSQL has no
REPLACE (``ON CONFLICT DO UPDATE`` fires the UPDATE triggers of 0002/0003) and always
enforces foreign keys, so nothing is added there.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

_RESULT = "'result is locked'"
_RESULT_KEY = "(study_id = NEW.study_id AND kind = NEW.kind AND version = NEW.version)"
_BLOB_OF_LOCKED = "SELECT 1 FROM blobs b JOIN results r ON r.id = b.result_id WHERE r.locked"
_PROJECT_LOCKED = (
    "SELECT 1 FROM projects p JOIN studies s ON s.project_id = p.id "
    "JOIN results r ON r.study_id = s.id WHERE r.locked"
)
_PROJECT_KEY = "(p.id = NEW.id OR (p.owner_id = NEW.owner_id AND p.name = NEW.name))"
_IN_PROJECT = (
    "SELECT 1 FROM studies s JOIN results r ON r.study_id = s.id "
    "WHERE r.locked AND s.project_id = OLD.id"
)
_SQLITE = [
    (
        "results_locked_replace_insert",
        "BEFORE INSERT ON results WHEN EXISTS (SELECT 1 FROM results WHERE locked AND "
        f"(id = NEW.id OR {_RESULT_KEY}))",
        _RESULT,
    ),
    (
        "results_locked_replace_update",
        "BEFORE UPDATE ON results WHEN EXISTS (SELECT 1 FROM results WHERE locked AND "
        f"id <> OLD.id AND (id = NEW.id OR {_RESULT_KEY}))",
        _RESULT,
    ),
    (
        "analyses_locked_replace_insert",
        "BEFORE INSERT ON analyses WHEN EXISTS "
        "(SELECT 1 FROM results WHERE analysis_id = NEW.id AND locked)",
        "'a locked result uses this analysis'",
    ),
    (
        "analyses_locked_replace_update",
        "BEFORE UPDATE ON analyses WHEN NEW.id <> OLD.id AND EXISTS "
        "(SELECT 1 FROM results WHERE analysis_id = NEW.id AND locked)",
        "'a locked result uses this analysis'",
    ),
    (
        "studies_locked_replace_insert",
        "BEFORE INSERT ON studies WHEN EXISTS "
        "(SELECT 1 FROM results WHERE study_id = NEW.id AND locked)",
        "'a locked result uses this study'",
    ),
    (
        "studies_locked_replace_update",
        "BEFORE UPDATE ON studies WHEN NEW.id <> OLD.id AND EXISTS "
        "(SELECT 1 FROM results WHERE study_id = NEW.id AND locked)",
        "'a locked result uses this study'",
    ),
    (
        "blobs_locked_replace_insert",
        f"BEFORE INSERT ON blobs WHEN EXISTS ({_BLOB_OF_LOCKED} AND b.id = NEW.id)",
        _RESULT,
    ),
    (
        "blobs_locked_replace_update",
        "BEFORE UPDATE ON blobs WHEN (SELECT locked FROM results WHERE id = NEW.result_id) "
        f"OR EXISTS ({_BLOB_OF_LOCKED} AND b.id <> OLD.id AND (b.id = NEW.id OR "
        "(b.result_id = NEW.result_id AND b.name = NEW.name)))",
        _RESULT,
    ),
    (
        "projects_locked_replace_insert",
        f"BEFORE INSERT ON projects WHEN EXISTS ({_PROJECT_LOCKED} AND {_PROJECT_KEY})",
        "'a locked result belongs to this project'",
    ),
    (
        "projects_locked_replace_update",
        f"BEFORE UPDATE ON projects WHEN EXISTS ({_PROJECT_LOCKED} AND p.id <> OLD.id "
        f"AND {_PROJECT_KEY}) OR (NEW.id <> OLD.id AND EXISTS ({_IN_PROJECT}))",
        "'a locked result belongs to this project'",
    ),
    (
        "projects_locked_delete",
        f"BEFORE DELETE ON projects WHEN EXISTS ({_IN_PROJECT})",
        "'a locked result belongs to this project'",
    ),
    (
        "users_locked_delete",
        "BEFORE DELETE ON users WHEN EXISTS (SELECT 1 FROM projects p JOIN studies s ON "
        "s.project_id = p.id JOIN results r ON r.study_id = s.id "
        "WHERE r.locked AND p.owner_id = OLD.id)",
        "'this user owns a project holding a locked result'",
    ),
    (
        "audit_no_replace",
        "BEFORE INSERT ON audit WHEN EXISTS (SELECT 1 FROM audit WHERE id = NEW.id)",
        "'the audit trail is append-only'",
    ),
]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, when, message in _SQLITE:
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN SELECT RAISE(ABORT, {message}); END")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name, _, _ in reversed(_SQLITE):
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
