"""write_cdisc: planned PCELTM/PCEVLINT of interval collections, unrecorded ends, DM extras."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kinetor.data import Study, read_study, write_cdisc

D1, D2 = "2024-01-01T08:00", "2024-01-02T08:00"
# (start, PCENDTC, PCELTM, PCEVLINT, reference dose, DRUG in ug/mL, VOLUME in mL)
S1_URINE = [
    ("2024-01-01T08:00", "2024-01-01T14:15", "PT6H", "-PT6H", D1, "12", "250"),
    ("2024-01-01T14:15", "2024-01-01T20:00", "PT12H", "-PT6H", D1, "8", "300"),
    ("2024-01-01T20:00", "2024-01-02", "PT24H", "-PT12H", D1, "3", "500"),  # date only
    ("2024-01-02T08:00", "2024-01-03T07:30", "PT24H", "-PT24H", D2, "5", "900"),
]
# subject S2: PCEVLINT without a sign, no PCENDTC on the 6-12 h collection
S2_URINE = [
    ("2024-01-01T09:30", "2024-01-01T15:30", "PT6H", "PT6H", "2024-01-01T09:30", "9", "200"),
    ("2024-01-01T15:30", "", "PT12H", "PT6H", "2024-01-01T09:30", "6", "350"),
]


def _write_sdtm(folder):
    rows = []
    plasma = [
        ("S1", "2024-01-01T09:03", "PT1H", D1, "640"),
        ("S2", "2024-01-01T10:30", "PT1H", "2024-01-01T09:30", "330"),
    ]
    for subj, dtc, eltm, ref, value in plasma:
        rows.append(
            dict(
                USUBJID=subj,
                PCTESTCD="DRUG",
                PCCAT="ANALYTE",
                PCSTRESN=value,
                PCSTRESU="ng/mL",
                PCSPEC="PLASMA",
                PCDTC=dtc,
                PCENDTC="",
                PCELTM=eltm,
                PCEVLINT="",
                PCRFTDTC=ref,
            )
        )
    for subj, urine in (("S1", S1_URINE), ("S2", S2_URINE)):
        for start, end, eltm, evlint, ref, value, volume in urine:
            for code, cat, v, unit in (
                ("DRUG", "ANALYTE", value, "ug/mL"),
                ("VOLUME", "SPECIMEN PROPERTY", volume, "mL"),
            ):
                rows.append(
                    dict(
                        USUBJID=subj,
                        PCTESTCD=code,
                        PCCAT=cat,
                        PCSTRESN=v,
                        PCSTRESU=unit,
                        PCSPEC="URINE",
                        PCDTC=start,
                        PCENDTC=end,
                        PCELTM=eltm,
                        PCEVLINT=evlint,
                        PCRFTDTC=ref,
                    )
                )
    pc = pd.DataFrame(rows).assign(STUDYID="AUD1", DOMAIN="PC")
    pc.insert(3, "PCSEQ", pc.groupby("USUBJID").cumcount() + 1)
    pc.to_csv(folder / "pc.csv", index=False)
    pd.DataFrame(
        {
            "STUDYID": "AUD1",
            "DOMAIN": "EX",
            "USUBJID": ["S1", "S1", "S2"],
            "EXSEQ": [1, 2, 1],
            "EXTRT": "DRUG",
            "EXDOSE": [100, 100, 50],
            "EXDOSU": "mg",
            "EXROUTE": "ORAL",
            "EXSTDTC": [D1, D2, "2024-01-01T09:30"],
        }
    ).to_csv(folder / "ex.csv", index=False)
    pd.DataFrame(
        {
            "STUDYID": "AUD1",
            "DOMAIN": "DM",
            "USUBJID": ["S1", "S2"],
            "SUBJID": ["101", "102"],
            "SPECIES": "HUMAN",
            "SEX": ["M", "F"],
            "ARM": "A",
        }
    ).to_csv(folder / "dm.csv", index=False)


@pytest.fixture
def sdtm(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    _write_sdtm(src)
    return src


def _urine(folder, code="DRUG"):
    pc = pd.read_csv(folder / "pc.csv", dtype=str, keep_default_na=False)
    return pc[(pc["PCSPEC"] == "URINE") & (pc["PCTESTCD"] == code)]


@pytest.mark.parametrize("standard", ["sdtm", "send"])
def test_planned_times_of_collections_are_written_not_the_actual_ones(sdtm, tmp_path, standard):
    a = read_study(sdtm)
    write_cdisc(a, tmp_path / "out", standard=standard)
    for code in ("DRUG", "VOLUME"):
        u = _urine(tmp_path / "out", code)
        # the planned 0-6, 6-12, 12-24 h (dose 1) and 0-24 h (dose 2) of S1, as in the source
        assert u["PCELTM"].tolist() == ["PT6H", "PT12H", "PT24H", "PT24H", "PT6H", "PT12H"]
        assert u["PCEVLINT"].tolist() == ["-PT6H", "-PT6H", "-PT12H", "-PT24H", "-PT6H", "-PT6H"]
        # reference 2000-01-01T08:00 = each subject's first dose; recorded ends only:
        # S1 6.25 h, 12 h, (date only), 47.5 h; S2 6 h, (none)
        assert u["PCENDTC"].tolist() == [
            "2000-01-01T14:15:00",
            "2000-01-01T20:00:00",
            "",
            "2000-01-03T07:30:00",
            "2000-01-01T14:00:00",
            "",
        ]


def test_collections_round_trip(sdtm, tmp_path):
    a = read_study(sdtm)
    urine = a.conc[a.conc["matrix"] == "URINE"]
    # hand: S1 starts 0, 6.25, 12, 24 h; nominal starts 0, 6, 12, 24 (dose 2 at 24 h)
    assert urine["nominal_end_time"].tolist() == [6.0, 12.0, 24.0, 48.0, 6.0, 12.0]
    assert urine["end_time"].tolist() == [6.25, 12.0, 24.0, 47.5, 6.0, 12.0]
    assert urine["end_time_nominal"].tolist() == [False, False, True, False, False, True]
    write_cdisc(a, tmp_path / "out", standard="sdtm")
    b = read_study(tmp_path / "out")
    cols = ["subject", "time", "nominal_time", "end_time", "nominal_end_time"]
    cols += ["end_time_nominal", "volume", "conc"]
    pd.testing.assert_frame_equal(
        a.conc[cols].reset_index(drop=True), b.conc[cols].reset_index(drop=True)
    )


def test_dm_extra_variables_are_written_back(sdtm, tmp_path):
    a = read_study(sdtm)
    write_cdisc(a, tmp_path / "out", standard="sdtm")
    dm = pd.read_csv(tmp_path / "out" / "dm.csv", dtype=str)
    assert dm["SUBJID"].tolist() == ["101", "102"]
    b = read_study(tmp_path / "out")
    assert b.subjects["SUBJID"].tolist() == ["101", "102"]


def test_without_a_nominal_end_the_actual_length_is_written_with_a_note(tmp_path):
    c = pd.DataFrame(
        {
            "subject": "1",
            "time": [0.0, 6.5],
            "nominal_time": [0.0, 6.0],
            "end_time": [6.5, 12.0],
            "conc": [4.0, 2.0],
            "matrix": "URINE",
        }
    )
    d = pd.DataFrame({"subject": ["1"], "time": [0.0], "dose": [1.0], "route": ["iv_bolus"]})
    st = Study(c, d, units={"time": "h", "conc": "ng/mL", "dose": "mg"})
    written = write_cdisc(st, tmp_path)
    pc = pd.read_csv(tmp_path / "pc.csv", dtype=str, keep_default_na=False)
    # nominal start + actual length: 0 + 6.5, 6 + 5.5
    assert pc["PCELTM"].tolist() == ["PT6.5H", "PT11.5H"]
    assert pc["PCEVLINT"].tolist() == ["-PT6.5H", "-PT5.5H"]
    assert pc["PCENDTC"].tolist() == ["2000-01-01T14:30:00", "2000-01-01T20:00:00"]
    (note,) = written.notes
    assert "without a nominal end (rows 1, 2 of the concentration table)" in note
    assert not np.isnan(st.conc["end_time"]).any()


def test_planned_times_survive_a_csv_round_trip(sdtm, tmp_path):
    from kinetor.data import write_csv

    write_csv(read_study(sdtm), tmp_path / "csv")
    b = read_study(tmp_path / "csv")  # nominal_end_time, end_time_nominal come back as text
    b.units["volume"] = "mL"
    write_cdisc(b, tmp_path / "out")
    u = _urine(tmp_path / "out")
    assert u["PCELTM"].tolist() == ["PT6H", "PT12H", "PT24H", "PT24H", "PT6H", "PT12H"]
    assert u["PCENDTC"].tolist()[2::3] == ["", ""]


def test_a_nominal_end_that_is_not_a_number_is_a_data_error(sdtm, tmp_path):
    from kinetor.errors import DataError

    a = read_study(sdtm)
    a.conc["nominal_end_time"] = a.conc["nominal_end_time"].astype(object)
    a.conc.loc[3, "nominal_end_time"] = "six"
    with pytest.raises(DataError, match=r"nominal_end_time is not a number: 'six' \(row 4"):
        write_cdisc(a, tmp_path / "out")
