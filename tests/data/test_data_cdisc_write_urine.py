"""write_cdisc: interval collections and volumes, EXROUTE terms, ALQ samples."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study, read_study, write_cdisc
from kinetor.errors import DataError

FIX = Path(__file__).parent / "fixtures"
COLS = ["subject", "time", "nominal_time", "end_time", "volume", "conc", "analyte", "matrix"]


def _pc(folder: Path) -> pd.DataFrame:
    return pd.read_csv(folder / "pc.csv", dtype=str, keep_default_na=False)


def _sorted(st):
    return st.conc[COLS].sort_values(["matrix", "time"]).reset_index(drop=True)


@pytest.mark.parametrize("standard", ["sdtm", "send"])
def test_urine_collections_round_trip(tmp_path, standard):
    a = read_study(FIX / "sdtm_urine")
    write_cdisc(a, tmp_path, standard=standard)
    pc = _pc(tmp_path)
    # the 6-12 h collection: reference 2000-01-01T08:00 + 6 h .. + 12 h; PCELTM = its end
    row = pc[(pc["PCSPEC"] == "URINE") & (pc["PCTESTCD"] == "DRUGX")].iloc[1]
    assert (row["PCDTC"], row["PCENDTC"]) == ("2000-01-01T14:00:00", "2000-01-01T20:00:00")
    assert (row["PCELTM"], row["PCEVLINT"], row["PCCAT"]) == ("PT12H", "-PT6H", "ANALYTE")
    vol = pc[pc["PCTESTCD"] == "VOLUME"]
    assert vol["PCSTRESN"].tolist() == ["200.0", "300.0", "400.0"]
    assert set(vol["PCSTRESU"]) == {"mL"} and set(vol["PCCAT"]) == {"SPECIMEN PROPERTY"}
    assert vol["PCENDTC"].tolist() == [
        "2000-01-01T14:00:00",
        "2000-01-01T20:00:00",
        "2000-01-02T08:00:00",
    ]
    assert pc["PCSEQ"].tolist() == [str(i) for i in range(1, 14)]
    b = read_study(tmp_path)
    assert b.units == a.units
    pd.testing.assert_frame_equal(_sorted(a), _sorted(b), check_dtype=False, rtol=1e-12)


def _extravascular() -> Study:
    c = pd.DataFrame({"subject": "1", "time": [1.0, 2.0], "conc": [5.0, 3.0]})
    d = pd.DataFrame({"subject": ["1"], "time": [0.0], "dose": [1.0], "route": ["extravascular"]})
    return Study(c, d, units={"time": "h", "conc": "ng/mL", "dose": "mg"})


def test_a_route_outside_the_cdisc_codelist_is_kept_and_named(tmp_path):
    written = write_cdisc(_extravascular(), tmp_path)
    ex = pd.read_csv(tmp_path / "ex.csv", dtype=str, keep_default_na=False)
    assert ex["EXROUTE"].tolist() == ["EXTRAVASCULAR"]
    (note,) = written.notes
    assert "'EXTRAVASCULAR'" in note and "not a CDISC ROUTE term" in note
    assert "routes={'extravascular': 'ORAL'}" in note
    assert [p.name for p in written] == ["pc.csv", "ex.csv", "dm.csv"]


def test_routes_names_the_cdisc_term(tmp_path):
    written = write_cdisc(_extravascular(), tmp_path, routes={"extravascular": "ORAL"})
    assert written.notes == []
    ex = pd.read_csv(tmp_path / "ex.csv", dtype=str, keep_default_na=False)
    assert ex["EXROUTE"].tolist() == ["ORAL"]
    back = read_study(tmp_path)
    assert back.doses[["route", "route_raw"]].values.tolist() == [["extravascular", "ORAL"]]


def test_routes_that_change_the_route_kind_are_refused(tmp_path):
    with pytest.raises(DataError, match="does not read back as the route 'extravascular'"):
        write_cdisc(_extravascular(), tmp_path, routes={"extravascular": "INTRAVENOUS BOLUS"})


def test_alq_text_round_trips(tmp_path):
    df = pd.DataFrame(
        {
            "subject": "1",
            "time": [1.0, 2.0, 4.0],
            "conc": ["10", ">1000", "5"],
            "dose": 1.0,
            "route": "PO",
        }
    )
    a = read_study(df, units={"time": "h", "conc": "ng/mL", "dose": "mg"})
    reason = "above the upper limit of quantification ('>1000')"
    assert a.conc["exclude"].tolist()[1] == reason
    write_cdisc(a, tmp_path)
    row = _pc(tmp_path).iloc[1]
    assert (row["PCSTRESC"], row["PCORRES"], row["PCSTRESN"]) == (">1000", ">1000", "")
    assert (row["PCEXCLFL"], row["PCREASEX"]) == ("", "")
    b = read_study(tmp_path)
    assert b.conc["exclude"].tolist() == a.conc["exclude"].tolist()
    assert np.isnan(b.conc["conc"].iloc[1]) and not b.conc["blq"].iloc[1]


def test_alq_number_of_a_cens_row_round_trips(tmp_path):
    df = pd.DataFrame(
        {
            "ID": 1,
            "TIME": [0.0, 1.0, 2.0],
            "DV": [0.0, 1200.0, 300.0],
            "AMT": [5.0, 0.0, 0.0],
            "EVID": [1, 0, 0],
            "MDV": [1, 0, 0],
            "CENS": [0, -1, 0],
            "CMT": [1, 1, 1],
        }
    )
    a = read_study(df, units={"time": "h", "conc": "ng/mL", "dose": "mg"})
    assert a.conc["conc_reported"].iloc[0] == 1200.0
    write_cdisc(a, tmp_path)
    row = _pc(tmp_path).iloc[0]
    assert (row["PCSTRESC"], row["PCORRES"], row["PCEXCLFL"]) == ("ALQ", "1200", "")
    b = read_study(tmp_path)
    assert b.conc["conc_reported"].iloc[0] == 1200.0
    assert b.conc["exclude"].iloc[0] == "above the upper limit of quantification ('ALQ')"
    assert np.isnan(b.conc["conc"].iloc[0])
