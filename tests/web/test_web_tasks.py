"""The worker-side computations of the browser app, checked against hand calculations."""

from __future__ import annotations

import math

import numpy as np
import pytest

from kinetor.web import tasks


def test_pk_job_matches_the_closed_form():
    # 15 mg/kg PO to a 25 g mouse: D 0.375 mg, V 0.05 L, CL 0.0125 L/h -> ke 0.25/h, ka 1/h
    res = tasks.pk_job(
        "OneCompartmentOral",
        {"cl": "0.5 L/h/kg", "v": "2 L/kg", "ka": "1 1/h"},
        "15 mg/kg PO",
        24,
        1,
        0,
        0.025,
    )
    t = np.asarray(res["time"])
    i = int(np.argmin(abs(t - 2.0)))
    expected = 0.375 / 0.05 * 1 / (1 - 0.25) * (math.exp(-0.25 * 2) - math.exp(-2)) * 1000
    assert t[i] == pytest.approx(2.0)
    assert res["median"][i] == pytest.approx(expected, rel=1e-6)  # 4711.95 ng/mL
    pop = tasks.pk_job(
        "OneCompartmentOral",
        {"cl": "0.5 L/h/kg", "v": "2 L/kg", "ka": "1 1/h"},
        "15 mg/kg PO",
        24,
        200,
        30,
        0.025,
    )
    assert np.all(np.asarray(pop["p05"]) <= np.asarray(pop["median"]))
    assert np.all(np.asarray(pop["median"]) <= np.asarray(pop["p95"]))


def test_regimen_error_carries_the_caret():
    res = tasks.pk_job(
        "OneCompartmentOral",
        {"cl": "0.5 L/h/kg", "v": "2 L/kg", "ka": "1 1/h"},
        "15 mg/kg PO QX",
        24,
        1,
        0,
        0.025,
    )
    assert "error" in res and "^" in res["error"]


def test_validate_reports_problems_by_row():
    bad = b"subject,time,conc,dose,route\n1,0,0,5,PO\n1,1,-3,,\n"
    res = tasks.validate(
        bad, "my<study>.csv", {"units": {"time": "h", "conc": "ng/mL", "dose": "mg"}}
    )
    assert not res["ok"]
    assert any(
        p["row"] == 3 and p["column"] == "conc" and p["file"] == "my<study>.csv"
        for p in res["problems"]
    )


def test_send_zip_upload_reads_like_the_folder():
    import io
    import zipfile
    from pathlib import Path

    from kinetor.data import read_study

    folder = Path(__file__).parents[1] / "data" / "fixtures" / "send"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in sorted(folder.iterdir()):
            zf.writestr(f"study/{f.name}", f.read_bytes())  # nested: base names kept
    res = tasks.validate(buf.getvalue(), "send.zip", {})
    direct = read_study(str(folder))
    assert res["ok"] and res["rows"] == len(direct.conc) == 5
    assert res["subjects"] == direct.conc["subject"].nunique()
