"""The project store on SQLite and PostgreSQL: byte-exact studies, versions, locking,
append-only audit, visibility between users, migrations up and down."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from kinetor.store import Store, StoreError, current, default_url, downgrade, upgrade

RAW = b"Subject,Time,conc\r\n1,0,0\r\n1,1,\xb51.5\r\n"  # CRLF and a non-UTF-8 byte


def test_study_bytes_and_hash_kept(store_url):
    st = Store(store_url)
    pid = st.create_project("PK-001", user="ana")
    sid = st.add_study(pid, "../../etc/pk.csv", RAW, user="ana")
    got = st.study(sid, user="ana")
    assert got["data"] == RAW
    assert got["sha256"] == hashlib.sha256(RAW).hexdigest()
    assert got["size"] == len(RAW)
    assert got["name"] == "../../etc/pk.csv"  # a label only
    st.close()


def test_versions_lock_and_reanalysis(store_url):
    st = Store(store_url)
    sid = st.add_study(st.create_project("p", user="ana"), "a.csv", RAW, user="ana")
    r1 = st.save_result(
        sid,
        "nca",
        {"auc_method": "linear"},
        {"t.csv": b"v1"},
        user="ana",
        input_hashes={"study": "abc"},
    )
    info = st.result(r1["id"], user="ana")
    assert info["analysis"]["options"] == {"auc_method": "linear"}
    assert info["analysis"]["input_hashes"]["study_sha256"] == hashlib.sha256(RAW).hexdigest()
    assert info["analysis"]["kinetor_version"]
    st.lock(r1["id"], user="ana", reason="QC passed")
    with pytest.raises(StoreError, match="locked"):
        st.add_blob(r1["id"], "t.csv", b"changed", user="ana")
    # the database refuses too, whoever connects
    with pytest.raises(sa.exc.DBAPIError, match="locked"), st.engine.begin() as conn:
        conn.execute(sa.text("UPDATE results SET locked = false WHERE id = :i"), {"i": r1["id"]})
    with pytest.raises(sa.exc.DBAPIError, match="locked"), st.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE blobs SET data = :d WHERE result_id = :i"), {"d": b"x", "i": r1["id"]}
        )
    with pytest.raises(sa.exc.DBAPIError, match="locked"), st.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM blobs WHERE result_id = :i"), {"i": r1["id"]})
    r2 = st.save_result(sid, "nca", {"auc_method": "lin-up/log-down"}, {"t.csv": b"v2"}, user="ana")
    assert (r1["version"], r2["version"]) == (1, 2)
    assert st.blob(r1["id"], "t.csv", user="ana") == b"v1"
    assert st.blob(r2["id"], "t.csv", user="ana") == b"v2"
    st.add_blob(r2["id"], "report.html", b"<html></html>", user="ana")  # unlocked: fine
    st.close()


def test_audit_append_only(store_url):
    st = Store(store_url)
    pid = st.create_project("p", user="ana")
    st.record(
        "ana", "lambda_z.exclude", "study:1/subject:3/time:24", reason="haemolysed", project_id=pid
    )
    trail = st.audit("ana", pid)
    assert [a["action"] for a in trail] == ["project.create", "lambda_z.exclude"]
    assert trail[-1]["reason"] == "haemolysed" and trail[-1]["user"] == "ana"
    # nothing in the API edits or deletes the trail
    assert not [
        m for m in dir(st) if any(w in m for w in ("delete", "edit", "update", "remove", "purge"))
    ]
    for sql in ("UPDATE audit SET reason = 'x'", "DELETE FROM audit"):
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), st.engine.begin() as c:
            c.execute(sa.text(sql))
    if st.engine.dialect.name == "postgresql":
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), st.engine.begin() as c:
            c.execute(sa.text("TRUNCATE audit"))
    assert len(st.audit("ana", pid)) == 2
    st.close()


def test_users_see_own_and_shared_projects(store_url):
    st = Store(store_url)
    st.add_user("ana", "ana-secret-1")
    st.add_user("ben", "ben-secret-2")
    pid = st.create_project("ana's", user="ana")
    sid = st.add_study(pid, "a.csv", RAW, user="ana")
    rid = st.save_result(sid, "nca", {}, {"t.csv": b"1"}, user="ana")["id"]
    assert st.projects("ben") == [] and st.studies("ben") == [] and st.results("ben") == []
    for call in (
        lambda: st.study(sid, "ben"),
        lambda: st.result(rid, "ben"),
        lambda: st.blob(rid, "t.csv", "ben"),
        lambda: st.lock(rid, "ben", reason="x"),
        lambda: st.add_study(pid, "b.csv", b"x", "ben"),
        lambda: st.share(pid, "ben", "ben"),
        lambda: st.audit("ben", pid),
    ):
        with pytest.raises(StoreError, match="visible"):
            call()
    st.share(pid, "ben", user="ana")
    assert [p["name"] for p in st.projects("ben")] == ["ana's"]
    assert st.blob(rid, "t.csv", "ben") == b"1"
    with sa.create_engine(st.url).connect() as conn:  # hashes, never passwords
        hashes = [r[0] for r in conn.execute(sa.text("SELECT password_hash FROM users"))]
    assert all(h.startswith("scrypt$") and "secret" not in h for h in hashes)
    assert st.check_password("ana", "ana-secret-1") and not st.check_password("ana", "x")
    st.close()


def test_migrations_down_and_up(store_url):
    st = Store(store_url)
    assert current(st.engine) == "0005"
    downgrade(st.engine, "0001")  # guards gone: the trail is editable again
    assert current(st.engine) == "0001"
    with st.engine.begin() as c:
        c.execute(
            sa.text(
                'INSERT INTO audit (at, "user", action, target, reason, details)'
                " VALUES ('t', 'u', 'a', 'x', '', '{}')"
            )
        )
        c.execute(sa.text("UPDATE audit SET reason = 'edited'"))
    downgrade(st.engine, "base")
    assert current(st.engine) is None
    assert set(sa.inspect(st.engine).get_table_names()) <= {"alembic_version"}
    upgrade(st.engine)
    assert current(st.engine) == "0005"
    assert {
        "users",
        "projects",
        "shares",
        "studies",
        "analyses",
        "results",
        "blobs",
        "audit",
    } <= set(sa.inspect(st.engine).get_table_names())
    st.close()


def test_default_url(monkeypatch, tmp_path):
    monkeypatch.delenv("KINETOR_STORE", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_url() == f"sqlite:///{tmp_path}/kinetor/store.sqlite"
    monkeypatch.setenv("KINETOR_STORE", "postgresql://lab@db/kinetor")
    assert default_url() == "postgresql://lab@db/kinetor"


def test_what_a_locked_result_rests_on_is_guarded(store_url, tmp_path):
    """A locked result's analysis (options, hashes) and study (raw bytes) cannot be changed or
    deleted either, whoever connects; export refuses files that no longer match their
    SHA-256; a lock needs a reason."""
    st = Store(store_url)
    sid = st.add_study(st.create_project("p", user="ana"), "a.csv", RAW, user="ana")
    r = st.save_result(sid, "nca", {"auc_method": "linear"}, {"t.csv": b"v1"}, user="ana")
    with pytest.raises(StoreError, match="reason"):
        st.lock(r["id"], user="ana", reason="  ")
    # before the lock the raw rows can still be edited (e.g. by an administrator)
    with st.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE blobs SET data = :d WHERE result_id = :i"), {"d": b"zz", "i": r["id"]}
        )
    with pytest.raises(StoreError, match="SHA-256"):
        st.export(r["id"], tmp_path / "out1", user="ana")
    assert not (tmp_path / "out1").exists()
    with st.engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE blobs SET data = :d WHERE result_id = :i"), {"d": b"v1", "i": r["id"]}
        )
    st.lock(r["id"], user="ana", reason="QC passed")
    for sql in (
        "UPDATE analyses SET options = '{}'",
        "DELETE FROM analyses",
        "UPDATE studies SET data = :d",
        "DELETE FROM studies",
    ):
        with pytest.raises(sa.exc.DBAPIError, match="locked result"), st.engine.begin() as conn:
            conn.execute(sa.text(sql), {"d": b"\x00"} if ":d" in sql else {})
    files = st.export(r["id"], tmp_path / "out2", user="ana")
    assert (tmp_path / "out2" / "t.csv").read_bytes() == b"v1"
    assert any(p.name.startswith("study_") and p.read_bytes() == RAW for p in files)
    st.close()
