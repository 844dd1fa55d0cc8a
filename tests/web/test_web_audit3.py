"""The browser app after the third audit: a dead worker process, DNS rebinding, sessions
bound to the credential, JSON API shapes and option keys, zip uploads, menu tampering,
serve's option checks, the page wording of library messages and long duplicate groups."""

from __future__ import annotations

import asyncio
import io
import json
import multiprocessing as mp
import os
import socket
import time
import urllib.parse
import zipfile
from pathlib import Path

import pytest

from kinetor.cli.main import main
from kinetor.errors import DataError
from kinetor.store import Store
from kinetor.web import forms, jobs, tasks

from .test_web_security import SETTINGS, Client, _csv

SEND = Path(__file__).parents[2] / "examples" / "send"
SECRET = b"k" * 32


# -- A1: a worker that dies ---------------------------------------------------------------
def test_a_dead_worker_is_replaced_and_reported():
    async def scenario():
        jobs.stop_pool()
        jobs.start_pool(1)
        try:
            lost = await jobs.run(os._exit, 1)  # the worker dies (as when killed for memory)
            after = await jobs.run(tasks.warm)  # the next analysis runs in a new worker
        finally:
            jobs.stop_pool()
        return lost, after

    lost, after = asyncio.run(scenario())
    assert lost == {"error": jobs.WORKER_LOST, "problems": []}
    assert after is True


# -- A14: stopping right after the start leaves no worker behind ---------------------------
def test_stopping_the_pool_during_warm_up_ends_every_worker():
    jobs.stop_pool()
    before = {p.pid for p in mp.active_children()}  # other tests' pools (joblib's loky)
    jobs.start_pool(2)
    time.sleep(0.3)  # the workers are importing kinetor (warm-up) now
    jobs.stop_pool()

    def left():
        return [p for p in mp.active_children() if p.is_alive() and p.pid not in before]

    # a worker still importing kinetor takes seconds: one left behind would outlive this
    deadline = time.monotonic() + 3.0
    while left() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert left() == []


# -- A2: a long duplicate group is one problem, not n^2 text --------------------------------
def test_many_copies_of_one_row_are_one_problem():
    row = b"R1,0.5,10,1,PO\n"
    data = b"subject,time,conc,dose,route\n" + row * 3000  # rows 2..3001 in the file
    res = tasks.validate(data, "dup.csv", json.loads(SETTINGS))
    dup = [p for p in res["problems"] if "duplicate time" in p["problem"]]
    assert len(dup) == 1
    assert dup[0]["row"] == 2
    assert dup[0]["problem"] == (
        "duplicate time 0.5 in the profile of subject 'R1' (ANALYTE, PLASMA): 3000 rows, "
        "row(s) 2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 2990 more"
    )


# -- A3: DNS rebinding against a server without sign-in -----------------------------------
def _handshake(port: int, host: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(
            (
                f"GET /websocket/ HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
        )
        return s.recv(200).split(b"\r\n")[0]


def test_without_sign_in_only_loopback_host_names_are_served(live):
    srv = live()
    port = srv.cfg.port
    c = Client(srv.url)
    assert c.call("/", headers={"Host": f"attacker.example:{port}"})[0] == 421
    assert c.call("/api/csrf", headers={"Host": "attacker.example"})[0] == 421
    for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"127.3.4.5:{port}"):
        assert c.call("/api/csrf", headers={"Host": host})[0] == 200
    assert b"403" in _handshake(port, f"attacker.example:{port}")
    assert b"101" in _handshake(port, f"localhost:{port}")


# -- A7: sessions bound to the auth mode, the credential and sign-out -----------------------
def _session_cookie(client: Client) -> str:
    jar = next(h.cookiejar for h in client.opener.handlers if hasattr(h, "cookiejar"))
    return next(c.value for c in jar if c.name == "kinetor_session")


def test_a_token_session_ends_with_a_new_token_or_another_auth_mode(live, tmp_path):
    old = live(auth="token", token="first-token-0123456789", secret=SECRET)
    c = Client(old.url)
    assert c.login("", "first-token-0123456789")[0] == 200
    assert c.call("/api/csrf")[0] == 200
    cookie = {"Cookie": f"kinetor_session={_session_cookie(c)}"}
    new = live(auth="token", token="second-token-0123456789", secret=SECRET)
    assert Client(new.url).call("/api/csrf", headers=cookie)[0] == 401
    st = Store(f"sqlite:///{tmp_path / 'accounts.sqlite'}")
    st.add_user("ana", "ana-password-1")
    accounts = live(store=st, auth="accounts", secret=SECRET)
    assert Client(accounts.url).call("/api/csrf", headers=cookie)[0] == 401


def test_sign_out_and_a_new_password_end_the_session(live, tmp_path):
    st = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    st.add_user("ana", "ana-password-1")
    srv = live(store=st, auth="accounts")
    c = Client(srv.url)
    assert c.login("ana", "ana-password-1")[0] == 200
    cookie = {"Cookie": f"kinetor_session={_session_cookie(c)}"}
    form = urllib.parse.urlencode({"csrf": c.csrf()}).encode()
    assert c.call("/logout", form, method="POST")[0] == 200  # redirected to sign-in
    assert Client(srv.url).call("/api/csrf", headers=cookie)[0] == 401  # replayed: refused
    c2 = Client(srv.url)
    assert c2.login("ana", "ana-password-1")[0] == 200
    assert c2.call("/api/csrf")[0] == 200
    st.add_user("ana", "ana-password-2")  # a new password ends the older sessions
    assert c2.call("/api/csrf")[0] == 401


# -- A6, A9: the JSON API refuses unknown option keys and wrongly shaped JSON ---------------
def test_api_refuses_unknown_options_and_wrong_shapes(live):
    srv = live()
    c = Client(srv.url)
    status, body = c.upload("pk.csv", _csv())
    assert status == 200, body
    sid = json.loads(body)["study_id"]

    def nca(payload):
        status, body = c.call(
            "/api/nca", json.dumps(payload).encode(), {"X-CSRF-Token": c.csrf()}, method="POST"
        )
        return status, json.loads(body)

    status, out = nca({"study_id": sid, "options": {"auc_method": "linear", "auc_metod": "x"}})
    assert status == 422
    assert "auc_metod" in out["error"] and "auc_method, blq_rule" in out["error"]
    status, out = nca({"study_id": sid, "options": [1, 2]})
    assert status == 422 and "options must be a JSON object" in out["error"]
    status, out = nca([1])
    assert status == 422 and "study_id" in out["error"]
    status, out = nca({"study_id": sid, "options": {"intervals": "0-24"}})
    assert (
        status == 422 and "intervals must be a list of objects with start and end" in (out["error"])
    )
    status, out = nca({"study_id": sid, "options": {"lambda_z_exclude": [{"subject": "1"}]}})
    assert status == 422 and "lambda_z_exclude" in out["error"] and "--" not in out["error"]
    assert Store(srv.store.url).results(srv.cfg.local_user) == []  # nothing was recorded
    q = urllib.parse.urlencode({"name": "pk.csv", "project": "p", "settings": "[1]"})
    status, body = c.call(f"/api/studies?{q}", _csv(), {"X-CSRF-Token": c.csrf()}, method="POST")
    assert (
        status == 422
        and "settings must be a JSON object" in json.loads(body)["problems"][0]["problem"]
    )


def test_lambda_z_exclude_fix_has_no_command_line_option():
    iv = b"subject,time,conc,dose,route\n1,0,0,1,IV\n1,1,8,,\n1,2,4,,\n1,4,1,,\n1,8,0.0625,,\n"
    units = {"units": {"time": "h", "conc": "ng/mL", "dose": "mg/kg"}}
    res = tasks.nca_job(iv, "iv.csv", units, {"lambda_z_exclude": [{"subject": "1", "time": 3}]})
    assert res["problems"] and "lambda-z-exclude" not in res["problems"][0]["fix"]


# -- A5, A13 and the zip wording: zip uploads ----------------------------------------------
def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def test_a_zip_of_two_studies_in_folders_is_refused_naming_the_files():
    from kinetor.store.nca import read_upload

    members = {
        f"{sp}/{f.name}": f.read_bytes() for sp in ("rat", "mouse") for f in (SEND / sp).iterdir()
    }
    with pytest.raises(DataError) as err:
        read_upload(_zip(members), "two.zip")
    text = str(err.value)
    assert "rat/pc.csv, mouse/pc.csv" in text or "mouse/pc.csv, rat/pc.csv" in text
    # one study in a folder is fine (6 rats, 63 samples in examples/send/rat)
    rat = {k: v for k, v in members.items() if k.startswith("rat/")}
    study = read_upload(_zip(rat), "rat.zip")
    assert study.conc["subject"].nunique() == 6 and len(study.conc) == 63


def test_a_zip_with_too_many_members_is_refused_quickly():
    from kinetor.store.nca import read_upload

    data = _zip({f"f{i}.txt": b"" for i in range(10_001)})
    t = time.perf_counter()
    with pytest.raises(DataError, match="10001 entries, more than 10000"):
        read_upload(data, "many.zip")
    assert time.perf_counter() - t < 5


def test_upload_texts_name_the_users_file():
    from kinetor.store.nca import read_upload

    with pytest.raises(DataError) as err:
        read_upload(_zip({"readme.txt": b"no study here\n"}), "traversal.zip")
    assert "traversal.zip/study" not in str(err.value) and "traversal.zip" in str(err.value)
    adnca = Path(__file__).parents[1] / "data" / "fixtures" / "adnca.csv"  # one ug/mL value
    study = read_upload(adnca.read_bytes(), "my adnca.csv")
    assert "conc: 1 value(s) converted from ug/mL to ng/mL (my adnca.csv, column AVALU)" in (
        study.notes
    )


# -- A10: serve's option checks ------------------------------------------------------------
@pytest.mark.parametrize(
    "args",
    [
        ["--max-upload-mb", "nan"],
        ["--max-upload-mb", "inf"],
        ["--max-upload-mb", "0"],
        ["--workers", "-1"],
        ["--workers", "0"],
    ],
)
def test_serve_refuses_bad_limits_as_usage_errors(args, tmp_path, monkeypatch):
    import kinetor.web

    started = []
    monkeypatch.setattr(kinetor.web, "serve", lambda cfg, store: started.append(cfg))
    code = main(["--quiet", "serve", "--store", str(tmp_path / "s.sqlite"), *args])
    assert code == 2 and started == []


# -- A11: library wording on the page ------------------------------------------------------
def test_unit_and_map_fixes_are_worded_for_the_page():
    unit = (
        "give --conc-unit (Python: units={'conc': ...}) with a concentration unit such as 'ng/mL'"
    )
    assert forms.web_text(unit) == (
        "choose the unit in the Concentration unit menu with a concentration unit such as 'ng/mL'"
    )
    role = "name a column 'time' or map one with --map time=YourColumn (Python: roles={'time': 'YourColumn'}); columns are: A, B"
    assert forms.web_text(role) == (
        "name a column 'time' or map one with the 'Column for time' menu; columns are: A, B"
    )
    assert forms.web_text("give --dose-unit mg/kg (Python: units={'dose': 'mg/kg'}), or x") == (
        "choose mg/kg in the Dose unit menu, or x"
    )


# -- A12: menu values of the Studies page are checked -------------------------------------
@pytest.mark.parametrize(
    "change, label",
    [
        ({"time_unit": "fortnight"}, "Time unit"),
        ({"conc_unit": "ng/furlong"}, "Concentration unit"),
        ({"dose_unit": "kg"}, "Dose unit"),
        ({"route": "teleport"}, "Route"),
        ({"roles": {"time": "Not a column"}}, "Column for time"),
    ],
)
def test_studies_page_refuses_values_outside_its_menus(change, label):
    from kinetor.web.page_studies import study_settings

    given = {
        "time_unit": "h",
        "conc_unit": "ng/mL",
        "dose_unit": "mg/kg",
        "route": "PO",
        "roles": {"time": "Time"},
        "columns": ["Time", "Conc"],
    } | change
    with pytest.raises(forms.FieldError, match=label):
        study_settings(**given)
    ok = study_settings("h", "", "", "", {"time": "Time"}, ["Time"])
    assert ok == {"units": {"time": "h"}, "roles": {"time": "Time"}, "route": None}


# -- A16: a tampered study id on the NCA page is a message, not a closed session ----------
def _init(inputs: dict) -> str:
    """The init message of a Shiny session with ``inputs`` (what shiny.js sends)."""
    outputs = ["nca-lz_message", "nca-status"]
    data = {
        "nav": "nca",
        "nca-study": None,
        "nca-auc_method": "lin-up/log-down",
        "nca-blq_rule": "pknca",
        "nca-interval": "",
        "nca-sparse": False,
        "nca-run:shiny.action": 0,
        "nca-reason": "",
        ".clientdata_pixelratio": 1,
        **{f".clientdata_output_{o}_hidden": False for o in outputs},
        **inputs,
    }
    return json.dumps({"method": "init", "data": data})


def _wait_value(conn, output: str, text: str, timeout: float = 60) -> str:
    end = time.time() + timeout
    while time.time() < end:
        msg = json.loads(conn.recv(timeout=end - time.time()))
        html = (msg.get("values") or {}).get(output)
        if html and text in json.dumps(html):
            return json.dumps(html)
    raise AssertionError(f"{output} never showed {text!r}")


@pytest.mark.parametrize("study", ["999", "abc"])
def test_a_study_id_outside_the_menu_shows_a_message(live, study):
    from websockets.sync.client import connect

    srv = live()
    with connect(srv.url.replace("http", "ws") + "/websocket/", origin=srv.url) as conn:
        conn.send(_init({"nca-study": study}))
        time.sleep(1)
        conn.send(json.dumps({"method": "update", "data": {"nca-run:shiny.action": 1}}))
        assert "is not one of your studies" in _wait_value(conn, "nca-lz_message", "not one of")
        # the session is still alive: the next run is checked as before
        conn.send(
            json.dumps(
                {"method": "update", "data": {"nca-interval": "24-0", "nca-run:shiny.action": 2}}
            )
        )
        _wait_value(conn, "nca-lz_message", "START-END")
