"""The project store's Python API: :class:`Store`.

Every call names the acting user; a user sees the projects they own and those shared
with them, nothing else (an id they cannot see is reported as absent). Every change is
written to the audit trail in the same transaction. Results are versioned per study and
analysis kind; a locked result cannot be changed (here, and by database triggers), a
re-analysis makes a new version. The audit trail can be appended to and read, never
edited: this class has no method that would, and triggers refuse UPDATE, DELETE and
(SQLite) REPLACE of its rows.
"""

from __future__ import annotations

import json
import operator
import unicodedata

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kinetor.store import schema as S
from kinetor.store._engine import check_store_file, make_engine, normalise_url
from kinetor.store._results import ResultsMixin
from kinetor.store._util import StoreError, _row, check_length, now, sha256

MIN_PASSWORD = 8


def _checked_name(name: str, what: str, limit: int = 200) -> str:
    """``name`` stripped; StoreError when empty, longer than ``limit`` characters (the
    column's size: PostgreSQL would refuse it, SQLite would keep it) or holding a NUL
    character (PostgreSQL cannot keep one, and no one can type it); a user name also
    must not hold a control character (a line break would forge lines in the audit
    trail and logs, and no one can type it on the sign-in page)."""
    name = str(name).strip()
    if not name:
        raise StoreError(f"{what} needs a name")
    if "\x00" in name:
        raise StoreError(f"{what} name cannot contain a NUL character: {name!r}")
    if what == "a user" and any(unicodedata.category(c) in _UNSEEN for c in name):
        shown = "".join(c for c in " ".join(name.split()) if unicodedata.category(c) not in _UNSEEN)
        raise StoreError(
            f"{what} name cannot contain a control character (line break, tab, line or "
            f"paragraph separator, direction override...): {name!r}; give a name on one "
            f"line, e.g. {shown!r}"
        )
    return check_length(name, limit, f"{what} name")


# control (Cc), format (Cf: direction overrides, zero widths) and line/paragraph
# separators (Zl, Zp): invisible or line-breaking in the audit trail and in logs
_UNSEEN = frozenset({"Cc", "Cf", "Zl", "Zp"})


class Store(ResultsMixin):
    """A project store at ``url`` (None: :func:`kinetor.store.default_url`).

    The schema is migrated to the newest version on opening.

    Examples
    --------
    >>> st = Store("sqlite://")
    >>> p = st.create_project("PK-001", user="ana")
    >>> s = st.add_study(p, "pk.csv", b"subject,time,conc\\n1,0,0\\n", user="ana")
    >>> r = st.save_result(s, "nca", {"auc_method": "linear"}, {"t.csv": b"x"}, user="ana")
    >>> r["version"], st.lock(r["id"], user="ana", reason="QC passed")["locked"]
    (1, True)
    >>> st.save_result(s, "nca", {}, {}, user="ana")["version"]
    2
    """

    def __init__(self, url: str | None = None, migrate: bool = True):
        from kinetor.store.migrate import upgrade

        self.url = normalise_url(url)
        check_store_file(self.url, create=True)  # another SQLite file is never converted
        self.engine = make_engine(self.url)
        # ids beyond the column's integer type cannot exist: reported as absent
        self._max_id = 2**31 - 1 if self.engine.dialect.name == "postgresql" else 2**63 - 1
        if migrate:
            upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    # -- audit -----------------------------------------------------------------------
    @staticmethod
    def _audit(
        ses: Session,
        user: str,
        action: str,
        target: str,
        project_id=None,
        reason: str = "",
        details: dict | None = None,
    ) -> None:
        check_length(user, 200, "a user name")
        check_length(action, 80, "an audit action")
        check_length(target, 200, "an audit target")
        ses.add(
            S.Audit(
                at=now(),
                user=user,
                action=action,
                target=target,
                project_id=project_id,
                reason=reason or "",
                details=json.loads(json.dumps(details or {}, default=str)),
            )
        )

    def record(
        self,
        user: str,
        action: str,
        target: str,
        reason: str = "",
        details: dict | None = None,
        project_id: int | None = None,
    ) -> None:
        """Append one entry to the audit trail (who, when, what, why)."""
        with self._session() as ses, ses.begin():
            if project_id is not None:
                self._project(ses, project_id, user)
            self._audit(ses, user, action, target, project_id, reason, details)

    def audit(self, user: str, project_id: int | None = None) -> list[dict]:
        """Audit entries of the projects ``user`` can see (and their own account's)."""
        with self._session() as ses:
            visible = self._visible_ids(ses, user)
            q = select(S.Audit).order_by(S.Audit.id)
            if project_id is not None:
                self._project(ses, project_id, user)
                q = q.where(S.Audit.project_id == project_id)
            rows = ses.scalars(q).all()
            return [
                _row(a)
                for a in rows
                if (a.project_id in visible) or (a.project_id is None and a.user == user)
            ]

    # -- users -----------------------------------------------------------------------
    def _user(self, ses: Session, name: str, create: bool = True) -> S.User:
        u = ses.scalar(select(S.User).where(S.User.name == name))
        if u is None:
            if not create or not name:
                raise StoreError(f"no user {name!r} in the store")
            name = _checked_name(name, "a user")
            u = S.User(name=name, password_hash=None, created_at=now())
            ses.add(u)
            ses.flush()
        return u

    def add_user(self, name: str, password: str | None = None, by: str | None = None) -> str:
        """Create an account (or set its password); the password (``MIN_PASSWORD``
        characters or more) is kept as a scrypt hash. Returns ``"created"``, ``"changed"``
        (an account that had a password) or ``"set"`` (one that had none)."""
        from kinetor.store.security import hash_password

        name = _checked_name(name, "a user")
        if password is not None and len(password) < MIN_PASSWORD:
            raise StoreError(
                f"the password of {name!r} is {len(password)} characters long: give "
                f"{MIN_PASSWORD} or more"
            )
        if password is not None and not password.strip():
            raise StoreError(
                f"the password of {name!r} is only spaces: give {MIN_PASSWORD} or more "
                "characters that are not all blank"
            )
        with self._session() as ses, ses.begin():
            old = ses.scalar(select(S.User).where(S.User.name == name))
            outcome = "created" if old is None else "changed" if old.password_hash else "set"
            u = self._user(ses, name)
            if password is not None:
                u.password_hash = hash_password(password)
            self._audit(
                ses,
                by or name,
                "user.set",
                f"user:{name}",
                details={"password_set": password is not None},
            )
        return outcome

    def check_password(self, name: str, password: str) -> bool:
        """True when ``name`` has an account with this password."""
        from kinetor.store.security import verify_password

        with self._session() as ses:
            u = ses.scalar(select(S.User).where(S.User.name == name))
            return verify_password(password, u.password_hash if u else None)

    def password_hash(self, name: str) -> str | None:
        """The stored hash of an account's password (None without one); the browser app
        signs it into sessions, so a new password ends the account's older sessions."""
        with self._session() as ses:
            u = ses.scalar(select(S.User).where(S.User.name == name))
            return u.password_hash if u else None

    def has_accounts(self) -> bool:
        """True when at least one user can sign in with a password."""
        with self._session() as ses:
            return bool(
                ses.scalar(
                    select(func.count())
                    .select_from(S.User)
                    .where(S.User.password_hash.is_not(None))
                )
            )

    # -- projects --------------------------------------------------------------------
    def _visible_ids(self, ses: Session, user: str) -> set[int]:
        u = ses.scalar(select(S.User).where(S.User.name == user))
        if u is None:
            return set()
        own = ses.scalars(select(S.Project.id).where(S.Project.owner_id == u.id)).all()
        shared = ses.scalars(select(S.Share.project_id).where(S.Share.user_id == u.id)).all()
        return {*own, *shared}

    def _id(self, value) -> int | None:
        """``value`` as an id this database can hold (None when it cannot be one)."""
        try:
            value = operator.index(value)
        except TypeError:
            return None
        return value if 1 <= value <= self._max_id else None

    def _project(self, ses: Session, project_id: int, user: str) -> S.Project:
        pid = self._id(project_id)
        p = None if pid is None else ses.get(S.Project, pid)
        if p is None or p.id not in self._visible_ids(ses, user):
            raise StoreError(f"no project {project_id} visible to user {user!r}")
        return p

    def create_project(self, name: str, user: str) -> int:
        """A new project owned by ``user`` (an existing one of the same name is reused)."""
        name = _checked_name(name, "a project")
        with self._session() as ses, ses.begin():
            u = self._user(ses, user)
            p = ses.scalar(
                select(S.Project).where(S.Project.owner_id == u.id, S.Project.name == name)
            )
            if p is None:
                p = S.Project(name=name, owner_id=u.id, created_at=now())
                ses.add(p)
                ses.flush()
                self._audit(
                    ses, user, "project.create", f"project:{p.id}", p.id, details={"name": name}
                )
            return p.id

    def projects(self, user: str) -> list[dict]:
        """Projects ``user`` owns or that are shared with them."""
        with self._session() as ses:
            ids = self._visible_ids(ses, user)
            rows = (
                ses.scalars(
                    select(S.Project).where(S.Project.id.in_(ids)).order_by(S.Project.id)
                ).all()
                if ids
                else []
            )
            return [{**_row(p), "owner": p.owner.name} for p in rows]

    def share(self, project_id: int, with_user: str, user: str) -> None:
        """Let ``with_user`` see and work in a project ``user`` owns."""
        with self._session() as ses, ses.begin():
            p = self._project(ses, project_id, user)
            if p.owner.name != user:
                raise StoreError(f"only the owner ({p.owner.name}) can share project {project_id}")
            other = self._user(ses, with_user, create=False)
            if other.id == p.owner_id:
                raise StoreError(
                    f"project {project_id} is {user}'s own project: share it with another user"
                )
            if ses.get(S.Share, (p.id, other.id)) is None:
                ses.add(S.Share(project_id=p.id, user_id=other.id, created_at=now()))
                self._audit(
                    ses, user, "project.share", f"project:{p.id}", p.id, details={"with": with_user}
                )

    # -- studies ---------------------------------------------------------------------
    def add_study(
        self,
        project_id: int,
        name: str,
        data: bytes,
        user: str,
        settings: dict | None = None,
        reuse: bool = False,
    ) -> int:
        """Keep an uploaded file byte for byte (with its SHA-256); ``name`` is only a label
        (it never becomes a path). ``settings``: units, roles, route chosen for it.
        ``reuse=True`` returns the project's study with the same name, bytes and settings
        when there is one (a re-analysis then adds a version to it)."""
        if "\x00" in name:
            raise StoreError(f"a study name cannot contain a NUL character: {name!r}")
        check_length(name, 400, "a study name")
        with self._session() as ses, ses.begin():
            self._project(ses, project_id, user)
            if reuse:
                for old in ses.scalars(
                    select(S.Study).where(
                        S.Study.project_id == project_id,
                        S.Study.sha256 == sha256(data),
                        S.Study.name == name,
                    )
                ).all():
                    if old.settings == json.loads(json.dumps(settings or {})):
                        return old.id
            st = S.Study(
                project_id=project_id,
                name=name,
                data=bytes(data),
                sha256=sha256(data),
                size=len(data),
                settings=settings or {},
                created_at=now(),
                created_by=user,
            )
            ses.add(st)
            ses.flush()
            self._audit(
                ses,
                user,
                "study.add",
                f"study:{st.id}",
                project_id,
                details={"name": name, "sha256": st.sha256, "size": st.size},
            )
            return st.id

    def _study(self, ses: Session, study_id: int, user: str) -> S.Study:
        sid = self._id(study_id)
        st = None if sid is None else ses.get(S.Study, sid)
        if st is None or st.project_id not in self._visible_ids(ses, user):
            raise StoreError(f"no study {study_id} visible to user {user!r}")
        return st

    def study(self, study_id: int, user: str) -> dict:
        """A study with its bytes (``data``) and metadata."""
        with self._session() as ses:
            st = self._study(ses, study_id, user)
            return _row(st, skip=())

    def studies(self, user: str, project_id: int | None = None) -> list[dict]:
        """Studies (without their bytes) of the visible projects."""
        with self._session() as ses:
            ids = self._visible_ids(ses, user)
            if project_id is not None:
                self._project(ses, project_id, user)
                ids = {project_id}
            rows = (
                ses.scalars(
                    select(S.Study).where(S.Study.project_id.in_(ids)).order_by(S.Study.id)
                ).all()
                if ids
                else []
            )
            return [_row(s) for s in rows]
