"""Nominal times: binned from actual times to the protocol, or mean profiles refused."""

from __future__ import annotations

import pandas as pd
import pytest

from kinetor.cli.main import main
from kinetor.data import Study, bin_nominal_times
from kinetor.errors import DataError
from kinetor.report import mean_profile_table

UNITS = {"time": "h", "conc": "ng/mL", "dose": "mg"}


def actual_only():
    # two subjects sampled near 0.5, 1, 2 h at slightly different actual times
    conc = pd.DataFrame(
        {
            "subject": ["a"] * 3 + ["b"] * 3,
            "time": [0.52, 1.03, 2.1, 0.47, 0.98, 1.95],
            "conc": [4.0, 6.0, 3.0, 2.0, 4.0, 1.0],
        }
    )
    doses = pd.DataFrame({"subject": ["a", "b"], "time": 0.0, "dose": 1.0, "route": "PO"})
    return Study(conc, doses, units=UNITS)


def test_binning_to_the_protocol_times():
    st = bin_nominal_times(actual_only(), [0, 0.5, 1, 2, 4])
    assert st.conc["nominal_time"].tolist() == [0.5, 1.0, 2.0, 0.5, 1.0, 2.0]
    tab = mean_profile_table(st).set_index("time")
    assert tab.loc[1.0, "n"] == 2 and tab.loc[1.0, "mean"] == pytest.approx(5.0)
    # a tolerance leaves far samples without a nominal time
    st = bin_nominal_times(actual_only(), [0.5, 1, 2], tolerance=0.04)
    assert st.conc["nominal_time"].isna().tolist() == [False, False, True, False, False, True]


def test_mean_profile_without_nominal_times_is_refused():
    with pytest.raises(DataError, match="mean profiles need nominal times") as info:
        mean_profile_table(actual_only())
    assert "--nominal-times" in info.value.problems[0].fix


def test_report_says_why_there_is_no_mean_profile(tmp_path):
    path = tmp_path / "a.csv"
    actual_only().conc[["subject", "time", "conc"]].assign(dose=1.0, route="PO").to_csv(
        path, index=False
    )
    base = [
        "--quiet",
        "nca",
        str(path),
        "--time-unit",
        "h",
        "--conc-unit",
        "ng/mL",
        "--dose-unit",
        "mg",
    ]
    assert main([*base, "--out", str(tmp_path / "o1")]) == 0
    html = (tmp_path / "o1" / "report.html").read_text()
    assert "No mean profiles: mean profiles need nominal times" in html
    assert main([*base, "--nominal-times", "0,0.5,1,2", "--out", str(tmp_path / "o2")]) == 0
    html = (tmp_path / "o2" / "report.html").read_text()
    assert "No mean profiles" not in html
    assert "per nominal time" in html  # 3 samples per animal: a composite profile
