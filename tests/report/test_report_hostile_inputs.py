"""`kinetor report` on careless use: --out naming a file, and --rescan of a folder whose
figures a saved report keeps in report_files/ (found, never lost, never doubled)."""

from __future__ import annotations

import json

import pandas as pd

from kinetor.cli.main import main
from kinetor.report import Report


def _nca_like_folder(tmp_path):
    """An analysis folder as `kinetor nca` leaves it: CSV tables at the top, the report's
    figures (and copies of its tables) in report_files/, named by report.json."""
    d = tmp_path / "nca"
    d.mkdir()
    pd.DataFrame({"subject": ["1", "2"], "CMAX": [4.0, 8.0]}).to_csv(
        d / "nca_wide.csv", index=False
    )
    from matplotlib.figure import Figure

    rep = Report("NCA")
    for i, caption in enumerate(["Individual profiles, semi-log", "Mean profiles by group"]):
        fig = Figure()
        fig.add_subplot().plot([0, 1, 2], [0, 1 + i, 0])
        rep.add_figure(fig, caption)
    rep.add_table(pd.DataFrame({"x": [1]}), "A table")
    rep.save(d / "report.html")
    return d


def test_out_naming_a_file_is_refused_like_in_every_command(tmp_path, capsys):
    d = _nca_like_folder(tmp_path)
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    assert main(["--json", "report", str(d), "--out", str(afile)]) == 3
    p = json.loads(capsys.readouterr().out)["problems"][0]
    assert p["problem"] == f"--out {afile} is a file, not a folder"
    assert afile.read_text() == "keep me"


def test_rescan_finds_the_saved_figures_and_never_loses_them(tmp_path, capsys):
    d = _nca_like_folder(tmp_path)
    # to another folder: the 2 figures of report_files/ are reported, with their captions
    assert main(["--json", "report", str(d), "--rescan", "--out", str(tmp_path / "r2")]) == 0
    assert json.loads(capsys.readouterr().out)["figures"] == 2
    html = (tmp_path / "r2" / "report.html").read_text()
    assert "Individual profiles, semi-log" in html and "Mean profiles by group" in html
    # in place, twice, then a plain rebuild from the new report.json: still 2 figures each
    for args in (["--rescan"], ["--rescan"], []):
        assert main(["--json", "report", str(d), *args]) == 0
        assert json.loads(capsys.readouterr().out)["figures"] == 2
    manifest = json.loads((d / "report.json").read_text())
    captions = [b["caption"] for b in manifest["blocks"] if b["type"] == "figure"]
    assert captions == ["Individual profiles, semi-log", "Mean profiles by group"]


def test_rescan_of_a_top_level_png_and_its_saved_copy_shows_it_once(tmp_path, capsys):
    d = _nca_like_folder(tmp_path)
    first = sorted((d / "report_files").glob("figure_01_*.png"))[0]
    (d / "profiles.png").write_bytes(first.read_bytes())  # the same image at the top
    assert main(["--json", "report", str(d), "--rescan"]) == 0
    assert json.loads(capsys.readouterr().out)["figures"] == 2
