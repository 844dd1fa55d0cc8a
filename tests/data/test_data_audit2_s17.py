"""Reader fixes from the data-reader audit, second part: EX durations that run backwards
or break ISO 8601, and SEND/SDTM and CSV round trips that keep the study's own STUDYID,
PCTEST text, profile names and BLQ numbers as measured. Expected values by hand."""

from __future__ import annotations

import pandas as pd
import pytest

import kinetor as kt
from kinetor.errors import DataError

DM = {"STUDYID": ["S"], "DOMAIN": ["DM"], "USUBJID": ["A1"], "SPECIES": ["RAT"], "SEX": ["M"]}
PC = {
    "STUDYID": "S-01",
    "DOMAIN": "PC",
    "USUBJID": "A1",
    "PCTESTCD": "DRUG",
    "PCTEST": "Drug X",
    "PCORRES": ["10", "0.4", "5"],
    "PCORRESU": "ng/mL",
    "PCSTRESC": ["10", "BLQ", "5"],
    "PCSTRESN": [10.0, None, 5.0],
    "PCSTRESU": "ng/mL",
    "PCLLOQ": 1.0,
    "PCDTC": ["2021-03-01T09:00", "2021-03-01T10:00", "2021-03-01T12:00"],
    "PCELTM": ["PT1H", "PT2H", "PT4H"],
    "PCTPTREF": "D1",
}


def _study(tmp_path, ex, pc=None):
    pd.DataFrame(DM | {"STUDYID": ["S-01"]}).to_csv(tmp_path / "dm.csv", index=False)
    pd.DataFrame(pc or PC).to_csv(tmp_path / "pc.csv", index=False)
    base = {"STUDYID": "S-01", "DOMAIN": "EX", "USUBJID": "A1", "EXTRT": "DRUG"}
    pd.DataFrame(base | {"EXDOSE": [5], "EXDOSU": "mg"} | ex).to_csv(
        tmp_path / "ex.csv", index=False
    )
    return tmp_path


def _problems(path):
    with pytest.raises(DataError) as e:
        kt.read_study(path)
    return e.value.problems


# A8-EX: an administration that ends before it starts is refused
def test_exendtc_before_exstdtc_is_a_problem(tmp_path):
    ex = {
        "EXROUTE": ["INTRAVENOUS"],
        "EXSTDTC": ["2021-03-01T08:00"],
        "EXENDTC": ["2021-03-01T07:00"],
    }
    (p,) = _problems(_study(tmp_path, ex))
    assert (p.row, p.column) == (2, "EXENDTC")
    assert "2021-03-01T07:00" in p.message and "2021-03-01T08:00" in p.message


def test_negative_exdur_is_a_problem_not_a_missing_duration(tmp_path):
    ex = {"EXROUTE": ["INTRAVENOUS DRIP"], "EXSTDTC": ["2021-03-01T08:00"], "EXDUR": ["-PT1H"]}
    (p,) = _problems(_study(tmp_path, ex))
    assert (p.row, p.column) == (2, "EXDUR")
    assert "negative" in p.message and "without a duration" not in p.message


# ISO 8601: a decimal fraction only on the lowest-order component given
def test_decimal_on_a_higher_order_duration_component_is_refused(tmp_path):
    ex = {"EXROUTE": ["INTRAVENOUS"], "EXSTDTC": ["2021-03-01T08:00"], "EXDUR": ["PT1.5H30M"]}
    (p,) = _problems(_study(tmp_path, ex))
    assert (p.row, p.column) == (2, "EXDUR")
    assert "PT1.5H30M" in p.message


def test_decimal_on_the_lowest_order_component_is_read():
    from kinetor.data.values import parse_durations

    hours, bad = parse_durations(pd.Series(["PT1H30.5M", "PT1.5H", "P1.5D", "P1DT0.5H"]))
    # 1 + 30.5/60; 1.5; 36; 24.5
    assert hours.tolist() == pytest.approx([1 + 30.5 / 60, 1.5, 36.0, 24.5])
    assert not bad.any()


# A9: write_cdisc / write_csv round trips
def _oral(tmp_path):
    ex = {"EXROUTE": ["ORAL"], "EXSTDTC": ["2021-03-01T08:00"]}
    (tmp_path / "in").mkdir()
    return kt.read_study(_study(tmp_path / "in", ex))


def test_write_cdisc_keeps_studyid_pctest_profile_and_blq_number(tmp_path):
    st = _oral(tmp_path)
    kt.data.write_cdisc(st, tmp_path / "out", standard="sdtm")
    pc = pd.read_csv(tmp_path / "out" / "pc.csv", dtype=str, keep_default_na=False)
    dm = pd.read_csv(tmp_path / "out" / "dm.csv", dtype=str, keep_default_na=False)
    assert set(pc["STUDYID"]) == set(dm["STUDYID"]) == {"S-01"}
    assert set(pc["PCTEST"]) == {"Drug X"}
    assert set(pc["PCTPTREF"]) == {"D1"}
    # the BLQ sample: measured 0.4 ng/mL, reported BLQ
    assert pc["PCORRES"].tolist() == ["10", "0.4", "5"]
    assert pc["PCSTRESC"].tolist()[1] == "BLQ"
    back = kt.read_study(tmp_path / "out")
    assert back.conc["conc_reported"].tolist() == pytest.approx([10.0, 0.4, 5.0])
    assert back.conc["blq"].tolist() == [False, True, False]
    assert back.conc["profile"].tolist() == ["D1"] * 3
    assert back.conc["STUDYID"].tolist() == ["S-01"] * 3


def test_write_cdisc_studyid_argument_overrides(tmp_path):
    st = _oral(tmp_path)
    kt.data.write_cdisc(st, tmp_path / "out", studyid="OTHER")
    for name in ("pc", "ex", "dm"):
        assert set(pd.read_csv(tmp_path / "out" / f"{name}.csv")["STUDYID"]) == {"OTHER"}


def test_write_csv_round_trips_conc_reported_and_profile(tmp_path):
    st = _oral(tmp_path)
    kt.data.write_csv(st, tmp_path / "csv")
    back = kt.read_study(tmp_path / "csv")
    assert back.conc["conc_reported"].tolist() == pytest.approx([10.0, 0.4, 5.0])
    assert back.conc["profile"].tolist() == ["D1"] * 3
    assert "orig_conc_reported" not in back.conc and "orig_profile" not in back.conc
