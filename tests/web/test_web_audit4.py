"""The JSON API after the fourth audit of the store: the resolved options and the study's
name are stored, and wrongly shaped requests get the documented 422/404 answers."""

from __future__ import annotations

import json
import urllib.parse

from kinetor.store import Store

from .test_web_security import SETTINGS, Client, _csv


def _post(c: Client, path: str, body: bytes):
    status, out = c.call(path, body, {"X-CSRF-Token": c.csrf()}, method="POST")
    return status, json.loads(out)


def test_api_stores_resolved_options_and_the_study_name(live):
    srv = live()
    c = Client(srv.url)
    status, body = c.upload("theoph.csv", _csv())
    assert status == 200, body
    sid = json.loads(body)["study_id"]
    status, out = _post(c, "/api/nca", json.dumps({"study_id": sid, "options": {}}).encode())
    assert status == 200, out
    st = Store(srv.store.url)
    info = st.result(out["result_id"], srv.cfg.local_user)
    # kinetor.nca's documented defaults (docs/nca.md): Phoenix lin-up/log-down, PKNCA BLQ
    assert info["analysis"]["options"] == {
        "auc_method": "lin-up/log-down",
        "blq_rule": "pknca",
        "time": "actual",
        "sparse": False,
        "lambda_z_exclude": [],
        "intervals": [],
    }
    prov = json.loads(st.blob(out["result_id"], "nca_provenance.json", srv.cfg.local_user))
    assert prov["source"] == "theoph.csv"
    st.close()


def test_api_answers_wrong_shapes_as_documented(live):
    srv = live()
    c = Client(srv.url)

    def upload(**q):
        return _post(c, "/api/studies?" + urllib.parse.urlencode(q), _csv())

    status, out = upload(name="pk.csv", project="p", settings='{"evil": 1}')
    assert status == 422 and out["problems"][0]["column"] == "evil"
    assert "allowed keys: units, roles, route, sheet, time" in out["problems"][0]["fix"]
    status, out = upload(name="pk.csv", project="p", settings="{not json")
    assert status == 422 and out["problems"][0]["column"] == "settings"
    assert "Expecting" not in out["error"]  # no raw decoder text
    status, out = upload(name="pk.csv", project="", settings=SETTINGS)
    assert status == 422 and out["problems"][0]["column"] == "project"
    st = Store(srv.store.url)
    assert st.projects(srv.cfg.local_user) == []  # nothing stored by a refused upload
    st.close()
    status, body = c.upload("pk.csv", _csv())
    sid = json.loads(body)["study_id"]
    for bad in (b"{not json", json.dumps({"study_id": str(sid)}).encode()):
        status, out = _post(c, "/api/nca", bad)
        assert status == 422 and "study_id" in out["error"], out
    for rid in ("abc", "99999999999999999999"):
        status, body = c.call(f"/api/results/{rid}")
        assert status == 404 and "invalid literal" not in json.loads(body)["error"]
