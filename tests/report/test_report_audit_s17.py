"""The demo report's methods footer and a rescan of the demo folder.

The footer lists the software versions (kinetor, Python, numpy, pandas, matplotlib) and the
inputs with their hashes, as the NCA report does (docs/report.md); a rescan of a copy of the
demo folder shows each figure once (an image found twice is shown once).
"""

from __future__ import annotations

import base64
import contextlib
import io
import itertools
import re
import shutil
import sys
from importlib.metadata import version

import numpy as np
import pytest

import kinetor


@pytest.fixture
def demo_dir(demo_run):
    assert demo_run.code == 0
    return demo_run.out


def _footer(html: str) -> str:
    return html[html.index('<footer id="methods">') :]


def test_demo_footer_lists_the_software_versions(demo_dir):
    # written out here from the interpreter and the installed distributions
    py = ".".join(str(x) for x in sys.version_info[:3])
    libs = ", ".join(f"{p} {version(p)}" for p in ("numpy", "pandas", "matplotlib"))
    want = f"kinetor {kinetor.__version__} (Python {py}; {libs})"
    foot = _footer((demo_dir / "report.html").read_text(encoding="utf-8"))
    assert f"<dt>Software</dt><dd>{want}</dd>" in foot


def test_demo_footer_names_each_input_and_its_hash(demo_dir):
    from kinetor.demo import example_path

    foot = _footer((demo_dir / "report.html").read_text(encoding="utf-8"))
    names = ["vistusertib_rat_iv_po.csv", "vistusertib_mouse_sparse.csv"]
    hashes = [kinetor.read_study(example_path(n)).input_hash() for n in names]
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)
    assert f"<dt>Input</dt><dd>{'; '.join(names)}</dd>" in foot
    assert f"<dt>Input hash (SHA-256)</dt><dd>{'; '.join(hashes)}</dd>" in foot


def test_nca_report_footer_keeps_its_input_and_hash(tmp_path):
    from kinetor.report import nca_report
    from kinetor.report._example import example_study

    study, params = example_study()
    path = nca_report(study, params, out_dir=tmp_path, max_subjects=1)
    foot = _footer(path.read_text(encoding="utf-8"))
    assert f"<dt>Input hash (SHA-256)</dt><dd>{study.input_hash()}</dd>" in foot
    assert "<dt>Software</dt><dd>kinetor " in foot and "; numpy " in foot


def _images(html: str) -> list[np.ndarray]:
    from matplotlib.image import imread

    data = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    return [imread(io.BytesIO(base64.b64decode(d))) for d in data]


def test_saved_vpc_is_the_image_the_report_embeds(demo_dir):
    saved = (demo_dir / "mouse_pcvpc.png").read_bytes()
    embedded = [p.read_bytes() for p in sorted((demo_dir / "report_files").glob("*.png"))]
    assert saved in embedded


def test_rescan_of_a_demo_copy_shows_each_figure_once(demo_dir, tmp_path):
    from kinetor.cli.main import main

    copy, out = tmp_path / "D2", tmp_path / "R2"
    shutil.copytree(demo_dir, copy)
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["report", str(copy), "--rescan", "--out", str(out)]) == 0
    images = _images((out / "report.html").read_text(encoding="utf-8"))
    n_figures = kinetor.report.Report.from_manifest(demo_dir / "report.json").figure_count
    assert n_figures == 9  # the demo's figures: stages 2-7 (the VPC is one of them)
    assert len(images) == n_figures
    # no two shown images are the same plot (same size, every pixel within 4/255)
    for a, b in itertools.combinations(images, 2):
        assert a.shape != b.shape or np.abs(a - b).max() > 4 / 255
