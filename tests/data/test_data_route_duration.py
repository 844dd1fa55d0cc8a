"""Generic tables: an IV dose with an infusion duration > 0 is an infusion (read as one,
with a note naming the rows); a zero or empty duration stays a bolus; a route that says
bolus in words with a duration > 0 is a problem (it contradicts itself)."""

from __future__ import annotations

import pandas as pd
import pytest

from kinetor.data import read_study
from kinetor.errors import DataError
from kinetor.nca import nca

UNITS = {"time": "h", "conc": "mg/L", "dose": "mg"}
T = [0.0, 0.5, 1, 2, 4, 8, 12]
C = [0.0, 5, 8, 4, 2, 1, 0.5]


def _rows(route="IV", duration=1.0):
    return pd.DataFrame(
        {"subject": "a", "time": T, "conc": C, "dose": 10.0, "route": route, "duration": duration}
    )


def test_iv_with_a_duration_on_the_sample_rows_is_an_infusion():
    st = read_study(_rows(), units=UNITS)
    assert st.doses[["route", "duration", "route_raw"]].values.tolist() == [
        ["iv_infusion", 1.0, "IV"]
    ]
    notes = [n for n in st.notes if "infusion duration" in n]
    assert len(notes) == 1
    assert "1 IV dose(s)" in notes[0] and "'duration'" in notes[0] and "rows 2" in notes[0]
    # the NCA sees an infusion: the concentration at the end of the 1 h infusion
    p = nca(st).parameters
    assert p.loc[p.PPTESTCD == "CEOI", "value"].tolist() == [8.0]
    assert "C0" not in set(p.PPTESTCD)


@pytest.mark.parametrize("duration", [0.0, float("nan")])
def test_iv_with_a_zero_or_empty_duration_stays_a_bolus(duration):
    st = read_study(_rows(duration=duration), units=UNITS)
    assert st.doses[["route", "duration"]].values.tolist() == [["iv_bolus", 0.0]]
    assert not any("infusion duration" in n for n in st.notes)


def test_a_route_that_says_bolus_with_a_duration_is_a_problem():
    with pytest.raises(DataError) as err:
        read_study(_rows(route="IV bolus", duration=0.25), units=UNITS)
    (p,) = [p for p in err.value.problems if "bolus" in p.message]
    assert (p.row, p.column) == (2, "duration")
    assert "IV infusion" in p.fix and "0" in p.fix


def test_iv_with_a_duration_in_a_doses_table_is_an_infusion():
    conc = pd.DataFrame({"subject": ["a"] * 7 + ["b"] * 7, "time": T * 2, "conc": C * 2})
    doses = pd.DataFrame(
        {
            "subject": ["a", "b"],
            "time": 0.0,
            "dose": 10.0,
            "route": ["intravenous", "IV"],
            "duration": [2.0, 0.0],
        }
    )
    st = read_study(conc, doses=doses, units=UNITS)
    got = st.doses.sort_values("subject")[["subject", "route", "duration"]].values.tolist()
    assert got == [["a", "iv_infusion", 2.0], ["b", "iv_bolus", 0.0]]
    (note,) = [n for n in st.notes if "infusion duration" in n]
    assert "'intravenous'" in note and "rows 2" in note and "'IV'" not in note


def _sdtm(tmp_path, route, end):
    """The SDTM fixture with subject 001's IV dose given ``route`` and ``EXENDTC``."""
    import shutil
    from pathlib import Path

    src = Path(__file__).parent / "fixtures" / "sdtm"
    dst = tmp_path / "sdtm"
    shutil.copytree(src, dst)
    ex = pd.read_csv(dst / "ex.csv")
    ex.loc[0, "EXROUTE"] = route
    ex.loc[0, "EXENDTC"] = end
    ex.to_csv(dst / "ex.csv", index=False)
    return dst


def test_sdtm_intravenous_with_an_end_time_is_an_infusion(tmp_path):
    st = read_study(_sdtm(tmp_path, "INTRAVENOUS", "2021-03-04T08:30"))
    d = st.doses.set_index("subject")
    assert d.loc["VIS-01-001", "route"] == "iv_infusion"
    assert d.loc["VIS-01-001", "duration"] == pytest.approx(0.5)  # 08:00 -> 08:30
    assert any("read as IV infusion" in n and "rows 2" in n for n in st.notes)


def test_sdtm_bolus_in_words_keeps_a_bolus_despite_an_end_stamp(tmp_path):
    st = read_study(_sdtm(tmp_path, "INTRAVENOUS BOLUS", "2021-03-04T08:01"))
    d = st.doses.set_index("subject")
    assert (d.loc["VIS-01-001", "route"], d.loc["VIS-01-001", "duration"]) == ("iv_bolus", 0.0)


def test_default_route_iv_with_a_duration_is_an_infusion():
    rows = _rows().drop(columns="route")
    st = read_study(rows, units=UNITS, route="IV")
    assert st.doses["route"].tolist() == ["iv_infusion"]
    assert any("read as IV infusion" in n for n in st.notes)


def test_a_study_built_with_a_bolus_and_a_duration_is_a_problem():
    from kinetor.data import Study, validate_study

    st = read_study(_rows(duration=0.0), units=UNITS)
    doses = st.doses.copy()
    doses["duration"] = 0.5
    built = Study(st.conc, doses, subjects=st.subjects, units=st.units)
    problems = [p for p in validate_study(built) if "IV bolus with an infusion" in p.message]
    assert len(problems) == 1 and "IV infusion" in problems[0].fix
