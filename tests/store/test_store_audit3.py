"""The store after the third audit: TRUNCATE cannot wipe locked results (PostgreSQL),
clashing result file names are refused, passwords in store URLs are never shown, names
with NUL characters are refused, and ``serve --auth accounts`` creates no empty store."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kinetor.cli.main import main
from kinetor.store import Store, StoreError, downgrade, upgrade
from kinetor.store.migrate import current

# CASCADE: the others are referenced by foreign keys (plain TRUNCATE is refused anyway)
_GUARDED = ("results CASCADE", "blobs", "analyses CASCADE", "studies CASCADE", "users CASCADE")


def _locked_store(url: str, lock: bool = True) -> Store:
    st = Store(url)
    pid = st.create_project("p", user="ana")
    sid = st.add_study(pid, "pk.csv", b"subject,time,conc\n1,0,0\n", user="ana")
    rid = st.save_result(sid, "nca", {}, {"t.csv": b"1"}, user="ana")["id"]
    if lock:
        st.lock(rid, user="ana", reason="QC passed")
    return st


def _count(st: Store, table: str) -> int:
    with st.engine.connect() as c:
        return c.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()


# -- A8: TRUNCATE on PostgreSQL ------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("table", _GUARDED)
def test_truncate_cannot_wipe_locked_results(pg_url, table):
    st = _locked_store(pg_url)
    with pytest.raises(sa.exc.DBAPIError, match="the store holds locked results"):
        with st.engine.begin() as c:
            c.execute(sa.text(f"TRUNCATE {table}"))
    assert (_count(st, "results"), _count(st, "blobs"), _count(st, "studies")) == (1, 1, 1)
    st.close()


@pytest.mark.slow
def test_truncate_without_locked_results_and_the_downgrade(pg_url):
    st = _locked_store(pg_url, lock=False)  # nothing locked: a store can still be emptied
    with st.engine.begin() as c:
        c.execute(sa.text("TRUNCATE results CASCADE"))
    assert _count(st, "results") == 0
    st.close()
    st = _locked_store(pg_url)  # now with a locked result
    assert current(st.engine) == "0005"
    downgrade(st.engine, "0003")  # the guard goes with its migration
    with st.engine.begin() as c:
        c.execute(sa.text("TRUNCATE blobs"))
    assert _count(st, "blobs") == 0
    upgrade(st.engine)
    with pytest.raises(sa.exc.DBAPIError, match="locked results"):
        with st.engine.begin() as c:
            c.execute(sa.text("TRUNCATE results CASCADE"))
    st.close()


# -- A15: result file names --------------------------------------------------------------
def test_result_files_that_would_share_a_name_are_refused(tmp_path):
    st = _locked_store(f"sqlite:///{tmp_path / 's.sqlite'}", lock=False)
    with pytest.raises(
        StoreError, match=r"'a/b\.csv' and 'a_b\.csv' would both be kept as 'a_b\.csv'"
    ):
        st.save_result(1, "nca", {}, {"a/b.csv": b"1", "a_b.csv": b"2"}, user="ana")
    for name in ("provenance.json", "study_pk.csv"):  # what export writes itself
        with pytest.raises(StoreError, match=f"would be kept as '{name}'"):
            st.save_result(1, "nca", {}, {name: b"mine"}, user="ana")
        with pytest.raises(StoreError, match=f"would be kept as '{name}'"):
            st.add_blob(1, name, b"mine", user="ana")
    assert [r["version"] for r in st.results("ana")] == [1]  # nothing half-saved
    st.close()


def test_export_refuses_a_stored_file_it_would_overwrite(tmp_path):
    st = _locked_store(f"sqlite:///{tmp_path / 's.sqlite'}", lock=False)
    with st.engine.begin() as c:  # as a store written before such names were refused
        c.execute(
            sa.text(
                "INSERT INTO blobs (result_id, name, media_type, data, sha256) VALUES "
                "(1, 'provenance.json', 'application/json', :d, :h)"
            ),
            {"d": b"{}", "h": "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"},
        )
    out = tmp_path / "out"
    with pytest.raises(StoreError, match=r"'provenance\.json'.*nothing exported"):
        st.export(1, out, user="ana")
    assert not out.exists()
    st.close()


# -- cosmetic: NUL characters in names -------------------------------------------------
def test_names_with_nul_characters_are_refused(tmp_path):
    st = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    with pytest.raises(StoreError, match="NUL"):
        st.create_project("a\x00b", user="ana")
    pid = st.create_project("p", user="ana")
    with pytest.raises(StoreError, match="NUL"):
        st.add_study(pid, "pk\x00.csv", b"x", user="ana")
    assert st.studies("ana") == []
    st.close()


# -- A4: passwords in store URLs are never shown ------------------------------------------
def test_cannot_open_the_store_hides_the_password(capsys):
    url = "postgresql://nobody:hunter2-secret@127.0.0.1:1/none"
    assert main(["store", "list", "--store", url]) == 3
    text = "".join(capsys.readouterr())
    assert "cannot open the store" in text and "nobody:***@127.0.0.1:1/none" in text
    assert "hunter2" not in text


@pytest.mark.slow
def test_store_list_and_serve_hide_the_password(pg_url, capsys, monkeypatch):
    import kinetor.web

    url = pg_url.replace("kinetor@", "kinetor:hunter2-secret@")  # trust: any password
    Store(url).close()
    assert main(["store", "list", "projects", "--store", url]) == 0
    monkeypatch.setattr(kinetor.web, "serve", lambda cfg, store: None)
    assert main(["serve", "--store", url]) == 0
    text = "".join(capsys.readouterr())
    assert "kinetor:***@127.0.0.1" in text and "hunter2" not in text
    assert "store: postgresql+psycopg2://kinetor:***@" in text  # the serve line


# -- cosmetic: serve --auth accounts on a missing store file --------------------------
def test_serve_with_accounts_creates_no_empty_store(tmp_path, monkeypatch):
    import kinetor.web

    monkeypatch.setattr(kinetor.web, "serve", lambda cfg, store: None)
    path = tmp_path / "none.sqlite"
    assert main(["--quiet", "serve", "--auth", "accounts", "--store", str(path)]) != 0
    assert not path.exists()
