"""Analyses, versioned results and their blobs (methods of :class:`kinetor.store.Store`)."""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kinetor.store import schema as S
from kinetor.store._util import StoreError, _row, check_length, now, sha256

_MEDIA = {
    ".csv": "text/csv",
    ".html": "text/html",
    ".json": "application/json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _media(name: str) -> str:
    suffix = Path(name).suffix.lower()
    return _MEDIA.get(suffix) or mimetypes.guess_type(name)[0] or "application/octet-stream"


def safe_name(name: str) -> str:
    """A blob name reduced to ``[A-Za-z0-9._-]`` (never a path: no separators, no ``..``).

    >>> safe_name("../../etc/passwd"), safe_name("report.html")
    ('etc_passwd', 'report.html')
    """
    out = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in name)
    out = out.replace("..", "_").strip("._")
    return out[:120] or "file"


def _blob_names(names, study_name: str) -> dict[str, str]:
    """Stored name -> given name of a result's files; StoreError when two names become
    one after :func:`safe_name` (letter case aside: Windows and macOS folders do not tell
    ``A.csv`` from ``a.csv``, so an export would keep one), or one is a file ``export``
    writes itself."""
    own = {"provenance.json": "provenance", "study_" + safe_name(study_name).lower(): "study"}
    out: dict[str, str] = {}
    seen: dict[str, str] = {}
    for name in names:
        safe = safe_name(name)
        if safe.lower() in seen:
            first = seen[safe.lower()]
            raise StoreError(
                f"result files {out[first]!r} and {name!r} would both be kept as {safe!r}"
                + ("" if first == safe else f" and {first!r}, one file on Windows and macOS")
                + ": rename one of them"
            )
        if safe.lower() in own:
            raise StoreError(
                f"result file {name!r} would be kept as {safe!r}, the name export gives the "
                f"{own[safe.lower()]} file: rename it"
            )
        out[safe] = name
        seen[safe.lower()] = safe
    return out


class ResultsMixin:
    """Analyses and results; needs ``_session``, ``_study``, ``_audit`` of Store."""

    def save_result(
        self,
        study_id: int,
        kind: str,
        options: dict[str, Any],
        blobs: dict[str, bytes | tuple[str, bytes]],
        user: str,
        input_hashes: dict[str, str] | None = None,
        summary: dict[str, Any] | None = None,
    ) -> dict:
        """Record an analysis of a study and its result as the next version.

        ``blobs``: name -> bytes (media type from the extension) or (media type, bytes).
        The analysis keeps ``options``, the kinetor version and the hashes of its inputs
        (the study's SHA-256 always). Returns the result (``id``, ``version``...).
        """
        import kinetor

        check_length(kind, 40, "an analysis kind")
        opts = json.loads(json.dumps(options, default=str))
        with self._session() as ses, ses.begin():
            st = self._study(ses, study_id, user)
            names = _blob_names(blobs, st.name)
            # PostgreSQL: writers of the same study queue here; SQLite: BEGIN IMMEDIATE
            ses.execute(select(S.Study.id).where(S.Study.id == st.id).with_for_update())
            hashes = {"study_sha256": st.sha256, **(input_hashes or {})}
            an = S.Analysis(
                study_id=st.id,
                kind=kind,
                options=opts,
                kinetor_version=kinetor.__version__,
                input_hashes=hashes,
                created_at=now(),
                created_by=user,
            )
            ses.add(an)
            ses.flush()
            last = (
                ses.scalar(
                    select(func.max(S.Result.version)).where(
                        S.Result.study_id == st.id, S.Result.kind == kind
                    )
                )
                or 0
            )
            res = S.Result(
                analysis_id=an.id,
                study_id=st.id,
                kind=kind,
                version=last + 1,
                locked=False,
                created_at=now(),
                created_by=user,
                summary=json.loads(json.dumps(summary or {}, default=str)),
            )
            ses.add(res)
            ses.flush()
            for safe, name in names.items():
                value = blobs[name]
                media, data = value if isinstance(value, tuple) else (_media(name), value)
                ses.add(
                    S.Blob(
                        result_id=res.id,
                        name=safe,
                        media_type=media,
                        data=bytes(data),
                        sha256=sha256(data),
                    )
                )
            self._audit(
                ses,
                user,
                "result.save",
                f"result:{res.id}",
                st.project_id,
                details={
                    "study": st.id,
                    "kind": kind,
                    "version": res.version,
                    "analysis": an.id,
                    "options": opts,
                },
            )
            return {**_row(res), "project_id": st.project_id}

    def _result(self, ses: Session, result_id: int, user: str) -> tuple[S.Result, S.Study]:
        rid = self._id(result_id)
        res = None if rid is None else ses.get(S.Result, rid)
        if res is None:
            raise StoreError(f"no result {result_id} visible to user {user!r}")
        try:
            st = self._study(ses, res.study_id, user)
        except StoreError:
            raise StoreError(f"no result {result_id} visible to user {user!r}") from None
        return res, st

    def add_blob(
        self, result_id: int, name: str, data: bytes, user: str, media_type: str | None = None
    ) -> None:
        """Attach a file (e.g. the HTML report made on request) to an unlocked result."""
        with self._session() as ses, ses.begin():
            res, st = self._result(ses, result_id, user)
            if res.locked:
                raise StoreError(
                    f"result {result_id} is locked: re-run the analysis to make a new version"
                )
            name = safe_name(name)
            kept = ses.scalars(select(S.Blob.name).where(S.Blob.result_id == res.id)).all()
            # never a name export writes itself, nor one that differs only in case
            _blob_names([name, *(k for k in kept if k != name)], st.name)
            old = ses.scalar(select(S.Blob).where(S.Blob.result_id == res.id, S.Blob.name == name))
            if old is not None:
                ses.delete(old)
                ses.flush()
            ses.add(
                S.Blob(
                    result_id=res.id,
                    name=name,
                    media_type=media_type or _media(name),
                    data=bytes(data),
                    sha256=sha256(data),
                )
            )
            self._audit(
                ses,
                user,
                "result.attach",
                f"result:{res.id}",
                st.project_id,
                details={"name": name, "sha256": sha256(data)},
            )

    def lock(self, result_id: int, user: str, reason: str = "") -> dict:
        """Make a result immutable (for good: there is no unlock); ``reason`` (required)
        goes into the audit trail."""
        if not str(reason).strip():
            raise StoreError(
                f"locking result {result_id} needs a reason (it is kept in the audit trail)"
            )
        with self._session() as ses, ses.begin():
            res, st = self._result(ses, result_id, user)
            if not res.locked:
                res.locked = True
                self._audit(
                    ses,
                    user,
                    "result.lock",
                    f"result:{res.id}",
                    st.project_id,
                    reason=reason,
                    details={"version": res.version},
                )
            return _row(res)

    def result(self, result_id: int, user: str) -> dict:
        """A result with its analysis (options, version, input hashes) and blob list."""
        with self._session() as ses:
            res, st = self._result(ses, result_id, user)
            an = ses.get(S.Analysis, res.analysis_id)
            blobs = ses.execute(
                select(S.Blob.name, S.Blob.media_type, S.Blob.sha256, func.length(S.Blob.data))
                .where(S.Blob.result_id == res.id)
                .order_by(S.Blob.name)
            ).all()
            return {
                **_row(res),
                "project_id": st.project_id,
                "study_name": st.name,
                "analysis": _row(an),
                "blobs": [
                    {"name": b[0], "media_type": b[1], "sha256": b[2], "size": b[3]} for b in blobs
                ],
            }

    def results(self, user: str, study_id: int | None = None) -> list[dict]:
        """Results of the visible projects (or of one study), oldest first."""
        with self._session() as ses:
            ids = self._visible_ids(ses, user)
            q = (
                select(S.Result, S.Study)
                .join(S.Study, S.Study.id == S.Result.study_id)
                .where(S.Study.project_id.in_(ids))
                .order_by(S.Result.id)
            )
            if study_id is not None:
                self._study(ses, study_id, user)
                q = q.where(S.Result.study_id == study_id)
            return (
                [
                    {**_row(r), "project_id": s.project_id, "study_name": s.name}
                    for r, s in ses.execute(q).all()
                ]
                if ids
                else []
            )

    def blob(self, result_id: int, name: str, user: str) -> bytes:
        """The bytes of one file of a result."""
        with self._session() as ses:
            res, _ = self._result(ses, result_id, user)
            b = ses.scalar(select(S.Blob).where(S.Blob.result_id == res.id, S.Blob.name == name))
            if b is None:
                raise StoreError(f"result {result_id} has no file {name!r}")
            return b.data

    def export(
        self, result_id: int, folder: str | Path, user: str, force: bool = False
    ) -> list[Path]:
        """Write a result's files, the study's raw file and ``provenance.json`` (options,
        versions, hashes, the project's audit entries for this result) into ``folder``,
        which must be empty or new (``force=True``: write into it all the same, replacing
        files of the same names, so another export's files may be mixed in)."""
        out = Path(folder)
        if out.exists() and not out.is_dir():
            raise StoreError(f"{out} is a file: give a folder to export into")
        if not force and out.is_dir() and any(out.iterdir()):
            raise StoreError(
                f"{out} is not empty: export into a new or empty folder (or force it, "
                "kinetor store export --force, to write over files of the same names)"
            )
        info = self.result(result_id, user)
        written = []
        with self._session() as ses:
            res, st = self._result(ses, result_id, user)
            blobs = ses.scalars(select(S.Blob).where(S.Blob.result_id == res.id)).all()
            an = ses.get(S.Analysis, res.analysis_id)
            recorded = (an.input_hashes or {}).get("study_sha256") if an is not None else None
            # nothing is written unless every file is what was stored: a study or file
            # changed behind the store's back (outside the API) is refused, not exported
            bad = [b.name for b in blobs if sha256(b.data) != b.sha256]
            if sha256(st.data) != st.sha256 or (recorded and recorded != st.sha256):
                bad.append(f"study {st.name}")
            if bad:
                raise StoreError(
                    f"result {result_id}: {', '.join(bad)} no longer match(es) the SHA-256 "
                    "recorded when stored; the database was changed outside kinetor: "
                    "nothing exported"
                )
            try:  # a file kept before such names were refused would be overwritten
                _blob_names([b.name for b in blobs], st.name)
            except StoreError as exc:
                raise StoreError(f"result {result_id}: {exc}; nothing exported") from None
            out.mkdir(parents=True, exist_ok=True)
            for b in blobs:
                path = out / safe_name(b.name)
                path.write_bytes(b.data)
                written.append(path)
            raw = out / ("study_" + safe_name(st.name))
            raw.write_bytes(st.data)
            written.append(raw)
            study_sha = st.sha256
        trail = [
            a
            for a in self.audit(user, info["project_id"])
            if a["target"] == f"result:{result_id}" or a["details"].get("study") == info["study_id"]
        ]
        prov = {**info, "study_sha256": study_sha, "audit": trail}
        path = out / "provenance.json"
        path.write_text(json.dumps(prov, indent=2, default=str))
        return [*written, path]
