"""SVG figures in reports (the network validation draws one per observation), and the
observation plot's geometry checked by hand."""

import base64
import json
import re

import pandas as pd
import pytest

from kinetor.errors import DataError
from kinetor.report import Report
from kinetor.report.pathway_validation import observation_svg

_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="4"/></svg>'


def _row(**kw):
    base = {
        "id": "x",
        "kind": "quantitative",
        "observed": 40.0,
        "uncertainty": 10.0,
        "low": 30.0,
        "high": 50.0,
        "predicted": 90.0,
        "passed": False,
        "readout_model": "pS6K1_T389",
        "compare": "level",
    }
    return pd.Series({**base, **kw})


def _x(svg: bytes, pattern: str) -> list[float]:
    return [float(v) for v in re.findall(pattern, svg.decode())]


def test_an_svg_figure_is_embedded_as_an_image_and_round_trips_through_the_manifest(tmp_path):
    rep = Report("t")
    rep.add_figure(_SVG, "vector")
    html = rep.render()
    # through <img>, where a browser runs no script an SVG might carry
    data = base64.b64encode(_SVG).decode("ascii")
    assert f'<img src="data:image/svg+xml;base64,{data}"' in html
    path = rep.save(tmp_path / "r" / "report.html")
    spec = json.loads((path.parent / "report.json").read_text())
    (blk,) = [b for b in spec["blocks"] if b["type"] == "figure"]
    assert blk["svg"].endswith(".svg") and "png" not in blk
    assert (path.parent / blk["svg"]).read_bytes() == _SVG
    again = Report.from_manifest(path.parent / "report.json")
    assert again.figure_count == 1 and data in again.render()


def test_a_manifest_figure_that_is_neither_png_nor_svg_is_refused(tmp_path):
    rep = Report("t")
    rep.add_figure(_SVG, "vector")
    path = rep.save(tmp_path / "report.html")
    spec = json.loads((tmp_path / "report.json").read_text())
    (blk,) = [b for b in spec["blocks"] if b["type"] == "figure"]
    (tmp_path / blk["svg"]).write_bytes(b"<html><script>alert(1)</script></html>")
    with pytest.raises(DataError, match="not a PNG or SVG image"):
        Report.from_manifest(path.parent / "report.json")
    with pytest.raises(ValueError, match="not a PNG or SVG"):
        Report("t").add_figure(b"<html></html>", "page")


def test_a_level_observation_is_drawn_where_its_numbers_are():
    # 0..150 on 12..308 px (the axis is 296 px; the largest value 90 x 1.3 < 150)
    svg = observation_svg(_row())
    assert svg.startswith(b"<svg")
    (cx,) = _x(svg, r'<circle cx="([\d.]+)"')
    assert cx == pytest.approx(12 + 296 * 40 / 150, abs=0.06)
    # the error bar spans low..high
    ends = _x(svg, r'<line x1="([\d.]+)" y1="26\.0"')
    assert ends == pytest.approx([12 + 296 * v / 150 for v in (30, 50)], abs=0.06)
    # the predicted diamond (red: a miss) has its tip at 90
    (tip,) = _x(svg, r'<path d="M([\d.]+),25')
    assert tip == pytest.approx(12 + 296 * 90 / 150, abs=0.06)
    assert b'fill="#d62728"' in svg
    # the dotted reference line at 100 % of baseline
    assert b'x1="209.3"' in svg  # 12 + 296 * 100 / 150


def test_a_potency_is_drawn_on_a_log_axis_over_whole_decades():
    svg = observation_svg(
        _row(observed=43.5, low=21.75, high=87.0, predicted=0.1, compare="ic50", passed=False)
    )
    labels = re.findall(r'text-anchor="middle">([^<]+)</text>', svg.decode())
    assert labels[:4] == ["0.1", "1", "10", "100"]  # 0.1 nM .. 100 nM
    (cx,) = _x(svg, r'<circle cx="([\d.]+)"')
    # log10(43.5) = 1.638 of the decades -1..2: 12 + 296 * 2.638 / 3
    assert cx == pytest.approx(12 + 296 * (1.6385 + 1) / 3, abs=0.1)
    assert b"growth" not in svg and b"pS6K1_T389 (nM)" in svg


def test_a_band_observation_and_user_text_are_escaped():
    svg = observation_svg(
        _row(
            kind="direction",
            observed=float("nan"),
            low=0.0,
            high=80.0,
            predicted=40.0,
            passed=True,
            readout_model="<script>x</script>",
        )
    )
    assert b"<script>" not in svg and b"&lt;script&gt;" in svg
    (w,) = _x(svg, r'<rect x="12.0" y="8" width="([\d.]+)"')
    assert w == pytest.approx(296 * 80 / 150, abs=0.06)
    assert b'fill="#2ca02c"' in svg


def test_two_observations_that_look_alike_stay_two_figures_in_a_rescan(tmp_path):
    # a rescan keeps one figure per distinct file: plots of two observations with the same
    # numbers were byte-identical, so a rescanned validation report lost one of them
    from kinetor.report.rebuild import report_from_dir

    a, b = observation_svg(_row(id="B054")), observation_svg(_row(id="<B055>"))
    assert a != b and b"<title>B054</title>" in a and b"<title>&lt;B055&gt;</title>" in b
    rep = Report("t")
    rep.add_figure(a, "B054")
    rep.add_figure(b, "B055")
    (tmp_path / "r").mkdir()
    rep.save(tmp_path / "r" / "report.html")
    assert report_from_dir(tmp_path / "r", rescan=True).figure_count == 2
