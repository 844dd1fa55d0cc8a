"""The store after the fourth audit: REPLACE and project deletion cannot touch a locked
result (SQLite, raw ``sqlite3`` connections), ``nca --store`` records every option and
input file that changes a result, names and ids out of range are StoreErrors, a store of
a newer kinetor or a foreign file is refused, and the CLI's small gaps are closed."""

from __future__ import annotations

import hashlib
import json
import sqlite3

import pytest

from kinetor.cli.main import main
from kinetor.store import Store, StoreError

_STUDY = b"subject,time,conc\n1,0,0\n"


def _locked_store(path) -> Store:
    """Result 1 (with file t.csv) locked; result 2, same study, not locked."""
    st = Store(f"sqlite:///{path}")
    pid = st.create_project("p", user="ana")
    sid = st.add_study(pid, "pk.csv", _STUDY, user="ana")
    rid = st.save_result(sid, "nca", {"auc_method": "linear"}, {"t.csv": b"locked"}, user="ana")
    st.lock(rid["id"], user="ana", reason="QC passed")
    st.save_result(sid, "nca", {}, {"u.csv": b"open"}, user="ana")
    return st


# -- A1: REPLACE (SQLite) ---------------------------------------------------------------
_ATTACKS = {
    "unlock by REPLACE": "INSERT OR REPLACE INTO results SELECT id, analysis_id, study_id, "
    "kind, version, 0, summary, created_at, created_by FROM results WHERE id = 1",
    "replace by unique key": "INSERT OR REPLACE INTO results (analysis_id, study_id, kind, "
    "version, locked, summary, created_at, created_by) SELECT analysis_id, study_id, kind, "
    "version, 0, summary, created_at, created_by FROM results WHERE id = 1",
    "UPDATE OR REPLACE onto the locked version": "UPDATE OR REPLACE results SET version = 1 "
    "WHERE id = 2",
    "options by REPLACE": "INSERT OR REPLACE INTO analyses SELECT id, study_id, kind, "
    '\'{"auc_method": "forged"}\', kinetor_version, input_hashes, created_at, created_by '
    "FROM analyses WHERE id = 1",
    "study bytes by REPLACE": "INSERT OR REPLACE INTO studies SELECT id, project_id, name, "
    "X'6576696C', sha256, 4, settings, created_at, created_by FROM studies WHERE id = 1",
    "audit reason by REPLACE": "INSERT OR REPLACE INTO audit SELECT id, at, user, action, "
    "target, project_id, 'forged', details FROM audit WHERE action = 'result.lock'",
    "blob moved by REPLACE": "INSERT OR REPLACE INTO blobs SELECT id, 2, name, media_type, "
    "data, sha256 FROM blobs WHERE result_id = 1",
    "blob moved by UPDATE": "UPDATE blobs SET result_id = 1 WHERE result_id = 2",
    "project by REPLACE": "INSERT OR REPLACE INTO projects SELECT id, 'x', owner_id, "
    "created_at FROM projects WHERE id = 1",
    "project deleted": "DELETE FROM projects WHERE id = 1",
    "owner deleted": "DELETE FROM users WHERE name = 'ana'",
}


@pytest.mark.parametrize("sql", _ATTACKS.values(), ids=_ATTACKS.keys())
def test_replace_and_deletes_cannot_touch_a_locked_result(tmp_path, sql):
    _locked_store(tmp_path / "s.sqlite").close()
    con = sqlite3.connect(tmp_path / "s.sqlite")  # a raw connection: no pragmas of ours
    with pytest.raises(sqlite3.IntegrityError, match=r"locked|append-only"):
        con.executescript(f"BEGIN; {sql}; COMMIT;")
    con.close()
    st = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    res = st.result(1, "ana")
    assert res["locked"] and res["version"] == 1
    assert res["analysis"]["options"] == {"auc_method": "linear"}
    assert [b["name"] for b in res["blobs"]] == ["t.csv"]
    assert st.study(1, "ana")["data"] == _STUDY
    assert [a["reason"] for a in st.audit("ana") if a["action"] == "result.lock"] == ["QC passed"]
    st.close()


def test_the_store_still_works_with_the_new_guards(tmp_path):
    st = _locked_store(tmp_path / "s.sqlite")
    st.add_blob(2, "report.html", b"<p>", user="ana")  # unlocked result: allowed
    st.add_blob(2, "report.html", b"<p>2", user="ana")  # and replaced through the API
    assert st.lock(2, user="ana", reason="QC")["locked"]
    assert st.save_result(1, "nca", {}, {}, user="ana")["version"] == 3
    assert st.create_project("p", user="ana") == 1
    con = sqlite3.connect(tmp_path / "s.sqlite")  # unlocked rows can still be edited by SQL
    con.executescript(
        "BEGIN; INSERT OR REPLACE INTO results SELECT id, analysis_id, study_id, kind, "
        "version, 0, summary, created_at, 'ben' FROM results WHERE id = 3; COMMIT;"
    )
    con.close()
    st.close()


# -- A2: nca --store records what changes a result -------------------------------------
_PK = "subject,time,conc,dose,route\n1,0.5,100,2,IV\n1,1,60,2,IV\n1,2,30,2,IV\n1,4,8,2,IV\n"


def _nca(tmp_path, url, out, *extra, data="pk.csv"):
    args = ["--quiet", "nca", str(tmp_path / data), "--time-unit", "h", "--dose-unit", "mg/kg"]
    args += ["--no-report", "--store", url, "--user", "ana", "--out", str(tmp_path / out)]
    assert main([*args, *extra]) == 0


def test_nca_store_records_mw_and_the_doses_file(tmp_path):
    (tmp_path / "pk.csv").write_text(_PK)
    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    for mw in ("400", "800"):  # nM concentrations, mg/kg doses: the weight changes CL
        _nca(tmp_path, url, f"o{mw}", "--conc-unit", "nM", "--mw", mw)
    nodose = "subject,time,conc\n1,0.5,100\n1,1,60\n1,2,30\n1,4,8\n"
    (tmp_path / "nodose.csv").write_text(nodose)
    doses = b"subject,time,dose,route\n1,0,2,IV\n"
    (tmp_path / "doses.csv").write_bytes(doses)
    _nca(tmp_path, url, "od", "--conc-unit", "ng/mL", "--doses", str(tmp_path / "doses.csv"),
         data="nodose.csv")  # fmt: skip
    st = Store(url)
    opts = [st.result(i, "ana")["analysis"]["options"] for i in (1, 2)]
    assert (opts[0]["mw"], opts[1]["mw"]) == (400.0, 800.0)
    assert opts[0]["units"] == {"time": "h", "conc": "nM", "dose": "mg/kg"}
    assert opts[0]["occasions"] is False and opts[0]["route"] is None
    res = st.result(3, "ana")
    want = hashlib.sha256(doses).hexdigest()  # computed here, from the bytes written
    assert res["analysis"]["options"]["doses"] == {"file": "doses.csv", "sha256": want}
    assert res["analysis"]["input_hashes"]["doses_sha256"] == want
    assert st.blob(3, "input_doses_doses.csv", "ana") == doses
    files = st.export(3, tmp_path / "ex", "ana")
    assert (tmp_path / "ex" / "input_doses_doses.csv").read_bytes() == doses
    assert len(files) == len({f.name for f in files})
    st.close()


# -- A4, A5: versions, ids, lengths, foreign files ---------------------------------------
def test_a_store_of_a_newer_kinetor_is_refused_with_the_version(tmp_path, capsys):
    _locked_store(tmp_path / "s.sqlite").close()
    con = sqlite3.connect(tmp_path / "s.sqlite")
    con.execute("UPDATE alembic_version SET version_num = '0099'")
    con.execute("UPDATE analyses SET kinetor_version = '9.1.0' WHERE id = 2")  # unlocked
    con.commit()
    con.close()
    with pytest.raises(StoreError, match=r"newer kinetor \(its schema is 0099.*9\.1\.0 or later"):
        Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    url = str(tmp_path / "s.sqlite")
    assert main(["--quiet", "store", "list", "--store", url, "--user", "ana"]) == 3
    assert "newer kinetor" in capsys.readouterr().err


def test_ids_out_of_range_and_long_names(tmp_path, capsys):
    st = _locked_store(tmp_path / "s.sqlite")
    for call in (st.result, st.study):
        with pytest.raises(StoreError, match=r"no (result|study) 99999999999999999999 visible"):
            call(99999999999999999999, "ana")
    with pytest.raises(StoreError, match="no project"):
        st.studies("ana", project_id=2**63)
    with pytest.raises(StoreError, match="200 characters long at most, got 201"):
        st.create_project("p" * 201, user="ana")
    with pytest.raises(StoreError, match="200 characters long at most, got 201"):
        st.create_project("q", user="u" * 201)
    with pytest.raises(StoreError, match="400 characters long at most, got 401"):
        st.add_study(1, "s" * 401, b"x", user="ana")
    assert st.create_project("p" * 200, user="ana") == 2  # the limit itself is fine
    st.close()
    url = str(tmp_path / "s.sqlite")
    capsys.readouterr()
    rc = main(["--quiet", "store", "show", "99999999999999999999", "--store", url])
    assert rc == 2 and "result_id" in capsys.readouterr().err  # a usage error


@pytest.mark.parametrize("content", [b"", b"not a database", None])
def test_store_refuses_a_file_that_is_not_a_store(tmp_path, content):
    path = tmp_path / "f.sqlite"
    if content is None:  # another application's SQLite database
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE patients (id INTEGER)")
        con.commit()
        con.close()
    else:
        path.write_bytes(content)
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a kinetor store"):
        Store(str(path))
    assert path.read_bytes() == before  # never converted


# -- A7: sharing, accounts, export, file names -------------------------------------------
def test_share_with_the_owner_and_short_passwords_are_refused(tmp_path):
    st = _locked_store(tmp_path / "s.sqlite")
    with pytest.raises(StoreError, match="own project"):
        st.share(1, "ana", user="ana")
    with pytest.raises(StoreError, match="7 characters long: give 8 or more"):
        st.add_user("ben", "1234567")
    assert st.add_user("ben", "12345678") == "created"
    assert st.add_user("ben", "abcdefgh") == "changed"
    st.close()


def test_add_user_on_an_existing_account_needs_reset(tmp_path, monkeypatch, capsys):
    url = str(tmp_path / "s.sqlite")
    monkeypatch.setenv("KINETOR_PASSWORD", "first-pass-1")
    assert main(["store", "add-user", "ben", "--store", url]) == 0
    monkeypatch.setenv("KINETOR_PASSWORD", "second-pass-2")
    capsys.readouterr()
    assert main(["store", "add-user", "ben", "--store", url]) == 3
    assert "--reset" in capsys.readouterr().err
    st = Store(url)
    assert st.check_password("ben", "first-pass-1")
    st.close()
    assert main(["store", "add-user", "ben", "--reset", "--store", url]) == 0
    assert "password changed" in capsys.readouterr().out
    st = Store(url)
    assert st.check_password("ben", "second-pass-2")
    st.close()
    monkeypatch.setenv("KINETOR_PASSWORD", "x")
    assert main(["store", "add-user", "cy", "--store", url]) == 3


def test_export_refuses_a_folder_with_files_and_names_differing_in_case(tmp_path):
    st = _locked_store(tmp_path / "s.sqlite")
    out = tmp_path / "ex"
    out.mkdir()
    (out / "mine.txt").write_text("keep")
    with pytest.raises(StoreError, match="not empty"):
        st.export(1, out, "ana")
    assert sorted(p.name for p in out.iterdir()) == ["mine.txt"]
    names = {p.name for p in st.export(1, out, "ana", force=True)}
    assert names == {"t.csv", "study_pk.csv", "provenance.json"}
    assert (out / "mine.txt").read_text() == "keep"
    with pytest.raises(StoreError, match=r"'A\.csv' and 'a\.csv' would both be kept"):
        st.save_result(1, "nca", {}, {"A.csv": b"1", "a.csv": b"2"}, user="ana")
    with pytest.raises(StoreError, match="would both be kept"):
        st.add_blob(2, "U.CSV", b"x", user="ana")  # result 2 holds u.csv
    with pytest.raises(StoreError, match="the name export gives the study file"):
        st.save_result(1, "nca", {}, {"STUDY_pk.csv": b"1"}, user="ana")
    st.close()


def test_cli_export_force(tmp_path):
    _locked_store(tmp_path / "s.sqlite").close()
    url, out = str(tmp_path / "s.sqlite"), tmp_path / "ex"
    base = ["--quiet", "store", "export", "1", "--out", str(out), "--store", url, "--user", "ana"]
    assert main(base) == 0
    assert main(base) == 3  # the folder now holds the first export
    assert main([*base, "--force"]) == 0
    assert json.loads((out / "provenance.json").read_text())["id"] == 1


def test_lengths_and_ids_are_checked_on_every_backend(store_url):
    st = Store(store_url)
    pid = st.create_project("p", user="ana")
    for name, user in (("p" * 201, "ana"), ("q", "u" * 201)):
        with pytest.raises(StoreError, match="200 characters long at most, got 201"):
            st.create_project(name, user=user)
    with pytest.raises(StoreError, match="no study 2147483648 visible"):  # > PostgreSQL int
        st.study(2**31, "ana")
    with pytest.raises(StoreError, match="no result 2147483648 visible"):
        st.lock(2**31, user="ana", reason="QC")
    assert [p["id"] for p in st.projects("ana")] == [pid]
    st.close()
