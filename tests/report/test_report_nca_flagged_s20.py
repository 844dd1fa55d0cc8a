"""The NCA summary tables show how many values fail an acceptance rule (``n flagged``).

Study: three rats with a clean one-exponential decline after 4 h (ln C falls by 0.2/h from
4 to 24 h, R2ADJ ~ 1, AUC %extrap < 1 %) and one rat, X1, whose concentrations stay at
650-900 ng/mL up to 24 h (ln C at 4, 8, 24 h = 6.55, 6.71, 6.48: R2ADJ of the best
terminal fit far below 0.9, AUC %extrap ~ 80 %). So exactly one value per lambda_z-dependent
parameter (AUCIFO, LAMZHL, CLFO, VZFO, ...) is flagged and none of CMAX, TMAX, AUCLST.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from kinetor.cli.main import main

TIMES = [0.25, 0.5, 1, 2, 4, 8, 24]
CONC = {
    "G1": [344.699, 536.958, 683.395, 652.004, 448.994, 201.896, 8.23],
    "G2": [339.743, 538.191, 700.942, 678.384, 455.44, 189.249, 5.602],
    "G3": [341.143, 522.954, 652.02, 616.859, 437.941, 213.235, 11.97],
    "X1": [500, 800, 900, 850, 700, 820, 650],
}


@pytest.fixture
def flag_csv(tmp_path):
    rows = [
        {
            "Animal": s,
            "Group": "PO 10",
            "Route": "PO",
            "Dose (mg/kg)": 10,
            "Time (h)": t,
            "Conc (ng/mL)": c,
            "LLOQ (ng/mL)": 1.0,
        }
        for s, cs in CONC.items()
        for t, c in zip(TIMES, cs, strict=True)
    ]
    path = tmp_path / "nca_flag.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _table4(out):
    (path,) = sorted((out / "report_files").glob("table_*_summary-by-group*.csv"))
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def _row(table, code, statistic):
    hit = table[table["Parameter"].str.startswith(f"{code} (") & (table["Statistic"] == statistic)]
    return hit["PO 10"].tolist()


@pytest.mark.parametrize(("extra", "n_used"), [([], "4"), (["--exclude-flagged"], "3")])
def test_html_summary_table_and_its_csv_show_n_flagged(flag_csv, tmp_path, extra, n_used):
    out = tmp_path / "out"
    assert main(["--quiet", "nca", str(flag_csv), "--out", str(out), *extra]) == 0
    table = _table4(out)
    # X1 only: one flagged value; kept (n = 4) or left out (n = 3)
    for code in ("AUCIFO", "LAMZHL", "CLFO", "VZFO"):
        assert _row(table, code, "n") == [n_used]
        assert _row(table, code, "n flagged") == ["1"]
    # parameters nobody fails get no 'n flagged' row
    for code in ("CMAX", "TMAX", "AUCLST"):
        assert _row(table, code, "n") == ["4"]
        assert _row(table, code, "n flagged") == []
    # the same count as nca_summary.csv, and the caption points at the row
    summary = pd.read_csv(out / "nca_summary.csv")
    assert int(summary.set_index("PPTESTCD").loc["AUCIFO", "n_flagged"]) == 1
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "the &#39;n flagged&#39; row" in html or "the 'n flagged' row" in html
    assert re.search(r"<t[dh][^>]*>\s*n flagged\s*</t[dh]>", html)


def test_cli_summary_prints_n_flagged(flag_csv, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    out = tmp_path / "out"
    assert main(["nca", str(flag_csv), "--no-report", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    lines = printed.splitlines()
    header = next(line for line in lines if "PPTESTCD" in line)
    cells = [c.strip() for c in re.split(r"[┃│|]", header) if c.strip()]
    assert "n_flagged" in cells
    at = cells.index("n_flagged")

    def count(code):
        line = next(line for line in lines if re.search(rf"[│|]\s*{code}\s*[│|]", line))
        return [c.strip() for c in re.split(r"[│|]", line) if c.strip()][at]

    assert [count(c) for c in ("AUCIFO", "LAMZHL", "CLFO", "VZFO")] == ["1"] * 4
    assert [count(c) for c in ("CMAX", "TMAX", "AUCLST")] == ["0"] * 3


def test_summary_table_n_flagged_row_per_group():
    from kinetor.report.tables import summary_table

    s = pd.DataFrame(
        {
            "group": ["A", "B", "A", "B"],
            "PPTESTCD": ["AUCIFO", "AUCIFO", "CMAX", "CMAX"],
            "unit": ["h*ng/mL", "h*ng/mL", "ng/mL", "ng/mL"],
            "n": [4, 3, 4, 3],
            "n_flagged": [1, 0, 0, 0],
            "display": ["9390 (288)", "100 (10.0)", "728 (14.5)", "700 (10.0)"],
        }
    )
    tab = summary_table(s)
    assert tab[["Parameter", "Statistic", "A", "B"]].values.tolist() == [
        ["CMAX (ng/mL)", "n", "4", "3"],
        ["CMAX (ng/mL)", "geometric mean (geometric CV%)", "728 (14.5)", "700 (10.0)"],
        ["AUCIFO (h*ng/mL)", "n", "4", "3"],
        ["AUCIFO (h*ng/mL)", "n flagged", "1", "0"],
        ["AUCIFO (h*ng/mL)", "geometric mean (geometric CV%)", "9390 (288)", "100 (10.0)"],
    ]
