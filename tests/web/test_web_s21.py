"""Audit s21 of the browser app: non-ASCII secrets, the sign-in throttle, the NCA summary
(the command line's codes and columns, per interval), literal subject ids in the plot,
the notes file and the study notes. The ASGI app and the worker functions are called
directly (no browser)."""

from __future__ import annotations

import asyncio
import io
import json
import math
from urllib.parse import urlencode

import pandas as pd
import pytest

from kinetor.store import Store
from kinetor.web import ServeConfig, build_app, security, tasks

UNITS = {"units": {"time": "h", "conc": "ng/mL", "dose": "mg"}}


def call(app, method, path, headers=(), body=b""):
    """(status, body, headers) of one HTTP request to an ASGI app."""
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": [
            (k.encode(), v if isinstance(v, bytes) else v.encode("latin-1"))
            for k, v in [("host", "127.0.0.1:8050"), *headers]
        ],
    }
    msgs = [{"type": "http.request", "body": body, "more_body": False}]
    out = []

    async def receive():
        return msgs.pop(0) if msgs else {"type": "http.disconnect"}

    async def send(m):
        out.append(m)

    asyncio.run(app(scope, receive, send))
    start = next(m for m in out if m["type"] == "http.response.start")
    text = b"".join(m.get("body", b"") for m in out if m["type"] == "http.response.body")
    return start["status"], text, dict(start.get("headers", []))


def sign_in(app, cfg, secret, user=""):
    nonce = "n0nce"
    form = {"user": user, "secret": secret, "csrf": security.csrf_token(cfg, nonce)}
    body = urlencode(form).encode()
    return call(
        app,
        "POST",
        "/login",
        [
            ("cookie", f"kinetor_nonce={nonce}"),
            ("content-type", "application/x-www-form-urlencoded"),
            ("content-length", str(len(body))),
        ],
        body,
    )


@pytest.fixture
def store(tmp_path):
    st = Store(f"sqlite:///{tmp_path / 'web.sqlite'}")
    st.add_user("ana", "correct-horse-1")
    return st


# -- B1: non-ASCII secrets ------------------------------------------------------------
def test_non_ascii_values_are_refused_never_a_server_error(store):
    cfg = ServeConfig(auth="token", token="a-long-random-token-1234")
    app = build_app(cfg, store)
    assert sign_in(app, cfg, "pässwort-ä-1234567")[0] == 401  # a wrong token, said so
    bearer = [("authorization", "Bearer t\xe9st-token-xxxxxxxxxxx")]
    assert call(app, "GET", "/api/results/1", bearer)[0] == 401
    cookie = [("cookie", "kinetor_session=abc.\xe9f00")]
    assert call(app, "GET", "/api/results/1", cookie)[0] == 401
    local = ServeConfig(auth="none")
    status, body, _ = call(build_app(local, store), "POST", "/api/nca", [("x-csrf-token", "\xe9")])
    assert status == 403 and b"X-CSRF-Token" in body
    # sign-out with a non-ASCII CSRF field: refused, not a crash
    out = urlencode({"csrf": "ä"}).encode()
    assert call(app, "POST", "/logout", [("content-length", str(len(out)))], out)[0] in (303, 403)


def test_a_non_ascii_token_signs_in_and_works_as_bearer(store):
    token = "pässwort-ä-1234567"
    cfg = ServeConfig(auth="token", token=token)
    app = build_app(cfg, store)
    status, _, headers = sign_in(app, cfg, token)
    assert status == 303 and headers[b"location"] == b"/"
    session = headers[b"set-cookie"].split(b";")[0].decode().split("=", 1)[1]
    assert security.read_session(cfg, session, store) == "token"
    # a script sends the token's UTF-8 bytes in the Authorization header
    bearer = [("authorization", b"Bearer " + token.encode("utf-8"))]
    status, body, _ = call(app, "GET", "/api/results/999999", bearer)
    assert status == 404 and b"no result" in body  # past the sign-in check
    assert call(app, "GET", "/api/results/1", [("authorization", "Bearer " + token)])[0] == 401


def test_a_non_ascii_password_signs_in(store):
    store.add_user("bea", "pässwort-ä-1234567")
    cfg = ServeConfig(auth="accounts")
    app = build_app(cfg, store)
    assert sign_in(app, cfg, "pässwort-ä-1234567", "bea")[0] == 303
    assert sign_in(app, cfg, "pässwort-a-1234567", "bea")[0] == 401


# -- C1: sign-in throttle -------------------------------------------------------------
def test_five_failed_sign_ins_lock_the_account_for_a_minute(store, monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(security, "_clock", lambda: now[0], raising=False)
    cfg = ServeConfig(auth="accounts")
    app = build_app(cfg, store)
    for _ in range(5):
        assert sign_in(app, cfg, "wrong-password", "ana")[0] == 401
    status, body, _ = sign_in(app, cfg, "correct-horse-1", "ana")
    assert status == 429 and b"wait 60 s" in body  # the right password too, for 60 s
    now[0] += 59.0
    assert sign_in(app, cfg, "correct-horse-1", "ana")[0] == 429
    now[0] += 1.5  # 60.5 s after the fifth failure
    assert sign_in(app, cfg, "correct-horse-1", "ana")[0] == 303
    # another account is not affected by ana's failures
    store.add_user("bea", "another-pass-2")
    for _ in range(5):
        sign_in(app, cfg, "wrong-password", "ana")
    assert sign_in(app, cfg, "another-pass-2", "bea")[0] == 303


# -- B2: the NCA summary --------------------------------------------------------------
def _nonmem_reset() -> bytes:
    """Subject 1: dose at 0 h, a reset (EVID 4) and a second dose at 24 h; subject 2: one
    dose. Cmax: 100 (0-24 h), 200 (24-48 h), 60 (subject 2, 0 h to infinity)."""
    rows = ["ID,TIME,DV,AMT,EVID,MDV,CMT"]

    def subject(i, t0, points, evid):
        rows.append(f"{i},{t0},0,2,{evid},1,1")
        rows.extend(f"{i},{t0 + t},{c},0,0,0,1" for t, c in points)

    subject(1, 0, [(1, 100), (2, 50), (4, 12.5), (8, 2)], 1)
    subject(1, 24, [(1, 200), (2, 100), (4, 25), (8, 4)], 4)
    subject(2, 0, [(1, 60), (2, 30), (4, 7.5), (8, 1)], 1)
    return ("\n".join(rows) + "\n").encode()


def test_nca_summary_tells_intervals_apart_and_has_the_cli_columns():
    out = tasks.nca_job(_nonmem_reset(), "nm.csv", {**UNITS, "route": "PO"}, {})
    assert "error" not in out, out
    df = pd.DataFrame(out["summary"])
    for col in ("start", "end", "interval", "n", "n_missing", "n_flagged", "display"):
        assert col in df.columns, col
    cmax = df[df["PPTESTCD"] == "CMAX"].set_index("interval")["mean"].to_dict()
    assert cmax == {"0-24 h": 100.0, "24-48 h": 200.0, "0 h to infinity": 60.0}
    assert set(df.loc[df["interval"] == "0 h to infinity", "end"]) == {"inf"}  # strict JSON
    # the dosing-interval parameters of the reset occasions, as the CLI prints them
    assert {"AUCTAU", "CAVG", "CTROUGH"} <= set(df["PPTESTCD"])
    # not calculated: subject 1 has no sample at 24 h (end of its first dosing interval)
    params = pd.read_csv(io.BytesIO(out["blobs"]["nca_parameters.csv"]))
    nc = out["not_calculated"]
    assert nc["count"] == int(params["value"].isna().sum()) > 0
    assert sum(r["n"] for r in nc["reasons"]) == nc["count"]
    assert any("end of the dosing interval" in r["reason"] for r in nc["reasons"])
    json.dumps(out["summary"], allow_nan=False)  # no NaN or Infinity in the JSON


def test_sparse_summary_shows_sparseal_and_its_standard_error():
    rows, k = ["subject,time,conc,dose,route"], 0
    for t, cs in [(1, [90, 100, 110]), (2, [60, 50, 55]), (4, [20, 25, 30]), (8, [5, 6, 7])]:
        for c in cs:
            k += 1
            rows += [f"{k},0,,10,PO", f"{k},{t},{c},,"]
    data = ("\n".join(rows) + "\n").encode()
    out = tasks.nca_job(data, "sparse.csv", UNITS, {"sparse": True})
    df = pd.DataFrame(out["summary"]).set_index("PPTESTCD")
    # mean profile 0, 100, 55, 25, 6 at 0, 1, 2, 4, 8 h; linear trapezoid:
    # 50 + 77.5 + 80 + 62 = 269.5
    assert df.loc["SPARSEAL", "mean"] == pytest.approx(269.5)
    assert "AUCLSTSE" in df.index


def test_api_nca_answers_with_the_same_summary(store):
    cfg = ServeConfig(auth="token", token="a-long-random-token-1234")
    app = build_app(cfg, store)
    bearer = ("authorization", "Bearer a-long-random-token-1234")
    pid = store.create_project("P", user="token")
    sid = store.add_study(pid, "nm.csv", _nonmem_reset(), user="token", settings=UNITS)

    async def run(fn, *args):
        return fn(*args)

    import kinetor.web.jobs as jobs

    orig = jobs.run
    jobs.run = run  # in this process: no worker pool in a unit test
    try:
        body = json.dumps({"study_id": sid}).encode()
        status, text, _ = call(app, "POST", "/api/nca", [bearer], body)
    finally:
        jobs.run = orig
    assert status == 200, text
    answer = json.loads(text)  # strict JSON parses
    intervals = {r["interval"] for r in answer["summary"] if r["PPTESTCD"] == "CMAX"}
    assert intervals == {"0-24 h", "24-48 h", "0 h to infinity"}
    assert answer["not_calculated"]["count"] > 0 and "notes" in answer


# -- B3: a subject id that is not valid mathtext --------------------------------------
def test_lambda_z_plot_shows_a_dollar_subject_id_literally():
    from kinetor.web.page_nca import lz_figure

    subject = r"R$\alpha_{x$"
    pos = pd.DataFrame({"time": [1.0, 2.0, 4.0, 8.0], "conc": [100.0, 50.0, 25.0, 12.0]})
    pts = {"pos": pos, "used": pos.iloc[1:], "other": pos.iloc[:1], "gone": pos.iloc[:0]}
    fig = lz_figure(pts, {"time": "h", "conc": "ng/mL"}, subject)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")  # HEAD: ValueError from the mathtext parser
    assert buf.getvalue()[:4] == b"\x89PNG"
    assert fig.axes[0].get_title() == f"subject {subject}"


# -- C5: notes ------------------------------------------------------------------------
def test_no_notes_file_without_notes_and_one_with_notes():
    plain = b"subject,time,conc,dose,route\n1,0,0,10,PO\n1,1,80,,\n1,2,40,,\n1,4,10,,\n"
    out = tasks.nca_job(plain, "po.csv", UNITS, {})
    assert out["notes"] == [] and "nca_notes.csv" not in out["blobs"]
    # IV bolus with a 0 at the dose time: C0 is back-extrapolated and that is noted
    iv = b"subject,time,conc,dose,route\n1,0,0,10,IV\n1,1,80,,\n1,2,40,,\n1,4,10,,\n"
    out = tasks.nca_job(iv, "iv.csv", UNITS, {})
    assert out["notes"] and "nca_notes.csv" in out["blobs"]
    notes = pd.read_csv(io.BytesIO(out["blobs"]["nca_notes.csv"]))
    assert notes["note"].tolist() == out["notes"]


def test_studies_page_shows_the_notes_of_reading_the_file():
    from kinetor.web.page_studies import checked_view

    data = b"subject,time,conc,dose,route\n1,0,<1,10,PO\n1,1,80,,\n1,2,40,,\n1,4,10,,\n"
    res = tasks.validate(data, "blq.csv", UNITS)
    assert res["ok"] and res["notes"], res  # '<1' is read as BLQ, and that is noted
    html = str(checked_view(res))
    assert 'id="study-notes"' in html
    for note in res["notes"]:
        assert html.count("<li>") >= 1 and _escaped(note) in html
    assert math.isfinite(res["rows"])


def _escaped(text: str) -> str:
    import html

    return html.escape(text, quote=False)


def test_studies_page_lists_the_warnings_without_crashing():
    from kinetor.web.page_studies import checked_view

    res = {"ok": True, "rows": 4, "subjects": 1, "units": {}, "notes": [], "warnings": ["<b>x"]}
    html = str(checked_view(res))  # HEAD: shiny.ui has no 'li' (AttributeError)
    assert 'id="warnings"' in html and "<li>&lt;b&gt;x</li>" in html


def test_nca_page_summary_shows_not_calculated_and_notes():
    from kinetor.web.page_nca import summary_view

    iv = b"subject,time,conc,dose,route\n1,0,0,10,IV\n1,1,80,,\n1,2,40,,\n"
    out = tasks.nca_job(iv, "iv.csv", UNITS, {})
    html = str(summary_view(out))
    assert 'id="summary-table"' in html and "n_flagged" in html and "interval" in html
    # two samples after Cmax: too few for lambda_z (3 needed)
    assert 'id="not-calculated"' in html and "fewer than 3 usable points" in html
    assert 'id="nca-notes"' in html
