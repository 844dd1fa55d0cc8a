"""The standard NCA report: content, duck-typed results, sparse designs, headless Chromium."""

import dataclasses
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _report_data import external_references, make_parameters, make_study

from kinetor.data import Study
from kinetor.report import build_nca_report, nca_report

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    out = tmp_path_factory.mktemp("nca")
    study = make_study()
    path = nca_report(
        study,
        make_parameters(),
        out_dir=out,
        options={"auc_method": "lin-up/log-down", "blq_rule": "pknca"},
    )
    return study, path, path.read_text(encoding="utf-8")


def test_report_sections_and_figures(written):
    _, path, html = written
    assert path.name == "report.html"
    heads = re.findall(r'<h[234] id="[^"]+">([^<]+)</h[234]>', html)
    assert heads == [
        "Study data",
        "Concentration-time profiles",
        "Individual profiles",
        "Half-life diagnostics",
        "NCA parameters",
    ]
    # spaghetti + mean + 4 individual + 4 half-life (s2 too: it shows why) + box plot
    assert html.count("<img ") == 11
    assert html.count('<figure class="table"') == 5
    assert external_references(html) == []


def test_report_tables_content(written):
    _, _, html = written
    assert "geometric mean (geometric CV%)" in html and "median (min\u2013max)" in html
    assert "too few points [LAMZ, LAMZHL]" in html  # listing flags
    # CMAX group A: 10 and 6 -> geometric mean sqrt(60) = 7.745967 -> "7.75"
    assert re.search(r"<td>7\.75 \(\d", html)


def test_report_methods_footnote(written):
    study, _, html = written
    foot = html[html.index('<footer id="methods">') :]
    for text in (
        "AUC method",
        "lin-up/log-down",
        "BLQ rule",
        "pknca",
        "hemolysed",
        "too few points",
        "R2ADJ &lt; 0.97",
        study.input_hash(),
        "hand.csv",
        "kinetor 0.1.0",
    ):
        assert text in foot, text


def test_report_accepts_a_result_object():
    @dataclasses.dataclass
    class Options:
        auc_method: str = "linear"
        blq_rule: str = "zero"

    class Result:
        def __init__(self):
            self.parameters = make_parameters()
            self.options = Options()
            self.provenance = {"package": "kinetor", "input_hash": "feed"}

        def summary(self):
            return pd.DataFrame(
                {
                    "group": ["A"],
                    "PPTESTCD": ["CMAX"],
                    "n": [2],
                    "geomean": [4.321],
                    "geocv": [12.0],
                    "unit": ["ng/mL"],
                }
            )

    rep = build_nca_report(make_study(), Result(), max_subjects=2)
    html = rep.render()
    assert "4.32 (12.0)" in html  # the result's own summary is used
    foot = html[html.index('<footer id="methods">') :]
    assert "linear" in foot and "zero" in foot and "feed" in foot
    assert "The first 2 of 4 subjects are shown." in html
    # 2 individual + 2 half-life plots when capped at 2 subjects
    assert rep.figure_count == 2 + 2 + 2 + 1


def test_sparse_design_gets_a_composite_profile():
    # 6 mice, 2 samples each (serial sacrifice): median samples per subject 2 < 4
    rows = []
    for i, (t1, t2) in enumerate([(0.5, 4), (0.5, 4), (1, 8), (1, 8), (2, 24), (2, 24)]):
        for t, c in ((t1, 100.0 / (i + 1)), (t2, 10.0 / (i + 1))):
            rows.append({"subject": f"m{i}", "time": t, "nominal_time": t, "conc": c})
    st = Study(
        pd.DataFrame(rows),
        pd.DataFrame(
            {"subject": [f"m{i}" for i in range(6)], "time": 0.0, "dose": 5.0, "route": "PO"}
        ),
        units={"time": "h", "conc": "ng/mL", "dose": "mg/kg"},
    )
    params = pd.DataFrame(
        {
            "PPTESTCD": ["CMAX", "TMAX", "AUCLST"],
            "value": [50.0, 0.5, 300.0],
            "unit": ["ng/mL", "h", "h*ng/mL"],
            "start": 0.0,
            "end": np.inf,
        }
    )
    rep = build_nca_report(st, params)
    assert "Sparse design analysed per animal" not in rep.render()  # group-level table
    per_animal = build_nca_report(st, params.assign(subject="m0"))
    assert "Sparse design analysed per animal" in per_animal.render()
    captions = [b["caption"] for b in rep.blocks if b["type"] == "figure"]
    assert captions[0].startswith("Composite profile")
    assert "Individual profiles" not in rep.sections
    assert rep.figure_count == 2  # composite + parameter box plot


def test_several_analytes_get_their_own_sections():
    st = make_study()
    extra = st.conc.assign(analyte="M1", conc=st.conc["conc"] / 10)
    st.conc = pd.concat([st.conc.assign(analyte="PARENT"), extra], ignore_index=True)
    params = make_parameters().assign(analyte="PARENT")
    rep = build_nca_report(st, params, max_subjects=1)
    assert "M1 in plasma" in rep.sections and "PARENT in plasma" in rep.sections
    assert "Half-life diagnostics (PARENT, PLASMA)" in rep.sections
    assert "Half-life diagnostics (M1, PLASMA)" not in rep.sections  # no M1 parameters


def test_plasma_and_tumour_are_never_one_profile():
    st = make_study()
    tumour = st.conc.assign(matrix="TUMOR", conc=st.conc["conc"] * 3)
    st.conc = pd.concat([st.conc, tumour], ignore_index=True)
    rep = build_nca_report(st, make_parameters().assign(matrix="PLASMA"), max_subjects=1)
    assert "ANALYTE in tumor" in rep.sections and "ANALYTE in plasma" in rep.sections
    assert "Half-life diagnostics (ANALYTE, PLASMA)" in rep.sections
    assert "Half-life diagnostics (ANALYTE, TUMOR)" not in rep.sections


def test_report_renders_in_headless_chromium(written, tmp_path):
    chromium = shutil.which("chromium") or next(
        (p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None
    )
    if chromium is None:
        # `make test` installs Debian's chromium when it may (root). Where it could have,
        # its absence is a failure; where it cannot (no root, no apt) the issue allows a
        # skip that says why.
        if os.geteuid() == 0 and shutil.which("apt-get"):
            pytest.fail(
                "chromium is not installed: run make test (it installs chromium) or "
                "apt-get install chromium"
            )
        pytest.skip(
            "chromium is absent and cannot be installed here (not root / no apt-get):"
            " install Debian's chromium to run the report screenshot test"
        )
    _, path, _ = written
    shot = ROOT / "build" / "report_screenshot.png"
    shot.parent.mkdir(exist_ok=True)
    shot.unlink(missing_ok=True)
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--screenshot={shot}",
        "--window-size=1280,2000",
        path.resolve().as_uri(),
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert shot.is_file(), f"no screenshot; chromium said:\n{run.stderr[-2000:]}"
    from matplotlib.image import imread

    img = (imread(shot)[..., :3] * 255).round()
    assert img.shape[:2] == (2000, 1280)
    # the embedded plots really drew: many pixels in matplotlib's first colour (31, 119, 180)
    blue = (np.abs(img - np.array([31, 119, 180])) <= 12).all(axis=-1).sum()
    assert blue > 500, f"only {blue} plot-blue pixels: figures did not render"
    # and the page is not blank: dark text pixels in the header band
    assert (img[:150].sum(axis=-1) < 200).sum() > 500


def test_report_from_a_real_nca_result():
    # integration with kinetor.nca: categorical columns, its summary() layout, options
    # dataclass and lambda_z points table all go through
    from kinetor.nca import nca

    study = make_study()
    res = nca(study)
    rep = build_nca_report(study, res, max_subjects=1)
    html = rep.render()
    # s1 (first subject) has two dosing intervals (doses at 0 and 6 h): two lambda_z rows
    fits = res.parameters[
        (res.parameters["PPTESTCD"] == "LAMZ") & (res.parameters["subject"] == "s1")
    ]
    assert len(fits) == 2
    half_life = [
        b
        for b in rep.blocks
        if b["type"] == "figure"
        and "\u03bbz" in b["caption"]
        and b["caption"].startswith("Subject")
    ]
    assert len(half_life) == len(fits)
    assert "geometric mean (geometric CV%)" in html and "lin-up/log-down" in html
    assert external_references(html) == []
