"""Security of ``kinetor serve``: bind rule, sign-in, per-user visibility, CSRF, escaping,
upload names and sizes, cross-site websockets. Plain HTTP against a live server."""

from __future__ import annotations

import http.cookiejar
import io
import json
import re
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.store import Store
from kinetor.web import ServeConfig, ServeRefused, check_bind

FIX = Path(__file__).parents[1] / "nca" / "fixtures"


def _csv() -> bytes:
    d = pd.read_csv(FIX / "theoph.csv")
    return d.assign(route="PO").to_csv(index=False).encode()


SETTINGS = json.dumps({"units": {"time": "h", "conc": "mg/L", "dose": "mg/kg"}})


class Client:
    """A browser-like HTTP client with cookies."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def call(self, path, data=None, headers=None, method=None):
        req = urllib.request.Request(
            self.base + path, data=data, headers=headers or {}, method=method
        )
        try:
            with self.opener.open(req, timeout=120) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def login(self, user, password):
        _, page = self.call("/login")
        csrf = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode({"user": user, "secret": password, "csrf": csrf})
        return self.call("/login", form.encode(), method="POST")

    def csrf(self):
        return json.loads(self.call("/api/csrf")[1])["csrf"]

    def upload(self, name, body, csrf=None):
        q = urllib.parse.urlencode({"name": name, "project": "p", "settings": SETTINGS})
        return self.call(
            f"/api/studies?{q}",
            body,
            {"X-CSRF-Token": csrf if csrf is not None else self.csrf()},
            method="POST",
        )


def test_non_local_bind_needs_auth(tmp_path):
    with pytest.raises(ServeRefused, match="without authentication"):
        check_bind(ServeConfig(host="0.0.0.0"))
    with pytest.raises(ServeRefused, match="16 characters"):
        check_bind(ServeConfig(host="0.0.0.0", auth="token", token="short"))
    st = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    with pytest.raises(ServeRefused, match="no account"):
        check_bind(ServeConfig(host="192.168.1.5", auth="accounts"), st)
    check_bind(ServeConfig(host="localhost"))  # local: fine without auth
    # the CLI refuses before starting anything (usage error, exit code 2)
    assert (
        main(["--quiet", "serve", "--host", "0.0.0.0", "--store", str(tmp_path / "s.sqlite")]) == 2
    )
    # a port outside 1-65535 is a usage error too, not a server traceback
    assert main(["--quiet", "serve", "--port", "99999", "--store", str(tmp_path / "s.sqlite")]) == 2


def test_users_and_csrf(live, tmp_path):
    st = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    st.add_user("ana", "ana-password-1")
    st.add_user("ben", "ben-password-2")
    srv = live(store=st, auth="accounts")
    anon = Client(srv.url)
    assert anon.call("/api/csrf")[0] == 401  # nothing without signing in
    status, _ = anon.call("/")
    assert status == 200 and b"Sign in" in anon.call("/login")[1]  # redirected to sign-in
    assert anon.login("ana", "wrong")[0] == 401
    ana, ben = Client(srv.url), Client(srv.url)
    assert ana.login("ana", "ana-password-1")[0] == 200
    assert ben.login("ben", "ben-password-2")[0] == 200
    # a form posted without the session's CSRF token is refused
    assert ana.upload("pk.csv", _csv(), csrf="forged")[0] == 403
    form = urllib.parse.urlencode({"user": "ana", "secret": "ana-password-1"}).encode()
    assert Client(srv.url).call("/login", form, method="POST")[0] == 403
    # path traversal in the upload name: a label in the store, never a file
    evil = tmp_path / "pwned.csv"
    status, body = ana.upload(f"../../../../{tmp_path}/pwned.csv", _csv())
    assert status == 200, body
    sid = json.loads(body)["study_id"]
    assert not evil.exists()
    assert st.study(sid, "ana")["name"] == f"../../../../{tmp_path}/pwned.csv"
    status, body = ana.call(
        "/api/nca",
        json.dumps({"study_id": sid}).encode(),
        {"X-CSRF-Token": ana.csrf()},
        method="POST",
    )
    assert status == 200, body
    rid = json.loads(body)["result_id"]
    assert ana.call(f"/api/results/{rid}")[0] == 200
    # ben sees none of it
    assert ben.call(f"/api/results/{rid}")[0] == 404
    status, _ = ben.call(
        "/api/nca",
        json.dumps({"study_id": sid}).encode(),
        {"X-CSRF-Token": ben.csrf()},
        method="POST",
    )
    assert status == 404
    assert st.projects("ben") == []
    # the app's websocket session acts as the signed-in user: ben's menu, ben's project
    assert "(ben)" in _ws_projects(srv, ben) and "(ana)" not in _ws_projects(srv, ben)


def _ws_projects(srv, client) -> str:
    """The project menu a Shiny session opened with the client's session cookie gets."""
    from websockets.sync.client import connect

    cookie = "; ".join(
        f"{c.name}={c.value}"
        for h in client.opener.handlers
        if hasattr(h, "cookiejar")
        for c in h.cookiejar
    )
    ws = srv.url.replace("http", "ws") + "/websocket/"
    with connect(
        ws, origin=srv.url, additional_headers={"Cookie": cookie}, open_timeout=30
    ) as conn:
        conn.send(json.dumps({"method": "init", "data": {}}))
        for _ in range(50):
            msg = json.loads(conn.recv(timeout=60))
            for m in msg.get("inputMessages") or []:
                if m["id"] == "studies-project":
                    return m["message"]["options"]
    return ""


def test_upload_limit_and_cross_site_websocket(live):
    from websockets.sync.client import connect

    srv = live(max_upload_mb=0.01)
    c = Client(srv.url)
    # a local server without sign-in still wants the CSRF token on every POST
    assert c.upload("small.csv", _csv()[:500], csrf="")[0] == 403
    status, body = c.upload("big.csv", b"x" * 20_000)
    assert status == 413 and b"limit" in body
    ws = srv.url.replace("http", "ws") + "/websocket/"
    with connect(ws, origin=srv.url, open_timeout=30) as conn:  # same site: accepted
        conn.send(json.dumps({"method": "init", "data": {}}))
        assert conn.recv(timeout=60)
    from websockets.exceptions import InvalidStatus

    with pytest.raises(InvalidStatus, match="403"):  # another site
        with connect(ws, origin="http://evil.example", open_timeout=30) as conn:
            conn.recv(timeout=30)


def test_user_text_is_escaped():
    from kinetor.web._ui import problems_table, table
    from kinetor.web.security import login_page

    html = str(table(pd.DataFrame({"subject": ["<script>alert(1)</script>"], "x": [1.0]})))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html
    html = str(
        problems_table(
            [
                {
                    "file": "<b>f</b>.csv",
                    "row": 2,
                    "column": "<i>c</i>",
                    "problem": "bad",
                    "fix": "<a href=x>fix</a>",
                }
            ]
        )
    )
    assert "<b>" not in html and "<i>" not in html and "<a " not in html
    page = login_page(ServeConfig(auth="accounts"), "nonce", "<script>x</script>")
    assert "<script>" not in page


def test_upload_names_never_become_paths(tmp_path):
    from kinetor.store.nca import _unzip, read_upload

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../../escape.csv", "a,b\n1,2\n")
        zf.writestr("/abs/pc.csv", "a,b\n1,2\n")
    folder = tmp_path / "inside"
    folder.mkdir()
    out = _unzip(buf.getvalue(), folder, "study.zip")
    assert sorted(p.name for p in out.iterdir()) == ["escape.csv", "pc.csv"]
    assert not (tmp_path / "escape.csv").exists() and not Path("/abs/pc.csv").exists()
    # a bad upload's problems name the file as the user called it
    from kinetor.errors import DataError

    with pytest.raises(DataError) as err:
        read_upload(b"subject,time,conc\n1,0,-5\n", "../x/<b>my file</b>.csv")
    assert {p.file for p in err.value.problems} <= {"../x/<b>my file</b>.csv", None}
    with pytest.raises(DataError, match="not supported"):
        read_upload(b"x", "evil.sh")


def test_a_failed_zip_upload_never_shows_the_temporary_folder():
    from kinetor.errors import DataError
    from kinetor.store.nca import read_upload

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("readme.txt", "no study files here\n")
    with pytest.raises(DataError) as err:
        read_upload(buf.getvalue(), "study.zip")
    text = " ".join(f"{p.message} {p.fix} {p.file}" for p in err.value.problems)
    assert "kinetor-upload-" not in text and "/tmp" not in text
    assert "study.zip" in text
