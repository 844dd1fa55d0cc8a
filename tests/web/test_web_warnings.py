"""The browser app's upload check carries ``kinetor validate``'s warnings (legal but
suspicious data), not only the notes: a quantifiable pre-dose sample is named by its row."""

from __future__ import annotations

import json

from kinetor.web import tasks

SETTINGS = {"units": {"time": "h", "conc": "ng/mL", "dose": "mg"}}


def test_upload_check_returns_the_warnings():
    # header row 1; the pre-dose sample with conc 3 is row 2
    body = b"subject,time,conc,dose,route\n1,-0.5,3,,\n1,0,0,10,PO\n1,1,50,,\n1,4,20,,\n"
    res = tasks.validate(body, "pre.csv", SETTINGS)
    assert res["ok"]
    (w,) = res["warnings"]
    assert "before the subject's first dose" in w and "(rows 2)" in w
    json.dumps(res)  # the job result crosses a process boundary as JSON-able data


def test_clean_upload_has_no_warnings():
    body = b"subject,time,conc,dose,route\n1,0,0,10,PO\n1,1,50,,\n1,4,20,,\n"
    assert tasks.validate(body, "ok.csv", SETTINGS)["warnings"] == []
