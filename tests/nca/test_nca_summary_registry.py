"""One source for NCA summaries (issue 21 item 1): the registry decides the statistic, the
order and the text, and ``NCAResult.summary()`` and the HTML report agree for every
registry parameter. Expected cells are computed by hand below, not by the code."""

import html
import math
import re

import numpy as np
import pandas as pd
import pytest

from kinetor.nca import Options, nca
from kinetor.nca.registry import PARAMETERS, STATISTIC_LABEL, order_codes
from kinetor.nca.result import NCAResult
from kinetor.report import Report, build_nca_report
from kinetor.report._example import example_study

# group A: 2, 4, 8; group B: 1, 3, 9
VALUES = {"A": [2.0, 4.0, 8.0], "B": [1.0, 3.0, 9.0]}
# hand calculations (3 significant figures; times as recorded):
#   A: geometric mean (2*4*8)^(1/3) = 4, ln values have SD ln 2 -> geoCV
#      100 sqrt(e^(ln 2)^2 - 1) = 78.53; mean 14/3 = 4.667, SD sqrt(28/3) = 3.055;
#      median 4 (2-8)
#   B: geometric mean 27^(1/3) = 3, ln values ln 3 * (0, 1, 2) have SD ln 3 -> geoCV
#      100 sqrt(e^(ln 3)^2 - 1) = 100 sqrt(3.3432 - 1) = 153.1; mean 13/3 = 4.333,
#      SD sqrt((91 - 3 (13/3)^2) / 2) = sqrt(52/3) = 4.163;
#      median 3 (1-9)
EXPECTED = {
    "geometric": ("4.00 (78.5)", "3.00 (153)"),
    "arithmetic": ("4.67 (3.06)", "4.33 (4.16)"),
    "median": ("4.00 (2.00\u20138.00)", "3.00 (1.00\u20139.00)"),
    "median_time": ("4 (2\u20138)", "3 (1\u20139)"),
}


def _declared():
    """Each PPTESTCD with the declaration that first reports under it."""
    out = {}
    for p in PARAMETERS.values():
        for code in filter(None, (p.code, p.ev_code)):
            out.setdefault(code, p)
    return out


def _every_code_result() -> NCAResult:
    rows = [
        {
            "subject": f"{g}{i}",
            "group": g,
            "analyte": "X",
            "matrix": "PLASMA",
            "start": 0.0,
            "end": np.inf,
            "PPTESTCD": code,
            "value": v,
            "unit": "u",
            "exclude": "",
            "flag": "",
        }
        for code in _declared()
        for g, vals in VALUES.items()
        for i, v in enumerate(vals)
    ]
    return NCAResult(pd.DataFrame(rows), pd.DataFrame(), Options(), {}, groups=["group"])


def _expected(p) -> tuple[str, str]:
    # times and counts are shown as recorded (no significant-figure padding)
    key = p.summary + ("_time" if p.summary == "median" and p.unit in ("time", "count") else "")
    return EXPECTED[key]


def test_hand_values_of_the_three_statistics():
    assert 100 * math.sqrt(math.exp(math.log(2) ** 2) - 1) == pytest.approx(78.53, abs=0.01)
    assert 100 * math.sqrt(math.exp(math.log(3) ** 2) - 1) == pytest.approx(153.08, abs=0.01)
    assert math.sqrt(
        ((2 - 14 / 3) ** 2 + (4 - 14 / 3) ** 2 + (8 - 14 / 3) ** 2) / 2
    ) == pytest.approx(3.055, abs=1e-3)
    assert math.sqrt(52 / 3) == pytest.approx(4.163, abs=1e-3)


def test_every_registry_parameter_summarises_as_declared():
    res = _every_code_result()
    s = res.summary().set_index(["group", "PPTESTCD"])
    for code, p in _declared().items():
        want = _expected(p)
        for g, text in zip(("A", "B"), want, strict=True):
            row = s.loc[(g, code)]
            assert row["statistic"] == STATISTIC_LABEL[p.summary], code
            assert row["display"] == text, (code, g)


def _report_rows(page: str) -> dict[str, list[str]]:
    """Rendered table rows: first cell -> the cells after it (HTML unescaped)."""
    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", page, re.S):
        cells = [html.unescape(c.strip()) for c in re.findall(r"<td>(.*?)</td>", tr, re.S)]
        if len(cells) >= 2 and cells[1] != "n":
            rows[cells[0]] = cells[1:]
    return rows


def test_summary_and_html_report_agree_for_every_registry_parameter():
    res = _every_code_result()
    rep = Report("every parameter")
    res.to_report(rep)
    rows = _report_rows(rep.render())
    s = res.summary().set_index(["group", "PPTESTCD"])
    for code, p in _declared().items():
        cells = rows[f"{code} (u)"]
        assert cells == [
            STATISTIC_LABEL[p.summary],
            s.loc[("A", code), "display"],
            s.loc[("B", code), "display"],
        ], code
        assert cells[1:] == list(_expected(p)), code
    # rows in the registry's display order
    order = [k[:-4] for k in rows if k.endswith(" (u)")]
    assert order == order_codes(_declared())


def test_the_full_report_takes_its_summary_from_the_result():
    study, _ = example_study()
    res = nca(study)
    page = build_nca_report(study, res, max_subjects=1).render()
    rows = _report_rows(page)
    s = res.summary()
    reported = s[s["n"] > 0]
    assert len(reported) > 10
    for r in reported.itertuples():
        label = f"{r.PPTESTCD} ({r.unit})" if r.unit else r.PPTESTCD
        assert label in rows, label
        assert rows[label][0] == r.statistic
        assert r.display in rows[label][1:], (label, r.display, rows[label])


def test_lambda_z_count_and_time_limits_take_median_and_range():
    # PKNCA (half.life.R): lambda.z.n.points, lambda.z.time.first/last "median and range";
    # r.squared / adj.r.squared: "arithmetic mean and standard deviation"
    values = {
        "LAMZNPT": [3.0, 4.0, 6.0],  # median 4, range 3-6
        "LAMZLL": [2.0, 4.0, 8.0],  # median 4, range 2-8 (a time: as recorded)
        "LAMZUL": [24.0, 24.0, 48.0],  # median 24, range 24-48
        "R2ADJ": [0.90, 0.95, 0.97],  # mean 0.94; SD sqrt((.04^2+.01^2+.03^2)/2) = .03606
    }
    rows = [
        {
            "subject": f"s{i}",
            "group": "A",
            "analyte": "X",
            "matrix": "PLASMA",
            "start": 0.0,
            "end": np.inf,
            "PPTESTCD": code,
            "value": v,
            "unit": "h" if code in ("LAMZLL", "LAMZUL") else "",
            "exclude": "",
            "flag": "",
        }
        for code, vals in values.items()
        for i, v in enumerate(vals)
    ]
    res = NCAResult(pd.DataFrame(rows), pd.DataFrame(), Options(), {}, groups=["group"])
    s = res.summary().set_index("PPTESTCD")
    median = STATISTIC_LABEL["median"]
    assert s.loc["LAMZNPT", "statistic"] == median
    assert s.loc["LAMZNPT", "display"] == "4 (3\u20136)"
    assert s.loc["LAMZLL", "statistic"] == median
    assert s.loc["LAMZLL", "display"] == "4 (2\u20138)"
    assert s.loc["LAMZUL", "statistic"] == median
    assert s.loc["LAMZUL", "display"] == "24 (24\u201348)"
    assert s.loc["R2ADJ", "statistic"] == STATISTIC_LABEL["arithmetic"]
    assert s.loc["R2ADJ", "display"] == "0.940 (0.0361)"
