"""The Report: self-contained HTML, contents with anchors, tables, figures, methods, manifest."""

import base64
import json
import re

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest
from _report_data import external_references

import kinetor
from kinetor.errors import DataError
from kinetor.report import Report

PNG = b"\x89PNG\r\n\x1a\n"


def _figure():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 2])
    return fig


@pytest.fixture
def report():
    rep = Report("Study <123> PK", subtitle="plasma & tumour")
    rep.add_section("Profiles")
    rep.add_text("Means are **arithmetic**; see `LAMZHL`.\n\n- one\n- two")
    rep.add_figure(_figure(), caption="A line")
    rep.add_section("Details", level=2)
    rep.add_table(
        pd.DataFrame(
            {"subject": ["001", "002"], "CMAX (ng/mL)": [1234.5, 0.01234], "n": [3.0, 4.0]}
        ),
        caption="Cmax",
    )
    rep.add_section("Parameters")
    rep.add_figure(_figure(), caption="Another")
    rep.add_methods(
        {
            "AUC method": "lin-up/log-down",
            "BLQ rule": "pknca",
            "Exclusions": pd.DataFrame({"subject": ["s3"], "reason": ["hemolysed"]}),
            "Input hash (SHA-256)": "abc123",
        }
    )
    return rep


def test_sections_and_toc_anchors(report):
    html = report.render()
    ids = re.findall(r'<h([234]) id="([^"]+)">', html)
    assert [(lvl, i) for lvl, i in ids] == [
        ("2", "sec-1-profiles"),
        ("3", "sec-2-details"),
        ("2", "sec-3-parameters"),
    ]
    toc = html[html.index('<nav class="toc"') : html.index("</nav>")]
    links = re.findall(r'href="#([^"]+)"', toc)
    assert links == ["sec-1-profiles", "sec-2-details", "sec-3-parameters", "methods"]
    assert 'id="methods"' in html
    assert report.sections == ["Profiles", "Details", "Parameters"]


def test_figures_embedded_as_png_data_uris(report):
    html = report.render()
    imgs = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(imgs) == html.count("<img") == report.figure_count == 2
    assert all(base64.b64decode(i).startswith(PNG) for i in imgs)
    assert "Figure 2.</b> Another" in html


def test_no_external_resources(report):
    html = report.render()
    assert external_references(html) == []
    assert "<style>" in html  # CSS is inline


def test_external_reference_checker_can_fail():
    # the checker above must catch what it is meant to catch
    assert external_references('<img src="https://x.org/a.png"><script>')
    assert external_references("<div style=\"background:url('//cdn.x/a.png')\">")


def test_text_is_escaped_and_markdown_rendered(report):
    html = report.render()
    assert "<title>Study &lt;123&gt; PK</title>" in html
    assert "plasma &amp; tumour" in html
    assert "<strong>arithmetic</strong>" in html and "<code>LAMZHL</code>" in html
    assert "<ul><li>one</li><li>two</li></ul>" in html


def test_table_numbers_three_significant_figures(report):
    html = report.render()
    assert "<td>1230</td>" in html and "<td>0.0123</td>" in html
    assert "<td>001</td>" in html  # ids stay text
    assert "<td>3</td>" in html  # counts as integers
    assert "Table 1.</b> Cmax" in html


def test_methods_footnote(report):
    html = report.render()
    foot = html[html.index('<footer id="methods">') :]
    for text in (
        "AUC method",
        "lin-up/log-down",
        "BLQ rule",
        "pknca",
        "hemolysed",
        "Input hash (SHA-256)",
        "abc123",
        f"kinetor {kinetor.__version__}",
    ):
        assert text in foot


def test_pyplot_figures_are_closed_after_adding():
    plt.close("all")
    rep = Report("t")
    fig = _figure()
    assert plt.get_fignums() == [fig.number]
    rep.add_figure(fig, "x")
    assert plt.get_fignums() == []


def test_add_figure_accepts_png_bytes_and_paths(tmp_path):
    fig = _figure()
    path = tmp_path / "f.png"
    fig.savefig(path)
    rep = Report("t")
    rep.add_figure(path, "from file")
    rep.add_figure(path.read_bytes(), "from bytes")
    assert rep.figure_count == 2
    with pytest.raises(ValueError, match="not a PNG"):
        rep.add_figure(b"GIF89a", "gif")
    with pytest.raises(TypeError):
        rep.add_figure(42, "number")


def test_long_tables_are_cut_with_a_note():
    rep = Report("t")
    rep.add_table(pd.DataFrame({"x": range(30)}), "long", max_rows=10)
    html = rep.render()
    assert html.count("<tr") == 11  # header + 10 rows
    assert "20 more rows are in table_01_long.csv" in html


def test_bad_section_level():
    with pytest.raises(ValueError):
        Report("t").add_section("x", level=4)


def test_save_writes_html_manifest_and_assets(report, tmp_path):
    path = report.save(tmp_path / "out")
    assert path == tmp_path / "out" / "report.html"
    manifest = json.loads((tmp_path / "out" / "report.json").read_text())
    assert manifest["figure_count"] == 2 and manifest["table_count"] == 1
    assert manifest["sections"] == ["Profiles", "Details", "Parameters"]
    assert manifest["tables"] == ["report_files/table_01_cmax.csv"]
    assert (tmp_path / "out" / manifest["tables"][0]).is_file()
    pngs = [b["png"] for b in manifest["blocks"] if b["type"] == "figure"]
    assert all((tmp_path / "out" / p).read_bytes().startswith(PNG) for p in pngs)


def test_rebuild_from_manifest(report, tmp_path):
    report.save(tmp_path / "report.html")
    again = Report.from_manifest(tmp_path / "report.json", title="New title")
    html = again.render()
    assert again.title == "New title" and again.subtitle == "plasma & tumour"
    assert again.sections == report.sections
    assert (again.figure_count, again.table_count) == (2, 1)
    assert "<td>001</td>" in html and "<td>1230</td>" in html and "hemolysed" in html
    assert "<strong>arithmetic</strong>" in html


def test_rebuild_lists_every_missing_file(report, tmp_path):
    report.save(tmp_path / "report.html")
    for f in (tmp_path / "report_files").iterdir():
        f.unlink()
    with pytest.raises(DataError) as err:
        Report.from_manifest(tmp_path / "report.json")
    assert len(err.value.problems) == 3  # 1 table + 2 figures
