"""No table column is ever clipped: every header is visible at A4 width in Chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinetor.report import Report
from kinetor.report._html import MAX_COLUMNS, table_html

A4_PX = 794  # 210 mm at 96 dpi

_PROBE = """
<script>
window.addEventListener('load', function () {
  var out = [], all = [];
  document.querySelectorAll('table.data th').forEach(function (th) {
    var r = th.getBoundingClientRect(), ok = r.width > 0 && r.left >= -1 &&
            r.right <= window.innerWidth + 1;
    for (var a = th.parentElement; a && ok; a = a.parentElement) {
      var st = getComputedStyle(a);
      if (st.overflowX !== 'visible') {
        var b = a.getBoundingClientRect();
        ok = r.left >= b.left - 1 && r.right <= b.right + 1;
      }
    }
    all.push(th.textContent.trim());
    if (!ok) out.push(th.textContent.trim());
  });
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify({hidden: out, headers: all, text: document.body.innerText});
  document.body.appendChild(pre);
});
</script>
"""


def _chromium():
    return shutil.which("chromium") or next(
        (p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser") if Path(p).exists()), None
    )


def wide_frame():
    rng = np.random.default_rng(0)
    codes = [f"PARAM{i:02d}LONGNAME" for i in range(40)]
    df = pd.DataFrame(rng.lognormal(size=(5, 40)) * 1e4, columns=codes)
    df.insert(0, "subject", [f"subject-{i}" for i in range(5)])
    df.insert(1, "group", "PO 15 mg/kg")
    df["exclude"] = "R2ADJ < 0.9; LAMZSPN < 2; AUCPEO > 20%: a long reason that must wrap"
    return df


def test_wide_tables_are_split_into_column_blocks():
    html, _ = table_html(wide_frame())
    tables = re.findall(r"<table", html)
    assert len(tables) == -(-41 // (MAX_COLUMNS - 2))
    # every block repeats the key columns
    assert html.count(">subject</th>") == len(tables)


@pytest.mark.slow
def test_every_column_header_is_visible_at_a4_width(tmp_path):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    rep = Report("Wide tables")
    df = wide_frame()
    rep.add_table(df, "A wide table")
    path = rep.save(tmp_path / "out" / "report.html")
    page = Path(path).read_text()
    Path(path).write_text(page.replace("</body>", _PROBE + "</body>"))
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--window-size={A4_PX},1123",
        "--virtual-time-budget=5000",
        "--dump-dom",
        Path(path).resolve().as_uri(),
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    m = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout, re.S)
    assert m, f"no probe output; chromium said:\n{run.stderr[-2000:]}"
    import html as _html

    probe = json.loads(_html.unescape(m.group(1)))
    assert probe["hidden"] == []
    assert set(df.columns) <= set(probe["headers"])


@pytest.mark.slow
def test_nca_report_tables_are_not_clipped_at_a4_width(tmp_path):
    chromium = _chromium()
    if chromium is None:
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    from kinetor.data import Study
    from kinetor.nca import nca
    from kinetor.report import nca_report

    fix = Path(__file__).parents[1] / "nca" / "fixtures" / "theoph.csv"
    d = pd.read_csv(fix)
    conc = pd.DataFrame({"subject": d.Subject.astype(str), "time": d.Time, "conc": d.conc})
    doses = pd.DataFrame(
        {"subject": conc.subject.unique(), "time": 0.0, "dose": 320.0, "route": "PO"}
    )
    st = Study(conc, doses, units={"time": "h", "conc": "mg/L", "dose": "mg"})
    path = Path(nca_report(st, nca(st), out_dir=tmp_path / "rep"))
    path.write_text(path.read_text().replace("</body>", _PROBE + "</body>"))
    cmd = [
        chromium,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
        f"--window-size={A4_PX},1123",
        "--virtual-time-budget=5000",
        "--dump-dom",
        path.resolve().as_uri(),
    ]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    m = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout, re.S)
    assert m, f"no probe output; chromium said:\n{run.stderr[-2000:]}"
    import html as _html

    probe = json.loads(_html.unescape(m.group(1)))
    assert probe["hidden"] == [] and len(probe["headers"]) > 20
