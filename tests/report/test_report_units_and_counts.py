"""What report tables show: integers to 3 significant figures like floats (format_sig),
counts as integers and ids as they are (table_html), units in the headers of the study and
mean-profile tables, and groups in natural order in the study table."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study
from kinetor.nca import nca
from kinetor.report import build_nca_report, format_sig
from kinetor.report._html import table_html


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2, "2.00"),  # docs: 2 -> "2.00"
        (12345678, "1.23e+07"),
        (np.int64(1234), "1230"),
        (np.int32(-7), "-7.00"),
        (0, "0"),
        (10**400, "1.00e+400"),  # beyond the float range: no OverflowError
        (True, "True"),
    ],
)
def test_format_sig_rounds_integers_like_floats(value, text):
    assert format_sig(value) == text


def _cells(html: str) -> list[str]:
    return [c.strip() for c in re.findall(r"<td>(.*?)</td>", html, re.S)]


def test_counts_are_integers_ids_are_kept_other_integers_are_rounded():
    df = pd.DataFrame(
        {
            "subject": [12345],  # an id: never "12300"
            "NCONC": [10.0],  # NCA counts (registry unit type "count")
            "NCONCMS": [9.0],
            "LAMZNPT": [3.0],
            "n": [np.int64(4)],
            "dose": [12345],  # a quantity stored as an integer: 3 significant figures
            "CMAX (ng/mL)": [10.0],
        }
    )
    html, _ = table_html(df)
    assert _cells(html) == ["12345", "10", "9", "3", "4", "12300", "10.0"]


def test_dose_amounts_are_shown_as_written_text_or_numbers():
    # Study.summary() writes the amounts as text ("7.5"); a report rebuilt from its CSV
    # reads them back as numbers: both show "7.5" and "2", never "7.50" / "2.00"
    text = pd.DataFrame({"doses (mg/kg)": ["7.5", "2", "2, 10"]})
    numbers = pd.DataFrame({"doses (mg/kg)": [7.5, 2.0, np.nan]})
    assert _cells(table_html(text)[0]) == ["7.5", "2", "2, 10"]
    assert _cells(table_html(numbers)[0]) == ["7.5", "2", ""]


def _study() -> Study:
    # two groups whose text order (PO 15 before PO 3.75) is not their natural order
    t = [0.0, 1.0, 2.0, 4.0, 8.0]
    rows, doses, subjects = [], [], []
    for subject, group, dose, scale in (
        ("a", "PO 15 mg/kg", 15.0, 4.0),
        ("b", "PO 15 mg/kg", 15.0, 4.0),
        ("c", "PO 3.75 mg/kg", 3.75, 1.0),
        ("d", "PO 3.75 mg/kg", 3.75, 1.0),
    ):
        for ti, ci in zip(t, [0.0, 8.0, 6.0, 3.0, 1.0], strict=True):
            rows.append({"subject": subject, "time": ti, "nominal_time": ti, "conc": ci * scale})
        doses.append({"subject": subject, "time": 0.0, "dose": dose, "route": "PO"})
        subjects.append({"subject": subject, "group": group})
    return Study(
        pd.DataFrame(rows),
        pd.DataFrame(doses),
        pd.DataFrame(subjects),
        units={"time": "h", "conc": "ng/mL", "dose": "mg/kg"},
        groups=["group"],
    )


@pytest.fixture(scope="module")
def report_tables():
    study = _study()
    rep = build_nca_report(study, nca(study))
    return {b["caption"]: b["df"] for b in rep.blocks if b["type"] == "table"}, rep


def _table(tables: dict, start: str) -> pd.DataFrame:
    return next(df for caption, df in tables.items() if caption.startswith(start))


def test_study_table_has_units_and_natural_group_order(report_tables):
    tables, _ = report_tables
    tab = _table(tables, "Subjects, samples")
    assert tab["group"].tolist() == ["PO 3.75 mg/kg", "PO 15 mg/kg"]
    assert {"tmin (h)", "tmax (h)", "doses (mg/kg)"} <= set(tab.columns)
    assert not {"tmin", "tmax", "doses"} & set(tab.columns)
    assert tab["tmax (h)"].tolist() == [8.0, 8.0]


def test_mean_profile_table_has_units(report_tables):
    tables, _ = report_tables
    tab = _table(tables, "Concentrations by group and nominal time")
    assert list(tab.columns) == [
        *("group", "time (h)", "n", "n_blq", "mean (ng/mL)", "sd (ng/mL)", "se (ng/mL)"),
        "blq",
    ]
    # PO 3.75 at 1 h: both animals 8 ng/mL -> mean 8, SD 0
    row = tab[(tab["group"] == "PO 3.75 mg/kg") & (tab["time (h)"] == 1.0)].iloc[0]
    assert (row["mean (ng/mL)"], row["sd (ng/mL)"]) == (8.0, 0.0)


def test_listing_shows_sample_counts_as_integers(report_tables):
    _, rep = report_tables
    listing = next(
        b for b in rep.blocks if b["type"] == "table" and "Individual NCA" in b["caption"]
    )
    assert listing["df"]["NCONC"].tolist() == [5.0] * 4  # stored as numbers
    # the wide listing is split into column blocks: read the block that holds NCONC
    block = next(t for t in table_html(listing["df"])[0].split("<table")[1:] if ">NCONC<" in t)
    header = re.findall(r"<th>(.*?)</th>", block)
    rows = [re.findall(r"<td>(.*?)</td>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", block, re.S)]
    shown = [row[header.index("NCONC")] for row in rows if row]
    assert shown == ["5"] * 4  # 5 samples per animal: "5", not "5.00"
