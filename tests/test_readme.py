"""Every Python block of README.md runs, in order, in one namespace (the tour is executable)."""

import re
from pathlib import Path

import matplotlib

ROOT = Path(__file__).resolve().parents[1]
BLOCKS = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_readme_python_blocks_run(tmp_path, monkeypatch):
    matplotlib.use("Agg")
    monkeypatch.chdir(ROOT)  # the blocks read examples/ relative to the repository root
    assert len(BLOCKS) >= 5
    ns: dict = {}
    for k, code in enumerate(BLOCKS):  # later blocks use names of earlier ones
        for folder in ("out/", "send/", "build/"):  # what the blocks write goes to tmp_path
            code = code.replace(f'"{folder}', f'"{tmp_path}/{folder}')
        exec(compile(code, f"README.md python block {k + 1}", "exec"), ns)
    assert (tmp_path / "send").is_dir() and (tmp_path / "build" / "my_report.html").is_file()
