"""Audit s21 of the report: an infinite interval end survives the manifest, and a wide
table repeats its first column in every block whatever the column's type."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd

from kinetor.report import Report
from kinetor.report._html import table_html


def _without_time(html: str) -> str:
    return re.sub(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", "TIME", html)


def test_an_infinite_interval_end_is_rebuilt_as_inf(tmp_path):
    flagged = pd.DataFrame(
        {
            "subject": ["A3", "A3"],
            "start": [0.0, 0.0],
            "end": [np.inf, 24.0],
            "PPTESTCD": ["LAMZHL", "AUCINT"],
            "value": [63.33, 12.5],
        }
    )
    rep = Report("NCA")
    rep.add_section("Results")
    rep.add_methods({"Flagged values": flagged, "limits": {"low": -np.inf, "high": np.inf}})
    rep.save(tmp_path / "report.html")
    again = Report.from_manifest(tmp_path / "report.json")
    original, rebuilt = _without_time(rep.render()), _without_time(again.render())
    methods = re.search(r"Flagged values.*?</table>", original, re.S).group(0)
    # the first row's end is infinite: the original table shows it (HEAD: empty cell)
    first = re.findall(r"<tr>.*?</tr>", methods.split("<tbody>")[1], re.S)[0]
    cells = re.findall(r"<td>(.*?)</td>", first)
    assert cells[:3] == ["A3", "0", cells[2]] and cells[2].lower() in ("inf", "∞")
    assert re.search(r"Flagged values.*?</table>", rebuilt, re.S).group(0) == methods
    assert rebuilt == original
    back = again.methods["Flagged values"]
    assert np.isinf(back["end"].iloc[0]) and back["end"].iloc[1] == 24.0
    assert again.methods["limits"] == {"low": -np.inf, "high": np.inf}
    manifest = (tmp_path / "report.json").read_text(encoding="utf-8")

    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")

    json.loads(manifest, parse_constant=refuse)  # strict JSON: no Infinity, no NaN


def test_a_numeric_first_column_is_repeated_in_every_block():
    # a dose-response table: the concentration names each row, 12 readouts follow
    conc = [0.01, 0.1, 1.0, 10.0]
    df = pd.DataFrame({"conc_nM": conc, **{f"readout_{i}": np.arange(4.0) + i for i in range(12)}})
    html, left_out = table_html(df)
    blocks = html.split('<p class="note">')[1:]
    # 12 other columns, 8 per block next to the key column: 2 blocks
    assert len(blocks) == 2 and left_out == 0
    first_cells = []
    for block in blocks:
        assert "<th>conc_nM</th>" in block  # HEAD: only in the first block
        rows = re.findall(r"<tr>(.*?)</tr>", block.split("<tbody>")[1], re.S)
        first_cells.append([re.findall(r"<td>(.*?)</td>", r)[0] for r in rows])
    assert len(first_cells[0]) == 4 and first_cells[1] == first_cells[0]
    assert "(with conc_nM)" in blocks[1]


def test_text_keys_after_the_first_column_are_still_repeated():
    df = pd.DataFrame(
        {"subject": ["1", "2"], "group": ["a", "b"], **{f"p{i}": [1.0, 2.0] for i in range(10)}}
    )
    html, _ = table_html(df)
    blocks = html.split('<p class="note">')[1:]
    assert len(blocks) == 2
    assert all("<th>subject</th>" in b and "<th>group</th>" in b for b in blocks)


def test_nan_and_numpy_scalars_survive_a_strict_report_json(tmp_path):
    # a NaN was written as the bare token NaN (not JSON) and a numpy float32 inf came back
    # as the string 'inf'
    rep = Report("NCA")
    rep.add_section("Results")
    rep.add_methods({"lambda_z": float("nan"), "end": np.float32("inf"), "n": np.int64(3)})
    rep.save(tmp_path / "report.html")
    text = (tmp_path / "report.json").read_text(encoding="utf-8")

    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")

    json.loads(text, parse_constant=refuse)
    back = Report.from_manifest(tmp_path / "report.json").methods
    assert np.isnan(back["lambda_z"]) and back["end"] == np.inf and back["n"] == 3
