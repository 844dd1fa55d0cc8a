"""Output folders and report manifests that a user did not make with kinetor, or that
someone crafted: nothing unrelated in a report, nothing unsafe, no crash."""

import json
import shutil

import pytest

from kinetor.cli.main import main


def _write_volumes(folder):
    lines = ["animal,group,day,volume"]
    for a, g, vs in (("c1", "Vehicle", [100, 200, 400]), ("t1", "Drug", [100, 120, 150])):
        lines += [f"{a},{g},{d},{v}" for d, v in zip((0, 7, 14), vs, strict=True)]
    path = folder / "volumes.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def volumes_csv(tmp_path):
    return _write_volumes(tmp_path)


@pytest.fixture(scope="module")
def tgi_run(tmp_path_factory):
    """One ``kinetor tgi`` output folder (report.json, report.html, tables), made once;
    each manifest test tampers with its own copy."""
    base = tmp_path_factory.mktemp("tgi")
    out = base / "run"
    assert tgi(_write_volumes(base), out) == 0
    return out


def tgi(volumes_csv, out):
    return main(
        [
            "--quiet",
            "tgi",
            str(volumes_csv),
            "--control",
            "Vehicle",
            "--day",
            "14",
            "--out",
            str(out),
        ]
    )


def test_out_on_a_used_folder_reports_only_what_this_run_wrote(volumes_csv, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "salaries.csv").write_text("name,salary\nAlice,123456\n")
    (out / "broken.csv").write_text('a,b\n"1,2\n3,4,5,6\n')
    (out / "old_figure.png").write_bytes(b"not a png at all")
    assert tgi(volumes_csv, out) == 0
    page = (out / "report.html").read_text()
    assert "salaries" not in page and "123456" not in page and "broken" not in page
    assert "Tumour" in page or "tgi" in page.lower()
    # the user's files are left alone
    assert (out / "salaries.csv").read_text().startswith("name,salary")


def test_out_that_is_a_file_is_a_data_error(volumes_csv, tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("x")
    assert tgi(volumes_csv, f) == 3


def _manifest_folder(tgi_run, tmp_path):
    out = tmp_path / "run"
    shutil.copytree(tgi_run, out)
    return out, json.loads((out / "report.json").read_text())


def test_report_rebuild_escapes_scripts_in_a_crafted_manifest(tgi_run, tmp_path):
    out, spec = _manifest_folder(tgi_run, tmp_path)
    spec["blocks"].insert(
        0,
        {
            "type": "text",
            "html": "<p>hi<script>alert('x')</script><img src=x onerror=alert(1)></p>",
        },
    )
    (out / "report.json").write_text(json.dumps(spec))
    assert main(["--quiet", "report", str(out)]) == 0
    page = (out / "report.html").read_text()
    assert "<script" not in page and "onerror" not in page.replace("onerror=alert(1)&gt;", "")
    assert page.count("<img") == page.count('<img src="data:image/png;base64,')
    assert "&lt;script&gt;" in page


@pytest.mark.parametrize("path", ["../secret.csv", "/etc/hostname", "report_files/../../x.csv"])
def test_report_rebuild_refuses_paths_outside_the_folder(tgi_run, tmp_path, path):
    out, spec = _manifest_folder(tgi_run, tmp_path)
    (tmp_path / "secret.csv").write_text("password\nhunter2\n")
    table = next(b for b in spec["blocks"] if b["type"] == "table")
    table["csv"] = path
    (out / "report.json").write_text(json.dumps(spec))
    html_before = (out / "report.html").read_text()
    assert main(["--quiet", "report", str(out)]) == 3
    assert (out / "report.html").read_text() == html_before


def test_report_rebuild_of_a_malformed_manifest_is_a_data_error(tgi_run, tmp_path):
    out, _ = _manifest_folder(tgi_run, tmp_path)
    (out / "report.json").write_text("{not json")
    assert main(["--quiet", "report", str(out)]) == 3


def test_rescan_of_a_folder_with_a_broken_csv_is_a_data_error(tmp_path):
    (tmp_path / "bad.csv").write_bytes(b'a,b\n"1,2\n3,"4\n5\n\xff\xfe')
    (tmp_path / "fig.png").write_bytes(b"GIF89a")
    assert main(["--quiet", "report", str(tmp_path), "--rescan"]) == 3


def test_a_figure_beyond_axis_range_is_replaced_by_a_note(tmp_path):
    rows = ["Subject,Time (h),Conc (ng/mL),Dose (mg/kg),Route"]
    rows += [f"1,{t},{c},1,PO" for t, c in ((0.5, 10), (1, 1e308), (2, 15), (4, 8), (8, 3))]
    (tmp_path / "big.csv").write_text("\n".join(rows) + "\n")
    assert main(["--quiet", "nca", str(tmp_path / "big.csv"), "--out", str(tmp_path / "o")]) == 0
    page = (tmp_path / "o" / "report.html").read_text()
    assert "Figure not drawn" in page
