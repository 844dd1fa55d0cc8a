"""The release: a wheel built from this tree installs and runs ``kinetor demo`` on its own.

The wheel is built without build isolation (offline; setuptools from the dev extra) from a
copy of the tree, so a stale ``build/`` folder cannot leak into it. It is installed with
``--no-deps`` into a fresh virtual environment whose only link to the development
environment is a ``.pth`` line naming the latter's site-packages for the dependencies
(numpy, pandas, ...). Lines of a ``.pth`` file are added to ``sys.path`` but ``.pth`` files
inside them are not run, so the editable kinetor of the development environment is not
visible: what runs is the installed wheel, from a folder that is not the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import kinetor

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _run(cmd: list[str], cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))}\n{proc.stdout}\n{proc.stderr}"
    return proc


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    pytest.importorskip(
        "setuptools",
        minversion="77",
        reason="the dev extra's setuptools>=77 builds the wheel offline (pip install -e '.[dev]')",
    )
    tree = tmp_path_factory.mktemp("tree")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / name, tree / name)
    shutil.copytree(
        ROOT / "src",
        tree / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc"),
    )
    dist = tmp_path_factory.mktemp("dist")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "--wheel-dir",
            str(dist),
            str(tree),
        ],
        cwd=tree,
    )
    (path,) = dist.glob("kinetor-*.whl")
    return path


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    env = tmp_path_factory.mktemp("venv")
    _run([sys.executable, "-m", "venv", "--without-pip", str(env)], cwd=env)
    purelib = Path(sysconfig.get_paths(vars={"base": str(env), "platbase": str(env)})["purelib"])
    dev_site = sysconfig.get_paths()["purelib"]
    (purelib / "_kinetor_dependencies.pth").write_text(dev_site + "\n")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(env / "bin" / "python"),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        cwd=env,
    )
    return env


def test_wheel_carries_the_package_data_and_the_licence(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "kinetor/examples/vistusertib_rat_iv_po.csv",
        "kinetor/examples/vistusertib_mouse_sparse.csv",
        "kinetor/examples/send/rat/pc.csv",
        "kinetor/examples/README.md",
    ):
        assert needed in names, needed
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert wheel.name.startswith(f"kinetor-{kinetor.__version__}-")  # one version source


def test_installed_wheel_runs_the_demo(venv, tmp_path):
    exe = venv / "bin" / "kinetor"
    where = _run(
        [str(venv / "bin" / "python"), "-c", "import kinetor; print(kinetor.__file__)"],
        cwd=tmp_path,
    ).stdout.strip()
    assert Path(where).is_relative_to(venv), where  # the wheel, not the checkout
    version = _run([str(exe), "--version"], cwd=tmp_path).stdout.strip()
    assert version == f"kinetor {kinetor.__version__}"
    proc = _run([str(exe), "--json", "demo", "--out", "out"], cwd=tmp_path)
    payload = json.loads(proc.stdout)
    assert Path(payload["report"]) == Path("out") / "report.html"
    assert (tmp_path / "out" / "report.html").stat().st_size > 10_000
    assert len(payload["summary"]) == 8  # one line per demo stage (3b: the mouse population fit)
    # the shipped example data are the repository's: each rat's Cmax is its largest reading
    raw = pd.read_csv(ROOT / "examples" / "vistusertib_rat_iv_po.csv")
    raw = raw[raw["Conc (ng/mL)"] != "BLQ"].astype({"Conc (ng/mL)": float})
    nca = pd.read_csv(tmp_path / "out" / "rat_nca_parameters.csv")
    cmax = nca[nca["PPTESTCD"] == "CMAX"].set_index("subject")["value"]
    expected = raw.groupby("Animal")["Conc (ng/mL)"].max()
    pd.testing.assert_series_equal(cmax.sort_index(), expected.sort_index(), check_names=False)
